/* lw-lockstep.h: the gate the sessions of one window (its lanes) step
 * through. It does two things.
 *
 * Lockstep: members of one group (same dataset, batch size and data seed:
 * they see the same batches) stay level while they play. A member that
 * has handed out k steps may start step k + 1 only while no other playing
 * member of its group has handed out fewer than k: none gets more than one
 * batch ahead, and one that is behind (added late, or resumed after a
 * pause of its own) catches up while the others wait. Members that are
 * paused, finished, loading or failed hold nobody back.
 *
 * Threads: one member alone trains on all of the gate's threads, as a
 * single session does. With two or more each trains on one thread (BLAS
 * and the engine's loops single-threaded, set process-wide by the gate
 * while no member is stepping) and at most `threads` of them step at once,
 * first come first served.
 *
 * A member that may not step now is told so at once and never blocks
 * here: it waits on its own command queue, and the gate wakes it (its
 * wake function) whenever what it waits for may have changed. Thread-safe;
 * no GTK. */
#pragma once

#include <glib.h>

#include "lw-session.h"

G_BEGIN_DECLS

typedef struct _LwLockstep LwLockstep;
typedef struct _LwLockstepMember LwLockstepMember;

/* Why a member may not step now (lw_lockstep_try_begin). */
typedef enum {
  LW_LOCKSTEP_GO,             /* it may: a thread is its */
  LW_LOCKSTEP_CATCHING_UP,    /* another playing member of its group is behind */
  LW_LOCKSTEP_NO_THREAD,      /* every thread is taken */
  LW_LOCKSTEP_HELD,           /* held for a pause of every member (lw_lockstep_hold) */
} LwLockstepTurn;

typedef struct {
  LwLockstepTurn turn;
  guint waiting_for;          /* CATCHING_UP: the id of the member furthest behind */
  guint64 waiting_at;         /* and the steps it has handed out */
} LwLockstepWait;

/* threads: the window's training threads (at least 1). */
LwLockstep       *lw_lockstep_new         (int threads);
/* Every member must have left. */
void              lw_lockstep_free        (LwLockstep *gate);
void              lw_lockstep_set_threads (LwLockstep *gate, int threads);

/* id: the caller's name for the member (a lane's), reported to the
 * others in LwLockstepWait. wake (called with the gate's lock held: it
 * must only signal) wakes the member's thread. A new member is not
 * playing and in no group. */
LwLockstepMember *lw_lockstep_join        (LwLockstep *gate, guint id,
                                           void (*wake) (gpointer data), gpointer data);
void              lw_lockstep_leave       (LwLockstepMember *member);

/* A new run: its group (lw_lockstep_group_of) and the steps it has
 * handed out so far. */
void              lw_lockstep_set_group   (LwLockstepMember *member, const char *group,
                                           guint64 steps);
/* Playing means the member would step if it could. */
void              lw_lockstep_set_playing (LwLockstepMember *member, gboolean playing);

/* Before a step, with the steps handed out so far: GO takes a thread (and
 * the step counts as handed out, so the others may start theirs), and
 * threads gets how many threads the member's step may use; anything else
 * says why not (wait may be NULL), and the member will be woken when that
 * may have changed. */
LwLockstepTurn    lw_lockstep_try_begin   (LwLockstepMember *member, guint64 steps, int *threads,
                                           LwLockstepWait *wait);
/* A step asked for alone (one batch while paused): takes a thread,
 * waiting for one if need be (at most one step of another member), with
 * no regard to lockstep. */
void              lw_lockstep_begin_single (LwLockstepMember *member, guint64 steps,
                                            int *threads);
/* After the step: gives the thread back, with the steps now handed out. */
void              lw_lockstep_end         (LwLockstepMember *member, guint64 steps);

/* No member starts another step until it has applied the pause it is
 * then sent (and calls lw_lockstep_unhold): the window's Pause leaves its
 * lanes as level as they were, even a lane that was only starting to
 * play. */
void              lw_lockstep_hold        (LwLockstep *gate);
void              lw_lockstep_unhold      (LwLockstepMember *member);

/* Every member is about to be sent a play, and counts as playing until
 * it has applied it (and said whether it plays, which it must): lanes
 * played together start together, none ahead of one whose worker was
 * slower to see its play. */
void              lw_lockstep_expect_play (LwLockstep *gate);

/* What was seen so far, for tests and benchmarks: the most members
 * stepping at once, and the largest lead, in steps, of a member starting
 * a step over the member furthest behind in its group among those
 * playing. */
guint             lw_lockstep_peak_stepping (LwLockstep *gate);
guint64           lw_lockstep_max_lead      (LwLockstep *gate);

/* The group of a run's settings: runs whose groups are equal see the same
 * batches in the same order. */
char             *lw_lockstep_group_of    (const LwRunSettings *settings);

G_END_DECLS
