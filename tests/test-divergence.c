/* test-divergence.c: the divergence guard. A step that would put a NaN or
 * an infinity into the network is not applied: the part that diverged and
 * everything after it keep their weights, the step says which part and
 * what, and the model trains on from there. Driven by a learning rate far
 * too high and by NaN and infinite inputs, for the MLP and vgg-mini, in
 * local modes and bp, sequential and pipelined. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "engine/lw-checkpoint.h"
#include "engine/lw-model-private.h"
#include "engine/lw-optim.h"
#include "engine/lw-pipeline.h"
#include "engine/lw-rng.h"
#include "synthetic-data.h"

#define CLASSES SYNTHETIC_CLASSES

static float *
batch_x (Data *d, guint b)
{
  return d->x + (gsize) b * d->batch * d->in;
}

static const guint8 *
batch_y (const Data *d, guint b)
{
  return d->y + (gsize) b * d->batch;
}

static LwModelConfig
mlp_config (LwLossType loss, LwOptimKind optim, float lr)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  c.num_layers = 3;
  c.num_hidden = 32;
  c.batch_size = 16;
  c.loss = loss;
  c.optim = optim;
  c.lr = lr;
  return c;
}

static LwModelConfig
vgg_mini_config (LwLossType loss, LwOptimKind optim, float lr)
{
  LwModelConfig c = mlp_config (loss, optim, lr);

  c.arch = LW_ARCH_VGG_MINI;
  c.num_layers = 1;
  c.num_hidden = 32;
  c.batch_size = 8;
  return c;
}

static LwModel *
model_new (const LwModelConfig *c)
{
  g_autoptr (GError) error = NULL;
  LwModel *m = lw_model_new (c, &error);

  g_assert_no_error (error);
  return m;
}

static Data *
data_for (const LwModel *m, guint n_batches)
{
  return data_new (lw_model_input_size (m), lw_model_get_config (m)->batch_size, n_batches,
                   91, 1.0f);
}

static float *
params_copy (const LwModel *m)
{
  float *p = g_new (float, lw_model_copy_params (m, NULL));

  lw_model_copy_params (m, p);
  return p;
}

static void
assert_all_finite (const float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      g_error ("value %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " is %g", i, n, x[i]);
}

/* Every weight, and what evaluation computes from the BatchNorm running
 * statistics on clean data, is finite. */
static void
assert_model_finite (LwModel *m, Data *d)
{
  g_autofree float *p = params_copy (m);
  gsize width = 0;
  g_autofree float *act = NULL;
  guint count = d->batch;

  assert_all_finite (p, lw_model_copy_params (m, NULL));
  for (guint i = 0; i < lw_model_n_blocks (m); i++)
    width += lw_model_block_width (m, i);
  act = g_new (float, width * count);
  lw_model_activations (m, batch_x (d, 0), count, act);
  assert_all_finite (act, width * count);
}

/* Parts [first, n_blocks] of two copies are the same, bit for bit. */
static gboolean
parts_equal_from (const LwModel *m, const float *a, const float *b, guint first)
{
  gsize from = lw_model_param_offset (m, first), n = lw_model_copy_params (m, NULL);

  return memcmp (a + from, b + from, (n - from) * sizeof (float)) == 0;
}

/* ------------------------------------------------------------------ */
/* The optimizer's check on its own */

static void
test_param_gradient_nan (void)
{
  const LwOptimSettings s = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  float w[3] = { 1.0f, 2.0f, 3.0f }, g[3] = { 0.1f, NAN, 0.1f };
  float before[3];
  LwParam p;
  gboolean nan;

  memcpy (before, w, sizeof w);
  lw_param_init (&p, w, g, 3);
  g_assert_cmpint (lw_param_check_finite (&p, &s, 1e-3f, &nan), ==, LW_DIVERGED_GRADIENT);
  g_assert_true (nan);
  g_assert_false (lw_param_step (&p, &s, 1e-3f));
  g_assert_cmpmem (w, sizeof w, before, sizeof before);
  g_assert_cmpuint (p.t, ==, 0);
  g_assert_cmpfloat (p.m[0], ==, 0.0f);

  g[1] = -INFINITY;
  g_assert_cmpint (lw_param_check_finite (&p, &s, 1e-3f, &nan), ==, LW_DIVERGED_GRADIENT);
  g_assert_false (nan);

  /* A finite gradient passes, and the step is the ordinary one. */
  g[1] = 0.1f;
  g_assert_true (lw_param_step (&p, &s, 1e-3f));
  g_assert_cmpfloat_with_epsilon (w[1], 2.0f - 1e-3f, 1e-6);
  lw_param_clear (&p);
}

