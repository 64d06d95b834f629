/* lw-run.c: the training loop of lw-trainer.c cut into single steps, with
 * the curves recorded as it goes. */
#include "config.h"

#include "lw-run.h"

#include <glib/gi18n-lib.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "engine/lw-gemm.h"
#include "lw-label.h"

/* Separate streams, so turning augmentation off keeps the sample order. */
enum {
  STREAM_SHUFFLE = 1,
  STREAM_AUGMENT = 2,
};

/* Sequential steps before a pipeline is made, so its stages balance on
 * measured costs. */
#define PIPELINE_WARMUP_STEPS 3

/* probe_n test samples, an equal share per class (the first classes get
 * the remainder), each class's first ones in test-set order: the same
 * probe for every run on a dataset, and block structure shows on the
 * similarity matrices. */
static guint
pick_probe (const LwDataset *ds, guint want, guint32 *out)
{
  const LwImageSet *test = &ds->test;
  guint C = ds->n_classes;
  guint n = 0;

  for (guint c = 0; c < C && n < want; c++)
    {
      guint quota = want / C + (c < want % C ? 1 : 0);

      for (guint i = 0; i < test->n && quota > 0; i++)
        if (test->labels[i] == c)
          {
            out[n++] = i;
            quota--;
          }
    }
  return n;
}

LwRun *
lw_run_new (const LwDataset *ds, const LwRunSettings *settings, guint run_id, GError **error)
{
  g_autoptr(LwModel) model = NULL;
  LwModelConfig config = settings->model;
  LwRun *r;

  g_return_val_if_fail (ds->train.n > 0 && ds->test.n > 0, NULL);

  if (settings->classes_per_batch > ds->n_classes)
    {
      g_set_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID,
                   _("%u classes per batch is more than the %u classes of %s"),
                   settings->classes_per_batch, ds->n_classes, ds->name);
      return NULL;
    }
  if (settings->classes_per_batch > config.batch_size)
    {
      g_set_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID,
                   _("%u classes per batch is more than the batch size %u"),
                   settings->classes_per_batch, config.batch_size);
      return NULL;
    }
  config.in_channels = ds->channels;
  config.in_height = ds->height;
  config.in_width = ds->width;
  config.n_classes = ds->n_classes;
  model = lw_model_new (&config, error);
  if (model == NULL)
    return NULL;

  r = g_new0 (LwRun, 1);
  r->ds = ds;
  r->model = g_steal_pointer (&model);
  r->n_blocks = lw_model_n_blocks (r->model);
  r->input_size = lw_model_input_size (r->model);
  r->batch_size = config.batch_size;
  r->max_epochs = settings->max_epochs;
  r->eval_every = settings->eval_every;
  r->eval_samples = MIN (settings->eval_samples, ds->test.n);

  r->x = g_new (float, (gsize) r->batch_size * r->input_size);
  r->y = g_new (guint8, r->batch_size);
  r->sampler = lw_sampler_new (ds->train.labels, ds->train.n, ds->n_classes, r->batch_size,
                               settings->classes_per_batch,
                               settings->classes_per_batch_until_epoch);
  r->test_order = g_new (guint32, ds->test.n);
  for (guint i = 0; i < ds->test.n; i++)
    r->test_order[i] = i;

  if (settings->augment)
    r->augment = ds->augment;
  r->use_augment = r->augment.crop_pad > 0 || r->augment.hflip || r->augment.cutout > 0;
  lw_rng_init (&r->shuffle_rng, lw_run_settings_data_seed (settings), STREAM_SHUFFLE);
  lw_rng_init (&r->augment_rng, lw_run_settings_data_seed (settings), STREAM_AUGMENT);

  /* The similarity matrices go through the model's batch buffers. */
  r->probe_index = g_new (guint32, MAX (r->batch_size, 1));
  r->probe_n = pick_probe (ds, MIN (MIN (settings->probe_n, r->batch_size), ds->test.n),
                           r->probe_index);
  r->probe_x = g_new (float, (gsize) MAX (r->probe_n, 1) * r->input_size);
  r->probe_y = g_new (guint8, MAX (r->probe_n, 1));
  if (r->probe_n > 0)
    lw_dataset_fill_batch (ds, &ds->test, r->probe_index, r->probe_n, NULL, NULL,
                           r->probe_x, r->probe_y);

  lw_schedule_probe_start (&r->probe, PIPELINE_WARMUP_STEPS);
  r->schedule = settings->schedule;
  r->stages = settings->stages;
  r->threads = settings->threads > 0 ? settings->threads : (int) g_get_num_processors ();

  r->n_batches = lw_sampler_n_batches (r->sampler);
  r->epoch = 1;
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    r->block_lr_mult[i] = 1.0f;
  for (guint i = 0; i <= LW_MAX_BLOCKS; i++)
    r->last_train_acc[i] = r->last_test_acc[i] = NAN;
  r->lr_schedule = settings->lr_schedule;
  r->lr_base = config.lr;

  lw_recent_init (&r->window, r->n_blocks);
  lw_rate_init (&r->rate);
  r->history = lw_history_new (run_id, r->n_blocks + 1);
  lw_run_update_title (r);
  return r;
}

