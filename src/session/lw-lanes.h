/* lw-lanes.h: the lanes of a window: one to LW_LANES_MAX runs side by
 * side, each an LwSession of its own in one lockstep gate (lw-lockstep.h),
 * so that lanes on the same batches stay level and share the training
 * threads. Each lane has a name the user may change and a colour (an
 * index, 0 .. LW_LANES_MAX - 1) that stays with it while it lives.
 *
 * Commands for one lane go to its session (lw_lanes_get_session) and reach
 * that lane only. LwLanes itself belongs to one thread (the window's);
 * the sessions answer from any. Indices run 0 .. n - 1 in the order the
 * lanes were added; removing one moves those after it down. Each lane
 * also has an id, never reused within one LwLanes, by which snapshots
 * name it (LwSnapshot.lockstep_waiting_for). No GTK. */
#pragma once

#include <glib.h>

#include "lw-lockstep.h"
#include "lw-session.h"

G_BEGIN_DECLS

#define LW_LANES_MAX 4

typedef struct _LwLanes LwLanes;

/* The first lane, from settings (its threads are the window's: what the
 * lanes share). name NULL: "Lane 1". notify is every lane's session's
 * (lw_session_new). */
LwLanes    *lw_lanes_new          (const LwRunSettings *settings, const char *name,
                                   void (*notify) (gpointer user_data), gpointer user_data);
/* Stops every lane (at most a training step each). */
void        lw_lanes_free         (LwLanes *lanes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwLanes, lw_lanes_free)

guint       lw_lanes_get_n        (LwLanes *lanes);
LwSession  *lw_lanes_get_session  (LwLanes *lanes, guint index);
LwLockstep *lw_lanes_get_lockstep (LwLanes *lanes);

/* A new lane from settings, paused at its start; its index, or -1 with
 * error set when the window has LW_LANES_MAX lanes already. name NULL:
 * "Lane N" after its colour. */
int         lw_lanes_add          (LwLanes *lanes, const LwRunSettings *settings,
                                   const char *name, GError **error);
/* A new lane with the settings (seeds included) lane index's run was
 * built with, from the start: until something is changed in one of them
 * it retraces that run bit for bit. Named after it. */
int         lw_lanes_duplicate    (LwLanes *lanes, guint index, GError **error);
/* Fork Here: a new lane whose run is an exact copy of lane index's at
 * its next batch boundary (lw_session_new_fork), paused there, level with
 * it; both runs get a mark where they part. -1 with error set when the
 * window is full or lane index has no run to fork. Named after it. */
int         lw_lanes_fork         (LwLanes *lanes, guint index, GError **error);
/* Stops and drops a lane; the others go on. The last one is not removed
 * (FALSE, error set). */
gboolean    lw_lanes_remove       (LwLanes *lanes, guint index, GError **error);

const char *lw_lanes_get_name     (LwLanes *lanes, guint index);
/* FALSE with error set when name is empty (or only blanks); it is kept
 * without leading and trailing blanks. */
gboolean    lw_lanes_set_name     (LwLanes *lanes, guint index, const char *name,
                                   GError **error);
guint       lw_lanes_get_colour   (LwLanes *lanes, guint index);
guint       lw_lanes_get_id       (LwLanes *lanes, guint index);
/* The index of the lane with this id; -1 when it is gone. */
int         lw_lanes_find_id      (LwLanes *lanes, guint id);

/* The threads every lane shares (the window's): one lane uses them all,
 * several one each. */
void        lw_lanes_set_threads  (LwLanes *lanes, int threads);

/* The header's Play and Pause: every lane. Pause stops each lane where it
 * stands, so lanes that were level stay level. */
void        lw_lanes_play_all     (LwLanes *lanes);
void        lw_lanes_pause_all    (LwLanes *lanes);

G_END_DECLS
