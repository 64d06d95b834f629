/* lw-spatial-std.c: per-plane standard deviation, one plane per unit of
 * parallel work; the sums run in double, planes being up to 48x48. */
#include "lw-spatial-std.h"
#include "lw-parallel.h"

#include <math.h>

typedef struct {
  const float *z, *s, *mean, *ds;
  float *out_s, *out_mean, *dz;
  gsize hw;
  gboolean accumulate;
} Planes;

static gsize
min_planes (gsize hw)
{
  return MAX (LW_PARALLEL_MIN_CHUNK / MAX (hw, 1), 1);
}

static void
forward_range (gsize start, gsize end, gpointer data)
{
  const Planes *pl = data;
  const gsize hw = pl->hw;

  for (gsize u = start; u < end; u++)
    {
      const float *z = pl->z + u * hw;
      double sum = 0.0, sq = 0.0, mean;

      for (gsize p = 0; p < hw; p++)
        sum += z[p];
      mean = sum / (double) hw;
      for (gsize p = 0; p < hw; p++)
        {
          double d = z[p] - mean;
          sq += d * d;
        }
      pl->out_mean[u] = (float) mean;
      pl->out_s[u] = (float) sqrt (sq / (double) (hw - 1));
    }
}

void
lw_spatial_std_forward (const float *z, guint n, guint c, gsize hw,
                        float *s, float *mean)
{
  Planes pl = { .z = z, .out_s = s, .out_mean = mean, .hw = hw };

  g_return_if_fail (hw >= 2);
  lw_parallel_for ((gsize) n * c, min_planes (hw), forward_range, &pl);
}

static void
backward_range (gsize start, gsize end, gpointer data)
{
  const Planes *pl = data;
  const gsize hw = pl->hw;

  for (gsize u = start; u < end; u++)
    {
      const float *restrict z = pl->z + u * hw;
      float *restrict dz = pl->dz + u * hw;
      float mean = pl->mean[u];
      float k = pl->s[u] > 0.0f ? pl->ds[u] / ((float) (hw - 1) * pl->s[u]) : 0.0f;

      if (pl->accumulate)
        for (gsize p = 0; p < hw; p++)
          dz[p] += k * (z[p] - mean);
      else
        for (gsize p = 0; p < hw; p++)
          dz[p] = k * (z[p] - mean);
    }
}

void
lw_spatial_std_backward (const float *z, const float *s, const float *mean,
                         const float *ds, guint n, guint c, gsize hw,
                         float *dz, gboolean accumulate)
{
  Planes pl = { .z = z, .s = s, .mean = mean, .ds = ds, .dz = dz, .hw = hw,
                .accumulate = accumulate };

  g_return_if_fail (hw >= 2);
  lw_parallel_for ((gsize) n * c, min_planes (hw), backward_range, &pl);
}
