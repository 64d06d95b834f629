/* test-label-codes.c: the bpf losses' random label codes (docs/method.md
 * §5): each block, FC or conv, has a projection of its own, drawn from the
 * seed in the documented order; its signs are the codes the block's
 * pred-bpf head learns, and the similarity of its rows is the target its
 * sim-bpf loss measures against. A model built with shared_target_proj
 * (run files before format 3) gives every block the one projection those
 * runs drew. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-block.h"
#include "engine/lw-linear.h"
#include "engine/lw-losses.h"
#include "engine/lw-model.h"
#include "engine/lw-model-private.h"
#include "engine/lw-rng.h"

#define CLASSES 5
#define CODE 12
#define BATCH 10
/* lw-model.c's stream of the label projections. */
#define STREAM_TARGETS 3

static void
mlp_config (LwModelConfig *c, LwLossType loss)
{
  lw_model_config_init (c);
  c->in_channels = 1;
  c->in_height = c->in_width = 6;
  c->n_classes = CLASSES;
  c->num_layers = 3;
  c->num_hidden = 16;
  c->batch_size = BATCH;
  c->target_proj_size = CODE;
  c->loss = loss;
  c->beta = 0.5f;
  c->dropout = 0.0f;
  c->seed = 11;
}

static void
conv_config (LwModelConfig *c, LwLossType loss)
{
  mlp_config (c, loss);
  c->arch = LW_ARCH_VGG_MINI;
  c->in_height = c->in_width = 8;
  c->num_layers = 1;
}

static LwModel *
model_new (const LwModelConfig *c)
{
  g_autoptr (GError) error = NULL;
  LwModel *m = lw_model_new (c, &error);

  g_assert_no_error (error);
  return m;
}

/* What docs/method.md §5 says block i's projection is: the i-th draw of
 * classes x code_len values, uniform in +-1/sqrt(classes), from the seed's
 * targets stream. */
static void
expected_projections (guint64 seed, guint n_blocks, float *proj)
{
  LwRng rng;

  lw_rng_init (&rng, seed, STREAM_TARGETS);
  for (guint i = 0; i < n_blocks; i++)
    lw_fill_uniform (proj + (gsize) i * CLASSES * CODE, CLASSES * CODE,
                     1.0f / sqrtf ((float) CLASSES), &rng);
}

/* Block i's codes are the signs of projection pi, and its table the
 * similarity of pi's rows. */
static void
assert_block_targets (LwModel *m, guint i, const float *pi)
{
  const float *codes, *table;
  float want[CLASSES * CLASSES];

  lw_model_block_targets (m, i, &codes, &table);
  for (guint k = 0; k < CLASSES * CODE; k++)
    g_assert_cmpfloat (codes[k], ==, pi[k] > 0.0f ? 1.0f : 0.0f);
  lw_similarity_table (pi, CLASSES, CODE, want);
  g_assert_cmpmem (table, sizeof want, want, sizeof want);
}

static gboolean
codes_equal (LwModel *a, guint i, LwModel *b, guint j)
{
  const float *ca, *ta, *cb, *tb;

  lw_model_block_targets (a, i, &ca, &ta);
  lw_model_block_targets (b, j, &cb, &tb);
  return memcmp (ca, cb, CLASSES * CODE * sizeof (float)) == 0
         && memcmp (ta, tb, CLASSES * CLASSES * sizeof (float)) == 0;
}

static void
check_per_block (void (*make_config) (LwModelConfig *, LwLossType))
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;
  g_autofree float *proj = NULL;
  guint n;

  make_config (&c, LW_LOSS_PRED_BPF);
  m = model_new (&c);
  n = lw_model_n_blocks (m);
  g_assert_cmpuint (n, >=, 3);
  proj = g_new (float, (gsize) n * CLASSES * CODE);
  expected_projections (c.seed, n, proj);
  for (guint i = 0; i < n; i++)
    {
      assert_block_targets (m, i, proj + (gsize) i * CLASSES * CODE);
      for (guint j = 0; j < i; j++)
        g_assert_false (codes_equal (m, i, m, j));
    }
}

/* Every block, FC and conv, has codes of its own: the signs of its own
 * projection, drawn block after block from the input up. */
