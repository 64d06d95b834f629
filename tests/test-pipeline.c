/* test-pipeline.c: layer-parallel training gives the same results as the
 * one-block-after-another step, bit for bit, through live-control
 * changes; bad stage counts are refused; batches move without
 * allocating. */
#include <math.h>
#include <string.h>

#include "engine/lw-gemm.h"
#include "engine/lw-model-private.h"
#include "engine/lw-pipeline.h"
#include "engine/lw-rng.h"
#include "synthetic-data.h"
#include "alloc-counter.h"

#define CLASSES SYNTHETIC_CLASSES

/* Batch b's size: the last one of each "epoch" of 50 is short, as a real
 * epoch's last batch may be. */
static guint
batch_count (const Data *d, guint b)
{
  return b % 50 == 49 ? d->batch / 2 + 1 : d->batch;
}

/* Live-control changes, applied before the batch they name. */
typedef enum { SET_LR, SET_LOSS, SET_BETA, SET_DROPOUT, SET_MULT, SET_FREEZE, SET_NO_DETACH } What;

typedef struct {
  guint at;
  What what;
  float value;
  guint block;
} Change;

static const Change changes[] = {
  { 20, SET_LR, 1e-3f, 0 },
  { 40, SET_DROPOUT, 0.2f, 0 },
  { 60, SET_LOSS, LW_LOSS_SIM, 0 },
  { 80, SET_MULT, 0.25f, 1 },
  { 100, SET_LOSS, LW_LOSS_BP, 0 },          /* runs whole on the caller's thread */
  { 103, SET_LOSS, LW_LOSS_PREDSIM_BPF, 0 },
  { 110, SET_NO_DETACH, 1.0f, 0 },           /* runs whole too */
  { 120, SET_NO_DETACH, 0.0f, 0 },
  { 130, SET_FREEZE, 1.0f, 0 },
  { 150, SET_LOSS, LW_LOSS_PRED, 0 },
  { 170, SET_BETA, 0.5f, 0 },
  { 171, SET_LOSS, LW_LOSS_PREDSIM, 0 },
  { 190, SET_FREEZE, 0.0f, 0 },
  { 200, SET_LR, 3e-4f, 0 },
  { 201, SET_DROPOUT, 0.0f, 0 },
  { 230, SET_LOSS, LW_LOSS_SIM_BPF, 0 },
  { 250, SET_LOSS, LW_LOSS_PREDSIM, 0 },
};

static void
apply_changes (LwModel *m, guint b)
{
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      const Change *c = &changes[i];

      if (c->at != b)
        continue;
      switch (c->what)
        {
        case SET_LR: lw_model_set_lr (m, c->value); break;
        case SET_LOSS: lw_model_set_loss (m, (LwLossType) c->value); break;
        case SET_BETA: lw_model_set_beta (m, c->value); break;
        case SET_DROPOUT: lw_model_set_dropout (m, c->value); break;
        case SET_MULT: lw_model_set_block_lr_mult (m, c->block, c->value); break;
        case SET_FREEZE: lw_model_set_block_frozen (m, c->block, c->value != 0.0f); break;
        case SET_NO_DETACH: lw_model_set_no_detach (m, c->value != 0.0f); break;
        default: g_assert_not_reached ();
        }
    }
}

typedef struct {
  LwStepStats *stats;         /* one per batch */
  float *params;
  gsize n_params;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_free (o->stats);
  g_free (o->params);
}

static LwModel *
model_for (const LwModelConfig *config)
{
  g_autoptr (GError) error = NULL;
  LwModel *m = lw_model_new (config, &error);

  g_assert_no_error (error);
  return m;
}

static void
take_params (LwModel *m, Outcome *o)
{
  o->n_params = lw_model_copy_params (m, NULL);
  o->params = g_new (float, o->n_params);
  lw_model_copy_params (m, o->params);
}

static void
run_sequential (const LwModelConfig *config, const Data *d, int threads, Outcome *o)
{
  g_autoptr (LwModel) m = model_for (config);
  const int saved = lw_blas_get_threads ();

  lw_blas_set_threads (threads);
  o->stats = g_new0 (LwStepStats, d->n_batches);
  for (guint b = 0; b < d->n_batches; b++)
    {
      apply_changes (m, b);
      lw_model_train_step (m, d->x + (gsize) b * d->batch * d->in, d->y + (gsize) b * d->batch,
                           batch_count (d, b), &o->stats[b]);
    }
  lw_blas_set_threads (saved);
  take_params (m, o);
}

