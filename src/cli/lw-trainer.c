/* lw-trainer.c: shuffle (or build class-restricted batches), train on
 * every batch (the last partial one too), test, report. Buffers are
 * allocated once; only the training loop is timed for samples/s. */
#include "lw-trainer.h"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "data/lw-sampler.h"
#include "engine/lw-gemm.h"
#include "engine/lw-pipeline.h"
#include "lw-epoch-table.h"
#include "lw-progress.h"
#include "lw-running-stats.h"

/* Separate streams, so turning augmentation off keeps the sample order. */
enum {
  STREAM_SHUFFLE = 1,
  STREAM_AUGMENT = 2,
};

typedef struct {
  const LwCliOptions *opts;
  const LwDataset *ds;
  LwModel *model;
  LwMetricsCsv *csv;
  FILE *out;
  guint n_blocks;
  float *x;
  guint8 *y;
  LwSampler *sampler;           /* the training batches of each epoch */
  guint32 *test_index;          /* 0 .. n_test-1 */
  LwAugment augment;
  gboolean use_augment;
  LwRng shuffle_rng;            /* as the sampler draws; the epoch's start is in st->pos */
  LwTrainerState *st;           /* position, running statistics, interventions */
  LwTrainerSaveFunc save;
  gpointer save_data;
  guint64 next_checkpoint;      /* step of the next periodic save */
  gboolean stages_described;

  /* The epoch in progress, as its batches' statistics come in. */
  double lr;
  guint n_batches;
  guint64 start_samples;        /* samples_seen when this sitting began the epoch */
  gint64 start;
  LwProgress *progress;

  LwTrainResult *result;
  guint skipped_in_epoch;
  char *first_skip;             /* what the epoch's first dropped step did */
} Trainer;

void
lw_trainer_state_init (LwTrainerState *st, const LwCliOptions *opts, guint n_blocks)
{
  *st = (LwTrainerState) { .pos = { .epoch = 1 }, .last_test_acc = 0.0 };
  lw_rng_init (&st->pos.epoch_shuffle_rng, lw_cli_options_data_seed (opts), STREAM_SHUFFLE);
  lw_rng_init (&st->pos.augment_rng, lw_cli_options_data_seed (opts), STREAM_AUGMENT);
  lw_running_stats_reset (&st->epoch_stats, n_blocks);
  lw_running_stats_reset (&st->window, n_blocks);
  st->interventions = lw_run_interventions_new ();
}

void
lw_trainer_state_clear (LwTrainerState *st)
{
  g_clear_pointer (&st->interventions, g_array_unref);
}

/* Sequential steps before a pipeline starts, so its stages balance on
 * measured costs. */
#define PIPELINE_WARMUP_STEPS 3

static gboolean
write_step_row (Trainer *t, guint epoch, double lr, const LwRunningStats *window, GError **error)
{
  LwMetricsRow row = { .kind = "step", .epoch = epoch, .step = t->st->pos.step,
                       .samples_seen = t->st->pos.samples_seen, .lr = lr };

  lw_metrics_row_from_stats (&row, window);
  row.acc_out = lw_running_stats_acc_out (window);
  return lw_metrics_csv_write_row (t->csv, &row, FALSE, error);
}

/* Output-layer and per-block test accuracy over the whole test set. */
static void
evaluate (Trainer *t, double *block_acc, double *out_acc)
{
  const LwImageSet *test = &t->ds->test;
  guint block_correct[LW_MAX_BLOCKS] = { 0 };
  guint out_correct = 0;
  guint bs = t->opts->batch_size;

  for (guint off = 0; off < test->n; off += bs)
    {
      guint count = MIN (bs, test->n - off);

      lw_dataset_fill_batch (t->ds, test, t->test_index + off, count, NULL, NULL, t->x, t->y);
      lw_model_evaluate (t->model, t->x, t->y, count, block_correct, &out_correct);
    }
  for (guint i = 0; i < t->n_blocks; i++)
    block_acc[i] = test->n ? (double) block_correct[i] / test->n : 0.0;
  *out_acc = test->n ? (double) out_correct / test->n : 0.0;
}

char *
lw_trainer_describe_divergence (const LwDivergence *div, guint n_blocks)
{
  /* The same words as the window's (src/session/lw-worker.c). */
  g_autofree char *part = div->block < n_blocks ? g_strdup_printf (_("block %u"), div->block + 1)
                                                 : g_strdup (_("the output layer"));

  switch (div->what)
    {
    case LW_DIVERGED_LOSS:
      return g_strdup_printf (div->nan ? _("the loss of %s is NaN") : _("the loss of %s is infinite"),
                              part);
    case LW_DIVERGED_GRADIENT:
      return g_strdup_printf (div->nan ? _("the gradient of %s is NaN")
                                       : _("the gradient of %s is infinite"), part);
    case LW_DIVERGED_WEIGHT:
      return g_strdup_printf (div->nan ? _("the update of %s would make a weight NaN")
                                       : _("the update of %s would make a weight infinite"), part);
    case LW_DIVERGED_NONE:
    default:
      g_return_val_if_reached (g_strdup (part));
    }
}

