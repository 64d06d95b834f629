/* test-gemm.c: lw_gemm and lw_gemm_batch give the same bits on any number
 * of threads, and are right; whole training steps too. */
#include <math.h>
#include <string.h>

#include "engine/lw-gemm.h"
#include "engine/lw-model.h"
#include "engine/lw-model-state.h"
#include "engine/lw-rng.h"

typedef struct {
  int m, n, k;
} Shape;

/* An MLP 3x1024 step at batch 128 (input 784, 10 classes, predsim), a
 * conv net's im2col products (64 channels, 3x3, chunks of 28x28 maps),
 * and odd sizes whose slabs end short, down to a single row or column. */
static const Shape shapes[] = {
  { 128, 1024, 784 }, { 1024, 784, 128 }, { 128, 784, 1024 },
  { 128, 1024, 1024 }, { 1024, 1024, 128 }, { 128, 10, 1024 },
  { 128, 128, 1024 }, { 128, 1024, 128 },
  { 64, 3136, 576 }, { 64, 576, 3136 }, { 576, 3136, 64 },
  { 127, 1000, 129 }, { 10, 4099, 127 }, { 1, 4096, 1024 }, { 4099, 1, 1024 },
  { 127, 127, 127 }, { 1, 1, 1 },
};

static const int thread_counts[] = { 1, 2, 3 };

/* Row-major with a leading dimension wider than the rows, so a slab that
 * got its offsets wrong would read the padding. */
typedef struct {
  int rows, cols, ld;
  float *v;
} Mat;

static void
mat_init (Mat *x, int rows, int cols, LwRng *rng)
{
  x->rows = rows;
  x->cols = cols;
  x->ld = cols + 3;
  x->v = g_new (float, (gsize) rows * x->ld);
  for (gsize i = 0; i < (gsize) rows * x->ld; i++)
    x->v[i] = lw_rng_uniform_in (rng, -1.0f, 1.0f);
}

static double
op (const Mat *x, gboolean trans, int i, int j)
{
  return trans ? x->v[(gsize) j * x->ld + i] : x->v[(gsize) i * x->ld + j];
}

/* C[i][j] against a double-precision sum, for every row at two columns
 * and every column at two rows: each slab is checked. */
static void
check_entry (const Mat *a, gboolean ta, const Mat *b, gboolean tb, const float *c0,
             const Mat *c, float alpha, float beta, int k, int i, int j)
{
  double want = 0.0, got = c->v[(gsize) i * c->ld + j];

  for (int l = 0; l < k; l++)
    want += op (a, ta, i, l) * op (b, tb, l, j);
  want = alpha * want + beta * c0[(gsize) i * c->ld + j];
  g_assert_cmpfloat (fabs (got - want), <=, 1e-4 * (k + 1));
}

static void
check_product (const Shape *s, gboolean ta, gboolean tb, float beta)
{
  const float alpha = 0.5f;
  LwRng rng;
  Mat a, b, c;
  g_autofree float *c0 = NULL, *first = NULL;
  gsize c_size;

  lw_rng_init (&rng, (guint64) s->m * 31 + s->n * 7 + s->k, ta * 2 + tb);
  mat_init (&a, ta ? s->k : s->m, ta ? s->m : s->k, &rng);
  mat_init (&b, tb ? s->n : s->k, tb ? s->k : s->n, &rng);
  mat_init (&c, s->m, s->n, &rng);
  c_size = (gsize) c.rows * c.ld;
  c0 = g_memdup2 (c.v, c_size * sizeof (float));
  first = g_new (float, c_size);

  for (guint t = 0; t < G_N_ELEMENTS (thread_counts); t++)
    {
      memcpy (c.v, c0, c_size * sizeof (float));
      lw_blas_set_threads (thread_counts[t]);
      lw_gemm (ta, tb, s->m, s->n, s->k, alpha, a.v, a.ld, b.v, b.ld, beta, c.v, c.ld);
      if (t == 0)
        memcpy (first, c.v, c_size * sizeof (float));
      else if (memcmp (first, c.v, c_size * sizeof (float)) != 0)
        g_error ("%dx%dx%d%s%s beta %g: %d threads differ from one",
                 s->m, s->n, s->k, ta ? " A'" : "", tb ? " B'" : "", beta, thread_counts[t]);
    }
  for (int i = 0; i < s->m; i++)
    {
      check_entry (&a, ta, &b, tb, c0, &c, alpha, beta, s->k, i, (i * 7) % s->n);
      check_entry (&a, ta, &b, tb, c0, &c, alpha, beta, s->k, i, s->n - 1);
    }
  for (int j = 0; j < s->n; j++)
    {
      check_entry (&a, ta, &b, tb, c0, &c, alpha, beta, s->k, (j * 5) % s->m, j);
      check_entry (&a, ta, &b, tb, c0, &c, alpha, beta, s->k, s->m - 1, j);
    }
  /* The padding past each row of C is left alone. */
  for (int i = 0; i < s->m; i++)
    for (int j = s->n; j < c.ld; j++)
      g_assert_cmpfloat (c.v[(gsize) i * c.ld + j], ==, c0[(gsize) i * c.ld + j]);
  g_free (a.v);
  g_free (b.v);
  g_free (c.v);
}

