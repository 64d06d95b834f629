/* lw-worker.c: the training thread. It applies every pending command
 * between two batches, trains while running, blocks on the queue while
 * not, and publishes snapshots: after commands, and every
 * PUBLISH_INTERVAL while running. */
#include "config.h"

#include "lw-session-private.h"

#include <glib/gi18n-lib.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "engine/lw-gemm.h"
#include "lw-controls.h"
#include "lw-dataset-cache.h"
#include "lw-run-disk.h"
#include "lw-label.h"
#include "lw-snapshot-private.h"

#define PUBLISH_INTERVAL (50 * G_TIME_SPAN_MILLISECOND)
/* The pictures cost megabytes per copy: at most this often while running. */
#define VISUALS_INTERVAL (250 * G_TIME_SPAN_MILLISECOND)
/* Predictions on the held-out images: at most this often while running,
 * and never taking more than 1/PREDICTIONS_COST_SHARE of the time. */
#define PREDICTIONS_INTERVAL (2 * G_TIME_SPAN_SECOND)
#define PREDICTIONS_COST_SHARE 20
/* While paused the worker answers nothing during a pass: only passes
 * known to be this quick run then (a conv net's first one is not known;
 * VGG8b's take many seconds). */
#define PREDICTIONS_PAUSED_COST (500 * G_TIME_SPAN_MILLISECOND)
/* A batch a pause stopped half-way is finished at once when that takes
 * no longer than this (a small network pauses at rest, as it always did);
 * otherwise it waits for Play. */
#define PAUSE_FINISH_COST 0.1

/* ------------------------------------------------------------------ */
/* Publishing */

static void
fill_template (LwWorker *w, LwSnapshot *t, gint64 now)
{
  const LwModelConfig *cfg = &w->settings.model;
  const LwDataset *ds = w->ds;
  LwRun *r = w->run;

  t->state = w->state;
  t->error = w->error;
  t->file_serial = w->file_serial;
  t->file_failed = w->file_failed;
  t->file_message = w->file_message;
  t->divergence = w->divergence;
  t->diverged = w->diverged;
  t->diverged_step = w->diverged_step;
  t->can_restore = w->checkpoint != NULL && !lw_checkpoint_is_empty (w->checkpoint);
  t->checkpoint_step = w->checkpoint_step;
  t->dataset_name = ds == NULL ? lw_dataset_kind_to_string (w->settings.dataset)
                   : w->loaded_name != NULL ? w->loaded_name : ds->name;
  if (ds != NULL)
    {
      t->train_size = ds->train.n;
      t->test_size = ds->test.n;
      t->image_channels = ds->channels;
      t->image_height = ds->height;
      t->image_width = ds->width;
      t->class_names = (const char *const *) ds->class_names;
      t->n_class_names = ds->class_names != NULL ? ds->n_classes : 0;
    }
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    t->block_lr_mult[i] = 1.0f;
  for (guint i = 0; i <= LW_MAX_BLOCKS; i++)
    t->last_train_acc[i] = t->last_test_acc[i] = NAN;

  if (r != NULL)
    {
      cfg = lw_model_get_config (r->model);
      t->n_blocks = r->n_blocks;
      for (guint i = 0; i < r->n_blocks; i++)
        {
          t->block_lr_mult[i] = r->block_lr_mult[i];
          t->block_frozen[i] = lw_model_get_block_frozen (r->model, i);
        }
      t->epoch = r->epoch;
      t->max_epochs = r->max_epochs;
      t->lr_schedule = r->lr_schedule;
      t->lr_base = r->lr_base;
      t->lr_next_milestone = lw_run_next_milestone (r);
      t->step = r->step;
      t->samples_seen = r->samples_seen;
      t->samples_per_s = lw_rate_per_s (&r->rate, now, r->samples_seen);
      t->elapsed_s = lw_rate_elapsed (&r->rate, now);
      for (guint i = 0; i <= r->n_blocks; i++)
        {
          t->last_train_acc[i] = r->last_train_acc[i];
          t->last_test_acc[i] = r->last_test_acc[i];
        }
      t->probe_image_index = w->probe_image;
      if (w->state == LW_RUN_PAUSED)
        t->stopped_after = lw_run_stopped_after (r, &t->stopped_batches);
      t->n_stages = lw_run_n_stages (r);
      t->n_stage_threads = r->pipeline != NULL ? lw_pipeline_n_threads (r->pipeline) : 0;
      t->schedule_probing = lw_run_schedule_probing (r, &t->schedule_ratio);
      for (guint st = 0; st < t->n_stages; st++)
        {
          guint first;

          lw_pipeline_stage_blocks (r->pipeline, st, &first, &t->stage_end[st]);
        }
      lw_run_update_title (r);
    }
  if (r == NULL)
    {
      t->lr_schedule = w->settings.lr_schedule;
      t->lr_base = cfg->lr;
    }
  t->schedule = w->settings.schedule;
  t->arch = cfg->arch;
  t->loss = cfg->loss;
  t->shared_target_proj = cfg->shared_target_proj;
  t->no_detach = cfg->no_detach;
  t->no_batch_norm = cfg->no_batch_norm;
  t->no_similarity_std = cfg->no_similarity_std;
  t->beta = cfg->beta;
  t->lr = cfg->lr;
  t->dropout = cfg->dropout;
  t->batch_size = cfg->batch_size;
  t->data_seed = lw_run_settings_data_seed (&w->settings);
  t->lockstep_waiting = w->gate_wait.turn == LW_LOCKSTEP_CATCHING_UP;
  t->lockstep_waiting_for = w->gate_wait.waiting_for;
  t->lockstep_waiting_at = w->gate_wait.waiting_at;
}

