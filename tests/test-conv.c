/* test-conv.c: the convolutional building blocks (docs/method.md §2–§4).
 * Conv2d (3x3 and the 7x7 stride-2 first layer of STL-10) against a
 * direct convolution and finite differences; BatchNorm2d, MaxPool,
 * AvgPool with counted padding, Dropout2d and the spatial standard
 * deviation against double-precision references and finite differences;
 * the conv sim head end to end; and the §3 pooling rule against every
 * row of its table. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-batchnorm2d.h"
#include "engine/lw-conv.h"
#include "engine/lw-dropout2d.h"
#include "engine/lw-gemm.h"
#include "engine/lw-losses.h"
#include "engine/lw-parallel.h"
#include "engine/lw-pool.h"
#include "engine/lw-spatial-std.h"
#include "gradcheck.h"

/* ------------------------------------------------------------------ */
/* Conv2d */

/* Direct convolution in double, the definition the lowering must match. */
static void
naive_conv (const LwConv2d *c, const float *x, guint n, double *y)
{
  for (guint i = 0; i < n; i++)
    for (guint co = 0; co < c->c_out; co++)
      for (guint oy = 0; oy < c->oh; oy++)
        for (guint ox = 0; ox < c->ow; ox++)
          {
            double sum = c->has_bias ? c->b[co] : 0.0;

            for (guint ci = 0; ci < c->c_in; ci++)
              for (guint ki = 0; ki < c->k; ki++)
                for (guint kj = 0; kj < c->k; kj++)
                  {
                    int iy = (int) (oy * c->stride + ki) - (int) c->pad;
                    int ix = (int) (ox * c->stride + kj) - (int) c->pad;

                    if (iy < 0 || ix < 0 || iy >= (int) c->ih || ix >= (int) c->iw)
                      continue;
                    sum += (double) c->w[((gsize) co * c->c_in + ci) * c->k * c->k + ki * c->k + kj]
                           * x[(((gsize) i * c->c_in + ci) * c->ih + iy) * c->iw + ix];
                  }
            y[(((gsize) i * c->c_out + co) * c->oh + oy) * c->ow + ox] = sum;
          }
}

static gsize
conv_in_size (const LwConv2d *c, guint n)
{
  return (gsize) n * c->c_in * c->ih * c->iw;
}

static gsize
conv_out_size (const LwConv2d *c, guint n)
{
  return (gsize) n * c->c_out * c->oh * c->ow;
}

/* The lowering against the direct convolution, for every chunk size. */
static void
check_conv_forward (LwConvLowering lowering, guint n, guint c_in, guint c_out, guint k,
                    guint stride, guint pad, guint h, guint w, gboolean bias, guint oh, guint ow)
{
  LwRng rng;
  LwConv2d c;
  g_autofree float *x = NULL, *y = NULL;
  g_autofree double *ref = NULL;

  lw_rng_init (&rng, 31 + k, stride);
  lw_conv2d_init (&c, c_in, c_out, k, stride, pad, h, w, n, bias, LW_INIT_TORCH, &rng);
  lw_conv2d_set_lowering (&c, lowering);
  g_assert_cmpuint (c.oh, ==, oh);
  g_assert_cmpuint (c.ow, ==, ow);
  x = g_new (float, conv_in_size (&c, n));
  y = g_new (float, conv_out_size (&c, n));
  ref = g_new (double, conv_out_size (&c, n));
  gc_fill_uniform (x, conv_in_size (&c, n), -1.0f, 1.0f, &rng);
  naive_conv (&c, x, n, ref);

  for (guint chunk = 1; chunk <= n; chunk++)
    {
      double worst = 0.0;

      lw_conv2d_set_chunk (&c, chunk);
      lw_conv2d_forward (&c, x, n, y);
      for (gsize i = 0; i < conv_out_size (&c, n); i++)
        worst = MAX (worst, fabs (y[i] - ref[i]));
      g_test_message ("conv %ux%u/%u pad %u, %s, chunk %u: max |lowered - direct| %.2e",
                      k, k, stride, pad, lowering == LW_CONV_WINOGRAD ? "Winograd" : "im2col",
                      chunk, worst);
      g_assert_cmpfloat (worst, <, 1e-5);
    }
  lw_conv2d_clear (&c);
}

static void
test_conv_forward (void)
{
  /* The block conv, 3x3 stride 1 pad 1: the plane keeps its size. */
  check_conv_forward (LW_CONV_IM2COL, 3, 4, 5, 3, 1, 1, 6, 7, TRUE, 6, 7);
  /* The STL-10 first layer, 7x7 stride 2 pad 3: 96 -> 48, here 11x9 -> 6x5. */
  check_conv_forward (LW_CONV_IM2COL, 3, 3, 4, 7, 2, 3, 11, 9, TRUE, 6, 5);
  /* The sim head has no bias; an unpadded strided case covers the
   * remaining branches of the unfolding. */
  check_conv_forward (LW_CONV_IM2COL, 2, 3, 2, 3, 1, 1, 5, 5, FALSE, 5, 5);
  check_conv_forward (LW_CONV_IM2COL, 2, 2, 3, 3, 2, 0, 8, 7, TRUE, 3, 3);
  /* Winograd 4x4 tiles: whole tiles (8x8), ragged edges (6x7, 5x5), one
   * partial tile (3x3, the last vgg8b plane on MNIST), a 1-pixel plane. */
  check_conv_forward (LW_CONV_WINOGRAD, 3, 4, 5, 3, 1, 1, 8, 8, TRUE, 8, 8);
  check_conv_forward (LW_CONV_WINOGRAD, 3, 4, 5, 3, 1, 1, 6, 7, TRUE, 6, 7);
  check_conv_forward (LW_CONV_WINOGRAD, 2, 3, 2, 3, 1, 1, 5, 5, FALSE, 5, 5);
  check_conv_forward (LW_CONV_WINOGRAD, 3, 6, 3, 3, 1, 1, 3, 3, TRUE, 3, 3);
  check_conv_forward (LW_CONV_WINOGRAD, 2, 2, 2, 3, 1, 1, 1, 1, TRUE, 1, 1);
}

