/* test-lr-schedule.c: the learning-rate schedule shared by layerwise-cli
 * and the window (src/engine/lw-lr-schedule.h): the rate of each epoch,
 * the steps as an epoch begins (a run resumed mid-schedule takes the same
 * ones), the next milestone, and the parser's refusals with their
 * messages. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-lr-schedule.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lr-schedule/lr-of-each-epoch", test_lr_of_each_epoch);
  g_test_add_func ("/lr-schedule/resume-mid-schedule", test_resume_mid_schedule);
  g_test_add_func ("/lr-schedule/text", test_text);
  g_test_add_func ("/lr-schedule/refused", test_refused);
  g_test_add_func ("/lr-schedule/factor", test_factor);
  return g_test_run ();
}
