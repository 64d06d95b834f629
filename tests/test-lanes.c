/* test-lanes.c: the lanes of a window without a display: lockstep while
 * they play, catching up, Duplicate, commands reaching one lane only, the
 * lane limits, removing lanes while they train, a storm of commands, and
 * the threads: each lane's results are those of a run alone on one
 * thread. Small MLPs on the embedded subset: a few seconds in all. */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "engine/lw-gemm.h"
#include "session/lw-lanes.h"
#include "session/lw-lockstep.h"
#include "session/lw-run-disk.h"
#include "session-helpers.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static gboolean
is_loaded (const LwSnapshot *snap, gpointer data)
{
  return snap->state != LW_RUN_LOADING;
}

static gboolean
reached_step (const LwSnapshot *snap, gpointer data)
{
  return snap->step >= *(guint64 *) data;
}

static gboolean
is_finished (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_FINISHED;
}

static LwSnapshot *
wait_step (LwSession *s, guint64 step)
{
  return wait_for (s, reached_step, &step);
}

static void
wait_loaded (LwLanes *lanes, guint index)
{
  g_autoptr (LwSnapshot) snap = wait_for (lw_lanes_get_session (lanes, index), is_loaded, NULL);

  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
}

static guint64
lane_step (LwLanes *lanes, guint index)
{
  g_autoptr (LwSnapshot) snap = lw_session_get_snapshot (lw_lanes_get_session (lanes, index));

  return snap->step;
}

/* Batches handed out: the whole ones and those a pause stopped half-way
 * (lockstep counts these: a pause may stop a lane between blocks). */
static guint64
lane_handed_out (LwLanes *lanes, guint index)
{
  g_autoptr (LwSnapshot) snap = lw_session_get_snapshot (lw_lanes_get_session (lanes, index));

  return snap->step + snap->stopped_batches;
}

static guint64
synced_step (LwSession *s)
{
  g_autoptr (LwSnapshot) snap = synced (s);

  return snap->step;
}

static void
sync_all (LwLanes *lanes)
{
  for (guint i = 0; i < lw_lanes_get_n (lanes); i++)
    g_assert_true (lw_session_sync (lw_lanes_get_session (lanes, i), SESSION_TIMEOUT_MS));
}

/* A lane of an MLP 2 x hidden, its steps sequential (AUTO would time a
 * pipeline while the lane is alone), in a window of two threads. */
static void
lane_settings (LwRunSettings *st, guint hidden)
{
  small_settings (st);
  st->threads = 2;
  st->schedule = LW_SCHEDULE_SEQUENTIAL;
  st->model.num_hidden = hidden;
}

static void
assert_curves_equal (const LwRunCurves *a, const LwRunCurves *b)
{
  g_assert_cmpuint (a->n_layers, ==, b->n_layers);
  for (guint l = 0; l < a->n_layers; l++)
    {
      assert_series_identical (&a->layers[l].train_acc, &b->layers[l].train_acc);
      assert_series_identical (&a->layers[l].test_acc, &b->layers[l].test_acc);
      assert_series_identical (&a->layers[l].epoch_test_acc, &b->layers[l].epoch_test_acc);
      assert_series_identical (&a->layers[l].loss_pred, &b->layers[l].loss_pred);
      assert_series_identical (&a->layers[l].loss_sim, &b->layers[l].loss_sim);
    }
}

/* The model's state as far as the snapshots show it: the first block's
 * weights and every block's activations of the probe image, bit for bit. */
static void
assert_same_model (const LwSnapshot *a, const LwSnapshot *b)
{
  gsize acts = 0;

  g_assert_cmpuint (a->filter_rows, ==, b->filter_rows);
  g_assert_cmpuint (a->filter_cols, ==, b->filter_cols);
  g_assert_nonnull (a->filters);
  g_assert_cmpmem (a->filters, sizeof (float) * a->filter_rows * a->filter_cols,
                   b->filters, sizeof (float) * b->filter_rows * b->filter_cols);
  for (guint i = 0; i < a->n_blocks; i++)
    acts += a->block_width[i];
  g_assert_cmpmem (a->activations, acts * sizeof (float), b->activations, acts * sizeof (float));
  for (guint l = 0; l <= a->n_blocks; l++)
    g_assert_cmpfloat (a->last_test_acc[l], ==, b->last_test_acc[l]);
}

/* ------------------------------------------------------------------ */
/* Lockstep */