/* SGD with a rate that overflows the weights: refused, nothing written. */
static void
test_param_weight_overflow (void)
{
  const LwOptimSettings s = { .kind = LW_OPTIM_SGD, .momentum = 0.9f };
  float w[4] = { 1.0f, -1.0f, 0.5f, 0.0f }, g[4] = { 2.0f, -1.0f, 1e-3f, 0.0f };
  float before[4];
  LwParam p;
  gboolean nan;

  memcpy (before, w, sizeof w);
  lw_param_init (&p, w, g, 4);
  g_assert_cmpint (lw_param_check_finite (&p, &s, 3e38f, &nan), ==, LW_DIVERGED_WEIGHT);
  g_assert_false (nan);
  g_assert_false (lw_param_step (&p, &s, 3e38f));
  g_assert_cmpmem (w, sizeof w, before, sizeof before);
  g_assert_cmpfloat (p.m[0], ==, 0.0f);
  g_assert_cmpuint (p.t, ==, 0);

  /* Close to the float range, but within it: the bounds cannot vouch for
   * it, the dry run does, and the step is applied. */
  g_assert_true (lw_param_step (&p, &s, 1e38f));
  g_assert_cmpfloat (w[0], ==, 1.0f - 2e38f);
  assert_all_finite (w, 4);
  /* From there another such step overflows: refused. */
  g_assert_false (lw_param_step (&p, &s, 1e38f));
  g_assert_cmpfloat (w[0], ==, 1.0f - 2e38f);
  lw_param_clear (&p);
}

/* Huge but finite gradients into Adam: the squared gradient overflows the
 * second moment, so the update is refused rather than leaving v infinite. */
static void
test_param_adam_moment_overflow (void)
{
  const LwOptimSettings s = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  float w[2] = { 1.0f, 1.0f }, g[2] = { 1e30f, 1.0f };
  LwParam p;
  gboolean nan;

  lw_param_init (&p, w, g, 2);
  g_assert_cmpint (lw_param_check_finite (&p, &s, 1e-3f, &nan), ==, LW_DIVERGED_WEIGHT);
  g_assert_false (lw_param_step (&p, &s, 1e-3f));
  g_assert_cmpfloat (p.v[0], ==, 0.0f);
  g_assert_cmpfloat (w[0], ==, 1.0f);
  lw_param_clear (&p);
}

/* ------------------------------------------------------------------ */
/* Whole models */

/* A NaN (or infinite) input: the first block's loss is not finite, so
 * nothing at all is applied; the next clean batch trains as usual. */
static void
check_bad_input (const LwModelConfig *c, float bad)
{
  g_autoptr (LwModel) m = model_new (c);
  Data *d = data_for (m, 3);
  g_autofree float *before = NULL, *after = NULL;
  LwStepStats st;

  lw_model_train_step (m, batch_x (d, 0), batch_y (d, 0), d->batch, &st);
  g_assert_cmpint (st.diverged.what, ==, LW_DIVERGED_NONE);

  before = params_copy (m);
  batch_x (d, 1)[5] = bad;
  lw_model_train_step (m, batch_x (d, 1), batch_y (d, 1), d->batch, &st);
  g_assert_cmpint (st.diverged.what, ==, LW_DIVERGED_LOSS);
  g_assert_cmpuint (st.diverged.block, ==, 0);
  g_assert_true (st.diverged.nan);
  after = params_copy (m);
  g_assert_true (parts_equal_from (m, before, after, 0));
  assert_model_finite (m, d);

  lw_model_train_step (m, batch_x (d, 2), batch_y (d, 2), d->batch, &st);
  g_assert_cmpint (st.diverged.what, ==, LW_DIVERGED_NONE);
  g_clear_pointer (&after, g_free);
  after = params_copy (m);
  g_assert_false (parts_equal_from (m, before, after, 0));
  assert_model_finite (m, d);
  data_free (d);
}

static void
test_mlp_nan_input (void)
{
  LwModelConfig c = mlp_config (LW_LOSS_PREDSIM, LW_OPTIM_ADAM, 1e-3f);

  check_bad_input (&c, NAN);
  check_bad_input (&c, INFINITY);
  c.loss = LW_LOSS_PRED_BPF;
  check_bad_input (&c, NAN);
  /* bp: one update of the whole network, so none of it is applied. */
  c.loss = LW_LOSS_BP;
  check_bad_input (&c, NAN);
}

static void
test_vgg_mini_nan_input (void)
{
  LwModelConfig c = vgg_mini_config (LW_LOSS_PREDSIM, LW_OPTIM_ADAM, 1e-3f);

  check_bad_input (&c, NAN);
  c.loss = LW_LOSS_BP;
  check_bad_input (&c, INFINITY);
}

/* A learning rate far too high: train until a step diverges. Every step
 * leaves every weight finite (though so large that evaluation may
 * overflow); the diverged step changed nothing from the
 * part it names on, and at most that step's earlier blocks. Returns the
 * divergence. */
