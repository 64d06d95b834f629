/* lw-session.h: a training run in a worker thread.
 *
 * The worker owns the dataset and the model. Callers (the window, tests)
 * talk to it only through commands, which are queued and applied in the
 * order sent, at the next batch boundary, and through snapshots, which the
 * worker publishes a few times a second and whenever a command changed
 * something. No function here blocks on a training step. No GTK. */
#pragma once

#include <glib.h>
#include "engine/lw-live-controls.h"
#include "engine/lw-lr-schedule.h"
#include "engine/lw-pipeline.h"
#include "lw-snapshot.h"

G_BEGIN_DECLS

/* What a reset builds: dataset, architecture and everything else that
 * needs a new model. */
typedef struct {
  LwDatasetKind dataset;
  char *data_dir;             /* NULL: searched (lw_dataset_find_dir) */
  LwModelConfig model;        /* geometry fields are filled from the dataset */
  guint64 data_seed;          /* the sample order's and augmentation's streams;
                               * 0: model.seed's (lw_run_settings_data_seed) */
  guint limit_train;          /* 0: all */
  guint classes_per_batch;    /* 0: plain shuffled batches; else at most this many
                               * classes per batch (lw-sampler.h), no more than
                               * the batch size and the dataset's classes */
  guint classes_per_batch_until_epoch;  /* 0: in every epoch */
  guint max_epochs;           /* 0: no limit */
  LwLrSchedule lr_schedule;   /* the rate × factor after each milestone epoch (live) */
  guint eval_every;           /* steps between held-out evaluations (default 100), and
                               * after steps 1, 2, 5, 10, 20, 50, … below it */
  guint eval_samples;         /* held-out subset size (default 1000) */
  guint probe_n;              /* similarity probe batch (default 64) */
  gboolean augment;           /* the dataset's default augmentation */
  int threads;                /* BLAS and engine threads */
  LwSchedule schedule;        /* how steps run (AUTO: lw_schedule_resolve) */
  guint stages;               /* pipeline stages; 0: one more than threads */
} LwRunSettings;

void lw_run_settings_init  (LwRunSettings *settings);
void lw_run_settings_clear (LwRunSettings *settings);
void lw_run_settings_copy  (LwRunSettings *dest, const LwRunSettings *src);
/* The seed the sample order and the augmentation are drawn from. */
guint64 lw_run_settings_data_seed (const LwRunSettings *settings);

typedef struct _LwSession LwSession;
typedef struct _LwLockstep LwLockstep;

/* Starts the worker, which loads the data and builds the model, paused.
 * notify (may be NULL) is called from the worker thread after each
 * publish; it must only schedule work on the caller's thread (for example
 * g_main_context_invoke or an atomic flag), never touch widgets. */
LwSession  *lw_session_new            (const LwRunSettings *settings,
                                       void (*notify) (gpointer user_data),
                                       gpointer user_data);
/* A new session whose run starts as an exact copy of source's at its
 * next batch boundary (a pipeline is drained first, as for saving):
 * weights, optimizer moments, BatchNorm statistics, random streams, the
 * position in the epoch, curves and marks so far, every live control, how
 * to run (threads, schedule). It is paused, and goes on as source's run
 * would have; source's run goes on unaffected (playing if it was). Both
 * get a LW_MARK_FORK mark where they part. The copy is handed over in
 * memory; until it arrives the new session is LOADING (FAILED, with a
 * message, if source's run fails or source is freed first). NULL with
 * LW_SESSION_ERROR_NO_RUN when source has no run to fork: still loading,
 * or failed. */
LwSession  *lw_session_new_fork       (LwSession *source,
                                       void (*notify) (gpointer user_data),
                                       gpointer user_data, GError **error);
/* The same, in a lockstep gate (lw-lockstep.h) with the sessions of the
 * other lanes of a window: it steps when the gate lets it, on the threads
 * the gate gives it (settings->threads is not used). id names it to the
 * others (LwSnapshot.lockstep_waiting_for). The gate outlives it. */
LwSession  *lw_session_new_in_lockstep (const LwRunSettings *settings, LwLockstep *gate,
                                        guint id, void (*notify) (gpointer user_data),
                                        gpointer user_data);
/* A fork (as lw_session_new_fork) that steps in a lockstep gate, as
 * lw_session_new_in_lockstep: Fork Here in a window of lanes. */
LwSession  *lw_session_new_fork_in_lockstep (LwSession *source, LwLockstep *gate, guint id,
                                             void (*notify) (gpointer user_data),
                                             gpointer user_data, GError **error);
/* Stops the worker and waits for it (at most one training step). */
void        lw_session_free           (LwSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwSession, lw_session_free)