static void
publish (LwSession *s, gboolean notify)
{
  LwWorker *w = &s->worker;
  gint64 now = g_get_monotonic_time ();
  LwSnapshot tmpl = { 0 };
  LwSnapshot *snap, *old;

  fill_template (w, &tmpl, now);
  tmpl.serial = atomic_fetch_add (&s->serial, 1) + 1;
  tmpl.pausing = w->state == LW_RUN_RUNNING && atomic_load (&s->pause_pending);
  snap = lw_snapshot_new (&tmpl, w->run != NULL ? w->run->history : NULL,
                          w->previous, w->n_previous, w->visuals);
  lw_snapshot_set_predictions (snap, w->predictions);

  pthread_mutex_lock (&s->snap_lock);
  old = s->snap;
  s->snap = snap;
  lw_run_settings_clear (&s->snap_settings);
  lw_run_settings_copy (&s->snap_settings, &w->settings);
  pthread_mutex_unlock (&s->snap_lock);
  if (old != NULL)
    lw_snapshot_unref (old);

  w->last_publish = now;
  w->publish_needed = FALSE;
  if (notify && s->notify != NULL)
    s->notify (s->user_data);
}

static void
refresh_visuals (LwWorker *w)
{
  g_clear_pointer (&w->visuals, lw_visuals_unref);
  if (w->run != NULL)
    {
      lw_run_hold_model (w->run);
      w->visuals = lw_visuals_compute (w->run, w->probe_image);
      lw_run_release_model (w->run);
    }
  w->visuals_dirty = FALSE;
  w->visuals_urgent = FALSE;
  w->last_visuals = g_get_monotonic_time ();
  w->publish_needed = TRUE;
}

static void
refresh_predictions (LwWorker *w)
{
  LwRun *r = w->run;
  gint64 start = g_get_monotonic_time ();

  g_clear_pointer (&w->predictions, lw_predictions_unref);
  if (r != NULL && w->test_images != NULL && w->test_images->n > 0)
    {
      w->predictions = lw_predictions_compute (lw_run_hold_model (r), w->ds, w->test_images,
                                               r->x, r->y, r->batch_size, r->step);
      lw_run_release_model (r);
    }
  w->predictions_dirty = FALSE;
  w->last_predictions = g_get_monotonic_time ();
  w->predictions_cost = w->last_predictions - start;
  w->publish_needed = TRUE;
}

/* Between commands, outside training: only when a pass is known to be
 * quick, or, before the first, when the network is fully connected. */
static gboolean
predictions_quick (LwWorker *w)
{
  if (w->predictions_cost > 0)
    return w->predictions_cost <= PREDICTIONS_PAUSED_COST;
  return w->run != NULL && !lw_arch_is_conv (lw_model_get_config (w->run->model)->arch);
}

/* While training: not too often, and the slower they are, the rarer. */
static gboolean
predictions_due (LwWorker *w, gint64 now)
{
  gint64 interval = MAX (PREDICTIONS_INTERVAL, PREDICTIONS_COST_SHARE * w->predictions_cost);

  return w->predictions_dirty && now - w->last_predictions >= interval;
}

/* ------------------------------------------------------------------ */
/* Divergence */

static void
clear_divergence (LwWorker *w)
{
  g_clear_pointer (&w->divergence, g_free);
  w->diverged = (LwDivergence) { 0 };
  w->diverged_step = 0;
  w->publish_needed = TRUE;
}

/* "the gradient of block 2 is NaN", for the window. */
static char *
describe_divergence (const LwDivergence *d, guint n_blocks)
{
  g_autofree char *part = d->block < n_blocks
                          /* Translators: as in "the loss of %s is NaN". */
                          ? g_strdup_printf (_("block %u"), d->block + 1)
                          : g_strdup (_("the output layer"));

  switch (d->what)
    {
    case LW_DIVERGED_LOSS:
      return g_strdup_printf (d->nan ? _("the loss of %s is NaN") : _("the loss of %s is infinite"),
                              part);
    case LW_DIVERGED_GRADIENT:
      return g_strdup_printf (d->nan ? _("the gradient of %s is NaN")
                                     : _("the gradient of %s is infinite"), part);
    case LW_DIVERGED_WEIGHT:
      return g_strdup_printf (d->nan ? _("the update of %s would make a weight NaN")
                                     : _("the update of %s would make a weight infinite"), part);
    case LW_DIVERGED_NONE:
    default:
      g_return_val_if_reached (g_strdup (part));
    }
}

