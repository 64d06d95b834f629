/* lw-dropout2d.c: whole-plane dropout. */
#include "lw-dropout2d.h"

void
lw_dropout2d_forward (float p, const float *x, guint n, guint c, gsize hw,
                      float *mask, float *out, LwRng *rng)
{
  const float keep = 1.0f / (1.0f - p);

  for (gsize u = 0; u < (gsize) n * c; u++)
    {
      const float *plane = x + u * hw;
      float *dst = out + u * hw;
      float m = lw_rng_uniform (rng) < p ? 0.0f : keep;

      mask[u] = m;
      for (gsize k = 0; k < hw; k++)
        dst[k] = plane[k] * m;
    }
}

void
lw_dropout2d_backward (const float *mask, const float *dy, guint n, guint c, gsize hw,
                       float *dx, gboolean accumulate)
{
  for (gsize u = 0; u < (gsize) n * c; u++)
    {
      const float *g = dy + u * hw;
      float *d = dx + u * hw;
      float m = mask[u];

      if (accumulate)
        for (gsize k = 0; k < hw; k++)
          d[k] += g[k] * m;
      else
        for (gsize k = 0; k < hw; k++)
          d[k] = g[k] * m;
    }
}
