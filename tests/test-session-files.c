/* test-session-files.c: saving and opening runs in the session, as the
 * window's File menu and autosave use them. An opened run trains on
 * exactly as the saved one; a file that cannot be opened leaves the
 * current run as it was, and says why. */
#include <string.h>
#include <zlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "runfile/lw-run-file.h"
#include "session/lw-session.h"
#include "session-helpers.h"

#define TIMEOUT_MS SESSION_TIMEOUT_MS

/* The session tests' small MLP, smaller still, with dropout (its stream
 * is part of what a run file keeps) and frequent evaluations. */
static void
files_settings (LwRunSettings *st)
{
  small_settings (st);
  st->limit_train = 1024;
  st->model.num_hidden = 32;
  st->model.dropout = 0.1f;
  st->eval_every = 5;
  st->eval_samples = 128;
  st->probe_n = 16;
}

static void
conv_settings (LwRunSettings *st)
{
  files_settings (st);
  st->model.arch = LW_ARCH_VGG_MINI;
  st->model.num_layers = 1;
  st->model.batch_size = 32;
  st->limit_train = 256;
}

static LwSession *
new_session (const LwRunSettings *st)
{
  LwSession *s = lw_session_new (st, NULL, NULL);
  g_autoptr (LwSnapshot) snap = NULL;
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      snap = lw_session_get_snapshot (s);
      if (snap->state != LW_RUN_LOADING)
        break;
      g_clear_pointer (&snap, lw_snapshot_unref);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2000);
    }
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  return s;
}

static void
steps (LwSession *s, guint n)
{
  for (guint i = 0; i < n; i++)
    lw_session_step (s);
  g_assert_true (lw_session_sync (s, TIMEOUT_MS));
}

static void
assert_series_equal (const LwSeries *a, const LwSeries *b)
{
  g_assert_cmpuint (a->n, ==, b->n);
  g_assert_cmpmem (a->x, a->n * sizeof (double), b->x, b->n * sizeof (double));
  g_assert_cmpmem (a->y, a->n * sizeof (float), b->y, b->n * sizeof (float));
}

/* Two snapshots of the same run, bit for bit where it matters: position,
 * controls, latest values, every curve and mark, the first block's
 * weights. */
static void
assert_same_run (const LwSnapshot *a, const LwSnapshot *b)
{
  g_assert_cmpuint (a->step, ==, b->step);
  g_assert_cmpuint (a->epoch, ==, b->epoch);
  g_assert_cmpuint (a->samples_seen, ==, b->samples_seen);
  g_assert_cmpuint (a->n_blocks, ==, b->n_blocks);
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_true (a->lr == b->lr && a->beta == b->beta && a->dropout == b->dropout);
  g_assert_true (lw_lr_schedule_equal (&a->lr_schedule, &b->lr_schedule));
  g_assert_cmpuint (a->lr_next_milestone, ==, b->lr_next_milestone);
  g_assert_cmpfloat (a->lr_base, ==, b->lr_base);
  g_assert_cmpmem (a->block_lr_mult, sizeof a->block_lr_mult, b->block_lr_mult,
                   sizeof b->block_lr_mult);
  g_assert_cmpmem (a->block_frozen, sizeof a->block_frozen, b->block_frozen,
                   sizeof b->block_frozen);
  g_assert_cmpmem (a->last_train_acc, sizeof a->last_train_acc, b->last_train_acc,
                   sizeof b->last_train_acc);
  g_assert_cmpmem (a->last_test_acc, sizeof a->last_test_acc, b->last_test_acc,
                   sizeof b->last_test_acc);
  g_assert_cmpuint (a->current.n_layers, ==, b->current.n_layers);
  for (guint l = 0; l < a->current.n_layers; l++)
    {
      assert_series_equal (&a->current.layers[l].train_acc, &b->current.layers[l].train_acc);
      assert_series_equal (&a->current.layers[l].test_acc, &b->current.layers[l].test_acc);
      assert_series_equal (&a->current.layers[l].epoch_test_acc,
                           &b->current.layers[l].epoch_test_acc);
      assert_series_equal (&a->current.layers[l].loss_pred, &b->current.layers[l].loss_pred);
      assert_series_equal (&a->current.layers[l].loss_sim, &b->current.layers[l].loss_sim);
    }
  g_assert_cmpuint (a->current.n_marks, ==, b->current.n_marks);
  for (guint i = 0; i < a->current.n_marks; i++)
    {
      g_assert_cmpint (a->current.marks[i].kind, ==, b->current.marks[i].kind);
      g_assert_cmpuint (a->current.marks[i].samples, ==, b->current.marks[i].samples);
      g_assert_cmpstr (a->current.marks[i].label, ==, b->current.marks[i].label);
    }
  g_assert_nonnull (a->filters);
  g_assert_nonnull (b->filters);
  g_assert_cmpuint (a->filter_rows * a->filter_cols, ==, b->filter_rows * b->filter_cols);
  g_assert_cmpmem (a->filters, a->filter_rows * a->filter_cols * sizeof (float),
                   b->filters, b->filter_rows * b->filter_cols * sizeof (float));
}

