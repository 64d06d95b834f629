/* test-model.c: the model as a user drives it — configuration checks,
 * loss names, the gradient stop between blocks, determinism, every live
 * control taking effect at the next batch, and the inspection calls.
 *
 * Data: ten random class prototypes in 784 dimensions plus noise, so a
 * small net (3 x 32) learns within a few dozen steps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "alloc-counter.h"

#include "engine/lw-block.h"
#include "engine/lw-gemm.h"
#include "engine/lw-parallel.h"
#include "engine/lw-model.h"
#include "engine/lw-rng.h"

#define IN 784
#define CLASSES 10
#define HIDDEN 32
#define BATCH 32

static const LwLossType all_losses[] = {
  LW_LOSS_PRED, LW_LOSS_SIM, LW_LOSS_PREDSIM, LW_LOSS_BP,
  LW_LOSS_PRED_BPF, LW_LOSS_SIM_BPF, LW_LOSS_PREDSIM_BPF,
};

static const LwLossType local_losses[] = {
  LW_LOSS_PRED, LW_LOSS_SIM, LW_LOSS_PREDSIM,
  LW_LOSS_PRED_BPF, LW_LOSS_SIM_BPF, LW_LOSS_PREDSIM_BPF,
};

/* ------------------------------------------------------------------ */
/* Helpers */

typedef struct {
  guint n_batches;
  float *x;                   /* n_batches * BATCH * IN */
  guint8 *y;
  float *test_x;              /* one held-out batch */
  guint8 *test_y;
} Data;

static void
fill_samples (const float *protos, LwRng *rng, guint n, float *x, guint8 *y)
{
  for (guint i = 0; i < n; i++)
    {
      guint8 c = (guint8) lw_rng_below (rng, CLASSES);
      y[i] = c;
      for (guint k = 0; k < IN; k++)
        x[(gsize) i * IN + k] = protos[c * IN + k] + lw_rng_uniform_in (rng, -1.5f, 1.5f);
    }
}

static Data *
data_new (guint n_batches)
{
  Data *d = g_new0 (Data, 1);
  g_autofree float *protos = g_new (float, CLASSES * IN);
  LwRng rng;

  lw_rng_init (&rng, 2024, 0);
  for (guint i = 0; i < CLASSES * IN; i++)
    protos[i] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
  d->n_batches = n_batches;
  d->x = g_new (float, (gsize) n_batches * BATCH * IN);
  d->y = g_new (guint8, (gsize) n_batches * BATCH);
  d->test_x = g_new (float, BATCH * IN);
  d->test_y = g_new (guint8, BATCH);
  fill_samples (protos, &rng, n_batches * BATCH, d->x, d->y);
  fill_samples (protos, &rng, BATCH, d->test_x, d->test_y);
  return d;
}

static void
data_free (Data *d)
{
  g_free (d->x);
  g_free (d->y);
  g_free (d->test_x);
  g_free (d->test_y);
  g_free (d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Data, data_free)

static const float *
batch_x (const Data *d, guint i)
{
  return d->x + (gsize) (i % d->n_batches) * BATCH * IN;
}

static const guint8 *
batch_y (const Data *d, guint i)
{
  return d->y + (gsize) (i % d->n_batches) * BATCH;
}

static LwModelConfig
small_config (LwLossType loss)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  c.num_layers = 3;
  c.num_hidden = HIDDEN;
  c.batch_size = BATCH;
  c.loss = loss;
  c.lr = 1e-3f;
  if (loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM || loss == LW_LOSS_SIM_BPF
      || loss == LW_LOSS_PREDSIM_BPF)
    c.nonlin = LW_NONLIN_LEAKY_RELU;
  return c;
}

