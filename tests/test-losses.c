/* test-losses.c: the losses of docs/method.md §3–§5 — softmax cross-entropy,
 * binary cross-entropy with logits and the similarity matching loss —
 * their values against double-precision reference formulas and their
 * gradients against central differences of those formulas. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-losses.h"
#include "gradcheck.h"

/* ------------------------------------------------------------------ */
/* Softmax cross-entropy */

typedef struct {
  float *logits;
  const guint8 *y;
  guint n, classes;
} CeProblem;

static double
ce_loss (gpointer data, guint64 *sig)
{
  CeProblem *p = data;
  gsize m = (gsize) p->n * p->classes;
  g_autofree double *z = g_new (double, m);

  for (gsize i = 0; i < m; i++)
    z[i] = p->logits[i];
  *sig = 0;
  return gc_ref_softmax_ce (z, p->y, p->n, p->classes);
}

static void
test_softmax_ce_gradient (void)
{
  const guint n = 9, classes = 6;
  LwRng rng;
  float logits[9 * 6], d[9 * 6], d_scaled[9 * 6];
  guint8 y[9];
  double num[9 * 6];
  CeProblem p = { logits, y, n, classes };
  guint correct = 0, hits = 0;
  float loss;

  lw_rng_init (&rng, 1, 0);
  gc_fill_uniform (logits, n * classes, -3.0f, 3.0f, &rng);
  gc_fill_labels (y, n, classes, &rng);

  loss = lw_softmax_ce (logits, y, n, classes, 1.0f, d, &correct);
  gc_assert_close ("softmax ce value", loss, ce_loss (&p, &(guint64) { 0 }), 1e-5);

  g_assert_cmpuint (gc_numeric_gradient (ce_loss, &p, logits, n * classes, 1e-3, num), ==, 0);
  gc_assert_gradient ("softmax ce dlogits", d, num, n * classes, GC_TOLERANCE);

  /* Each row of the gradient sums to zero (softmax minus one-hot). */
  for (guint i = 0; i < n; i++)
    {
      double s = 0.0;
      for (guint c = 0; c < classes; c++)
        s += d[i * classes + c];
      g_assert_cmpfloat (fabs (s), <, 1e-6);
    }

  /* scale multiplies the gradient, not the returned loss. */
  g_assert_cmpfloat (lw_softmax_ce (logits, y, n, classes, 0.25f, d_scaled, NULL), ==, loss);
  for (guint i = 0; i < n * classes; i++)
    g_assert_cmpfloat_with_epsilon (d_scaled[i], 0.25f * d[i], 1e-7);

  /* correct counts argmax hits; dlogits may be NULL. */
  for (guint i = 0; i < n; i++)
    {
      guint best = 0;
      for (guint c = 1; c < classes; c++)
        if (logits[i * classes + c] > logits[i * classes + best])
          best = c;
      hits += best == y[i];
    }
  g_assert_cmpuint (correct, ==, hits);
  correct = 1234;
  g_assert_cmpfloat (lw_softmax_ce (logits, y, n, classes, 1.0f, NULL, &correct), ==, loss);
  g_assert_cmpuint (correct, ==, hits);
}

