/* test-lr-schedule.c: the learning-rate schedule shared by layerwise-cli
 * and the window (src/engine/lw-lr-schedule.h): the rate of each epoch,
 * the steps as an epoch begins (a run resumed mid-schedule takes the same
 * ones), the next milestone, and the parser's refusals with their
 * messages; then in a window run: the rate multiplied as an epoch after a
 * milestone begins, with its mark, and the schedule edited live. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-lr-schedule.h"
#include "session/lw-session.h"
#include "session-helpers.h"

static void
parse_ok (LwLrSchedule *s, const char *text)
{
  g_autofree char *why = lw_lr_schedule_parse_milestones (s, text);

  g_assert_null (why);
}

/* The paper's 100-epoch schedule: 5e-4 for epochs 1-50, then a quarter
 * from 51, a sixteenth from 76, 1/64 from 90, 1/256 from 95. */
static void
test_lr_of_each_epoch (void)
{
  LwLrSchedule s;

  lw_lr_schedule_init (&s);
  g_assert_cmpfloat (s.factor, ==, 0.25);
  g_assert_cmpuint (s.n_milestones, ==, 0);
  g_assert_cmpfloat (lw_lr_schedule_lr_at_epoch (&s, 5e-4, 100), ==, 5e-4);
  parse_ok (&s, "50,75,89,94");
  g_assert_cmpuint (s.n_milestones, ==, 4);
  for (guint e = 1; e <= 100; e++)
    {
      double want = e <= 50 ? 5e-4 : e <= 75 ? 5e-4 / 4 : e <= 89 ? 5e-4 / 16
                    : e <= 94 ? 5e-4 / 64 : 5e-4 / 256;

      g_assert_cmpfloat_with_epsilon (lw_lr_schedule_lr_at_epoch (&s, 5e-4, e), want, 1e-12);
      g_assert_cmpuint (lw_lr_schedule_steps_at (&s, e), ==,
                        e == 51 || e == 76 || e == 90 || e == 95);
      g_assert_cmpuint (lw_lr_schedule_next (&s, e), ==,
                        e <= 50 ? 50 : e <= 75 ? 75 : e <= 89 ? 89 : e <= 94 ? 94 : 0);
    }
}

/* A window run multiplies its live rate as each epoch begins; resumed at
 * any epoch, it reaches the same rate as the formula. */
static void
test_resume_mid_schedule (void)
{
  LwLrSchedule s;

  lw_lr_schedule_init (&s);
  s.factor = 0.5;
  parse_ok (&s, "1, 2, 7");
  for (guint resume_at = 1; resume_at <= 10; resume_at++)
    {
      double lr = lw_lr_schedule_lr_at_epoch (&s, 1e-3, resume_at);

      for (guint e = resume_at + 1; e <= 10; e++)
        {
          for (guint k = lw_lr_schedule_steps_at (&s, e); k > 0; k--)
            lr *= s.factor;
          g_assert_cmpfloat (lr, ==, lw_lr_schedule_lr_at_epoch (&s, 1e-3, e));
        }
    }
  g_assert_cmpfloat (lw_lr_schedule_lr_at_epoch (&s, 1e-3, 2), ==, 5e-4);
  g_assert_cmpfloat (lw_lr_schedule_lr_at_epoch (&s, 1e-3, 3), ==, 2.5e-4);
}

static void
test_text (void)
{
  LwLrSchedule s, back;
  g_autofree char *none = NULL, *text = NULL, *list = NULL;

  lw_lr_schedule_init (&s);
  none = lw_lr_schedule_milestones_text (&s);
  g_assert_cmpstr (none, ==, "none");
  parse_ok (&s, " 100 ,150,175, 188 ");
  text = lw_lr_schedule_milestones_text (&s);
  list = lw_lr_schedule_milestones_list (&s);
  g_assert_cmpstr (text, ==, "100,150,175,188");
  g_assert_cmpstr (list, ==, "100, 150, 175, 188");
  lw_lr_schedule_init (&back);
  parse_ok (&back, text);
  g_assert_true (lw_lr_schedule_equal (&s, &back));
  parse_ok (&back, "none");
  g_assert_cmpuint (back.n_milestones, ==, 0);
  parse_ok (&s, "");
  g_assert_cmpuint (s.n_milestones, ==, 0);
}

