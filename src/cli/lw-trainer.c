/* lw-trainer.c: train on every batch of each epoch (the last partial one
 * too), test, report. Buffers are allocated once; only the training loop
 * is timed for samples/s. */
#include "lw-trainer.h"

#include "engine/lw-gemm.h"
#include "engine/lw-pipeline.h"
#include "lw-batches.h"
#include "lw-report.h"

typedef struct {
  const LwCliOptions *opts;
  LwModel *model;
  guint n_blocks;
  float *x;
  guint8 *y;
  LwBatches *batches;
  LwReport report;
} Trainer;

/* Output-layer and per-block test accuracy over the whole test set. */
static void
evaluate (Trainer *t, double *block_acc, double *out_acc)
{
  guint block_correct[LW_MAX_BLOCKS] = { 0 };
  guint out_correct = 0, n = 0;

  for (guint b = 0; b < lw_batches_n_test (t->batches); b++)
    {
      guint count = lw_batches_test (t->batches, b, t->x, t->y);

      lw_model_evaluate (t->model, t->x, t->y, count, block_correct, &out_correct);
      n += count;
    }
  for (guint i = 0; i < t->n_blocks; i++)
    block_acc[i] = n ? (double) block_correct[i] / n : 0.0;
  *out_acc = n ? (double) out_correct / n : 0.0;
}

/* Pops the finished batches of a pipeline until at most keep are in
 * flight. */
static gboolean
drain (Trainer *t, LwPipeline *p, guint keep, GError **error)
{
  LwStepStats stats;

  while (lw_pipeline_in_flight (p) > keep && lw_pipeline_pop (p, &stats))
    if (!lw_report_step (&t->report, &stats, error))
      return FALSE;
  return TRUE;
}

/* Which blocks each stage got, and its share of the measured step. */
static void
describe_stages (Trainer *t, const LwPipeline *p)
{
  FILE *out = t->report.out;

  lw_progress_clear (&t->report.progress);
  fprintf (out, "pipeline stages:");
  for (guint s = 0; s < lw_pipeline_n_stages (p); s++)
    {
      guint first, last;

      lw_pipeline_stage_blocks (p, s, &first, &last);
      fprintf (out, "%s blocks %u-%u%s (%.0f%%)", s ? ";" : "", first + 1, last,
               s + 1 == lw_pipeline_n_stages (p) ? " + output" : "",
               100.0 * lw_pipeline_stage_share (p, s));
    }
  fprintf (out, "\n");
  fflush (out);
}

/* One epoch's training batches; FALSE on a failed write (error set). */
static gboolean
train_epoch (Trainer *t, const volatile sig_atomic_t *stop, LwTrainResult *result,
             GError **error)
{
  g_autoptr (LwPipeline) pipeline = NULL;
  const int threads = lw_blas_get_threads ();
  guint n_batches = lw_batches_n_train (t->batches);
  gboolean ok = TRUE;

  if (t->opts->pipeline)
    lw_blas_set_threads (1);
  for (guint b = 0; b < n_batches && ok; b++)
    {
      guint count;

      if (*stop)
        {
          result->interrupted = TRUE;
          break;
        }
      count = lw_batches_next_train (t->batches, t->x, t->y);
      if (t->opts->pipeline && pipeline == NULL && t->report.step >= LW_TRAINER_WARMUP_STEPS)
        {
          guint stages = t->opts->stages ? t->opts->stages : MIN ((guint) threads, t->n_blocks);

          pipeline = lw_pipeline_new (t->model, stages, error);
          if (pipeline == NULL)
            {
              ok = FALSE;
              break;
            }
          if (t->report.epoch == 1)
            describe_stages (t, pipeline);
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
          ok = lw_report_step (&t->report, &stats, error);
        }
    }
  if (pipeline != NULL && ok)
    ok = drain (t, pipeline, 0, error);
  g_clear_pointer (&pipeline, lw_pipeline_free);
  lw_blas_set_threads (threads);
  return ok;
}

gboolean
lw_trainer_run (const LwCliOptions *opts, const LwDataset *ds, LwModel *model,
                LwMetricsCsv *csv, const volatile sig_atomic_t *stop, FILE *out,
                LwTrainResult *result, GError **error)
{
  guint bs = opts->batch_size;
  Trainer t = { .opts = opts, .model = model };
  gboolean ok = TRUE;

  g_return_val_if_fail (ds->train.n > 0 && ds->test.n > 0, FALSE);

  *result = (LwTrainResult) { 0 };
  t.n_blocks = lw_model_n_blocks (model);
  t.x = g_new (float, (gsize) bs * lw_model_input_size (model));
  t.y = g_new (guint8, bs);
  t.batches = lw_batches_new (opts, ds);
  lw_report_init (&t.report, opts, csv, out, t.n_blocks, lw_batches_n_train (t.batches));
  lw_report_print_table_header (&t.report);

  for (guint epoch = 1; epoch <= opts->epochs && ok && !result->interrupted; epoch++)
    {
      double block_acc[LW_MAX_BLOCKS], out_acc, seconds;

      lw_model_set_lr (model, (float) lw_cli_options_lr_at_epoch (opts, epoch));
      lw_batches_begin_epoch (t.batches, epoch);
      lw_report_begin_epoch (&t.report, epoch);
      ok = train_epoch (&t, stop, result, error);
      seconds = lw_report_end_training (&t.report);
      if (!ok || result->interrupted)
        break;

      evaluate (&t, block_acc, &out_acc);
      ok = lw_report_end_epoch (&t.report, seconds, block_acc, out_acc, error);
      result->epochs_done = epoch;
      result->test_acc_out = out_acc;
      if (*stop && epoch < opts->epochs)
        result->interrupted = TRUE;
    }

  g_free (t.x);
  g_free (t.y);
  lw_batches_free (t.batches);
  return ok;
}
