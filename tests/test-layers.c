/* test-layers.c: the engine's building blocks. Linear, BatchNorm (training
 * mode), ReLU, LeakyReLU and dropout against finite differences; Adam and
 * SGD against torch's update rules; and the whole FC block: the gradient
 * each local loss (pred, sim, predsim and their bpf forms) and the bp
 * error from above leave in the block's buffers, against central
 * differences of a double-precision reference of the same loss
 * (docs/method.md §2–§5). */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-activation.h"
#include "engine/lw-batchnorm.h"
#include "engine/lw-block.h"
#include "engine/lw-linear.h"
#include "engine/lw-optim.h"
#include "gradcheck.h"

/* ------------------------------------------------------------------ */
/* Linear */

typedef struct {
  LwLinear *l;
  float *x;
  guint n;
  float *y;
  const float *r;
} LinearProblem;

static double
linear_loss (gpointer data, guint64 *sig)
{
  LinearProblem *p = data;

  lw_linear_forward (p->l, p->x, p->n, p->y);
  *sig = 0;
  return gc_dot (p->y, p->r, (gsize) p->n * p->l->out);
}

static void
test_linear_forward (void)
{
  const guint n = 7, in = 9, out = 5;
  LwRng rng;
  LwLinear l;
  float x[7 * 9], y[7 * 5];

  lw_rng_init (&rng, 11, 0);
  lw_linear_init (&l, in, out, TRUE, LW_INIT_TORCH, &rng);
  gc_fill_uniform (x, n * in, -1.0f, 1.0f, &rng);
  lw_linear_forward (&l, x, n, y);

  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < out; j++)
      {
        double ref = l.b[j];
        for (guint k = 0; k < in; k++)
          ref += (double) x[i * in + k] * l.w[j * in + k];
        g_assert_cmpfloat_with_epsilon (y[i * out + j], ref, 1e-5);
      }

  /* Without bias the output is the bare product. */
  lw_linear_clear (&l);
  lw_linear_init (&l, in, out, FALSE, LW_INIT_TORCH, &rng);
  g_assert_null (l.b);
  lw_linear_forward (&l, x, n, y);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < out; j++)
      {
        double ref = 0.0;
        for (guint k = 0; k < in; k++)
          ref += (double) x[i * in + k] * l.w[j * in + k];
        g_assert_cmpfloat_with_epsilon (y[i * out + j], ref, 1e-5);
      }
  lw_linear_clear (&l);
}

/* Initialisation (docs/method.md §2): torch's U(-1/sqrt(in), 1/sqrt(in)) for
 * the network, zero weights for the local heads. */
static void
test_linear_init (void)
{
  const guint in = 64, out = 16;
  const float bound = 1.0f / 8.0f;
  LwRng rng;
  LwLinear l;
  float lo = 1.0f, hi = -1.0f;

  lw_rng_init (&rng, 3, 0);
  lw_linear_init (&l, in, out, TRUE, LW_INIT_TORCH, &rng);
  for (guint i = 0; i < in * out; i++)
    {
      g_assert_cmpfloat (fabsf (l.w[i]), <=, bound);
      lo = MIN (lo, l.w[i]);
      hi = MAX (hi, l.w[i]);
    }
  /* The whole range is used, not a constant. */
  g_assert_cmpfloat (lo, <, -0.9f * bound);
  g_assert_cmpfloat (hi, >, 0.9f * bound);
  for (guint j = 0; j < out; j++)
    g_assert_cmpfloat (fabsf (l.b[j]), <=, bound);
  lw_linear_clear (&l);

  lw_linear_init (&l, in, out, TRUE, LW_INIT_ZERO_WEIGHT, &rng);
  for (guint i = 0; i < in * out; i++)
    g_assert_cmpfloat (l.w[i], ==, 0.0f);
  lo = 0.0f;
  for (guint j = 0; j < out; j++)
    {
      g_assert_cmpfloat (fabsf (l.b[j]), <=, bound);
      lo = MAX (lo, fabsf (l.b[j]));
    }
  g_assert_cmpfloat (lo, >, 0.0f);
  lw_linear_clear (&l);

  lw_linear_init (&l, in, out, TRUE, LW_INIT_ZERO, &rng);
  for (guint i = 0; i < in * out; i++)
    g_assert_cmpfloat (l.w[i], ==, 0.0f);
  for (guint j = 0; j < out; j++)
    g_assert_cmpfloat (l.b[j], ==, 0.0f);
  lw_linear_clear (&l);
}

static void
test_linear_gradient (void)
{
  const guint n = 8, in = 7, out = 5;
  LwRng rng;
  LwLinear l;
  float x[8 * 7], y[8 * 5], r[8 * 5], dx[8 * 7], dx2[8 * 7], base[8 * 7];
  g_autofree float *dw = NULL;
  float db[5];
  double num_w[5 * 7], num_b[5], num_x[8 * 7];
  LinearProblem p = { &l, x, n, y, r };

  lw_rng_init (&rng, 21, 0);
  lw_linear_init (&l, in, out, TRUE, LW_INIT_TORCH, &rng);
  gc_fill_uniform (x, n * in, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, n * out, -1.0f, 1.0f, &rng);

  /* dL/dy = r for L = <r, y>. */
  lw_linear_backward (&l, x, r, n, dx, FALSE);
  dw = g_memdup2 (l.dw, sizeof (float) * in * out);
  memcpy (db, l.db, sizeof db);

  g_assert_cmpuint (gc_numeric_gradient (linear_loss, &p, l.w, in * out, 1e-2, num_w), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (linear_loss, &p, l.b, out, 1e-2, num_b), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (linear_loss, &p, x, n * in, 1e-2, num_x), ==, 0);
  gc_assert_gradient ("linear dW", dw, num_w, in * out, GC_TOLERANCE);
  gc_assert_gradient ("linear db", db, num_b, out, GC_TOLERANCE);
  gc_assert_gradient ("linear dx", dx, num_x, n * in, GC_TOLERANCE);

  /* dW and db are written over, not accumulated; dx accumulates only
   * when asked to. */
  gc_fill_uniform (base, n * in, -1.0f, 1.0f, &rng);
  memcpy (dx2, base, sizeof dx2);
  lw_linear_backward (&l, x, r, n, dx2, TRUE);
  g_assert_true (gc_bits_equal (l.dw, dw, in * out));
  g_assert_true (gc_bits_equal (l.db, db, out));
  for (guint i = 0; i < n * in; i++)
    g_assert_cmpfloat_with_epsilon (dx2[i], base[i] + dx[i], 1e-5);
  memcpy (dx2, base, sizeof dx2);
  lw_linear_backward (&l, x, r, n, dx2, FALSE);
  for (guint i = 0; i < n * in; i++)
    g_assert_cmpfloat_with_epsilon (dx2[i], dx[i], 1e-6);
  /* dx NULL: only the weight gradients. */
  lw_linear_backward (&l, x, r, n, NULL, FALSE);
  g_assert_true (gc_bits_equal (l.dw, dw, in * out));

  lw_linear_clear (&l);
}

