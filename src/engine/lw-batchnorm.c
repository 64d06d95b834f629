/* lw-batchnorm.c: per-feature normalisation with batch statistics. */
#include "lw-batchnorm.h"

#include <math.h>
#include <string.h>

void
lw_batchnorm_init (LwBatchNorm *bn, guint d)
{
  bn->d = d;
  bn->hw = 1;
  bn->momentum = 0.1f;
  bn->eps = 1e-5f;
  bn->gamma = g_new (float, d);
  bn->beta = g_new0 (float, d);
  bn->dgamma = g_new0 (float, d);
  bn->dbeta = g_new0 (float, d);
  bn->running_mean = g_new0 (float, d);
  bn->running_var = g_new (float, d);
  bn->inv_std = g_new0 (float, d);
  bn->mean = g_new0 (float, d);
  for (guint j = 0; j < d; j++)
    bn->gamma[j] = bn->running_var[j] = 1.0f;
}

void
lw_batchnorm_clear (LwBatchNorm *bn)
{
  g_clear_pointer (&bn->gamma, g_free);
  g_clear_pointer (&bn->beta, g_free);
  g_clear_pointer (&bn->dgamma, g_free);
  g_clear_pointer (&bn->dbeta, g_free);
  g_clear_pointer (&bn->running_mean, g_free);
  g_clear_pointer (&bn->running_var, g_free);
  g_clear_pointer (&bn->inv_std, g_free);
  g_clear_pointer (&bn->mean, g_free);
}

void
lw_batchnorm_forward_train (LwBatchNorm *bn, const float *x, guint n, float *xhat, float *y)
{
  const guint d = bn->d;
  float *restrict mean = bn->mean, *restrict var = bn->inv_std;
  float inv_n = 1.0f / (float) n;
  /* torch stores the unbiased variance in the running estimate. */
  float unbias = n > 1 ? (float) n / (float) (n - 1) : 1.0f;

  memset (mean, 0, d * sizeof (float));
  memset (var, 0, d * sizeof (float));
  for (guint i = 0; i < n; i++)
    {
      const float *row = x + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        mean[j] += row[j];
    }
  for (guint j = 0; j < d; j++)
    mean[j] *= inv_n;
  for (guint i = 0; i < n; i++)
    {
      const float *row = x + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        {
          float c = row[j] - mean[j];
          var[j] += c * c;
        }
    }
  for (guint j = 0; j < d; j++)
    {
      float v = var[j] * inv_n;
      float running_mean = (1.0f - bn->momentum) * bn->running_mean[j] + bn->momentum * mean[j];
      float running_var = (1.0f - bn->momentum) * bn->running_var[j] + bn->momentum * v * unbias;
      /* A diverging batch must not spoil what evaluation normalises with,
       * nor a batch of one sample (a last partial batch), which has no
       * variance to estimate: it would pull every running variance
       * towards 0 (torch refuses such a batch outright). */
      if (n > 1 && isfinite (running_mean) && isfinite (running_var))
        {
          bn->running_mean[j] = running_mean;
          bn->running_var[j] = running_var;
        }
      bn->inv_std[j] = 1.0f / sqrtf (v + bn->eps);
    }
  for (guint i = 0; i < n; i++)
    {
      const float *restrict row = x + (gsize) i * d;
      float *restrict xh = xhat + (gsize) i * d;
      float *restrict out = y + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        {
          float h = (row[j] - mean[j]) * bn->inv_std[j];
          xh[j] = h;
          out[j] = bn->gamma[j] * h + bn->beta[j];
        }
    }
}

void
lw_batchnorm_forward_eval (LwBatchNorm *bn, const float *x, guint n, float *y)
{
  const guint d = bn->d;

  for (guint j = 0; j < d; j++)
    bn->mean[j] = bn->gamma[j] / sqrtf (bn->running_var[j] + bn->eps);
  for (guint i = 0; i < n; i++)
    {
      const float *row = x + (gsize) i * d;
      float *out = y + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        out[j] = (row[j] - bn->running_mean[j]) * bn->mean[j] + bn->beta[j];
    }
}

void
lw_batchnorm_backward (LwBatchNorm *bn, const float *xhat, const float *dy, guint n, float *dx)
{
  const guint d = bn->d;
  float *restrict dg = bn->dgamma, *restrict db = bn->dbeta;
  float inv_n = 1.0f / (float) n;

  memset (dg, 0, d * sizeof (float));
  memset (db, 0, d * sizeof (float));
  for (guint i = 0; i < n; i++)
    {
      const float *g = dy + (gsize) i * d;
      const float *h = xhat + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        {
          db[j] += g[j];
          dg[j] += g[j] * h[j];
        }
    }
  for (guint i = 0; i < n; i++)
    {
      const float *g = dy + (gsize) i * d;
      const float *h = xhat + (gsize) i * d;
      float *out = dx + (gsize) i * d;
      for (guint j = 0; j < d; j++)
        out[j] = bn->gamma[j] * bn->inv_std[j] * (g[j] - inv_n * (db[j] + h[j] * dg[j]));
    }
}
