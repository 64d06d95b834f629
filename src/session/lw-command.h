/* lw-command.h: what callers ask the worker to do, and the queue that
 * carries it. The queue counts what was sent and what was applied, so a
 * caller can wait until the worker has caught up (lw_session_sync).
 *
 * It is built on pthreads rather than GAsyncQueue/GMutex: GLib's futex
 * mutexes are invisible to ThreadSanitizer, which then cannot check the
 * hand-over of commands and snapshots (./run.sh sanitize). */
#pragma once

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>

#include "lw-fork.h"
#include "engine/lw-step.h"
#include "lw-session.h"

G_BEGIN_DECLS

typedef enum {
  LW_CMD_PLAY,
  LW_CMD_PAUSE,
  LW_CMD_STEP,
  LW_CMD_RESET,
  LW_CMD_SET_LOSS,
  LW_CMD_SET_VALUE,           /* a numeric live control (lw-live-controls.h) */
  LW_CMD_SET_BLOCK_FROZEN,
  LW_CMD_SET_NO_DETACH,
  LW_CMD_SET_PROBE_IMAGE,
  LW_CMD_SET_SCHEDULE,
  LW_CMD_SET_LR_SCHEDULE,
  LW_CMD_CLEAR_PREVIOUS,
  LW_CMD_SAVE_RUN,
  LW_CMD_OPEN_RUN,
  LW_CMD_SET_AUTOSAVE,
  LW_CMD_RESTORE_GOOD,
  LW_CMD_LOWER_LR,
  LW_CMD_QUIT,
  LW_CMD_FORK,                /* an image of the run for a new session */
} LwCommandKind;

typedef struct {
  LwCommandKind kind;
  guint block;                /* SET_BLOCK_FROZEN, SET_VALUE of a per-block control */
  LwLiveControlId control;    /* SET_VALUE */
  union {
    double value;             /* SET_VALUE */
    LwLossType loss;
    gboolean frozen;
    gboolean no_detach;
    guint index;              /* probe image */
    LwSchedule schedule;      /* with block = its stages */
    guint interval_s;         /* autosave */
    LwLrSchedule lr_schedule; /* SET_LR_SCHEDULE */
  };
  char *path;                 /* SAVE_RUN, OPEN_RUN, SET_AUTOSAVE (NULL: off): owned */
  LwRunSettings *settings;    /* RESET: owned deep copy */
  LwForkHandoff *fork;        /* FORK: a reference; failed if never applied */
  gboolean urgent;            /* raises the queue's stop flags while queued */
  gboolean drops;             /* urgent, and drops what it stops (reset, open, quit) */
} LwCommand;

LwCommand *lw_command_new  (LwCommandKind kind);
/* A command that stops a batch under way between two blocks: pause, a
 * step while training, reset, open, quit (their answer must not wait for
 * a batch that takes seconds). Reset, open and quit drop that batch. */
LwCommand *lw_command_new_urgent (LwCommandKind kind);
void       lw_command_free (LwCommand *cmd);

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t arrived;     /* a command was pushed */
  pthread_cond_t applied_cond;/* applied grew */
  GQueue items;               /* of LwCommand *, in the order sent */
  gboolean woken;             /* lw_command_queue_wake since the last pop */
  _Atomic guint64 sent;
  _Atomic guint64 applied;
  /* Commands queued that want training to stop between blocks rather
   * than at the end of the batch (lw_command_new_urgent), and those of
   * them that drop the batch: the engine's stop flags, the first while
   * playing, the second during a single step (which a pause does not
   * cut short). */
  LwStopFlag urgent;
  LwStopFlag dropping;
} LwCommandQueue;

void       lw_command_queue_init  (LwCommandQueue *q);
/* Frees the commands never applied. */
void       lw_command_queue_clear (LwCommandQueue *q);
/* Takes ownership of cmd. */
void       lw_command_queue_push  (LwCommandQueue *q, LwCommand *cmd);
/* The oldest command; with wait, blocks until there is one or the queue
 * is woken; NULL when the queue is empty. */
LwCommand *lw_command_queue_pop   (LwCommandQueue *q, gboolean wait);
/* Ends a wait of lw_command_queue_pop (with NULL) without a command: the
 * worker is to look again at something else it waits for (lw-lockstep.h). */
void       lw_command_queue_wake  (LwCommandQueue *q);
/* The worker has applied n more commands (and published their effect). */
void       lw_command_queue_done  (LwCommandQueue *q, guint n);
guint64    lw_command_queue_sent    (LwCommandQueue *q);
guint64    lw_command_queue_applied (LwCommandQueue *q);
/* Waits until applied >= target; FALSE on timeout. */
gboolean   lw_command_queue_wait  (LwCommandQueue *q, guint64 target, guint timeout_ms);

G_END_DECLS
