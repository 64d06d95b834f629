/* lw-session.c: the caller's side: settings, checking values, queueing
 * commands, handing out the newest snapshot. */
#include "config.h"

#include "lw-session-private.h"
#include "lw-snapshot-private.h"

#include <glib/gi18n-lib.h>

#include <math.h>

G_DEFINE_QUARK (lw-session-error-quark, lw_session_error)

void
lw_run_settings_init (LwRunSettings *settings)
{
  *settings = (LwRunSettings) {
    .dataset = LW_DATASET_MNIST_SUBSET,
    .data_dir = NULL,
    .limit_train = 0,
    .max_epochs = 0,
    .eval_every = 100,
    .eval_samples = 1000,
    .probe_n = 64,
    .augment = TRUE,
    .threads = (int) g_get_num_processors (),
    .schedule = LW_SCHEDULE_AUTO,
  };
  lw_model_config_init (&settings->model);
  lw_lr_schedule_init (&settings->lr_schedule);
}

void
lw_run_settings_clear (LwRunSettings *settings)
{
  g_clear_pointer (&settings->data_dir, g_free);
}

void
lw_run_settings_copy (LwRunSettings *dest, const LwRunSettings *src)
{
  if (dest == src)
    return;
  *dest = *src;
  dest->data_dir = g_strdup (src->data_dir);
}

static void queue_command (LwSession *s, LwCommand *cmd);

guint64
lw_run_settings_data_seed (const LwRunSettings *settings)
{
  return settings->data_seed != 0 ? settings->data_seed : settings->model.seed;
}

static void
wake_worker (gpointer data)
{
  LwSession *s = data;

  lw_command_queue_wake (&s->commands);
}

/* fork: where a fork's run comes from (taken), NULL for a new run; gate:
 * the lanes' lockstep it steps in, or NULL. */
static LwSession *
session_start (const LwRunSettings *settings, guint n_blocks, LwForkHandoff *fork,
               LwLockstep *gate, guint id,
               void (*notify) (gpointer user_data), gpointer user_data)
{
  LwSession *s = g_new0 (LwSession, 1);

  s->notify = notify;
  s->user_data = user_data;
  s->fork = fork;
  pthread_mutex_init (&s->snap_lock, NULL);
  lw_command_queue_init (&s->commands);
  atomic_init (&s->expected_blocks, n_blocks);
  atomic_init (&s->quitting, FALSE);
  if (gate != NULL)
    s->member = lw_lockstep_join (gate, id, wake_worker, s);
  atomic_init (&s->pause_pending, FALSE);
  atomic_init (&s->serial, 0);
  /* A LOADING snapshot first, so there always is one. */
  lw_worker_init (s, settings);
  s->thread = g_thread_new ("lw-session", lw_worker_main, s);
  return s;
}

LwSession *
lw_session_new (const LwRunSettings *settings, void (*notify) (gpointer user_data),
                gpointer user_data)
{
  g_return_val_if_fail (settings != NULL, NULL);

  return session_start (settings, lw_model_config_n_blocks (&settings->model), NULL, NULL, 0,
                        notify, user_data);
}

LwSession *
lw_session_new_in_lockstep (const LwRunSettings *settings, LwLockstep *gate, guint id,
                            void (*notify) (gpointer user_data), gpointer user_data)
{
  g_return_val_if_fail (settings != NULL && gate != NULL, NULL);
  return session_start (settings, lw_model_config_n_blocks (&settings->model), NULL, gate, id,
                        notify, user_data);
}

static LwSession *
fork_start (LwSession *source, LwLockstep *gate, guint id,
            void (*notify) (gpointer user_data), gpointer user_data, GError **error)
{
  g_autoptr (LwSnapshot) snap = NULL;
  LwForkHandoff *fork;
  LwCommand *cmd;
  LwRunSettings settings;
  LwSession *s;

  snap = lw_session_get_snapshot (source);
  if (snap->state == LW_RUN_LOADING)
    {
      g_set_error_literal (error, LW_SESSION_ERROR, LW_SESSION_ERROR_NO_RUN,
                           _("There is no run to fork yet: it is still loading"));
      return NULL;
    }
  if (snap->state == LW_RUN_FAILED)
    {
      g_set_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_NO_RUN,
                   _("There is no run to fork: %s"), snap->error);
      return NULL;
    }

  /* Until the source's image arrives the fork is loading; its own
   * settings come with the image. */
  lw_run_settings_init (&settings);
  fork = lw_fork_handoff_new ();
  s = session_start (&settings, snap->n_blocks, fork, gate, id, notify, user_data);
  lw_run_settings_clear (&settings);
  cmd = lw_command_new (LW_CMD_FORK);
  cmd->fork = lw_fork_handoff_ref (fork);
  queue_command (source, cmd);
  return s;
}