static void
test_refused (void)
{
  static const struct { const char *text, *message; } cases[] = {
    { "50,x", "'x' is not an epoch; expected whole numbers such as 50,75,89,94" },
    { "50,-3", "'-3' is not an epoch; expected whole numbers such as 50,75,89,94" },
    { "2.5", "'2.5' is not an epoch; expected whole numbers such as 50,75,89,94" },
    { "0", "milestone 0 is out of range; expected 1 to 1000000" },
    { "1000001", "milestone 1000001 is out of range; expected 1 to 1000000" },
    { "99999999999999999999999", "milestone 99999999999999999999999 is out of range; expected 1 to 1000000" },
    { "50,,75", "empty entry in '50,,75'; expected epochs such as 50,75,89,94" },
    { "75,50", "milestones must increase: 50 after 75" },
    { "50,50", "milestones must increase: 50 after 50" },
  };
  GString *many = g_string_new ("1");
  LwLrSchedule s;
  g_autofree char *why = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *w = NULL;

      lw_lr_schedule_init (&s);
      parse_ok (&s, "3,4");
      w = lw_lr_schedule_parse_milestones (&s, cases[i].text);
      g_assert_cmpstr (w, ==, cases[i].message);
      /* Refused: the schedule is as it was. */
      g_assert_cmpuint (s.n_milestones, ==, 2);
      g_assert_cmpuint (s.milestones[1], ==, 4);
    }
  for (guint i = 2; i <= LW_LR_SCHEDULE_MAX_MILESTONES; i++)
    g_string_append_printf (many, ",%u", i);
  parse_ok (&s, many->str);
  g_assert_cmpuint (s.n_milestones, ==, LW_LR_SCHEDULE_MAX_MILESTONES);
  g_string_append (many, ",65");
  why = lw_lr_schedule_parse_milestones (&s, many->str);
  g_assert_nonnull (why);
  g_assert_true (g_str_has_prefix (why, "more than 64 milestones in '1,2,3,"));
  g_string_free (many, TRUE);
}

static void
test_factor (void)
{
  static const double good[] = { 0.25, 1.0, 1e-6 };
  static const double bad[] = { 0.0, -0.5, 1.5, INFINITY, NAN };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_null (lw_lr_schedule_check_factor (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *why = lw_lr_schedule_check_factor (bad[i]);

      g_assert_nonnull (why);
      g_assert_true (g_str_has_prefix (why, "learning-rate decay factor "));
      g_assert_true (g_str_has_suffix (why, "is out of range: it must be above 0 and at most 1"));
    }
}

/* ------------------------------------------------------------------ */
/* In a window run (src/session) */

static LwSession *
new_paused (const LwRunSettings *st)
{
  LwSession *s = lw_session_new (st, NULL, NULL);
  g_autoptr (LwSnapshot) snap = NULL;

  g_assert_true (lw_session_sync (s, SESSION_TIMEOUT_MS));
  for (;;)
    {
      snap = lw_session_get_snapshot (s);
      if (snap->state != LW_RUN_LOADING)
        break;
      g_clear_pointer (&snap, lw_snapshot_unref);
      g_usleep (2000);
    }
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  return s;
}

static LwSnapshot *
steps (LwSession *s, guint n)
{
  for (guint i = 0; i < n; i++)
    lw_session_step (s);
  return synced (s);
}

/* 4 batches an epoch. */
static void
schedule_settings (LwRunSettings *st, const char *milestones, double factor)
{
  small_settings (st);
  st->limit_train = 512;
  st->model.lr = 1e-3f;
  g_assert_null (lw_lr_schedule_parse_milestones (&st->lr_schedule, milestones));
  st->lr_schedule.factor = factor;
}

/* The marks of kind LR, in order, as "samples:label". */
static char *
lr_marks (const LwSnapshot *snap)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < snap->current.n_marks; i++)
    if (snap->current.marks[i].kind == LW_MARK_LR)
      g_string_append_printf (s, "%s%" G_GUINT64_FORMAT ":%s", s->len > 0 ? " | " : "",
                              snap->current.marks[i].samples, snap->current.marks[i].label);
  return g_string_free (s, FALSE);
}

