/* lw-pool.c: max and average pooling, one input plane per unit of work. */
#include "lw-pool.h"
#include "lw-parallel.h"

#include <math.h>
#include <string.h>

typedef struct {
  gconstpointer pool;
  const float *x;             /* forward input, or dy */
  float *y;                   /* forward output, or dx */
  gboolean accumulate;
} Planes;

static gsize
min_planes (gsize plane_size)
{
  return MAX (LW_PARALLEL_MIN_CHUNK / MAX (plane_size, 1), 1);
}

void
lw_maxpool_init (LwMaxPool *p, guint c, guint h, guint w, guint max_n)
{
  g_return_if_fail (c > 0 && h >= 2 && w >= 2 && max_n > 0);

  p->c = c;
  p->h = h;
  p->w = w;
  p->oh = h / 2;
  p->ow = w / 2;
  p->max_n = max_n;
  p->argmax = g_new0 (guint32, (gsize) max_n * c * p->oh * p->ow);
}

void
lw_maxpool_clear (LwMaxPool *p)
{
  g_clear_pointer (&p->argmax, g_free);
}

static void
maxpool_forward_range (gsize start, gsize end, gpointer data)
{
  const Planes *pl = data;
  const LwMaxPool *p = pl->pool;
  const gsize in = (gsize) p->h * p->w, out = (gsize) p->oh * p->ow;

  for (gsize u = start; u < end; u++)
    {
      const float *x = pl->x + u * in;
      float *y = pl->y + u * out;
      guint32 *arg = p->argmax + u * out;

      for (guint oy = 0; oy < p->oh; oy++)
        for (guint ox = 0; ox < p->ow; ox++)
          {
            guint32 i00 = (2 * oy) * p->w + 2 * ox;
            guint32 window[4] = { i00, i00 + 1, i00 + p->w, i00 + p->w + 1 };
            guint32 best = i00;

            for (guint k = 1; k < 4; k++)
              if (x[window[k]] > x[best] || isnan (x[window[k]]))
                best = window[k];
            arg[oy * p->ow + ox] = best;
            y[oy * p->ow + ox] = x[best];
          }
    }
}

void
lw_maxpool_forward (LwMaxPool *p, const float *x, guint n, float *y)
{
  Planes pl = { p, x, y, FALSE };

  g_return_if_fail (n <= p->max_n);
  lw_parallel_for ((gsize) n * p->c, min_planes ((gsize) p->h * p->w), maxpool_forward_range, &pl);
}

static void
maxpool_backward_range (gsize start, gsize end, gpointer data)
{
  const Planes *pl = data;
  const LwMaxPool *p = pl->pool;
  const gsize in = (gsize) p->h * p->w, out = (gsize) p->oh * p->ow;

  for (gsize u = start; u < end; u++)
    {
      const float *dy = pl->x + u * out;
      const guint32 *arg = p->argmax + u * out;
      float *dx = pl->y + u * in;

      if (!pl->accumulate)
        memset (dx, 0, in * sizeof (float));
      /* Windows do not overlap: each input gets at most one term. */
      for (gsize o = 0; o < out; o++)
        dx[arg[o]] += dy[o];
    }
}

void
lw_maxpool_backward (const LwMaxPool *p, const float *dy, guint n, float *dx,
                     gboolean accumulate)
{
  Planes pl = { p, dy, dx, accumulate };

  g_return_if_fail (n <= p->max_n);
  lw_parallel_for ((gsize) n * p->c, min_planes ((gsize) p->h * p->w), maxpool_backward_range, &pl);
}

gboolean
lw_pool_shape_for_head (guint c, guint s, guint dim_in_decoder, LwPoolShape *shape)
{
  guint kh = 1, kw = 1, oh = s, ow = s;
  guint64 d = (guint64) c * oh * ow;

  g_return_val_if_fail (c > 0 && s > 0 && shape != NULL, FALSE);

  while (d > dim_in_decoder && kh < s)
    {
      kh *= 2;
      oh = (s + kh - 1) / kh;
      d = (guint64) c * oh * ow;
      if (d > dim_in_decoder)
        {
          kw *= 2;
          ow = (s + kw - 1) / kw;
          d = (guint64) c * oh * ow;
        }
    }

  shape->kh = kh;
  shape->kw = kw;
  shape->oh = oh;
  shape->ow = ow;
  /* Padding that makes the ceil-sized grid come out of a floor-mode pool. */
  shape->ph = kh * (oh - s / kh) / 2;
  shape->pw = kw * (ow - s / kw) / 2;
  return kh > 1 || kw > 1;
}