static void
test_conv_init (void)
{
  const guint c_in = 16, c_out = 8;
  const float bound = 1.0f / sqrtf (16.0f * 9.0f);
  LwRng rng;
  LwConv2d c;
  float lo = 1.0f, hi = -1.0f;

  lw_rng_init (&rng, 2, 0);
  lw_conv2d_init (&c, c_in, c_out, 3, 1, 1, 8, 8, 128, TRUE, LW_INIT_TORCH, &rng);
  /* fan_in = C_in * k * k, torch's default for W and b. */
  for (guint i = 0; i < c_out * c_in * 9; i++)
    {
      g_assert_cmpfloat (fabsf (c.w[i]), <=, bound);
      lo = MIN (lo, c.w[i]);
      hi = MAX (hi, c.w[i]);
    }
  g_assert_cmpfloat (lo, <, -0.9f * bound);
  g_assert_cmpfloat (hi, >, 0.9f * bound);
  lo = 0.0f;
  for (guint j = 0; j < c_out; j++)
    {
      g_assert_cmpfloat (fabsf (c.b[j]), <=, bound);
      lo = MAX (lo, fabsf (c.b[j]));
    }
  g_assert_cmpfloat (lo, >, 0.0f);
  /* Small planes: the whole batch unfolds into one product. */
  g_assert_cmpuint (c.chunk, ==, 128);
  lw_conv2d_clear (&c);

  /* 128 -> 128 at 28x28 runs as Winograd, whose transformed tiles for the
   * batch (36 x 256 x 49 x 128 floats) would take 231 MB: chunks fit the
   * scratch budget instead. */
  lw_conv2d_init (&c, 128, 128, 3, 1, 1, 28, 28, 128, FALSE, LW_INIT_TORCH, &rng);
  g_assert_null (c.b);
  g_assert_cmpint (c.lowering, ==, LW_CONV_WINOGRAD);
  g_assert_cmpuint (c.chunk, >=, 1);
  g_assert_cmpuint (c.chunk, <, 128);
  g_assert_cmpuint ((gsize) 36 * 256 * 49 * c.chunk, <=, LW_CONV_SCRATCH_FLOATS);
  g_assert_cmpuint (lw_conv2d_scratch_floats (&c), ==,
                    (gsize) 2 * 36 * 128 * 128 + (gsize) 36 * 256 * 49 * c.chunk);
  /* im2col of the same layer: its unfolded input and product per sample. */
  lw_conv2d_set_lowering (&c, LW_CONV_IM2COL);
  g_assert_cmpuint (c.chunk, <, 128);
  g_assert_cmpuint ((gsize) (128 * 9 + 128) * 784 * c.chunk, <=, LW_CONV_SCRATCH_FLOATS);
  lw_conv2d_clear (&c);

  /* Too few channels for the transform domain to pay, and the 7x7/2 first
   * layer, stay im2col. */
  lw_conv2d_init (&c, 1, 16, 3, 1, 1, 28, 28, 128, TRUE, LW_INIT_TORCH, &rng);
  g_assert_cmpint (c.lowering, ==, LW_CONV_IM2COL);
  lw_conv2d_clear (&c);
  lw_conv2d_init (&c, 64, 64, 7, 2, 3, 32, 32, 128, TRUE, LW_INIT_TORCH, &rng);
  g_assert_cmpint (c.lowering, ==, LW_CONV_IM2COL);
  lw_conv2d_clear (&c);

  lw_conv2d_init (&c, 4, 4, 3, 1, 1, 4, 4, 8, TRUE, LW_INIT_ZERO_WEIGHT, &rng);
  for (guint i = 0; i < 4 * 4 * 9; i++)
    g_assert_cmpfloat (c.w[i], ==, 0.0f);
  lw_conv2d_clear (&c);
}

typedef struct {
  LwConv2d *c;
  float *x;
  guint n;
  float *y;
  const float *r;
} ConvProblem;

static double
conv_loss (gpointer data, guint64 *sig)
{
  ConvProblem *p = data;

  lw_conv2d_forward (p->c, p->x, p->n, p->y);
  *sig = 0;
  return gc_dot (p->y, p->r, conv_out_size (p->c, p->n));
}

/* dW, db and dx of <r, conv(x)> against central differences, with the
 * batch split into chunks (the weight gradient sums over them), then the
 * same gradients from a single chunk, and dx accumulating. */
static void
check_conv_gradient (const char *name, LwConvLowering lowering, guint n, guint c_in,
                     guint c_out, guint k, guint stride, guint pad, guint h, guint w,
                     guint chunk)
{
  LwRng rng;
  LwConv2d c;
  gsize nw, nx, ny;
  g_autofree float *x = NULL, *y = NULL, *r = NULL, *dx = NULL, *dw = NULL, *db = NULL;
  g_autofree float *dx1 = NULL, *base = NULL;
  g_autofree double *num_w = NULL, *num_b = NULL, *num_x = NULL;
  g_autofree char *what_w = g_strdup_printf ("%s dW", name);
  g_autofree char *what_b = g_strdup_printf ("%s db", name);
  g_autofree char *what_x = g_strdup_printf ("%s dx", name);
  ConvProblem p;

  lw_rng_init (&rng, 41 + k, chunk);
  lw_conv2d_init (&c, c_in, c_out, k, stride, pad, h, w, n, TRUE, LW_INIT_TORCH, &rng);
  lw_conv2d_set_lowering (&c, lowering);
  lw_conv2d_set_chunk (&c, chunk);
  nw = (gsize) c_out * c_in * k * k;
  nx = conv_in_size (&c, n);
  ny = conv_out_size (&c, n);
  x = g_new (float, nx);
  dx = g_new (float, nx);
  dx1 = g_new (float, nx);
  base = g_new (float, nx);
  y = g_new (float, ny);
  r = g_new (float, ny);
  num_w = g_new (double, nw);
  num_b = g_new (double, c_out);
  num_x = g_new (double, nx);
  gc_fill_uniform (x, nx, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, ny, -1.0f, 1.0f, &rng);
  p = (ConvProblem) { &c, x, n, y, r };

  lw_conv2d_backward (&c, x, r, n, dx, FALSE);
  dw = g_memdup2 (c.dw, nw * sizeof (float));
  db = g_memdup2 (c.db, c_out * sizeof (float));

  g_assert_cmpuint (gc_numeric_gradient (conv_loss, &p, c.w, nw, 1e-2, num_w), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (conv_loss, &p, c.b, c_out, 1e-2, num_b), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (conv_loss, &p, x, nx, 1e-2, num_x), ==, 0);
  gc_assert_gradient (what_w, dw, num_w, nw, GC_TOLERANCE);
  gc_assert_gradient (what_b, db, num_b, c_out, GC_TOLERANCE);
  gc_assert_gradient (what_x, dx, num_x, nx, GC_TOLERANCE);

  /* One chunk for the whole batch gives the same gradients. */
  lw_conv2d_set_chunk (&c, n);
  lw_conv2d_backward (&c, x, r, n, dx1, FALSE);
  for (gsize i = 0; i < nw; i++)
    g_assert_cmpfloat_with_epsilon (c.dw[i], dw[i], 1e-5 * (1.0 + fabsf (dw[i])));
  g_assert_true (gc_bits_equal (c.db, db, c_out));
  for (gsize i = 0; i < nx; i++)
    g_assert_cmpfloat_with_epsilon (dx1[i], dx[i], 1e-5);

  /* dW is written over; dx accumulates only when asked, and may be left out. */
  gc_fill_uniform (base, nx, -1.0f, 1.0f, &rng);
  memcpy (dx1, base, nx * sizeof (float));
  lw_conv2d_backward (&c, x, r, n, dx1, TRUE);
  for (gsize i = 0; i < nx; i++)
    g_assert_cmpfloat_with_epsilon (dx1[i], base[i] + dx[i], 1e-5);
  for (gsize i = 0; i < nw; i++)
    g_assert_cmpfloat_with_epsilon (c.dw[i], dw[i], 1e-5 * (1.0 + fabsf (dw[i])));
  lw_conv2d_backward (&c, x, r, n, NULL, FALSE);
  for (gsize i = 0; i < nw; i++)
    g_assert_cmpfloat_with_epsilon (c.dw[i], dw[i], 1e-5 * (1.0 + fabsf (dw[i])));

  lw_conv2d_clear (&c);
}

static void
test_conv_gradient_3x3 (void)
{
  check_conv_gradient ("conv3x3", LW_CONV_IM2COL, 3, 3, 4, 3, 1, 1, 5, 6, 2);
  /* Winograd: a ragged plane split into tiles and chunks. */
  check_conv_gradient ("conv3x3 Winograd", LW_CONV_WINOGRAD, 3, 3, 4, 3, 1, 1, 5, 6, 2);
  check_conv_gradient ("conv3x3 Winograd 9x8", LW_CONV_WINOGRAD, 2, 2, 3, 3, 1, 1, 9, 8, 1);
}

