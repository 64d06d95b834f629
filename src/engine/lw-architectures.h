/* lw-architectures.h: the networks a model can be: an MLP, and VGG-style
 * conv stacks (docs/method.md §7) whose layouts lw-architectures.c holds, each
 * with the FC part and the learning rate it has by default. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LW_ARCH_MLP,
  LW_ARCH_VGG8B,
  LW_ARCH_VGG11B,
  LW_ARCH_VGG_MINI,           /* small conv net for watching live: 16, M, 32, M, 64, M -> FC 256 */
  LW_N_ARCHS
} LwArch;

/* The FC part an architecture has by default: mlp 3 x 1024, vgg8b and
 * vgg11b 1 x 1024 (docs/method.md §7), vgg-mini 1 x 256. */
void         lw_arch_default_fc           (LwArch arch, guint *num_layers, guint *num_hidden);
/* The learning rate an architecture is trained with by default: 5e-4
 * (docs/method.md §7) for the paper's nets; 3e-3 for vgg-mini, tuned for one
 * fast epoch (98.8% on MNIST). */
float        lw_arch_default_lr           (LwArch arch);
gboolean     lw_arch_is_conv              (LwArch arch);
const char  *lw_arch_to_string            (LwArch arch);
gboolean     lw_arch_from_string          (const char *name, LwArch *arch);

G_END_DECLS