/* Feedback alignment: dx = dy B for a fixed B (out x in), not dy W. */
static void
test_linear_feedback (void)
{
  const guint n = 6, in = 8, out = 4;
  LwRng rng;
  float b[4 * 8], dy[6 * 4], dx[6 * 8], base[6 * 8];

  lw_rng_init (&rng, 5, 0);
  gc_fill_uniform (b, out * in, -1.0f, 1.0f, &rng);
  gc_fill_uniform (dy, n * out, -1.0f, 1.0f, &rng);
  gc_fill_uniform (base, n * in, -1.0f, 1.0f, &rng);

  lw_feedback_backward (b, in, out, dy, n, dx, FALSE);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < in; k++)
      {
        double ref = 0.0;
        for (guint j = 0; j < out; j++)
          ref += (double) dy[i * out + j] * b[j * in + k];
        g_assert_cmpfloat_with_epsilon (dx[i * in + k], ref, 1e-5);
      }
  memcpy (dx, base, sizeof dx);
  lw_feedback_backward (b, in, out, dy, n, dx, TRUE);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < in; k++)
      {
        double ref = base[i * in + k];
        for (guint j = 0; j < out; j++)
          ref += (double) dy[i * out + j] * b[j * in + k];
        g_assert_cmpfloat_with_epsilon (dx[i * in + k], ref, 1e-5);
      }
}

/* ------------------------------------------------------------------ */
/* BatchNorm */

typedef struct {
  LwBatchNorm *bn;
  float *x;
  guint n;
  float *xhat, *y;
  const float *r;
} BnProblem;

static double
bn_loss (gpointer data, guint64 *sig)
{
  BnProblem *p = data;

  lw_batchnorm_forward_train (p->bn, p->x, p->n, p->xhat, p->y);
  *sig = 0;
  return gc_dot (p->y, p->r, (gsize) p->n * p->bn->d);
}

static void
test_batchnorm_forward (void)
{
  const guint n = 10, d = 6;
  LwRng rng;
  LwBatchNorm bn;
  float x[10 * 6], xhat[10 * 6], y[10 * 6], ye[10 * 6];
  double mean[6], var[6];

  lw_rng_init (&rng, 8, 0);
  lw_batchnorm_init (&bn, d);
  g_assert_cmpfloat (bn.momentum, ==, 0.1f);
  g_assert_cmpfloat (bn.eps, ==, 1e-5f);
  for (guint j = 0; j < d; j++)
    {
      g_assert_cmpfloat (bn.gamma[j], ==, 1.0f);
      g_assert_cmpfloat (bn.beta[j], ==, 0.0f);
    }
  gc_fill_uniform (bn.gamma, d, 0.5f, 1.5f, &rng);
  gc_fill_uniform (bn.beta, d, -0.5f, 0.5f, &rng);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < d; j++)
      x[i * d + j] = 3.0f * j + (1.0f + j) * lw_rng_uniform_in (&rng, -1.0f, 1.0f);

  lw_batchnorm_forward_train (&bn, x, n, xhat, y);

  for (guint j = 0; j < d; j++)
    {
      mean[j] = var[j] = 0.0;
      for (guint i = 0; i < n; i++)
        mean[j] += x[i * d + j];
      mean[j] /= n;
      for (guint i = 0; i < n; i++)
        var[j] += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
      var[j] /= n;                /* biased, for normalising */
      for (guint i = 0; i < n; i++)
        {
          double h = (x[i * d + j] - mean[j]) / sqrt (var[j] + 1e-5);
          g_assert_cmpfloat_with_epsilon (xhat[i * d + j], h, 1e-4);
          g_assert_cmpfloat_with_epsilon (y[i * d + j], bn.gamma[j] * h + bn.beta[j], 1e-4);
        }
      /* Running statistics: momentum 0.1, unbiased variance, as torch. */
      g_assert_cmpfloat_with_epsilon (bn.running_mean[j], 0.1 * mean[j], 1e-4);
      g_assert_cmpfloat_with_epsilon (bn.running_var[j], 0.9 + 0.1 * var[j] * n / (n - 1),
                                      1e-4 * (1.0 + var[j]));
    }

  /* Evaluation uses the running statistics, not the batch. */
  lw_batchnorm_forward_eval (&bn, x, n, ye);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < d; j++)
      {
        double ref = (x[i * d + j] - bn.running_mean[j]) / sqrt (bn.running_var[j] + 1e-5)
                     * bn.gamma[j] + bn.beta[j];
        g_assert_cmpfloat_with_epsilon (ye[i * d + j], ref, 1e-4 * (1.0 + fabs (ref)));
      }

  /* In place (x == y) gives the same result. */
  {
    float xy[10 * 6], y2[10 * 6];
    memcpy (xy, x, sizeof xy);
    lw_batchnorm_forward_train (&bn, x, n, xhat, y2);
    lw_batchnorm_forward_train (&bn, xy, n, xhat, xy);
    g_assert_true (gc_bits_equal (xy, y2, n * d));
  }
  lw_batchnorm_clear (&bn);
}

/* A last partial batch of one sample has no variance: it leaves the
 * running statistics as they were, where it used to pull every running
 * variance 10% of the way to 0. Two samples update them. */
static void
test_batchnorm_single_sample (void)
{
  enum { D = 5 };
  LwBatchNorm bn;
  float x[2 * D], xhat[2 * D], y[2 * D], mean[D], var[D];

  lw_batchnorm_init (&bn, D);
  for (guint j = 0; j < 2 * D; j++)
    x[j] = (float) j * 0.37f - 1.0f;
  for (guint j = 0; j < D; j++)
    {
      bn.running_mean[j] = 0.25f * (float) j;
      bn.running_var[j] = 2.0f + (float) j;
    }
  memcpy (mean, bn.running_mean, sizeof mean);
  memcpy (var, bn.running_var, sizeof var);
  lw_batchnorm_forward_train (&bn, x, 1, xhat, y);
  g_assert_cmpmem (bn.running_mean, sizeof mean, mean, sizeof mean);
  g_assert_cmpmem (bn.running_var, sizeof var, var, sizeof var);
  for (guint j = 0; j < D; j++)
    g_assert_true (isfinite (y[j]));

  lw_batchnorm_forward_train (&bn, x, 2, xhat, y);
  for (guint j = 0; j < D; j++)
    {
      g_assert_cmpfloat (bn.running_mean[j], !=, mean[j]);
      g_assert_cmpfloat (bn.running_var[j], !=, var[j]);
    }
  lw_batchnorm_clear (&bn);
}

