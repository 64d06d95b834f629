/* gradcheck.c: central differences and the comparison rule shared by the
 * layer and loss tests. */
#include "gradcheck.h"

#include <math.h>
#include <string.h>

guint
gc_numeric_gradient (GcLossFunc loss, gpointer user_data,
                     float *p, gsize n, double step, double *grad)
{
  guint64 base_sig = 0, sig_plus = 0, sig_minus = 0;
  guint skipped = 0;

  loss (user_data, &base_sig);
  for (gsize i = 0; i < n; i++)
    {
      const float saved = p[i];
      double up, down, lp, lm;

      p[i] = (float) ((double) saved + step);
      up = (double) p[i] - (double) saved;
      lp = loss (user_data, &sig_plus);
      p[i] = (float) ((double) saved - step);
      down = (double) saved - (double) p[i];
      lm = loss (user_data, &sig_minus);
      p[i] = saved;

      if (sig_plus != base_sig || sig_minus != base_sig)
        {
          grad[i] = NAN;
          skipped++;
        }
      else
        grad[i] = (lp - lm) / (up + down);
    }
  return skipped;
}

double
gc_rel_error (const float *analytic, const double *numeric, gsize n, double floor)
{
  double diff = 0.0, na = 0.0, nn = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double a = analytic[i], b = numeric[i];
      if (isnan (b))
        continue;
      diff += (a - b) * (a - b);
      na += a * a;
      nn += b * b;
    }
  return sqrt (diff) / MAX (sqrt (na) + sqrt (nn), floor);
}

void
gc_assert_gradient (const char *what, const float *analytic, const double *numeric,
                    gsize n, double tol)
{
  double max_num = 0.0, worst = 0.0, rel;
  gsize skipped = 0, worst_i = 0;

  g_assert_cmpuint (n, >, 0);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (analytic[i]));
      if (isnan (numeric[i]))
        skipped++;
      else
        max_num = MAX (max_num, fabs (numeric[i]));
    }
  /* A gradient that is zero everywhere checks nothing. */
  g_assert_cmpfloat (max_num, >, 1e-9);

  for (gsize i = 0; i < n; i++)
    {
      double a = analytic[i], b = numeric[i], e;
      if (isnan (b))
        continue;
      e = fabs (a - b) / MAX (fabs (a) + fabs (b), 0.1 * max_num);
      if (e > worst)
        {
          worst = e;
          worst_i = i;
        }
    }
  rel = gc_rel_error (analytic, numeric, n, 1e-12);
  g_test_message ("%s: %" G_GSIZE_FORMAT " elements, rel error %.2e, worst element %"
                  G_GSIZE_FORMAT " (%.6g vs %.6g) %.2e, %" G_GSIZE_FORMAT " skipped at kinks",
                  what, n, rel, worst_i, (double) analytic[worst_i], numeric[worst_i], worst,
                  skipped);
  if (rel >= tol || worst >= tol)
    g_test_message ("%s: analytic and numeric gradients disagree", what);
  g_assert_cmpfloat (rel, <, tol);
  g_assert_cmpfloat (worst, <, tol);
  g_assert_cmpuint (skipped * 10, <=, n);
}

void
gc_assert_close (const char *what, double a, double b, double tol)
{
  double e = fabs (a - b) / MAX (fabs (a) + fabs (b), 1e-12);

  if (e >= tol)
    g_test_message ("%s: %.9g vs %.9g (rel %.2e)", what, a, b, e);
  g_assert_cmpfloat (e, <, tol);
}

void
gc_fill_uniform (float *p, gsize n, float lo, float hi, LwRng *rng)
{
  for (gsize i = 0; i < n; i++)
    p[i] = lw_rng_uniform_in (rng, lo, hi);
}