/* Every shape, all four transposes, with and without accumulation. */
static void
test_threads (void)
{
  const int saved = lw_blas_get_threads ();

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    for (int t = 0; t < 4; t++)
      {
        check_product (&shapes[i], t & 1, t >> 1, 0.0f);
        check_product (&shapes[i], t & 1, t >> 1, 1.0f);
      }
  lw_blas_set_threads (saved);
}

/* The Winograd batches of a 128-channel layer: 36 products at once. */
static void
test_batch_threads (void)
{
  const int saved = lw_blas_get_threads ();
  const int count = 36, m = 128, n = 98, k = 128;
  const gsize sa = (gsize) m * k, sb = (gsize) k * n, sc = (gsize) m * n;
  g_autofree float *a = g_new (float, count * sa), *b = g_new (float, count * sb);
  g_autofree float *c = g_new (float, count * sc), *first = g_new (float, count * sc);
  LwRng rng;

  lw_rng_init (&rng, 5, 0);
  for (gsize i = 0; i < count * sa; i++)
    a[i] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
  for (gsize i = 0; i < count * sb; i++)
    b[i] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
  for (guint t = 0; t < G_N_ELEMENTS (thread_counts); t++)
    {
      lw_blas_set_threads (thread_counts[t]);
      lw_gemm_batch (count, FALSE, FALSE, m, n, k, 1.0f, a, k, sa, b, n, sb, 0.0f, c, n, sc);
      if (t == 0)
        memcpy (first, c, count * sc * sizeof (float));
      else
        g_assert_true (memcmp (first, c, count * sc * sizeof (float)) == 0);
    }
  lw_blas_set_threads (saved);
}

/* Weights and optimizer state after a few steps on threads threads. */
static GByteArray *
train (const LwModelConfig *config, int threads, int steps)
{
  g_autoptr (GError) error = NULL;
  LwModel *model;
  GByteArray *state = g_byte_array_new ();
  gsize size;
  g_autofree float *x = NULL;
  g_autofree guint8 *y = NULL;
  LwRng rng;

  lw_blas_set_threads (threads);
  model = lw_model_new (config, &error);
  g_assert_no_error (error);
  size = lw_model_input_size (model);
  x = g_new (float, size * config->batch_size);
  y = g_new (guint8, config->batch_size);
  lw_rng_init (&rng, 3, 1);
  for (int s = 0; s < steps; s++)
    {
      for (gsize i = 0; i < size * config->batch_size; i++)
        x[i] = lw_rng_uniform (&rng);
      for (guint i = 0; i < config->batch_size; i++)
        y[i] = (guint8) (lw_rng_uniform (&rng) * config->n_classes) % config->n_classes;
      lw_model_train_step (model, x, y, config->batch_size, NULL);
    }
  lw_model_state_write (model, state);
  lw_model_free (model);
  return state;
}

static void
assert_same_training (const LwModelConfig *config, int steps)
{
  const int saved = lw_blas_get_threads ();
  g_autoptr (GByteArray) one = train (config, 1, steps);
  g_autoptr (GByteArray) two = train (config, 2, steps);

  lw_blas_set_threads (saved);
  g_assert_cmpuint (one->len, ==, two->len);
  g_assert_true (memcmp (one->data, two->data, one->len) == 0);
}

/* MLP 3x1024 predsim, batch 128, on MNIST's shape. */
static void
test_mlp_training (void)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  c.arch = LW_ARCH_MLP;
  c.num_layers = 3;
  c.num_hidden = 1024;
  c.batch_size = 128;
  c.loss = LW_LOSS_PREDSIM;
  assert_same_training (&c, 3);
}

/* The small conv net, predsim and bp. */
static void
test_conv_training (void)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  c.arch = LW_ARCH_VGG_MINI;
  c.num_layers = 1;
  c.num_hidden = 256;
  c.batch_size = 64;
  c.loss = LW_LOSS_PREDSIM;
  assert_same_training (&c, 2);
  c.loss = LW_LOSS_BP;
  assert_same_training (&c, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gemm/threads", test_threads);
  g_test_add_func ("/gemm/batch-threads", test_batch_threads);
  g_test_add_func ("/gemm/training/mlp", test_mlp_training);
  g_test_add_func ("/gemm/training/conv", test_conv_training);
  return g_test_run ();
}
