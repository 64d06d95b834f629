/* lw-session-private.h: the session object, shared by the caller-side API
 * (lw-session.c) and the worker thread (lw-worker.c).
 *
 * A -private.h is included only by the files of its own folder (here
 * src/session/) and by the tests of that code, never from another folder. */
#pragma once

#include <stdatomic.h>

#include "engine/lw-checkpoint.h"
#include "lw-command.h"
#include "lw-lockstep.h"
#include "lw-predictions.h"
#include "lw-run.h"
#include "lw-session.h"
#include "lw-visuals.h"

G_BEGIN_DECLS

/* Everything the worker thread owns. Only it touches this between
 * g_thread_new and g_thread_join. */
typedef struct {
  LwRunSettings settings;     /* of the current run */
  const LwDataset *ds;        /* shared (lw-dataset-cache.h) */
  char *loaded_dir;           /* settings the dataset was loaded with */
  char *loaded_name;          /* the folder's name, said for a dataset of the user's folder */
  guint loaded_limit;
  LwRun *run;                 /* NULL while loading and when failed */
  LwRunState state;
  char *error;                /* when FAILED */
  guint next_run_id;
  LwFrozenRun *previous[LW_SNAPSHOT_MAX_PREVIOUS];
  guint n_previous;

  LwVisuals *visuals;         /* NULL without a run */
  gboolean visuals_dirty;     /* the model or the probe image changed */
  gboolean visuals_urgent;    /* the user asked for a new one: do not wait */
  gint64 last_visuals;
  guint probe_image;

  LwTestImages *test_images;  /* the first test images of the run, for predictions */
  LwPredictions *predictions; /* NULL without a run */
  gboolean predictions_dirty; /* the model changed since they were made */
  gint64 last_predictions;
  gint64 predictions_cost;    /* how long the last ones took */
  /* Run files: the last report, and the autosave. */
  guint64 file_serial;
  gboolean file_failed;
  char *file_message;
  char *autosave_path;        /* NULL: off */
  gint64 autosave_interval;   /* µs */
  gint64 last_autosave;
  guint autosaved_run_id;     /* the run and step last autosaved */
  guint64 autosaved_step;
  /* The last good state, for going back after a divergence. */
  LwCheckpoint *checkpoint;   /* NULL without a run */
  guint64 checkpoint_step;
  char *divergence;           /* while paused after a divergence: what happened */
  LwDivergence diverged;
  guint64 diverged_step;

  /* The lockstep gate, when in one: what it was last told, and why it
   * last said no (shown in the snapshot while catching up). */
  gboolean gate_playing;
  gboolean gate_blocked;      /* running, but told to wait: wait for a wake or a command */
  LwLockstepWait gate_wait;

  gint64 last_publish;
  gboolean publish_needed;
  gboolean quit;
} LwWorker;

struct _LwSession {
  LwCommandQueue commands;
  GThread *thread;
  void (*notify) (gpointer user_data);
  gpointer user_data;

  /* Guards snap (the pointer; the contents never change). A pthread
   * mutex, which ThreadSanitizer sees, unlike GMutex. */
  pthread_mutex_t snap_lock;
  LwSnapshot *snap;
  LwRunSettings snap_settings;  /* the run's settings as of snap; also under snap_lock */

  LwLockstepMember *member;   /* NULL: not in a gate */

  /* Blocks of the newest settings sent, to check block indices when a
   * command is sent (a reset may still be queued). */
  _Atomic guint expected_blocks;
  /* Set by lw_session_free: what is still queued is dropped, not applied. */
  _Atomic gboolean quitting;
  /* A fork's: where its run comes from (NULL for other sessions). */
  LwForkHandoff *fork;
  /* A pause was asked for and not yet applied: snapshots say "pausing". */
  _Atomic gboolean pause_pending;
  /* Snapshots' serials, from the worker's publishes and lw_session_pause's. */
  _Atomic guint64 serial;

  LwWorker worker;
};

void     lw_worker_init  (LwSession *s, const LwRunSettings *settings);
gpointer lw_worker_main  (gpointer session);
void     lw_worker_clear (LwSession *s);

G_END_DECLS