/* A step that diverged was applied up to the block before the one that
 * diverged, and its batch drew from the augmentation stream: in either
 * mode it is counted as a step whose statistics are left out, so that a
 * saved position is the model's. The first one in stop mode also ends
 * training (the pipeline's batches in flight are still counted). */
static void
note_divergence (Trainer *t, const LwStepStats *stats)
{
  LwTrainResult *r = t->result;

  if (!t->opts->skip_divergence && !r->diverged)
    {
      r->diverged = TRUE;
      r->diverged_epoch = t->st->pos.epoch;
      r->diverged_step = t->st->pos.step + 1;
      r->diverged_lr = t->lr;
      r->divergence = stats->diverged;
    }
  r->skipped++;
  if (t->skipped_in_epoch++ == 0)
    {
      g_autofree char *what = lw_trainer_describe_divergence (&stats->diverged, t->n_blocks);

      g_free (t->first_skip);
      t->first_skip = g_strdup_printf (_("step %" PRIu64 ": %s"), t->st->pos.step + 1, what);
    }
}

/* One finished batch: running statistics, the metrics row, progress. */
static gboolean
consume (Trainer *t, const LwStepStats *stats, GError **error)
{
  LwTrainerState *st = t->st;
  double seconds;

  if (stats->diverged.what != LW_DIVERGED_NONE)
    note_divergence (t, stats);
  else
    {
      lw_running_stats_add (&st->epoch_stats, stats);
      lw_running_stats_add (&st->window, stats);
    }
  st->pos.step++;
  st->pos.samples_seen += stats->count;
  st->pos.batch_pos++;

  if (t->csv != NULL
      && (st->pos.step % t->opts->log_every == 0 || st->pos.batch_pos == t->n_batches))
    {
      if (!write_step_row (t, st->pos.epoch, t->lr, &st->window, error))
        return FALSE;
      lw_running_stats_reset (&st->window, t->n_blocks);
    }

  seconds = (g_get_monotonic_time () - t->start) / (double) G_USEC_PER_SEC;
  lw_progress_update (t->progress, st->pos.epoch, t->opts->epochs, st->pos.batch_pos,
                      t->n_batches,
                      seconds > 0 ? (st->pos.samples_seen - t->start_samples) / seconds : 0.0,
                      lw_running_stats_loss_out (&st->epoch_stats),
                      lw_running_stats_acc_out (&st->epoch_stats));
  return TRUE;
}


/* Pops the finished batches of a pipeline until at most keep are in
 * flight. */
static gboolean
drain (Trainer *t, LwPipeline *p, guint keep, GError **error)
{
  LwStepStats stats;

  while (lw_pipeline_in_flight (p) > keep && lw_pipeline_pop (p, &stats))
    if (!consume (t, &stats, error))
      return FALSE;
  return TRUE;
}

/* A periodic save once checkpoint_every more steps are done. The
 * pipeline's batches in flight are finished first, so that the position
 * saved is the model's. */
static gboolean
checkpoint_if_due (Trainer *t, LwPipeline *pipeline, GError **error)
{
  g_autoptr (GError) save_error = NULL;
  guint every = t->opts->checkpoint_every;

  if (t->save == NULL || every == 0 || t->st->pos.step < t->next_checkpoint)
    return TRUE;
  /* FALSE only when a metrics row cannot be written. */
  if (pipeline != NULL && !drain (t, pipeline, 0, error))
    return FALSE;
  if (!t->save (t->st, t->save_data, &save_error))
    {
      lw_progress_clear (t->progress);
      fprintf (stderr, _("layerwise-cli: checkpoint at step %" PRIu64 " not saved: %s\n"),
               t->st->pos.step, save_error->message);
    }
  t->next_checkpoint = (t->st->pos.step / every + 1) * every;
  return TRUE;
}

/* Which blocks each stage got, its share of the measured step, and the
 * threads that run them. */
static void
describe_stages (Trainer *t, const LwPipeline *p)
{
  lw_progress_clear (t->progress);
  /* Not translated, like the table: scripts read it. */
  fprintf (t->out, "pipeline stages:");
  for (guint s = 0; s < lw_pipeline_n_stages (p); s++)
    {
      guint first, last;

      lw_pipeline_stage_blocks (p, s, &first, &last);
      fprintf (t->out, "%s blocks %u-%u%s (%.0f%%)", s ? ";" : "", first + 1, last,
               s + 1 == lw_pipeline_n_stages (p) ? " + output" : "",
               100.0 * lw_pipeline_stage_share (p, s));
    }
  fprintf (t->out, "; on %u thread%s\n", lw_pipeline_n_threads (p),
           lw_pipeline_n_threads (p) == 1 ? "" : "s");
  fflush (t->out);
}