static void
test_batchnorm_gradient (void)
{
  const guint n = 9, d = 5;
  LwRng rng;
  LwBatchNorm bn;
  float x[9 * 5], xhat[9 * 5], y[9 * 5], r[9 * 5], dx[9 * 5], dg[5], db[5];
  double num_x[9 * 5], num_g[5], num_b[5];
  BnProblem p = { &bn, x, n, xhat, y, r };

  lw_rng_init (&rng, 9, 0);
  lw_batchnorm_init (&bn, d);
  gc_fill_uniform (bn.gamma, d, 0.5f, 1.5f, &rng);
  gc_fill_uniform (bn.beta, d, -0.5f, 0.5f, &rng);
  gc_fill_uniform (x, n * d, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, n * d, -1.0f, 1.0f, &rng);

  lw_batchnorm_forward_train (&bn, x, n, xhat, y);
  lw_batchnorm_backward (&bn, xhat, r, n, dx);
  memcpy (dg, bn.dgamma, sizeof dg);
  memcpy (db, bn.dbeta, sizeof db);

  g_assert_cmpuint (gc_numeric_gradient (bn_loss, &p, x, n * d, 1e-3, num_x), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (bn_loss, &p, bn.gamma, d, 1e-2, num_g), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (bn_loss, &p, bn.beta, d, 1e-2, num_b), ==, 0);
  gc_assert_gradient ("batchnorm dx", dx, num_x, n * d, GC_TOLERANCE);
  gc_assert_gradient ("batchnorm dgamma", dg, num_g, d, GC_TOLERANCE);
  gc_assert_gradient ("batchnorm dbeta", db, num_b, d, GC_TOLERANCE);

  /* dx may be dy itself. */
  {
    float inplace[9 * 5];
    lw_batchnorm_forward_train (&bn, x, n, xhat, y);
    memcpy (inplace, r, sizeof inplace);
    lw_batchnorm_backward (&bn, xhat, inplace, n, inplace);
    for (guint i = 0; i < n * d; i++)
      g_assert_cmpfloat_with_epsilon (inplace[i], dx[i], 1e-5);
  }
  lw_batchnorm_clear (&bn);
}

/* ------------------------------------------------------------------ */
/* Activations and dropout */

typedef struct {
  LwNonlin nonlin;
  float *x;
  gsize n;
  float *y;
  const float *r;
} ActProblem;

static double
act_loss (gpointer data, guint64 *sig)
{
  ActProblem *p = data;

  memcpy (p->y, p->x, p->n * sizeof (float));
  lw_activation_forward (p->nonlin, p->y, p->n);
  *sig = gc_sign_signature (p->x, p->n);
  return gc_dot (p->y, p->r, p->n);
}

static void
check_activation (LwNonlin nonlin, float slope)
{
  const gsize n = 40;
  LwRng rng;
  float x[40], y[40], r[40], dx[40];
  double num[40];
  ActProblem p = { nonlin, x, n, y, r };
  guint neg = 0;

  lw_rng_init (&rng, 13 + nonlin, 0);
  /* Away from the kink at 0: the step never crosses it. */
  gc_fill_away_from_zero (x, n, 0.1f, 2.0f, &rng);
  gc_fill_uniform (r, n, -1.0f, 1.0f, &rng);

  memcpy (y, x, sizeof y);
  lw_activation_forward (nonlin, y, n);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpfloat (y[i], ==, x[i] > 0.0f ? x[i] : slope * x[i]);
      neg += x[i] < 0.0f;
    }
  g_assert_cmpuint (neg, >, 0);
  g_assert_cmpuint (neg, <, n);

  lw_activation_backward (nonlin, y, r, n, dx);
  g_assert_cmpuint (gc_numeric_gradient (act_loss, &p, x, n, 1e-3, num), ==, 0);
  gc_assert_gradient (nonlin == LW_NONLIN_RELU ? "relu dx" : "leaky relu dx", dx, num, n,
                      GC_TOLERANCE);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (dx[i], x[i] > 0.0f ? r[i] : slope * r[i], 1e-7);

  /* In place. */
  memcpy (y, x, sizeof y);
  lw_activation_forward (nonlin, y, n);
  lw_activation_backward (nonlin, y, r, n, (float *) r);
  g_assert_true (gc_bits_equal (r, dx, n));
}

static void
test_activation_relu (void)
{
  check_activation (LW_NONLIN_RELU, 0.0f);
}

static void
test_activation_leaky_relu (void)
{
  g_assert_cmpfloat (LW_LEAKY_SLOPE, ==, 0.01f);
  check_activation (LW_NONLIN_LEAKY_RELU, 0.01f);
}

typedef struct {
  float p;
  float *x;
  gsize n;
  float *mask, *y;
  const float *r;
  LwRng rng;                  /* copied before each draw: the same mask every time */
} DropProblem;

static double
drop_loss (gpointer data, guint64 *sig)
{
  DropProblem *p = data;
  LwRng rng = p->rng;

  lw_dropout_forward (p->p, p->x, p->n, p->mask, p->y, &rng);
  *sig = 0;
  return gc_dot (p->y, p->r, p->n);
}

static void
test_dropout_gradient (void)
{
  const gsize n = 60;
  const float prob = 0.3f, keep = 1.0f / (1.0f - 0.3f);
  LwRng rng;
  float x[60], y[60], r[60], mask[60], mask2[60], dx[60], base[60];
  double num[60];
  DropProblem p = { prob, x, n, mask, y, r, { { 0 } } };
  guint dropped = 0;

  lw_rng_init (&rng, 17, 0);
  gc_fill_uniform (x, n, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, n, -1.0f, 1.0f, &rng);
  lw_rng_init (&p.rng, 99, 0);

  drop_loss (&p, &(guint64) { 0 });
  memcpy (mask2, mask, sizeof mask2);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (mask[i] == 0.0f || mask[i] == keep);
      g_assert_cmpfloat (y[i], ==, x[i] * mask[i]);
      dropped += mask[i] == 0.0f;
    }
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpuint (dropped, <, n);

  lw_dropout_backward (mask, r, n, dx, FALSE);
  g_assert_cmpuint (gc_numeric_gradient (drop_loss, &p, x, n, 1e-2, num), ==, 0);
  /* The fixed mask came back each time. */
  g_assert_true (gc_bits_equal (mask, mask2, n));
  gc_assert_gradient ("dropout dx", dx, num, n, GC_TOLERANCE);

  gc_fill_uniform (base, n, -1.0f, 1.0f, &rng);
  memcpy (dx, base, sizeof dx);
  lw_dropout_backward (mask, r, n, dx, TRUE);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (dx[i], base[i] + r[i] * mask[i], 1e-6);
}