LwSession *
lw_session_new_fork (LwSession *source, void (*notify) (gpointer user_data),
                     gpointer user_data, GError **error)
{
  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return fork_start (source, NULL, 0, notify, user_data, error);
}

LwSession *
lw_session_new_fork_in_lockstep (LwSession *source, LwLockstep *gate, guint id,
                                 void (*notify) (gpointer user_data), gpointer user_data,
                                 GError **error)
{
  g_return_val_if_fail (source != NULL && gate != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return fork_start (source, gate, id, notify, user_data, error);
}

void
lw_session_free (LwSession *s)
{
  if (s == NULL)
    return;
  atomic_store (&s->quitting, TRUE);
  /* A fork still waiting for its source waits no more. */
  if (s->fork != NULL)
    lw_fork_handoff_cancel (s->fork);
  lw_command_queue_push (&s->commands, lw_command_new_urgent (LW_CMD_QUIT));
  g_thread_join (s->thread);
  g_clear_pointer (&s->fork, lw_fork_handoff_unref);
  /* Before the queue it wakes goes. */
  g_clear_pointer (&s->member, lw_lockstep_leave);
  lw_worker_clear (s);
  g_clear_pointer (&s->snap, lw_snapshot_unref);
  lw_run_settings_clear (&s->snap_settings);
  lw_command_queue_clear (&s->commands);
  pthread_mutex_destroy (&s->snap_lock);
  g_free (s);
}

LwSnapshot *
lw_session_get_snapshot (LwSession *s)
{
  LwSnapshot *snap;

  g_return_val_if_fail (s != NULL, NULL);
  pthread_mutex_lock (&s->snap_lock);
  snap = lw_snapshot_ref (s->snap);
  pthread_mutex_unlock (&s->snap_lock);
  return snap;
}

void
lw_session_get_settings (LwSession *s, LwRunSettings *settings)
{
  g_return_if_fail (s != NULL && settings != NULL);
  pthread_mutex_lock (&s->snap_lock);
  *settings = s->snap_settings;
  settings->data_dir = g_strdup (s->snap_settings.data_dir);
  pthread_mutex_unlock (&s->snap_lock);
}

static void
queue_command (LwSession *s, LwCommand *cmd)
{
  lw_command_queue_push (&s->commands, cmd);
}

static void
send_simple (LwSession *s, LwCommandKind kind)
{
  g_return_if_fail (s != NULL);
  queue_command (s, lw_command_new (kind));
}

static void
send_urgent (LwSession *s, LwCommandKind kind)
{
  g_return_if_fail (s != NULL);
  queue_command (s, lw_command_new_urgent (kind));
}

/* The newest snapshot again, saying "pausing", published at once: the
 * worker may be in the middle of a block for a while yet. */
static void
acknowledge_pause (LwSession *s)
{
  LwSnapshot *old = NULL;

  pthread_mutex_lock (&s->snap_lock);
  if (s->snap->state == LW_RUN_RUNNING && !s->snap->pausing)
    {
      old = s->snap;
      s->snap = lw_snapshot_derive (old);
      s->snap->pausing = TRUE;
      s->snap->serial = atomic_fetch_add (&s->serial, 1) + 1;
    }
  pthread_mutex_unlock (&s->snap_lock);
  if (old == NULL)
    return;
  lw_snapshot_unref (old);
  if (s->notify != NULL)
    s->notify (s->user_data);
}

void
lw_session_play (LwSession *s)
{
  send_simple (s, LW_CMD_PLAY);
}

void
lw_session_pause (LwSession *s)
{
  g_return_if_fail (s != NULL);
  atomic_store (&s->pause_pending, TRUE);
  send_urgent (s, LW_CMD_PAUSE);
  acknowledge_pause (s);
}

/* While training, a step pauses first: that stops the batch under way
 * (the step then finishes it). While paused it must not: a second Step
 * pressed during the first would cut the first short. */
void
lw_session_step (LwSession *s)
{
  g_autoptr(LwSnapshot) snap = NULL;

  g_return_if_fail (s != NULL);
  snap = lw_session_get_snapshot (s);
  if (snap->state == LW_RUN_RUNNING)
    {
      atomic_store (&s->pause_pending, TRUE);
      send_urgent (s, LW_CMD_STEP);
      acknowledge_pause (s);
    }
  else
    send_simple (s, LW_CMD_STEP);
}

void
lw_session_clear_previous (LwSession *s)
{
  send_simple (s, LW_CMD_CLEAR_PREVIOUS);
}

static void
send_path (LwSession *s, LwCommandKind kind, const char *path, guint interval_s)
{
  LwCommand *cmd = lw_command_new (kind);

  cmd->path = g_strdup (path);
  cmd->interval_s = interval_s;
  queue_command (s, cmd);
}

void
lw_session_save_run (LwSession *s, const char *path)
{
  g_return_if_fail (s != NULL && path != NULL);
  send_path (s, LW_CMD_SAVE_RUN, path, 0);
}

void
lw_session_open_run (LwSession *s, const char *path)
{
  LwCommand *cmd;

  g_return_if_fail (s != NULL && path != NULL);
  cmd = lw_command_new_urgent (LW_CMD_OPEN_RUN);
  cmd->path = g_strdup (path);
  queue_command (s, cmd);
}

void
lw_session_set_autosave (LwSession *s, const char *path, guint interval_s)
{
  g_return_if_fail (s != NULL);
  send_path (s, LW_CMD_SET_AUTOSAVE, path, interval_s);
}

void
lw_session_restore_last_good (LwSession *s)
{
  send_simple (s, LW_CMD_RESTORE_GOOD);
}

void
lw_session_lower_lr (LwSession *s)
{
  send_simple (s, LW_CMD_LOWER_LR);
}

void
lw_session_reset (LwSession *s, const LwRunSettings *settings)
{
  LwCommand *cmd;

  g_return_if_fail (s != NULL && settings != NULL);
  cmd = lw_command_new_urgent (LW_CMD_RESET);
  cmd->settings = g_new0 (LwRunSettings, 1);
  lw_run_settings_copy (cmd->settings, settings);
  atomic_store (&s->expected_blocks, lw_model_config_n_blocks (&settings->model));
  queue_command (s, cmd);
}

void
lw_session_set_loss (LwSession *s, LwLossType loss)
{
  LwCommand *cmd;

  g_return_if_fail (s != NULL && loss < LW_N_LOSSES);
  cmd = lw_command_new (LW_CMD_SET_LOSS);
  cmd->loss = loss;
  queue_command (s, cmd);
}

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID,
                                                format, args));
  va_end (args);
  return FALSE;
}

