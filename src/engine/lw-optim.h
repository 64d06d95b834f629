/* lw-optim.h: Adam and SGD with momentum, one parameter tensor at a time.
 * Each tensor counts its own steps, so a head that sits idle in one loss
 * mode resumes with correct bias correction when switched back on. */
#pragma once

#include <glib.h>
#include "lw-model.h"

G_BEGIN_DECLS

typedef struct {
  LwOptimKind kind;
  float beta1, beta2, eps;    /* Adam: 0.9, 0.999, 1e-8 */
  float momentum;             /* SGD */
  float weight_decay;         /* L2 added to the gradient, as torch.optim does */
} LwOptimSettings;

typedef struct {
  float *w;                   /* weights, owned by the layer */
  float *g;                   /* gradient, owned by the layer */
  float *m;                   /* first moment / momentum buffer, owned here */
  float *v;                   /* second moment, owned here */
  gsize n;
  guint64 t;
} LwParam;

void lw_param_init  (LwParam *p, float *w, float *g, gsize n);
void lw_param_clear (LwParam *p);
void lw_param_step  (LwParam *p, const LwOptimSettings *s, float lr);

G_END_DECLS
