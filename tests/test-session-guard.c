/* test-session-guard.c: the session when training goes wrong, and when its
 * user does. A run driven into divergence pauses, says which block and
 * what, and can go back to its last good state or go on at a tenth of the
 * rate; a storm of 10,000 random commands, valid and invalid, crashes
 * nothing, has every invalid one refused with an error, and applies the
 * valid ones in order. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "session/lw-label.h"
#include "session/lw-session.h"
#include "session-helpers.h"


static gboolean
is_loaded (const LwSnapshot *snap, gpointer data)
{
  return snap->state != LW_RUN_LOADING && snap->filters != NULL;
}

static gboolean
has_diverged (const LwSnapshot *snap, gpointer data)
{
  return snap->divergence != NULL;
}

static const LwMark *
last_mark (const LwSnapshot *snap)
{
  g_assert_cmpuint (snap->current.n_marks, >, 0);
  return &snap->current.marks[snap->current.n_marks - 1];
}

/* ------------------------------------------------------------------ */
/* Divergence */

/* SGD at a rate of 1e20 (allowed in the settings of a new run, beyond what
 * the live control accepts): the second step overflows. */
static LwSession *
diverging_session (float **initial_filters, gsize *n_filters)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr (LwSnapshot) snap = NULL;

  small_settings (&st);
  st.model.optim = LW_OPTIM_SGD;
  st.model.lr = 1e20f;
  s = lw_session_new (&st, NULL, NULL);
  snap = wait_for (s, is_loaded, NULL);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  g_assert_null (snap->divergence);
  g_assert_true (snap->can_restore);
  *n_filters = (gsize) snap->filter_rows * snap->filter_cols;
  *initial_filters = g_memdup2 (snap->filters, *n_filters * sizeof (float));
  lw_run_settings_clear (&st);
  return s;
}

static void
test_divergence_pauses (void)
{
  g_autofree float *initial = NULL;
  gsize n;
  LwSession *s = diverging_session (&initial, &n);
  g_autoptr (LwSnapshot) snap = NULL, later = NULL;

  lw_session_play (s);
  snap = wait_for (s, has_diverged, NULL);
  g_test_message ("%s", snap->divergence);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  g_assert_cmpint (snap->diverged.what, !=, LW_DIVERGED_NONE);
  g_assert_cmpuint (snap->diverged.block, <=, snap->n_blocks);
  g_assert_cmpuint (snap->diverged_step, ==, snap->step);
  /* The message names the part, what happened and the rate. */
  g_assert_nonnull (strstr (snap->divergence, "Training diverged at step"));
  g_assert_true (strstr (snap->divergence, "block ") != NULL
                 || strstr (snap->divergence, "the output layer") != NULL);
  g_assert_true (strstr (snap->divergence, " is NaN") != NULL
                 || strstr (snap->divergence, " is infinite") != NULL
                 || strstr (snap->divergence, "would make a weight") != NULL);
  g_assert_nonnull (strstr (snap->divergence, "learning rate 1e20"));
  g_assert_cmpstr (last_mark (snap)->label, ==, "diverged");
  g_assert_cmpint (last_mark (snap)->kind, ==, LW_MARK_DIVERGED);
  for (gsize i = 0; i < n; i++)
    g_assert_true (isfinite (snap->filters[i]));

  /* It stays paused: nothing more is trained. */
  g_usleep (100 * 1000);
  later = lw_session_get_snapshot (s);
  g_assert_cmpuint (later->step, ==, snap->step);
  g_assert_cmpint (later->state, ==, LW_RUN_PAUSED);
  lw_session_free (s);
}

/* Back to the last good state: here the start, the weights as they were
 * built; paused, the notice gone, a mark on the curves. */