static LwModel *
model_new (const LwModelConfig *c)
{
  g_autoptr (GError) error = NULL;
  LwModel *m = lw_model_new (c, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* Steps k batches starting at batch first; the last step's stats in st. */
static void
train (LwModel *m, const Data *d, guint first, guint k, LwStepStats *st)
{
  LwStepStats tmp;

  for (guint i = first; i < first + k; i++)
    lw_model_train_step (m, batch_x (d, i), batch_y (d, i), BATCH, st != NULL ? st : &tmp);
}

static gsize
first_weights_len (const LwModel *m)
{
  guint rows, cols;

  lw_model_first_weights (m, &rows, &cols);
  return (gsize) rows * cols;
}

static float *
first_weights_copy (const LwModel *m)
{
  return g_memdup2 (lw_model_first_weights (m, NULL, NULL), first_weights_len (m) * sizeof (float));
}

static gboolean
first_weights_equal (const LwModel *m, const float *w)
{
  return memcmp (lw_model_first_weights (m, NULL, NULL), w,
                 first_weights_len (m) * sizeof (float)) == 0;
}

static gboolean
first_weights_same (const LwModel *a, const LwModel *b)
{
  return first_weights_equal (a, lw_model_first_weights (b, NULL, NULL));
}

static gboolean
stats_equal (const LwStepStats *a, const LwStepStats *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

static gboolean
block_stats_equal (const LwBlockStats *a, const LwBlockStats *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

/* Output-layer accuracy (count of hits) on the held-out batch. */
static guint
eval_out (LwModel *m, const Data *d, guint *block_correct)
{
  guint out = 0;

  if (block_correct != NULL)
    memset (block_correct, 0, sizeof (guint) * lw_model_n_blocks (m));
  lw_model_evaluate (m, d->test_x, d->test_y, BATCH, block_correct, &out);
  return out;
}

/* ------------------------------------------------------------------ */
/* Configuration */

static void
test_config_defaults (void)
{
  LwModelConfig c;

  /* The paper's MNIST recipe (docs/method.md §6, §7). */
  lw_model_config_init (&c);
  g_assert_cmpint (c.arch, ==, LW_ARCH_MLP);
  g_assert_cmpuint (c.in_channels * c.in_height * c.in_width, ==, 784);
  g_assert_cmpuint (c.n_classes, ==, 10);
  g_assert_cmpuint (c.num_layers, ==, 3);
  g_assert_cmpuint (c.num_hidden, ==, 1024);
  g_assert_cmpuint (c.batch_size, ==, 128);
  g_assert_cmpint (c.loss, ==, LW_LOSS_PREDSIM);
  g_assert_cmpfloat (c.beta, ==, 0.99f);
  g_assert_cmpfloat (c.lr, ==, 5e-4f);
  g_assert_cmpint (c.optim, ==, LW_OPTIM_ADAM);
  g_assert_cmpfloat (c.weight_decay, ==, 0.0f);
  g_assert_cmpuint (c.target_proj_size, ==, 128);
}

static void
expect_invalid (const LwModelConfig *c, const char *what)
{
  g_autoptr (GError) error = NULL;
  LwModel *m;

  g_test_message ("invalid config: %s", what);
  m = lw_model_new (c, &error);
  g_assert_null (m);
  g_assert_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
  /* No GError wanted: still refused, no crash. */
  g_assert_null (lw_model_new (c, NULL));
}

static void
test_config_invalid (void)
{
  LwModelConfig base = small_config (LW_LOSS_PREDSIM), c;

#define INVALID(field, value)                   \
  do {                                          \
    c = base;                                   \
    c.field = value;                            \
    expect_invalid (&c, #field " = " #value);   \
  } while (0)

  INVALID (batch_size, 0);
  INVALID (beta, 2.0f);
  INVALID (beta, -0.1f);
  INVALID (beta, NAN);
  INVALID (dropout, 1.0f);
  INVALID (dropout, -0.1f);
  INVALID (num_layers, 0);
  INVALID (num_layers, LW_MAX_BLOCKS + 1);
  INVALID (num_hidden, 0);
  INVALID (n_classes, 1);
  INVALID (in_channels, 0);
  INVALID (lr, -1e-3f);
  INVALID (lr, INFINITY);
  INVALID (loss, LW_N_LOSSES);
  INVALID (target_proj_size, 0);
#undef INVALID

  /* The base itself is fine, and so are the edges of the ranges. */
  c = base;
  lw_model_free (model_new (&c));
  c.beta = 1.0f;
  c.dropout = 0.95f;
  c.batch_size = 1;
  c.num_layers = 1;
  lw_model_free (model_new (&c));
}

static void
test_loss_names (void)
{
  static const char *const names[] = {
    "pred", "sim", "predsim", "bp", "pred-bpf", "sim-bpf", "predsim-bpf",
  };
  LwLossType loss;
  LwNonlin nonlin;
  LwOptimKind optim;

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == LW_N_LOSSES);
  for (guint i = 0; i < LW_N_LOSSES; i++)
    {
      const char *s = lw_loss_type_to_string (all_losses[i]);
      g_assert_cmpstr (s, ==, names[i]);
      loss = LW_N_LOSSES;
      g_assert_true (lw_loss_type_from_string (s, &loss));
      g_assert_cmpint (loss, ==, all_losses[i]);
      g_assert_cmpint (lw_loss_type_is_bpf (loss), ==, g_str_has_suffix (s, "-bpf"));
    }
  g_assert_false (lw_loss_type_from_string ("predsim-bio", &loss));
  g_assert_false (lw_loss_type_from_string ("", &loss));
  g_assert_false (lw_loss_type_from_string (NULL, &loss));

  g_assert_true (lw_nonlin_from_string (lw_nonlin_to_string (LW_NONLIN_LEAKY_RELU), &nonlin));
  g_assert_cmpint (nonlin, ==, LW_NONLIN_LEAKY_RELU);
  g_assert_true (lw_nonlin_from_string (lw_nonlin_to_string (LW_NONLIN_RELU), &nonlin));
  g_assert_cmpint (nonlin, ==, LW_NONLIN_RELU);
  g_assert_false (lw_nonlin_from_string ("tanh", &nonlin));
  g_assert_true (lw_optim_from_string (lw_optim_to_string (LW_OPTIM_SGD), &optim));
  g_assert_cmpint (optim, ==, LW_OPTIM_SGD);
  g_assert_true (lw_optim_from_string (lw_optim_to_string (LW_OPTIM_ADAM), &optim));
  g_assert_cmpint (optim, ==, LW_OPTIM_ADAM);
  g_assert_false (lw_optim_from_string ("rmsprop", &optim));
}

static void
test_model_shape (void)
{
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) m = model_new (&c);
  guint rows = 0, cols = 0;
  const float *w = lw_model_first_weights (m, &rows, &cols);
  gsize h = HIDDEN, heads;
  LwMapShape shape;
  float bound = 1.0f / 28.0f, lo = 0.0f, hi = 0.0f;

  g_assert_cmpuint (lw_model_n_blocks (m), ==, 3);
  g_assert_cmpuint (lw_model_input_size (m), ==, IN);
  g_assert_cmpuint (rows, ==, HIDDEN);
  g_assert_cmpuint (cols, ==, IN);
  g_assert_nonnull (w);
  shape = lw_model_first_weights_shape (m);
  g_assert_cmpuint (shape.channels, ==, 1);
  g_assert_cmpuint (shape.height, ==, 28);
  g_assert_cmpuint (shape.width, ==, 28);
  g_assert_false (lw_model_block_map_shape (m, 0, &shape));
  /* torch's default init, U(-1/sqrt(784), 1/sqrt(784)). */
  for (gsize i = 0; i < (gsize) rows * cols; i++)
    {
      g_assert_cmpfloat (fabsf (w[i]), <=, bound);
      lo = MIN (lo, w[i]);
      hi = MAX (hi, w[i]);
    }
  g_assert_cmpfloat (lo, <, -0.9f * bound);
  g_assert_cmpfloat (hi, >, 0.9f * bound);

  /* Linear + BN per block, and the output layer. */
  g_assert_cmpuint (lw_model_n_params (m, FALSE), ==,
                    (IN * h + h + 2 * h) + 2 * (h * h + h + 2 * h) + h * CLASSES + CLASSES);
  /* Heads: softmax (h -> 10), sim (h -> h, no bias), bpf (h -> 128). */
  heads = 3 * ((h * CLASSES + CLASSES) + h * h + (h * 128 + 128));
  g_assert_cmpuint (lw_model_n_params (m, TRUE), ==, lw_model_n_params (m, FALSE) + heads);
  g_assert_true (lw_model_get_config (m)->num_hidden == HIDDEN);
}

/* The paper's MNIST MLP 3 x 1024 has 2.9M parameters (docs/method.md §7). */
static void
test_model_paper_params (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;

  lw_model_config_init (&c);
  m = model_new (&c);
  g_assert_cmpuint (lw_model_n_params (m, FALSE), ==, 2919434);
}

/* ------------------------------------------------------------------ */
/* Gradient stop */

/* Two blocks built directly: the upper block's local update touches
 * nothing of the block below, nor its output. */
static void
test_gradient_stop_blocks (void)
{
  const guint n = 16, in = 20, d = 12, classes = 4, code = 8;
  LwRng rng, drop;
  LwBlock b0, b1;
  float x[16 * 20], onehot[4 * 4], codes[4 * 8];
  guint8 y[16];
  const float *h0;
  float *saved[LW_BLOCK_N_PARAMS], *saved_g[LW_BLOCK_N_PARAMS], *saved_h;
  LwStepContext ctx;
  LwBlockStats st;

  lw_rng_init (&rng, 1, 0);
  lw_rng_init (&drop, 2, 0);
  lw_block_init (&b0, in, d, classes, code, n, TRUE, &rng);
  lw_block_init (&b1, d, d, classes, code, n, TRUE, &rng);
  for (guint i = 0; i < n * in; i++)
    x[i] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
  for (guint i = 0; i < n; i++)
    y[i] = (guint8) (i % classes);
  for (guint i = 0; i < classes; i++)
    for (guint j = 0; j < classes; j++)
      onehot[i * classes + j] = i == j ? 1.0f : -1.0f / (classes - 1);
  for (guint i = 0; i < classes * code; i++)
    codes[i] = (float) lw_rng_below (&rng, 2);

  for (guint t = 0; t < G_N_ELEMENTS (local_losses); t++)
    {
      ctx = (LwStepContext) {
        .loss = local_losses[t], .beta = 0.5f, .lr = 1e-2f, .dropout = 0.2f,
        .nonlin = LW_NONLIN_LEAKY_RELU,
        .optim = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f },
        .classes = classes, .code_len = code,
        .onehot_table = onehot, .code_table = onehot, .codes = codes,
      };
      h0 = lw_block_forward_train (&b0, x, n, &ctx, &drop);
      lw_block_local_update (&b0, x, y, n, &ctx, &st);
      for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
        {
          saved[i] = g_memdup2 (b0.params[i].w, b0.params[i].n * sizeof (float));
          saved_g[i] = g_memdup2 (b0.params[i].g, b0.params[i].n * sizeof (float));
        }
      saved_h = g_memdup2 (h0, (gsize) n * d * sizeof (float));

      lw_block_forward_train (&b1, h0, n, &ctx, &drop);
      lw_block_local_update (&b1, h0, y, n, &ctx, &st);

      g_assert_true (memcmp (h0, saved_h, (gsize) n * d * sizeof (float)) == 0);
      for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
        {
          g_assert_true (memcmp (b0.params[i].w, saved[i], b0.params[i].n * sizeof (float)) == 0);
          g_assert_true (memcmp (b0.params[i].g, saved_g[i], b0.params[i].n * sizeof (float)) == 0);
          g_free (saved[i]);
          g_free (saved_g[i]);
        }
      g_free (saved_h);
    }
  lw_block_clear (&b0);
  lw_block_clear (&b1);
}

/* The real test: in a local mode, what the blocks above do cannot reach
 * block 0. Two models from the same seed, one with blocks 1 and 2 at lr 0:
 * block 0's weights and statistics stay bit-identical between them. In bp
 * mode they must part after the second step (block 0's gradient then
 * passes through the weights above it, which differ). */
static void
check_gradient_stop (LwLossType loss)
{
  g_autoptr (Data) d = data_new (6);
  LwModelConfig c = small_config (loss);
  g_autoptr (LwModel) a = NULL;
  g_autoptr (LwModel) b = NULL;
  LwStepStats sa, sb;
  gboolean upper_differ = FALSE;

  c.dropout = 0.1f;
  a = model_new (&c);
  b = model_new (&c);
  lw_model_set_block_lr_mult (a, 1, 0.0f);
  lw_model_set_block_lr_mult (a, 2, 0.0f);

  for (guint step = 0; step < 6; step++)
    {
      train (a, d, step, 1, &sa);
      train (b, d, step, 1, &sb);
      g_assert_true (first_weights_same (a, b));
      g_assert_true (block_stats_equal (&sa.block[0], &sb.block[0]));
      upper_differ |= !block_stats_equal (&sa.block[2], &sb.block[2]);
    }
  /* The blocks above did train differently. */
  g_assert_true (upper_differ);
}

static void
test_gradient_stop_local (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (local_losses); t++)
    {
      g_test_message ("loss %s", lw_loss_type_to_string (local_losses[t]));
      check_gradient_stop (local_losses[t]);
    }
}

static void
test_gradient_stop_bp (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = small_config (LW_LOSS_BP);
  g_autoptr (LwModel) a = NULL;
  g_autoptr (LwModel) b = NULL;

  c.dropout = 0.1f;
  a = model_new (&c);
  b = model_new (&c);
  lw_model_set_block_lr_mult (a, 1, 0.0f);
  lw_model_set_block_lr_mult (a, 2, 0.0f);

  /* The first step starts from the same weights everywhere. */
  train (a, d, 0, 1, NULL);
  train (b, d, 0, 1, NULL);
  g_assert_true (first_weights_same (a, b));
  /* Then block 0's gradient goes through blocks 1 and 2, which differ. */
  train (a, d, 1, 1, NULL);
  train (b, d, 1, 1, NULL);
  g_assert_false (first_weights_same (a, b));
}

/* Block 0 at lr 0 in a local mode: its weights stay, the blocks above
 * keep learning. */
static void
test_gradient_stop_lr_mult_zero (void)
{
  g_autoptr (Data) d = data_new (8);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) m = model_new (&c);
  g_autofree float *w0 = first_weights_copy (m);
  LwStepStats first, last;
  guint before[3], after[3];

  lw_model_set_block_lr_mult (m, 0, 0.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 0), ==, 0.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 1), ==, c.lr);
  eval_out (m, d, before);
  train (m, d, 0, 1, &first);
  train (m, d, 1, 39, &last);
  eval_out (m, d, after);
  g_assert_true (first_weights_equal (m, w0));
  g_assert_cmpfloat (last.block[2].loss_sim, <, first.block[2].loss_sim);
  g_assert_cmpfloat (last.block[1].loss_sim, <, first.block[1].loss_sim);
  g_assert_cmpuint (after[2], >, before[2]);
}