static void
count_wake (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static LwLockstepTurn
turn (LwLockstepMember *m, guint64 steps, LwLockstepWait *wait)
{
  int threads;

  return lw_lockstep_try_begin (m, steps, &threads, wait);
}

/* The gate's rules, one call at a time: lockstep within a group, a
 * member that stops playing no longer counted, one behind waited for and
 * the waiting woken, threads handed out, a hold, a play on its way. */
static void
test_gate (void)
{
  LwLockstep *gate = lw_lockstep_new (2);
  gint wakes_a = 0, wakes_b = 0, wakes_c = 0;
  LwLockstepMember *a = lw_lockstep_join (gate, 10, count_wake, &wakes_a);
  LwLockstepMember *b = lw_lockstep_join (gate, 11, count_wake, &wakes_b);
  LwLockstepMember *c;
  LwLockstepWait wait;
  int threads = 0;
  gint before;

  lw_lockstep_set_group (a, "g", 0);
  lw_lockstep_set_group (b, "g", 0);
  lw_lockstep_set_playing (a, TRUE);
  lw_lockstep_set_playing (b, TRUE);

  /* a takes step 1 on one thread (two members), not step 2 while b has none. */
  g_assert_cmpint (lw_lockstep_try_begin (a, 0, &threads, &wait), ==, LW_LOCKSTEP_GO);
  g_assert_cmpint (threads, ==, 1);
  lw_lockstep_end (a, 1);
  g_assert_cmpint (turn (a, 1, &wait), ==, LW_LOCKSTEP_CATCHING_UP);
  g_assert_cmpuint (wait.waiting_for, ==, 11);
  g_assert_cmpuint (wait.waiting_at, ==, 0);
  /* b's step wakes a, which may then go on, at once: two threads. */
  before = g_atomic_int_get (&wakes_a);
  g_assert_cmpint (turn (b, 0, NULL), ==, LW_LOCKSTEP_GO);
  g_assert_cmpint (g_atomic_int_get (&wakes_a), >, before);
  g_assert_cmpint (turn (a, 1, NULL), ==, LW_LOCKSTEP_GO);
  lw_lockstep_end (b, 1);
  lw_lockstep_end (a, 2);

  /* b pauses: a goes on alone; b plays again: a waits for it. */
  lw_lockstep_set_playing (b, FALSE);
  for (guint64 k = 2; k < 6; k++)
    {
      g_assert_cmpint (turn (a, k, NULL), ==, LW_LOCKSTEP_GO);
      lw_lockstep_end (a, k + 1);
    }
  lw_lockstep_set_playing (b, TRUE);
  g_assert_cmpint (turn (a, 6, &wait), ==, LW_LOCKSTEP_CATCHING_UP);
  g_assert_cmpuint (wait.waiting_at, ==, 1);
  for (guint64 k = 1; k < 6; k++)
    {
      g_assert_cmpint (turn (b, k, NULL), ==, LW_LOCKSTEP_GO);
      lw_lockstep_end (b, k + 1);
    }
  g_assert_cmpint (turn (b, 6, NULL), ==, LW_LOCKSTEP_GO);
  lw_lockstep_end (b, 7);
  g_assert_cmpint (turn (b, 7, NULL), ==, LW_LOCKSTEP_CATCHING_UP);

  /* Another group holds nobody back, but needs a thread: two are taken. */
  c = lw_lockstep_join (gate, 12, count_wake, &wakes_c);
  lw_lockstep_set_group (c, "other", 0);
  lw_lockstep_set_playing (c, TRUE);
  g_assert_cmpint (turn (a, 6, NULL), ==, LW_LOCKSTEP_GO);
  g_assert_cmpint (turn (b, 7, NULL), ==, LW_LOCKSTEP_GO);
  g_assert_cmpint (turn (c, 0, NULL), ==, LW_LOCKSTEP_NO_THREAD);
  before = g_atomic_int_get (&wakes_c);
  lw_lockstep_end (a, 7);
  g_assert_cmpint (g_atomic_int_get (&wakes_c), >, before);
  /* The free thread is c's: it has waited longer. */
  g_assert_cmpint (turn (a, 7, NULL), ==, LW_LOCKSTEP_NO_THREAD);
  g_assert_cmpint (turn (c, 0, NULL), ==, LW_LOCKSTEP_GO);
  g_assert_cmpint (turn (a, 7, NULL), ==, LW_LOCKSTEP_NO_THREAD);
  lw_lockstep_end (b, 8);
  lw_lockstep_end (c, 1);
  g_assert_cmpuint (lw_lockstep_peak_stepping (gate), ==, 2);

  /* A hold: nobody steps until it has applied its pause. */
  lw_lockstep_hold (gate);
  g_assert_cmpint (turn (a, 7, NULL), ==, LW_LOCKSTEP_HELD);
  g_assert_cmpint (turn (c, 2, NULL), ==, LW_LOCKSTEP_HELD);
  lw_lockstep_unhold (a);
  g_assert_cmpint (turn (a, 7, NULL), ==, LW_LOCKSTEP_GO);
  lw_lockstep_end (a, 8);
  lw_lockstep_unhold (c);
  lw_lockstep_set_playing (a, FALSE);
  lw_lockstep_set_playing (b, FALSE);
  lw_lockstep_unhold (b);

  /* A play on its way: b, a new run at 2, counts as playing before it has
   * applied it. */
  lw_lockstep_set_group (b, "g", 2);
  lw_lockstep_expect_play (gate);
  g_assert_cmpint (turn (a, 8, &wait), ==, LW_LOCKSTEP_CATCHING_UP);
  g_assert_cmpuint (wait.waiting_for, ==, 11);

  /* Leaving, a member lets the others go. */
  before = g_atomic_int_get (&wakes_a);
  lw_lockstep_leave (b);
  g_assert_cmpint (g_atomic_int_get (&wakes_a), >, before);
  g_assert_cmpint (turn (a, 8, NULL), ==, LW_LOCKSTEP_GO);
  lw_lockstep_end (a, 9);
  g_assert_cmpuint (lw_lockstep_max_lead (gate), <=, 1);
  lw_lockstep_leave (a);
  lw_lockstep_leave (c);
  lw_lockstep_free (gate);
}

/* Three lanes, one of them several times slower, play; every pause of
 * all of them finds them at most one batch apart, and their held-out
 * evaluations are at the same samples seen. */
static void
test_lockstep (void)
{
  LwRunSettings fast, slow, piped;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (17);
  guint64 total = 0;

  lane_settings (&fast, 64);
  lane_settings (&slow, 512);
  /* Counted by the batches handed out, a pipeline's lane keeps step too. */
  lane_settings (&piped, 64);
  piped.schedule = LW_SCHEDULE_PIPELINE;
  piped.stages = 2;
  fast.eval_every = slow.eval_every = piped.eval_every = 4;
  lanes = lw_lanes_new (&fast, "fast", NULL, NULL);
  g_assert_cmpint (lw_lanes_add (lanes, &slow, "slow", NULL), ==, 1);
  g_assert_cmpint (lw_lanes_add (lanes, &piped, "piped", NULL), ==, 2);
  for (guint i = 0; i < 3; i++)
    wait_loaded (lanes, i);

  /* Twelve rounds, more on a slow machine (the sanitizers'), until the
   * lanes have come some way. */
  for (guint round = 0; round < 12 || (total < 10 && round < 500); round++)
    {
      guint64 lo = G_MAXUINT64, hi = 0;

      lw_lanes_play_all (lanes);
      g_usleep (g_rand_int_range (rand, 10, 60) * 1000);
      lw_lanes_pause_all (lanes);
      sync_all (lanes);
      for (guint i = 0; i < 3; i++)
        {
          guint64 step = lane_handed_out (lanes, i);

          lo = MIN (lo, step);
          hi = MAX (hi, step);
        }
      g_assert_cmpuint (hi - lo, <=, 1);
      total = lo;
    }
  g_test_message ("%" G_GUINT64_FORMAT " steps in lockstep", total);
  g_assert_cmpuint (total, >=, 10);
  g_assert_cmpuint (lw_lockstep_max_lead (lw_lanes_get_lockstep (lanes)), <=, 1);

  {
    g_autoptr (LwSnapshot) a = lw_session_get_snapshot (lw_lanes_get_session (lanes, 0));
    g_autoptr (LwSnapshot) b = lw_session_get_snapshot (lw_lanes_get_session (lanes, 1));
    const LwSeries *ta = &a->current.layers[a->n_blocks].test_acc;
    const LwSeries *tb = &b->current.layers[b->n_blocks].test_acc;

    g_assert_cmpuint (MIN (ta->n, tb->n), >, 0);
    for (guint i = 0; i < MIN (ta->n, tb->n); i++)
      g_assert_cmpfloat (ta->x[i], ==, tb->x[i]);
  }
  {
    g_autoptr (LwSnapshot) c = lw_session_get_snapshot (lw_lanes_get_session (lanes, 2));

    g_assert_cmpuint (c->n_stages, ==, 2);
  }
  lw_run_settings_clear (&fast);
  lw_run_settings_clear (&slow);
  lw_run_settings_clear (&piped);
}

static gboolean
waits_for (const LwSnapshot *snap, gpointer data)
{
  return snap->lockstep_waiting && snap->lockstep_waiting_for == GPOINTER_TO_UINT (data);
}

/* A lane added after the first has trained starts from the beginning;
 * once it plays, the first waits (and says for whom) until it has caught
 * up; then both go on. */
static void
test_late_lane (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  LwSession *a, *b;
  guint64 a0;

  lane_settings (&st, 64);
  lanes = lw_lanes_new (&st, NULL, NULL, NULL);
  a = lw_lanes_get_session (lanes, 0);
  wait_loaded (lanes, 0);
  lw_session_play (a);
  lw_snapshot_unref (wait_step (a, 150));

  /* Added while the first plays: it does not hold it back before it plays. */
  st.model.num_hidden = 256;
  g_assert_cmpint (lw_lanes_add (lanes, &st, "late", NULL), ==, 1);
  b = lw_lanes_get_session (lanes, 1);
  wait_loaded (lanes, 1);
  a0 = lane_step (lanes, 0);
  lw_snapshot_unref (wait_step (a, a0 + 20));

  lw_session_pause (a);
  a0 = synced_step (a);
  lw_session_play (b);
  g_assert_true (lw_session_sync (b, SESSION_TIMEOUT_MS));
  lw_session_play (a);
  {
    g_autoptr (LwSnapshot) snap = wait_for (a, waits_for,
                                            GUINT_TO_POINTER (lw_lanes_get_id (lanes, 1)));

    g_assert_cmpuint (snap->step, ==, a0);
    g_assert_cmpuint (snap->lockstep_waiting_at, <, a0);
  }
  /* Waiting, it answers at once. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LwSnapshot) snap = NULL;

    g_assert_true (lw_session_set_lr (a, 1e-3, &error));
    g_assert_true (lw_session_sync (a, 300));
    snap = lw_session_get_snapshot (a);
    g_assert_cmpfloat (snap->lr, ==, 1e-3f);
    g_assert_true (snap->lockstep_waiting);
    g_assert_cmpuint (snap->step, ==, a0);
  }
  for (;;)
    {
      g_autoptr (LwSnapshot) sa = lw_session_get_snapshot (a);
      g_autoptr (LwSnapshot) sb = lw_session_get_snapshot (b);

      if (sb->step >= a0)
        break;
      /* The first waits where it stood while the second catches up.
       * (The second's own snapshot may be some steps behind it: what the
       * first says it waits for is what the gate saw.) */
      if (sa->lockstep_waiting && sa->lockstep_waiting_at < a0)
        g_assert_cmpuint (sa->step, ==, a0);
      else
        g_assert_cmpuint (sa->step, <=, sa->lockstep_waiting ? sa->lockstep_waiting_at + 1 : G_MAXUINT64);
      g_usleep (1000);
    }
  lw_snapshot_unref (wait_step (a, a0 + 30));
  lw_snapshot_unref (wait_step (b, a0 + 30));
  {
    g_autoptr (LwSnapshot) sa = NULL;

    lw_lanes_pause_all (lanes);
    sync_all (lanes);
    sa = lw_session_get_snapshot (a);
    g_assert_false (sa->lockstep_waiting);
    g_assert_cmpuint (lw_lockstep_max_lead (lw_lanes_get_lockstep (lanes)), <=, 1);
    g_assert_cmpuint (ABS ((gint64) lane_handed_out (lanes, 0)
                           - (gint64) lane_handed_out (lanes, 1)), <=, 1);
  }
  lw_run_settings_clear (&st);
}