static LwDivergence
drive_to_divergence (const LwModelConfig *c, guint max_steps)
{
  g_autoptr (LwModel) m = model_new (c);
  Data *d = data_for (m, 8);
  LwDivergence found = { 0 };

  for (guint step = 0; step < max_steps && found.what == LW_DIVERGED_NONE; step++)
    {
      g_autofree float *before = params_copy (m), *after = NULL;
      LwStepStats st;

      lw_model_train_step (m, batch_x (d, step % 8), batch_y (d, step % 8), d->batch, &st);
      after = params_copy (m);
      assert_all_finite (after, lw_model_copy_params (m, NULL));
      if (st.diverged.what == LW_DIVERGED_NONE)
        continue;
      found = st.diverged;
      g_assert_cmpuint (found.block, <=, lw_model_n_blocks (m));
      g_assert_true (parts_equal_from (m, before, after,
                                       c->loss == LW_LOSS_BP ? 0 : found.block));
      if (found.block < lw_model_n_blocks (m))
        g_assert_cmpint (found.what, ==, st.block[found.block].diverged.what);
    }
  g_assert_cmpint (found.what, !=, LW_DIVERGED_NONE);
  g_test_message ("%s %s lr %g: diverged at block %u: %s %s", lw_arch_to_string (c->arch),
                  lw_loss_type_to_string (c->loss), c->lr, found.block,
                  lw_diverged_what_to_string (found.what), found.nan ? "NaN" : "infinite");
  data_free (d);
  return found;
}

static void
test_mlp_huge_lr (void)
{
  LwModelConfig c = mlp_config (LW_LOSS_PREDSIM, LW_OPTIM_SGD, 1e30f);

  drive_to_divergence (&c, 50);
  c.loss = LW_LOSS_BP;
  drive_to_divergence (&c, 50);
  c.loss = LW_LOSS_PRED;
  c.optim = LW_OPTIM_ADAM;
  c.lr = 1e36f;
  drive_to_divergence (&c, 50);
}

/* Every block at a rate of 0, the output layer at 3e38: it is the output
 * layer that diverges, and the step says so. */
static void
test_output_layer_diverges (void)
{
  LwModelConfig c = mlp_config (LW_LOSS_PRED, LW_OPTIM_SGD, 3e38f);
  g_autoptr (LwModel) m = model_new (&c);
  Data *d = data_for (m, 4);
  gboolean seen = FALSE;

  for (guint i = 0; i < lw_model_n_blocks (m); i++)
    lw_model_set_block_lr_mult (m, i, 0.0f);
  for (guint step = 0; step < 20 && !seen; step++)
    {
      g_autofree float *before = params_copy (m), *after = NULL;
      LwStepStats st;

      lw_model_train_step (m, batch_x (d, step % 4), batch_y (d, step % 4), d->batch, &st);
      g_test_message ("step %u: output loss %g, diverged: %s", step, st.loss_out,
                      lw_diverged_what_to_string (st.diverged.what));
      after = params_copy (m);
      assert_all_finite (after, lw_model_copy_params (m, NULL));
      if (st.diverged.what == LW_DIVERGED_NONE)
        continue;
      g_assert_cmpuint (st.diverged.block, ==, lw_model_n_blocks (m));
      g_assert_true (parts_equal_from (m, before, after, lw_model_n_blocks (m)));
      seen = TRUE;
    }
  g_assert_true (seen);
  data_free (d);
}

static void
test_vgg_mini_huge_lr (void)
{
  LwModelConfig c = vgg_mini_config (LW_LOSS_PREDSIM, LW_OPTIM_SGD, 1e30f);

  drive_to_divergence (&c, 30);
  c.loss = LW_LOSS_SIM_BPF;
  drive_to_divergence (&c, 30);
}

/* Diverging batches in a pipeline, whose stages run ahead of each other:
 * the same statistics and weights as the sequential steps, bit for bit,
 * and the batches after them train on. Block 2 gets a rate that makes it
 * diverge mid-pipeline; two inputs are NaN and infinite (block 1). */