/* ------------------------------------------------------------------ */
/* Determinism */

static void
check_determinism (LwLossType loss)
{
  g_autoptr (Data) d = data_new (5);
  LwModelConfig c = small_config (loss);
  g_autoptr (LwModel) a = NULL;
  g_autoptr (LwModel) b = NULL;
  g_autoptr (LwModel) other = NULL;
  LwStepStats sa, sb, so;
  guint ca[3], cb[3];
  gboolean stats_differ = FALSE;
  g_autofree float *sim_a = g_new (float, BATCH * BATCH * 4);
  g_autofree float *sim_b = g_new (float, BATCH * BATCH * 4);

  c.dropout = 0.2f;
  c.seed = 7;
  a = model_new (&c);
  b = model_new (&c);
  c.seed = 8;
  other = model_new (&c);
  g_assert_false (first_weights_same (a, other));

  for (guint step = 0; step < 5; step++)
    {
      train (a, d, step, 1, &sa);
      train (b, d, step, 1, &sb);
      train (other, d, step, 1, &so);
      g_assert_true (stats_equal (&sa, &sb));
      g_assert_true (first_weights_same (a, b));
      stats_differ |= !stats_equal (&sa, &so);
    }
  g_assert_true (stats_differ);
  g_assert_false (first_weights_same (a, other));
  g_assert_cmpuint (eval_out (a, d, ca), ==, eval_out (b, d, cb));
  g_assert_cmpmem (ca, sizeof ca, cb, sizeof cb);
  lw_model_similarity (a, d->test_x, d->test_y, BATCH, sim_a, sim_a + BATCH * BATCH);
  lw_model_similarity (b, d->test_x, d->test_y, BATCH, sim_b, sim_b + BATCH * BATCH);
  g_assert_cmpmem (sim_a, BATCH * BATCH * 4 * sizeof (float), sim_b, BATCH * BATCH * 4 * sizeof (float));
}

static void
test_determinism (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      g_test_message ("loss %s", lw_loss_type_to_string (all_losses[t]));
      check_determinism (all_losses[t]);
    }
}

/* ------------------------------------------------------------------ */
/* Live controls */

/* After set_loss, the very next step reports what that loss computes. */
static void
test_live_set_loss (void)
{
  g_autoptr (Data) d = data_new (4);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwLossType loss = all_losses[t];
      LwModelConfig c = small_config (LW_LOSS_PREDSIM);
      g_autoptr (LwModel) m = model_new (&c);
      LwStepStats st;

      g_test_message ("switch to %s", lw_loss_type_to_string (loss));
      train (m, d, 0, 2, &st);
      g_assert_true (isfinite (st.block[0].loss_sim));
      lw_model_set_loss (m, loss);
      g_assert_cmpint (lw_model_get_config (m)->loss, ==, loss);
      train (m, d, 2, 1, &st);

      g_assert_cmpuint (st.n_blocks, ==, 3);
      g_assert_cmpuint (st.count, ==, BATCH);
      g_assert_true (isfinite (st.loss_out));
      for (guint i = 0; i < 3; i++)
        {
          gboolean has_sim = loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM
                             || loss == LW_LOSS_SIM_BPF || loss == LW_LOSS_PREDSIM_BPF;
          /* loss_pred is the probe's CE when pred is not part of the loss. */
          g_assert_true (isfinite (st.block[i].loss_pred));
          g_assert_cmpint (isnan (st.block[i].loss_sim), ==, !has_sim);
          g_assert_cmpuint (st.block[i].correct, <=, BATCH);
          /* The bpf head starts at zero: its first BCE is exactly log 2,
           * which no softmax CE over 10 classes near its start is. */
          if (loss == LW_LOSS_PRED_BPF || loss == LW_LOSS_PREDSIM_BPF)
            g_assert_cmpfloat_with_epsilon (st.block[i].loss_pred, G_LN2, 1e-6);
          else
            g_assert_cmpfloat (st.block[i].loss_pred, >, 1.0f);
        }
    }
}

/* Switching to bp makes block 0 depend on the blocks above at the next
 * step: two models whose block 1 trained differently (frozen in one) keep
 * the same block 0 in predsim and part right after the switch. */
static void
test_live_set_loss_bp (void)
{
  g_autoptr (Data) d = data_new (6);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) a = model_new (&c);
  g_autoptr (LwModel) b = model_new (&c);

  lw_model_set_block_frozen (b, 1, TRUE);
  train (a, d, 0, 3, NULL);
  train (b, d, 0, 3, NULL);
  g_assert_true (first_weights_same (a, b));
  lw_model_set_block_frozen (b, 1, FALSE);

  lw_model_set_loss (a, LW_LOSS_PRED);
  lw_model_set_loss (b, LW_LOSS_PRED);
  train (a, d, 3, 1, NULL);
  train (b, d, 3, 1, NULL);
  g_assert_true (first_weights_same (a, b));

  lw_model_set_loss (a, LW_LOSS_BP);
  lw_model_set_loss (b, LW_LOSS_BP);
  train (a, d, 4, 1, NULL);
  train (b, d, 4, 1, NULL);
  g_assert_false (first_weights_same (a, b));
}