void
lw_run_free (LwRun *r)
{
  if (r == NULL)
    return;
  /* The batches in flight are dropped, not finished: within one block. */
  if (r->pipeline != NULL && lw_pipeline_in_flight (r->pipeline) > 0)
    lw_pipeline_halt (r->pipeline);
  g_clear_pointer (&r->pipeline, lw_pipeline_free);
  lw_step_cursor_clear (&r->cursor);
  lw_model_free (r->model);
  g_free (r->x);
  g_free (r->y);
  lw_sampler_free (r->sampler);
  g_free (r->test_order);
  g_free (r->probe_index);
  g_free (r->probe_x);
  g_free (r->probe_y);
  lw_history_free (r->history);
  g_free (r);
}

void
lw_run_update_title (LwRun *r)
{
  const LwModelConfig *cfg = lw_model_get_config (r->model);
  char lr[32];

  /* Runs with and without no-detach side by side are that switch's
   * experiment: the name says which is which (bp ignores it). */
  g_snprintf (r->history->title, sizeof r->history->title,
              cfg->no_detach && cfg->loss != LW_LOSS_BP
              /* Translators: a run's name: its loss type and learning rate; then
               * with local errors reaching the blocks below (the reference's
               * --no-detach). */
              ? _("%s, lr %s, no detach") : _("%s, lr %s"),
              lw_loss_type_to_string (cfg->loss), lw_label_number (lr, sizeof lr, cfg->lr));
}

gboolean
lw_run_set_lr_schedule (LwRun *r, const LwLrSchedule *schedule)
{
  g_autofree char *list = NULL;
  char factor[32];

  if (lw_lr_schedule_equal (&r->lr_schedule, schedule))
    return FALSE;
  r->lr_schedule = *schedule;
  lw_label_number (factor, sizeof factor, (float) schedule->factor);
  if (schedule->n_milestones == 0)
    lw_history_add_mark (r->history, LW_MARK_LR, r->samples_pushed, "%s",
                         _("no lr milestones"));
  else
    {
      /* "1, 2", not "1,2": in German that reads as the number 1.2. */
      list = lw_lr_schedule_milestones_list (schedule);
      /* Translators: a mark: the rate's factor, and the epochs after which it applies. */
      lw_history_add_mark (r->history, LW_MARK_LR, r->samples_pushed, _("lr ×%s after %s"),
                           factor, list);
    }
  return TRUE;
}