static GBytes *
file_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

static void
write_bytes (const char *path, const void *data, gsize len)
{
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

/* Train into the second epoch with controls changed, save mid-epoch, go
 * on; another session (other settings) opens the file and goes on the
 * same number of steps: the same run, bit for bit. */
static void
check_round_trip (void (*make_settings) (LwRunSettings *), guint before, guint after)
{
  LwRunSettings st, other;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "run.lwrun", NULL);
  g_autoptr (LwSnapshot) saved = NULL, opened = NULL, a = NULL, b = NULL;
  LwSession *sa, *sb;

  g_assert_no_error (error);
  make_settings (&st);
  sa = new_session (&st);
  steps (sa, before / 2);
  g_assert_true (lw_session_set_lr (sa, 2e-3, NULL));
  g_assert_true (lw_session_set_block_frozen (sa, 0, TRUE, NULL));
  g_assert_true (lw_session_set_block_lr_mult (sa, 1, 0.5, NULL));
  lw_session_set_loss (sa, LW_LOSS_PRED);
  steps (sa, before - before / 2);
  lw_session_save_run (sa, path);
  saved = synced (sa);
  g_test_message ("%s", saved->file_message);
  g_assert_false (saved->file_failed);
  g_assert_cmpuint (saved->file_serial, ==, 1);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (saved->epoch, >=, 2);

  files_settings (&other);
  other.model.seed = 99;
  other.model.num_hidden = 16;
  sb = new_session (&other);
  lw_session_open_run (sb, path);
  opened = synced (sb);
  g_test_message ("%s", opened->file_message);
  g_assert_false (opened->file_failed);
  g_assert_cmpint (opened->state, ==, LW_RUN_PAUSED);
  assert_same_run (saved, opened);
  /* The run it replaced is kept dimmed, as after a reset (it had not
   * trained, so there is none here). */
  g_assert_cmpuint (opened->n_previous, ==, 0);

  steps (sa, after);
  steps (sb, after);
  a = synced (sa);
  b = synced (sb);
  assert_same_run (a, b);

  lw_session_free (sa);
  lw_session_free (sb);
  lw_run_settings_clear (&st);
  lw_run_settings_clear (&other);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_round_trip_mlp (void)
{
  check_round_trip (files_settings, 11, 9);
}

static void
test_round_trip_conv (void)
{
  check_round_trip (conv_settings, 10, 6);
}

/* A learning-rate schedule (milestones 1, 2, 3, factor 0.5; 8 batches an
 * epoch) edited live in epoch 2, saved mid-epoch 2 or at the end of epoch
 * 2: opened, it decays at the same epochs with the same marks as the run
 * that went on unbroken. */
static void
check_schedule_round_trip (guint before)
{
  LwRunSettings st, other;
  LwLrSchedule edited;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "run.lwrun", NULL);
  g_autoptr (LwSnapshot) saved = NULL, opened = NULL, a = NULL, b = NULL;
  LwSession *sa, *sb;

  g_assert_no_error (error);
  files_settings (&st);
  g_assert_null (lw_lr_schedule_parse_milestones (&st.lr_schedule, "1,2,3"));
  st.lr_schedule.factor = 0.5;
  sa = new_session (&st);
  steps (sa, 10);
  edited = st.lr_schedule;
  g_assert_null (lw_lr_schedule_parse_milestones (&edited, "1,2,3,4"));
  g_assert_true (lw_session_set_lr_schedule (sa, &edited, NULL));
  steps (sa, before - 10);
  lw_session_save_run (sa, path);
  saved = synced (sa);
  g_assert_false (saved->file_failed);
  g_assert_cmpuint (saved->lr_next_milestone, ==, before % 8 == 0 ? 3 : 2);

  files_settings (&other);
  sb = new_session (&other);
  lw_session_open_run (sb, path);
  opened = synced (sb);
  g_test_message ("%s", opened->file_message);
  g_assert_false (opened->file_failed);
  assert_same_run (saved, opened);
  g_assert_true (lw_lr_schedule_equal (&opened->lr_schedule, &edited));

  /* Through the ends of epochs 2, 3 and 4. */
  steps (sa, 33 - before);
  steps (sb, 33 - before);
  a = synced (sa);
  b = synced (sb);
  g_assert_cmpuint (a->epoch, ==, 5);
  g_assert_cmpfloat (a->lr, ==, st.model.lr / 16.0f);
  assert_same_run (a, b);

  lw_session_free (sa);
  lw_session_free (sb);
  lw_run_settings_clear (&st);
  lw_run_settings_clear (&other);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_round_trip_schedule_mid_epoch (void)
{
  check_schedule_round_trip (13);
}

static void
test_round_trip_schedule_epoch_end (void)
{
  check_schedule_round_trip (16);
}

static gboolean
wait_file_report (LwSession *s, guint64 serial)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (LwSnapshot) snap = lw_session_get_snapshot (s);

      if (snap->file_serial >= serial)
        return !snap->file_failed;
      g_usleep (2000);
    }
  return FALSE;
}

