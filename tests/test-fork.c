/* test-fork.c: a fork (lw_session_new_fork) is the run it came from, bit
 * for bit, and goes on as that run would have; the run it came from goes
 * on as if it had never forked. Compared through the runs' own files:
 * every weight, optimizer moment, BatchNorm statistic, random stream,
 * position, curve and mark. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "runfile/lw-run-file.h"
#include "session/lw-session.h"
#include "session-helpers.h"

#define TIMEOUT_MS SESSION_TIMEOUT_MS

/* A small MLP with dropout and BatchNorm on 1,024 subset images: 8
 * batches an epoch, an evaluation every 5 steps. */
static void
fork_settings (LwRunSettings *st)
{
  small_settings (st);
  st->limit_train = 1024;
  st->model.num_hidden = 32;
  st->model.dropout = 0.1f;
  st->eval_every = 5;
  st->eval_samples = 128;
  st->probe_n = 16;
}

static gboolean
is_loaded (const LwSnapshot *snap, gpointer data)
{
  return snap->state != LW_RUN_LOADING;
}

static LwSession *
new_session (const LwRunSettings *st)
{
  LwSession *s = lw_session_new (st, NULL, NULL);
  g_autoptr (LwSnapshot) snap = wait_for (s, is_loaded, NULL);

  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  return s;
}

/* The fork of source, once it has its run. */
static LwSession *
new_fork (LwSession *source)
{
  g_autoptr (GError) error = NULL;
  LwSession *f = lw_session_new_fork (source, NULL, NULL, &error);
  g_autoptr (LwSnapshot) snap = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (f);
  snap = wait_for (f, is_loaded, NULL);
  g_assert_cmpstr (snap->error, ==, NULL);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  return f;
}

static void
steps (LwSession *s, guint n)
{
  for (guint i = 0; i < n; i++)
    lw_session_step (s);
  g_assert_true (lw_session_sync (s, TIMEOUT_MS));
}

/* The same controls changed the same way, for the fork and the run that
 * never forked: each is part of what a fork must carry. */
static void
change_controls (LwSession *s)
{
  LwLrSchedule schedule;

  lw_lr_schedule_init (&schedule);
  g_assert_null (lw_lr_schedule_parse_milestones (&schedule, "3,6"));
  schedule.factor = 0.5;
  g_assert_true (lw_session_set_lr (s, 2e-3, NULL));
  g_assert_true (lw_session_set_beta (s, 0.9, NULL));
  g_assert_true (lw_session_set_dropout (s, 0.2, NULL));
  g_assert_true (lw_session_set_block_lr_mult (s, 1, 0.5, NULL));
  g_assert_true (lw_session_set_block_frozen (s, 0, TRUE, NULL));
  g_assert_true (lw_session_set_lr_schedule (s, &schedule, NULL));
  lw_session_set_no_detach (s, TRUE);
  lw_session_set_loss (s, LW_LOSS_PRED);
}

/* The run of s, saved: its file. */
static LwRunFile *
save (LwSession *s, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (LwSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  guint64 serial;
  LwRunFile *f;

  snap = lw_session_get_snapshot (s);
  serial = snap->file_serial;
  g_clear_pointer (&snap, lw_snapshot_unref);
  lw_session_save_run (s, path);
  snap = synced (s);
  g_assert_cmpuint (snap->file_serial, ==, serial + 1);
  g_assert_false (snap->file_failed);
  f = lw_run_file_load (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  return f;
}

#define SECTION_HISTORY LW_RUN_TAG ('H', 'I', 'S', 'T')

/* Every section the window writes: settings, model state, position with
 * its random streams, curves, recent batches, latest values; and the
 * marks unless with_marks is FALSE. */
static void
assert_same_state (LwRunFile *a, LwRunFile *b, gboolean with_marks)
{
  static const guint32 tags[] = {
    LW_RUN_SECTION_CONFIG, LW_RUN_SECTION_MODEL, LW_RUN_SECTION_POSITION, SECTION_HISTORY,
    LW_RUN_TAG ('R', 'C', 'N', 'T'), LW_RUN_TAG ('L', 'A', 'S', 'T'),
    LW_RUN_SECTION_INTERVENTIONS,
  };

  for (guint i = 0; i < G_N_ELEMENTS (tags) - (with_marks ? 0 : 1); i++)
    {
      GBytes *sa = lw_run_file_get_section (a, tags[i]);
      GBytes *sb = lw_run_file_get_section (b, tags[i]);

      g_assert_nonnull (sa);
      g_assert_nonnull (sb);
      g_test_message ("section %u", i);
      g_assert_true (g_bytes_equal (sa, sb));
    }
}

static gboolean
same_section (LwRunFile *a, LwRunFile *b, guint32 tag)
{
  return g_bytes_equal (lw_run_file_get_section (a, tag), lw_run_file_get_section (b, tag));
}

/* The marks of snap but those of kind skip, as "kind@samples:label;". */
static char *
marks_text (const LwSnapshot *snap, LwMarkKind skip)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < snap->current.n_marks; i++)
    {
      const LwMark *m = &snap->current.marks[i];

      if (m->kind != skip)
        g_string_append_printf (out, "%d@%" G_GUINT64_FORMAT ":%s;", m->kind, m->samples,
                                m->label);
    }
  return g_string_free (out, FALSE);
}

