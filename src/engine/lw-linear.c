/* lw-linear.c: fully connected layer; products through lw_gemm. */
#include "lw-linear.h"
#include "lw-gemm.h"

#include <math.h>
#include <string.h>

void
lw_fill_uniform (float *w, gsize n, float bound, LwRng *rng)
{
  for (gsize i = 0; i < n; i++)
    w[i] = lw_rng_uniform_in (rng, -bound, bound);
}

void
lw_linear_init (LwLinear *l, guint in, guint out, gboolean has_bias,
                LwInit init, LwRng *rng)
{
  float bound = 1.0f / sqrtf ((float) in);

  l->in = in;
  l->out = out;
  l->has_bias = has_bias;
  l->w = g_new0 (float, (gsize) in * out);
  l->dw = g_new0 (float, (gsize) in * out);
  l->b = has_bias ? g_new0 (float, out) : NULL;
  l->db = has_bias ? g_new0 (float, out) : NULL;

  if (init == LW_INIT_TORCH)
    lw_fill_uniform (l->w, (gsize) in * out, bound, rng);
  if (has_bias && init != LW_INIT_ZERO)
    lw_fill_uniform (l->b, out, bound, rng);
}

void
lw_linear_clear (LwLinear *l)
{
  g_clear_pointer (&l->w, g_free);
  g_clear_pointer (&l->dw, g_free);
  g_clear_pointer (&l->b, g_free);
  g_clear_pointer (&l->db, g_free);
}

void
lw_linear_forward (const LwLinear *l, const float *x, guint n, float *y)
{
  float beta = 0.0f;

  if (l->has_bias)
    {
      for (guint i = 0; i < n; i++)
        memcpy (y + (gsize) i * l->out, l->b, l->out * sizeof (float));
      beta = 1.0f;
    }
  lw_gemm (FALSE, TRUE, n, l->out, l->in, 1.0f, x, l->in, l->w, l->in, beta, y, l->out);
}

void
lw_linear_backward (LwLinear *l, const float *x, const float *dy, guint n,
                    float *dx, gboolean accumulate)
{
  lw_gemm (TRUE, FALSE, l->out, l->in, n, 1.0f, dy, l->out, x, l->in, 0.0f, l->dw, l->in);

  if (l->has_bias)
    {
      memset (l->db, 0, l->out * sizeof (float));
      for (guint i = 0; i < n; i++)
        {
          const float *row = dy + (gsize) i * l->out;
          for (guint j = 0; j < l->out; j++)
            l->db[j] += row[j];
        }
    }

  if (dx != NULL)
    lw_gemm (FALSE, FALSE, n, l->in, l->out, 1.0f, dy, l->out, l->w, l->in,
             accumulate ? 1.0f : 0.0f, dx, l->in);
}

void
lw_feedback_backward (const float *b, guint in, guint out, const float *dy, guint n,
                      float *dx, gboolean accumulate)
{
  lw_gemm (FALSE, FALSE, n, in, out, 1.0f, dy, out, b, in,
           accumulate ? 1.0f : 0.0f, dx, in);
}