static void
test_pipeline_same_as_sequential (void)
{
  LwModelConfig c = mlp_config (LW_LOSS_PREDSIM, LW_OPTIM_SGD, 1e-2f);
  g_autoptr (LwModel) seq = NULL, pip = NULL;
  g_autoptr (LwPipeline) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *a = NULL, *b = NULL;
  enum { N = 12 };
  LwStepStats s1[N], s2[N];
  guint popped = 0, diverged_at[LW_MAX_BLOCKS + 1] = { 0 };
  Data *d;

  c.num_layers = 4;
  seq = model_new (&c);
  pip = model_new (&c);
  lw_model_set_block_lr_mult (seq, 2, 1e34f);
  lw_model_set_block_lr_mult (pip, 2, 1e34f);
  d = data_for (seq, N);
  batch_x (d, 3)[0] = NAN;
  batch_x (d, 8)[7] = INFINITY;
  p = lw_pipeline_new (pip, 3, 2, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < N; i++)
    {
      lw_model_train_step (seq, batch_x (d, i), batch_y (d, i), d->batch, &s1[i]);
      lw_pipeline_push (p, batch_x (d, i), batch_y (d, i), d->batch);
      while (lw_pipeline_in_flight (p) > 3)
        g_assert_true (lw_pipeline_pop (p, &s2[popped++]));
    }
  while (lw_pipeline_pop (p, &s2[popped]))
    popped++;
  g_assert_cmpuint (popped, ==, N);
  g_clear_pointer (&p, lw_pipeline_free);

  for (guint i = 0; i < N; i++)
    {
      g_assert_cmpmem (&s1[i], sizeof s1[i], &s2[i], sizeof s2[i]);
      if (s1[i].diverged.what != LW_DIVERGED_NONE)
        diverged_at[s1[i].diverged.block]++;
    }
  g_assert_cmpuint (s1[3].diverged.what, ==, LW_DIVERGED_LOSS);
  g_assert_cmpuint (s1[3].diverged.block, ==, 0);
  g_assert_cmpuint (s1[8].diverged.block, ==, 0);
  g_assert_cmpuint (diverged_at[2], >, 0);
  a = params_copy (seq);
  b = params_copy (pip);
  g_assert_cmpmem (a, lw_model_copy_params (seq, NULL) * sizeof (float),
                   b, lw_model_copy_params (pip, NULL) * sizeof (float));
  assert_all_finite (a, lw_model_copy_params (seq, NULL));
  data_free (d);
}

/* A checkpoint holds all a model learned: training on from it again
 * repeats the same steps bit for bit (Adam's moments and step counts
 * included), and restoring an empty one changes nothing. */
static void
test_checkpoint_replay (void)
{
  LwModelConfig c = mlp_config (LW_LOSS_PREDSIM, LW_OPTIM_ADAM, 1e-3f);
  g_autoptr (LwModel) m = NULL;
  g_autoptr (LwCheckpoint) cp = NULL;
  g_autofree float *first = NULL, *again = NULL, *at_checkpoint = NULL;
  gsize n;
  Data *d;

  m = model_new (&c);
  d = data_for (m, 6);
  n = lw_model_copy_params (m, NULL);
  cp = lw_checkpoint_new (m);
  g_assert_true (lw_checkpoint_is_empty (cp));
  lw_model_train_step (m, batch_x (d, 0), batch_y (d, 0), d->batch, NULL);
  first = params_copy (m);
  g_assert_false (lw_checkpoint_restore (cp, m));
  again = params_copy (m);
  g_assert_cmpmem (again, n * sizeof (float), first, n * sizeof (float));
  g_clear_pointer (&first, g_free);
  g_clear_pointer (&again, g_free);

  for (guint i = 1; i < 3; i++)
    lw_model_train_step (m, batch_x (d, i), batch_y (d, i), d->batch, NULL);
  lw_checkpoint_take (cp, m);
  at_checkpoint = params_copy (m);
  for (guint i = 3; i < 6; i++)
    lw_model_train_step (m, batch_x (d, i), batch_y (d, i), d->batch, NULL);
  first = params_copy (m);

  g_assert_true (lw_checkpoint_restore (cp, m));
  again = params_copy (m);
  g_assert_cmpmem (again, n * sizeof (float), at_checkpoint, n * sizeof (float));
  g_clear_pointer (&again, g_free);
  for (guint i = 3; i < 6; i++)
    lw_model_train_step (m, batch_x (d, i), batch_y (d, i), d->batch, NULL);
  again = params_copy (m);
  g_assert_cmpmem (again, n * sizeof (float), first, n * sizeof (float));
  data_free (d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/divergence/param/gradient-nan", test_param_gradient_nan);
  g_test_add_func ("/engine/divergence/param/weight-overflow", test_param_weight_overflow);
  g_test_add_func ("/engine/divergence/param/adam-moment-overflow", test_param_adam_moment_overflow);
  g_test_add_func ("/engine/divergence/mlp/nan-input", test_mlp_nan_input);
  g_test_add_func ("/engine/divergence/vgg-mini/nan-input", test_vgg_mini_nan_input);
  g_test_add_func ("/engine/divergence/mlp/huge-lr", test_mlp_huge_lr);
  g_test_add_func ("/engine/divergence/vgg-mini/huge-lr", test_vgg_mini_huge_lr);
  g_test_add_func ("/engine/divergence/output-layer", test_output_layer_diverges);
  g_test_add_func ("/engine/divergence/pipeline", test_pipeline_same_as_sequential);
  g_test_add_func ("/engine/checkpoint/replay", test_checkpoint_replay);
  return g_test_run ();
}
