/* lw-batchnorm2d.c: per-channel normalisation; channels are independent,
 * so each is one unit of parallel work and the result does not depend on
 * the thread count. Sums over a channel run in float within a plane and
 * in double across the batch. */
#include "lw-batchnorm2d.h"
#include "lw-parallel.h"

#include <math.h>
#include <string.h>

typedef struct {
  LwBatchNorm2d *bn;
  const float *x;             /* forward input, or dy */
  float *xhat;                /* forward output */
  const float *saved_xhat;    /* backward input */
  float *y;                   /* forward output, or dx */
  guint n;
} Pass;

void
lw_batchnorm2d_init (LwBatchNorm2d *bn, guint c, gsize hw)
{
  g_return_if_fail (c > 0 && hw > 0);

  lw_batchnorm_init (bn, c);
  bn->hw = hw;
}

void
lw_batchnorm2d_clear (LwBatchNorm2d *bn)
{
  lw_batchnorm_clear (bn);
}

static gsize
min_channels (const LwBatchNorm2d *bn, guint n)
{
  return MAX (LW_PARALLEL_MIN_CHUNK / MAX ((gsize) n * bn->hw, 1), 1);
}

static void
train_range (gsize start, gsize end, gpointer data)
{
  const Pass *ps = data;
  LwBatchNorm2d *bn = ps->bn;
  const gsize hw = bn->hw, stride = (gsize) bn->c * hw;
  const double count = (double) ps->n * hw;
  /* torch stores the unbiased variance in the running estimate. */
  const double unbias = count > 1.0 ? count / (count - 1.0) : 1.0;

  for (gsize j = start; j < end; j++)
    {
      double sum = 0.0, sq = 0.0, var;
      float mean, inv_std, g, b, running_mean, running_var;

      for (guint i = 0; i < ps->n; i++)
        {
          const float *restrict plane = ps->x + i * stride + j * hw;
          float s = 0.0f;
          for (gsize k = 0; k < hw; k++)
            s += plane[k];
          sum += s;
        }
      mean = (float) (sum / count);
      for (guint i = 0; i < ps->n; i++)
        {
          const float *restrict plane = ps->x + i * stride + j * hw;
          float s = 0.0f;
          for (gsize k = 0; k < hw; k++)
            {
              float d = plane[k] - mean;
              s += d * d;
            }
          sq += s;
        }
      var = sq / count;
      inv_std = (float) (1.0 / sqrt (var + bn->eps));
      bn->mean[j] = mean;
      bn->inv_std[j] = inv_std;
      running_mean = (1.0f - bn->momentum) * bn->running_mean[j] + bn->momentum * mean;
      running_var = (1.0f - bn->momentum) * bn->running_var[j]
                    + bn->momentum * (float) (var * unbias);
      /* A diverging batch must not spoil what evaluation normalises with,
       * nor a single value per channel, which has no variance to estimate
       * (lw-batchnorm.c). */
      if (count > 1.0 && isfinite (running_mean) && isfinite (running_var))
        {
          bn->running_mean[j] = running_mean;
          bn->running_var[j] = running_var;
        }

      g = bn->gamma[j];
      b = bn->beta[j];
      for (guint i = 0; i < ps->n; i++)
        {
          /* plane and out are the same when normalising in place. */
          const float *plane = ps->x + i * stride + j * hw;
          float *restrict xh = ps->xhat + i * stride + j * hw;
          float *out = ps->y + i * stride + j * hw;
          for (gsize k = 0; k < hw; k++)
            {
              float h = (plane[k] - mean) * inv_std;
              xh[k] = h;
              out[k] = g * h + b;
            }
        }
    }
}

void
lw_batchnorm2d_forward_train (LwBatchNorm2d *bn, const float *x, guint n, float *xhat, float *y)
{
  Pass ps = { .bn = bn, .x = x, .xhat = xhat, .y = y, .n = n };

  lw_parallel_for (bn->c, min_channels (bn, n), train_range, &ps);
}

static void
eval_range (gsize start, gsize end, gpointer data)
{
  const Pass *ps = data;
  LwBatchNorm2d *bn = ps->bn;
  const gsize hw = bn->hw, stride = (gsize) bn->c * hw;

  for (gsize j = start; j < end; j++)
    {
      float scale = bn->gamma[j] / sqrtf (bn->running_var[j] + bn->eps);
      float shift = bn->beta[j] - bn->running_mean[j] * scale;

      for (guint i = 0; i < ps->n; i++)
        {
          const float *plane = ps->x + i * stride + j * hw;
          float *out = ps->y + i * stride + j * hw;
          for (gsize k = 0; k < hw; k++)
            out[k] = plane[k] * scale + shift;
        }
    }
}

void
lw_batchnorm2d_forward_eval (LwBatchNorm2d *bn, const float *x, guint n, float *y)
{
  Pass ps = { .bn = bn, .x = x, .y = y, .n = n };

  lw_parallel_for (bn->c, min_channels (bn, n), eval_range, &ps);
}

static void
backward_range (gsize start, gsize end, gpointer data)
{
  const Pass *ps = data;
  LwBatchNorm2d *bn = ps->bn;
  const gsize hw = bn->hw, stride = (gsize) bn->c * hw;
  const double count = (double) ps->n * hw;

  for (gsize j = start; j < end; j++)
    {
      double dg = 0.0, db = 0.0;
      float k, mdb, mdg;

      for (guint i = 0; i < ps->n; i++)
        {
          const float *restrict g = ps->x + i * stride + j * hw;
          const float *restrict h = ps->saved_xhat + i * stride + j * hw;
          float sg = 0.0f, sb = 0.0f;
          for (gsize q = 0; q < hw; q++)
            {
              sb += g[q];
              sg += g[q] * h[q];
            }
          db += sb;
          dg += sg;
        }
      bn->dgamma[j] = (float) dg;
      bn->dbeta[j] = (float) db;

      k = bn->gamma[j] * bn->inv_std[j];
      mdb = (float) (db / count);
      mdg = (float) (dg / count);
      for (guint i = 0; i < ps->n; i++)
        {
          const float *g = ps->x + i * stride + j * hw;
          const float *h = ps->saved_xhat + i * stride + j * hw;
          float *out = ps->y + i * stride + j * hw;
          for (gsize q = 0; q < hw; q++)
            out[q] = k * (g[q] - mdb - h[q] * mdg);
        }
    }
}

void
lw_batchnorm2d_backward (LwBatchNorm2d *bn, const float *xhat, const float *dy, guint n,
                         float *dx)
{
  Pass ps = { .bn = bn, .x = dy, .saved_xhat = xhat, .y = dx, .n = n };

  lw_parallel_for (bn->c, min_channels (bn, n), backward_range, &ps);
}