/* The rest of an epoch's training batches; FALSE on a failed write
 * (error set). */
static gboolean
train_epoch (Trainer *t, const volatile sig_atomic_t *stop, LwTrainResult *result,
             GError **error)
{
  const LwImageSet *train = &t->ds->train;
  LwTrainerState *st = t->st;
  g_autoptr (LwPipeline) pipeline = NULL;
  const int threads = lw_blas_get_threads ();
  gboolean ok = TRUE;

  if (t->opts->pipeline)
    lw_blas_set_threads (1);
  /* Batches pushed: ahead of st->pos.batch_pos while a pipeline has
   * batches in flight. */
  for (guint b = st->pos.batch_pos; b < t->n_batches && ok && !result->diverged; b++)
    {
      const guint32 *indices;
      guint count;

      if (*stop)
        {
          result->interrupted = TRUE;
          break;
        }
      count = lw_sampler_next_batch (t->sampler, &t->shuffle_rng, &indices);
      lw_dataset_fill_batch (t->ds, train, indices, count,
                             t->use_augment ? &t->augment : NULL, &st->pos.augment_rng,
                             t->x, t->y);
      if (t->opts->pipeline && pipeline == NULL && st->pos.step >= PIPELINE_WARMUP_STEPS)
        {
          guint stages = t->opts->stages ? t->opts->stages
                                         : lw_pipeline_default_stages (t->n_blocks, threads);

          pipeline = lw_pipeline_new (t->model, stages,
                                      lw_pipeline_default_threads (stages, threads), error);
          if (pipeline == NULL)
            {
              ok = FALSE;
              break;
            }
          if (!t->stages_described)
            {
              describe_stages (t, pipeline);
              t->stages_described = TRUE;
            }
        }
      if (pipeline != NULL)
        {
          lw_pipeline_push (pipeline, t->x, t->y, count);
          ok = drain (t, pipeline, lw_pipeline_n_stages (pipeline), error);
        }
      else
        {
          LwStepStats stats;

          lw_model_train_step (t->model, t->x, t->y, count, &stats);
          ok = consume (t, &stats, error);
        }
      if (ok)
        ok = checkpoint_if_due (t, pipeline, error);
    }
  if (pipeline != NULL && ok)
    ok = drain (t, pipeline, 0, error);
  g_clear_pointer (&pipeline, lw_pipeline_free);
  lw_blas_set_threads (threads);
  return ok;
}

/* Starts st->pos.epoch where it stands: its sampler order drawn again
 * from the stream as the epoch began, the batches already trained
 * skipped. */
static void
enter_epoch (Trainer *t)
{
  const guint32 *indices;

  t->shuffle_rng = t->st->pos.epoch_shuffle_rng;
  lw_sampler_begin_epoch (t->sampler, t->st->pos.epoch, &t->shuffle_rng);
  for (guint b = 0; b < t->st->pos.batch_pos; b++)
    lw_sampler_next_batch (t->sampler, &t->shuffle_rng, &indices);
}