guint
lw_run_next_milestone (const LwRun *r)
{
  guint next = r->finished ? 0 : lw_lr_schedule_next (&r->lr_schedule, r->epoch);

  /* One at or after the run's last epoch never applies: the run ends first. */
  return r->max_epochs > 0 && next >= r->max_epochs ? 0 : next;
}

/* An epoch after a milestone begins: the live rate times the factor, with
 * a mark. The pipeline is empty here (drained at the epoch's end), and the
 * next batch pushed takes the new rate. */
static void
apply_milestones (LwRun *r)
{
  guint steps = lw_lr_schedule_steps_at (&r->lr_schedule, r->epoch);
  double lr = lw_model_get_config (r->model)->lr;
  char num[32], factor[32];

  if (steps == 0)
    return;
  for (guint k = 0; k < steps; k++)
    lr *= r->lr_schedule.factor;
  /* A rate that small is as good as none; it stays as it is. */
  if ((float) lr < FLT_MIN)
    return;
  lw_model_set_lr (r->model, (float) lr);
  lw_label_number (num, sizeof num, (float) lr);
  lw_label_number (factor, sizeof factor, (float) r->lr_schedule.factor);
  /* Translators: a mark: the new rate and the factor of a milestone of the schedule. */
  lw_history_add_mark (r->history, LW_MARK_LR, r->samples_pushed, _("lr %s (×%s, milestone)"),
                       num, factor);
}

/* Accuracy of every block and the output on the first n test samples,
 * into acc (n_blocks + 1). */
static void
evaluate (LwRun *r, guint n, float *acc)
{
  const LwImageSet *test = &r->ds->test;
  guint block_correct[LW_MAX_BLOCKS] = { 0 };
  guint out_correct = 0;

  for (guint off = 0; off < n; off += r->batch_size)
    {
      guint count = MIN (r->batch_size, n - off);

      lw_dataset_fill_batch (r->ds, test, r->test_order + off, count, NULL, NULL, r->x, r->y);
      lw_model_evaluate (r->model, r->x, r->y, count, block_correct, &out_correct);
    }
  for (guint i = 0; i < r->n_blocks; i++)
    acc[i] = (float) block_correct[i] / n;
  acc[r->n_blocks] = (float) out_correct / n;
}

static void
record_test (LwRun *r, guint n, LwCurve curve)
{
  float acc[LW_MAX_BLOCKS + 1];

  if (n == 0)
    return;
  lw_run_hold_model (r);
  evaluate (r, n, acc);
  lw_run_release_model (r);
  for (guint l = 0; l <= r->n_blocks; l++)
    {
      lw_history_add (r->history, l, curve, (double) r->samples_seen, acc[l]);
      r->last_test_acc[l] = acc[l];
    }
}

static void
record_train (LwRun *r)
{
  double x = (double) r->samples_seen;

  for (guint l = 0; l <= r->n_blocks; l++)
    {
      r->last_train_acc[l] = lw_recent_acc (&r->window, l);
      lw_history_add (r->history, l, LW_CURVE_TRAIN_ACC, x, r->last_train_acc[l]);
      lw_history_add (r->history, l, LW_CURVE_LOSS_PRED, x, lw_recent_loss_pred (&r->window, l));
      if (l < r->n_blocks)
        lw_history_add (r->history, l, LW_CURVE_LOSS_SIM, x, lw_recent_loss_sim (&r->window, l));
    }
}

/* One finished batch into the running statistics and the curves. */
static void
record_step (LwRun *r, const LwStepStats *stats)
{
  r->step++;
  r->samples_seen += stats->count;
  /* A diverged step applied nothing beyond the part named: it is not a
   * point on the curves. The first one stays for the worker to report. */
  if (stats->diverged.what != LW_DIVERGED_NONE)
    {
      if (r->diverged.what == LW_DIVERGED_NONE)
        {
          r->diverged = stats->diverged;
          r->diverged_step = r->step;
        }
      return;
    }
  lw_recent_add (&r->window, stats);
  record_train (r);
}