/* Saved while a two-stage pipeline is training: the save takes the run
 * at rest (every batch handed out trained and counted), and a session
 * that opens the file and trains up to where the first one paused has
 * the same curves and weights. */
static void
test_save_while_pipelined (void)
{
  LwRunSettings st;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "run.lwrun", NULL);
  g_autoptr (LwSnapshot) paused = NULL, opened = NULL, caught_up = NULL;
  LwSession *sa, *sb;

  files_settings (&st);
  st.model.num_layers = 3;
  st.model.batch_size = 32;
  st.schedule = LW_SCHEDULE_PIPELINE;
  st.stages = 2;
  sa = new_session (&st);
  lw_session_play (sa);
  for (;;)
    {
      g_autoptr (LwSnapshot) snap = lw_session_get_snapshot (sa);

      if (snap->step >= 8 && snap->n_stages == 2)
        break;
      g_usleep (1000);
    }
  lw_session_save_run (sa, path);
  g_assert_true (wait_file_report (sa, 1));
  lw_session_pause (sa);
  paused = synced (sa);

  sb = new_session (&st);
  lw_session_open_run (sb, path);
  opened = synced (sb);
  g_assert_false (opened->file_failed);
  g_assert_cmpuint (opened->step, >=, 8);
  g_assert_cmpuint (opened->step, <=, paused->step);
  g_assert_cmpuint (opened->current.layers[0].train_acc.n, ==, opened->step);
  steps (sb, (guint) (paused->step - opened->step));
  caught_up = synced (sb);
  g_assert_cmpuint (caught_up->step, ==, paused->step);
  for (guint l = 0; l < paused->current.n_layers; l++)
    {
      assert_series_equal (&paused->current.layers[l].train_acc,
                           &caught_up->current.layers[l].train_acc);
      assert_series_equal (&paused->current.layers[l].loss_pred,
                           &caught_up->current.layers[l].loss_pred);
      assert_series_equal (&paused->current.layers[l].test_acc,
                           &caught_up->current.layers[l].test_acc);
    }
  g_assert_cmpmem (paused->filters, paused->filter_rows * paused->filter_cols * sizeof (float),
                   caught_up->filters,
                   caught_up->filter_rows * caught_up->filter_cols * sizeof (float));

  lw_session_free (sa);
  lw_session_free (sb);
  lw_run_settings_clear (&st);
  g_unlink (path);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------ */
/* Every mark kind and every enum value a window run stores, resumed */

#define HUGE_LR 1e20

static gboolean
has_mark (const LwSnapshot *snap, LwMarkKind kind)
{
  for (guint i = 0; i < snap->current.n_marks; i++)
    if (snap->current.marks[i].kind == kind)
      return TRUE;
  return FALSE;
}

static gboolean
has_diverged (const LwSnapshot *snap, gpointer data)
{
  return snap->divergence != NULL;
}

static gboolean
stepped_past (const LwSnapshot *snap, gpointer data)
{
  return snap->step >= *(const guint64 *) data;
}

/* The sections of two run files are the same bytes: every weight, optimizer
 * moment and dropout stream, the position with its random streams, the
 * marks, the curves, the recent batches and the latest values. */