void
lw_avgpool_init (LwAvgPool *p, guint c, guint h, guint w,
                 guint kh, guint kw, guint ph, guint pw)
{
  g_return_if_fail (c > 0 && kh > 0 && kw > 0);
  g_return_if_fail (2 * ph <= kh && 2 * pw <= kw);
  g_return_if_fail (h + 2 * ph >= kh && w + 2 * pw >= kw);

  p->c = c;
  p->h = h;
  p->w = w;
  p->kh = kh;
  p->kw = kw;
  p->ph = ph;
  p->pw = pw;
  p->oh = (h + 2 * ph - kh) / kh + 1;
  p->ow = (w + 2 * pw - kw) / kw + 1;
}

/* The input rows (or columns) of window o: [lo, hi) clipped to the plane.
 * In floor mode a window never reaches past the padding, so the divisor
 * is always the whole kernel. */
static inline void
window (guint o, guint k, guint pad, guint size, guint *lo, guint *hi)
{
  int first = (int) (o * k) - (int) pad;

  *lo = (guint) MAX (first, 0);
  *hi = (guint) CLAMP (first + (int) k, 0, (int) size);
}

static void
avgpool_forward_range (gsize start, gsize end, gpointer data)
{
  const Planes *pl = data;
  const LwAvgPool *p = pl->pool;
  const gsize in = (gsize) p->h * p->w, out = (gsize) p->oh * p->ow;
  const float scale = 1.0f / (float) (p->kh * p->kw);

  for (gsize u = start; u < end; u++)
    {
      const float *x = pl->x + u * in;
      float *y = pl->y + u * out;

      for (guint oy = 0; oy < p->oh; oy++)
        {
          guint y0, y1;

          window (oy, p->kh, p->ph, p->h, &y0, &y1);
          for (guint ox = 0; ox < p->ow; ox++)
            {
              float sum = 0.0f;
              guint x0, x1;

              window (ox, p->kw, p->pw, p->w, &x0, &x1);
              for (guint iy = y0; iy < y1; iy++)
                for (guint ix = x0; ix < x1; ix++)
                  sum += x[(gsize) iy * p->w + ix];
              y[oy * p->ow + ox] = sum * scale;
            }
        }
    }
}

void
lw_avgpool_forward (const LwAvgPool *p, const float *x, guint n, float *y)
{
  Planes pl = { p, x, y, FALSE };

  lw_parallel_for ((gsize) n * p->c, min_planes ((gsize) p->h * p->w), avgpool_forward_range, &pl);
}

static void
avgpool_backward_range (gsize start, gsize end, gpointer data)
{
  const Planes *pl = data;
  const LwAvgPool *p = pl->pool;
  const gsize in = (gsize) p->h * p->w, out = (gsize) p->oh * p->ow;
  const float scale = 1.0f / (float) (p->kh * p->kw);

  for (gsize u = start; u < end; u++)
    {
      const float *dy = pl->x + u * out;
      float *dx = pl->y + u * in;

      /* Rows and columns the floor mode leaves out get no gradient. */
      if (!pl->accumulate)
        memset (dx, 0, in * sizeof (float));
      for (guint oy = 0; oy < p->oh; oy++)
        {
          guint y0, y1;

          window (oy, p->kh, p->ph, p->h, &y0, &y1);
          for (guint ox = 0; ox < p->ow; ox++)
            {
              float g = dy[oy * p->ow + ox] * scale;
              guint x0, x1;

              window (ox, p->kw, p->pw, p->w, &x0, &x1);
              for (guint iy = y0; iy < y1; iy++)
                for (guint ix = x0; ix < x1; ix++)
                  dx[(gsize) iy * p->w + ix] += g;
            }
        }
    }
}

void
lw_avgpool_backward (const LwAvgPool *p, const float *dy, guint n, float *dx,
                     gboolean accumulate)
{
  Planes pl = { p, dy, dx, accumulate };

  lw_parallel_for ((gsize) n * p->c, min_planes ((gsize) p->h * p->w), avgpool_backward_range, &pl);
}