static void autosave (LwWorker *w, gboolean force);

/* The step just taken was not applied: pause, and say where and what. */
static void
note_divergence (LwWorker *w)
{
  LwRun *r = w->run;
  g_autofree char *what = NULL;
  char lr[32], step[32];

  /* The batches a pipeline still holds train on (each part of them that
   * stays finite); the pause then shows every one. */
  lw_run_sync (r);
  what = describe_divergence (&r->diverged, r->n_blocks);

  lw_rate_stop (&r->rate, g_get_monotonic_time ());
  if (w->state == LW_RUN_RUNNING)
    w->state = LW_RUN_PAUSED;
  w->diverged = r->diverged;
  w->diverged_step = r->diverged_step;
  r->diverged = (LwDivergence) { 0 };
  g_snprintf (step, sizeof step, "%" G_GUINT64_FORMAT, w->diverged_step);
  g_free (w->divergence);
  w->divergence = g_strdup_printf (_("Training diverged at step %s: %s (learning rate %s). "
                                     "Nothing non-finite was applied."), step, what,
                                   lw_label_number (lr, sizeof lr,
                                                    lw_model_get_config (r->model)->lr));
  lw_history_add_mark (r->history, LW_MARK_DIVERGED, r->samples_seen, "%s", _("diverged"));
  w->visuals_urgent = TRUE;
  w->publish_needed = TRUE;
  /* A pause like any other: a crash now must not lose the run (nothing
   * non-finite is in it), nor the mark that says what happened. */
  autosave (w, TRUE);
}

static void
take_checkpoint (LwWorker *w)
{
  lw_checkpoint_take (w->checkpoint, lw_run_hold_model (w->run));
  lw_run_release_model (w->run);
  w->checkpoint_step = w->run->step;
}

/* Back to the last good state, paused (not through pause_run, which
 * would keep the present state as the good one). */
static void
restore_good (LwWorker *w)
{
  LwRun *r = w->run;
  char step[32];

  if (r == NULL)
    return;
  /* No batch goes on half trained on the weights of another step. */
  lw_run_sync (r);
  if (!lw_checkpoint_restore (w->checkpoint, r->model))
    return;
  if (w->state == LW_RUN_RUNNING)
    {
      lw_rate_stop (&r->rate, g_get_monotonic_time ());
      w->state = LW_RUN_PAUSED;
    }
  g_snprintf (step, sizeof step, "%" G_GUINT64_FORMAT, w->checkpoint_step);
  lw_history_add_mark (r->history, LW_MARK_DIVERGED, r->samples_seen, _("back to step %s"), step);
  clear_divergence (w);
  w->visuals_dirty = w->visuals_urgent = TRUE;
}

/* ------------------------------------------------------------------ */
/* The lockstep gate (lw-lockstep.h), when the session is in one */

/* Why the worker waits, for the snapshot: only catching up is shown. */
static void
set_waiting (LwWorker *w, const LwLockstepWait *wait)
{
  LwLockstepWait none = { LW_LOCKSTEP_GO, 0, 0 };

  if (wait == NULL)
    wait = &none;
  if (wait->turn != w->gate_wait.turn || wait->waiting_for != w->gate_wait.waiting_for)
    w->publish_needed = TRUE;
  w->gate_wait = *wait;
}

/* Tells the gate whether the worker plays, when that changed (or, after
 * a play, always: the window's Play told the gate it would). */
static void
gate_tell_state (LwSession *s, gboolean always)
{
  LwWorker *w = &s->worker;
  gboolean playing = w->state == LW_RUN_RUNNING;

  if (s->member == NULL || (playing == w->gate_playing && !always))
    return;
  w->gate_playing = playing;
  lw_lockstep_set_playing (s->member, playing);
  if (!playing)
    {
      w->gate_blocked = FALSE;
      set_waiting (w, NULL);
    }
}

static void
gate_sync_state (LwSession *s)
{
  gate_tell_state (s, FALSE);
}

/* A new run (or none, while one is built): its group and steps. */
static void
gate_new_run (LwSession *s)
{
  LwWorker *w = &s->worker;
  g_autofree char *group = NULL;

  if (s->member == NULL)
    return;
  gate_sync_state (s);
  if (w->run != NULL)
    group = lw_lockstep_group_of (&w->settings);
  lw_lockstep_set_group (s->member, group, w->run != NULL ? w->run->steps_pushed : 0);
}

/* The batches handed out before the one about to train. A batch a pause
 * stopped half-way was handed out, and counted by the gate, when it
 * began: going on with it is not a new one. */
static guint64
steps_before (const LwRun *r)
{
  return lw_run_stopped (r) && r->steps_pushed > 0 ? r->steps_pushed - 1 : r->steps_pushed;
}

/* May the next batch train now? If not, the worker waits for the gate to
 * wake it, answering commands meanwhile. */