/* The mask: zero with probability p, 1/(1-p) otherwise (inverted
 * dropout), so the expected output equals the input. */
static void
test_dropout_mask (void)
{
  const gsize n = 20000;
  const float prob = 0.25f;
  LwRng rng, again;
  g_autofree float *x = g_new (float, n);
  g_autofree float *y = g_new (float, n);
  g_autofree float *mask = g_new (float, n);
  g_autofree float *mask2 = g_new (float, n);
  gsize dropped = 0;
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    x[i] = 1.0f;
  lw_rng_init (&rng, 4, 0);
  again = rng;
  lw_dropout_forward (prob, x, n, mask, y, &rng);
  for (gsize i = 0; i < n; i++)
    {
      dropped += mask[i] == 0.0f;
      sum += y[i];
    }
  /* 5000 expected, standard deviation ~61. */
  g_assert_cmpuint (dropped, >, 4700);
  g_assert_cmpuint (dropped, <, 5300);
  g_assert_cmpfloat (fabs (sum / n - 1.0), <, 0.02);

  lw_dropout_forward (prob, x, n, mask2, y, &again);
  g_assert_true (gc_bits_equal (mask, mask2, n));
  /* The next draw from the advanced stream is a different mask. */
  lw_dropout_forward (prob, x, n, mask2, y, &again);
  g_assert_false (gc_bits_equal (mask, mask2, n));
}

/* ------------------------------------------------------------------ */
/* Optimizers: torch.optim.Adam and SGD, against the same rules in double. */

static void
test_optim_adam (void)
{
  const gsize n = 5;
  const LwOptimSettings s = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f,
                              .eps = 1e-8f, .weight_decay = 0.01f };
  const float lr = 1e-2f;
  float w[5] = { 0.5f, -1.0f, 2.0f, 0.0f, -0.25f }, g[5];
  double rw[5], m[5] = { 0 }, v[5] = { 0 };
  LwRng rng;
  LwParam p;

  lw_rng_init (&rng, 31, 0);
  for (gsize i = 0; i < n; i++)
    rw[i] = w[i];
  lw_param_init (&p, w, g, n);
  for (guint t = 1; t <= 4; t++)
    {
      gc_fill_uniform (g, n, -1.0f, 1.0f, &rng);
      lw_param_step (&p, &s, lr);
      for (gsize i = 0; i < n; i++)
        {
          double gi = g[i] + 0.01 * rw[i];
          m[i] = 0.9 * m[i] + 0.1 * gi;
          v[i] = 0.999 * v[i] + 0.001 * gi * gi;
          rw[i] -= lr * (m[i] / (1.0 - pow (0.9, t)))
                   / (sqrt (v[i] / (1.0 - pow (0.999, t))) + 1e-8);
          g_assert_cmpfloat_with_epsilon (w[i], rw[i], 1e-6);
        }
    }
  g_assert_cmpuint (p.t, ==, 4);

  /* lr 0 moves nothing, though the moments go on. */
  {
    float before[5];
    memcpy (before, w, sizeof before);
    lw_param_step (&p, &s, 0.0f);
    g_assert_true (gc_bits_equal (w, before, n));
    g_assert_cmpuint (p.t, ==, 5);
  }
  lw_param_clear (&p);
}

/* Adam's first step moves each weight by lr against its gradient, whatever
 * the gradient's scale: why predsim's 0.01-weighted heads still learn. */
static void
test_optim_adam_first_step (void)
{
  const LwOptimSettings s = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  float w[2] = { 1.0f, 1.0f }, g[2] = { 0.3f, -2e-3f };
  LwParam p;

  lw_param_init (&p, w, g, 2);
  lw_param_step (&p, &s, 1e-3f);
  g_assert_cmpfloat_with_epsilon (w[0], 1.0 - 1e-3, 1e-7);
  g_assert_cmpfloat_with_epsilon (w[1], 1.0 + 1e-3, 1e-6);
  lw_param_clear (&p);
}

static void
test_optim_sgd (void)
{
  const gsize n = 4;
  const float lr = 0.1f;
  LwOptimSettings s = { .kind = LW_OPTIM_SGD, .momentum = 0.9f, .weight_decay = 0.05f };
  float w[4] = { 1.0f, -2.0f, 0.5f, 0.0f }, g[4];
  double rw[4], buf[4];
  LwRng rng;
  LwParam p;

  lw_rng_init (&rng, 32, 0);
  for (gsize i = 0; i < n; i++)
    rw[i] = w[i];
  lw_param_init (&p, w, g, n);
  for (guint t = 1; t <= 3; t++)
    {
      gc_fill_uniform (g, n, -1.0f, 1.0f, &rng);
      lw_param_step (&p, &s, lr);
      for (gsize i = 0; i < n; i++)
        {
          double gi = g[i] + 0.05 * rw[i];
          /* torch: the buffer starts as the first gradient. */
          buf[i] = t == 1 ? gi : 0.9 * buf[i] + gi;
          rw[i] -= lr * buf[i];
          g_assert_cmpfloat_with_epsilon (w[i], rw[i], 1e-6);
        }
    }
  lw_param_clear (&p);

  /* Without momentum: plain w -= lr g. */
  s.momentum = 0.0f;
  s.weight_decay = 0.0f;
  lw_param_init (&p, w, g, n);
  for (gsize i = 0; i < n; i++)
    rw[i] = w[i] - lr * g[i];
  lw_param_step (&p, &s, lr);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (w[i], rw[i], 1e-7);
  lw_param_clear (&p);
}

/* ------------------------------------------------------------------ */
/* The block: a double-precision reference of its forward pass and of
 * each local loss, differentiated numerically, against the gradients
 * lw_block_local_update leaves in the block (taken with lr 0, so the
 * step changes nothing). */

enum {
  BK_IN = 10,
  BK_OUT = 8,
  BK_CLASSES = 4,
  BK_CODE = 6,
  BK_N = 12,
};