/* A lane paused alone holds nobody back; played again it catches up
 * while the other waits for it. */
static void
test_paused_alone (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  LwSession *a, *b;
  guint64 b0;

  lane_settings (&st, 64);
  lanes = lw_lanes_new (&st, NULL, NULL, NULL);
  st.model.num_hidden = 256;
  lw_lanes_add (lanes, &st, NULL, NULL);
  a = lw_lanes_get_session (lanes, 0);
  b = lw_lanes_get_session (lanes, 1);
  wait_loaded (lanes, 0);
  wait_loaded (lanes, 1);
  lw_lanes_play_all (lanes);
  lw_snapshot_unref (wait_step (b, 20));

  lw_session_pause (b);
  b0 = synced_step (b);
  lw_snapshot_unref (wait_step (a, b0 + 100));
  g_assert_cmpuint (synced_step (b), ==, b0);

  lw_session_play (b);
  lw_snapshot_unref (wait_for (a, waits_for, GUINT_TO_POINTER (lw_lanes_get_id (lanes, 1))));
  lw_snapshot_unref (wait_step (b, lane_step (lanes, 0) + 20));
  lw_lanes_pause_all (lanes);
  sync_all (lanes);
  g_assert_cmpuint (ABS ((gint64) lane_handed_out (lanes, 0) - (gint64) lane_handed_out (lanes, 1)),
                    <=, 1);
  g_assert_cmpuint (lw_lockstep_max_lead (lw_lanes_get_lockstep (lanes)), <=, 1);
  lw_run_settings_clear (&st);
}