/* Setting a loss and setting it back before the next step changes
 * nothing: weights and optimizer state are kept, not reset. */
static void
test_live_set_loss_keeps_state (void)
{
  g_autoptr (Data) d = data_new (6);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) a = model_new (&c);
  g_autoptr (LwModel) b = model_new (&c);
  LwStepStats sa, sb;

  train (a, d, 0, 3, NULL);
  train (b, d, 0, 3, NULL);
  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    lw_model_set_loss (b, all_losses[t]);
  lw_model_set_loss (b, LW_LOSS_PREDSIM);
  lw_model_set_lr (b, 0.5f);
  lw_model_set_lr (b, c.lr);
  lw_model_set_beta (b, 0.1f);
  lw_model_set_beta (b, c.beta);
  train (a, d, 3, 3, &sa);
  train (b, d, 3, 3, &sb);
  g_assert_true (stats_equal (&sa, &sb));
  g_assert_true (first_weights_same (a, b));
}

/* pred, then sim for a while (the softmax head a probe), then pred again:
 * each switch shows at the next step, and nothing learned is lost on the
 * way (the block's local accuracy after the return is not worse). */
static void
test_live_set_loss_round_trip (void)
{
  g_autoptr (Data) d = data_new (10);
  LwModelConfig c = small_config (LW_LOSS_PRED);
  g_autoptr (LwModel) m = model_new (&c);
  guint before[3], after[3];
  LwStepStats st;

  train (m, d, 0, 20, &st);
  eval_out (m, d, before);
  lw_model_set_loss (m, LW_LOSS_SIM);
  train (m, d, 20, 5, &st);
  g_assert_true (isfinite (st.block[0].loss_sim));
  lw_model_set_loss (m, LW_LOSS_PRED);
  train (m, d, 25, 5, &st);
  g_assert_true (isnan (st.block[0].loss_sim));
  eval_out (m, d, after);
  g_test_message ("block 0 local accuracy %u/%d before, %u/%d after", before[0], BATCH,
                  after[0], BATCH);
  g_assert_cmpuint (after[0] + 2, >=, before[0]);
}

/* beta: 1 leaves only the sim part (block 0 follows the sim trajectory
 * bit for bit; the output layer, scaled by 1 - beta = 0, stays at its
 * zero start); 0 leaves only pred (the pred trajectory, output included). */
static void
test_live_set_beta (void)
{
  g_autoptr (Data) d = data_new (15);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  LwModelConfig cs = small_config (LW_LOSS_SIM);
  LwModelConfig cp = small_config (LW_LOSS_PRED);
  g_autoptr (LwModel) a = NULL;
  g_autoptr (LwModel) sim = NULL;
  g_autoptr (LwModel) b = NULL;
  g_autoptr (LwModel) pred = NULL;
  LwStepStats sa, ss, sb, sp;
  guint out0, out_sim0;

  a = model_new (&c);
  sim = model_new (&cs);
  lw_model_set_beta (a, 1.0f);
  g_assert_cmpfloat (lw_model_get_config (a)->beta, ==, 1.0f);
  out0 = eval_out (a, d, NULL);
  out_sim0 = eval_out (sim, d, NULL);
  for (guint step = 0; step < 15; step++)
    {
      train (a, d, step, 1, &sa);
      train (sim, d, step, 1, &ss);
      g_assert_true (first_weights_same (a, sim));
      g_assert_cmpfloat (sa.block[0].loss_sim, ==, ss.block[0].loss_sim);
      /* Zero weights: the same logits for every input. */
      g_assert_cmpuint (eval_out (a, d, NULL), ==, out0);
    }
  g_assert_cmpuint (eval_out (sim, d, NULL), >, out_sim0);

  cp.nonlin = c.nonlin;
  b = model_new (&c);
  pred = model_new (&cp);
  lw_model_set_beta (b, 0.0f);
  for (guint step = 0; step < 6; step++)
    {
      train (b, d, step, 1, &sb);
      train (pred, d, step, 1, &sp);
      g_assert_true (first_weights_same (b, pred));
      g_assert_cmpfloat (sb.block[0].loss_pred, ==, sp.block[0].loss_pred);
      g_assert_cmpfloat (sb.loss_out, ==, sp.loss_out);
    }
  g_assert_cmpuint (eval_out (b, d, NULL), ==, eval_out (pred, d, NULL));
}

/* Any change of beta takes effect at the very next step. */
static void
test_live_set_beta_next_step (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) a = model_new (&c);
  g_autoptr (LwModel) b = model_new (&c);

  train (a, d, 0, 2, NULL);
  train (b, d, 0, 2, NULL);
  g_assert_true (first_weights_same (a, b));
  lw_model_set_beta (b, 0.5f);
  g_assert_cmpfloat (lw_model_get_config (b)->beta, ==, 0.5f);
  train (a, d, 2, 1, NULL);
  train (b, d, 2, 1, NULL);
  g_assert_false (first_weights_same (a, b));
}

static void
test_live_set_lr (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) m = model_new (&c);
  g_autoptr (LwModel) bp = NULL;
  g_autofree float *w = NULL;

  train (m, d, 0, 2, NULL);
  lw_model_set_lr (m, 0.0f);
  g_assert_cmpfloat (lw_model_get_config (m)->lr, ==, 0.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 0), ==, 0.0f);
  w = first_weights_copy (m);
  /* Adam has momentum by now; lr 0 still moves nothing. */
  train (m, d, 2, 3, NULL);
  g_assert_true (first_weights_equal (m, w));
  lw_model_set_lr (m, 1e-3f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 0), ==, 1e-3f);
  train (m, d, 5, 1, NULL);
  g_assert_false (first_weights_equal (m, w));

  /* The same in bp mode. */
  c = small_config (LW_LOSS_BP);
  bp = model_new (&c);
  train (bp, d, 0, 2, NULL);
  lw_model_set_lr (bp, 0.0f);
  g_free (w);
  w = first_weights_copy (bp);
  train (bp, d, 2, 2, NULL);
  g_assert_true (first_weights_equal (bp, w));
  lw_model_set_lr (bp, 1e-3f);
  train (bp, d, 4, 1, NULL);
  g_assert_false (first_weights_equal (bp, w));
}

static void
test_live_block_lr_mult (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  LwModelConfig half = c;
  g_autoptr (LwModel) m = model_new (&c);
  g_autoptr (LwModel) a = NULL;
  g_autoptr (LwModel) b = NULL;
  g_autofree float *w = first_weights_copy (m);

  lw_model_set_block_lr_mult (m, 0, 0.0f);
  train (m, d, 0, 3, NULL);
  g_assert_true (first_weights_equal (m, w));
  lw_model_set_block_lr_mult (m, 0, 2.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 0), ==, 2.0f * c.lr);
  train (m, d, 3, 1, NULL);
  g_assert_false (first_weights_equal (m, w));

  /* The multiplier multiplies: lr 2x at mult 1 is block 0's lr 1x at
   * mult 2 (exact in float, a power of two). */
  c.lr = 2e-3f;
  half.lr = 1e-3f;
  a = model_new (&c);
  b = model_new (&half);
  lw_model_set_block_lr_mult (b, 0, 2.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (a, 0), ==, lw_model_get_block_lr (b, 0));
  train (a, d, 0, 4, NULL);
  train (b, d, 0, 4, NULL);
  g_assert_true (first_weights_same (a, b));
}

/* A frozen block keeps its weights while its local classifier, a probe,
 * keeps learning; unfrozen, it trains again at the next step. */
