/* test-pause.c: a batch stopped between blocks and gone on with later.
 *
 * With local losses each block's update is whole on its own, so a batch
 * may stop between two blocks (lw_run_step with a stop flag) and go on at
 * Play: the run must end bit for bit where an uninterrupted one does,
 * sequential or pipelined, with pictures and evaluations in between. In
 * the session, Pause, Reset and quit answer within about a block's time
 * even on a network whose batch takes long; times are asserted against
 * the measured step time, never in absolute milliseconds. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "engine/lw-gemm.h"
#include "engine/lw-model-private.h"
#include "session/lw-run.h"
#include "session/lw-visuals.h"
#include "session-helpers.h"

/* ------------------------------------------------------------------ */
/* The run: stopped many times against never */

/* FNV-1a over every value training changes (weights, moments, steps,
 * BatchNorm statistics): equal digests, equal states, bit for bit. */
static void
digest_values (float *values, gsize n, guint64 *t, gpointer data)
{
  guint64 *h = data;
  const guint8 *bytes = (const guint8 *) values;

  for (gsize i = 0; i < n * sizeof (float); i++)
    *h = (*h ^ bytes[i]) * 1099511628211ull;
  if (t != NULL)
    *h = (*h ^ *t) * 1099511628211ull;
}

static guint64
state_digest (LwRun *r)
{
  guint64 h = 14695981039346656037ull;

  lw_model_visit_state (lw_run_hold_model (r), digest_values, &h);
  lw_run_release_model (r);
  return h;
}

static LwDataset *
load_subset (guint limit)
{
  g_autoptr(GError) error = NULL;
  LwDataset *ds = lw_dataset_load (LW_DATASET_MNIST_SUBSET, NULL, &error);

  g_assert_no_error (error);
  lw_dataset_limit_train (ds, limit);
  return ds;
}

typedef struct {
  LwStopFlag *flag;
  atomic_bool quit;
} Stopper;

/* Raises the flag every few hundred microseconds, so the pipeline's
 * stages stop wherever they happen to be. */
static gpointer
stopper_main (gpointer data)
{
  Stopper *st = data;
  guint32 k = 1;

  while (!atomic_load (&st->quit))
    {
      k = k * 1664525u + 1013904223u;
      g_usleep (100 + (k >> 22));
      atomic_store (st->flag, 1);
    }
  return NULL;
}

/* Trains steps batches with the flag raised now and then (by a thread,
 * or before every call): every stop is gone on from, after pictures and
 * an evaluation of the model as it stands half-way. Returns the stops. */
static guint
train_stopping (LwRun *r, guint steps, LwStopFlag *flag, gboolean threaded, guint probe_image)
{
  Stopper stopper = { .flag = flag };
  GThread *thread = NULL;
  guint stops = 0;

  atomic_init (&stopper.quit, FALSE);
  lw_run_set_stop (r, flag);
  if (threaded)
    thread = g_thread_new ("stopper", stopper_main, &stopper);
  while (r->step < steps || lw_run_stopped (r))
    {
      if (!threaded)
        atomic_store (flag, 1);
      if (lw_run_stopped (r))
        lw_run_go_on (r);
      else if (r->steps_pushed < steps)
        lw_run_step (r);
      else
        lw_run_sync (r);
      if (lw_run_stopped (r))
        {
          stops++;
          /* What the window does while paused: the blocks' buffers and
           * the run's batch are written over. */
          lw_run_hold_model (r);
          lw_visuals_unref (lw_visuals_compute (r, probe_image));
          lw_run_release_model (r);
          if (stops % 3 == 0)
            lw_run_halt (r);
        }
      atomic_store (flag, 0);
    }
  if (thread != NULL)
    {
      atomic_store (&stopper.quit, TRUE);
      g_thread_join (thread);
    }
  atomic_store (flag, 0);
  lw_run_sync (r);
  return stops;
}

static void
assert_same_runs (LwRun *a, LwRun *b)
{
  g_assert_cmpuint (a->step, ==, b->step);
  g_assert_cmpuint (a->samples_seen, ==, b->samples_seen);
  g_assert_cmpuint (state_digest (a), ==, state_digest (b));
  g_assert_cmpmem (a->last_test_acc, sizeof a->last_test_acc, b->last_test_acc,
                   sizeof b->last_test_acc);
  g_assert_cmpmem (a->last_train_acc, sizeof a->last_train_acc, b->last_train_acc,
                   sizeof b->last_train_acc);
}

