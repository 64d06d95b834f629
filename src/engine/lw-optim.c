/* lw-optim.c: the update rules of torch.optim.Adam and torch.optim.SGD. */
#include "lw-optim.h"
#include "lw-parallel.h"

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

/* One update over a contiguous range, so large tensors can be split
 * over threads. */
typedef struct {
  LwParam *p;
  const LwOptimSettings *s;
  float step;                 /* Adam: lr / bias correction 1; SGD: lr */
  float inv_sqrt_bc2;
  gboolean first;
} Update;

static void
adam_range (gsize start, gsize end, gpointer data)
{
  const Update *u = data;
  float *restrict w = u->p->w, *restrict m = u->p->m, *restrict v = u->p->v;
  const float *restrict g = u->p->g;
  const float b1 = u->s->beta1, b2 = u->s->beta2, wd = u->s->weight_decay, eps = u->s->eps;
  const float step = u->step, inv_sqrt_bc2 = u->inv_sqrt_bc2;

  for (gsize i = start; i < end; i++)
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
sgd_range (gsize start, gsize end, gpointer data)
{
  const Update *u = data;
  float *restrict w = u->p->w, *restrict buf = u->p->m;
  const float *restrict g = u->p->g;
  const float wd = u->s->weight_decay, mu = u->s->momentum, lr = u->step;

  for (gsize i = start; i < end; i++)
    {
      float gi = g[i] + wd * w[i];
      if (mu != 0.0f)
        {
          buf[i] = u->first ? gi : mu * buf[i] + gi;
          gi = buf[i];
        }
      w[i] -= lr * gi;
    }
}

void
lw_param_step (LwParam *p, const LwOptimSettings *s, float lr)
{
  Update u = { .p = p, .s = s, .step = lr, .first = p->t == 0 };

  p->t++;
  if (s->kind == LW_OPTIM_ADAM)
    {
      double bc1 = 1.0 - pow (s->beta1, (double) p->t);
      double bc2 = 1.0 - pow (s->beta2, (double) p->t);

      u.step = (float) (lr / bc1);
      u.inv_sqrt_bc2 = (float) (1.0 / sqrt (bc2));
      lw_parallel_for (p->n, LW_PARALLEL_MIN_CHUNK, adam_range, &u);
    }
  else
    lw_parallel_for (p->n, LW_PARALLEL_MIN_CHUNK, sgd_range, &u);
}