static void
check_frozen (LwLossType loss)
{
  g_autoptr (Data) d = data_new (10);
  LwModelConfig c = small_config (loss);
  g_autoptr (LwModel) m = NULL;
  g_autofree float *w = NULL;
  guint before[3], after[3];

  /* The probe starts at zero weights and moves ~lr a step: a larger lr
   * lets it learn on the random features within a few dozen steps. */
  c.lr = 5e-3f;
  m = model_new (&c);
  w = first_weights_copy (m);
  lw_model_set_block_frozen (m, 0, TRUE);
  g_assert_true (lw_model_get_block_frozen (m, 0));
  g_assert_false (lw_model_get_block_frozen (m, 1));
  eval_out (m, d, before);
  train (m, d, 0, 40, NULL);
  eval_out (m, d, after);
  g_assert_true (first_weights_equal (m, w));
  g_test_message ("%s: frozen block 0 probe %u -> %u of %d", lw_loss_type_to_string (loss),
                  before[0], after[0], BATCH);
  g_assert_cmpuint (after[0], >, before[0]);
  g_assert_cmpuint (after[0], >=, BATCH / 2);

  lw_model_set_block_frozen (m, 0, FALSE);
  g_assert_false (lw_model_get_block_frozen (m, 0));
  train (m, d, 40, 1, NULL);
  g_assert_false (first_weights_equal (m, w));
}

static void
test_live_frozen (void)
{
  check_frozen (LW_LOSS_PREDSIM);
  check_frozen (LW_LOSS_PRED);
  check_frozen (LW_LOSS_BP);
}

/* Dropout set between two steps acts on the next one. The local losses
 * look at the activation before dropout (docs/method.md §1), so block 0's
 * statistics do not change while those above it do. */
static void
test_live_dropout (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) a = model_new (&c);
  g_autoptr (LwModel) b = model_new (&c);
  LwStepStats sa, sb;

  train (a, d, 0, 2, &sa);
  train (b, d, 0, 2, &sb);
  g_assert_true (stats_equal (&sa, &sb));
  lw_model_set_dropout (b, 0.5f);
  g_assert_cmpfloat (lw_model_get_config (b)->dropout, ==, 0.5f);
  train (a, d, 2, 1, &sa);
  train (b, d, 2, 1, &sb);
  g_assert_true (block_stats_equal (&sa.block[0], &sb.block[0]));
  g_assert_false (block_stats_equal (&sa.block[1], &sb.block[1]));
  g_assert_cmpfloat (sa.loss_out, !=, sb.loss_out);
  /* Block 0's own training does not see its dropout either. */
  g_assert_true (first_weights_same (a, b));

  /* Back to 0: block 1 now sees exactly what a's does again; its
   * statistics reflect its (different) weights only. */
  lw_model_set_dropout (b, 0.0f);
  train (a, d, 3, 1, &sa);
  train (b, d, 3, 1, &sb);
  g_assert_true (block_stats_equal (&sa.block[0], &sb.block[0]));
}

/* ------------------------------------------------------------------ */
/* Inspection and evaluation */

static void
check_similarity (LwLossType loss)
{
  g_autoptr (Data) d = data_new (3);
  LwModelConfig c = small_config (loss);
  g_autoptr (LwModel) m = model_new (&c);
  const guint n = BATCH;
  g_autofree float *label = g_new (float, n * n);
  g_autofree float *blocks = g_new (float, 3 * n * n);
  gboolean bpf = lw_loss_type_is_bpf (loss);
  gboolean other_values = FALSE;

  train (m, d, 0, 3, NULL);
  lw_model_similarity (m, d->test_x, d->test_y, n, label, blocks);

  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        float l = label[i * n + j];
        g_assert_cmpfloat (l, ==, label[j * n + i]);
        if (d->test_y[i] == d->test_y[j])
          g_assert_cmpfloat_with_epsilon (l, 1.0f, 1e-6);
        else if (!bpf)
          g_assert_cmpfloat_with_epsilon (l, -1.0f / 9.0f, 1e-6);
        else
          {
            g_assert_cmpfloat (fabsf (l), <=, 1.0f);
            other_values |= fabsf (l + 1.0f / 9.0f) > 1e-3f;
          }
        for (guint b = 0; b < 3; b++)
          {
            float s = blocks[b * n * n + i * n + j];
            g_assert_cmpfloat (s, >=, -1.0f);
            g_assert_cmpfloat (s, <=, 1.0f);
            g_assert_cmpfloat_with_epsilon (s, blocks[b * n * n + j * n + i], 1e-5);
            if (i == j)
              g_assert_cmpfloat_with_epsilon (s, 1.0f, 1e-5);
          }
      }
  /* bpf targets are similarities of random projections, not one-hot. */
  if (bpf)
    g_assert_true (other_values);
}

static void
test_similarity (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      g_test_message ("loss %s", lw_loss_type_to_string (all_losses[t]));
      check_similarity (all_losses[t]);
    }
}

/* Evaluating or inspecting between steps does not change training. */
static void
test_inspection_is_side_effect_free (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) a = NULL;
  g_autoptr (LwModel) b = NULL;
  g_autofree float *label = g_new (float, BATCH * BATCH);
  g_autofree float *blocks = g_new (float, 3 * BATCH * BATCH);
  g_autofree float *acts = g_new (float, 3 * BATCH * HIDDEN);
  LwStepStats sa, sb;
  guint bc[3], out1, out2;

  c.dropout = 0.1f;
  a = model_new (&c);
  b = model_new (&c);
  for (guint step = 0; step < 4; step++)
    {
      train (a, d, step, 1, &sa);
      train (b, d, step, 1, &sb);
      out1 = eval_out (b, d, bc);
      lw_model_similarity (b, d->test_x, d->test_y, BATCH, label, blocks);
      lw_model_activations (b, d->test_x, BATCH, acts);
      out2 = eval_out (b, d, bc);
      g_assert_cmpuint (out1, ==, out2);
      g_assert_true (stats_equal (&sa, &sb));
    }
  g_assert_true (first_weights_same (a, b));
}

/* Each block's activation in evaluation mode, blocks one after another:
 * ReLU output is non-negative, and the similarity the window shows for a
 * pred-mode block is S of exactly these activations. */
static void
test_activations (void)
{
  g_autoptr (Data) d = data_new (3);
  LwModelConfig c = small_config (LW_LOSS_PRED);
  g_autoptr (LwModel) m = NULL;
  const guint n = BATCH;
  g_autofree float *acts = NULL;
  g_autofree float *label = g_new (float, n * n);
  g_autofree float *blocks = g_new (float, 3 * n * n);
  gsize total = 0, offset = 0;

  c.num_hidden = 24;
  g_assert_cmpint (c.nonlin, ==, LW_NONLIN_RELU);
  m = model_new (&c);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (lw_model_block_width (m, i), ==, 24);
      total += (gsize) n * lw_model_block_width (m, i);
    }
  acts = g_new (float, total);
  train (m, d, 0, 3, NULL);
  lw_model_activations (m, d->test_x, n, acts);
  lw_model_similarity (m, d->test_x, d->test_y, n, label, blocks);

  for (guint b = 0; b < 3; b++)
    {
      const guint w = lw_model_block_width (m, b);
      const float *a = acts + offset;
      g_autofree double *u = g_new (double, (gsize) n * w);
      guint positive = 0;

      for (gsize k = 0; k < (gsize) n * w; k++)
        {
          g_assert_cmpfloat (a[k], >=, 0.0f);
          positive += a[k] > 0.0f;
        }
      g_assert_cmpuint (positive, >, 0);
      for (guint i = 0; i < n; i++)
        {
          double mean = 0.0, sq = 0.0;
          for (guint k = 0; k < w; k++)
            mean += a[i * w + k];
          mean /= w;
          for (guint k = 0; k < w; k++)
            {
              u[i * w + k] = a[i * w + k] - mean;
              sq += u[i * w + k] * u[i * w + k];
            }
          for (guint k = 0; k < w; k++)
            u[i * w + k] /= sqrt (sq) + 1e-8;
        }
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < n; j++)
          {
            double dot = 0.0;
            for (guint k = 0; k < w; k++)
              dot += u[i * w + k] * u[j * w + k];
            g_assert_cmpfloat_with_epsilon (blocks[b * n * n + i * n + j], CLAMP (dot, -1.0, 1.0),
                                            1e-4);
          }
      offset += (gsize) n * w;
    }
}