static void
test_conv_gradient_7x7 (void)
{
  check_conv_gradient ("conv7x7/2", LW_CONV_IM2COL, 2, 2, 3, 7, 2, 3, 11, 9, 1);
}

/* Both lowerings of one layer, at a size where Winograd is the default
 * (many channels, ragged 4x4 tiles, several chunks): outputs, dW and dx
 * agree to float rounding (the F(4x4,3x3) transforms scale it up a few
 * times: dW, a sum over 500 positions, to ~3e-5 relative), so training
 * does not depend on the lowering. */
static void
test_conv_lowerings_agree (void)
{
  const guint n = 5, c_in = 32, c_out = 24, side = 10;
  LwRng rng;
  LwConv2d w, i;
  gsize nx, ny, nw = (gsize) c_out * c_in * 9;
  g_autofree float *x = NULL, *r = NULL, *yw = NULL, *yi = NULL, *dxw = NULL, *dxi = NULL;
  double worst_y = 0.0, worst_dw = 0.0, worst_dx = 0.0;

  lw_rng_init (&rng, 5, 5);
  lw_conv2d_init (&w, c_in, c_out, 3, 1, 1, side, side, n, TRUE, LW_INIT_TORCH, &rng);
  g_assert_cmpint (w.lowering, ==, LW_CONV_WINOGRAD);
  lw_conv2d_set_chunk (&w, 2);
  lw_conv2d_init (&i, c_in, c_out, 3, 1, 1, side, side, n, TRUE, LW_INIT_ZERO, &rng);
  lw_conv2d_set_lowering (&i, LW_CONV_IM2COL);
  memcpy (i.w, w.w, nw * sizeof (float));
  memcpy (i.b, w.b, c_out * sizeof (float));
  nx = conv_in_size (&w, n);
  ny = conv_out_size (&w, n);
  x = g_new (float, nx);
  r = g_new (float, ny);
  yw = g_new (float, ny);
  yi = g_new (float, ny);
  dxw = g_new (float, nx);
  dxi = g_new (float, nx);
  gc_fill_uniform (x, nx, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, ny, -1.0f, 1.0f, &rng);

  lw_conv2d_forward (&w, x, n, yw);
  lw_conv2d_forward (&i, x, n, yi);
  lw_conv2d_backward (&w, x, r, n, dxw, FALSE);
  lw_conv2d_backward (&i, x, r, n, dxi, FALSE);
  for (gsize k = 0; k < ny; k++)
    worst_y = MAX (worst_y, fabs ((double) yw[k] - yi[k]));
  for (gsize k = 0; k < nw; k++)
    worst_dw = MAX (worst_dw, fabs ((double) w.dw[k] - i.dw[k]) / (1.0 + fabs (i.dw[k])));
  for (gsize k = 0; k < nx; k++)
    worst_dx = MAX (worst_dx, fabs ((double) dxw[k] - dxi[k]));
  g_test_message ("Winograd vs im2col: y %.2e, dW %.2e (relative), dx %.2e",
                  worst_y, worst_dw, worst_dx);
  g_assert_cmpfloat (worst_y, <, 1e-5);
  g_assert_cmpfloat (worst_dw, <, 1e-4);
  g_assert_cmpfloat (worst_dx, <, 1e-5);
  g_assert_true (gc_bits_equal (w.db, i.db, c_out));

  lw_conv2d_clear (&w);
  lw_conv2d_clear (&i);
}

/* ------------------------------------------------------------------ */
/* BatchNorm2d */

typedef struct {
  LwBatchNorm2d *bn;
  float *x;
  guint n;
  float *xhat, *y;
  const float *r;
} Bn2Problem;

static double
bn2_loss (gpointer data, guint64 *sig)
{
  Bn2Problem *p = data;

  lw_batchnorm2d_forward_train (p->bn, p->x, p->n, p->xhat, p->y);
  *sig = 0;
  return gc_dot (p->y, p->r, (gsize) p->n * p->bn->c * p->bn->hw);
}

static void
test_batchnorm2d_forward (void)
{
  enum { N = 4, C = 3, HW = 6 };
  LwRng rng;
  LwBatchNorm2d bn;
  float x[N * C * HW], xhat[N * C * HW], y[N * C * HW], ye[N * C * HW];
  const double count = N * HW;

  lw_rng_init (&rng, 8, 1);
  lw_batchnorm2d_init (&bn, C, HW);
  g_assert_cmpfloat (bn.momentum, ==, 0.1f);
  g_assert_cmpfloat (bn.eps, ==, 1e-5f);
  for (guint j = 0; j < C; j++)
    {
      g_assert_cmpfloat (bn.gamma[j], ==, 1.0f);
      g_assert_cmpfloat (bn.beta[j], ==, 0.0f);
    }
  gc_fill_uniform (bn.gamma, C, 0.5f, 1.5f, &rng);
  gc_fill_uniform (bn.beta, C, -0.5f, 0.5f, &rng);
  for (guint i = 0; i < N; i++)
    for (guint j = 0; j < C; j++)
      for (guint q = 0; q < HW; q++)
        x[(i * C + j) * HW + q] = 2.0f * j + (1.0f + j) * lw_rng_uniform_in (&rng, -1.0f, 1.0f);

  lw_batchnorm2d_forward_train (&bn, x, N, xhat, y);

  for (guint j = 0; j < C; j++)
    {
      double mean = 0.0, var = 0.0;

      /* Statistics over the batch and the plane together. */
      for (guint i = 0; i < N; i++)
        for (guint q = 0; q < HW; q++)
          mean += x[(i * C + j) * HW + q];
      mean /= count;
      for (guint i = 0; i < N; i++)
        for (guint q = 0; q < HW; q++)
          var += pow (x[(i * C + j) * HW + q] - mean, 2);
      var /= count;
      for (guint i = 0; i < N; i++)
        for (guint q = 0; q < HW; q++)
          {
            gsize at = (i * C + j) * HW + q;
            double h = (x[at] - mean) / sqrt (var + 1e-5);
            g_assert_cmpfloat_with_epsilon (xhat[at], h, 1e-5);
            g_assert_cmpfloat_with_epsilon (y[at], bn.gamma[j] * h + bn.beta[j], 1e-5);
          }
      /* Momentum 0.1 and the unbiased variance over N*H*W, as torch. */
      g_assert_cmpfloat_with_epsilon (bn.running_mean[j], 0.1 * mean, 1e-6);
      g_assert_cmpfloat_with_epsilon (bn.running_var[j], 0.9 + 0.1 * var * count / (count - 1),
                                      1e-6 * (1.0 + var));
    }

  lw_batchnorm2d_forward_eval (&bn, x, N, ye);
  for (guint i = 0; i < N; i++)
    for (guint j = 0; j < C; j++)
      for (guint q = 0; q < HW; q++)
        {
          gsize at = (i * C + j) * HW + q;
          double ref = (x[at] - bn.running_mean[j]) / sqrt (bn.running_var[j] + 1e-5)
                       * bn.gamma[j] + bn.beta[j];
          g_assert_cmpfloat_with_epsilon (ye[at], ref, 1e-5 * (1.0 + fabs (ref)));
        }

  /* In place gives the same bits. */
  {
    float xy[N * C * HW], y2[N * C * HW];
    memcpy (xy, x, sizeof xy);
    lw_batchnorm2d_forward_train (&bn, x, N, xhat, y2);
    lw_batchnorm2d_forward_train (&bn, xy, N, xhat, xy);
    g_assert_true (gc_bits_equal (xy, y2, N * C * HW));
  }
  lw_batchnorm2d_clear (&bn);
}