static void
assert_same_files (const char *path_a, const char *path_b)
{
  static const guint32 tags[] = {
    LW_RUN_SECTION_CONFIG, LW_RUN_SECTION_MODEL, LW_RUN_SECTION_POSITION,
    LW_RUN_SECTION_INTERVENTIONS, LW_RUN_TAG ('H', 'I', 'S', 'T'),
    LW_RUN_TAG ('R', 'C', 'N', 'T'), LW_RUN_TAG ('L', 'A', 'S', 'T'),
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (LwRunFile) a = lw_run_file_load (path_a, &error);
  g_autoptr (LwRunFile) b = NULL;

  g_assert_no_error (error);
  b = lw_run_file_load (path_b, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      GBytes *sa = lw_run_file_get_section (a, tags[i]);
      GBytes *sb = lw_run_file_get_section (b, tags[i]);

      g_assert_nonnull (sa);
      g_assert_nonnull (sb);
      g_assert_true (g_bytes_equal (sa, sb));
    }
}

/* Saves s to path; the snapshot after the save, checked to have worked. */
static LwSnapshot *
save_checked (LwSession *s, const char *path)
{
  LwSnapshot *snap;

  lw_session_save_run (s, path);
  snap = synced (s);
  g_test_message ("%s", snap->file_message);
  g_assert_false (snap->file_failed);
  return snap;
}

/* A second session, its own settings but the same way to run (which the
 * file leaves to the machine), opens path: its snapshot. */
static LwSession *
open_elsewhere (const LwRunSettings *st, const char *path, LwSnapshot **opened)
{
  LwRunSettings other;
  LwSession *s;

  files_settings (&other);
  other.model.seed = 77;
  other.threads = st->threads;
  other.schedule = st->schedule;
  other.stages = st->stages;
  s = new_session (&other);
  lw_session_open_run (s, path);
  *opened = synced (s);
  g_test_message ("%s", (*opened)->file_message);
  g_assert_false ((*opened)->file_failed);
  g_assert_cmpint ((*opened)->state, ==, LW_RUN_PAUSED);
  lw_run_settings_clear (&other);
  return s;
}

/* The run of sa saved in dir, opened by another session: the same run;
 * both step on n: still the same, bit for bit (snapshots and files). */
static void
check_resumes (LwSession *sa, const LwRunSettings *st, const char *dir, guint n)
{
  g_autofree char *path = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *path_a = g_build_filename (dir, "a.lwrun", NULL);
  g_autofree char *path_b = g_build_filename (dir, "b.lwrun", NULL);
  g_autoptr (LwSnapshot) saved = save_checked (sa, path);
  g_autoptr (LwSnapshot) opened = NULL, a = NULL, b = NULL;
  LwSession *sb = open_elsewhere (st, path, &opened);

  assert_same_run (saved, opened);
  steps (sa, n);
  steps (sb, n);
  a = save_checked (sa, path_a);
  b = save_checked (sb, path_b);
  g_assert_cmpuint (a->step, ==, saved->step + n);
  assert_same_run (a, b);
  assert_same_files (path_a, path_b);
  lw_session_free (sb);
  g_unlink (path);
  g_unlink (path_a);
  g_unlink (path_b);
}

/* A run saved in each state it can be in besides mid-epoch: never
 * trained (step 0), at the very end of an epoch, finished (its epoch
 * limit reached), and just after a reset (with a previous run kept):
 * each opens elsewhere as the same run and steps on with the original. */
static void
test_every_state (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "finished.lwrun", NULL);
  LwRunSettings st;
  LwSession *s;

  g_assert_no_error (error);
  files_settings (&st);
  st.limit_train = 256;       /* 2 batches an epoch */
  s = new_session (&st);

  check_resumes (s, &st, dir, 3);       /* step 0 */
  steps (s, 1);                         /* step 4: the end of epoch 2 */
  {
    g_autoptr (LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->step % 2, ==, 0);
  }
  check_resumes (s, &st, dir, 2);
  lw_session_reset (s, &st);
  steps (s, 1);
  check_resumes (s, &st, dir, 2);       /* after a reset */
  lw_session_free (s);

  /* Finished: opened, it is finished too, and stays so. */
  st.max_epochs = 1;
  s = new_session (&st);
  steps (s, 3);
  {
    g_autoptr (LwSnapshot) saved = NULL, opened = NULL, later = NULL;
    LwSession *t;

    saved = synced (s);
    g_assert_cmpint (saved->state, ==, LW_RUN_FINISHED);
    g_clear_pointer (&saved, lw_snapshot_unref);
    saved = save_checked (s, path);
    t = lw_session_new (&st, NULL, NULL);
    g_clear_pointer (&opened, lw_snapshot_unref);
    lw_session_open_run (t, path);
    opened = synced (t);
    g_assert_false (opened->file_failed);
    g_assert_cmpint (opened->state, ==, LW_RUN_FINISHED);
    assert_same_run (saved, opened);
    steps (t, 2);
    later = synced (t);
    g_assert_cmpuint (later->step, ==, saved->step);
    lw_session_free (t);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
  g_unlink (path);
  g_rmdir (dir);
}

typedef struct {
  LwArch arch;
  LwOptimKind optim;
  LwNonlin nonlin;
  guint classes_per_batch;    /* 0: plain shuffled batches */
  LwSchedule schedule;
} ResumeCase;

/* Small and quick: 8 batches an epoch, every layer of a few units. AUTO
 * gets two threads, or it has nothing to choose from. */
static void
resume_settings (const ResumeCase *c, LwRunSettings *st)
{
  files_settings (st);
  st->model.arch = c->arch;
  st->model.optim = c->optim;
  st->model.nonlin = c->nonlin;
  st->classes_per_batch = c->classes_per_batch;
  st->schedule = c->schedule;
  st->threads = c->schedule == LW_SCHEDULE_AUTO ? 2 : 1;
  st->limit_train = 512;
  st->model.batch_size = 64;
  if (lw_arch_is_conv (c->arch))
    {
      st->model.num_layers = 1;
      st->model.batch_size = 32;
      st->limit_train = 256;
      st->eval_every = 8;
    }
}

/* A new run at a rate that overflows: it diverges while playing (a
 * pipeline has batches in flight then), and goes back to its start. */
static void
diverge_and_return (LwSession *s, const LwRunSettings *st)
{
  LwRunSettings huge;
  g_autoptr (LwSnapshot) snap = NULL;

  lw_run_settings_copy (&huge, st);
  huge.model.lr = HUGE_LR;
  lw_session_reset (s, &huge);
  lw_session_play (s);
  snap = wait_for (s, has_diverged, NULL);
  g_test_message ("%s", snap->divergence);
  lw_session_restore_last_good (s);
  lw_run_settings_clear (&huge);
}

/* Every live control, each with its mark, every loss for a step. */
static void
turn_every_control (LwSession *s, const ResumeCase *c)
{
  g_assert_true (lw_session_set_lr (s, c->optim == LW_OPTIM_SGD ? 0.02 : 1e-3, NULL));
  g_assert_true (lw_session_set_block_lr_mult (s, 1, 0.5, NULL));
  g_assert_true (lw_session_set_beta (s, 0.5, NULL));
  g_assert_true (lw_session_set_block_frozen (s, 0, TRUE, NULL));
  g_assert_true (lw_session_set_dropout (s, 0.2, NULL));
  steps (s, 1);
  g_assert_true (lw_session_set_block_frozen (s, 0, FALSE, NULL));
  /* On from here: every loss below trains with it, and the resume must
   * bring it back from the model state. */
  lw_session_set_no_detach (s, TRUE);
  for (guint loss = 0; loss < LW_N_LOSSES; loss++)
    {
      lw_session_set_loss (s, (LwLossType) ((loss + 1) % LW_N_LOSSES));
      steps (s, 1);
    }
}

/* Plays a few steps and pauses: a pipeline or AUTO's timing at work. */
static void
play_a_little (LwSession *s)
{
  g_autoptr (LwSnapshot) before = synced (s);
  g_autoptr (LwSnapshot) after = NULL;
  guint64 target = before->step + 6;

  lw_session_play (s);
  after = wait_for (s, stepped_past, &target);
  lw_session_pause (s);
  g_assert_true (lw_session_sync (s, TIMEOUT_MS));
}

/* Steps into epoch 2 or later, stopping mid-epoch (the last step did not
 * end its epoch). */
static void
step_to_mid_epoch (LwSession *s)
{
  for (;;)
    {
      g_autoptr (LwSnapshot) before = synced (s);
      g_autoptr (LwSnapshot) after = NULL;

      steps (s, 1);
      after = synced (s);
      if (after->epoch >= 2 && after->epoch == before->epoch)
        return;
    }
}

static void
check_every_mark (const ResumeCase *c)
{
  LwRunSettings st;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autoptr (LwSnapshot) snap = NULL;
  LwSession *s;

  g_assert_no_error (error);
  resume_settings (c, &st);
  s = new_session (&st);
  diverge_and_return (s, &st);
  turn_every_control (s, c);
  /* Forked (the fork closed at once): the mark stays on this run. */
  lw_session_free (lw_session_new_fork (s, NULL, NULL, &error));
  g_assert_no_error (error);
  play_a_little (s);
  step_to_mid_epoch (s);
  snap = synced (s);
  /* Every kind a new run can get: a reset leaves none (the run files of
   * tests/fixtures hold one, and /session-files/fixture-v1 and -v2 show
   * it still opens). */
  for (guint kind = 0; kind < LW_N_MARK_KINDS; kind++)
    {
      g_test_message ("mark kind %u", kind);
      g_assert_true (has_mark (snap, (LwMarkKind) kind) == (kind != LW_MARK_RESET));
    }
  /* On into the next epoch, whose batches the sampler draws afresh. */
  check_resumes (s, &st, dir, 9);
  lw_session_free (s);
  lw_run_settings_clear (&st);
  g_rmdir (dir);
}

/* Runs one case, saying which and how long it took. */
static void
run_case (const ResumeCase *c)
{
  gint64 start = g_get_monotonic_time ();

  g_test_message ("%s, %s, %s, %u classes per batch, schedule %d", lw_arch_to_string (c->arch),
                  lw_optim_to_string (c->optim), lw_nonlin_to_string (c->nonlin),
                  c->classes_per_batch, (int) c->schedule);
  check_every_mark (c);
  g_test_message ("%.2f s", (g_get_monotonic_time () - start) / 1e6);
}

/* The MLP with each sampler in each schedule, the conv net (ten times
 * slower) in each schedule with the samplers taking turns; the
 * optimizers and nonlinearities take turns too, and each value of each
 * of these enums comes up. */
static void
test_every_mark (void)
{
  gboolean optim_seen[LW_N_OPTIMS] = { 0 }, nonlin_seen[LW_N_NONLINS] = { 0 };
  gboolean schedule_seen[LW_N_SCHEDULES] = { 0 }, sampler_seen[2] = { 0 };
  guint n = 0;

  for (guint conv = 0; conv < 2; conv++)
    for (guint cpb = 0; cpb < 2; cpb++)
      for (guint sch = 0; sch < LW_N_SCHEDULES; sch++)
        {
          guint sampler = conv ? sch % 2 : cpb;
          ResumeCase c = {
            .arch = conv ? LW_ARCH_VGG_MINI : LW_ARCH_MLP,
            .optim = (LwOptimKind) (n % LW_N_OPTIMS),
            .nonlin = (LwNonlin) ((n / LW_N_OPTIMS) % LW_N_NONLINS),
            .classes_per_batch = sampler ? 3 : 0, .schedule = (LwSchedule) sch,
          };

          if (conv && cpb)
            continue;
          run_case (&c);
          n++;
          optim_seen[c.optim] = nonlin_seen[c.nonlin] = TRUE;
          schedule_seen[c.schedule] = sampler_seen[sampler] = TRUE;
        }
  for (guint i = 0; i < LW_N_OPTIMS; i++)
    g_assert_true (optim_seen[i]);
  for (guint i = 0; i < LW_N_NONLINS; i++)
    g_assert_true (nonlin_seen[i]);
  for (guint i = 0; i < LW_N_SCHEDULES; i++)
    g_assert_true (schedule_seen[i]);
  g_assert_true (sampler_seen[0] && sampler_seen[1]);
}

/* Saved right after a divergence paused it: the step that diverged and
 * (in a pipeline) the batches in flight behind it count as steps, and
 * the blocks below the one that diverged learned from them. The file
 * holds exactly that: opened elsewhere, it steps on as the run that
 * never stopped, diverging again the same way. Block 1 learns at a
 * sane rate, the rest at one that overflows in the second step. */
static void
check_saved_at_divergence (LwSchedule schedule)
{
  LwRunSettings st;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autoptr (LwSnapshot) snap = NULL;
  LwSession *s;

  g_assert_no_error (error);
  files_settings (&st);
  st.model.num_layers = 3;
  st.model.batch_size = 32;
  st.limit_train = 512;
  st.model.optim = LW_OPTIM_SGD;
  st.model.lr = HUGE_LR;
  st.schedule = schedule;
  s = new_session (&st);
  g_assert_true (lw_session_set_block_lr_mult (s, 0, 1e-21, NULL));
  lw_session_play (s);
  snap = wait_for (s, has_diverged, NULL);
  g_test_message ("%s", snap->divergence);
  g_clear_pointer (&snap, lw_snapshot_unref);
  snap = synced (s);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  g_assert_cmpuint (snap->diverged.block, >, 0);
  g_assert_cmpuint (snap->diverged_step, <=, snap->step);
  /* Every batch handed out is counted, the diverged ones too. */
  g_assert_cmpuint (snap->samples_seen, ==, snap->step * st.model.batch_size);
  check_resumes (s, &st, dir, 5);
  lw_session_free (s);
  lw_run_settings_clear (&st);
  g_rmdir (dir);
}

static void
test_saved_at_divergence_sequential (void)
{
  check_saved_at_divergence (LW_SCHEDULE_SEQUENTIAL);
}

static void
test_saved_at_divergence_pipeline (void)
{
  check_saved_at_divergence (LW_SCHEDULE_PIPELINE);
}

/* ------------------------------------------------------------------ */
/* The window's run file of format 1 (tests/fixtures, make-run-fixtures) */

static const struct { LwMarkKind kind; const char *label; } fixture_marks[] = {
  { LW_MARK_RESET, "reset" },
  { LW_MARK_DIVERGED, "diverged" },
  { LW_MARK_DIVERGED, "back to step 0" },
  { LW_MARK_LR, "lr 1e-2" },
  { LW_MARK_LR, "b2 lr×0.5" },
  { LW_MARK_LOSS, "beta 0.5" },
  { LW_MARK_FREEZE, "freeze b1" },
  { LW_MARK_DROPOUT, "dropout 0.2" },
  { LW_MARK_LOSS, "sim" },
  { LW_MARK_PAUSE, "pause" },
};

/* Every layer has points on its curves (the output layer no similarity
 * loss). */
static void
assert_curves_drawn (const LwSnapshot *snap)
{
  g_assert_cmpuint (snap->current.n_layers, ==, snap->n_blocks + 1);
  for (guint l = 0; l < snap->current.n_layers; l++)
    {
      const LwLayerCurves *c = &snap->current.layers[l];

      g_assert_cmpuint (c->train_acc.n, >, 0);
      g_assert_cmpuint (c->test_acc.n, >, 0);
      g_assert_cmpuint (c->epoch_test_acc.n, >, 0);
      g_assert_cmpuint (c->loss_pred.n, >, 0);
      if (l < snap->n_blocks)
        g_assert_cmpuint (c->loss_sim.n, >, 0);
    }
}

/* The fixture, opened from a copy (opening leaves the file as it was):
 * its position, marks and curves, and it trains on. */
static void
test_fixture_v1 (void)
{
  g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "fixtures",
                                                    "window-mlp-v1.lwrun", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *copy = g_build_filename (dir, "window-mlp-v1.lwrun", NULL);
  g_autoptr (GBytes) original = file_bytes (fixture);
  g_autoptr (GBytes) after = NULL;
  g_autoptr (LwSnapshot) opened = NULL, trained = NULL;
  LwRunSettings st;
  LwSession *s;

  g_assert_no_error (error);
  write_bytes (copy, g_bytes_get_data (original, NULL), g_bytes_get_size (original));
  small_settings (&st);
  s = new_session (&st);
  lw_session_open_run (s, copy);
  opened = synced (s);
  g_test_message ("%s", opened->file_message);
  g_assert_false (opened->file_failed);
  g_assert_cmpint (opened->state, ==, LW_RUN_PAUSED);
  /* Epoch 9 of 4 batches, its second batch done (make-run-fixtures.c). */
  g_assert_cmpuint (opened->epoch, ==, 9);
  g_assert_cmpuint (opened->step, ==, 34);
  g_assert_cmpuint (opened->samples_seen, ==, 34 * 128);
  g_assert_cmpuint (opened->current.n_marks, ==, G_N_ELEMENTS (fixture_marks));
  for (guint i = 0; i < G_N_ELEMENTS (fixture_marks); i++)
    {
      g_assert_cmpint (opened->current.marks[i].kind, ==, fixture_marks[i].kind);
      g_assert_cmpstr (opened->current.marks[i].label, ==, fixture_marks[i].label);
    }
  assert_curves_drawn (opened);

  steps (s, 10);
  trained = synced (s);
  g_assert_cmpint (trained->state, ==, LW_RUN_PAUSED);
  g_assert_null (trained->divergence);
  g_assert_cmpuint (trained->step, ==, 44);
  g_assert_cmpuint (trained->epoch, ==, 12);   /* epoch 11 ended with step 44 */
  g_assert_cmpuint (trained->file_serial, ==, opened->file_serial);
  after = file_bytes (copy);
  g_assert_true (g_bytes_equal (original, after));

  lw_session_free (s);
  lw_run_settings_clear (&st);
  g_unlink (copy);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------ */
/* Bad files */

/* A valid file whose settings have key = value (group [group]). */
static void
write_with_setting (const char *path, GBytes *good, const char *group, const char *key,
                    const char *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwRunFile) f = lw_run_file_read_bytes (g_bytes_get_data (good, NULL),
                                                    g_bytes_get_size (good), &error);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  GBytes *conf;
  gsize len;
  char *text;

  g_assert_no_error (error);
  conf = lw_run_file_get_section (f, LW_RUN_SECTION_CONFIG);
  g_assert_true (g_key_file_load_from_data (kf, g_bytes_get_data (conf, NULL),
                                            g_bytes_get_size (conf), 0, NULL));
  g_key_file_set_value (kf, group, key, value);
  text = g_key_file_to_data (kf, &len, NULL);
  lw_run_file_take_section (f, LW_RUN_SECTION_CONFIG, g_bytes_new_take (text, len));
  g_assert_true (lw_run_file_save (f, path, &error));
}

static void
test_bad_files (void)
{
  LwRunSettings st;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *good = g_build_filename (dir, "good.lwrun", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.lwrun", NULL);
  g_autoptr (GBytes) good_bytes = NULL;
  g_autoptr (LwSnapshot) before = NULL;
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
  const struct { const char *name; const char *group, *key, *value; const char *message; } edits[] = {
    { "shapes", "model", "num_hidden", "48", "model state" },
    { "other data", "session", "limit_train", "512", "1024 training" },
    { "missing dataset", "session", "dataset", "kmnist", "kmnist" },
    { "unknown arch", "model", "arch", "resnet", "resnet" },
    { "cli file", "run", "writer", "layerwise-cli", "layerwise-cli" },
    /* The schedule is checked with the CLI's parser and words. */
    { "milestones", "session", "lr_milestones", "75,50",
      "learning-rate schedule is damaged: milestones must increase: 50 after 75" },
    { "decay factor", "session", "lr_decay_factor", "4",
      "learning-rate schedule is damaged: learning-rate decay factor 4 is out of range" },
  };
  gsize len;
  const guint8 *data;
  guint64 serial;
  LwSession *s;

  g_assert_no_error (error);
  files_settings (&st);
  s = new_session (&st);
  steps (s, 4);
  lw_session_save_run (s, good);
  g_assert_true (lw_session_sync (s, TIMEOUT_MS));
  steps (s, 3);
  before = synced (s);
  serial = before->file_serial;
  good_bytes = file_bytes (good);
  data = g_bytes_get_data (good_bytes, &len);

  for (guint i = 0; i < 9 + G_N_ELEMENTS (edits); i++)
    {
      g_autoptr (LwSnapshot) after = NULL;
      const char *message;
      g_autofree guint8 *copy = g_memdup2 (data, len);

      g_unlink (bad);
      switch (i)
        {
        case 0: write_bytes (bad, data, len / 2); message = "cut short"; break;
        case 1: write_bytes (bad, data, 20); message = "cut short"; break;
        case 2: copy[len / 2] ^= 0x40; write_bytes (bad, copy, len); message = "checksum"; break;
        case 3: write_bytes (bad, png, sizeof png); message = "not a Layerwise run file"; break;
        case 4: write_bytes (bad, "hello\n", 6); message = "not a Layerwise run file"; break;
        case 5:
          {
            guint32 v = GUINT32_TO_LE (LW_RUN_FILE_VERSION + 1), crc;

            memcpy (copy + 8, &v, 4);
            crc = GUINT32_TO_LE ((guint32) crc32_z (crc32_z (0L, Z_NULL, 0), copy, len - 4));
            memcpy (copy + len - 4, &crc, 4);
            write_bytes (bad, copy, len);
            message = "newer Layerwise";
          }
          break;
        case 6: write_bytes (bad, "", 0); message = "empty"; break;
        case 7: message = "bad.lwrun"; break;   /* no such file */
        case 8: g_assert_true (g_mkdir (bad, 0700) == 0); message = "bad.lwrun"; break;
        default:
          {
            guint e = i - 9;

            write_with_setting (bad, good_bytes, edits[e].group, edits[e].key, edits[e].value);
            message = edits[e].message;
          }
          break;
        }
      lw_session_open_run (s, bad);
      after = synced (s);
      g_test_message ("case %u: %s", i, after->file_message);
      g_assert_true (after->file_failed);
      g_assert_cmpuint (after->file_serial, ==, ++serial);
      g_assert_nonnull (strstr (after->file_message, message));
      g_assert_cmpint (after->state, ==, LW_RUN_PAUSED);
      assert_same_run (before, after);
      if (i == 8)
        g_rmdir (bad);
    }
  /* The run is alive and trains on. */
  steps (s, 1);
  {
    g_autoptr (LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->step, ==, before->step + 1);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
  g_unlink (good);
  g_unlink (bad);
  g_rmdir (dir);
}

/* A save that cannot be written says so; the session goes on. */
static void
test_save_fails (void)
{
  LwRunSettings st;
  g_autoptr (LwSnapshot) snap = NULL;
  LwSession *s;

  files_settings (&st);
  s = new_session (&st);
  steps (s, 1);
  lw_session_save_run (s, "/nonexistent/folder/run.lwrun");
  snap = synced (s);
  g_test_message ("%s", snap->file_message);
  g_assert_true (snap->file_failed);
  g_assert_nonnull (strstr (snap->file_message, "/nonexistent/folder/run.lwrun"));
  g_assert_cmpuint (snap->step, ==, 1);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* Pausing a run that trained writes the autosave file, which opens as
 * that run. */
static void
test_autosave (void)
{
  LwRunSettings st;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-session-files-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "autosave.lwrun", NULL);
  g_autoptr (LwSnapshot) paused = NULL, opened = NULL;
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  LwSession *s, *t;

  g_assert_no_error (error);
  files_settings (&st);
  s = new_session (&st);
  lw_session_set_autosave (s, path, 3600);
  steps (s, 2);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  lw_session_play (s);
  for (;;)
    {
      g_autoptr (LwSnapshot) snap = lw_session_get_snapshot (s);

      if (snap->step >= 6)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (2000);
    }
  lw_session_pause (s);
  paused = synced (s);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  t = new_session (&st);
  lw_session_open_run (t, path);
  opened = synced (t);
  g_assert_false (opened->file_failed);
  assert_same_run (paused, opened);

  lw_session_free (s);
  lw_session_free (t);
  lw_run_settings_clear (&st);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session-files/round-trip/mlp", test_round_trip_mlp);
  g_test_add_func ("/session-files/round-trip/conv", test_round_trip_conv);
  g_test_add_func ("/session-files/round-trip/lr-schedule/mid-epoch",
                   test_round_trip_schedule_mid_epoch);
  g_test_add_func ("/session-files/round-trip/lr-schedule/epoch-end",
                   test_round_trip_schedule_epoch_end);
  g_test_add_func ("/session-files/save-while-pipelined", test_save_while_pipelined);
  g_test_add_func ("/session-files/every-mark", test_every_mark);
  g_test_add_func ("/session-files/every-state", test_every_state);
  g_test_add_func ("/session-files/saved-at-divergence/sequential",
                   test_saved_at_divergence_sequential);
  g_test_add_func ("/session-files/saved-at-divergence/pipeline",
                   test_saved_at_divergence_pipeline);
  g_test_add_func ("/session-files/fixture-v1", test_fixture_v1);
  g_test_add_func ("/session-files/bad-files", test_bad_files);
  g_test_add_func ("/session-files/save-fails", test_save_fails);
  g_test_add_func ("/session-files/autosave", test_autosave);
  return g_test_run ();
}