/* Records the pipeline's finished batches until at most keep are in
 * flight (waiting for them as needed), or until it halts. */
static void
drain (LwRun *r, guint keep)
{
  LwStepStats stats;

  while (lw_pipeline_in_flight (r->pipeline) > keep && lw_pipeline_pop (r->pipeline, &stats))
    record_step (r, &stats);
}

/* Every batch in the pipeline through and recorded, whatever the stop
 * flag says. */
static void
finish_pipeline (LwRun *r)
{
  if (r->pipeline == NULL || lw_pipeline_in_flight (r->pipeline) == 0)
    return;
  lw_pipeline_resume (r->pipeline, TRUE);
  drain (r, 0);
}

static gboolean complete_step (LwRun *r, gboolean stoppable);

void
lw_run_sync (LwRun *r)
{
  if (r->step_open)
    complete_step (r, FALSE);
  finish_pipeline (r);
}

void
lw_run_set_stop (LwRun *r, const LwStopFlag *stop)
{
  r->stop = stop;
  if (r->pipeline != NULL)
    lw_pipeline_set_stop (r->pipeline, stop);
}

gboolean
lw_run_stopped (const LwRun *r)
{
  return r->step_open || r->cursor.open
         || (r->pipeline != NULL && lw_pipeline_halted (r->pipeline));
}

void
lw_run_halt (LwRun *r)
{
  if (r->pipeline == NULL)
    return;
  lw_pipeline_halt (r->pipeline);
  drain (r, 0);
}

gboolean
lw_run_go_on (LwRun *r)
{
  if (r->pipeline != NULL)
    lw_pipeline_resume (r->pipeline, FALSE);
  if (r->step_open)
    return complete_step (r, TRUE);
  return r->finished;
}

void
lw_run_drain (LwRun *r)
{
  if (r->pipeline != NULL)
    drain (r, 0);
}

double
lw_run_finish_cost (LwRun *r)
{
  double cost[LW_MAX_BLOCKS + 1], total = 0.0, left = 0.0;
  guint batches, after = lw_run_stopped_after (r, &batches);

  lw_model_block_costs (r->model, cost);
  for (guint i = 0; i <= r->n_blocks; i++)
    {
      if (cost[i] <= 0.0)
        return INFINITY;
      total += cost[i];
      if (i >= after)
        left += cost[i];
    }
  if (r->cursor.open)
    return left;
  return r->pipeline != NULL ? total * batches / lw_pipeline_n_threads (r->pipeline) : 0.0;
}

guint
lw_run_stopped_after (const LwRun *r, guint *batches)
{
  *batches = 0;
  if (r->cursor.open)
    {
      *batches = 1;
      return r->cursor.next;
    }
  if (r->pipeline != NULL && lw_pipeline_in_flight (r->pipeline) > 0)
    {
      *batches = lw_pipeline_in_flight (r->pipeline);
      return lw_pipeline_oldest_progress (r->pipeline);
    }
  return 0;
}

LwModel *
lw_run_hold_model (LwRun *r)
{
  if (r->pipeline != NULL)
    {
      drain (r, 0);
      lw_blas_set_threads (r->threads);
    }
  return r->model;
}

void
lw_run_release_model (LwRun *r)
{
  if (r->pipeline != NULL)
    lw_blas_set_threads (1);
}

void
lw_run_set_schedule (LwRun *r, LwSchedule schedule, guint stages)
{
  if (schedule == r->schedule && stages == r->stages)
    return;
  r->schedule = schedule;
  r->stages = stages;
  /* The blocks' costs are known by now: no warm-up. */
  lw_schedule_probe_start (&r->probe, r->steps_pushed >= PIPELINE_WARMUP_STEPS ? 0
                                      : PIPELINE_WARMUP_STEPS - (guint) r->steps_pushed);
}