static void
test_per_block_mlp (void)
{
  check_per_block (mlp_config);
}

static void
test_per_block_conv (void)
{
  check_per_block (conv_config);
}

/* shared_target_proj: every block has block 0's codes, which are the
 * first draw: the projection Layerwise drew before format 3. */
static void
test_shared (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;
  g_autofree float *proj = NULL;

  conv_config (&c, LW_LOSS_SIM_BPF);
  c.shared_target_proj = TRUE;
  m = model_new (&c);
  proj = g_new (float, CLASSES * CODE);
  expected_projections (c.seed, 1, proj);
  for (guint i = 0; i < lw_model_n_blocks (m); i++)
    assert_block_targets (m, i, proj);
}

/* The same seed draws the same codes; another seed others. */
static void
test_determinism (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) a = NULL, b = NULL, other = NULL;

  mlp_config (&c, LW_LOSS_PREDSIM_BPF);
  a = model_new (&c);
  b = model_new (&c);
  c.seed++;
  other = model_new (&c);
  for (guint i = 0; i < lw_model_n_blocks (a); i++)
    {
      g_assert_true (codes_equal (a, i, b, i));
      g_assert_false (codes_equal (a, i, other, i));
    }
}

/* Inputs with one label, cls, for every sample. */
static void
one_class_batch (guint input, guint8 cls, float *x, guint8 *y)
{
  LwRng rng;

  lw_rng_init (&rng, 5, 0);
  for (guint i = 0; i < BATCH; i++)
    {
      y[i] = cls;
      for (guint k = 0; k < input; k++)
        x[(gsize) i * input + k] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
    }
}

/* pred-bpf learns each block's own codes: the heads start at zero, so the
 * first step's error at a head's bias is sigmoid(0) - code, the same for
 * every sample of a one-class batch, and one SGD step moves bias k up
 * exactly where the block's code of the class is 1. */
static void
check_pred_bpf_learns_own_codes (void (*make_config) (LwModelConfig *, LwLossType))
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;
  g_autofree float *x = NULL;
  guint8 y[BATCH];
  const guint8 cls = 3;
  guint n;

  make_config (&c, LW_LOSS_PRED_BPF);
  c.optim = LW_OPTIM_SGD;
  c.lr = 0.1f;
  m = model_new (&c);
  n = lw_model_n_blocks (m);
  x = g_new (float, (gsize) BATCH * lw_model_input_size (m));
  one_class_batch (lw_model_input_size (m), cls, x, y);
  lw_model_train_step (m, x, y, BATCH, NULL);

  for (guint i = 0; i < n; i++)
    {
      const float *bias = lw_model_block_param_slots (m, i)[LW_BLOCK_BPF_B].w;
      const float *codes, *table;

      lw_model_block_targets (m, i, &codes, &table);
      for (guint k = 0; k < CODE; k++)
        {
          g_assert_cmpfloat (bias[k], !=, 0.0f);
          g_assert_cmpint (bias[k] > 0.0f, ==, codes[cls * CODE + k] == 1.0f);
        }
    }
}

static void
test_pred_bpf_mlp (void)
{
  check_pred_bpf_learns_own_codes (mlp_config);
}

static void
test_pred_bpf_conv (void)
{
  check_pred_bpf_learns_own_codes (conv_config);
}

/* sim-bpf measures each block against its own target: with every FC
 * block's weights at zero its activation is zero, its similarity S is
 * zero, and its loss is the mean square of its own table's entries over
 * the batch's pairs of labels. */