static void
test_batchnorm2d_gradient (void)
{
  enum { N = 3, C = 3, HW = 4, SIZE = N * C * HW };
  LwRng rng;
  LwBatchNorm2d bn;
  float x[SIZE], xhat[SIZE], y[SIZE], r[SIZE], dx[SIZE], dg[C], db[C];
  double num_x[SIZE], num_g[C], num_b[C];
  Bn2Problem p = { &bn, x, N, xhat, y, r };

  lw_rng_init (&rng, 9, 1);
  lw_batchnorm2d_init (&bn, C, HW);
  gc_fill_uniform (bn.gamma, C, 0.5f, 1.5f, &rng);
  gc_fill_uniform (bn.beta, C, -0.5f, 0.5f, &rng);
  gc_fill_uniform (x, SIZE, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, SIZE, -1.0f, 1.0f, &rng);

  lw_batchnorm2d_forward_train (&bn, x, N, xhat, y);
  lw_batchnorm2d_backward (&bn, xhat, r, N, dx);
  memcpy (dg, bn.dgamma, sizeof dg);
  memcpy (db, bn.dbeta, sizeof db);

  g_assert_cmpuint (gc_numeric_gradient (bn2_loss, &p, x, SIZE, 1e-3, num_x), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (bn2_loss, &p, bn.gamma, C, 1e-2, num_g), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (bn2_loss, &p, bn.beta, C, 1e-2, num_b), ==, 0);
  gc_assert_gradient ("batchnorm2d dx", dx, num_x, SIZE, GC_TOLERANCE);
  gc_assert_gradient ("batchnorm2d dgamma", dg, num_g, C, GC_TOLERANCE);
  gc_assert_gradient ("batchnorm2d dbeta", db, num_b, C, GC_TOLERANCE);

  /* dx may be dy itself. */
  {
    float inplace[SIZE];
    lw_batchnorm2d_forward_train (&bn, x, N, xhat, y);
    memcpy (inplace, r, sizeof inplace);
    lw_batchnorm2d_backward (&bn, xhat, inplace, N, inplace);
    for (guint i = 0; i < SIZE; i++)
      g_assert_cmpfloat_with_epsilon (inplace[i], dx[i], 1e-6);
  }
  lw_batchnorm2d_clear (&bn);
}

/* ------------------------------------------------------------------ */
/* MaxPool */

typedef struct {
  LwMaxPool *pool;
  float *x;
  guint n;
  float *y;
  const float *r;
} MaxProblem;

static double
max_loss (gpointer data, guint64 *sig)
{
  MaxProblem *p = data;
  gsize out = (gsize) p->n * p->pool->c * p->pool->oh * p->pool->ow;
  guint64 h = 0xcbf29ce484222325ULL;

  lw_maxpool_forward (p->pool, p->x, p->n, p->y);
  /* A step that moved a window's maximum crossed a kink. */
  for (gsize i = 0; i < out; i++)
    h = (h ^ p->pool->argmax[i]) * 0x100000001b3ULL;
  *sig = h;
  return gc_dot (p->y, p->r, out);
}

static void
test_maxpool (void)
{
  /* Odd planes: floor mode drops the last row and column. */
  enum { N = 2, C = 3, H = 5, W = 7, OH = 2, OW = 3, IN = N * C * H * W, OUT = N * C * OH * OW };
  LwRng rng;
  LwMaxPool pool;
  guint32 order[IN];
  float x[IN], y[OUT], r[OUT], dx[IN], base[IN], acc[IN];
  double num[IN];
  MaxProblem p = { &pool, x, N, y, r };

  lw_rng_init (&rng, 12, 0);
  lw_maxpool_init (&pool, C, H, W, N);
  g_assert_cmpuint (pool.oh, ==, OH);
  g_assert_cmpuint (pool.ow, ==, OW);
  /* Distinct values 0.05 apart: no ties, and no step of 1e-3 reorders them. */
  for (guint i = 0; i < IN; i++)
    order[i] = i;
  lw_rng_shuffle (&rng, order, IN);
  for (guint i = 0; i < IN; i++)
    x[i] = 0.05f * (float) order[i] - 5.0f;
  gc_fill_uniform (r, OUT, -1.0f, 1.0f, &rng);

  lw_maxpool_forward (&pool, x, N, y);
  for (guint u = 0; u < N * C; u++)
    for (guint oy = 0; oy < OH; oy++)
      for (guint ox = 0; ox < OW; ox++)
        {
          const float *plane = x + u * H * W;
          float m = -INFINITY;
          for (guint dy = 0; dy < 2; dy++)
            for (guint dxx = 0; dxx < 2; dxx++)
              m = MAX (m, plane[(2 * oy + dy) * W + 2 * ox + dxx]);
          g_assert_cmpfloat (y[(u * OH + oy) * OW + ox], ==, m);
        }

  lw_maxpool_backward (&pool, r, N, dx, FALSE);
  g_assert_cmpuint (gc_numeric_gradient (max_loss, &p, x, IN, 1e-3, num), ==, 0);
  gc_assert_gradient ("maxpool dx", dx, num, IN, GC_TOLERANCE);
  /* Only the maxima receive gradient: one per window. */
  {
    guint nonzero = 0;
    for (guint i = 0; i < IN; i++)
      nonzero += dx[i] != 0.0f;
    g_assert_cmpuint (nonzero, ==, OUT);
  }

  gc_fill_uniform (base, IN, -1.0f, 1.0f, &rng);
  memcpy (acc, base, sizeof acc);
  lw_maxpool_backward (&pool, r, N, acc, TRUE);
  for (guint i = 0; i < IN; i++)
    g_assert_cmpfloat_with_epsilon (acc[i], base[i] + dx[i], 1e-6);

  /* Ties: the first maximum of the window wins, as in torch. */
  {
    float t[4] = { 1.0f, 1.0f, 1.0f, 1.0f }, ty[1];
    LwMaxPool tp;
    lw_maxpool_init (&tp, 1, 2, 2, 1);
    lw_maxpool_forward (&tp, t, 1, ty);
    g_assert_cmpuint (tp.argmax[0], ==, 0);
    lw_maxpool_clear (&tp);
  }
  lw_maxpool_clear (&pool);
}

/* ------------------------------------------------------------------ */
/* AvgPool with padding, and the §3 rule */

typedef struct {
  const LwAvgPool *pool;
  float *x;
  guint n;
  float *y;
  const float *r;
} AvgProblem;

static double
avg_loss (gpointer data, guint64 *sig)
{
  AvgProblem *p = data;

  lw_avgpool_forward (p->pool, p->x, p->n, p->y);
  *sig = 0;
  return gc_dot (p->y, p->r, (gsize) p->n * p->pool->c * p->pool->oh * p->pool->ow);
}

/* torch's avg_pool2d(count_include_pad=True), floor mode, stride = kernel. */
static void
naive_avgpool (const LwAvgPool *p, const float *x, guint n, double *y)
{
  for (guint u = 0; u < n * p->c; u++)
    for (guint oy = 0; oy < p->oh; oy++)
      for (guint ox = 0; ox < p->ow; ox++)
        {
          double sum = 0.0;
          for (guint a = 0; a < p->kh; a++)
            for (guint b = 0; b < p->kw; b++)
              {
                int iy = (int) (oy * p->kh + a) - (int) p->ph;
                int ix = (int) (ox * p->kw + b) - (int) p->pw;
                if (iy >= 0 && ix >= 0 && iy < (int) p->h && ix < (int) p->w)
                  sum += x[((gsize) u * p->h + iy) * p->w + ix];
              }
          y[((gsize) u * p->oh + oy) * p->ow + ox] = sum / (p->kh * p->kw);
        }
}