typedef enum {
  PART_LOCAL,                 /* the block's local loss (FA surrogate if fa_g is set) */
  PART_PROBE,                 /* the softmax head's CE alone, unweighted */
  PART_GLOBAL,                /* <g_out, mask * a>: a gradient arriving from above */
} Part;

typedef struct {
  LwBlock *b;
  float *x;
  const guint8 *y;
  guint n;
  LwLossType loss;
  float beta;
  LwNonlin nonlin;
  const float *onehot_table, *code_table, *codes;
  Part part;
  const double *fa_g;         /* fixed dL/da standing for the bpf head's error (FA) */
  const float *g_out, *mask;  /* PART_GLOBAL */
  double loss_pred, loss_sim; /* parts of the last evaluation, unweighted */
} BlockProblem;

static void
ref_linear (const double *x, guint n, guint in, const float *w, const float *bias,
            guint out, double *y)
{
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < out; j++)
      {
        double s = bias != NULL ? bias[j] : 0.0;
        for (guint k = 0; k < in; k++)
          s += x[i * in + k] * w[j * in + k];
        y[i * out + j] = s;
      }
}

/* Linear -> BN (batch statistics) -> activation, in double. */
static void
ref_block_forward (const BlockProblem *p, double *a, guint64 *sig)
{
  const LwBlock *b = p->b;
  const guint n = p->n, in = b->n_in, out = b->n_out;
  const double slope = p->nonlin == LW_NONLIN_LEAKY_RELU ? 0.01 : 0.0;
  g_autofree double *x = g_new (double, (gsize) n * in);
  g_autofree double *z = g_new (double, (gsize) n * out);

  for (guint i = 0; i < n * in; i++)
    x[i] = p->x[i];
  ref_linear (x, n, in, b->main.w, b->main.b, out, z);
  for (guint j = 0; j < out; j++)
    {
      double mean = 0.0, var = 0.0;
      for (guint i = 0; i < n; i++)
        mean += z[i * out + j];
      mean /= n;
      for (guint i = 0; i < n; i++)
        var += (z[i * out + j] - mean) * (z[i * out + j] - mean);
      var /= n;
      for (guint i = 0; i < n; i++)
        z[i * out + j] = b->bn.gamma[j] * (z[i * out + j] - mean) / sqrt (var + b->bn.eps)
                         + b->bn.beta[j];
    }
  *sig = gc_sign_signature_d (z, (gsize) n * out);
  for (guint i = 0; i < n * out; i++)
    a[i] = z[i] > 0.0 ? z[i] : slope * z[i];
}

static double
ref_pred_ce (const BlockProblem *p, const double *a)
{
  g_autofree double *logits = g_new (double, (gsize) p->n * BK_CLASSES);

  ref_linear (a, p->n, p->b->n_out, p->b->pred.w, p->b->pred.b, BK_CLASSES, logits);
  return gc_ref_softmax_ce (logits, p->y, p->n, BK_CLASSES);
}

static double
ref_bpf_bce (const BlockProblem *p, const double *a)
{
  g_autofree double *z = g_new (double, (gsize) p->n * BK_CODE);

  ref_linear (a, p->n, p->b->n_out, p->b->bpf.w, p->b->bpf.b, BK_CODE, z);
  return gc_ref_bce_logits (z, p->codes, p->y, p->n, BK_CODE);
}

static double
ref_sim_head (const BlockProblem *p, const double *a)
{
  const guint d = p->b->n_out;
  g_autofree double *h = g_new (double, (gsize) p->n * d);

  ref_linear (a, p->n, d, p->b->sim.w, NULL, d, h);
  return gc_ref_similarity_loss (h, p->n, d, p->onehot_table, BK_CLASSES, p->y);
}

static double
block_loss (gpointer data, guint64 *sig)
{
  BlockProblem *p = data;
  const gsize na = (gsize) p->n * p->b->n_out;
  g_autofree double *a = g_new (double, na);
  double w_pred = 1.0, w_sim = 1.0, total = 0.0;

  ref_block_forward (p, a, sig);
  p->loss_pred = p->loss_sim = NAN;

  if (p->part == PART_GLOBAL)
    {
      for (gsize i = 0; i < na; i++)
        total += p->g_out[i] * (p->mask != NULL ? p->mask[i] : 1.0) * a[i];
      return total;
    }
  if (p->part == PART_PROBE)
    return ref_pred_ce (p, a);

  if (p->loss == LW_LOSS_PREDSIM || p->loss == LW_LOSS_PREDSIM_BPF)
    {
      w_pred = 1.0 - p->beta;
      w_sim = p->beta;
    }
  switch (p->loss)
    {
    case LW_LOSS_PRED:
      p->loss_pred = ref_pred_ce (p, a);
      return p->loss_pred;
    case LW_LOSS_SIM:
      p->loss_sim = ref_sim_head (p, a);
      return p->loss_sim;
    case LW_LOSS_PREDSIM:
      p->loss_pred = ref_pred_ce (p, a);
      p->loss_sim = ref_sim_head (p, a);
      return w_pred * p->loss_pred + w_sim * p->loss_sim;
    case LW_LOSS_PRED_BPF:
    case LW_LOSS_SIM_BPF:
    case LW_LOSS_PREDSIM_BPF:
      if (p->loss != LW_LOSS_SIM_BPF)
        {
          p->loss_pred = ref_bpf_bce (p, a);
          if (p->fa_g != NULL)
            for (gsize i = 0; i < na; i++)
              total += p->fa_g[i] * a[i];
          else
            total += w_pred * p->loss_pred;
        }
      if (p->loss != LW_LOSS_PRED_BPF)
        {
          /* sim-bpf: no learned head, S(a) against S(P y). */
          p->loss_sim = gc_ref_similarity_loss (a, p->n, p->b->n_out, p->code_table,
                                                BK_CLASSES, p->y);
          total += w_sim * p->loss_sim;
        }
      return total;
    case LW_LOSS_BP:
    case LW_N_LOSSES:
    default:
      g_assert_not_reached ();
    }
}

/* The error feedback alignment sends to a: (dBCE/dz) B, with B the block's
 * fixed feedback matrix, weighted like the bpf prediction loss. */
static void
ref_fa_error (BlockProblem *p, double weight, double *g)
{
  const guint n = p->n, d = p->b->n_out;
  g_autofree double *a = g_new (double, (gsize) n * d);
  g_autofree double *z = g_new (double, (gsize) n * BK_CODE);
  guint64 sig;

  ref_block_forward (p, a, &sig);
  ref_linear (a, n, d, p->b->bpf.w, p->b->bpf.b, BK_CODE, z);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < d; k++)
      {
        double s = 0.0;
        for (guint j = 0; j < BK_CODE; j++)
          {
            double t = p->codes[p->y[i] * BK_CODE + j];
            double dz = (1.0 / (1.0 + exp (-z[i * BK_CODE + j])) - t) / ((double) n * BK_CODE);
            s += dz * p->b->feedback[j * d + k];
          }
        g[i * d + k] = weight * s;
      }
}