static gboolean
gate_begin (LwSession *s)
{
  LwWorker *w = &s->worker;
  LwLockstepWait wait;
  int threads;

  if (s->member == NULL)
    return TRUE;
  if (lw_lockstep_try_begin (s->member, steps_before (w->run), &threads, &wait) == LW_LOCKSTEP_GO)
    {
      lw_run_set_threads (w->run, threads);
      set_waiting (w, NULL);
      w->gate_blocked = FALSE;
      return TRUE;
    }
  w->gate_blocked = TRUE;
  set_waiting (w, &wait);
  if (w->publish_needed || g_get_monotonic_time () - w->last_publish >= PUBLISH_INTERVAL)
    publish (s, TRUE);
  return FALSE;
}

/* One batch asked for while paused: a thread, without lockstep. */
static void
gate_begin_single (LwSession *s)
{
  int threads;

  if (s->member == NULL)
    return;
  lw_lockstep_begin_single (s->member, steps_before (s->worker.run), &threads);
  lw_run_set_threads (s->worker.run, threads);
}

static void
gate_end (LwSession *s)
{
  if (s->member != NULL)
    lw_lockstep_end (s->member, s->worker.run->steps_pushed);
}

/* ------------------------------------------------------------------ */
/* Building a run */

static void
fail (LwWorker *w, char *message)
{
  g_free (w->error);
  w->error = message;
  w->state = LW_RUN_FAILED;
  w->publish_needed = TRUE;
}

/* The dataset of settings, shared with the other sessions on it, or NULL
 * with a message for the window. */
static const LwDataset *
open_dataset (const LwRunSettings *st, char **message)
{
  g_autoptr(GError) error = NULL;
  const LwDataset *ds = lw_dataset_cache_get (st->dataset, st->data_dir, st->limit_train, &error);

  if (ds == NULL)
    {
      gboolean searched = st->data_dir == NULL
                          && g_error_matches (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING);

      *message = g_strdup_printf (searched ? _("cannot load dataset %s: %s (choose its folder)")
                                           : _("cannot load dataset %s: %s"),
                                  lw_dataset_kind_to_string (st->dataset), error->message);
      return NULL;
    }
  if (ds->train.n == 0 || ds->test.n == 0)
    {
      *message = g_strdup_printf (_("dataset %s (%s) has %u training and %u test samples; "
                                    "both must be non-empty"), ds->name, ds->source,
                                  ds->train.n, ds->test.n);
      lw_dataset_cache_release (ds);
      return NULL;
    }
  return ds;
}

/* The folder the dataset came from (NULL: the usual places); the status
 * says its name, e.g. "my-digits" rather than "mnist". */
static void
set_loaded_dir (LwWorker *w, const char *dir)
{
  g_free (w->loaded_dir);
  g_free (w->loaded_name);
  w->loaded_dir = g_strdup (dir);
  w->loaded_name = dir != NULL ? g_path_get_basename (dir) : NULL;
}

static gboolean
dataset_matches (const LwWorker *w, const LwRunSettings *st)
{
  return w->ds != NULL && w->ds->kind == st->dataset
         && g_strcmp0 (w->loaded_dir, st->data_dir) == 0 && w->loaded_limit == st->limit_train;
}

static gboolean
load_dataset (LwSession *s, gboolean announce)
{
  LwWorker *w = &s->worker;
  const LwRunSettings *st = &w->settings;
  char *message = NULL;

  if (dataset_matches (w, st))
    return TRUE;

  g_clear_pointer (&w->ds, lw_dataset_cache_release);
  set_loaded_dir (w, NULL);
  w->state = LW_RUN_LOADING;
  if (announce)
    publish (s, TRUE);

  w->ds = open_dataset (st, &message);
  if (w->ds == NULL)
    {
      fail (w, message);
      return FALSE;
    }
  set_loaded_dir (w, st->data_dir);
  w->loaded_limit = st->limit_train;
  return TRUE;
}

/* What a new or opened run starts with besides the model: its start as
 * the first good state (allocated once per run), the pictures, the test
 * images of the predictions. */
static void
begin_run (LwWorker *w)
{
  w->checkpoint = lw_checkpoint_new (w->run->model);
  lw_checkpoint_take (w->checkpoint, w->run->model);
  w->checkpoint_step = w->run->step;
  if (w->probe_image >= w->ds->test.n)
    w->probe_image = 0;
  refresh_visuals (w);
  g_clear_pointer (&w->test_images, lw_test_images_unref);
  w->test_images = lw_test_images_new (w->ds, w->run->eval_samples);
  w->predictions_cost = 0;
  w->predictions_dirty = TRUE;
  if (predictions_quick (w))
    refresh_predictions (w);
  else
    /* The first pass waits for training, and its interval. */
    w->last_predictions = g_get_monotonic_time ();
}