static void
check_avgpool (guint n, guint c, guint h, guint w, guint kh, guint kw, guint ph, guint pw,
               guint oh, guint ow)
{
  LwRng rng;
  LwAvgPool pool;
  gsize in = (gsize) n * c * h * w, out = (gsize) n * c * oh * ow;
  g_autofree float *x = g_new (float, in), *dx = g_new (float, in);
  g_autofree float *base = g_new (float, in), *acc = g_new (float, in);
  g_autofree float *y = g_new (float, out), *r = g_new (float, out);
  g_autofree double *ref = g_new (double, out), *num = g_new (double, in);
  AvgProblem p = { &pool, x, n, y, r };

  lw_rng_init (&rng, 14, kh * 100 + kw);
  lw_avgpool_init (&pool, c, h, w, kh, kw, ph, pw);
  g_assert_cmpuint (pool.oh, ==, oh);
  g_assert_cmpuint (pool.ow, ==, ow);
  gc_fill_uniform (x, in, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, out, -1.0f, 1.0f, &rng);

  lw_avgpool_forward (&pool, x, n, y);
  naive_avgpool (&pool, x, n, ref);
  for (gsize i = 0; i < out; i++)
    g_assert_cmpfloat_with_epsilon (y[i], ref[i], 1e-6);

  lw_avgpool_backward (&pool, r, n, dx, FALSE);
  g_assert_cmpuint (gc_numeric_gradient (avg_loss, &p, x, in, 1e-2, num), ==, 0);
  gc_assert_gradient ("avgpool dx", dx, num, in, GC_TOLERANCE);

  gc_fill_uniform (base, in, -1.0f, 1.0f, &rng);
  memcpy (acc, base, in * sizeof (float));
  lw_avgpool_backward (&pool, r, n, acc, TRUE);
  for (gsize i = 0; i < in; i++)
    g_assert_cmpfloat_with_epsilon (acc[i], base[i] + dx[i], 1e-6);
}

static void
test_avgpool (void)
{
  /* 7x7 under kernel (4,2), padding (2,1): windows start at rows -2, 2 (row
   * 6 left out by floor mode), columns -1, 1, 3, 5; padded zeros count. */
  check_avgpool (2, 2, 7, 7, 4, 2, 2, 1, 2, 4);
  /* The rule's pool for 512 channels of 3x3 at D* = 1024: (4,2) pad (2,1)
   * -> 1x2, where most of each window is padding. */
  check_avgpool (2, 2, 3, 3, 4, 2, 2, 1, 1, 2);
  /* No padding, non-square kernel. */
  check_avgpool (1, 3, 8, 8, 4, 2, 0, 0, 2, 4);
}

typedef struct {
  guint c, s;
  guint kh, kw, ph, pw, oh, ow;
} PoolRow;

typedef struct {
  const char *name;
  guint dim;
  guint feats;                /* every block's head input, when the table says so; else 0 */
  PoolRow rows[8];
} PoolConfig;

/* docs/method.md §3, row by row; "3x[...]" entries once. */
static const PoolConfig pool_table[] = {
  { "vgg8b 28px D*=1024", 1024, 1024, {
      { 128, 28, 16, 8, 8, 4, 2, 4 }, { 256, 28, 16, 16, 8, 8, 2, 2 },
      { 256, 14, 8, 8, 4, 4, 2, 2 }, { 512, 14, 16, 8, 8, 4, 1, 2 },
      { 512, 7, 8, 4, 4, 2, 1, 2 }, { 512, 3, 4, 2, 2, 1, 1, 2 } } },
  { "vgg8b(2x) 28px D*=4096", 4096, 0, {
      { 256, 28, 8, 8, 4, 4, 4, 4 }, { 512, 28, 16, 8, 8, 4, 2, 4 },
      { 512, 14, 8, 4, 4, 2, 2, 4 }, { 1024, 14, 8, 8, 4, 4, 2, 2 },
      { 1024, 7, 4, 4, 2, 2, 2, 2 }, { 1024, 3, 2, 2, 1, 1, 2, 2 } } },
  { "vgg8b 32px D*=2048", 2048, 0, {
      { 128, 32, 8, 8, 0, 0, 4, 4 }, { 256, 32, 16, 8, 0, 0, 2, 4 },
      { 256, 16, 8, 4, 0, 0, 2, 4 }, { 512, 16, 8, 8, 0, 0, 2, 2 },
      { 512, 8, 4, 4, 0, 0, 2, 2 }, { 512, 4, 2, 2, 0, 0, 2, 2 } } },
  { "vgg8b 32px D*=4096", 4096, 0, {
      { 128, 32, 8, 4, 0, 0, 4, 8 }, { 256, 32, 8, 8, 0, 0, 4, 4 },
      { 256, 16, 4, 4, 0, 0, 4, 4 }, { 512, 16, 8, 4, 0, 0, 2, 4 },
      { 512, 8, 4, 2, 0, 0, 2, 4 }, { 512, 4, 2, 1, 0, 0, 2, 4 } } },
  { "vgg8b(2x) 32px D*=4096", 4096, 0, {
      { 256, 32, 8, 8, 0, 0, 4, 4 }, { 512, 32, 16, 8, 0, 0, 2, 4 },
      { 512, 16, 8, 4, 0, 0, 2, 4 }, { 1024, 16, 8, 8, 0, 0, 2, 2 },
      { 1024, 8, 4, 4, 0, 0, 2, 2 }, { 1024, 4, 2, 2, 0, 0, 2, 2 } } },
  { "vgg11b 32px D*=2048", 2048, 0, {
      { 128, 32, 8, 8, 0, 0, 4, 4 }, { 256, 32, 16, 8, 0, 0, 2, 4 },
      { 256, 16, 8, 4, 0, 0, 2, 4 }, { 512, 16, 8, 8, 0, 0, 2, 2 },
      { 512, 8, 4, 4, 0, 0, 2, 2 }, { 512, 4, 2, 2, 0, 0, 2, 2 } } },
  { "vgg11b(3x) 32px D*=4096", 4096, 3072, {
      { 384, 32, 16, 8, 0, 0, 2, 4 }, { 768, 32, 16, 16, 0, 0, 2, 2 },
      { 768, 16, 8, 8, 0, 0, 2, 2 }, { 1536, 16, 16, 8, 0, 0, 1, 2 },
      { 1536, 8, 8, 4, 0, 0, 1, 2 }, { 1536, 4, 4, 2, 0, 0, 1, 2 } } },
  { "vgg8b 96px STL-10 D*=2048", 2048, 0, {
      { 128, 48, 16, 16, 0, 0, 3, 3 }, { 256, 48, 32, 16, 16, 0, 2, 3 },
      { 256, 24, 16, 8, 8, 0, 2, 3 }, { 512, 24, 16, 16, 8, 8, 2, 2 },
      { 512, 12, 8, 8, 4, 4, 2, 2 }, { 512, 6, 4, 4, 2, 2, 2, 2 } } },
};