void
lw_run_set_threads (LwRun *r, int threads)
{
  if (threads == r->threads)
    return;
  r->threads = threads;
  /* The schedule is chosen anew for these threads; a pipeline, freed,
   * puts back the BLAS threads it found, which are no longer the run's. */
  if (r->pipeline != NULL)
    {
      /* Its batches through, also those a pause stopped half-way: a
       * pipeline freed drops what it holds. */
      finish_pipeline (r);
      g_clear_pointer (&r->pipeline, lw_pipeline_free);
      lw_blas_set_threads (threads);
    }
  lw_schedule_probe_start (&r->probe, r->steps_pushed >= PIPELINE_WARMUP_STEPS ? 0
                                      : PIPELINE_WARMUP_STEPS - (guint) r->steps_pushed);
}

/* AUTO, and a pipeline possible: the probe chooses. */
static gboolean
auto_chooses (const LwRun *r)
{
  return r->schedule == LW_SCHEDULE_AUTO
         && lw_schedule_resolve (LW_SCHEDULE_AUTO, r->n_blocks, r->threads) == LW_SCHEDULE_PIPELINE;
}

gboolean
lw_run_schedule_probing (const LwRun *r, double *ratio)
{
  *ratio = auto_chooses (r) ? lw_schedule_probe_ratio (&r->probe) : 0.0;
  return auto_chooses (r) && r->probe.phase != LW_PROBE_DONE;
}

guint
lw_run_n_stages (const LwRun *r)
{
  return r->pipeline != NULL ? lw_pipeline_n_stages (r->pipeline) : 0;
}

/* The stages a pipeline of this run has: as asked, or one more than
 * threads; no more than the blocks. */
static guint
pipeline_stages (const LwRun *r)
{
  guint most = MIN (r->n_blocks, LW_PIPELINE_MAX_STAGES);

  if (r->stages > 0)
    return MIN (r->stages, most);
  return lw_pipeline_default_stages (r->n_blocks, r->threads);
}

/* The threads that run them: two at least, even when one was asked for
 * (a pipeline asked for on one thread still shows its stages at work). */
static guint
pipeline_threads (const LwRun *r, guint stages)
{
  return lw_pipeline_default_threads (stages, MAX (r->threads, 2));
}

/* Whether the schedule asked for wants a pipeline now. */
static gboolean
want_pipeline (LwRun *r)
{
  LwSchedule schedule = lw_schedule_resolve (r->schedule, r->n_blocks, r->threads);
  gboolean want = schedule == LW_SCHEDULE_PIPELINE && pipeline_stages (r) >= 2;

  if (auto_chooses (r))
    want = want && lw_schedule_probe_wants_pipeline (&r->probe);
  return want;
}

/* Drops a pipeline the schedule no longer wants, once its batches are
 * through; FALSE when they stopped on the way (the pipeline stays). */
static gboolean
drop_schedule (LwRun *r)
{
  if (r->pipeline == NULL
      || (want_pipeline (r) && lw_pipeline_n_stages (r->pipeline) == pipeline_stages (r)))
    return TRUE;
  drain (r, 0);
  if (lw_pipeline_in_flight (r->pipeline) > 0)
    return FALSE;
  g_clear_pointer (&r->pipeline, lw_pipeline_free);
  return TRUE;
}

/* Makes the pipeline the schedule asks for. Results do not depend on
 * it, so this may happen at any batch. */
static void
apply_schedule (LwRun *r)
{
  guint stages = pipeline_stages (r);

  if (want_pipeline (r) && r->pipeline == NULL && r->steps_pushed >= PIPELINE_WARMUP_STEPS)
    {
      r->pipeline = lw_pipeline_new (r->model, stages, pipeline_threads (r, stages), NULL);
      lw_pipeline_set_stop (r->pipeline, r->stop);
    }
}

/* Whether the held-out subset is evaluated after step (1-based): every
 * eval_every steps, and more often early on, so that the first point
 * shows right after Play rather than eval_every steps later. Evaluation
 * draws no random number and leaves the BatchNorm statistics alone, so
 * when it runs changes nothing of the training. */