void
gc_fill_away_from_zero (float *p, gsize n, float min_abs, float max_abs, LwRng *rng)
{
  for (gsize i = 0; i < n; i++)
    {
      float m = lw_rng_uniform_in (rng, min_abs, max_abs);
      p[i] = lw_rng_below (rng, 2) ? m : -m;
    }
}

void
gc_fill_labels (guint8 *y, guint n, guint classes, LwRng *rng)
{
  for (guint i = 0; i < n; i++)
    y[i] = (guint8) (i % classes);
  for (guint i = n; i > 1; i--)
    {
      guint j = lw_rng_below (rng, i);
      guint8 t = y[i - 1];
      y[i - 1] = y[j];
      y[j] = t;
    }
}

double
gc_dot (const float *a, const float *r, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (double) a[i] * (double) r[i];
  return s;
}

static guint64
mix_sign (guint64 h, gboolean positive)
{
  /* FNV-1a over one bit per element. */
  h ^= positive ? 1u : 2u;
  return h * 0x100000001b3ULL;
}

guint64
gc_sign_signature (const float *v, gsize n)
{
  guint64 h = 0xcbf29ce484222325ULL;

  for (gsize i = 0; i < n; i++)
    h = mix_sign (h, v[i] > 0.0f);
  return h;
}

guint64
gc_sign_signature_d (const double *v, gsize n)
{
  guint64 h = 0xcbf29ce484222325ULL;

  for (gsize i = 0; i < n; i++)
    h = mix_sign (h, v[i] > 0.0);
  return h;
}

gboolean
gc_bits_equal (const float *a, const float *b, gsize n)
{
  return memcmp (a, b, n * sizeof (float)) == 0;
}

double
gc_ref_softmax_ce (const double *logits, const guint8 *y, guint n, guint classes)
{
  double total = 0.0;

  for (guint i = 0; i < n; i++)
    {
      const double *z = logits + (gsize) i * classes;
      double max = z[0], sum = 0.0;

      for (guint c = 1; c < classes; c++)
        max = MAX (max, z[c]);
      for (guint c = 0; c < classes; c++)
        sum += exp (z[c] - max);
      total += log (sum) + max - z[y[i]];
    }
  return total / n;
}

double
gc_ref_bce_logits (const double *z, const float *codes, const guint8 *y, guint n, guint k)
{
  double total = 0.0;

  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < k; j++)
      {
        double x = z[(gsize) i * k + j], t = codes[(gsize) y[i] * k + j];
        /* -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)), stably. */
        total += MAX (x, 0.0) - x * t + log1p (exp (-fabs (x)));
      }
  return total / ((double) n * k);
}

void
gc_ref_similarity (const double *h, guint n, guint d, double *s)
{
  g_autofree double *u = g_new (double, (gsize) n * d);

  for (guint i = 0; i < n; i++)
    {
      const double *hi = h + (gsize) i * d;
      double *ui = u + (gsize) i * d;
      double mean = 0.0, sq = 0.0;

      for (guint k = 0; k < d; k++)
        mean += hi[k];
      mean /= d;
      for (guint k = 0; k < d; k++)
        {
          ui[k] = hi[k] - mean;
          sq += ui[k] * ui[k];
        }
      for (guint k = 0; k < d; k++)
        ui[k] /= sqrt (sq) + 1e-8;
    }
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        double dot = 0.0;
        for (guint k = 0; k < d; k++)
          dot += u[(gsize) i * d + k] * u[(gsize) j * d + k];
        s[(gsize) i * n + j] = CLAMP (dot, -1.0, 1.0);
      }
}

double
gc_ref_similarity_loss (const double *h, guint n, guint d, const float *table,
                        guint classes, const guint8 *y)
{
  g_autofree double *s = g_new (double, (gsize) n * n);
  double total = 0.0;

  gc_ref_similarity (h, n, d, s);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        double diff = s[(gsize) i * n + j] - table[(gsize) y[i] * classes + y[j]];
        total += diff * diff;
      }
  return total / ((double) n * n);
}