/* warmup sequential steps first, so the stages balance on measured costs. */
static void
run_pipeline (const LwModelConfig *config, const Data *d, guint stages, guint threads,
              guint warmup, Outcome *o, guint *allocations)
{
  g_autoptr (LwModel) m = model_for (config);
  g_autoptr (GError) error = NULL;
  LwPipeline *p;
  guint popped = 0;

  o->stats = g_new0 (LwStepStats, d->n_batches);
  for (guint b = 0; b < warmup; b++, popped++)
    {
      apply_changes (m, b);
      lw_model_train_step (m, d->x + (gsize) b * d->batch * d->in, d->y + (gsize) b * d->batch,
                           batch_count (d, b), &o->stats[b]);
    }
  p = lw_pipeline_new (m, stages, threads, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lw_pipeline_n_stages (p), ==, stages);
  g_assert_cmpuint (lw_pipeline_n_threads (p), ==, threads);
  for (guint b = warmup; b < d->n_batches; b++)
    {
      if (b == warmup + 10)
        alloc_counter_start ();
      apply_changes (m, b);
      lw_pipeline_push (p, d->x + (gsize) b * d->batch * d->in, d->y + (gsize) b * d->batch,
                        batch_count (d, b));
      if (lw_pipeline_in_flight (p) >= stages)
        g_assert_true (lw_pipeline_pop (p, &o->stats[popped++]));
      if (b == warmup + 60)
        *allocations = alloc_counter_stop ();
    }
  while (lw_pipeline_pop (p, &o->stats[popped]))
    popped++;
  g_assert_cmpuint (popped, ==, d->n_batches);
  g_assert_false (lw_pipeline_pop (p, NULL));
  lw_pipeline_free (p);
  take_params (m, o);
}

static void
assert_same (const Outcome *a, const Outcome *b, guint n_batches)
{
  for (guint i = 0; i < n_batches; i++)
    if (memcmp (&a->stats[i], &b->stats[i], sizeof (LwStepStats)) != 0)
      {
        const LwStepStats *x = &a->stats[i], *y = &b->stats[i];

        for (guint k = 0; k < x->n_blocks; k++)
          g_test_message ("block %u: pred %.9g / %.9g, sim %.9g / %.9g, correct %u / %u", k + 1,
                          x->block[k].loss_pred, y->block[k].loss_pred,
                          x->block[k].loss_sim, y->block[k].loss_sim,
                          x->block[k].correct, y->block[k].correct);
        g_error ("batch %u: statistics differ (loss_out %.9g vs %.9g, correct %u vs %u)",
                 i, x->loss_out, y->loss_out, x->correct_out, y->correct_out);
      }
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_true (memcmp (a->params, b->params, a->n_params * sizeof (float)) == 0);
}

/* The run must actually have learnt and used every head, or identical
 * results would prove little. */
static void
assert_learnt (const Outcome *o, guint n_batches)
{
  double first = 0.0, last = 0.0;

  for (guint i = 0; i < 10; i++)
    {
      first += o->stats[i].loss_out;
      last += o->stats[n_batches - 1 - i].loss_out;
    }
  g_test_message ("output loss: first 10 batches %.4f, last 10 %.4f", first / 10, last / 10);
  g_assert_cmpfloat (last, <, first);
  g_assert_true (isfinite (o->stats[n_batches - 1].block[0].loss_sim));
}

/* The reference is the sequential step on one thread, as each stage
 * runs; the sequential step on two threads gives the same bits too
 * (lw_gemm cuts products by their shape, never by the thread count). */
typedef struct {
  guint stages, threads;
} Shape;

/* Fewer threads than stages: a thread takes whichever stage is ready, so
 * a block runs on different threads from batch to batch (and a conv block
 * borrows each one's workspace); the results must not show it. */
static void
check_schedule (const LwModelConfig *config, const Data *d, const Shape *shapes,
                guint n_shapes)
{
  Outcome seq1 = { 0 }, seq2 = { 0 };

  run_sequential (config, d, 1, &seq1);
  assert_learnt (&seq1, d->n_batches);
  run_sequential (config, d, 2, &seq2);
  assert_same (&seq1, &seq2, d->n_batches);

  for (guint i = 0; i < n_shapes; i++)
    {
      Outcome pipe = { 0 };
      guint allocations = G_MAXUINT;

      run_pipeline (config, d, shapes[i].stages, shapes[i].threads, 5, &pipe, &allocations);
      g_test_message ("%u stages on %u threads: %u batches, identical; "
                      "%u allocations over 50 pushes",
                      shapes[i].stages, shapes[i].threads, d->n_batches, allocations);
      assert_same (&seq1, &pipe, d->n_batches);
      g_assert_cmpuint (allocations, ==, 0);
      outcome_clear (&pipe);
    }
  outcome_clear (&seq1);
  outcome_clear (&seq2);
}