gboolean
lw_trainer_run (const LwCliOptions *opts, const LwDataset *ds, LwModel *model,
                LwTrainerState *st, LwMetricsCsv *csv, LwTrainerSaveFunc save,
                gpointer save_data, const volatile sig_atomic_t *stop, FILE *out,
                LwTrainResult *result, GError **error)
{
  const LwImageSet *train = &ds->train;
  guint bs = opts->batch_size;
  Trainer t = { .opts = opts, .ds = ds, .model = model, .csv = csv, .out = out, .st = st,
                .save = save, .save_data = save_data, .result = result };
  LwProgress progress;
  gboolean ok = TRUE;

  g_return_val_if_fail (train->n > 0 && ds->test.n > 0, FALSE);

  *result = (LwTrainResult) { .epochs_done = st->pos.epoch - 1,
                              .test_acc_out = st->last_test_acc };
  t.n_blocks = lw_model_n_blocks (model);
  t.x = g_new (float, (gsize) bs * lw_model_input_size (model));
  t.y = g_new (guint8, bs);
  t.sampler = lw_sampler_new (train->labels, train->n, ds->n_classes, bs,
                              opts->classes_per_batch, opts->classes_per_batch_until_epoch);
  t.n_batches = lw_sampler_n_batches (t.sampler);
  t.progress = &progress;
  t.test_index = g_new (guint32, ds->test.n);
  for (guint i = 0; i < ds->test.n; i++)
    t.test_index[i] = i;
  if (opts->checkpoint_every > 0)
    t.next_checkpoint = (st->pos.step / opts->checkpoint_every + 1) * opts->checkpoint_every;

  t.augment = ds->augment;
  if (opts->no_augment)
    {
      t.augment.crop_pad = 0;
      t.augment.hflip = FALSE;
    }
  if (opts->cutout > 0)
    t.augment.cutout = opts->cutout;
  t.use_augment = t.augment.crop_pad > 0 || t.augment.hflip || t.augment.cutout > 0;

  lw_progress_init (&progress, stderr);
  lw_epoch_table_print_header (out, t.n_blocks);

  while (st->pos.epoch <= opts->epochs && ok && !result->interrupted)
    {
      guint epoch = st->pos.epoch;
      double lr = lw_cli_options_lr_at_epoch (opts, epoch);
      double block_acc[LW_MAX_BLOCKS], out_acc, seconds;
      gint64 start;

      lw_model_set_lr (model, (float) lr);
      /* Said once, as the epoch begins (not again when resumed within it). */
      if (st->pos.batch_pos == 0 && epoch > 1 && lr != lw_cli_options_lr_at_epoch (opts, epoch - 1))
        {
          /* The run file keeps the English label; the terminal gets the user's. */
          g_autofree char *label = g_strdup_printf ("learning rate %g from epoch %u", lr, epoch);

          fprintf (out, _("learning rate %g from epoch %u\n"), lr, epoch);
          lw_run_interventions_add (st->interventions, st->pos.samples_seen,
                                    LW_CLI_INTERVENTION_LR, label);
        }
      enter_epoch (&t);
      if (st->pos.batch_pos == 0 && epoch > 1 && opts->classes_per_batch > 0
          && epoch == opts->classes_per_batch_until_epoch + 1)
        {
          g_autofree char *label = g_strdup_printf ("plain shuffled batches from epoch %u", epoch);

          fprintf (out, _("plain shuffled batches from epoch %u\n"), epoch);
          lw_run_interventions_add (st->interventions, st->pos.samples_seen,
                                    LW_CLI_INTERVENTION_PLAIN_BATCHES, label);
        }
      if (st->pos.batch_pos == 0)
        {
          lw_running_stats_reset (&st->epoch_stats, t.n_blocks);
          lw_running_stats_reset (&st->window, t.n_blocks);
        }

      t.lr = lr;
      t.start_samples = st->pos.samples_seen;
      t.skipped_in_epoch = 0;
      t.start = start = g_get_monotonic_time ();
      ok = train_epoch (&t, stop, result, error);
      seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      lw_progress_clear (&progress);
      if (!ok || result->interrupted || result->diverged)
        break;

      evaluate (&t, block_acc, &out_acc);
      lw_epoch_table_print_line (out, epoch, &st->epoch_stats, block_acc, out_acc,
                                 seconds > 0 ? (st->pos.samples_seen - t.start_samples) / seconds
                                             : 0.0,
                                 seconds);
      fflush (out);
      result->epochs_done = epoch;
      result->test_acc_out = st->last_test_acc = out_acc;
      if (t.skipped_in_epoch > 0)
        /* Translators: how many steps, the epoch, then e.g. "step 12: the loss of block 2 is NaN". */
        fprintf (out, g_dngettext (GETTEXT_PACKAGE,
                                   "skipped %u step that diverged in epoch %u (the first, %s)\n",
                                   "skipped %u steps that diverged in epoch %u (the first, %s)\n",
                                   t.skipped_in_epoch),
                 t.skipped_in_epoch, epoch, t.first_skip);

      if (csv != NULL)
        {
          LwMetricsRow row = { .kind = "epoch", .epoch = epoch, .step = st->pos.step,
                               .samples_seen = st->pos.samples_seen, .lr = lr,
                               .acc_out = out_acc };

          lw_metrics_row_from_stats (&row, &st->epoch_stats);
          for (guint i = 0; i < t.n_blocks; i++)
            row.acc[i] = block_acc[i];
          ok = lw_metrics_csv_write_row (csv, &row, TRUE, error);
        }
      /* The next epoch starts from the stream as this one left it. */
      st->pos.epoch = epoch + 1;
      st->pos.batch_pos = 0;
      st->pos.epoch_shuffle_rng = t.shuffle_rng;
      if (*stop && epoch < opts->epochs)
        result->interrupted = TRUE;
    }

  g_free (t.first_skip);
  g_free (t.x);
  g_free (t.y);
  lw_sampler_free (t.sampler);
  g_free (t.test_index);
  return ok;
}