/* A new run from w->settings, paused; or FAILED with a message. */
static void
build (LwSession *s, gboolean after_reset)
{
  LwWorker *w = &s->worker;
  g_autoptr(GError) error = NULL;
  int threads = w->settings.threads > 0 ? w->settings.threads : (int) g_get_num_processors ();

  g_clear_pointer (&w->error, g_free);
  if (!load_dataset (s, after_reset))
    return;

  /* In a gate the gate sets them, as each step begins. */
  if (s->member == NULL)
    lw_blas_set_threads (threads);
  w->run = lw_run_new (w->ds, &w->settings, ++w->next_run_id, &error);
  if (w->run == NULL)
    {
      fail (w, g_strdup_printf (_("cannot build the model: %s"), error->message));
      return;
    }
  lw_run_set_stop (w->run, &s->commands.urgent);
  /* No reset mark: at x = 0 of a new run it would tell nothing, and the
   * previous run's dimmed curves already show the reset. */
  begin_run (w);
  w->state = LW_RUN_PAUSED;
  w->publish_needed = TRUE;
  gate_new_run (s);
}

/* A fork's run, paused, from the image its source gives (lw-fork.h); or
 * FAILED with a message. Its settings are the source's, with the
 * learning-rate schedule the source's run has now. */
static void
start_fork (LwSession *s)
{
  LwWorker *w = &s->worker;
  g_autoptr (LwRunFile) image = NULL;
  g_autoptr (GError) error = NULL;
  LwRunSettings settings;
  char *message = NULL;
  int threads;

  image = lw_fork_handoff_take (s->fork, &settings, &w->probe_image, &message);
  if (image == NULL)
    {
      fail (w, g_strdup_printf (_("cannot fork the run: %s"), message));
      g_free (message);
      return;
    }
  lw_run_settings_clear (&w->settings);
  w->settings = settings;
  if (!load_dataset (s, FALSE))
    return;
  threads = w->settings.threads > 0 ? w->settings.threads : (int) g_get_num_processors ();
  lw_blas_set_threads (threads);
  w->run = lw_run_new (w->ds, &w->settings, ++w->next_run_id, &error);
  if (w->run == NULL || !lw_run_disk_restore (w->run, image, &error))
    {
      g_clear_pointer (&w->run, lw_run_free);
      fail (w, g_strdup_printf (_("cannot fork the run: %s"), error->message));
      return;
    }
  w->state = w->run->finished ? LW_RUN_FINISHED : LW_RUN_PAUSED;
  atomic_store (&s->expected_blocks, w->run->n_blocks);
  begin_run (w);
  w->publish_needed = TRUE;
}

/* The current run's curves join the previous ones (if it trained at all). */
static void
retire_run (LwWorker *w)
{
  LwRun *r = w->run;

  if (r == NULL)
    return;
  if (r->step > 0)
    {
      if (w->n_previous == LW_SNAPSHOT_MAX_PREVIOUS)
        {
          lw_frozen_run_unref (w->previous[0]);
          memmove (w->previous, w->previous + 1, sizeof w->previous[0] * (w->n_previous - 1));
          w->n_previous--;
        }
      lw_run_update_title (r);
      w->previous[w->n_previous++] = lw_history_freeze (r->history);
    }
  g_clear_pointer (&w->visuals, lw_visuals_unref);
  g_clear_pointer (&w->predictions, lw_predictions_unref);
  g_clear_pointer (&w->run, lw_run_free);
  g_clear_pointer (&w->checkpoint, lw_checkpoint_free);
  clear_divergence (w);
}

static void
clear_previous (LwWorker *w)
{
  for (guint i = 0; i < w->n_previous; i++)
    lw_frozen_run_unref (w->previous[i]);
  w->n_previous = 0;
}

/* ------------------------------------------------------------------ */
/* Training */

/* One batch, or the rest of one stopped half-way. A command that wants
 * training to stop (lw_command_new_urgent) may stop it between two
 * blocks: the run is then left stopped, for the command to see to. A
 * single step (sync) stops only for those that drop it. */
static void
train_one (LwSession *s, gboolean sync)
{
  LwWorker *w = &s->worker;
  LwRun *r = w->run;
  gboolean finished, stopped;
  gint64 now;

  lw_run_set_stop (r, sync ? &s->commands.dropping : &s->commands.urgent);
  finished = lw_run_stopped (r) ? lw_run_go_on (r) : lw_run_step (r);

  /* A single step shows its own batch, through a pipeline too. */
  if (sync && !lw_run_stopped (r))
    lw_run_drain (r);
  stopped = lw_run_stopped (r);
  now = g_get_monotonic_time ();

  lw_rate_add (&r->rate, now, r->samples_seen);
  w->visuals_dirty = TRUE;
  w->predictions_dirty = TRUE;
  if (r->diverged.what != LW_DIVERGED_NONE)
    note_divergence (w);
  else if (!stopped && r->step - w->checkpoint_step >= LW_SESSION_CHECKPOINT_EVERY)
    take_checkpoint (w);
  if (finished && !lw_run_stopped (r))
    {
      lw_rate_stop (&r->rate, now);
      w->state = LW_RUN_FINISHED;
      w->visuals_urgent = TRUE;
      w->publish_needed = TRUE;
    }
}

/* ------------------------------------------------------------------ */
/* Run files */

static void
report_file (LwWorker *w, gboolean failed, char *message)
{
  g_free (w->file_message);
  w->file_message = message;
  w->file_failed = failed;
  w->file_serial++;
  w->publish_needed = TRUE;
}