static void
test_mlp_identical (void)
{
  LwModelConfig config;
  const Shape shapes[] = { { 2, 2 }, { 3, 3 }, { 4, 4 }, { 3, 2 }, { 4, 2 }, { 4, 3 }, { 2, 1 } };
  Data *d = data_new (48, 32, 300, 77, 1.2f);

  lw_model_config_init (&config);
  config.in_channels = 1;
  config.in_height = 1;
  config.in_width = 48;
  config.n_classes = CLASSES;
  config.num_layers = 4;
  config.num_hidden = 64;
  config.batch_size = 32;
  config.loss = LW_LOSS_PREDSIM;
  config.nonlin = LW_NONLIN_LEAKY_RELU;
  config.seed = 5;
  check_schedule (&config, d, shapes, G_N_ELEMENTS (shapes));
  data_free (d);
}

static void
test_conv_identical (void)
{
  LwModelConfig config;
  const Shape shapes[] = { { 2, 2 }, { 3, 3 }, { 3, 2 }, { 4, 2 } };
  Data *d = data_new (28 * 28, 16, 270, 77, 1.2f);

  lw_model_config_init (&config);
  config.arch = LW_ARCH_VGG_MINI;
  lw_arch_default_fc (config.arch, &config.num_layers, &config.num_hidden);
  config.num_hidden = 64;
  config.in_channels = 1;
  config.in_height = 28;
  config.in_width = 28;
  config.n_classes = CLASSES;
  config.batch_size = 16;
  config.loss = LW_LOSS_PREDSIM;
  config.seed = 9;
  check_schedule (&config, d, shapes, G_N_ELEMENTS (shapes));
  data_free (d);
}

/* Stages follow measured cost: with one block far wider than the others,
 * it gets a stage of its own. */
static void
test_balance (void)
{
  LwModelConfig config;
  g_autoptr (LwModel) m = NULL;
  g_autoptr (LwPipeline) p = NULL;
  g_autoptr (GError) error = NULL;
  Data *d = data_new (4096, 64, 8, 77, 1.2f);
  guint first, last;

  lw_model_config_init (&config);
  config.in_channels = 1;
  config.in_height = 1;
  config.in_width = 4096;
  config.n_classes = CLASSES;
  config.num_layers = 4;
  config.num_hidden = 64;
  config.batch_size = 64;
  m = model_for (&config);
  /* The first block (4096 -> 64) costs many times the other three
   * (64 -> 64), whatever the timing noise. */
  for (guint b = 0; b < d->n_batches; b++)
    lw_model_train_step (m, d->x + (gsize) b * d->batch * d->in, d->y + (gsize) b * d->batch,
                         d->batch, NULL);
  p = lw_pipeline_new (m, 2, 2, &error);
  g_assert_no_error (error);
  lw_pipeline_stage_blocks (p, 0, &first, &last);
  g_test_message ("2 stages: blocks [%u, %u) and the rest", first, last);
  g_assert_cmpuint (first, ==, 0);
  g_assert_cmpuint (last, ==, 1);
  lw_pipeline_stage_blocks (p, 1, &first, &last);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (last, ==, 4);
  data_free (d);
}

static void
test_bad_stages (void)
{
  LwModelConfig config;
  g_autoptr (LwModel) m = NULL;
  const guint bad[] = { 0, 4, 100 };

  lw_model_config_init (&config);
  config.in_channels = 1;
  config.in_height = 1;
  config.in_width = 8;
  config.n_classes = CLASSES;
  config.num_layers = 3;
  config.num_hidden = 8;
  config.batch_size = 4;
  m = model_for (&config);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (lw_pipeline_new (m, bad[i], 1, &error));
      g_assert_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "1 to 3 stages"));
    }
  for (guint threads = 0; threads <= 4; threads += 4)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (lw_pipeline_new (m, 3, threads, &error));
      g_assert_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "1 to 3 threads"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline/mlp-identical", test_mlp_identical);
  g_test_add_func ("/pipeline/conv-identical", test_conv_identical);
  g_test_add_func ("/pipeline/balance", test_balance);
  g_test_add_func ("/pipeline/bad-stages", test_bad_stages);
  return g_test_run ();
}