/* The fork marks of snap: exactly one, at samples. */
static void
assert_fork_mark (const LwSnapshot *snap, guint64 samples)
{
  guint n = 0;

  for (guint i = 0; i < snap->current.n_marks; i++)
    if (snap->current.marks[i].kind == LW_MARK_FORK)
      {
        g_assert_cmpuint (snap->current.marks[i].samples, ==, samples);
        g_assert_cmpstr (snap->current.marks[i].label, ==, "forked here");
        n++;
      }
  g_assert_cmpuint (n, ==, 1);
}

/* The live controls the fork carries, as the snapshots show them. */
static void
assert_same_controls (const LwSnapshot *a, const LwSnapshot *b)
{
  g_assert_cmpuint (a->step, ==, b->step);
  g_assert_cmpuint (a->samples_seen, ==, b->samples_seen);
  g_assert_cmpuint (a->epoch, ==, b->epoch);
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_true (a->lr == b->lr && a->beta == b->beta && a->dropout == b->dropout);
  g_assert_cmpint (a->no_detach, ==, b->no_detach);
  g_assert_true (lw_lr_schedule_equal (&a->lr_schedule, &b->lr_schedule));
  g_assert_cmpfloat (a->lr_base, ==, b->lr_base);
  g_assert_cmpmem (a->block_lr_mult, sizeof a->block_lr_mult, b->block_lr_mult,
                   sizeof b->block_lr_mult);
  g_assert_cmpmem (a->block_frozen, sizeof a->block_frozen, b->block_frozen,
                   sizeof b->block_frozen);
  g_assert_cmpint (a->schedule, ==, b->schedule);
  g_assert_cmpuint (a->probe_image_index, ==, b->probe_image_index);
}

/* ------------------------------------------------------------------ */

/* A paused run with every control changed, forked mid-epoch: the fork
 * is the run, controls and marks too; both go on the same, and the run
 * goes on as one that never forked. */
static void
test_paused (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-fork-XXXXXX", NULL);
  g_autoptr (LwSnapshot) at_a = NULL, at_f = NULL, end_a = NULL, end_r = NULL;
  g_autoptr (LwRunFile) fa = NULL, ff = NULL, fr = NULL;
  g_autofree char *marks_a = NULL, *marks_r = NULL;
  LwSession *a, *f, *r;
  LwRunSettings st;

  fork_settings (&st);
  a = new_session (&st);
  r = new_session (&st);
  steps (a, 6);
  steps (r, 6);
  change_controls (a);
  change_controls (r);
  g_assert_true (lw_session_set_probe_image (a, 7, NULL));
  steps (a, 5);
  steps (r, 5);

  f = new_fork (a);
  at_a = synced (a);
  at_f = synced (f);
  g_assert_cmpint (at_a->state, ==, LW_RUN_PAUSED);
  g_assert_cmpuint (at_f->step, ==, 11);
  assert_same_controls (at_a, at_f);
  g_assert_cmpint (at_f->loss, ==, LW_LOSS_PRED);
  g_assert_true (at_f->no_detach);
  g_assert_true (at_f->block_frozen[0]);
  assert_fork_mark (at_a, at_a->samples_seen);
  assert_fork_mark (at_f, at_a->samples_seen);
  fa = save (a, dir, "a.lwrun");
  ff = save (f, dir, "f.lwrun");
  assert_same_state (fa, ff, TRUE);
  g_clear_pointer (&fa, lw_run_file_free);
  g_clear_pointer (&ff, lw_run_file_free);

  /* On into the next epochs, past the schedule's milestones. */
  steps (a, 20);
  steps (f, 20);
  steps (r, 20);
  fa = save (a, dir, "a.lwrun");
  ff = save (f, dir, "f.lwrun");
  fr = save (r, dir, "r.lwrun");
  assert_same_state (fa, ff, TRUE);
  /* The run that forked is the one that did not, but for the mark. */
  assert_same_state (fa, fr, FALSE);
  end_a = synced (a);
  end_r = synced (r);
  g_assert_cmpuint (end_a->step, ==, 31);
  marks_a = marks_text (end_a, LW_MARK_FORK);
  marks_r = marks_text (end_r, LW_N_MARK_KINDS);
  g_assert_cmpstr (marks_a, ==, marks_r);
  assert_fork_mark (end_a, at_a->samples_seen);

  lw_session_free (f);
  lw_session_free (a);
  lw_session_free (r);
  lw_run_settings_clear (&st);
  g_rmdir (dir);
}