static void
test_pool_rule (void)
{
  LwPoolShape shape;

  for (guint t = 0; t < G_N_ELEMENTS (pool_table); t++)
    {
      const PoolConfig *cfg = &pool_table[t];

      for (guint i = 0; i < G_N_ELEMENTS (cfg->rows) && cfg->rows[i].c > 0; i++)
        {
          const PoolRow *row = &cfg->rows[i];
          LwAvgPool pool;

          g_assert_true (lw_pool_shape_for_head (row->c, row->s, cfg->dim, &shape));
          g_test_message ("%s: %u,%u -> (%u,%u)(%u,%u) -> %ux%u, %u features", cfg->name,
                          row->c, row->s, shape.kh, shape.kw, shape.ph, shape.pw,
                          shape.oh, shape.ow, row->c * shape.oh * shape.ow);
          g_assert_cmpuint (shape.kh, ==, row->kh);
          g_assert_cmpuint (shape.kw, ==, row->kw);
          g_assert_cmpuint (shape.ph, ==, row->ph);
          g_assert_cmpuint (shape.pw, ==, row->pw);
          g_assert_cmpuint (shape.oh, ==, row->oh);
          g_assert_cmpuint (shape.ow, ==, row->ow);
          g_assert_cmpuint (row->c * shape.oh * shape.ow, <=, cfg->dim);
          if (cfg->feats != 0)
            g_assert_cmpuint (row->c * shape.oh * shape.ow, ==, cfg->feats);
          /* The floor-mode pool with that padding gives the same grid. */
          lw_avgpool_init (&pool, row->c, row->s, row->s, shape.kh, shape.kw, shape.ph, shape.pw);
          g_assert_cmpuint (pool.oh, ==, row->oh);
          g_assert_cmpuint (pool.ow, ==, row->ow);
        }
    }

  /* Small enough already: no pooling. */
  g_assert_false (lw_pool_shape_for_head (128, 2, 1024, &shape));
  g_assert_cmpuint (shape.kh, ==, 1);
  g_assert_cmpuint (shape.kw, ==, 1);
  g_assert_cmpuint (shape.ph, ==, 0);
  g_assert_cmpuint (shape.pw, ==, 0);
  g_assert_cmpuint (shape.oh, ==, 2);
  g_assert_cmpuint (shape.ow, ==, 2);
}

/* ------------------------------------------------------------------ */
/* Dropout2d */

typedef struct {
  float p;
  float *x;
  guint n, c;
  gsize hw;
  float *mask, *y;
  const float *r;
  LwRng rng;                  /* copied before each draw: the same mask every time */
} Drop2Problem;

static double
drop2_loss (gpointer data, guint64 *sig)
{
  Drop2Problem *p = data;
  LwRng rng = p->rng;

  lw_dropout2d_forward (p->p, p->x, p->n, p->c, p->hw, p->mask, p->y, &rng);
  *sig = 0;
  return gc_dot (p->y, p->r, (gsize) p->n * p->c * p->hw);
}

static void
test_dropout2d (void)
{
  enum { N = 6, C = 5, HW = 4, SIZE = N * C * HW };
  const float prob = 0.4f, keep = 1.0f / (1.0f - 0.4f);
  LwRng rng;
  float x[SIZE], y[SIZE], r[SIZE], mask[N * C], mask2[N * C], dx[SIZE], acc[SIZE];
  double num[SIZE];
  Drop2Problem p = { prob, x, N, C, HW, mask, y, r, { { 0 } } };
  guint dropped = 0;

  lw_rng_init (&rng, 17, 2);
  gc_fill_uniform (x, SIZE, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, SIZE, -1.0f, 1.0f, &rng);
  lw_rng_init (&p.rng, 98, 0);

  drop2_loss (&p, &(guint64) { 0 });
  memcpy (mask2, mask, sizeof mask2);
  /* Whole planes: every value of a (sample, channel) shares its fate. */
  for (guint u = 0; u < N * C; u++)
    {
      g_assert_true (mask[u] == 0.0f || mask[u] == keep);
      dropped += mask[u] == 0.0f;
      for (guint q = 0; q < HW; q++)
        g_assert_cmpfloat (y[u * HW + q], ==, x[u * HW + q] * mask[u]);
    }
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpuint (dropped, <, N * C);

  lw_dropout2d_backward (mask, r, N, C, HW, dx, FALSE);
  g_assert_cmpuint (gc_numeric_gradient (drop2_loss, &p, x, SIZE, 1e-2, num), ==, 0);
  g_assert_true (gc_bits_equal (mask, mask2, N * C));
  gc_assert_gradient ("dropout2d dx", dx, num, SIZE, GC_TOLERANCE);

  gc_fill_uniform (acc, SIZE, -1.0f, 1.0f, &rng);
  memcpy (y, acc, sizeof y);
  lw_dropout2d_backward (mask, r, N, C, HW, acc, TRUE);
  for (guint i = 0; i < SIZE; i++)
    g_assert_cmpfloat_with_epsilon (acc[i], y[i] + dx[i], 1e-6);

  /* p = 0 is the identity. */
  lw_dropout2d_forward (0.0f, x, N, C, HW, mask, y, &rng);
  g_assert_true (gc_bits_equal (x, y, SIZE));
}

/* ------------------------------------------------------------------ */
/* Spatial standard deviation */

typedef struct {
  float *z;
  guint n, c;
  gsize hw;
  float *s, *mean;
  const float *r;
} StdProblem;

static double
std_loss (gpointer data, guint64 *sig)
{
  StdProblem *p = data;

  lw_spatial_std_forward (p->z, p->n, p->c, p->hw, p->s, p->mean);
  *sig = 0;
  return gc_dot (p->s, p->r, (gsize) p->n * p->c);
}

static void
test_spatial_std (void)
{
  enum { N = 3, C = 4, HW = 9, SIZE = N * C * HW };
  LwRng rng;
  float z[SIZE], s[N * C], mean[N * C], r[N * C], dz[SIZE], base[SIZE], acc[SIZE];
  double num[SIZE];
  StdProblem p = { z, N, C, HW, s, mean, r };

  lw_rng_init (&rng, 23, 0);
  gc_fill_uniform (z, SIZE, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, N * C, -1.0f, 1.0f, &rng);

  lw_spatial_std_forward (z, N, C, HW, s, mean);
  for (guint u = 0; u < N * C; u++)
    {
      double m = 0.0, v = 0.0;
      for (guint q = 0; q < HW; q++)
        m += z[u * HW + q];
      m /= HW;
      for (guint q = 0; q < HW; q++)
        v += pow (z[u * HW + q] - m, 2);
      /* Unbiased: divided by P - 1, as torch's std. */
      g_assert_cmpfloat_with_epsilon (mean[u], m, 1e-6);
      g_assert_cmpfloat_with_epsilon (s[u], sqrt (v / (HW - 1)), 1e-6);
    }

  lw_spatial_std_backward (z, s, mean, r, N, C, HW, dz, FALSE);
  g_assert_cmpuint (gc_numeric_gradient (std_loss, &p, z, SIZE, 1e-3, num), ==, 0);
  gc_assert_gradient ("spatial std dx", dz, num, SIZE, GC_TOLERANCE);

  /* The last central difference left s and mean of a perturbed z. */
  lw_spatial_std_forward (z, N, C, HW, s, mean);
  gc_fill_uniform (base, SIZE, -1.0f, 1.0f, &rng);
  memcpy (acc, base, sizeof acc);
  lw_spatial_std_backward (z, s, mean, r, N, C, HW, acc, TRUE);
  for (guint i = 0; i < SIZE; i++)
    g_assert_cmpfloat_with_epsilon (acc[i], base[i] + dz[i], 1e-6);

  /* A constant plane has s = 0: no gradient rather than 0/0. */
  for (guint q = 0; q < HW; q++)
    z[q] = 0.5f;
  lw_spatial_std_forward (z, N, C, HW, s, mean);
  g_assert_cmpfloat (s[0], ==, 0.0f);
  lw_spatial_std_backward (z, s, mean, r, N, C, HW, dz, FALSE);
  for (guint q = 0; q < HW; q++)
    g_assert_cmpfloat (dz[q], ==, 0.0f);
  for (guint i = HW; i < SIZE; i++)
    g_assert_true (isfinite (dz[i]));
}