static gboolean
check_block (LwSession *s, guint block, GError **error)
{
  guint n = atomic_load (&s->expected_blocks);

  if (block < n)
    return TRUE;
  return invalid (error,
                  g_dngettext (GETTEXT_PACKAGE,
                               "block %u does not exist: the model has %u block (0 to %u)",
                               "block %u does not exist: the model has %u blocks (0 to %u)", n),
                  block, n, n > 0 ? n - 1 : 0);
}

gboolean
lw_session_set_value (LwSession *s, LwLiveControlId id, guint block, double value,
                      GError **error)
{
  const LwLiveControl *c = lw_live_control_get (id);
  g_autofree char *why = NULL;
  LwCommand *cmd;

  g_return_val_if_fail (s != NULL && c != NULL, FALSE);
  if (c->config_offset == LW_LIVE_PER_BLOCK && !check_block (s, block, error))
    return FALSE;
  why = lw_live_control_out_of_range (c, value);
  if (why != NULL)
    return invalid (error, "%s", why);
  cmd = lw_command_new (LW_CMD_SET_VALUE);
  cmd->control = id;
  cmd->block = block;
  cmd->value = value;
  queue_command (s, cmd);
  return TRUE;
}

gboolean
lw_session_set_beta (LwSession *s, double beta, GError **error)
{
  return lw_session_set_value (s, LW_LIVE_BETA, 0, beta, error);
}