static void
check_bit_identical (LwRunSettings *st, guint limit, guint steps, gboolean threaded)
{
  g_autoptr(GError) error = NULL;
  LwDataset *ds = load_subset (limit);
  LwRun *plain, *stopped;
  LwStopFlag flag;
  guint stops;

  atomic_init (&flag, 0);
  plain = lw_run_new (ds, st, 1, &error);
  g_assert_no_error (error);
  stopped = lw_run_new (ds, st, 2, &error);
  g_assert_no_error (error);

  /* As the worker does: products on the run's threads (the first steps
   * run sequentially, before the pipeline is made). */
  lw_blas_set_threads (st->threads);
  while (plain->steps_pushed < steps)
    lw_run_step (plain);
  lw_run_sync (plain);
  lw_blas_set_threads (st->threads);
  stops = train_stopping (stopped, steps, &flag, threaded, 3);
  g_test_message ("%u steps, stopped %u times", steps, stops);
  g_assert_cmpuint (stops, >=, steps);
  assert_same_runs (stopped, plain);

  lw_run_free (plain);
  lw_run_free (stopped);
  lw_dataset_free (ds);
}

static void
test_run_mlp (void)
{
  LwRunSettings st;

  small_settings (&st);
  st.model.num_layers = 4;
  st.model.batch_size = 32;
  st.model.dropout = 0.1f;
  st.eval_every = 4;
  st.max_epochs = 0;
  st.schedule = LW_SCHEDULE_SEQUENTIAL;
  /* Two epochs and a bit: the epoch ends stop too. */
  check_bit_identical (&st, 512, 40, FALSE);
  lw_run_settings_clear (&st);
}

static void
test_run_conv (void)
{
  LwRunSettings st;

  small_settings (&st);
  st.model.arch = LW_ARCH_VGG_MINI;
  st.model.num_layers = 1;
  st.model.num_hidden = 32;
  st.model.batch_size = 16;
  st.model.lr = 3e-3f;
  st.eval_every = 3;
  st.eval_samples = 32;
  st.schedule = LW_SCHEDULE_SEQUENTIAL;
  check_bit_identical (&st, 96, 9, FALSE);
  lw_run_settings_clear (&st);
}

/* The pipeline's stages stop wherever a thread raising the flag finds
 * them, on two threads: the same weights as never stopping. */
static void
test_run_pipeline (void)
{
  LwRunSettings st;

  small_settings (&st);
  st.model.num_layers = 4;
  st.model.num_hidden = 256;
  st.model.batch_size = 64;
  st.model.dropout = 0.1f;
  st.eval_every = 10;
  st.threads = 2;
  st.stages = 3;
  st.schedule = LW_SCHEDULE_PIPELINE;
  check_bit_identical (&st, 1024, 40, TRUE);
  lw_run_settings_clear (&st);
}

/* ------------------------------------------------------------------ */
/* The session */

static gboolean
is_paused (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_PAUSED;
}

static gboolean
is_finished (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_FINISHED;
}

static gboolean
trained_a_step (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_RUNNING && snap->step >= 1;
}

static LwSession *
new_paused (const LwRunSettings *st)
{
  LwSession *s = lw_session_new (st, NULL, NULL);

  lw_snapshot_unref (wait_for (s, is_paused, NULL));
  return s;
}

static void
assert_training_equal (const LwSnapshot *a, const LwSnapshot *b)
{
  g_assert_cmpuint (a->step, ==, b->step);
  for (guint l = 0; l <= a->n_blocks; l++)
    {
      assert_series_identical (&a->current.layers[l].train_acc, &b->current.layers[l].train_acc);
      assert_series_identical (&a->current.layers[l].loss_pred, &b->current.layers[l].loss_pred);
      assert_series_identical (&a->current.layers[l].loss_sim, &b->current.layers[l].loss_sim);
    }
}

/* An MLP whose step takes about a second on one thread: six blocks of
 * 768 units on batches of 512 (their similarity matrices 512 x 512), so
 * a block is about a sixth of a step. */