static void
test_evaluate_accumulates (void)
{
  g_autoptr (Data) d = data_new (3);
  LwModelConfig c = small_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) m = model_new (&c);
  guint bc[3] = { 0 }, out = 0, bc1[3] = { 0 }, out1 = 0;

  train (m, d, 0, 3, NULL);
  lw_model_evaluate (m, d->test_x, d->test_y, BATCH, bc1, &out1);
  lw_model_evaluate (m, d->test_x, d->test_y, BATCH, bc, &out);
  lw_model_evaluate (m, d->test_x, d->test_y, BATCH, bc, &out);
  g_assert_cmpuint (out, ==, 2 * out1);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (bc1[i], <=, BATCH);
      g_assert_cmpuint (bc[i], ==, 2 * bc1[i]);
    }
  g_assert_cmpuint (out1, <=, BATCH);
  /* NULL for the counts a caller does not want. */
  lw_model_evaluate (m, d->test_x, d->test_y, BATCH, NULL, &out);
  g_assert_cmpuint (out, ==, 3 * out1);
  lw_model_evaluate (m, d->test_x, d->test_y, 5, bc, NULL);
}

/* The last batch of an epoch is smaller than batch_size. */
static void
test_partial_batch (void)
{
  g_autoptr (Data) d = data_new (2);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = small_config (all_losses[t]);
      g_autoptr (LwModel) m = model_new (&c);
      LwStepStats st;

      train (m, d, 0, 1, &st);
      lw_model_train_step (m, batch_x (d, 1), batch_y (d, 1), 5, &st);
      g_assert_cmpuint (st.count, ==, 5);
      g_assert_cmpuint (st.n_blocks, ==, 3);
      g_assert_true (isfinite (st.loss_out));
      g_assert_cmpuint (st.correct_out, <=, 5);
      for (guint i = 0; i < 3; i++)
        {
          g_assert_true (isfinite (st.block[i].loss_pred));
          g_assert_cmpuint (st.block[i].correct, <=, 5);
        }
      lw_model_train_step (m, batch_x (d, 1), batch_y (d, 1), 1, NULL);
      g_assert_true (isfinite (lw_model_first_weights (m, NULL, NULL)[0]));
    }
}

/* Every loss type learns the synthetic task: output accuracy on held-out
 * samples well above chance after 60 small steps. */
static void
test_no_allocation_per_step (void)
{
  g_autoptr (Data) d = data_new (8);

  /* Our own loops split over two threads; OpenBLAS kept to one, because
   * its threaded driver allocates a job table per call (the library's
   * allocation, not ours). */
  lw_blas_set_threads (1);
  lw_parallel_set_threads (2);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = small_config (all_losses[t]);
      g_autoptr (LwModel) m = NULL;
      guint bc[3] = { 0 }, oc = 0;

      /* Wide enough that the sim head's weights are split over threads. */
      c.num_hidden = 512;
      m = model_new (&c);

      lw_model_set_dropout (m, 0.1f);
      /* The first steps let the BLAS library set up its own buffers. */
      train (m, d, 0, 2, NULL);
      alloc_counter_start ();
      train (m, d, 2, 6, NULL);
      lw_model_evaluate (m, batch_x (d, 7), batch_y (d, 7), BATCH, bc, &oc);
      g_assert_cmpuint (alloc_counter_stop (), ==, 0);

      /* The counter itself works: */
      alloc_counter_start ();
      g_free (g_malloc (16));
      g_assert_cmpuint (alloc_counter_stop (), ==, 1);
    }
  lw_blas_set_threads (1);
}

static void
test_learns (void)
{
  g_autoptr (Data) d = data_new (20);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = small_config (all_losses[t]);
      g_autoptr (LwModel) m = model_new (&c);
      guint bc[3], before, after;

      before = eval_out (m, d, bc);
      train (m, d, 0, 60, NULL);
      after = eval_out (m, d, bc);
      g_test_message ("%s: output %u -> %u of %d, blocks %u %u %u",
                      lw_loss_type_to_string (all_losses[t]), before, after, BATCH,
                      bc[0], bc[1], bc[2]);
      g_assert_cmpuint (after, >=, BATCH * 8 / 10);
    }
}

/* ------------------------------------------------------------------ */
/* Conv architectures */

#define CONV_BLOCKS 4         /* vgg-mini: 3 conv blocks and 1 FC block */

/* vgg-mini on the 28 x 28 prototypes with a small FC block. */
static LwModelConfig
conv_config (LwLossType loss)
{
  LwModelConfig c = small_config (loss);

  c.arch = LW_ARCH_VGG_MINI;
  c.num_layers = 1;
  return c;
}

static void
test_conv_arch_names (void)
{
  static const char *const names[] = { "mlp", "vgg8b", "vgg11b", "vgg-mini" };
  LwArch arch = LW_ARCH_MLP;
  guint layers = 0, hidden = 0;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (lw_arch_to_string ((LwArch) i), ==, names[i]);
      g_assert_true (lw_arch_from_string (names[i], &arch));
      g_assert_cmpint (arch, ==, i);
      g_assert_cmpint (lw_arch_is_conv (arch), ==, i != LW_ARCH_MLP);
    }
  g_assert_false (lw_arch_from_string ("vgg8", &arch));
  g_assert_false (lw_arch_from_string (NULL, &arch));
  lw_arch_default_fc (LW_ARCH_VGG8B, &layers, &hidden);
  g_assert_cmpuint (layers, ==, 1);
  g_assert_cmpuint (hidden, ==, 1024);
  lw_arch_default_fc (LW_ARCH_MLP, &layers, &hidden);
  g_assert_cmpuint (layers, ==, 3);
  g_assert_cmpuint (hidden, ==, 1024);
  lw_arch_default_fc (LW_ARCH_VGG_MINI, &layers, &hidden);
  g_assert_cmpuint (layers, ==, 1);
  g_assert_cmpuint (hidden, ==, 256);
  /* The paper's rate for the paper's nets; vgg-mini has its own, for one fast epoch. */
  g_assert_cmpfloat (lw_arch_default_lr (LW_ARCH_MLP), ==, 5e-4f);
  g_assert_cmpfloat (lw_arch_default_lr (LW_ARCH_VGG8B), ==, 5e-4f);
  g_assert_cmpfloat (lw_arch_default_lr (LW_ARCH_VGG11B), ==, 5e-4f);
  g_assert_cmpfloat (lw_arch_default_lr (LW_ARCH_VGG_MINI), ==, 3e-3f);
}

static void
test_conv_config_invalid (void)
{
  LwModelConfig c = conv_config (LW_LOSS_PREDSIM);

  c.feat_mult = 0;
  expect_invalid (&c, "feature multiplier");
  c = conv_config (LW_LOSS_PREDSIM);
  c.dim_in_decoder = 0;
  expect_invalid (&c, "decoder input size");
  c = conv_config (LW_LOSS_PREDSIM);
  c.in_width = 27;
  expect_invalid (&c, "square");
  c = conv_config (LW_LOSS_PREDSIM);
  c.in_height = c.in_width = 4;     /* pooled to 1 before the last M */
  expect_invalid (&c, "too small");
  c = conv_config (LW_LOSS_PREDSIM);
  c.num_layers = LW_MAX_BLOCKS - 2;
  expect_invalid (&c, "too many blocks");
  c = conv_config (LW_LOSS_PREDSIM);
  c.arch = LW_N_ARCHS;
  expect_invalid (&c, "unknown architecture");
}