typedef struct {
  LwRng rng;
  LwBlock b;
  float x[BK_N * BK_IN];
  guint8 y[BK_N];
  float onehot_table[BK_CLASSES * BK_CLASSES];
  float code_table[BK_CLASSES * BK_CLASSES];
  float codes[BK_CLASSES * BK_CODE];
  LwStepContext ctx;
  float *snapshot[LW_BLOCK_N_PARAMS];
} BlockFixture;

static void
block_fixture_init (BlockFixture *f, guint seed, LwLossType loss, float beta,
                    LwNonlin nonlin, float dropout)
{
  double proj[BK_CLASSES * BK_CODE], s[BK_CLASSES * BK_CLASSES];

  memset (f, 0, sizeof *f);
  lw_rng_init (&f->rng, seed, 0);
  lw_block_init (&f->b, BK_IN, BK_OUT, BK_CLASSES, BK_CODE, BK_N, TRUE, &f->rng);

  /* The heads start at zero (docs/method.md §2), which would hide their
   * contribution to the block's gradient: give them values. */
  gc_fill_uniform (f->b.pred.w, BK_OUT * BK_CLASSES, -0.6f, 0.6f, &f->rng);
  gc_fill_uniform (f->b.bpf.w, BK_OUT * BK_CODE, -0.6f, 0.6f, &f->rng);
  gc_fill_uniform (f->b.bpf.b, BK_CODE, -0.3f, 0.3f, &f->rng);
  gc_fill_uniform (f->b.bn.gamma, BK_OUT, 0.7f, 1.3f, &f->rng);
  gc_fill_uniform (f->b.bn.beta, BK_OUT, -0.3f, 0.3f, &f->rng);
  gc_fill_uniform (f->x, BK_N * BK_IN, -1.0f, 1.0f, &f->rng);
  gc_fill_labels (f->y, BK_N, BK_CLASSES, &f->rng);

  for (guint i = 0; i < BK_CLASSES; i++)
    for (guint j = 0; j < BK_CLASSES; j++)
      f->onehot_table[i * BK_CLASSES + j] = i == j ? 1.0f : -1.0f / (BK_CLASSES - 1);
  for (guint i = 0; i < BK_CLASSES * BK_CODE; i++)
    {
      proj[i] = lw_rng_uniform_in (&f->rng, -0.5f, 0.5f);
      f->codes[i] = proj[i] > 0.0 ? 1.0f : 0.0f;
    }
  gc_ref_similarity (proj, BK_CLASSES, BK_CODE, s);
  for (guint i = 0; i < BK_CLASSES * BK_CLASSES; i++)
    f->code_table[i] = (float) s[i];

  f->ctx = (LwStepContext) {
    .loss = loss,
    .beta = beta,
    .lr = 0.0f,               /* the step changes nothing: gradients can be read after it */
    .dropout = dropout,
    .nonlin = nonlin,
    .optim = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f },
    .classes = BK_CLASSES,
    .code_len = BK_CODE,
    .onehot_table = f->onehot_table,
    .code_table = f->code_table,
    .codes = f->codes,
  };

  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    f->snapshot[i] = g_memdup2 (f->b.params[i].w, f->b.params[i].n * sizeof (float));
}

static void
block_fixture_clear (BlockFixture *f)
{
  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    g_free (f->snapshot[i]);
  lw_block_clear (&f->b);
}

static void
assert_block_unchanged (BlockFixture *f)
{
  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    g_assert_true (gc_bits_equal (f->b.params[i].w, f->snapshot[i], f->b.params[i].n));
}

static BlockProblem
block_problem (BlockFixture *f, Part part)
{
  return (BlockProblem) {
    .b = &f->b, .x = f->x, .y = f->y, .n = BK_N,
    .loss = f->ctx.loss, .beta = f->ctx.beta, .nonlin = f->ctx.nonlin,
    .onehot_table = f->onehot_table, .code_table = f->code_table, .codes = f->codes,
    .part = part,
  };
}

/* Checks one of the block's gradient buffers (copied in analytic)
 * against central differences of p's loss over param. */
static void
check_block_param (const char *what, BlockProblem *p, float *param, const float *analytic,
                   gsize n, double step)
{
  g_autofree double *num = g_new (double, n);

  gc_numeric_gradient (block_loss, p, param, n, step, num);
  gc_assert_gradient (what, analytic, num, n, GC_TOLERANCE);
}

static void
check_value (const char *what, float engine, double ref)
{
  g_assert_true (isfinite (engine));
  gc_assert_close (what, engine, ref, 1e-4);
}