static void
slow_settings (LwRunSettings *st, int threads)
{
  small_settings (st);
  st->limit_train = 8192;
  st->model.num_layers = 6;
  st->model.num_hidden = 768;
  st->model.batch_size = 512;
  st->threads = threads;
  st->schedule = threads > 1 ? LW_SCHEDULE_PIPELINE : LW_SCHEDULE_SEQUENTIAL;
  st->eval_every = 1000;
}

/* Seconds a step of the paused session s takes. */
static double
step_seconds (LwSession *s)
{
  gint64 t0 = g_get_monotonic_time ();

  lw_session_step (s);
  lw_snapshot_unref (synced (s));
  return (g_get_monotonic_time () - t0) / 1e6;
}

/* Plays and pauses s until the pause stops a batch half-way (a pause may
 * fall between two batches); returns that snapshot. */
static LwSnapshot *
pause_mid_batch (LwSession *s)
{
  for (guint tries = 0; tries < 5; tries++)
    {
      LwSnapshot *snap;

      lw_session_play (s);
      lw_snapshot_unref (wait_for (s, trained_a_step, NULL));
      lw_session_pause (s);
      snap = synced (s);
      if (snap->stopped_batches > 0)
        return snap;
      lw_snapshot_unref (snap);
    }
  g_error ("no pause stopped a batch half-way");
}

/* Saving a run stopped half-way finishes its batch first: the file holds
 * a whole number of steps. */
static void
test_session_save_finishes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-pause-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "run.lwrun", NULL);
  LwRunSettings st;
  LwSession *s;
  guint64 step;

  g_assert_no_error (error);
  slow_settings (&st, 1);
  s = new_paused (&st);
  {
    g_autoptr(LwSnapshot) snap = pause_mid_batch (s);

    g_assert_cmpuint (snap->stopped_batches, ==, 1);
    g_assert_cmpuint (snap->stopped_after, >=, 1);
    g_assert_cmpuint (snap->stopped_after, <, snap->n_blocks);
    step = snap->step;
  }
  lw_session_save_run (s, path);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_false (snap->file_failed);
    g_assert_cmpuint (snap->step, ==, step + 1);
    g_assert_cmpuint (snap->stopped_batches, ==, 0);
  }
  lw_session_free (s);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  lw_run_settings_clear (&st);
}

/* Pause while training: the snapshot says "pausing" (or paused) at once,
 * and the worker is paused well before a batch would have ended. */
static void
check_fast_pause (int threads)
{
  LwRunSettings st;
  LwSession *s;
  double step, slowest = 0.0;

  slow_settings (&st, threads);
  s = new_paused (&st);
  step = step_seconds (s);
  step = MIN (step, step_seconds (s));
  for (guint i = 0; i < 3; i++)
    {
      gint64 t0;
      double took;

      lw_session_play (s);
      lw_snapshot_unref (wait_for (s, trained_a_step, NULL));
      t0 = g_get_monotonic_time ();
      lw_session_pause (s);
      {
        g_autoptr(LwSnapshot) ack = lw_session_get_snapshot (s);

        g_assert_true (ack->pausing || ack->state == LW_RUN_PAUSED);
      }
      lw_snapshot_unref (wait_for (s, is_paused, NULL));
      took = (g_get_monotonic_time () - t0) / 1e6;
      slowest = MAX (slowest, took);
      {
        g_autoptr(LwSnapshot) snap = synced (s);

        g_assert_false (snap->pausing);
        if (snap->stopped_batches > 0)
          {
            g_assert_cmpuint (snap->stopped_after, <, snap->n_blocks);
            g_assert_cmpuint (snap->stopped_batches, <=, 4);
          }
      }
    }
  g_test_message ("%d thread(s): a step %.3f s, the slowest pause %.3f s", threads, step, slowest);
  if (threads == 1)
    {
      /* Steps go on from where the pauses stopped: the very training of a
       * session that only ever took whole steps. */
      g_autoptr(LwSnapshot) a = NULL, b = NULL;
      LwSession *plain = new_paused (&st);
      guint64 target;

      a = synced (s);
      target = a->step + 2;
      while (a->step < target)
        {
          lw_snapshot_unref (a);
          lw_session_step (s);
          a = synced (s);
        }
      g_assert_cmpuint (a->stopped_batches, ==, 0);
      for (guint64 i = 0; i < target; i++)
        lw_session_step (plain);
      b = synced (plain);
      assert_training_equal (a, b);
      lw_session_free (plain);
    }
  /* A block is a sixth of the step; waiting for the batch's end would
   * take up to all of it (a pipeline's batches in flight: more). */
  g_assert_cmpfloat (slowest, <, 0.5 * step);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_session_fast_pause (void)
{
  check_fast_pause (1);
}

static void
test_session_fast_pause_pipeline (void)
{
  check_fast_pause (2);
}

/* Reset during a long batch: the new run is there within a block or so. */
static void
test_session_reset_during_batch (void)
{
  LwRunSettings st, small;
  LwSession *s;
  double step, took;
  gint64 t0;

  slow_settings (&st, 1);
  small_settings (&small);
  small.limit_train = 8192;
  s = new_paused (&st);
  step = step_seconds (s);
  lw_session_play (s);
  lw_snapshot_unref (wait_for (s, trained_a_step, NULL));
  t0 = g_get_monotonic_time ();
  lw_session_reset (s, &small);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    took = (g_get_monotonic_time () - t0) / 1e6;
    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (snap->step, ==, 0);
    g_assert_cmpuint (snap->n_blocks, ==, 2);
    g_assert_cmpuint (snap->n_previous, ==, 1);
  }
  g_test_message ("a step %.3f s, reset %.3f s", step, took);
  g_assert_cmpfloat (took, <, 0.5 * step);
  /* The new run trains. */
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->step, ==, 1);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
  lw_run_settings_clear (&small);
}