static gboolean
stepped_past (const LwSnapshot *snap, gpointer data)
{
  return snap->step >= GPOINTER_TO_UINT (data);
}

static gboolean
has_fork_mark (const LwSnapshot *snap, gpointer data)
{
  for (guint i = 0; i < snap->current.n_marks; i++)
    if (snap->current.marks[i].kind == LW_MARK_FORK)
      return TRUE;
  return FALSE;
}

/* Forked while playing through a pipeline: the batches in flight are
 * trained first, the run plays on, and the fork, stepped as far, is the
 * run; so is a run that never forked. */
static void
check_playing (LwSchedule schedule, int threads)
{
  g_autofree char *dir = g_dir_make_tmp ("test-fork-XXXXXX", NULL);
  g_autoptr (LwSnapshot) forked = NULL, at_f = NULL, later = NULL, end_a = NULL;
  g_autoptr (LwRunFile) fa = NULL, ff = NULL, fr = NULL;
  LwSession *a, *f, *r;
  LwRunSettings st;
  guint64 fork_step;

  fork_settings (&st);
  st.schedule = schedule;
  st.threads = threads;
  a = new_session (&st);
  r = new_session (&st);
  lw_session_play (a);
  g_clear_pointer (&later, lw_snapshot_unref);
  later = wait_for (a, stepped_past, GUINT_TO_POINTER (4));

  f = new_fork (a);
  at_f = synced (f);
  fork_step = at_f->step;
  forked = wait_for (a, has_fork_mark, NULL);
  g_test_message ("forked at step %" G_GUINT64_FORMAT ", %u stages", fork_step, forked->n_stages);
  assert_fork_mark (at_f, at_f->samples_seen);
  assert_fork_mark (forked, at_f->samples_seen);
  /* The run that forked plays on. */
  g_clear_pointer (&later, lw_snapshot_unref);
  later = wait_for (a, stepped_past, GUINT_TO_POINTER ((guint) fork_step + 6));
  g_assert_cmpint (later->state, ==, LW_RUN_RUNNING);
  lw_session_pause (a);
  end_a = synced (a);
  g_assert_cmpint (end_a->state, ==, LW_RUN_PAUSED);

  steps (f, (guint) (end_a->step - fork_step));
  steps (r, (guint) end_a->step);
  fa = save (a, dir, "a.lwrun");
  ff = save (f, dir, "f.lwrun");
  fr = save (r, dir, "r.lwrun");
  /* The marks differ by the pause, and the run that never forked has none. */
  assert_same_state (fa, ff, FALSE);
  assert_same_state (fa, fr, FALSE);

  lw_session_free (f);
  lw_session_free (a);
  lw_session_free (r);
  lw_run_settings_clear (&st);
  g_rmdir (dir);
}

static void
test_playing_sequential (void)
{
  check_playing (LW_SCHEDULE_SEQUENTIAL, 1);
}

static void
test_playing_pipeline (void)
{
  check_playing (LW_SCHEDULE_PIPELINE, 2);
}

/* The fork's learning rate changed: the fork goes its own way, the run
 * it came from stays that of a run that never forked. */
static void
test_diverges (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-fork-XXXXXX", NULL);
  g_autoptr (LwSnapshot) sa = NULL, sf = NULL;
  g_autoptr (LwRunFile) fa = NULL, ff = NULL, fr = NULL;
  LwSession *a, *f, *r;
  LwRunSettings st;

  fork_settings (&st);
  a = new_session (&st);
  r = new_session (&st);
  steps (a, 5);
  steps (r, 5);
  f = new_fork (a);
  g_assert_true (lw_session_set_lr (f, 1e-2, NULL));
  steps (a, 10);
  steps (f, 10);
  steps (r, 10);

  sa = synced (a);
  sf = synced (f);
  g_assert_cmpfloat (sa->lr, ==, st.model.lr);
  g_assert_cmpfloat (sf->lr, ==, 1e-2f);
  g_assert_cmpuint (sf->step, ==, sa->step);
  fa = save (a, dir, "a.lwrun");
  ff = save (f, dir, "f.lwrun");
  fr = save (r, dir, "r.lwrun");
  g_assert_false (same_section (fa, ff, LW_RUN_SECTION_MODEL));
  g_assert_false (same_section (fa, ff, SECTION_HISTORY));
  /* The same batches: the position and its streams stay alike. */
  g_assert_true (same_section (fa, ff, LW_RUN_SECTION_POSITION));
  assert_same_state (fa, fr, FALSE);

  lw_session_free (f);
  lw_session_free (a);
  lw_session_free (r);
  lw_run_settings_clear (&st);
  g_rmdir (dir);
}