/* ------------------------------------------------------------------ */
/* Duplicate, seeds, threads */

/* One epoch of 16 batches, evaluated every 5. */
static void
epoch_settings (LwRunSettings *st)
{
  lane_settings (st, 64);
  st->max_epochs = 1;
  st->eval_every = 5;
  st->model.seed = 7;
  st->model.dropout = 0.1f;
  st->data_seed = 3;
}

/* A run alone from st on threads threads, played to its end. */
static LwSnapshot *
run_alone (const LwRunSettings *st, int threads)
{
  LwRunSettings one;
  LwSession *s;
  LwSnapshot *snap;

  lw_run_settings_copy (&one, st);
  one.threads = threads;
  s = lw_session_new (&one, NULL, NULL);
  lw_snapshot_unref (wait_for (s, is_loaded, NULL));
  lw_session_play (s);
  snap = wait_for (s, is_finished, NULL);
  lw_session_free (s);
  lw_run_settings_clear (&one);
  return snap;
}

static LwSnapshot *
single_run (const LwRunSettings *st)
{
  return run_alone (st, 1);
}

/* A duplicate retraces its lane bit for bit, and both are the run alone
 * on one thread; a learning rate changed in one of them after a few
 * steps parts them there, and the other is still that run. */
static void
test_duplicate (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (LwSnapshot) alone = NULL;
  g_autoptr (GError) error = NULL;

  epoch_settings (&st);
  alone = single_run (&st);
  lanes = lw_lanes_new (&st, "bp", NULL, NULL);
  wait_loaded (lanes, 0);
  g_assert_cmpint (lw_lanes_duplicate (lanes, 0, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpstr (lw_lanes_get_name (lanes, 1), ==, "bp (copy)");
  wait_loaded (lanes, 1);
  lw_lanes_play_all (lanes);
  {
    g_autoptr (LwSnapshot) a = wait_for (lw_lanes_get_session (lanes, 0), is_finished, NULL);
    g_autoptr (LwSnapshot) b = wait_for (lw_lanes_get_session (lanes, 1), is_finished, NULL);

    g_assert_cmpuint (b->data_seed, ==, 3);
    g_assert_cmpuint (a->step, ==, 16);
    assert_curves_equal (&a->current, &b->current);
    assert_curves_equal (&a->current, &alone->current);
    assert_same_model (a, b);
    assert_same_model (a, alone);
  }

  /* A third lane, a duplicate again: six steps, then its rate changes. */
  {
    LwSession *c;
    g_autoptr (LwSnapshot) a = NULL;
    g_autoptr (LwSnapshot) end = NULL;
    const LwSeries *ta, *tc;
    guint parted = 0;

    g_assert_cmpint (lw_lanes_duplicate (lanes, 0, &error), ==, 2);
    c = lw_lanes_get_session (lanes, 2);
    wait_loaded (lanes, 2);
    for (guint i = 0; i < 6; i++)
      lw_session_step (c);
    g_assert_true (lw_session_set_lr (c, 5e-3, &error));
    lw_session_play (c);
    end = wait_for (c, is_finished, NULL);
    a = lw_session_get_snapshot (lw_lanes_get_session (lanes, 0));
    ta = &a->current.layers[a->n_blocks].loss_pred;
    tc = &end->current.layers[end->n_blocks].loss_pred;
    g_assert_cmpuint (ta->n, ==, tc->n);
    for (guint i = 0; i < ta->n; i++)
      if (i < 7)
        g_assert_cmpfloat (ta->y[i], ==, tc->y[i]);
      else
        parted += ta->y[i] != tc->y[i];
    g_assert_cmpuint (parted, >=, ta->n - 8);
    g_assert_true (memcmp (a->filters, end->filters,
                           sizeof (float) * a->filter_rows * a->filter_cols) != 0);
  }
  lw_run_settings_clear (&st);
}

/* Fork Here: the fork starts level with its lane and both go on as the
 * lane would have alone; a full window refuses a fork. */
static void
test_fork (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (LwSnapshot) alone = NULL;
  g_autoptr (GError) error = NULL;
  LwSession *a;

  epoch_settings (&st);
  alone = single_run (&st);
  lanes = lw_lanes_new (&st, "pred", NULL, NULL);
  a = lw_lanes_get_session (lanes, 0);
  wait_loaded (lanes, 0);
  for (guint i = 0; i < 5; i++)
    lw_session_step (a);
  g_assert_cmpuint (synced_step (a), ==, 5);
  g_assert_cmpint (lw_lanes_fork (lanes, 0, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpstr (lw_lanes_get_name (lanes, 1), ==, "pred (fork)");
  wait_loaded (lanes, 1);
  g_assert_cmpuint (lane_step (lanes, 1), ==, 5);
  lw_lanes_play_all (lanes);
  {
    g_autoptr (LwSnapshot) x = wait_for (a, is_finished, NULL);
    g_autoptr (LwSnapshot) y = wait_for (lw_lanes_get_session (lanes, 1), is_finished, NULL);

    g_assert_cmpuint (y->step, ==, x->step);
    assert_curves_equal (&x->current, &alone->current);
    assert_curves_equal (&y->current, &alone->current);
    assert_same_model (x, alone);
    assert_same_model (y, alone);
  }
  g_assert_cmpuint (lw_lockstep_max_lead (lw_lanes_get_lockstep (lanes)), <=, 1);

  g_assert_cmpint (lw_lanes_fork (lanes, 1, &error), ==, 2);
  g_assert_cmpint (lw_lanes_fork (lanes, 0, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpint (lw_lanes_fork (lanes, 0, &error), ==, -1);
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_assert_cmpuint (lw_lanes_get_n (lanes), ==, 4);
  lw_run_settings_clear (&st);
}

/* The data seed: unset, the weight seed's; lanes with one data seed and
 * different weight seeds see the same batches (one lockstep group), and
 * another data seed another order. */
static void
test_data_seed (void)
{
  LwRunSettings st;
  g_autoptr (LwSnapshot) implied = NULL, given = NULL, other = NULL;
  g_autofree char *g1 = NULL, *g2 = NULL, *g3 = NULL;

  epoch_settings (&st);
  /* Without augmentation: the order alone tells the seeds apart. */
  st.augment = FALSE;
  st.data_seed = 0;
  implied = single_run (&st);
  g_assert_cmpuint (implied->data_seed, ==, 7);
  st.data_seed = 7;
  given = single_run (&st);
  assert_curves_equal (&implied->current, &given->current);
  assert_same_model (implied, given);
  st.data_seed = 8;
  other = single_run (&st);
  g_assert_true (memcmp (other->filters, given->filters,
                         sizeof (float) * given->filter_rows * given->filter_cols) != 0);

  st.data_seed = 0;
  g1 = lw_lockstep_group_of (&st);
  st.model.seed = 9;
  st.data_seed = 7;
  g2 = lw_lockstep_group_of (&st);
  st.data_seed = 0;
  g3 = lw_lockstep_group_of (&st);
  g_assert_cmpstr (g1, ==, g2);
  g_assert_cmpstr (g1, !=, g3);

  /* A run file keeps it. */
  {
    g_autofree char *dir = g_dir_make_tmp ("lanes-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "seed.lwrun", NULL);
    g_autoptr (LwRunFile) file = NULL;
    g_autoptr (LwSnapshot) snap = NULL;
    LwRunSettings back;
    LwSession *s;

    st.data_seed = 9;
    s = lw_session_new (&st, NULL, NULL);
    lw_snapshot_unref (wait_for (s, is_loaded, NULL));
    lw_session_step (s);
    lw_session_save_run (s, path);
    snap = synced (s);
    g_assert_false (snap->file_failed);
    lw_session_free (s);
    file = lw_run_disk_open (path, &back, NULL);
    g_assert_nonnull (file);
    g_assert_cmpuint (back.data_seed, ==, 9);
    lw_run_settings_clear (&back);
    g_assert_cmpint (g_remove (path), ==, 0);
    g_assert_cmpint (g_rmdir (dir), ==, 0);
  }
  lw_run_settings_clear (&st);
}

/* Two lanes on two threads each train as a run alone on one thread does,
 * bit for bit, both at once on one thread each; alone again, a lane has
 * both threads, and still trains as a run alone on one thread does (the
 * products are cut into the same pieces on any number of threads). */
static void
test_threads (void)
{
  LwRunSettings st, other;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (LwSnapshot) alone = NULL, alone_other = NULL, alone2 = NULL;
  LwLockstep *gate;

  epoch_settings (&st);
  epoch_settings (&other);
  other.model.seed = 11;
  other.model.loss = LW_LOSS_PRED;
  alone = single_run (&st);
  alone2 = run_alone (&st, 2);
  assert_curves_equal (&alone2->current, &alone->current);
  assert_same_model (alone2, alone);
  alone_other = single_run (&other);

  lanes = lw_lanes_new (&st, NULL, NULL, NULL);
  gate = lw_lanes_get_lockstep (lanes);
  lw_lanes_add (lanes, &other, NULL, NULL);
  wait_loaded (lanes, 0);
  wait_loaded (lanes, 1);
  lw_lanes_play_all (lanes);
  {
    g_autoptr (LwSnapshot) a = wait_for (lw_lanes_get_session (lanes, 0), is_finished, NULL);
    g_autoptr (LwSnapshot) b = wait_for (lw_lanes_get_session (lanes, 1), is_finished, NULL);

    assert_curves_equal (&a->current, &alone->current);
    assert_same_model (a, alone);
    assert_curves_equal (&b->current, &alone_other->current);
    assert_same_model (b, alone_other);
  }
  g_assert_cmpint (lw_blas_get_threads (), ==, 1);
  g_assert_cmpuint (lw_lockstep_peak_stepping (gate), ==, 2);

  /* Four lanes on two threads: never more than two step at once. */
  lw_session_reset (lw_lanes_get_session (lanes, 0), &other);
  lw_session_reset (lw_lanes_get_session (lanes, 1), &other);
  lw_lanes_add (lanes, &other, NULL, NULL);
  lw_lanes_add (lanes, &other, NULL, NULL);
  for (guint i = 0; i < 4; i++)
    g_assert_true (lw_session_sync (lw_lanes_get_session (lanes, i), SESSION_TIMEOUT_MS));
  for (guint i = 0; i < 4; i++)
    wait_loaded (lanes, i);
  lw_lanes_play_all (lanes);
  for (guint i = 0; i < 4; i++)
    lw_snapshot_unref (wait_for (lw_lanes_get_session (lanes, i), is_finished, NULL));
  g_assert_cmpuint (lw_lockstep_peak_stepping (gate), ==, 2);

  /* One lane left: it has both threads at its next step. */
  for (guint i = 0; i < 3; i++)
    g_assert_true (lw_lanes_remove (lanes, 0, NULL));
  lw_session_reset (lw_lanes_get_session (lanes, 0), &st);
  lw_snapshot_unref (synced (lw_lanes_get_session (lanes, 0)));
  lw_session_play (lw_lanes_get_session (lanes, 0));
  {
    g_autoptr (LwSnapshot) a = wait_for (lw_lanes_get_session (lanes, 0), is_finished, NULL);

    g_assert_cmpint (lw_blas_get_threads (), ==, 2);
    assert_curves_equal (&a->current, &alone->current);
    assert_same_model (a, alone);
  }
  lw_run_settings_clear (&st);
  lw_run_settings_clear (&other);
}

/* ------------------------------------------------------------------ */
/* The lane set */

/* A learning rate, a freeze and a loss sent to one lane reach it only. */
static void
test_controls_one_lane (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LwSnapshot) a = NULL, b = NULL;
  LwSession *s1, *s2;

  lane_settings (&st, 64);
  lanes = lw_lanes_new (&st, NULL, NULL, NULL);
  lw_lanes_add (lanes, &st, NULL, NULL);
  s1 = lw_lanes_get_session (lanes, 0);
  s2 = lw_lanes_get_session (lanes, 1);
  wait_loaded (lanes, 0);
  wait_loaded (lanes, 1);
  lw_lanes_play_all (lanes);
  g_assert_true (lw_session_set_lr (s2, 2.5e-3, &error));
  g_assert_true (lw_session_set_block_frozen (s1, 1, TRUE, &error));
  lw_session_set_loss (s2, LW_LOSS_SIM);
  g_assert_no_error (error);
  lw_lanes_pause_all (lanes);
  a = synced (s1);
  b = synced (s2);
  g_assert_cmpfloat (a->lr, ==, st.model.lr);
  g_assert_cmpfloat (b->lr, ==, 2.5e-3f);
  g_assert_true (a->block_frozen[1]);
  g_assert_false (b->block_frozen[1]);
  g_assert_cmpint (a->loss, ==, st.model.loss);
  g_assert_cmpint (b->loss, ==, LW_LOSS_SIM);
  /* Marks: lane 1 the freeze and the pause, lane 2 the rate, the loss and the pause. */
  g_assert_cmpuint (a->current.n_marks, ==, 2);
  g_assert_cmpuint (b->current.n_marks, ==, 3);
  lw_run_settings_clear (&st);
}

/* Up to four lanes, at least one; names and colours. */
static void
test_limits (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (GError) error = NULL;

  lane_settings (&st, 32);
  lanes = lw_lanes_new (&st, "  bp ", NULL, NULL);
  g_assert_cmpstr (lw_lanes_get_name (lanes, 0), ==, "bp");
  g_assert_false (lw_lanes_remove (lanes, 0, &error));
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "last lane"));
  g_clear_error (&error);
  for (guint i = 1; i < LW_LANES_MAX; i++)
    g_assert_cmpint (lw_lanes_add (lanes, &st, NULL, &error), ==, (int) i);
  g_assert_cmpint (lw_lanes_add (lanes, &st, "fifth", &error), ==, -1);
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "at most four lanes"));
  g_clear_error (&error);
  g_assert_cmpint (lw_lanes_duplicate (lanes, 0, &error), ==, -1);
  g_clear_error (&error);
  g_assert_cmpuint (lw_lanes_get_n (lanes), ==, 4);

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (lw_lanes_get_colour (lanes, i), ==, i);
  g_assert_cmpstr (lw_lanes_get_name (lanes, 2), ==, "Lane 3");
  g_assert_false (lw_lanes_set_name (lanes, 2, " \t", &error));
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (lw_lanes_set_name (lanes, 2, "predsim", &error));
  g_assert_cmpstr (lw_lanes_get_name (lanes, 2), ==, "predsim");

  /* Removing one moves the others down, each with its colour and id. */
  {
    guint id3 = lw_lanes_get_id (lanes, 3), id1 = lw_lanes_get_id (lanes, 1);

    g_assert_true (lw_lanes_remove (lanes, 1, &error));
    g_assert_cmpuint (lw_lanes_get_n (lanes), ==, 3);
    g_assert_cmpstr (lw_lanes_get_name (lanes, 1), ==, "predsim");
    g_assert_cmpuint (lw_lanes_get_colour (lanes, 1), ==, 2);
    g_assert_cmpint (lw_lanes_find_id (lanes, id3), ==, 2);
    g_assert_cmpint (lw_lanes_find_id (lanes, id1), ==, -1);
    /* The new lane takes the free colour, and a new id. */
    g_assert_cmpint (lw_lanes_add (lanes, &st, NULL, &error), ==, 3);
    g_assert_cmpuint (lw_lanes_get_colour (lanes, 3), ==, 1);
    g_assert_cmpuint (lw_lanes_get_id (lanes, 3), !=, id1);
  }
  lw_run_settings_clear (&st);
}

/* Lanes removed while all of them train: the others go on. */
static void
test_remove_while_training (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;

  lane_settings (&st, 64);
  lanes = lw_lanes_new (&st, NULL, NULL, NULL);
  st.model.num_hidden = 256;
  lw_lanes_add (lanes, &st, NULL, NULL);
  lw_lanes_add (lanes, &st, NULL, NULL);
  for (guint i = 0; i < 3; i++)
    wait_loaded (lanes, i);
  lw_lanes_play_all (lanes);
  for (guint round = 0; round < 2; round++)
    {
      guint64 at;

      lw_snapshot_unref (wait_step (lw_lanes_get_session (lanes, 0), 20));
      g_assert_true (lw_lanes_remove (lanes, round == 0 ? 1 : 0, NULL));
      at = lane_step (lanes, 0);
      for (guint i = 0; i < lw_lanes_get_n (lanes); i++)
        lw_snapshot_unref (wait_step (lw_lanes_get_session (lanes, i), at + 30));
    }
  lw_run_settings_clear (&st);
}

/* Random commands for random lanes, lanes added and removed, for a few
 * seconds; then every lane answers, and they play on in lockstep. */
static void
test_storm (void)
{
  LwRunSettings st;
  g_autoptr (LwLanes) lanes = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (4711);
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  guint commands = 0;

  lane_settings (&st, 64);
  lanes = lw_lanes_new (&st, NULL, NULL, NULL);
  while (g_get_monotonic_time () < end)
    {
      guint n = lw_lanes_get_n (lanes);
      LwSession *s = lw_lanes_get_session (lanes, g_rand_int_range (rand, 0, (gint32) n));
      g_autoptr (GError) error = NULL;
      /* Lanes come and go (0 to 2) and runs are rebuilt (8) rarely: each
       * loads a dataset; commands and short waits make up the rest. */
      guint pick = g_rand_int_range (rand, 0, 80);

      if (pick >= 14 || (pick <= 2 && g_rand_int_range (rand, 0, 3) > 0))
        pick = 3 + pick % 11;
      if (pick == 8 && g_rand_boolean (rand))
        pick = 9;
      switch (pick)
        {
        case 0:
          lw_lanes_add (lanes, &st, NULL, NULL);
          break;
        case 1:
          lw_lanes_remove (lanes, g_rand_int_range (rand, 0, (gint32) n), NULL);
          break;
        case 2:
          lw_lanes_duplicate (lanes, g_rand_int_range (rand, 0, (gint32) n), NULL);
          break;
        case 3:
          lw_lanes_play_all (lanes);
          break;
        case 4:
          lw_lanes_pause_all (lanes);
          break;
        case 5:
          lw_session_play (s);
          break;
        case 6:
          lw_session_pause (s);
          break;
        case 7:
          lw_session_step (s);
          break;
        case 8:
          st.model.num_hidden = g_rand_boolean (rand) ? 32 : 64;
          lw_session_reset (s, &st);
          break;
        case 9:
          g_assert_true (lw_session_set_lr (s, g_rand_double_range (rand, 1e-4, 1e-2), &error));
          break;
        case 10:
          lw_session_set_loss (s, g_rand_boolean (rand) ? LW_LOSS_PREDSIM : LW_LOSS_PRED);
          break;
        case 11:
          lw_session_set_block_frozen (s, 0, g_rand_boolean (rand), &error);
          break;
        case 12:
          lw_lanes_set_threads (lanes, g_rand_int_range (rand, 1, 3));
          break;
        default:
          g_usleep (g_rand_int_range (rand, 100, 3000));
          break;
        }
      commands++;
    }
  g_test_message ("%u commands, %u lanes at the end", commands, lw_lanes_get_n (lanes));
  sync_all (lanes);

  /* Everyone answers: every lane plays on, level with the others. */
  lw_lanes_set_threads (lanes, 2);
  for (guint i = 0; i < lw_lanes_get_n (lanes); i++)
    lw_session_reset (lw_lanes_get_session (lanes, i), &st);
  sync_all (lanes);
  for (guint i = 0; i < lw_lanes_get_n (lanes); i++)
    wait_loaded (lanes, i);
  lw_lanes_play_all (lanes);
  for (guint i = 0; i < lw_lanes_get_n (lanes); i++)
    lw_snapshot_unref (wait_step (lw_lanes_get_session (lanes, i), 30));
  lw_lanes_pause_all (lanes);
  sync_all (lanes);
  for (guint i = 1; i < lw_lanes_get_n (lanes); i++)
    g_assert_cmpuint (ABS ((gint64) lane_handed_out (lanes, i)
                           - (gint64) lane_handed_out (lanes, 0)), <=, 1);
  lw_run_settings_clear (&st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lanes/gate", test_gate);
  g_test_add_func ("/lanes/lockstep", test_lockstep);
  g_test_add_func ("/lanes/late-lane", test_late_lane);
  g_test_add_func ("/lanes/paused-alone", test_paused_alone);
  g_test_add_func ("/lanes/duplicate", test_duplicate);
  g_test_add_func ("/lanes/fork", test_fork);
  g_test_add_func ("/lanes/data-seed", test_data_seed);
  g_test_add_func ("/lanes/threads", test_threads);
  g_test_add_func ("/lanes/controls-one-lane", test_controls_one_lane);
  g_test_add_func ("/lanes/limits", test_limits);
  g_test_add_func ("/lanes/remove-while-training", test_remove_while_training);
  g_test_add_func ("/lanes/storm", test_storm);
  return g_test_run ();
}