/* ------------------------------------------------------------------ */
/* The conv sim head: conv3x3 (no bias) -> spatial std -> S -> loss */

enum { SH_N = 8, SH_C = 5, SH_H = 4, SH_W = 5, SH_CLASSES = 3 };
#define SH_P (SH_H * SH_W)
#define SH_SIZE (SH_N * SH_C * SH_P)

typedef struct {
  LwConv2d *conv;
  float *a;
  const float *table;
  const guint8 *y;
} SimHeadProblem;

/* The whole head in double from the current a and W. */
static double
sim_head_loss (gpointer data, guint64 *sig)
{
  SimHeadProblem *p = data;
  double z[SH_SIZE], s[SH_N * SH_C];

  naive_conv (p->conv, p->a, SH_N, z);
  for (guint u = 0; u < SH_N * SH_C; u++)
    {
      double m = 0.0, v = 0.0;
      for (guint q = 0; q < SH_P; q++)
        m += z[u * SH_P + q];
      m /= SH_P;
      for (guint q = 0; q < SH_P; q++)
        v += pow (z[u * SH_P + q] - m, 2);
      s[u] = sqrt (v / (SH_P - 1));
    }
  *sig = 0;
  return gc_ref_similarity_loss (s, SH_N, SH_C, p->table, SH_CLASSES, p->y);
}

static void
test_sim_head (void)
{
  LwRng rng;
  LwConv2d conv;
  float a[SH_SIZE], z[SH_SIZE], da[SH_SIZE], dz[SH_SIZE];
  float s[SH_N * SH_C], mean[SH_N * SH_C], ds[SH_N * SH_C];
  float u[SH_N * SH_C], du[SH_N * SH_C], norm[SH_N], sim[SH_N * SH_N], gs[SH_N * SH_N];
  float onehot[SH_CLASSES * SH_CLASSES] = { 0 }, table[SH_CLASSES * SH_CLASSES];
  g_autofree float *dw = NULL;
  g_autofree double *num_w = NULL;
  double num_a[SH_SIZE];
  guint8 y[SH_N];
  const gsize nw = SH_C * SH_C * 9;
  SimHeadProblem p = { &conv, a, table, y };
  float loss;

  lw_rng_init (&rng, 57, 0);
  lw_conv2d_init (&conv, SH_C, SH_C, 3, 1, 1, SH_H, SH_W, SH_N, FALSE, LW_INIT_TORCH, &rng);
  /* a is a block's output after ReLU: non-negative. */
  gc_fill_uniform (a, SH_SIZE, 0.0f, 1.0f, &rng);
  gc_fill_labels (y, SH_N, SH_CLASSES, &rng);
  for (guint k = 0; k < SH_CLASSES; k++)
    onehot[k * SH_CLASSES + k] = 1.0f;
  lw_similarity_table (onehot, SH_CLASSES, SH_CLASSES, table);

  lw_conv2d_forward (&conv, a, SH_N, z);
  lw_spatial_std_forward (z, SH_N, SH_C, SH_P, s, mean);
  lw_similarity (s, SH_N, SH_C, u, norm, sim);
  loss = lw_similarity_loss (sim, table, SH_CLASSES, y, SH_N, 1.0f, gs);
  gc_assert_close ("sim head loss", loss, sim_head_loss (&p, &(guint64) { 0 }), 1e-4);

  lw_similarity_backward (u, norm, gs, SH_N, SH_C, du, ds);
  lw_spatial_std_backward (z, s, mean, ds, SH_N, SH_C, SH_P, dz, FALSE);
  lw_conv2d_backward (&conv, a, dz, SH_N, da, FALSE);
  dw = g_memdup2 (conv.dw, nw * sizeof (float));

  num_w = g_new (double, nw);
  g_assert_cmpuint (gc_numeric_gradient (sim_head_loss, &p, conv.w, nw, 1e-3, num_w), ==, 0);
  g_assert_cmpuint (gc_numeric_gradient (sim_head_loss, &p, a, SH_SIZE, 1e-3, num_a), ==, 0);
  gc_assert_gradient ("conv sim head dW", dw, num_w, nw, GC_TOLERANCE);
  gc_assert_gradient ("conv sim head dx", da, num_a, SH_SIZE, GC_TOLERANCE);
  lw_conv2d_clear (&conv);
}

/* ------------------------------------------------------------------ */
/* Threads: the pieces lw_parallel_for hands out (unfolding, folding,
 * scatter, channels, planes, the products' slabs) give what one thread
 * gives. Sizes are large enough that every loop is split. */

typedef struct {
  float *y, *dx, *dw, *db;
  float *bn_y, *bn_dx;
  float *mp_y, *mp_dx, *ap_y, *ap_dx;
  float *s, *mean, *ds_dz;
} ThreadRun;

enum { TH_N = 8, TH_C = 128, TH_S = 8 };
#define TH_SIZE ((gsize) TH_N * TH_C * TH_S * TH_S)

static void
thread_run (const float *x, const float *r, ThreadRun *out)
{
  LwRng rng;
  LwConv2d c;
  LwBatchNorm2d bn;
  LwMaxPool mp;
  LwAvgPool ap;
  g_autofree float *xhat = g_new (float, TH_SIZE);

  lw_rng_init (&rng, 77, 0);
  lw_conv2d_init (&c, TH_C, TH_C, 3, 1, 1, TH_S, TH_S, TH_N, TRUE, LW_INIT_TORCH, &rng);
  lw_conv2d_forward (&c, x, TH_N, out->y);
  lw_conv2d_backward (&c, x, r, TH_N, out->dx, FALSE);
  memcpy (out->dw, c.dw, (gsize) TH_C * TH_C * 9 * sizeof (float));
  memcpy (out->db, c.db, TH_C * sizeof (float));
  lw_conv2d_clear (&c);

  lw_batchnorm2d_init (&bn, TH_C, TH_S * TH_S);
  lw_batchnorm2d_forward_train (&bn, x, TH_N, xhat, out->bn_y);
  lw_batchnorm2d_backward (&bn, xhat, r, TH_N, out->bn_dx);
  lw_batchnorm2d_clear (&bn);

  lw_maxpool_init (&mp, TH_C, TH_S, TH_S, TH_N);
  lw_maxpool_forward (&mp, x, TH_N, out->mp_y);
  lw_maxpool_backward (&mp, r, TH_N, out->mp_dx, FALSE);
  lw_maxpool_clear (&mp);

  lw_avgpool_init (&ap, TH_C, TH_S, TH_S, 4, 2, 2, 1);
  lw_avgpool_forward (&ap, x, TH_N, out->ap_y);
  lw_avgpool_backward (&ap, r, TH_N, out->ap_dx, FALSE);

  lw_spatial_std_forward (x, TH_N, TH_C, TH_S * TH_S, out->s, out->mean);
  lw_spatial_std_backward (x, out->s, out->mean, r, TH_N, TH_C, TH_S * TH_S, out->ds_dz, FALSE);
}