gboolean
lw_session_set_lr (LwSession *s, double lr, GError **error)
{
  return lw_session_set_value (s, LW_LIVE_LR, 0, lr, error);
}

gboolean
lw_session_set_block_lr_mult (LwSession *s, guint block, double mult, GError **error)
{
  return lw_session_set_value (s, LW_LIVE_BLOCK_LR_MULT, block, mult, error);
}

gboolean
lw_session_set_dropout (LwSession *s, double dropout, GError **error)
{
  return lw_session_set_value (s, LW_LIVE_DROPOUT, 0, dropout, error);
}

gboolean
lw_session_set_block_frozen (LwSession *s, guint block, gboolean frozen, GError **error)
{
  LwCommand *cmd;

  g_return_val_if_fail (s != NULL, FALSE);
  if (!check_block (s, block, error))
    return FALSE;
  cmd = lw_command_new (LW_CMD_SET_BLOCK_FROZEN);
  cmd->block = block;
  cmd->frozen = frozen;
  queue_command (s, cmd);
  return TRUE;
}

void
lw_session_set_no_detach (LwSession *s, gboolean no_detach)
{
  LwCommand *cmd;

  g_return_if_fail (s != NULL);
  cmd = lw_command_new (LW_CMD_SET_NO_DETACH);
  cmd->no_detach = no_detach;
  queue_command (s, cmd);
}

gboolean
lw_session_set_probe_image (LwSession *s, guint test_index, GError **error)
{
  g_autoptr(LwSnapshot) snap = NULL;
  LwCommand *cmd;

  g_return_val_if_fail (s != NULL, FALSE);
  /* Before a dataset is loaded the worker checks it instead. */
  snap = lw_session_get_snapshot (s);
  if (snap->test_size > 0 && test_index >= snap->test_size)
    return invalid (error, _("test image %u does not exist: the test set has %u images (0 to %u)"),
                    test_index, snap->test_size, snap->test_size - 1);
  cmd = lw_command_new (LW_CMD_SET_PROBE_IMAGE);
  cmd->index = test_index;
  queue_command (s, cmd);
  return TRUE;
}

gboolean
lw_session_set_schedule (LwSession *s, LwSchedule schedule, guint stages, GError **error)
{
  guint n = atomic_load (&s->expected_blocks);
  guint most = MIN (n, LW_PIPELINE_MAX_STAGES);
  LwCommand *cmd;

  g_return_val_if_fail (s != NULL, FALSE);
  if (schedule >= LW_N_SCHEDULES)
    return invalid (error, _("unknown schedule %u"), (guint) schedule);
  if (stages > most)
    return invalid (error, _("%u pipeline stages is more than this model can use: "
                             "at most %u (one block per stage at least)"), stages, most);
  cmd = lw_command_new (LW_CMD_SET_SCHEDULE);
  cmd->schedule = schedule;
  cmd->block = stages;
  queue_command (s, cmd);
  return TRUE;
}

gboolean
lw_session_set_lr_schedule (LwSession *s, const LwLrSchedule *schedule, GError **error)
{
  g_autofree char *why = NULL;
  LwCommand *cmd;

  g_return_val_if_fail (s != NULL && schedule != NULL, FALSE);
  why = lw_lr_schedule_check (schedule);
  if (why != NULL)
    return invalid (error, "%s", why);
  cmd = lw_command_new (LW_CMD_SET_LR_SCHEDULE);
  cmd->lr_schedule = *schedule;
  queue_command (s, cmd);
  return TRUE;
}

guint64
lw_session_commands_applied (LwSession *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return lw_command_queue_applied (&s->commands);
}

gboolean
lw_session_sync (LwSession *s, guint timeout_ms)
{
  g_return_val_if_fail (s != NULL, FALSE);
  return lw_command_queue_wait (&s->commands, lw_command_queue_sent (&s->commands), timeout_ms);
}
