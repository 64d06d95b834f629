/* make-run-fixtures.c: writes the window's fixture run file for
 * tests/fixtures/ (tests/make-run-fixtures.sh writes the CLI's beside it).
 *
 * Run it once for each run-file format version, with the build of that
 * version, and commit what it writes: the fixtures of every earlier
 * version are opened by test-run-fixtures, so a later Layerwise is held
 * to opening them. The run holds every mark kind a run can get (a
 * divergence and the return to the last good state, each live control, a
 * pause), its curves, the classes-per-batch sampler saved mid-epoch, and
 * (from format 4) a learning-rate schedule, edited live, whose first
 * milestone has passed, and (from format 5) a fork and a data seed of its own.
 * Runs no longer get a reset mark; the fixtures of formats 1 and 2 hold
 * one, made before, and keep proving that such a mark still opens.
 *
 *   make-run-fixtures OUT.lwrun */
#include <stdio.h>

#include <glib.h>

#include "session/lw-session.h"
#include "session-helpers.h"

static gboolean
is_loaded (const LwSnapshot *snap, gpointer data)
{
  return snap->state != LW_RUN_LOADING;
}

static gboolean
has_diverged (const LwSnapshot *snap, gpointer data)
{
  return snap->divergence != NULL;
}

static gboolean
stepped_past (const LwSnapshot *snap, gpointer data)
{
  return snap->step >= GPOINTER_TO_UINT (data);
}

static gboolean
file_done (const LwSnapshot *snap, gpointer data)
{
  return snap->file_serial >= GPOINTER_TO_UINT (data);
}

/* A small MLP on 512 subset images: 4 batches an epoch, classes-per-batch 3. */
static void
fixture_settings (LwRunSettings *st)
{
  small_settings (st);
  st->limit_train = 512;
  st->model.num_layers = 2;
  st->model.num_hidden = 32;
  st->model.dropout = 0.1f;
  st->classes_per_batch = 3;
  st->eval_every = 2;
  st->eval_samples = 128;
  st->probe_n = 16;
  /* From format 5: batches of their own seed. */
  st->data_seed = 3;
}

static void
steps (LwSession *s, guint n)
{
  for (guint i = 0; i < n; i++)
    lw_session_step (s);
  g_assert_true (lw_session_sync (s, SESSION_TIMEOUT_MS));
}

int
main (int argc, char **argv)
{
  LwRunSettings st;
  g_autoptr (LwSession) s = NULL;
  g_autoptr (LwSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  guint64 step;

  if (argc != 2)
    {
      fprintf (stderr, "usage: make-run-fixtures OUT.lwrun\n");
      return 2;
    }
  fixture_settings (&st);
  s = lw_session_new (&st, NULL, NULL);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = wait_for (s, is_loaded, NULL);
  steps (s, 2);

  /* A new run with SGD at 1e20: its second step diverges. */
  st.model.optim = LW_OPTIM_SGD;
  st.model.lr = 1e20f;
  g_assert_null (lw_lr_schedule_parse_milestones (&st.lr_schedule, "2,5"));
  st.lr_schedule.factor = 0.5;
  lw_session_reset (s, &st);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = synced (s);
  lw_session_play (s);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = wait_for (s, has_diverged, NULL);
  lw_session_restore_last_good (s);

  /* Every live control, each with its mark. */
  if (!lw_session_set_lr (s, 0.01, &error)
      || !lw_session_set_block_lr_mult (s, 1, 0.5, &error)
      || !lw_session_set_beta (s, 0.5, &error)
      || !lw_session_set_block_frozen (s, 0, TRUE, &error)
      || !lw_session_set_dropout (s, 0.2, &error))
    g_error ("%s", error->message);
  lw_session_set_loss (s, LW_LOSS_SIM);
  lw_session_set_no_detach (s, TRUE);
  {
    LwLrSchedule edit = st.lr_schedule;

    g_assert_null (lw_lr_schedule_parse_milestones (&edit, "2,5,6"));
    if (!lw_session_set_lr_schedule (s, &edit, &error))
      g_error ("%s", error->message);
  }
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = synced (s);
  step = snap->step;
  lw_session_play (s);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = wait_for (s, stepped_past, GUINT_TO_POINTER ((guint) step + 3));
  lw_session_pause (s);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = synced (s);

  /* A fork (from format 5): its mark on this run. */
  {
    g_autoptr (LwSession) fork = lw_session_new_fork (s, NULL, NULL, &error);

    if (fork == NULL)
      g_error ("%s", error->message);
    g_clear_pointer (&snap, lw_snapshot_unref);
    snap = synced (s);
  }

  /* Into epoch 3, mid-epoch: its batches come from the sampler drawn again. */
  while (snap->epoch < 3 || snap->step % 4 != 2)
    {
      steps (s, 1);
      g_clear_pointer (&snap, lw_snapshot_unref);
      snap = synced (s);
    }
  lw_session_save_run (s, argv[1]);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = wait_for (s, file_done, GUINT_TO_POINTER (1));
  if (snap->file_failed)
    g_error ("%s", snap->file_message);
  printf ("%s: epoch %u, step %" G_GUINT64_FORMAT ", %u marks\n", argv[1], snap->epoch,
          snap->step, snap->current.n_marks);
  for (guint i = 0; i < snap->current.n_marks; i++)
    printf ("  mark %u: kind %d at %" G_GUINT64_FORMAT ": %s\n", i, snap->current.marks[i].kind,
            snap->current.marks[i].samples, snap->current.marks[i].label);
  lw_run_settings_clear (&st);
  return 0;
}