static void
check_block_local (LwLossType loss, float beta, LwNonlin nonlin, float dropout)
{
  BlockFixture f;
  BlockProblem p;
  LwBlockStats st;
  LwRng drop_rng;
  g_autofree double *fa_g = NULL;
  g_autofree float *dw = NULL, *db = NULL, *dgamma = NULL, *dbeta = NULL;
  g_autofree float *pred_dw = NULL, *pred_db = NULL, *sim_dw = NULL;
  g_autofree float *bpf_dw = NULL, *bpf_db = NULL;
  g_autofree char *name = NULL;
  const char *lname = lw_loss_type_to_string (loss);
  double max_dw = 0.0, max_db = 0.0;
  gboolean bpf_pred = loss == LW_LOSS_PRED_BPF || loss == LW_LOSS_PREDSIM_BPF;

  block_fixture_init (&f, 100 + loss, loss, beta, nonlin, dropout);
  lw_rng_init (&drop_rng, 7, 0);

  lw_block_forward_train (&f.b, f.x, BK_N, &f.ctx, &drop_rng);
  lw_block_local_update (&f.b, f.x, f.y, BK_N, &f.ctx, &st);
  assert_block_unchanged (&f);

  dw = g_memdup2 (f.b.main.dw, sizeof (float) * BK_IN * BK_OUT);
  db = g_memdup2 (f.b.main.db, sizeof (float) * BK_OUT);
  dgamma = g_memdup2 (f.b.bn.dgamma, sizeof (float) * BK_OUT);
  dbeta = g_memdup2 (f.b.bn.dbeta, sizeof (float) * BK_OUT);
  pred_dw = g_memdup2 (f.b.pred.dw, sizeof (float) * BK_OUT * BK_CLASSES);
  pred_db = g_memdup2 (f.b.pred.db, sizeof (float) * BK_CLASSES);
  sim_dw = g_memdup2 (f.b.sim.dw, sizeof (float) * BK_OUT * BK_OUT);
  bpf_dw = g_memdup2 (f.b.bpf.dw, sizeof (float) * BK_OUT * BK_CODE);
  bpf_db = g_memdup2 (f.b.bpf.db, sizeof (float) * BK_CODE);

  /* The reported loss values are the unweighted parts. */
  p = block_problem (&f, PART_LOCAL);
  block_loss (&p, &(guint64) { 0 });
  if (loss == LW_LOSS_PRED || loss == LW_LOSS_PREDSIM || bpf_pred)
    check_value ("loss_pred", st.loss_pred, p.loss_pred);
  if (loss == LW_LOSS_PRED || loss == LW_LOSS_PRED_BPF)
    g_assert_true (isnan (st.loss_sim));
  else
    check_value ("loss_sim", st.loss_sim, p.loss_sim);
  if (loss == LW_LOSS_SIM || loss == LW_LOSS_SIM_BPF)
    {
      /* The softmax head is then a probe: its CE is still reported. */
      BlockProblem probe = block_problem (&f, PART_PROBE);
      check_value ("probe loss_pred", st.loss_pred, block_loss (&probe, &(guint64) { 0 }));
    }

  /* The block's own weights. Under feedback alignment the prediction
   * part of the error is (dBCE/dz) B, not the true gradient: the
   * reference then uses the surrogate <(dBCE/dz) B, a> for that part. */
  if (bpf_pred)
    {
      fa_g = g_new (double, BK_N * BK_OUT);
      ref_fa_error (&p, loss == LW_LOSS_PREDSIM_BPF ? 1.0 - beta : 1.0, fa_g);
      p.fa_g = fa_g;
    }
  name = g_strdup_printf ("%s block main dW", lname);
  check_block_param (name, &p, f.b.main.w, dw, BK_IN * BK_OUT, 1e-4);
  g_clear_pointer (&name, g_free);
  name = g_strdup_printf ("%s block BN dgamma", lname);
  check_block_param (name, &p, f.b.bn.gamma, dgamma, BK_OUT, 1e-4);
  g_clear_pointer (&name, g_free);
  name = g_strdup_printf ("%s block BN dbeta", lname);
  check_block_param (name, &p, f.b.bn.beta, dbeta, BK_OUT, 1e-4);
  g_clear_pointer (&name, g_free);
  /* BatchNorm removes the mean: the main bias has no gradient. */
  for (guint i = 0; i < BK_IN * BK_OUT; i++)
    max_dw = MAX (max_dw, fabsf (dw[i]));
  for (guint j = 0; j < BK_OUT; j++)
    max_db = MAX (max_db, fabsf (db[j]));
  g_assert_cmpfloat (max_db, <=, 1e-3 * max_dw);
  p.fa_g = NULL;

  /* The heads' own gradients are true gradients. */
  if (loss == LW_LOSS_PRED || loss == LW_LOSS_PREDSIM)
    {
      name = g_strdup_printf ("%s pred head dW", lname);
      check_block_param (name, &p, f.b.pred.w, pred_dw, BK_OUT * BK_CLASSES, 1e-4);
      g_clear_pointer (&name, g_free);
      name = g_strdup_printf ("%s pred head db", lname);
      check_block_param (name, &p, f.b.pred.b, pred_db, BK_CLASSES, 1e-4);
      g_clear_pointer (&name, g_free);
    }
  else
    {
      /* Everywhere else the softmax head is a probe trained on its own
       * CE with weight 1 on the detached activation. */
      BlockProblem probe = block_problem (&f, PART_PROBE);
      name = g_strdup_printf ("%s probe head dW", lname);
      check_block_param (name, &probe, f.b.pred.w, pred_dw, BK_OUT * BK_CLASSES, 1e-4);
      g_clear_pointer (&name, g_free);
      name = g_strdup_printf ("%s probe head db", lname);
      check_block_param (name, &probe, f.b.pred.b, pred_db, BK_CLASSES, 1e-4);
      g_clear_pointer (&name, g_free);
    }
  if (loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM)
    {
      name = g_strdup_printf ("%s sim head dW", lname);
      check_block_param (name, &p, f.b.sim.w, sim_dw, BK_OUT * BK_OUT, 1e-4);
      g_clear_pointer (&name, g_free);
    }
  if (bpf_pred)
    {
      name = g_strdup_printf ("%s bpf head dW", lname);
      check_block_param (name, &p, f.b.bpf.w, bpf_dw, BK_OUT * BK_CODE, 1e-4);
      g_clear_pointer (&name, g_free);
      name = g_strdup_printf ("%s bpf head db", lname);
      check_block_param (name, &p, f.b.bpf.b, bpf_db, BK_CODE, 1e-4);
      g_clear_pointer (&name, g_free);
    }

  block_fixture_clear (&f);
}

static void
test_block_pred (void)
{
  check_block_local (LW_LOSS_PRED, 0.99f, LW_NONLIN_RELU, 0.0f);
}