/* A fork of a fork, and a run forked twice: each fork is the run at its
 * own point, with the marks so far. */
static void
test_fork_of_fork (void)
{
  g_autoptr (LwSnapshot) sa = NULL, sf = NULL, sg = NULL;
  LwSession *a, *f, *g;
  LwRunSettings st;

  fork_settings (&st);
  a = new_session (&st);
  steps (a, 3);
  f = new_fork (a);
  steps (f, 4);
  g = new_fork (f);
  sa = synced (a);
  sf = synced (f);
  sg = synced (g);
  g_assert_cmpuint (sa->step, ==, 3);
  g_assert_cmpuint (sg->step, ==, 7);
  g_assert_cmpuint (sf->current.n_marks, ==, 2);
  g_assert_cmpuint (sg->current.n_marks, ==, 2);
  g_assert_cmpuint (sa->current.n_marks, ==, 1);
  g_assert_cmpuint (sg->current.marks[1].samples, ==, sf->samples_seen);

  lw_session_free (g);
  lw_session_free (f);
  lw_session_free (a);
  lw_run_settings_clear (&st);
}

static gboolean
has_failed (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_FAILED;
}

/* Nothing to fork: a run that failed to start, or is still loading, is
 * refused with a message; a run closed before it gave its copy leaves a
 * failed fork. */
static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwSnapshot) snap = NULL;
  LwSession *a, *f;
  LwRunSettings st;

  fork_settings (&st);
  st.dataset = LW_DATASET_MNIST;
  st.data_dir = g_strdup ("/nonexistent/layerwise-test-fork");
  a = lw_session_new (&st, NULL, NULL);
  snap = wait_for (a, is_loaded, NULL);
  g_assert_cmpint (snap->state, ==, LW_RUN_FAILED);
  f = lw_session_new_fork (a, NULL, NULL, &error);
  g_assert_null (f);
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_NO_RUN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "/nonexistent/layerwise-test-fork"));
  lw_session_free (a);
  lw_run_settings_clear (&st);
  g_clear_error (&error);
  g_clear_pointer (&snap, lw_snapshot_unref);

  /* Still loading: its dataset's first file a FIFO, whose opening waits
   * for a writer. */
  {
    g_autofree char *dir = g_dir_make_tmp ("test-fork-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
    int fd;

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    fork_settings (&st);
    st.dataset = LW_DATASET_MNIST;
    st.data_dir = g_strdup (dir);
    a = lw_session_new (&st, NULL, NULL);
    f = lw_session_new_fork (a, NULL, NULL, &error);
    g_assert_null (f);
    g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_NO_RUN);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    /* Let it go: the FIFO is no file, the load fails. */
    fd = open (fifo, O_WRONLY);
    g_assert_cmpint (fd, >=, 0);
    close (fd);
    snap = wait_for (a, is_loaded, NULL);
    g_assert_cmpint (snap->state, ==, LW_RUN_FAILED);
    g_clear_pointer (&snap, lw_snapshot_unref);
    lw_session_free (a);
    lw_run_settings_clear (&st);
    g_unlink (fifo);
    g_rmdir (dir);
  }

  /* Closed with many steps still queued before the fork's turn. */
  fork_settings (&st);
  a = new_session (&st);
  for (guint i = 0; i < 2000; i++)
    lw_session_step (a);
  f = lw_session_new_fork (a, NULL, NULL, &error);
  g_assert_no_error (error);
  lw_session_free (a);
  snap = wait_for (f, has_failed, NULL);
  g_test_message ("%s", snap->error);
  g_assert_nonnull (strstr (snap->error, "closed"));
  lw_session_free (f);
  lw_run_settings_clear (&st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fork/paused", test_paused);
  g_test_add_func ("/fork/playing/sequential", test_playing_sequential);
  g_test_add_func ("/fork/playing/pipeline", test_playing_pipeline);
  g_test_add_func ("/fork/diverges", test_diverges);
  g_test_add_func ("/fork/fork-of-fork", test_fork_of_fork);
  g_test_add_func ("/fork/errors", test_errors);
  return g_test_run ();
}