static gboolean
eval_due_after (guint64 step, guint eval_every)
{
  static const guint early[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500 };

  if (eval_every == 0)
    return FALSE;
  if (step % eval_every == 0)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (early) && early[i] < eval_every; i++)
    if (step == early[i])
      return TRUE;
  return FALSE;
}

gboolean
lw_run_step (LwRun *r)
{
  const guint32 *indices;
  guint count;
  LwStepStats stats;

  g_return_val_if_fail (!r->finished, TRUE);
  g_return_val_if_fail (!lw_run_stopped (r), r->finished);

  if (!drop_schedule (r))
    return r->finished;
  if (r->batch_pos == 0)
    {
      r->epoch_rng = r->shuffle_rng;
      lw_sampler_begin_epoch (r->sampler, r->epoch, &r->shuffle_rng);
    }
  count = lw_sampler_next_batch (r->sampler, &r->shuffle_rng, &indices);
  lw_dataset_fill_batch (r->ds, &r->ds->train, indices, count,
                         r->use_augment ? &r->augment : NULL, &r->augment_rng, r->x, r->y);
  r->batch_pos++;
  r->steps_pushed++;
  r->samples_pushed += count;
  r->step_open = TRUE;
  r->open_count = count;
  r->open_eval_due = eval_due_after (r->steps_pushed, r->eval_every);
  r->open_stopped = FALSE;

  apply_schedule (r);
  r->open_start = g_get_monotonic_time ();
  if (r->pipeline != NULL)
    lw_pipeline_push (r->pipeline, r->x, r->y, count);
  else if (lw_model_train_step_stoppable (r->model, r->x, r->y, count, r->stop, &r->cursor,
                                          &stats))
    record_step (r, &stats);
  else
    {
      r->open_stopped = TRUE;
      return r->finished;
    }
  return complete_step (r, TRUE);
}

/* The rest of the batch handed out last: its blocks still to train (a
 * step stopped half-way), the pipeline drained as far as the curves need,
 * then the evaluations due. With stoppable it may stop again on the way,
 * the batch left open; returns r->finished. */
static gboolean
complete_step (LwRun *r, gboolean stoppable)
{
  LwStepStats stats;

  if (r->cursor.open)
    {
      if (!lw_model_train_step_go_on (r->model, stoppable ? r->stop : NULL, &r->cursor, &stats))
        {
          r->open_stopped = TRUE;
          return r->finished;
        }
      record_step (r, &stats);
    }
  if (r->pipeline != NULL)
    {
      /* Keep every stage busy; empty it where the curves need the model. */
      guint keep = r->open_eval_due || r->batch_pos == r->n_batches
                   ? 0 : lw_pipeline_n_stages (r->pipeline);

      if (!stoppable)
        lw_pipeline_resume (r->pipeline, TRUE);
      drain (r, keep);
      if (lw_pipeline_in_flight (r->pipeline) > keep)
        {
          r->open_stopped = TRUE;
          return r->finished;
        }
    }
  r->step_open = FALSE;
  if (auto_chooses (r) && !r->open_stopped)
    lw_schedule_probe_add (&r->probe, r->open_count,
                           (g_get_monotonic_time () - r->open_start) / 1e6, pipeline_stages (r));

  if (r->open_eval_due)
    record_test (r, r->eval_samples, LW_CURVE_TEST_ACC);

  if (r->batch_pos == r->n_batches)
    {
      record_test (r, r->ds->test.n, LW_CURVE_EPOCH_TEST_ACC);
      if (r->max_epochs > 0 && r->epoch >= r->max_epochs)
        r->finished = TRUE;
      else
        {
          r->epoch++;
          r->batch_pos = 0;
          apply_milestones (r);
        }
    }
  return r->finished;
}