/* Closing during a long batch (the window's close): the session is gone
 * within a block or so, the half batch dropped. */
static void
test_session_quit_during_batch (void)
{
  LwRunSettings st;
  LwSession *s;
  double step, took;
  gint64 t0;

  for (int threads = 1; threads <= 2; threads++)
    {
      slow_settings (&st, threads);
      s = new_paused (&st);
      step = step_seconds (s);
      lw_session_play (s);
      lw_snapshot_unref (wait_for (s, trained_a_step, NULL));
      t0 = g_get_monotonic_time ();
      lw_session_free (s);
      took = (g_get_monotonic_time () - t0) / 1e6;
      g_test_message ("%d thread(s): a step %.3f s, quit %.3f s", threads, step, took);
      g_assert_cmpfloat (took, <, 0.5 * step);
      lw_run_settings_clear (&st);
    }
}

/* Evaluating after every step or never trains the same: evaluation draws
 * no random number and leaves the BatchNorm statistics alone. */
static void
test_session_eval_changes_nothing (void)
{
  LwRunSettings st;
  LwSession *often, *never;

  small_settings (&st);
  st.model.dropout = 0.2f;
  st.limit_train = 512;
  st.max_epochs = 2;
  st.eval_every = 1;
  often = new_paused (&st);
  st.eval_every = 0;
  never = new_paused (&st);
  lw_session_play (often);
  lw_session_play (never);
  {
    g_autoptr(LwSnapshot) a = wait_for (often, is_finished, NULL);
    g_autoptr(LwSnapshot) b = wait_for (never, is_finished, NULL);

    g_assert_cmpuint (a->current.layers[0].test_acc.n, ==, a->step);
    g_assert_cmpuint (b->current.layers[0].test_acc.n, ==, 0);
    assert_training_equal (a, b);
    for (guint l = 0; l <= a->n_blocks; l++)
      assert_series_identical (&a->current.layers[l].epoch_test_acc,
                           &b->current.layers[l].epoch_test_acc);
  }
  lw_session_free (often);
  lw_session_free (never);
  lw_run_settings_clear (&st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pause/run/bit-identical/mlp", test_run_mlp);
  g_test_add_func ("/pause/run/bit-identical/conv", test_run_conv);
  g_test_add_func ("/pause/run/bit-identical/pipeline", test_run_pipeline);
  g_test_add_func ("/pause/session/save-finishes", test_session_save_finishes);
  g_test_add_func ("/pause/session/fast-pause", test_session_fast_pause);
  g_test_add_func ("/pause/session/fast-pause-pipeline", test_session_fast_pause_pipeline);
  g_test_add_func ("/pause/session/reset-during-batch", test_session_reset_during_batch);
  g_test_add_func ("/pause/session/quit-during-batch", test_session_quit_during_batch);
  g_test_add_func ("/pause/session/eval-changes-nothing", test_session_eval_changes_nothing);
  return g_test_run ();
}
