/* lw-architectures.c: the networks a model can be: their names, their
 * conv layouts (docs/method.md §7), their default FC part and learning rate,
 * and the conv blocks' shapes a layout gives for an input. */
#include "config.h"

#include "lw-architectures.h"
#include "lw-model-private.h"

#include <glib/gi18n-lib.h>

/* Conv layouts of docs/method.md §7: channels, POOL for 'M' (a max pool after
 * the conv before it). */
#define POOL 0u

typedef struct {
  const char *name;
  guint n;                    /* entries in layout; 0 for mlp */
  guint layout[LW_ARCH_MAX_LAYOUT];
  guint fc_layers, fc_hidden; /* the default FC part */
  float lr;                   /* the default learning rate */
} ArchInfo;

static const ArchInfo archs[LW_N_ARCHS] = {
  [LW_ARCH_MLP] = { "mlp", 0, { 0 }, 3, 1024, 5e-4f },
  [LW_ARCH_VGG8B] = { "vgg8b", 10, { 128, 256, POOL, 256, 512, POOL, 512, POOL, 512, POOL },
                      1, 1024, 5e-4f },
  [LW_ARCH_VGG11B] = { "vgg11b", 13, { 128, 128, 128, 256, POOL, 256, 512, POOL, 512, 512, POOL,
                                      512, POOL }, 1, 1024, 5e-4f },
  /* Small enough to learn MNIST in one epoch within a minute on two
   * cores: predsim, batch 128, one epoch of full MNIST reaches 98.8% test
   * accuracy (seeds 1-3) at lr 3e-3, against 97.7% at the paper's 5e-4;
   * 2e-3 gave 98.5%, 4e-3 98.8%. Wider nets gained little for their time:
   * 96 channels in the last conv 98.85% at 20% more time per sample (below
   * 1,000 samples/s on two busy cores), 32, 64, 128 99.0% at 2.4x;
   * narrower first convs (8 or 12) lost 0.3-0.4%. */
  [LW_ARCH_VGG_MINI] = { "vgg-mini", 6, { 16, POOL, 32, POOL, 64, POOL }, 1, 256, 3e-3f },
};

void
lw_arch_default_fc (LwArch arch, guint *num_layers, guint *num_hidden)
{
  g_return_if_fail (arch < LW_N_ARCHS);
  if (num_layers != NULL)
    *num_layers = archs[arch].fc_layers;
  if (num_hidden != NULL)
    *num_hidden = archs[arch].fc_hidden;
}

float
lw_arch_default_lr (LwArch arch)
{
  g_return_val_if_fail (arch < LW_N_ARCHS, 5e-4f);
  return archs[arch].lr;
}

gboolean
lw_arch_is_conv (LwArch arch)
{
  return arch < LW_N_ARCHS && archs[arch].n > 0;
}

guint
lw_model_config_n_blocks (const LwModelConfig *config)
{
  guint n = config->num_layers;

  if (lw_arch_is_conv (config->arch))
    for (guint i = 0; i < archs[config->arch].n; i++)
      n += archs[config->arch].layout[i] != POOL;
  return n;
}

const char *
lw_arch_to_string (LwArch arch)
{
  g_return_val_if_fail (arch < LW_N_ARCHS, NULL);
  return archs[arch].name;
}

gboolean
lw_arch_from_string (const char *name, LwArch *arch)
{
  for (guint i = 0; i < LW_N_ARCHS && name != NULL; i++)
    if (g_str_equal (name, archs[i].name))
      {
        *arch = i;
        return TRUE;
      }
  return FALSE;
}

guint
lw_arch_conv_shapes (const LwModelConfig *c, LwConvBlockShape *shapes, const char **what)
{
  const ArchInfo *info = &archs[c->arch];
  guint n = 0, size = c->in_height, c_in = c->in_channels;

  for (guint i = 0; i < info->n; i++)
    {
      if (info->layout[i] == POOL)
        {
          if (size < 2)
            {
              *what = _("input is too small for the architecture");
              return 0;
            }
          shapes[n - 1].pool_after = TRUE;
          size /= 2;
          continue;
        }
      /* docs/method.md §7: a 7x7 stride 2 first conv for inputs above 64 px. */
      shapes[n] = (LwConvBlockShape) {
        .c_in = c_in,
        .c_out = info->layout[i] * c->feat_mult,
        .size = size,
        .kernel = n == 0 && size > 64 ? 7 : 3,
        .dim_in_decoder = c->dim_in_decoder,
        .bpf_sim_dim = c->dim_in_decoder,
        .no_batch_norm = c->no_batch_norm,
        .no_similarity_std = c->no_similarity_std,
      };
      if (shapes[n].kernel == 7)
        size = (size - 1) / 2 + 1;
      c_in = shapes[n].c_out;
      n++;
    }
  return n;
}