static void
test_conv_shape (void)
{
  LwModelConfig c = conv_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) m = model_new (&c);
  guint rows = 0, cols = 0;
  gsize h = HIDDEN, net;
  LwMapShape shape;

  g_assert_cmpuint (lw_model_n_blocks (m), ==, CONV_BLOCKS);
  g_assert_cmpuint (lw_model_config_n_blocks (&c), ==, CONV_BLOCKS);
  g_assert_nonnull (lw_model_first_weights (m, &rows, &cols));
  g_assert_cmpuint (rows, ==, 16);
  g_assert_cmpuint (cols, ==, 1 * 3 * 3);
  g_assert_cmpuint (lw_model_block_width (m, 0), ==, 16 * 28 * 28);
  g_assert_cmpuint (lw_model_block_width (m, 1), ==, 32 * 14 * 14);
  g_assert_cmpuint (lw_model_block_width (m, 2), ==, 64 * 7 * 7);
  g_assert_cmpuint (lw_model_block_width (m, 3), ==, HIDDEN);
  /* How the window shows them: 16 kernels of 1 x 3 x 3, maps per block. */
  shape = lw_model_first_weights_shape (m);
  g_assert_cmpuint (shape.channels, ==, 1);
  g_assert_cmpuint (shape.height, ==, 3);
  g_assert_cmpuint (shape.width, ==, 3);
  g_assert_true (lw_model_block_map_shape (m, 0, &shape));
  g_assert_cmpuint (shape.channels, ==, 16);
  g_assert_cmpuint (shape.height, ==, 28);
  g_assert_cmpuint (shape.width, ==, 28);
  g_assert_true (lw_model_block_map_shape (m, 2, &shape));
  g_assert_cmpuint (shape.channels, ==, 64);
  g_assert_cmpuint (shape.height, ==, 7);
  g_assert_cmpuint (shape.width, ==, 7);
  g_assert_false (lw_model_block_map_shape (m, 3, &shape));
  g_assert_cmpuint (shape.channels, ==, 0);
  /* Conv + bias + BN per conv block; the flatten of 64 x 3 x 3 into the FC block. */
  net = (16 * 9 + 16 + 32) + (32 * 16 * 9 + 32 + 64) + (64 * 32 * 9 + 64 + 128)
        + (64 * 9 * h + h + 2 * h) + h * CLASSES + CLASSES;
  g_assert_cmpuint (lw_model_n_params (m, FALSE), ==, net);
  g_assert_cmpuint (lw_model_n_params (m, TRUE), >, net);

  /* feat_mult scales the conv channels only. */
  c.feat_mult = 2;
  {
    g_autoptr (LwModel) m2 = model_new (&c);

    lw_model_first_weights (m2, &rows, &cols);
    g_assert_cmpuint (rows, ==, 32);
    g_assert_cmpuint (lw_model_block_width (m2, 2), ==, 128 * 7 * 7);
    g_assert_cmpuint (lw_model_block_width (m2, 3), ==, HIDDEN);
  }
}

/* docs/method.md §7: vgg8b on 28 px MNIST has 7.33M parameters (net only);
 * vgg11b on 32 px CIFAR-10 11.56M. */
static void
test_conv_paper_params (void)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  c.arch = LW_ARCH_VGG8B;
  lw_arch_default_fc (c.arch, &c.num_layers, &c.num_hidden);
  c.batch_size = 2;
  {
    g_autoptr (LwModel) m = model_new (&c);

    g_assert_cmpuint (lw_model_n_blocks (m), ==, 7);
    g_assert_cmpuint (lw_model_config_n_blocks (&c), ==, 7);
    g_assert_cmpuint (lw_model_n_params (m, FALSE), ==, 7328266);
  }
  c.arch = LW_ARCH_VGG11B;
  c.in_channels = 3;
  c.in_height = c.in_width = 32;
  {
    g_autoptr (LwModel) m = model_new (&c);
    gsize n = lw_model_n_params (m, FALSE);

    g_assert_cmpuint (lw_model_n_blocks (m), ==, 10);   /* 9 conv + FC */
    g_test_message ("vgg11b CIFAR-10: %" G_GSIZE_FORMAT " parameters", n);
    g_assert_cmpuint (n, >=, 11555000);
    g_assert_cmpuint (n, <, 11565000);
  }
}

/* Local modes: block 0 (a conv block) of two same-seed models stays
 * bit-identical whatever the blocks above do; in bp it does not. */
static void
test_conv_gradient_stop (void)
{
  g_autoptr (Data) d = data_new (4);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = conv_config (all_losses[t]);
      g_autoptr (LwModel) a = NULL;
      g_autoptr (LwModel) b = NULL;
      LwStepStats sa, sb;
      gboolean upper_differ = FALSE;

      g_test_message ("loss %s", lw_loss_type_to_string (all_losses[t]));
      c.dropout = 0.1f;
      a = model_new (&c);
      b = model_new (&c);
      for (guint i = 1; i < CONV_BLOCKS; i++)
        lw_model_set_block_lr_mult (a, i, 0.0f);
      for (guint step = 0; step < 3; step++)
        {
          train (a, d, step, 1, &sa);
          train (b, d, step, 1, &sb);
          if (all_losses[t] == LW_LOSS_BP)
            continue;
          g_assert_true (first_weights_same (a, b));
          g_assert_true (block_stats_equal (&sa.block[0], &sb.block[0]));
          upper_differ |= !block_stats_equal (&sa.block[CONV_BLOCKS - 1],
                                              &sb.block[CONV_BLOCKS - 1]);
        }
      if (all_losses[t] == LW_LOSS_BP)
        /* Block 0's gradient came through the conv and FC blocks above. */
        g_assert_false (first_weights_same (a, b));
      else
        g_assert_true (upper_differ);
    }
}

static void
test_conv_determinism (void)
{
  g_autoptr (Data) d = data_new (3);
  const gsize sim_len = (gsize) BATCH * BATCH * (CONV_BLOCKS + 1);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = conv_config (all_losses[t]);
      g_autoptr (LwModel) a = NULL;
      g_autoptr (LwModel) b = NULL;
      g_autofree float *sim_a = g_new (float, sim_len);
      g_autofree float *sim_b = g_new (float, sim_len);
      LwStepStats sa, sb;
      guint ca[CONV_BLOCKS], cb[CONV_BLOCKS];

      g_test_message ("loss %s", lw_loss_type_to_string (all_losses[t]));
      c.dropout = 0.2f;
      c.seed = 7;
      a = model_new (&c);
      b = model_new (&c);
      for (guint step = 0; step < 3; step++)
        {
          train (a, d, step, 1, &sa);
          train (b, d, step, 1, &sb);
          g_assert_true (stats_equal (&sa, &sb));
          g_assert_true (isfinite (sa.loss_out));
        }
      g_assert_true (first_weights_same (a, b));
      g_assert_cmpuint (eval_out (a, d, ca), ==, eval_out (b, d, cb));
      g_assert_cmpmem (ca, sizeof ca, cb, sizeof cb);
      lw_model_similarity (a, d->test_x, d->test_y, BATCH, sim_a, sim_a + BATCH * BATCH);
      lw_model_similarity (b, d->test_x, d->test_y, BATCH, sim_b, sim_b + BATCH * BATCH);
      g_assert_cmpmem (sim_a, sim_len * sizeof (float), sim_b, sim_len * sizeof (float));
      for (gsize i = BATCH * BATCH; i < sim_len; i++)
        g_assert_true (isfinite (sim_a[i]));
    }
}

/* Live controls on a conv model: each of the seven losses from the next
 * step on, freezing and the lr multiplier of a conv block. */
