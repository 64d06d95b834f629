/* lw-optim.c: the update rules of torch.optim.Adam and torch.optim.SGD. */
#include "lw-optim.h"

#include <math.h>

void
lw_param_init (LwParam *p, float *w, float *g, gsize n)
{
  p->w = w;
  p->g = g;
  p->n = n;
  p->t = 0;
  p->m = g_new0 (float, n);
  p->v = g_new0 (float, n);
}

void
lw_param_clear (LwParam *p)
{
  g_clear_pointer (&p->m, g_free);
  g_clear_pointer (&p->v, g_free);
}

static void
adam_step (LwParam *p, const LwOptimSettings *s, float lr)
{
  float *restrict w = p->w, *restrict m = p->m, *restrict v = p->v;
  const float *restrict g = p->g;
  const float b1 = s->beta1, b2 = s->beta2, wd = s->weight_decay, eps = s->eps;
  double bc1, bc2;
  float step, inv_sqrt_bc2;

  p->t++;
  bc1 = 1.0 - pow (b1, (double) p->t);
  bc2 = 1.0 - pow (b2, (double) p->t);
  step = (float) (lr / bc1);
  inv_sqrt_bc2 = (float) (1.0 / sqrt (bc2));

  for (gsize i = 0; i < p->n; i++)
    {
      float gi = g[i] + wd * w[i];
      float mi = b1 * m[i] + (1.0f - b1) * gi;
      float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= step * mi / (sqrtf (vi) * inv_sqrt_bc2 + eps);
    }
}

static void
sgd_step (LwParam *p, const LwOptimSettings *s, float lr)
{
  float *restrict w = p->w, *restrict buf = p->m;
  const float *restrict g = p->g;
  const float wd = s->weight_decay, mu = s->momentum;
  gboolean first = p->t == 0;

  p->t++;
  for (gsize i = 0; i < p->n; i++)
    {
      float gi = g[i] + wd * w[i];
      if (mu != 0.0f)
        {
          buf[i] = first ? gi : mu * buf[i] + gi;
          gi = buf[i];
        }
      w[i] -= lr * gi;
    }
}

void
lw_param_step (LwParam *p, const LwOptimSettings *s, float lr)
{
  if (s->kind == LW_OPTIM_ADAM)
    adam_step (p, s, lr);
  else
    sgd_step (p, s, lr);
}