static void
test_divergence_restore (void)
{
  g_autofree float *initial = NULL;
  gsize n;
  LwSession *s = diverging_session (&initial, &n);
  g_autoptr (LwSnapshot) diverged = NULL, restored = NULL;

  lw_session_play (s);
  diverged = wait_for (s, has_diverged, NULL);
  g_assert_cmpuint (diverged->checkpoint_step, ==, 0);
  g_assert_true (diverged->can_restore);
  /* The step before the divergence was applied: the weights moved. */
  g_assert_false (memcmp (diverged->filters, initial, n * sizeof (float)) == 0);

  lw_session_restore_last_good (s);
  restored = synced (s);
  g_assert_null (restored->divergence);
  g_assert_cmpint (restored->diverged.what, ==, LW_DIVERGED_NONE);
  g_assert_cmpint (restored->state, ==, LW_RUN_PAUSED);
  g_assert_cmpmem (restored->filters, n * sizeof (float), initial, n * sizeof (float));
  g_assert_cmpstr (last_mark (restored)->label, ==, "back to step 0");
  /* The curves go on from where they were. */
  g_assert_cmpuint (restored->step, ==, diverged->step);
  lw_session_free (s);
}

/* Lower the rate: a tenth of it, marked, and training goes on (here into
 * another divergence, 1e19 being no better). */
static void
test_divergence_lower_lr (void)
{
  g_autofree float *initial = NULL;
  gsize n;
  LwSession *s = diverging_session (&initial, &n);
  g_autoptr (LwSnapshot) diverged = NULL, lowered = NULL;
  char label[48], num[32];

  lw_session_play (s);
  diverged = wait_for (s, has_diverged, NULL);
  lw_session_lower_lr (s);
  lowered = synced (s);
  g_assert_cmpfloat (lowered->lr, ==, 1e20f / 10.0f);
  g_snprintf (label, sizeof label, "lr %s", lw_label_number (num, sizeof num, 1e20f / 10.0f));
  /* Marks after the divergence: the new rate, then perhaps another
   * divergence as training went on. */
  g_assert_cmpuint (lowered->current.n_marks, >, diverged->current.n_marks);
  g_assert_cmpstr (lowered->current.marks[diverged->current.n_marks].label, ==, label);
  g_assert_true (lowered->state == LW_RUN_RUNNING
                 || (lowered->divergence != NULL && lowered->diverged_step > diverged->step));
  lw_session_free (s);
}

/* A good state is kept at every pause: after training normally, pausing,
 * and then diverging, restore goes back to the pause. */