static void
save_run (LwWorker *w, const char *path)
{
  g_autoptr(GError) error = NULL;

  if (w->run == NULL)
    report_file (w, TRUE, g_strdup (_("There is no run to save")));
  else if (!lw_run_disk_save (w->run, &w->settings, path, &error))
    report_file (w, TRUE, g_strdup_printf (_("The run was not saved: %s"), error->message));
  else
    report_file (w, FALSE, g_strdup_printf (_("Saved the run to %s"), path));
  /* Saving finished a batch stopped half-way: perhaps the run's last. */
  if (w->run != NULL && w->run->finished && w->state != LW_RUN_FINISHED)
    {
      lw_rate_stop (&w->run->rate, g_get_monotonic_time ());
      w->state = LW_RUN_FINISHED;
    }
}

static void retire_run (LwWorker *w);

/* The run in path replaces the current one, paused; on any error the
 * current run, its dataset and settings stay as they were. */
static void
open_run (LwSession *s, const char *path)
{
  LwWorker *w = &s->worker;
  g_autoptr(GError) error = NULL;
  g_autoptr(LwRunFile) file = NULL;
  LwRunSettings settings;
  const LwDataset *ds = NULL;
  gboolean own_ds;
  LwRun *run = NULL;
  char *message = NULL;

  file = lw_run_disk_open (path, &settings, &error);
  if (file == NULL)
    {
      report_file (w, TRUE, g_strdup_printf (_("Cannot open the run: %s"), error->message));
      lw_run_settings_clear (&settings);
      return;
    }
  /* How to run is this machine's business, not the file's. */
  settings.threads = w->settings.threads;
  settings.schedule = w->settings.schedule;
  settings.stages = w->settings.stages;
  own_ds = !dataset_matches (w, &settings);
  ds = own_ds ? open_dataset (&settings, &message) : w->ds;
  if (ds == NULL)
    {
      report_file (w, TRUE, g_strdup_printf (_("Cannot open the run: %s"), message));
      g_free (message);
      lw_run_settings_clear (&settings);
      return;
    }
  run = lw_run_new (ds, &settings, w->next_run_id + 1, &error);
  if (run != NULL)
    lw_run_set_stop (run, &s->commands.urgent);
  if (run == NULL || !lw_run_disk_restore (run, file, &error))
    {
      report_file (w, TRUE, g_strdup_printf (_("Cannot open the run: %s"), error->message));
      lw_run_free (run);
      if (own_ds)
        lw_dataset_cache_release (ds);
      lw_run_settings_clear (&settings);
      return;
    }

  retire_run (w);
  w->next_run_id++;
  if (own_ds)
    {
      lw_dataset_cache_release (w->ds);
      w->ds = ds;
      set_loaded_dir (w, settings.data_dir);
      w->loaded_limit = settings.limit_train;
    }
  lw_run_settings_clear (&w->settings);
  w->settings = settings;
  w->run = run;
  g_clear_pointer (&w->error, g_free);
  w->state = run->finished ? LW_RUN_FINISHED : LW_RUN_PAUSED;
  atomic_store (&s->expected_blocks, run->n_blocks);
  begin_run (w);
  /* What was opened is what is on disk: nothing new to autosave. */
  w->autosaved_run_id = w->next_run_id;
  w->autosaved_step = run->step;
  gate_new_run (s);
  report_file (w, FALSE, g_strdup_printf (_("Opened the run from %s"), path));
}

/* Saves the run to the autosave file when it trained since the last
 * autosave, and (unless forced) the interval has passed. Failures are
 * reported like any save. */
static void
autosave (LwWorker *w, gboolean force)
{
  g_autoptr(GError) error = NULL;
  LwRun *r = w->run;
  gint64 now = g_get_monotonic_time ();

  /* Half a batch is not saved: that would finish it (lw_run_disk_save). */
  if (w->autosave_path == NULL || r == NULL || r->step == 0 || lw_run_stopped (r)
      || (w->autosaved_run_id == w->next_run_id && w->autosaved_step == r->step)
      || (!force && now - w->last_autosave < w->autosave_interval))
    return;
  w->last_autosave = now;
  w->autosaved_run_id = w->next_run_id;
  w->autosaved_step = r->step;
  if (!lw_run_disk_save (r, &w->settings, w->autosave_path, &error))
    report_file (w, TRUE, g_strdup_printf (_("Autosave failed: %s"), error->message));
}

static void
pause_run (LwWorker *w)
{
  LwRun *r = w->run;

  /* A pipeline's batches stop between blocks too (and those through are
   * shown); a batch stopped half-way waits for Play, unless finishing it
   * is quick: then paused means every batch handed out is trained. */
  lw_run_halt (r);
  if (lw_run_stopped (r) && lw_run_finish_cost (r) <= PAUSE_FINISH_COST)
    lw_run_sync (r);
  lw_rate_stop (&r->rate, g_get_monotonic_time ());
  w->state = LW_RUN_PAUSED;
  /* Where the batches handed out end, as the controls' marks: with a
   * batch stopped half-way that is past the samples seen, and the marks
   * stay in order. */
  lw_history_add_mark (r->history, LW_MARK_PAUSE, r->samples_pushed, "%s", _("pause"));
  w->publish_needed = TRUE;
  if (lw_run_stopped (r))
    return;
  autosave (w, TRUE);
  /* Where the user stopped to look is a good state to come back to. */
  take_checkpoint (w);
}