static void
test_conv_live (void)
{
  g_autoptr (Data) d = data_new (4);
  LwModelConfig c = conv_config (LW_LOSS_PREDSIM);
  g_autoptr (LwModel) m = model_new (&c);
  g_autofree float *w = NULL;
  LwStepStats st;

  train (m, d, 0, 1, &st);
  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwLossType loss = all_losses[t];
      gboolean has_sim = loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM
                         || loss == LW_LOSS_SIM_BPF || loss == LW_LOSS_PREDSIM_BPF;

      lw_model_set_loss (m, loss);
      train (m, d, t + 1, 1, &st);
      g_assert_cmpuint (st.n_blocks, ==, CONV_BLOCKS);
      g_assert_true (isfinite (st.loss_out));
      for (guint i = 0; i < CONV_BLOCKS; i++)
        {
          g_assert_true (isfinite (st.block[i].loss_pred));
          g_assert_cmpint (isnan (st.block[i].loss_sim), ==, !has_sim);
        }
    }

  lw_model_set_loss (m, LW_LOSS_PREDSIM);
  w = first_weights_copy (m);
  lw_model_set_block_frozen (m, 0, TRUE);
  g_assert_true (lw_model_get_block_frozen (m, 0));
  train (m, d, 0, 2, NULL);
  g_assert_true (first_weights_equal (m, w));
  lw_model_set_block_frozen (m, 0, FALSE);
  lw_model_set_block_lr_mult (m, 0, 0.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 0), ==, 0.0f);
  g_assert_cmpfloat (lw_model_get_block_lr (m, 2), ==, c.lr);
  train (m, d, 2, 1, NULL);
  g_assert_true (first_weights_equal (m, w));
  lw_model_set_block_lr_mult (m, 0, 1.0f);
  train (m, d, 3, 1, NULL);
  g_assert_false (first_weights_equal (m, w));
}

/* The activation maps are each conv block's own map (before its max
 * pool), CHW per sample, and the FC block's units. */
static void
test_conv_activations (void)
{
  g_autoptr (Data) d = data_new (2);
  LwModelConfig c = conv_config (LW_LOSS_PRED);   /* ReLU */
  g_autoptr (LwModel) m = model_new (&c);
  const guint n = 4;
  gsize total = 0;
  g_autofree float *out = NULL;
  g_autofree float *one = NULL;

  train (m, d, 0, 2, NULL);
  for (guint i = 0; i < CONV_BLOCKS; i++)
    total += lw_model_block_width (m, i);
  out = g_new (float, n * total);
  one = g_new (float, total);
  lw_model_activations (m, d->test_x, n, out);
  /* Evaluation mode: a sample's maps do not depend on the others. */
  lw_model_activations (m, d->test_x + IN, 1, one);
  for (guint i = 0, off = 0; i < CONV_BLOCKS; i++)
    {
      guint wd = lw_model_block_width (m, i);
      gboolean any = FALSE;

      for (guint k = 0; k < wd; k++)
        {
          float v = out[(gsize) off * n + (gsize) wd + k];

          g_assert_cmpfloat (fabsf (v - one[off + k]), <=, 1e-4f * (1.0f + fabsf (v)));
          g_assert_cmpfloat (out[(gsize) off * n + k], >=, 0.0f);   /* ReLU */
          any |= out[(gsize) off * n + k] > 0.0f;
        }
      g_assert_true (any);
      off += wd;
    }
}

/* Every loss trains a conv model on the prototypes, bp included (its
 * gradient goes through the flatten into the conv blocks; with a broken
 * flatten layout the output stays near chance). */
static void
test_conv_learns (void)
{
  g_autoptr (Data) d = data_new (10);

  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = conv_config (all_losses[t]);
      g_autoptr (LwModel) m = model_new (&c);
      guint bc[CONV_BLOCKS], before, after;

      before = eval_out (m, d, bc);
      train (m, d, 0, 60, NULL);
      after = eval_out (m, d, bc);
      g_test_message ("%s: output %u -> %u of %d, blocks %u %u %u %u",
                      lw_loss_type_to_string (all_losses[t]), before, after, BATCH,
                      bc[0], bc[1], bc[2], bc[3]);
      /* The conv blocks' heads see their map before the max pool; the
       * prototypes are random pixels, whose detail the pools lose, so
       * the FC block and the output learn more slowly in local modes. */
      for (guint i = 0; i + 1 < CONV_BLOCKS; i++)
        g_assert_cmpuint (bc[i], >=, BATCH * 8 / 10);
      g_assert_cmpuint (after, >=, all_losses[t] == LW_LOSS_BP ? BATCH * 3 / 4 : BATCH / 3);
    }
}

static void
test_conv_no_allocation_per_step (void)
{
  g_autoptr (Data) d = data_new (4);

  lw_blas_set_threads (1);
  lw_parallel_set_threads (2);
  for (guint t = 0; t < G_N_ELEMENTS (all_losses); t++)
    {
      LwModelConfig c = conv_config (all_losses[t]);
      g_autoptr (LwModel) m = model_new (&c);
      guint bc[CONV_BLOCKS] = { 0 }, oc = 0;
      g_autofree float *sim = g_new (float, (gsize) BATCH * BATCH * (CONV_BLOCKS + 1));

      lw_model_set_dropout (m, 0.1f);
      train (m, d, 0, 2, NULL);
      alloc_counter_start ();
      train (m, d, 2, 2, NULL);
      lw_model_evaluate (m, batch_x (d, 3), batch_y (d, 3), BATCH, bc, &oc);
      lw_model_similarity (m, d->test_x, d->test_y, BATCH, sim, sim + BATCH * BATCH);
      g_assert_cmpuint (alloc_counter_stop (), ==, 0);
    }
  lw_blas_set_threads (1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/config/defaults", test_config_defaults);
  g_test_add_func ("/model/config/invalid", test_config_invalid);
  g_test_add_func ("/model/loss-names", test_loss_names);
  g_test_add_func ("/model/shape", test_model_shape);
  g_test_add_func ("/model/shape/paper-params", test_model_paper_params);
  g_test_add_func ("/model/gradient-stop/blocks", test_gradient_stop_blocks);
  g_test_add_func ("/model/gradient-stop/local", test_gradient_stop_local);
  g_test_add_func ("/model/gradient-stop/bp", test_gradient_stop_bp);
  g_test_add_func ("/model/gradient-stop/lr-mult-zero", test_gradient_stop_lr_mult_zero);
  g_test_add_func ("/model/determinism", test_determinism);
  g_test_add_func ("/model/live/set-loss", test_live_set_loss);
  g_test_add_func ("/model/live/set-loss-bp", test_live_set_loss_bp);
  g_test_add_func ("/model/live/set-loss-keeps-state", test_live_set_loss_keeps_state);
  g_test_add_func ("/model/live/set-loss-round-trip", test_live_set_loss_round_trip);
  g_test_add_func ("/model/live/set-beta", test_live_set_beta);
  g_test_add_func ("/model/live/set-beta-next-step", test_live_set_beta_next_step);
  g_test_add_func ("/model/live/set-lr", test_live_set_lr);
  g_test_add_func ("/model/live/block-lr-mult", test_live_block_lr_mult);
  g_test_add_func ("/model/live/frozen", test_live_frozen);
  g_test_add_func ("/model/live/dropout", test_live_dropout);
  g_test_add_func ("/model/similarity", test_similarity);
  g_test_add_func ("/model/evaluate/side-effect-free", test_inspection_is_side_effect_free);
  g_test_add_func ("/model/evaluate/accumulates", test_evaluate_accumulates);
  g_test_add_func ("/model/activations", test_activations);
  g_test_add_func ("/model/partial-batch", test_partial_batch);
  g_test_add_func ("/model/learns", test_learns);
  g_test_add_func ("/model/conv/arch-names", test_conv_arch_names);
  g_test_add_func ("/model/conv/config-invalid", test_conv_config_invalid);
  g_test_add_func ("/model/conv/shape", test_conv_shape);
  g_test_add_func ("/model/conv/paper-params", test_conv_paper_params);
  g_test_add_func ("/model/conv/gradient-stop", test_conv_gradient_stop);
  g_test_add_func ("/model/conv/determinism", test_conv_determinism);
  g_test_add_func ("/model/conv/live", test_conv_live);
  g_test_add_func ("/model/conv/activations", test_conv_activations);
  g_test_add_func ("/model/conv/no-allocation-per-step", test_conv_no_allocation_per_step);
  g_test_add_func ("/model/conv/learns", test_conv_learns);
  g_test_add_func ("/model/no-allocation-per-step", test_no_allocation_per_step);

  return g_test_run ();
}