/* Milestones 1, 2, factor 0.5: the rate halves as epochs 2 and 3 begin,
 * each time with a mark where the epoch starts, and the snapshot says
 * which milestone is next. */
static void
test_session_milestones (void)
{
  LwRunSettings st;
  LwSession *s;

  schedule_settings (&st, "1,2", 0.5);
  s = new_paused (&st);
  {
    g_autoptr (LwSnapshot) snap = steps (s, 3);

    g_assert_cmpuint (snap->epoch, ==, 1);
    g_assert_cmpfloat (snap->lr, ==, 1e-3f);
    g_assert_true (lw_lr_schedule_equal (&snap->lr_schedule, &st.lr_schedule));
    g_assert_cmpuint (snap->lr_next_milestone, ==, 1);
  }
  {
    g_autoptr (LwSnapshot) snap = steps (s, 1);
    g_autofree char *marks = lr_marks (snap);

    g_assert_cmpuint (snap->epoch, ==, 2);
    g_assert_cmpfloat (snap->lr, ==, 5e-4f);
    g_assert_cmpuint (snap->lr_next_milestone, ==, 2);
    g_assert_cmpstr (marks, ==, "512:lr 5e-4 (×0.5, milestone)");
  }
  {
    g_autoptr (LwSnapshot) snap = steps (s, 4);
    g_autofree char *marks = lr_marks (snap);

    g_assert_cmpuint (snap->epoch, ==, 3);
    g_assert_cmpfloat (snap->lr, ==, 2.5e-4f);
    g_assert_cmpuint (snap->lr_next_milestone, ==, 0);
    g_assert_cmpstr (marks, ==, "512:lr 5e-4 (×0.5, milestone) | 1024:lr 2.5e-4 (×0.5, milestone)");
    /* What a new run would start at: the rate before the milestones. */
    g_assert_cmpfloat (snap->lr_base, ==, 1e-3f);
  }
  {
    g_autoptr (LwSnapshot) snap = steps (s, 8);

    g_assert_cmpuint (snap->epoch, ==, 5);
    g_assert_cmpfloat (snap->lr, ==, 2.5e-4f);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* Edited while the run trains: a new milestone ahead applies, one already
 * passed changes nothing; the factor from then on is the new one; the
 * edit leaves a mark; a user's own rate is what the milestone multiplies;
 * a bad schedule is refused with the parser's message and nothing
 * changes. */
static void
test_session_live_edit (void)
{
  LwRunSettings st;
  LwLrSchedule edit;
  LwSession *s;
  g_autoptr (GError) error = NULL;

  schedule_settings (&st, "none", 0.25);
  s = new_paused (&st);
  lw_snapshot_unref (steps (s, 2));
  lw_lr_schedule_init (&edit);
  g_assert_null (lw_lr_schedule_parse_milestones (&edit, "1,3"));
  edit.factor = 0.5;
  lw_session_play (s);
  g_assert_true (lw_session_set_lr_schedule (s, &edit, NULL));
  lw_session_pause (s);
  {
    g_autoptr (LwSnapshot) snap = synced (s);
    g_autofree char *marks = lr_marks (snap);

    g_assert_true (lw_lr_schedule_equal (&snap->lr_schedule, &edit));
    /* A list, which no language reads as one number with a decimal comma. */
    g_assert_true (g_str_has_suffix (marks, ":lr ×0.5 after 1, 3"));
  }
  /* Back to a known place: a fresh run with the edit made at step 2. */
  lw_session_reset (s, &st);
  lw_snapshot_unref (steps (s, 2));
  g_assert_true (lw_session_set_lr_schedule (s, &edit, NULL));
  g_assert_true (lw_session_set_lr (s, 2e-3, NULL));
  {
    g_autoptr (LwSnapshot) snap = steps (s, 2);

    g_assert_cmpuint (snap->epoch, ==, 2);
    g_assert_cmpfloat (snap->lr, ==, 1e-3f);   /* the user's 2e-3, halved */
    g_assert_cmpuint (snap->lr_next_milestone, ==, 3);
    g_assert_cmpfloat (snap->lr_base, ==, 2e-3f);
  }
  /* Milestone 1 is behind: adding it again does nothing; 3 → 2 moves it. */
  g_assert_null (lw_lr_schedule_parse_milestones (&edit, "1,2"));
  edit.factor = 0.25;
  g_assert_true (lw_session_set_lr_schedule (s, &edit, NULL));
  {
    g_autoptr (LwSnapshot) snap = steps (s, 4);

    g_assert_cmpuint (snap->epoch, ==, 3);
    g_assert_cmpfloat (snap->lr, ==, 2.5e-4f);
    g_assert_cmpuint (snap->lr_next_milestone, ==, 0);
  }
  /* Refused, with the parser's words; the schedule stays. */
  edit.milestones[0] = 5;
  edit.milestones[1] = 4;
  g_assert_false (lw_session_set_lr_schedule (s, &edit, &error));
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "milestones must increase: 4 after 5");
  g_clear_error (&error);
  edit.milestones[1] = 6;
  edit.factor = 1.5;
  g_assert_false (lw_session_set_lr_schedule (s, &edit, &error));
  g_assert_cmpstr (error->message, ==,
                   "learning-rate decay factor 1.5 is out of range: it must be above 0 and at most 1");
  {
    g_autoptr (LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->lr_schedule.milestones[1], ==, 2);
    g_assert_cmpfloat (snap->lr_schedule.factor, ==, 0.25);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* A run that stops at its epoch 2: milestone 1 applies, milestone 2
 * (after the last epoch) is never next, and the finished run has none. */
static void
test_session_epoch_limit (void)
{
  LwRunSettings st;
  LwSession *s;

  schedule_settings (&st, "1,2", 0.5);
  st.max_epochs = 2;
  s = new_paused (&st);
  {
    g_autoptr (LwSnapshot) snap = steps (s, 1);

    g_assert_cmpuint (snap->lr_next_milestone, ==, 1);
  }
  {
    g_autoptr (LwSnapshot) snap = steps (s, 4);

    g_assert_cmpuint (snap->epoch, ==, 2);
    g_assert_cmpfloat (snap->lr, ==, 5e-4f);
    g_assert_cmpuint (snap->lr_next_milestone, ==, 0);
  }
  {
    g_autoptr (LwSnapshot) snap = steps (s, 3);

    g_assert_cmpint (snap->state, ==, LW_RUN_FINISHED);
    g_assert_cmpfloat (snap->lr, ==, 5e-4f);
    g_assert_cmpuint (snap->lr_next_milestone, ==, 0);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lr-schedule/lr-of-each-epoch", test_lr_of_each_epoch);
  g_test_add_func ("/lr-schedule/resume-mid-schedule", test_resume_mid_schedule);
  g_test_add_func ("/lr-schedule/text", test_text);
  g_test_add_func ("/lr-schedule/refused", test_refused);
  g_test_add_func ("/lr-schedule/factor", test_factor);
  g_test_add_func ("/lr-schedule/session/milestones", test_session_milestones);
  g_test_add_func ("/lr-schedule/session/live-edit", test_session_live_edit);
  g_test_add_func ("/lr-schedule/session/epoch-limit", test_session_epoch_limit);
  return g_test_run ();
}