/* Training goes on after a divergence: the notice has had its say. */
static void
play (LwWorker *w)
{
  LwRun *r = w->run;

  if (w->divergence != NULL)
    clear_divergence (w);
  lw_rate_start (&r->rate, g_get_monotonic_time (), r->samples_seen);
  w->state = LW_RUN_RUNNING;
  w->publish_needed = TRUE;
}

/* The run, marked where it forks, as an image for the fork; it goes on as
 * it would have (draining a pipeline changes no result). */
static void
fork_run (LwWorker *w, LwForkHandoff *fork)
{
  LwRun *r = w->run;
  LwRunSettings settings;

  if (r == NULL)
    {
      g_autofree char *why = g_strdup_printf (_("the run failed: %s"),
                                              w->error != NULL ? w->error : "");

      lw_fork_handoff_fail (fork, why);
      return;
    }
  lw_run_sync (r);
  lw_history_add_mark (r->history, LW_MARK_FORK, r->samples_seen, "%s", _("forked here"));
  settings = w->settings;
  settings.lr_schedule = r->lr_schedule;
  lw_fork_handoff_give (fork, lw_run_disk_image (r, &settings), &settings, w->probe_image);
  w->publish_needed = TRUE;
}

static void
lower_lr (LwWorker *w)
{
  LwRun *r = w->run;
  float lr = lw_model_get_config (r->model)->lr / 10.0f;
  char num[32];

  /* A rate that small is as good as none; it stays as it is. */
  if (lr >= FLT_MIN)
    {
      lw_model_set_lr (r->model, lr);
      r->lr_base = lr;
      lw_history_add_mark (r->history, LW_MARK_LR, r->samples_seen, _("lr %s"),
                           lw_label_number (num, sizeof num, lr));
    }
  play (w);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void
apply (LwSession *s, LwCommand *cmd)
{
  LwWorker *w = &s->worker;
  LwRun *r = w->run;
  gboolean trainable = r != NULL && (w->state == LW_RUN_PAUSED || w->state == LW_RUN_RUNNING);

  /* Closing: no more steps or resets, straight to the quit. */
  if (atomic_load (&s->quitting) && cmd->kind != LW_CMD_QUIT)
    return;

  switch (cmd->kind)
    {
    case LW_CMD_PLAY:
      if (trainable && w->state == LW_RUN_PAUSED)
        play (w);
      gate_tell_state (s, TRUE);
      break;

    case LW_CMD_PAUSE:
      atomic_store (&s->pause_pending, FALSE);
      if (w->state == LW_RUN_RUNNING)
        pause_run (w);
      if (s->member != NULL)
        lw_lockstep_unhold (s->member);
      break;

    case LW_CMD_STEP:
      atomic_store (&s->pause_pending, FALSE);
      if (!trainable)
        break;
      if (w->state == LW_RUN_RUNNING)
        pause_run (w);
      if (w->divergence != NULL)
        clear_divergence (w);
      lw_rate_start (&r->rate, g_get_monotonic_time (), r->samples_seen);
      gate_begin_single (s);
      train_one (s, TRUE);
      gate_end (s);
      if (w->state != LW_RUN_FINISHED)
        lw_rate_stop (&r->rate, g_get_monotonic_time ());
      /* Every step shows; the pictures follow at the end of the batch of
       * commands. */
      publish (s, TRUE);
      break;

    case LW_CMD_RESET:
      retire_run (w);
      /* Nobody waits for this lane while it builds the next run. */
      gate_new_run (s);
      lw_run_settings_clear (&w->settings);
      lw_run_settings_copy (&w->settings, cmd->settings);
      build (s, TRUE);
      break;

    case LW_CMD_SET_LOSS:
    case LW_CMD_SET_VALUE:
    case LW_CMD_SET_BLOCK_FROZEN:
    case LW_CMD_SET_NO_DETACH:
      if (r != NULL && lw_controls_apply (r, cmd))
        {
          w->publish_needed = TRUE;
          /* The similarity shown depends on the loss. */
          if (cmd->kind == LW_CMD_SET_LOSS)
            w->visuals_dirty = TRUE;
        }
      break;

    case LW_CMD_SET_LR_SCHEDULE:
      if (r != NULL && lw_run_set_lr_schedule (r, &cmd->lr_schedule))
        w->publish_needed = TRUE;
      break;

    case LW_CMD_SET_PROBE_IMAGE:
      /* Without a dataset the index waits (checked when one is loaded). */
      if (r == NULL)
        w->probe_image = cmd->index;
      else if (cmd->index < w->ds->test.n && cmd->index != w->probe_image)
        {
          w->probe_image = cmd->index;
          w->visuals_dirty = w->visuals_urgent = TRUE;
        }
      break;

    case LW_CMD_SET_SCHEDULE:
      /* Kept for the runs a reset builds from these settings, too. */
      w->settings.schedule = cmd->schedule;
      w->settings.stages = cmd->block;
      if (r != NULL)
        lw_run_set_schedule (r, cmd->schedule, cmd->block);
      w->publish_needed = TRUE;
      break;

    case LW_CMD_RESTORE_GOOD:
      if (r != NULL && w->state != LW_RUN_LOADING && w->state != LW_RUN_FAILED)
        restore_good (w);
      break;

    case LW_CMD_LOWER_LR:
      if (trainable)
        lower_lr (w);
      break;

    case LW_CMD_CLEAR_PREVIOUS:
      if (w->n_previous > 0)
        {
          clear_previous (w);
          w->publish_needed = TRUE;
        }
      break;

    case LW_CMD_SAVE_RUN:
      save_run (w, cmd->path);
      break;

    case LW_CMD_OPEN_RUN:
      open_run (s, cmd->path);
      break;

    case LW_CMD_SET_AUTOSAVE:
      g_free (w->autosave_path);
      w->autosave_path = g_strdup (cmd->path);
      w->autosave_interval = (gint64) cmd->interval_s * G_USEC_PER_SEC;
      w->last_autosave = g_get_monotonic_time ();
      break;

    case LW_CMD_QUIT:
      w->quit = TRUE;
      break;

    case LW_CMD_FORK:
      fork_run (w, cmd->fork);
      break;
    }
  gate_sync_state (s);
}

/* Applies everything queued, then publishes once, then lets waiting
 * callers go: after a sync, the snapshot shows every command. */
static void
apply_pending (LwSession *s, gboolean wait)
{
  LwWorker *w = &s->worker;
  gboolean was_running = w->state == LW_RUN_RUNNING;
  LwCommand *cmd = lw_command_queue_pop (&s->commands, wait);
  guint n = 0;

  while (cmd != NULL)
    {
      apply (s, cmd);
      lw_command_free (cmd);
      n++;
      if (w->quit)
        break;
      cmd = lw_command_queue_pop (&s->commands, FALSE);
    }
  if (n == 0)
    return;
  /* Stopped: said at once, before the pictures of a big network take
   * their time. */
  if (was_running && w->state != LW_RUN_RUNNING && w->publish_needed && !w->quit)
    publish (s, TRUE);
  if (w->visuals_dirty && !w->quit && (w->state != LW_RUN_RUNNING || w->visuals_urgent))
    refresh_visuals (w);
  if (w->predictions_dirty && !w->quit && w->state != LW_RUN_RUNNING
      && (w->state == LW_RUN_FINISHED || predictions_quick (w)))
    refresh_predictions (w);
  if (w->publish_needed && !w->quit)
    publish (s, TRUE);
  lw_command_queue_done (&s->commands, n);
}

gpointer
lw_worker_main (gpointer data)
{
  LwSession *s = data;
  LwWorker *w = &s->worker;

  if (s->fork != NULL)
    start_fork (s);
  else
    build (s, FALSE);
  publish (s, TRUE);

  while (!w->quit)
    {
      gint64 now;

      /* Blocks while there is nothing to train, or the gate said wait. */
      apply_pending (s, w->state != LW_RUN_RUNNING || w->gate_blocked);
      if (w->quit || w->state != LW_RUN_RUNNING || !gate_begin (s))
        continue;

      train_one (s, FALSE);
      gate_end (s);
      gate_sync_state (s);
      autosave (w, w->state == LW_RUN_FINISHED);
      now = g_get_monotonic_time ();
      if (w->visuals_dirty && (w->visuals_urgent || now - w->last_visuals >= VISUALS_INTERVAL))
        refresh_visuals (w);
      if (w->state == LW_RUN_FINISHED || predictions_due (w, now))
        {
          if (w->predictions_dirty)
            refresh_predictions (w);
          now = g_get_monotonic_time ();
        }
      if (w->publish_needed || now - w->last_publish >= PUBLISH_INTERVAL)
        publish (s, TRUE);
    }
  return NULL;
}

void
lw_worker_init (LwSession *s, const LwRunSettings *settings)
{
  LwWorker *w = &s->worker;

  lw_run_settings_copy (&w->settings, settings);
  w->state = LW_RUN_LOADING;
  publish (s, FALSE);
}

void
lw_worker_clear (LwSession *s)
{
  LwWorker *w = &s->worker;

  g_clear_pointer (&w->visuals, lw_visuals_unref);
  g_clear_pointer (&w->predictions, lw_predictions_unref);
  g_clear_pointer (&w->test_images, lw_test_images_unref);
  g_clear_pointer (&w->run, lw_run_free);
  g_clear_pointer (&w->checkpoint, lw_checkpoint_free);
  g_clear_pointer (&w->divergence, g_free);
  g_clear_pointer (&w->ds, lw_dataset_cache_release);
  set_loaded_dir (w, NULL);
  g_clear_pointer (&w->error, g_free);
  g_clear_pointer (&w->file_message, g_free);
  g_clear_pointer (&w->autosave_path, g_free);
  clear_previous (w);
  lw_run_settings_clear (&w->settings);
}