static void
test_softmax_ce_values (void)
{
  /* Uniform logits: log(C). A confident right answer: ~0. */
  float z[2 * 10] = { 0 };
  guint8 y[2] = { 3, 7 };
  float d[2 * 10];
  guint correct;

  g_assert_cmpfloat_with_epsilon (lw_softmax_ce (z, y, 2, 10, 1.0f, NULL, NULL), log (10.0), 1e-6);
  z[3] = 50.0f;
  z[10 + 7] = 50.0f;
  g_assert_cmpfloat_with_epsilon (lw_softmax_ce (z, y, 2, 10, 1.0f, NULL, &correct), 0.0, 1e-6);
  g_assert_cmpuint (correct, ==, 2);

  /* Large logits stay finite (the maximum is subtracted). */
  for (guint i = 0; i < 20; i++)
    z[i] = 1000.0f + i;
  {
    double ref[20];
    for (guint i = 0; i < 20; i++)
      ref[i] = z[i];
    gc_assert_close ("softmax ce, large logits",
                     lw_softmax_ce (z, y, 2, 10, 1.0f, d, &correct),
                     gc_ref_softmax_ce (ref, y, 2, 10), 1e-5);
  }
  for (guint i = 0; i < 20; i++)
    g_assert_true (isfinite (d[i]));
  g_assert_cmpuint (correct, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Binary cross-entropy with logits (the bpf prediction loss) */

typedef struct {
  float *z;
  const float *codes;
  const guint8 *y;
  guint n, k;
} BceProblem;

static double
bce_loss (gpointer data, guint64 *sig)
{
  BceProblem *p = data;
  gsize m = (gsize) p->n * p->k;
  g_autofree double *z = g_new (double, m);

  for (gsize i = 0; i < m; i++)
    z[i] = p->z[i];
  *sig = 0;
  return gc_ref_bce_logits (z, p->codes, p->y, p->n, p->k);
}

static void
test_bce_gradient (void)
{
  const guint n = 7, k = 9, classes = 3;
  LwRng rng;
  float z[7 * 9], d[7 * 9], d_scaled[7 * 9], codes[3 * 9];
  guint8 y[7];
  double num[7 * 9];
  BceProblem p = { z, codes, y, n, k };
  float loss;

  lw_rng_init (&rng, 2, 0);
  gc_fill_uniform (z, n * k, -4.0f, 4.0f, &rng);
  for (guint i = 0; i < classes * k; i++)
    codes[i] = lw_rng_below (&rng, 2) ? 1.0f : 0.0f;
  gc_fill_labels (y, n, classes, &rng);

  loss = lw_bce_logits (z, codes, y, n, k, 1.0f, d);
  gc_assert_close ("bce value", loss, bce_loss (&p, &(guint64) { 0 }), 1e-5);
  g_assert_cmpuint (gc_numeric_gradient (bce_loss, &p, z, n * k, 1e-3, num), ==, 0);
  gc_assert_gradient ("bce dz", d, num, n * k, GC_TOLERANCE);

  g_assert_cmpfloat (lw_bce_logits (z, codes, y, n, k, 0.5f, d_scaled), ==, loss);
  for (guint i = 0; i < n * k; i++)
    g_assert_cmpfloat_with_epsilon (d_scaled[i], 0.5f * d[i], 1e-7);
  g_assert_cmpfloat (lw_bce_logits (z, codes, y, n, k, 1.0f, NULL), ==, loss);
}

static void
test_bce_values (void)
{
  float z[4] = { 0 }, codes[2 * 2] = { 1, 0, 0, 1 }, d[4];
  guint8 y[2] = { 0, 1 };

  /* All-zero logits (the bpf head's start): log 2 whatever the code. */
  g_assert_cmpfloat_with_epsilon (lw_bce_logits (z, codes, y, 2, 2, 1.0f, d), log (2.0), 1e-6);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (fabsf (d[i]), 0.5 / 4, 1e-7);

  /* Saturated logits stay finite: right ones cost ~0, wrong ones ~|z|. */
  z[0] = 80.0f;
  z[1] = -80.0f;
  z[2] = -80.0f;
  z[3] = 80.0f;
  g_assert_cmpfloat_with_epsilon (lw_bce_logits (z, codes, y, 2, 2, 1.0f, d), 0.0, 1e-6);
  z[0] = -80.0f;
  g_assert_cmpfloat_with_epsilon (lw_bce_logits (z, codes, y, 2, 2, 1.0f, d), 20.0, 1e-4);
  for (guint i = 0; i < 4; i++)
    g_assert_true (isfinite (d[i]));
  g_assert_cmpfloat_with_epsilon (d[0], -1.0 / 4, 1e-6);
}

/* ------------------------------------------------------------------ */
/* Similarity */

static void
test_similarity_matrix (void)
{
  const guint n = 7, d = 11;
  LwRng rng;
  float h[7 * 11], u[7 * 11], norm[7], s[7 * 7];
  double hd[7 * 11], ref[7 * 7];

  lw_rng_init (&rng, 3, 0);
  gc_fill_uniform (h, n * d, -2.0f, 2.0f, &rng);
  for (guint i = 0; i < n * d; i++)
    h[i] += 5.0f;               /* an offset the centring must remove */
  for (guint i = 0; i < n * d; i++)
    hd[i] = h[i];

  lw_similarity (h, n, d, u, norm, s);
  gc_ref_similarity (hd, n, d, ref);
  for (guint i = 0; i < n; i++)
    {
      double mean = 0.0, sq = 0.0, c2 = 0.0, hm = 0.0;
      for (guint k = 0; k < d; k++)
        hm += h[i * d + k];
      hm /= d;
      for (guint k = 0; k < d; k++)
        {
          mean += u[i * d + k];
          sq += (double) u[i * d + k] * u[i * d + k];
          c2 += (h[i * d + k] - hm) * (h[i * d + k] - hm);
        }
      /* Rows of u: centred, unit length; norm is the centred row's norm. */
      g_assert_cmpfloat (fabs (mean), <, 1e-5);
      g_assert_cmpfloat_with_epsilon (sq, 1.0, 1e-5);
      g_assert_cmpfloat_with_epsilon (norm[i], sqrt (c2), 1e-4 * sqrt (c2));
      for (guint j = 0; j < n; j++)
        {
          g_assert_cmpfloat_with_epsilon (s[i * n + j], ref[i * n + j], 1e-5);
          g_assert_cmpfloat_with_epsilon (s[i * n + j], s[j * n + i], 1e-6);
        }
      g_assert_cmpfloat_with_epsilon (s[i * n + i], 1.0, 1e-5);
    }
}

typedef struct {
  float *h;
  guint n, d;
  const float *table;
  guint classes;
  const guint8 *y;
} SimProblem;

static double
sim_loss (gpointer data, guint64 *sig)
{
  SimProblem *p = data;
  gsize m = (gsize) p->n * p->d;
  g_autofree double *h = g_new (double, m);

  for (gsize i = 0; i < m; i++)
    h[i] = p->h[i];
  *sig = 0;
  return gc_ref_similarity_loss (h, p->n, p->d, p->table, p->classes, p->y);
}

/* dh through lw_similarity + lw_similarity_loss + lw_similarity_backward,
 * against the reference loss (one-hot targets, and a real-valued target
 * table as the bpf variant uses). */
static void
check_similarity_gradient (gboolean onehot, float scale)
{
  const guint n = 10, d = 7, classes = 3;
  LwRng rng;
  float h[10 * 7], u[10 * 7], norm[10], s[10 * 10], gs[10 * 10], du[10 * 7], dh[10 * 7];
  float table[3 * 3];
  guint8 y[10];
  double num[10 * 7];
  SimProblem p = { h, n, d, table, classes, y };
  float loss;

  lw_rng_init (&rng, onehot ? 4 : 5, 0);
  gc_fill_uniform (h, n * d, -1.0f, 1.0f, &rng);
  gc_fill_labels (y, n, classes, &rng);
  if (onehot)
    {
      for (guint i = 0; i < classes; i++)
        for (guint j = 0; j < classes; j++)
          table[i * classes + j] = i == j ? 1.0f : -1.0f / (classes - 1);
    }
  else
    {
      double vecs[3 * 5], t[3 * 3];
      for (guint i = 0; i < 3 * 5; i++)
        vecs[i] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
      gc_ref_similarity (vecs, classes, 5, t);
      for (guint i = 0; i < classes * classes; i++)
        table[i] = (float) t[i];
    }

  lw_similarity (h, n, d, u, norm, s);
  loss = lw_similarity_loss (s, table, classes, y, n, scale, gs);
  lw_similarity_backward (u, norm, gs, n, d, du, dh);
  gc_assert_close ("similarity loss value", loss, sim_loss (&p, &(guint64) { 0 }), 1e-5);

  g_assert_cmpuint (gc_numeric_gradient (sim_loss, &p, h, n * d, 1e-3, num), ==, 0);
  for (guint i = 0; i < n * d; i++)
    num[i] *= scale;
  gc_assert_gradient (onehot ? "similarity dh (one-hot targets)" : "similarity dh (code targets)",
                      dh, num, n * d, GC_TOLERANCE);

  /* The loss is invariant to adding a constant to a row: dh rows sum to 0. */
  for (guint i = 0; i < n; i++)
    {
      double sum = 0.0;
      for (guint k = 0; k < d; k++)
        sum += dh[i * d + k];
      g_assert_cmpfloat (fabs (sum), <, 1e-6);
    }
}

static void
test_similarity_gradient (void)
{
  check_similarity_gradient (TRUE, 1.0f);
}

static void
test_similarity_gradient_code (void)
{
  check_similarity_gradient (FALSE, 0.7f);
}

/* The clamp: an entry outside [-1, 1] counts as the bound in the loss and
 * passes no gradient; a constant row (zero norm) gives no NaN. */
static void
test_similarity_edge_cases (void)
{
  const guint n = 2;
  float table[2 * 2] = { 1.0f, -1.0f, -1.0f, 1.0f };
  guint8 y[2] = { 0, 1 };
  float s[4] = { 1.5f, 0.5f, 0.5f, -3.0f };
  float gs[4];
  float h[2 * 4] = { 2, 2, 2, 2, 1, -1, 3, 0 };
  float u[8], norm[2], sm[4], du[8], dh[8];
  float loss;

  /* clamp(s) - t = {0, 1.5, 1.5, -2} */
  loss = lw_similarity_loss (s, table, 2, y, n, 1.0f, gs);
  g_assert_cmpfloat_with_epsilon (loss, (0.0 + 2.25 + 2.25 + 4.0) / 4.0, 1e-6);
  g_assert_cmpfloat (gs[0], ==, 0.0f);
  g_assert_cmpfloat (gs[3], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (gs[1], 2.0 * 1.5 / 4.0, 1e-7);

  lw_similarity (h, n, 4, u, norm, sm);
  g_assert_cmpfloat (norm[0], ==, 0.0f);
  for (guint i = 0; i < 4; i++)
    g_assert_true (isfinite (sm[i]));
  lw_similarity_loss (sm, table, 2, y, n, 1.0f, gs);
  lw_similarity_backward (u, norm, gs, n, 4, du, dh);
  for (guint i = 0; i < 8; i++)
    g_assert_true (isfinite (dh[i]));
}

/* The target tables (docs/method.md §4): one-hot labels give 1 for the same
 * class and -1/(C-1) otherwise; any class vectors give S of those vectors. */
static void
test_similarity_table (void)
{
  const guint cs[] = { 2, 4, 10, 100 };

  for (guint t = 0; t < G_N_ELEMENTS (cs); t++)
    {
      guint C = cs[t];
      g_autofree float *onehot = g_new0 (float, (gsize) C * C);
      g_autofree float *table = g_new (float, (gsize) C * C);

      for (guint c = 0; c < C; c++)
        onehot[c * C + c] = 1.0f;
      lw_similarity_table (onehot, C, C, table);
      for (guint i = 0; i < C; i++)
        for (guint j = 0; j < C; j++)
          g_assert_cmpfloat_with_epsilon (table[i * C + j], i == j ? 1.0 : -1.0 / (C - 1), 1e-6);
    }

  {
    const guint C = 5, k = 16;
    LwRng rng;
    float vecs[5 * 16], table[5 * 5];
    double vd[5 * 16], ref[5 * 5];

    lw_rng_init (&rng, 6, 0);
    gc_fill_uniform (vecs, C * k, -1.0f, 1.0f, &rng);
    for (guint i = 0; i < C * k; i++)
      vd[i] = vecs[i];
    lw_similarity_table (vecs, C, k, table);
    gc_ref_similarity (vd, C, k, ref);
    for (guint i = 0; i < C * C; i++)
      {
        g_assert_cmpfloat_with_epsilon (table[i], ref[i], 1e-5);
        g_assert_cmpfloat (fabsf (table[i]), <=, 1.0f);
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/losses/softmax-ce/gradient", test_softmax_ce_gradient);
  g_test_add_func ("/engine/losses/softmax-ce/values", test_softmax_ce_values);
  g_test_add_func ("/engine/losses/bce-logits/gradient", test_bce_gradient);
  g_test_add_func ("/engine/losses/bce-logits/values", test_bce_values);
  g_test_add_func ("/engine/losses/similarity/matrix", test_similarity_matrix);
  g_test_add_func ("/engine/losses/similarity/gradient", test_similarity_gradient);
  g_test_add_func ("/engine/losses/similarity/gradient-code-targets", test_similarity_gradient_code);
  g_test_add_func ("/engine/losses/similarity/edge-cases", test_similarity_edge_cases);
  g_test_add_func ("/engine/losses/similarity/table", test_similarity_table);

  return g_test_run ();
}