static void
thread_run_alloc (ThreadRun *t)
{
  t->y = g_new (float, TH_SIZE);
  t->dx = g_new (float, TH_SIZE);
  t->dw = g_new (float, (gsize) TH_C * TH_C * 9);
  t->db = g_new (float, TH_C);
  t->bn_y = g_new (float, TH_SIZE);
  t->bn_dx = g_new (float, TH_SIZE);
  t->mp_y = g_new (float, TH_SIZE / 4);
  t->mp_dx = g_new (float, TH_SIZE);
  t->ap_y = g_new (float, TH_SIZE);
  t->ap_dx = g_new (float, TH_SIZE);
  t->s = g_new (float, TH_N * TH_C);
  t->mean = g_new (float, TH_N * TH_C);
  t->ds_dz = g_new (float, TH_SIZE);
}

static void
thread_run_free (ThreadRun *t)
{
  float **all[] = { &t->y, &t->dx, &t->dw, &t->db, &t->bn_y, &t->bn_dx, &t->mp_y, &t->mp_dx,
                    &t->ap_y, &t->ap_dx, &t->s, &t->mean, &t->ds_dz };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_clear_pointer (all[i], g_free);
}

static void
test_threads (void)
{
  const int threads = lw_blas_get_threads ();
  LwRng rng;
  g_autofree float *x = g_new (float, TH_SIZE), *r = g_new (float, TH_SIZE);
  ThreadRun one, two;
  /* 8x8 under kernel (4,2), padding (2,1): 3x5. */
  const gsize ap_out = (gsize) TH_N * TH_C * 3 * 5;

  lw_rng_init (&rng, 78, 0);
  gc_fill_uniform (x, TH_SIZE, -1.0f, 1.0f, &rng);
  gc_fill_uniform (r, TH_SIZE, -1.0f, 1.0f, &rng);
  thread_run_alloc (&one);
  thread_run_alloc (&two);

  lw_blas_set_threads (1);
  thread_run (x, r, &one);
  lw_blas_set_threads (2);
  thread_run (x, r, &two);
  lw_blas_set_threads (threads);

  g_assert_true (gc_bits_equal (two.y, one.y, TH_SIZE));
  g_assert_true (gc_bits_equal (two.dx, one.dx, TH_SIZE));
  g_assert_true (gc_bits_equal (two.dw, one.dw, (gsize) TH_C * TH_C * 9));
  g_assert_true (gc_bits_equal (two.db, one.db, TH_C));
  g_assert_true (gc_bits_equal (two.bn_y, one.bn_y, TH_SIZE));
  g_assert_true (gc_bits_equal (two.bn_dx, one.bn_dx, TH_SIZE));
  g_assert_true (gc_bits_equal (two.mp_y, one.mp_y, TH_SIZE / 4));
  g_assert_true (gc_bits_equal (two.mp_dx, one.mp_dx, TH_SIZE));
  g_assert_true (gc_bits_equal (two.ap_y, one.ap_y, ap_out));
  g_assert_true (gc_bits_equal (two.ap_dx, one.ap_dx, TH_SIZE));
  g_assert_true (gc_bits_equal (two.s, one.s, TH_N * TH_C));
  g_assert_true (gc_bits_equal (two.ds_dz, one.ds_dz, TH_SIZE));

  thread_run_free (&one);
  thread_run_free (&two);
}

/* ------------------------------------------------------------------ */
/* Timing, to guide the design of the conv blocks: one forward and one
 * backward (dW and dx) of a 128 -> 128 3x3 layer at 28x28, batch 128, on
 * one thread, by each lowering. Measures, asserts nothing, so it runs only
 * with -m perf. */

static void
time_conv (LwConvLowering lowering)
{
  const guint n = 128, ch = 128, side = 28;
  const int threads = lw_blas_get_threads ();
  LwRng rng;
  LwConv2d c;
  gsize nx, ny;
  g_autofree float *x = NULL, *y = NULL, *dx = NULL;
  double flops, t_fwd, t_bwd;
  gint64 t0, t1, t2;

  lw_rng_init (&rng, 1, 0);
  lw_conv2d_init (&c, ch, ch, 3, 1, 1, side, side, n, TRUE, LW_INIT_TORCH, &rng);
  lw_conv2d_set_lowering (&c, lowering);
  nx = conv_in_size (&c, n);
  ny = conv_out_size (&c, n);
  x = g_new (float, nx);
  y = g_new (float, ny);
  dx = g_new (float, nx);
  gc_fill_uniform (x, nx, -1.0f, 1.0f, &rng);

  lw_blas_set_threads (1);
  t0 = g_get_monotonic_time ();
  lw_conv2d_forward (&c, x, n, y);
  t1 = g_get_monotonic_time ();
  /* Any dy will do: y itself. */
  lw_conv2d_backward (&c, x, y, n, dx, FALSE);
  t2 = g_get_monotonic_time ();
  lw_blas_set_threads (threads);

  /* Direct-convolution flops, so the two lowerings compare as speed. */
  flops = 2.0 * n * ch * (ch * 9.0) * side * side;
  t_fwd = (t1 - t0) / 1e6;
  t_bwd = (t2 - t1) / 1e6;
  g_test_message ("conv3x3 128->128 28x28 N=128, %s, 1 thread, chunk %u: forward %.3f s "
                  "(%.1f GFLOP/s), backward dW+dx %.3f s (%.1f GFLOP/s), total %.1f GFLOP/s",
                  lowering == LW_CONV_WINOGRAD ? "Winograd" : "im2col", c.chunk,
                  t_fwd, flops / t_fwd / 1e9, t_bwd, 2.0 * flops / t_bwd / 1e9,
                  3.0 * flops / (t_fwd + t_bwd) / 1e9);
  g_assert_true (isfinite (dx[0]));
  lw_conv2d_clear (&c);
}

static void
test_conv_timing (void)
{
  time_conv (LW_CONV_IM2COL);
  time_conv (LW_CONV_WINOGRAD);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/conv/init", test_conv_init);
  g_test_add_func ("/engine/conv/forward", test_conv_forward);
  g_test_add_func ("/engine/conv/gradient-3x3", test_conv_gradient_3x3);
  g_test_add_func ("/engine/conv/gradient-7x7-stride2", test_conv_gradient_7x7);
  g_test_add_func ("/engine/conv/lowerings-agree", test_conv_lowerings_agree);
  g_test_add_func ("/engine/conv/batchnorm2d/forward", test_batchnorm2d_forward);
  g_test_add_func ("/engine/conv/batchnorm2d/gradient", test_batchnorm2d_gradient);
  g_test_add_func ("/engine/conv/maxpool", test_maxpool);
  g_test_add_func ("/engine/conv/avgpool", test_avgpool);
  g_test_add_func ("/engine/conv/pool-rule", test_pool_rule);
  g_test_add_func ("/engine/conv/dropout2d", test_dropout2d);
  g_test_add_func ("/engine/conv/spatial-std", test_spatial_std);
  g_test_add_func ("/engine/conv/sim-head/gradient", test_sim_head);
  g_test_add_func ("/engine/conv/threads", test_threads);
  if (g_test_perf ())
    g_test_add_func ("/engine/conv/timing", test_conv_timing);

  return g_test_run ();
}