static void
test_sim_bpf_own_target (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;
  g_autofree float *x = NULL;
  guint8 y[BATCH];
  LwStepStats st;
  guint n;

  mlp_config (&c, LW_LOSS_SIM_BPF);
  m = model_new (&c);
  n = lw_model_n_blocks (m);
  for (guint i = 0; i < n; i++)
    {
      LwParam *p = lw_model_block_param_slots (m, i);

      memset (p[LW_BLOCK_MAIN_W].w, 0, p[LW_BLOCK_MAIN_W].n * sizeof (float));
      memset (p[LW_BLOCK_MAIN_B].w, 0, p[LW_BLOCK_MAIN_B].n * sizeof (float));
    }
  lw_model_state_changed (m);
  x = g_new (float, (gsize) BATCH * lw_model_input_size (m));
  one_class_batch (lw_model_input_size (m), 0, x, y);
  for (guint i = 0; i < BATCH; i++)
    y[i] = (guint8) (i % CLASSES);
  lw_model_train_step (m, x, y, BATCH, &st);

  for (guint b = 0; b < n; b++)
    {
      const float *codes, *table;
      double want = 0.0;

      lw_model_block_targets (m, b, &codes, &table);
      for (guint i = 0; i < BATCH; i++)
        for (guint j = 0; j < BATCH; j++)
          {
            double t = table[y[i] * CLASSES + y[j]];

            want += t * t;
          }
      want /= BATCH * BATCH;
      g_test_message ("block %u: loss %g, own target %g", b + 1, st.block[b].loss_sim, want);
      g_assert_cmpfloat_with_epsilon (st.block[b].loss_sim, want, 1e-5 * want);
    }
  /* Different targets, so different losses: no block measured against
   * another's. */
  g_assert_cmpfloat (st.block[0].loss_sim, !=, st.block[1].loss_sim);
  g_assert_cmpfloat (st.block[1].loss_sim, !=, st.block[2].loss_sim);
}

/* What the window shows as each block's target (lw_model_target_similarity):
 * under a bpf loss the block's own code table over the labels, different
 * from block to block, block 1's being lw_model_similarity's label matrix;
 * under predsim the labels' matrix for every block. */
static void
test_shown_targets (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;
  g_autofree float *x = NULL;
  guint8 y[BATCH];
  float label[BATCH * BATCH], blocks[3 * BATCH * BATCH], target[3][BATCH * BATCH];
  guint n;

  mlp_config (&c, LW_LOSS_SIM_BPF);
  m = model_new (&c);
  n = lw_model_n_blocks (m);
  g_assert_cmpuint (n, ==, 3);
  x = g_new (float, (gsize) BATCH * lw_model_input_size (m));
  one_class_batch (lw_model_input_size (m), 0, x, y);
  for (guint i = 0; i < BATCH; i++)
    y[i] = (guint8) ((i * 3) % CLASSES);
  lw_model_similarity (m, x, y, BATCH, label, blocks);
  for (guint b = 0; b < n; b++)
    {
      const float *codes, *table;

      lw_model_target_similarity (m, b, y, BATCH, target[b]);
      lw_model_block_targets (m, b, &codes, &table);
      for (guint i = 0; i < BATCH; i++)
        for (guint j = 0; j < BATCH; j++)
          g_assert_cmpfloat (target[b][i * BATCH + j], ==, table[y[i] * CLASSES + y[j]]);
    }
  g_assert_cmpmem (target[0], sizeof target[0], label, sizeof label);
  g_assert_true (memcmp (target[0], target[1], sizeof target[0]) != 0);
  g_assert_true (memcmp (target[1], target[2], sizeof target[0]) != 0);

  lw_model_set_loss (m, LW_LOSS_PREDSIM);
  lw_model_similarity (m, x, y, BATCH, label, blocks);
  for (guint b = 0; b < n; b++)
    {
      lw_model_target_similarity (m, b, y, BATCH, target[b]);
      g_assert_cmpmem (target[b], sizeof target[b], label, sizeof label);
      for (guint i = 0; i < BATCH; i++)
        g_assert_cmpfloat_with_epsilon (target[b][i * BATCH + i], 1.0f, 1e-6);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/label-codes/per-block/mlp", test_per_block_mlp);
  g_test_add_func ("/label-codes/per-block/conv", test_per_block_conv);
  g_test_add_func ("/label-codes/shared", test_shared);
  g_test_add_func ("/label-codes/determinism", test_determinism);
  g_test_add_func ("/label-codes/pred-bpf/mlp", test_pred_bpf_mlp);
  g_test_add_func ("/label-codes/pred-bpf/conv", test_pred_bpf_conv);
  g_test_add_func ("/label-codes/sim-bpf/own-target", test_sim_bpf_own_target);
  g_test_add_func ("/label-codes/shown-targets", test_shown_targets);
  return g_test_run ();
}