static void
test_checkpoint_at_pause (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr (LwSnapshot) paused = NULL, restored = NULL;
  GError *error = NULL;

  small_settings (&st);
  s = lw_session_new (&st, NULL, NULL);
  lw_session_step (s);
  lw_session_step (s);
  lw_session_play (s);
  g_usleep (20 * 1000);
  lw_session_pause (s);
  paused = synced (s);
  g_assert_cmpuint (paused->checkpoint_step, ==, paused->step);
  g_assert_cmpuint (paused->step, >=, 2);

  /* Train on at another rate, then go back. */
  g_assert_true (lw_session_set_lr (s, 1e-2, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    lw_session_step (s);
  lw_session_restore_last_good (s);
  restored = synced (s);
  g_assert_cmpuint (restored->step, ==, paused->step + 3);
  g_assert_cmpmem (restored->filters, (gsize) restored->filter_rows * restored->filter_cols
                   * sizeof (float),
                   paused->filters, (gsize) paused->filter_rows * paused->filter_cols
                   * sizeof (float));
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static gboolean
running_past (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_RUNNING && snap->step > *(guint64 *) data;
}

/* While running, a good state is kept every LW_SESSION_CHECKPOINT_EVERY
 * steps. */
static void
test_checkpoint_while_running (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr (LwSnapshot) snap = NULL;
  guint64 past = LW_SESSION_CHECKPOINT_EVERY + 10;

  small_settings (&st);
  st.model.batch_size = 16;
  st.eval_every = 0;
  s = lw_session_new (&st, NULL, NULL);
  lw_session_play (s);
  snap = wait_for (s, running_past, &past);
  g_assert_cmpuint (snap->checkpoint_step, >=, LW_SESSION_CHECKPOINT_EVERY);
  g_assert_cmpuint (snap->checkpoint_step % LW_SESSION_CHECKPOINT_EVERY, ==, 0);
  g_assert_cmpuint (snap->checkpoint_step, <=, snap->step);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* ------------------------------------------------------------------ */
/* The control storm */

#define STORM_COMMANDS 10000
#define STORM_SEED 20261127

typedef enum {
  C_PLAY, C_PAUSE, C_STEP, C_RESET, C_LOSS, C_BETA, C_LR, C_MULT, C_FROZEN, C_DROPOUT,
  C_PROBE, C_CLEAR_PREVIOUS, C_RESTORE, C_LOWER_LR, C_SCHEDULE, N_KINDS
} Kind;

/* What the test expects the session to hold, from the valid commands
 * sent so far, and the marks the current run should carry. */
typedef struct {
  gboolean running;
  guint n_blocks;
  LwLossType loss;
  float beta, lr, dropout;
  float mult[LW_MAX_BLOCKS];
  gboolean frozen[LW_MAX_BLOCKS];
  guint probe;
  LwSchedule schedule;
  GPtrArray *marks;           /* labels; NULL entry: "back to step N" */
} Expect;

static const double bad_numbers[] = { NAN, INFINITY, -INFINITY, -1.0, -1e-30, 1e300, 101.0 };

static void
expect_reset (Expect *e, const LwRunSettings *st)
{
  e->running = FALSE;
  e->n_blocks = st->model.num_layers;
  e->loss = st->model.loss;
  e->beta = st->model.beta;
  e->lr = st->model.lr;
  e->dropout = st->model.dropout;
  e->schedule = st->schedule;
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    {
      e->mult[i] = 1.0f;
      e->frozen[i] = FALSE;
    }
  g_ptr_array_set_size (e->marks, 0);
}

static void
expect_mark (Expect *e, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
expect_mark (Expect *e, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (e->marks, format != NULL ? g_strdup_vprintf (format, args) : NULL);
  va_end (args);
}

static const char *
number (double v)
{
  static char buf[32];

  return lw_label_number (buf, sizeof buf, v);
}

/* A value for a control: in lo..hi (inside its range), or (half the
 * time) a bad number, which its declaration may still accept. */
static double
storm_value (GRand *rand, LwLiveControlId id, double lo, double hi, gboolean log_scale,
             gboolean *valid)
{
  *valid = g_rand_boolean (rand);
  if (!*valid)
    {
      double v = bad_numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (bad_numbers))];

      *valid = lw_live_control_in_range (lw_live_control_get (id), v);
      return v;
    }
  if (log_scale)
    return exp (g_rand_double_range (rand, log (lo), log (hi)));
  return g_rand_double_range (rand, lo, hi);
}

static void
refused (gboolean ok, GError *error, guint i)
{
  if (ok)
    g_error ("command %u: an invalid value was accepted", i);
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_assert_cmpuint (strlen (error->message), >, 10);
  g_error_free (error);
}

/* The snapshot holds what the valid commands asked for. */
static void
assert_expected (const LwSnapshot *snap, const Expect *e)
{
  g_assert_cmpint (snap->state, ==, e->running ? LW_RUN_RUNNING : LW_RUN_PAUSED);
  g_assert_cmpuint (snap->n_blocks, ==, e->n_blocks);
  g_assert_cmpint (snap->loss, ==, e->loss);
  g_assert_cmpfloat (snap->beta, ==, e->beta);
  g_assert_cmpfloat (snap->lr, ==, e->lr);
  g_assert_cmpfloat (snap->dropout, ==, e->dropout);
  for (guint i = 0; i < e->n_blocks; i++)
    {
      g_assert_cmpfloat (snap->block_lr_mult[i], ==, e->mult[i]);
      g_assert_cmpint (!snap->block_frozen[i], ==, !e->frozen[i]);
    }
  g_assert_cmpuint (snap->probe_image_index, ==, e->probe);
  g_assert_cmpint (snap->schedule, ==, e->schedule);
  g_assert_null (snap->divergence);
  g_assert_cmpuint (snap->current.n_marks, ==, e->marks->len);
  for (guint i = 0; i < e->marks->len; i++)
    {
      const char *want = g_ptr_array_index (e->marks, i);

      if (want != NULL)
        g_assert_cmpstr (snap->current.marks[i].label, ==, want);
      else
        g_assert_true (g_str_has_prefix (snap->current.marks[i].label, "back to step "));
    }
}

static void
test_control_storm (void)
{
  const char *env = g_getenv ("LW_STORM_SEED");
  guint32 seed = env != NULL ? (guint32) strtoul (env, NULL, 10) : STORM_SEED;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  LwRunSettings st, reset_st;
  Expect e = { .marks = g_ptr_array_new_with_free_func (g_free) };
  guint test_size, sent = 0, refusals = 0, counts[N_KINDS] = { 0 };
  gint64 start = g_get_monotonic_time ();
  LwSession *s;

  g_test_message ("seed %u (set LW_STORM_SEED to repeat another)", seed);
  small_settings (&st);
  st.model.lr = 1e-3f;
  s = lw_session_new (&st, NULL, NULL);
  {
    g_autoptr (LwSnapshot) snap = wait_for (s, is_loaded, NULL);

    test_size = snap->test_size;
    e.probe = snap->probe_image_index;
  }
  expect_reset (&e, &st);
  lw_run_settings_init (&reset_st);

  for (guint i = 0; i < STORM_COMMANDS; i++)
    {
      /* Resets rebuild the model: rarer, so the storm stays short. */
      Kind kind = g_rand_int_range (rand, 0, 100) < 1 ? C_RESET
                  : (Kind) g_rand_int_range (rand, 0, N_KINDS);
      GError *error = NULL;
      gboolean valid, ok;
      double v;
      guint block;

      counts[kind]++;
      switch (kind)
        {
        case C_PLAY:
          lw_session_play (s);
          e.running = TRUE;
          break;
        case C_PAUSE:
          lw_session_pause (s);
          if (e.running)
            expect_mark (&e, "pause");
          e.running = FALSE;
          break;
        case C_STEP:
          lw_session_step (s);
          if (e.running)
            expect_mark (&e, "pause");
          e.running = FALSE;
          break;
        case C_RESET:
          lw_run_settings_clear (&reset_st);
          small_settings (&reset_st);
          reset_st.model.num_layers = g_rand_int_range (rand, 1, 4);
          reset_st.model.lr = 1e-3f;
          reset_st.model.seed = g_rand_int (rand);
          lw_session_reset (s, &reset_st);
          expect_reset (&e, &reset_st);
          /* A new run starts without marks (no "reset" at x = 0). */
          break;
        case C_LOSS:
          {
            LwLossType loss = g_rand_int_range (rand, 0, LW_N_LOSSES);

            lw_session_set_loss (s, loss);
            if (loss != e.loss)
              expect_mark (&e, "%s", lw_loss_type_to_string (loss));
            e.loss = loss;
          }
          break;
        case C_BETA:
          v = storm_value (rand, LW_LIVE_BETA, 0.0, 1.0, FALSE, &valid);
          ok = lw_session_set_beta (s, v, &error);
          if (!valid)
            {
              refused (ok, error, i);
              refusals++;
              continue;
            }
          g_assert_no_error (error);
          if ((float) v != e.beta)
            expect_mark (&e, "beta %s", number ((float) v));
          e.beta = (float) v;
          break;
        case C_LR:
          /* Valid rates stay low enough that nothing diverges: a larger
           * one is sent as 0, which is refused. */
          v = storm_value (rand, LW_LIVE_LR, 1e-6, 1e-2, TRUE, &valid);
          if (!valid)
            v = g_rand_boolean (rand) ? v : 0.0;
          else if (v > 1e-2)
            v = 0.0;
          valid = lw_live_control_in_range (lw_live_control_get (LW_LIVE_LR), v);
          ok = lw_session_set_lr (s, v, &error);
          if (!valid)
            {
              refused (ok, error, i);
              refusals++;
              continue;
            }
          g_assert_no_error (error);
          if ((float) v != e.lr)
            expect_mark (&e, "lr %s", number ((float) v));
          e.lr = (float) v;
          break;
        case C_MULT:
          v = storm_value (rand, LW_LIVE_BLOCK_LR_MULT, 0.0, 100.0, FALSE, &valid);
          block = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, 100)
                  : g_rand_int_range (rand, 0, MAX (e.n_blocks, 1));
          valid = valid && block < e.n_blocks;
          ok = lw_session_set_block_lr_mult (s, block, v, &error);
          if (!valid)
            {
              refused (ok, error, i);
              refusals++;
              continue;
            }
          g_assert_no_error (error);
          if ((float) v != e.mult[block])
            expect_mark (&e, "b%u lr×%s", block + 1, number ((float) v));
          e.mult[block] = (float) v;
          break;
        case C_FROZEN:
          {
            gboolean frozen = g_rand_boolean (rand);

            block = g_rand_int_range (rand, 0, e.n_blocks + 2);
            ok = lw_session_set_block_frozen (s, block, frozen, &error);
            if (block >= e.n_blocks)
              {
                refused (ok, error, i);
                refusals++;
                continue;
              }
            g_assert_no_error (error);
            if (!frozen != !e.frozen[block])
              expect_mark (&e, frozen ? "freeze b%u" : "thaw b%u", block + 1);
            e.frozen[block] = frozen;
          }
          break;
        case C_DROPOUT:
          v = storm_value (rand, LW_LIVE_DROPOUT, 0.0, 0.95, FALSE, &valid);
          ok = lw_session_set_dropout (s, v, &error);
          if (!valid)
            {
              refused (ok, error, i);
              refusals++;
              continue;
            }
          g_assert_no_error (error);
          if ((float) v != e.dropout)
            expect_mark (&e, "dropout %s", number ((float) v));
          e.dropout = (float) v;
          break;
        case C_PROBE:
          {
            guint index = g_rand_boolean (rand) ? (guint) g_rand_int_range (rand, 0, test_size)
                          : test_size + (guint) g_rand_int_range (rand, 0, 1000);

            ok = lw_session_set_probe_image (s, index, &error);
            if (index >= test_size)
              {
                refused (ok, error, i);
                refusals++;
                continue;
              }
            g_assert_no_error (error);
            e.probe = index;
          }
          break;
        case C_CLEAR_PREVIOUS:
          lw_session_clear_previous (s);
          break;
        case C_RESTORE:
          lw_session_restore_last_good (s);
          expect_mark (&e, NULL);
          e.running = FALSE;
          break;
        case C_LOWER_LR:
          lw_session_lower_lr (s);
          if (e.lr / 10.0f >= FLT_MIN)
            {
              e.lr /= 10.0f;
              expect_mark (&e, "lr %s", number (e.lr));
            }
          e.running = TRUE;
          break;
        case C_SCHEDULE:
          {
            /* Pipelines of up to 4 stages on models of 1 to 3 blocks:
             * more stages than blocks are refused. */
            LwSchedule schedule = g_rand_int_range (rand, 0, LW_N_SCHEDULES);
            guint stages = g_rand_int_range (rand, 0, 5);

            ok = lw_session_set_schedule (s, schedule, stages, &error);
            if (stages > e.n_blocks)
              {
                refused (ok, error, i);
                refusals++;
                continue;
              }
            g_assert_no_error (error);
            e.schedule = schedule;
          }
          break;
        case N_KINDS:
        default:
          g_assert_not_reached ();
        }
      sent++;

      /* Now and then the worker catches up, and must agree. */
      if (i % 1000 == 999)
        {
          g_autoptr (LwSnapshot) snap = synced (s);

          assert_expected (snap, &e);
        }
    }

  {
    g_autoptr (LwSnapshot) snap = synced (s);

    g_assert_cmpuint (lw_session_commands_applied (s), ==, sent);
    assert_expected (snap, &e);
    g_test_message ("%u commands sent, %u refused; %" G_GUINT64_FORMAT " steps in the last run, "
                    "%u marks; %.1f s", sent, refusals, snap->step, snap->current.n_marks,
                    (g_get_monotonic_time () - start) / 1e6);
  }
  for (guint k = 0; k < N_KINDS; k++)
    g_assert_cmpuint (counts[k], >, 0);
  g_assert_cmpuint (refusals, >, 1000);

  lw_session_free (s);
  lw_run_settings_clear (&st);
  lw_run_settings_clear (&reset_st);
  g_ptr_array_unref (e.marks);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/divergence/pauses", test_divergence_pauses);
  g_test_add_func ("/session/divergence/restore", test_divergence_restore);
  g_test_add_func ("/session/divergence/lower-lr", test_divergence_lower_lr);
  g_test_add_func ("/session/divergence/checkpoint-at-pause", test_checkpoint_at_pause);
  g_test_add_func ("/session/divergence/checkpoint-while-running", test_checkpoint_while_running);
  g_test_add_func ("/session/control-storm", test_control_storm);
  return g_test_run ();
}