/* The newest snapshot, with a reference for the caller. Never NULL. */
LwSnapshot *lw_session_get_snapshot   (LwSession *session);
/* The settings the current run was built with, as of the newest
 * snapshot (a copy; clear it): a run built from them anew retraces this
 * one from its start. */
void        lw_session_get_settings   (LwSession *session, LwRunSettings *settings);

/* Commands: queued, applied in order at the next batch boundary. Values
 * are checked here; an invalid one returns FALSE with error set, and
 * nothing is queued. */
void        lw_session_play           (LwSession *session);
void        lw_session_pause          (LwSession *session);
void        lw_session_step           (LwSession *session);   /* one batch, then paused */
/* New model from settings; the current run's curves are kept as a previous run. */
void        lw_session_reset          (LwSession *session, const LwRunSettings *settings);
void        lw_session_set_loss       (LwSession *session, LwLossType loss);
/* Any numeric live control (block: which one, for a per-block control);
 * the value must be in the control's range. The four below call it. */
gboolean    lw_session_set_value      (LwSession *session, LwLiveControlId control, guint block,
                                       double value, GError **error);
gboolean    lw_session_set_beta       (LwSession *session, double beta, GError **error);
gboolean    lw_session_set_lr         (LwSession *session, double lr, GError **error);
gboolean    lw_session_set_block_lr_mult (LwSession *session, guint block, double mult, GError **error);
gboolean    lw_session_set_block_frozen  (LwSession *session, guint block, gboolean frozen, GError **error);
/* Local errors also reach the blocks below (the reference's --no-detach;
 * lw_model_set_no_detach). Under bp it changes nothing until another loss
 * is chosen; a pipeline runs such steps whole. */
void        lw_session_set_no_detach  (LwSession *session, gboolean no_detach);
gboolean    lw_session_set_dropout    (LwSession *session, double dropout, GError **error);
/* The learning-rate schedule from now on: as each later epoch begins
 * after a milestone, the live rate is multiplied by the factor (a
 * milestone already passed changes nothing). Refused with the parser's
 * message when the schedule is not one it could give. */
gboolean    lw_session_set_lr_schedule (LwSession *session, const LwLrSchedule *schedule,
                                        GError **error);
gboolean    lw_session_set_probe_image (LwSession *session, guint test_index, GError **error);
/* Switches the running model to another schedule at the next batch; the
 * weights and the results do not depend on it (lw-pipeline.h). stages 0:
 * one per thread. */
gboolean    lw_session_set_schedule   (LwSession *session, LwSchedule schedule, guint stages,
                                       GError **error);
/* Drops the kept previous runs. */
void        lw_session_clear_previous (LwSession *session);

/* Run files (src/runfile). Saving writes everything needed to go on with
 * the current run exactly where it stands: settings, model and optimizer
 * state, random streams, curves and marks. Opening one replaces the
 * current run (its curves join the previous runs, as after a reset) and
 * its settings, paused; a file that cannot be opened (damaged, foreign,
 * newer, its dataset missing) leaves the current run as it was. Either
 * way the outcome is reported in the snapshot's file_* fields. */
void        lw_session_save_run       (LwSession *session, const char *path);
void        lw_session_open_run       (LwSession *session, const char *path);
/* Saves the run to path every interval_s seconds of training that
 * changed it, and when it is paused (by a divergence too); path NULL
 * turns this off. */
void        lw_session_set_autosave   (LwSession *session, const char *path, guint interval_s);
/* When training diverges (a NaN or an infinity: the step is not applied)
 * the worker pauses and the snapshot says where. It keeps a copy of the
 * last good state, taken when the run starts, at every pause and every
 * LW_SESSION_CHECKPOINT_EVERY steps while running. */
#define LW_SESSION_CHECKPOINT_EVERY 500
/* Back to that copy (weights, optimizer state, BatchNorm statistics),
 * paused; the curves go on, with a mark. Nothing without a run. */
void        lw_session_restore_last_good (LwSession *session);
/* The learning rate divided by 10, and training goes on. */
void        lw_session_lower_lr       (LwSession *session);

/* For tests: the number of commands applied so far, and a wait until the
 * worker has applied every command sent before this call (polls; returns
 * FALSE on timeout). */
guint64     lw_session_commands_applied (LwSession *session);
gboolean    lw_session_sync           (LwSession *session, guint timeout_ms);

#define LW_SESSION_ERROR (lw_session_error_quark ())
GQuark lw_session_error_quark (void);
typedef enum {
  LW_SESSION_ERROR_INVALID,
  LW_SESSION_ERROR_NO_RUN,    /* lw_session_new_fork: nothing to fork */
} LwSessionError;

G_END_DECLS