static void
test_block_sim (void)
{
  check_block_local (LW_LOSS_SIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
}

/* beta 0.5 so both parts weigh; dropout on, which must not change the
 * local loss (it looks at the activation before dropout, docs/method.md §1). */
static void
test_block_predsim (void)
{
  check_block_local (LW_LOSS_PREDSIM, 0.5f, LW_NONLIN_LEAKY_RELU, 0.3f);
}

static void
test_block_predsim_default_beta (void)
{
  check_block_local (LW_LOSS_PREDSIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
}

static void
test_block_pred_bpf (void)
{
  check_block_local (LW_LOSS_PRED_BPF, 0.99f, LW_NONLIN_RELU, 0.0f);
}

static void
test_block_sim_bpf (void)
{
  check_block_local (LW_LOSS_SIM_BPF, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
}

static void
test_block_predsim_bpf (void)
{
  check_block_local (LW_LOSS_PREDSIM_BPF, 0.3f, LW_NONLIN_LEAKY_RELU, 0.2f);
}

/* bp mode: the error arriving from above (b->dout) goes back through
 * dropout (with the forward's mask), the activation, BN and the linear
 * layer, to the weights and to the input. */
static void
test_block_global (void)
{
  BlockFixture f;
  BlockProblem p;
  LwRng drop_rng;
  LwBlockStats st;
  float g_out[BK_N * BK_OUT], mask[BK_N * BK_OUT], dx[BK_N * BK_IN];
  g_autofree float *dw = NULL, *dgamma = NULL, *dbeta = NULL, *probe_dw = NULL, *main_dw = NULL;
  double num_x[BK_N * BK_IN];
  guint dropped = 0;

  block_fixture_init (&f, 77, LW_LOSS_BP, 0.99f, LW_NONLIN_RELU, 0.25f);
  lw_rng_init (&drop_rng, 8, 0);
  gc_fill_uniform (g_out, BK_N * BK_OUT, -1.0f, 1.0f, &f.rng);

  lw_block_forward_train (&f.b, f.x, BK_N, &f.ctx, &drop_rng);
  memcpy (mask, f.b.mask, sizeof mask);
  for (guint i = 0; i < BK_N * BK_OUT; i++)
    dropped += mask[i] == 0.0f;
  g_assert_cmpuint (dropped, >, 0);

  /* The probe trains the softmax head on the detached activation and
   * leaves the block's weights and their gradient alone. */
  main_dw = g_memdup2 (f.b.main.dw, sizeof (float) * BK_IN * BK_OUT);
  lw_block_probe_update (&f.b, f.y, BK_N, &f.ctx, &st, NULL);
  g_assert_true (gc_bits_equal (f.b.main.dw, main_dw, BK_IN * BK_OUT));
  g_assert_true (isnan (st.loss_sim));
  probe_dw = g_memdup2 (f.b.pred.dw, sizeof (float) * BK_OUT * BK_CLASSES);
  p = block_problem (&f, PART_PROBE);
  check_value ("bp probe loss_pred", st.loss_pred, block_loss (&p, &(guint64) { 0 }));
  check_block_param ("bp probe head dW", &p, f.b.pred.w, probe_dw, BK_OUT * BK_CLASSES, 1e-4);

  memcpy (f.b.dout, g_out, sizeof g_out);
  lw_block_global_backward (&f.b, f.x, BK_N, &f.ctx, dx, NULL);
  assert_block_unchanged (&f);
  dw = g_memdup2 (f.b.main.dw, sizeof (float) * BK_IN * BK_OUT);
  dgamma = g_memdup2 (f.b.bn.dgamma, sizeof (float) * BK_OUT);
  dbeta = g_memdup2 (f.b.bn.dbeta, sizeof (float) * BK_OUT);

  p = block_problem (&f, PART_GLOBAL);
  p.g_out = g_out;
  p.mask = mask;
  check_block_param ("bp block main dW", &p, f.b.main.w, dw, BK_IN * BK_OUT, 1e-4);
  check_block_param ("bp block BN dgamma", &p, f.b.bn.gamma, dgamma, BK_OUT, 1e-4);
  check_block_param ("bp block BN dbeta", &p, f.b.bn.beta, dbeta, BK_OUT, 1e-4);
  gc_numeric_gradient (block_loss, &p, f.x, BK_N * BK_IN, 1e-4, num_x);
  gc_assert_gradient ("bp block dx", dx, num_x, BK_N * BK_IN, GC_TOLERANCE);

  block_fixture_clear (&f);
}

/* A frozen block computes no update of its own weights, while its
 * softmax head keeps learning as a probe; with lr > 0 the heads move. */
static void
test_block_frozen (void)
{
  BlockFixture f;
  LwRng drop_rng;
  LwBlockStats st;

  block_fixture_init (&f, 55, LW_LOSS_PREDSIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
  lw_rng_init (&drop_rng, 8, 0);
  f.ctx.lr = 1e-2f;
  f.b.frozen = TRUE;
  for (guint step = 0; step < 3; step++)
    {
      lw_block_forward_train (&f.b, f.x, BK_N, &f.ctx, &drop_rng);
      lw_block_local_update (&f.b, f.x, f.y, BK_N, &f.ctx, &st);
      g_assert_true (isfinite (st.loss_pred));
      g_assert_true (isfinite (st.loss_sim));
    }
  for (guint i = LW_BLOCK_MAIN_W; i <= LW_BLOCK_BN_BETA; i++)
    g_assert_true (gc_bits_equal (f.b.params[i].w, f.snapshot[i], f.b.params[i].n));
  g_assert_false (gc_bits_equal (f.b.pred.w, f.snapshot[LW_BLOCK_PRED_W],
                                 BK_OUT * BK_CLASSES));

  f.b.frozen = FALSE;
  lw_block_forward_train (&f.b, f.x, BK_N, &f.ctx, &drop_rng);
  lw_block_local_update (&f.b, f.x, f.y, BK_N, &f.ctx, &st);
  g_assert_false (gc_bits_equal (f.b.main.w, f.snapshot[LW_BLOCK_MAIN_W], BK_IN * BK_OUT));
  block_fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/linear/forward", test_linear_forward);
  g_test_add_func ("/engine/linear/init", test_linear_init);
  g_test_add_func ("/engine/linear/gradient", test_linear_gradient);
  g_test_add_func ("/engine/linear/feedback", test_linear_feedback);
  g_test_add_func ("/engine/batchnorm/forward", test_batchnorm_forward);
  g_test_add_func ("/engine/batchnorm/single-sample", test_batchnorm_single_sample);
  g_test_add_func ("/engine/batchnorm/gradient", test_batchnorm_gradient);
  g_test_add_func ("/engine/activation/relu", test_activation_relu);
  g_test_add_func ("/engine/activation/leaky-relu", test_activation_leaky_relu);
  g_test_add_func ("/engine/dropout/gradient", test_dropout_gradient);
  g_test_add_func ("/engine/dropout/mask", test_dropout_mask);
  g_test_add_func ("/engine/optim/adam", test_optim_adam);
  g_test_add_func ("/engine/optim/adam-first-step", test_optim_adam_first_step);
  g_test_add_func ("/engine/optim/sgd", test_optim_sgd);
  g_test_add_func ("/engine/block/pred/gradient", test_block_pred);
  g_test_add_func ("/engine/block/sim/gradient", test_block_sim);
  g_test_add_func ("/engine/block/predsim/gradient", test_block_predsim);
  g_test_add_func ("/engine/block/predsim/gradient-beta-0.99", test_block_predsim_default_beta);
  g_test_add_func ("/engine/block/pred-bpf/gradient", test_block_pred_bpf);
  g_test_add_func ("/engine/block/sim-bpf/gradient", test_block_sim_bpf);
  g_test_add_func ("/engine/block/predsim-bpf/gradient", test_block_predsim_bpf);
  g_test_add_func ("/engine/block/bp/gradient", test_block_global);
  g_test_add_func ("/engine/block/frozen", test_block_frozen);

  return g_test_run ();
}
