/* lw-losses.c: softmax CE, BCE with logits and the similarity matching loss. */
#include "lw-losses.h"
#include "lw-gemm.h"

#include <math.h>
#include <string.h>

float
lw_softmax_ce (const float *logits, const guint8 *y, guint n, guint classes,
               float scale, float *dlogits, guint *correct)
{
  double total = 0.0;
  guint hits = 0;

  for (guint i = 0; i < n; i++)
    {
      const float *z = logits + (gsize) i * classes;
      guint best = 0;
      float max = z[0];
      double sum = 0.0;

      for (guint c = 1; c < classes; c++)
        if (z[c] > max)
          {
            max = z[c];
            best = c;
          }
      for (guint c = 0; c < classes; c++)
        sum += exp ((double) (z[c] - max));
      total += log (sum) - (double) (z[y[i]] - max);
      hits += best == y[i];

      if (dlogits != NULL)
        {
          float *d = dlogits + (gsize) i * classes;
          float k = scale / (float) n;
          for (guint c = 0; c < classes; c++)
            d[c] = k * ((float) (exp ((double) (z[c] - max)) / sum) - (c == y[i] ? 1.0f : 0.0f));
        }
    }
  if (correct != NULL)
    *correct = hits;
  return (float) (total / n);
}

float
lw_bce_logits (const float *z, const float *codes, const guint8 *y, guint n, guint k,
               float scale, float *dz)
{
  double total = 0.0;
  float inv = scale / ((float) n * (float) k);

  for (guint i = 0; i < n; i++)
    {
      const float *zi = z + (gsize) i * k;
      const float *t = codes + (gsize) y[i] * k;
      for (guint j = 0; j < k; j++)
        {
          float x = zi[j];
          /* max(x,0) - x t + log(1 + e^-|x|): stable for large |x|. */
          total += fmaxf (x, 0.0f) - x * t[j] + log1pf (expf (-fabsf (x)));
          if (dz != NULL)
            dz[(gsize) i * k + j] = inv * (1.0f / (1.0f + expf (-x)) - t[j]);
        }
    }
  return (float) (total / ((double) n * k));
}

void
lw_similarity (const float *h, guint n, guint d, float *u, float *norm, float *s)
{
  for (guint i = 0; i < n; i++)
    {
      const float *hi = h + (gsize) i * d;
      float *ui = u + (gsize) i * d;
      float mean = 0.0f, sq = 0.0f, inv;

      for (guint k = 0; k < d; k++)
        mean += hi[k];
      mean /= (float) d;
      for (guint k = 0; k < d; k++)
        {
          ui[k] = hi[k] - mean;
          sq += ui[k] * ui[k];
        }
      norm[i] = sqrtf (sq);
      inv = 1.0f / (norm[i] + LW_SIM_EPS);
      for (guint k = 0; k < d; k++)
        ui[k] *= inv;
    }
  lw_gemm (FALSE, TRUE, n, n, d, 1.0f, u, d, u, d, 0.0f, s, n);
}

float
lw_similarity_loss (const float *s, const float *table, guint classes, const guint8 *y,
                    guint n, float scale, float *gs)
{
  double total = 0.0;
  float k = 2.0f * scale / ((float) n * (float) n);

  for (guint i = 0; i < n; i++)
    {
      const float *trow = table + (gsize) y[i] * classes;
      for (guint j = 0; j < n; j++)
        {
          float raw = s[(gsize) i * n + j];
          float v = CLAMP (raw, -1.0f, 1.0f);
          float diff = v - trow[y[j]];
          total += (double) diff * diff;
          if (gs != NULL)
            gs[(gsize) i * n + j] = (raw > 1.0f || raw < -1.0f) ? 0.0f : k * diff;
        }
    }
  return (float) (total / ((double) n * n));
}

void
lw_similarity_backward (const float *u, const float *norm, const float *gs,
                        guint n, guint d, float *du, float *dh)
{
  /* s = u u^T, so du = (gs + gs^T) u; gs is symmetric here, hence 2 gs u. */
  lw_gemm (FALSE, FALSE, n, d, n, 2.0f, gs, n, u, d, 0.0f, du, d);

  for (guint i = 0; i < n; i++)
    {
      const float *ui = u + (gsize) i * d;
      const float *gi = du + (gsize) i * d;
      float *out = dh + (gsize) i * d;
      float dot = 0.0f, mean = 0.0f;
      float a = 1.0f / (norm[i] + LW_SIM_EPS);
      /* A row that was constant has no direction to move along. */
      float b = norm[i] > 0.0f ? 1.0f / norm[i] : 0.0f;

      for (guint k = 0; k < d; k++)
        dot += ui[k] * gi[k];
      for (guint k = 0; k < d; k++)
        {
          out[k] = a * gi[k] - b * dot * ui[k];
          mean += out[k];
        }
      mean /= (float) d;
      for (guint k = 0; k < d; k++)
        out[k] -= mean;
    }
}

void
lw_similarity_table (const float *vecs, guint classes, guint k, float *table)
{
  g_autofree float *u = g_new (float, (gsize) classes * k);
  g_autofree float *norm = g_new (float, classes);

  lw_similarity (vecs, classes, k, u, norm, table);
  for (gsize i = 0; i < (gsize) classes * classes; i++)
    table[i] = CLAMP (table[i], -1.0f, 1.0f);
}
