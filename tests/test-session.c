/* test-session.c: the training session as the window drives it — commands
 * in from another thread, immutable snapshots out, the worker always
 * answering. Uses the embedded MNIST subset and small models, one thread. */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "session/lw-history.h"
#include "session/lw-schedule-probe.h"
#include "session/lw-session.h"
#include "session-helpers.h"

#define TIMEOUT_MS SESSION_TIMEOUT_MS

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

static LwSnapshot *
wait_step (LwSession *s, guint64 step)
{
  return wait_for (s, reached_step, &step);
}

static LwSession *
new_loaded (const LwRunSettings *st, LwRunState want)
{
  LwSession *s = lw_session_new (st, NULL, NULL);
  g_autoptr(LwSnapshot) snap = wait_for (s, is_loaded, NULL);

  g_assert_cmpstr (lw_run_state_to_string (snap->state), ==, lw_run_state_to_string (want));
  return s;
}

static void
assert_series_ok (const LwSeries *series)
{
  g_assert_cmpuint (series->n, <=, LW_SERIES_MAX_POINTS);
  for (guint i = 1; i < series->n; i++)
    g_assert_cmpfloat (series->x[i], >, series->x[i - 1]);
}

static void
assert_curves_ok (const LwRunCurves *c)
{
  for (guint l = 0; l < c->n_layers; l++)
    {
      assert_series_ok (&c->layers[l].train_acc);
      assert_series_ok (&c->layers[l].test_acc);
      assert_series_ok (&c->layers[l].epoch_test_acc);
      assert_series_ok (&c->layers[l].loss_pred);
      assert_series_ok (&c->layers[l].loss_sim);
    }
}


/* vgg-mini (16, M, 32, M, 64, M -> FC) with a narrow FC block and small
 * batches: a step takes some tens of milliseconds. */
static void
conv_settings (LwRunSettings *st)
{
  small_settings (st);
  st->model.arch = LW_ARCH_VGG_MINI;
  lw_arch_default_fc (st->model.arch, &st->model.num_layers, NULL);
  st->model.num_hidden = 64;
  st->model.batch_size = 32;
  st->probe_n = 16;
}

static void
assert_map_shape (const LwMapShape *shape, guint channels, guint height, guint width)
{
  g_assert_cmpuint (shape->channels, ==, channels);
  g_assert_cmpuint (shape->height, ==, height);
  g_assert_cmpuint (shape->width, ==, width);
}

static const float *
block_activation (const LwSnapshot *snap, guint block)
{
  const float *a = snap->activations;

  for (guint i = 0; i < block; i++)
    a += snap->block_width[i];
  return a;
}

/* ------------------------------------------------------------------ */
/* Tests */

static void
test_history_thinning (void)
{
  LwHistory *h = lw_history_new (1, 1);
  const LwHistSeries *s = lw_history_series (h, 0, LW_CURVE_TRAIN_ACC);

  for (guint i = 0; i < 100000; i++)
    {
      lw_history_add (h, 0, LW_CURVE_TRAIN_ACC, i, (float) i);
      g_assert_cmpuint (s->n, <=, LW_SERIES_MAX_POINTS);
    }
  /* Evenly spaced from the start, at the current stride. */
  g_assert_cmpuint (s->n, >, LW_SERIES_MAX_POINTS / 2);
  g_assert_cmpfloat (s->x[0], ==, 0.0);
  for (guint i = 1; i < s->n; i++)
    g_assert_cmpfloat (s->x[i] - s->x[i - 1], ==, (double) s->stride);
  lw_history_free (h);
}

static void
test_starts_paused (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr(LwSnapshot) snap = NULL;

  small_settings (&st);
  s = lw_session_new (&st, NULL, NULL);
  {
    /* There is always a snapshot, from the start. */
    g_autoptr(LwSnapshot) first = lw_session_get_snapshot (s);
    g_assert_nonnull (first);
  }
  snap = wait_for (s, is_loaded, NULL);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  g_assert_null (snap->error);
  g_assert_cmpstr (snap->dataset_name, ==, "mnist-subset");
  g_assert_cmpuint (snap->step, ==, 0);
  g_assert_cmpuint (snap->epoch, ==, 1);
  g_assert_cmpuint (snap->n_blocks, ==, 2);
  g_assert_cmpuint (snap->train_size, ==, 2048);
  g_assert_cmpuint (snap->test_size, >, 0);
  g_assert_cmpuint (snap->current.n_layers, ==, 3);
  g_assert_cmpuint (snap->n_previous, ==, 0);
  g_assert_cmpuint (snap->filter_rows, ==, 64);
  g_assert_cmpuint (snap->filter_cols, ==, 784);
  g_assert_nonnull (snap->filters);
  g_assert_cmpuint (snap->image_width, ==, 28);
  g_assert_cmpuint (snap->probe_n, ==, 32);
  g_assert_nonnull (snap->label_sim);
  g_assert_nonnull (snap->block_sim);
  for (guint i = 1; i < snap->probe_n; i++)
    g_assert_cmpuint (snap->probe_labels[i], >=, snap->probe_labels[i - 1]);
  g_assert_nonnull (snap->activations);
  g_assert_nonnull (snap->probe_image);
  g_assert_cmpuint (snap->block_width[0], ==, 64);
  g_assert_true (isnan (snap->last_test_acc[0]));
  g_assert_cmpfloat_with_epsilon (snap->lr, 5e-4, 1e-9);

  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_step (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);

  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpuint (snap->step, ==, 1);
    g_assert_cmpuint (snap->samples_seen, ==, st.model.batch_size);
    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (snap->current.layers[2].train_acc.n, ==, 1);
    g_assert_cmpuint (snap->current.layers[2].loss_sim.n, ==, 0);
  }
  for (int i = 0; i < 3; i++)
    lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpuint (snap->step, ==, 4);
    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (lw_session_commands_applied (s), ==, 4);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_play_pause (void)
{
  LwRunSettings st;
  LwSession *s;
  guint64 stopped;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);

  lw_session_play (s);
  {
    g_autoptr(LwSnapshot) snap = wait_step (s, 30);
    g_assert_cmpint (snap->state, ==, LW_RUN_RUNNING);
    g_assert_cmpfloat (snap->samples_per_s, >, 0.0);
    g_test_message ("%.0f samples/s", snap->samples_per_s);
    g_assert_cmpfloat (snap->elapsed_s, >, 0.0);
  }
  lw_session_pause (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    stopped = snap->step;
    g_assert_cmpuint (snap->current.n_marks, ==, 1);
    g_assert_cmpint (snap->current.marks[0].kind, ==, LW_MARK_PAUSE);
    g_assert_cmpstr (snap->current.marks[0].label, ==, "pause");
    g_assert_cmpuint (snap->current.marks[0].samples, ==, snap->samples_seen);
  }
  g_usleep (100000);
  {
    g_autoptr(LwSnapshot) snap = lw_session_get_snapshot (s);
    g_assert_cmpuint (snap->step, ==, stopped);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* The last value sent of each control. */
typedef struct {
  double lr, beta, dropout, mult;
  LwLossType loss;
  gboolean frozen;
} Sent;

/* Alternating values per control, so every command changes something and
 * leaves a mark with a known label. */
static void
send_control (LwSession *s, guint i, GPtrArray *labels, Sent *last)
{
  gboolean second = (i / 6) % 2;
  g_autoptr(GError) error = NULL;

  switch (i % 6)
    {
    case 0:
      last->lr = second ? 2e-3 : 1e-3;
      g_assert_true (lw_session_set_lr (s, last->lr, &error));
      g_ptr_array_add (labels, second ? "lr 2e-3" : "lr 1e-3");
      break;
    case 1:
      last->loss = second ? LW_LOSS_PREDSIM : LW_LOSS_SIM;
      lw_session_set_loss (s, last->loss);
      g_ptr_array_add (labels, second ? "predsim" : "sim");
      break;
    case 2:
      last->beta = second ? 0.5 : 0.9;
      g_assert_true (lw_session_set_beta (s, last->beta, &error));
      g_ptr_array_add (labels, second ? "beta 0.5" : "beta 0.9");
      break;
    case 3:
      last->dropout = second ? 0.2 : 0.1;
      g_assert_true (lw_session_set_dropout (s, last->dropout, &error));
      g_ptr_array_add (labels, second ? "dropout 0.2" : "dropout 0.1");
      break;
    case 4:
      last->mult = second ? 2.0 : 0.5;
      g_assert_true (lw_session_set_block_lr_mult (s, 1, last->mult, &error));
      g_ptr_array_add (labels, second ? "b2 lr×2" : "b2 lr×0.5");
      break;
    case 5:
      last->frozen = !second;
      g_assert_true (lw_session_set_block_frozen (s, 0, last->frozen, &error));
      g_ptr_array_add (labels, second ? "thaw b1" : "freeze b1");
      break;
    }
  g_assert_no_error (error);
}

static void
test_many_commands (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(LwSnapshot) snap = NULL;
  Sent last = { 0 };
  guint sent = 0;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);

  for (guint i = 0; i < 500; i++)
    {
      /* Play at 0, 50, 100, …; pause at 25, 75, …: each pause finds it running. */
      if (i % 50 == 0)
        {
          lw_session_play (s);
          sent++;
        }
      else if (i % 50 == 25)
        {
          lw_session_pause (s);
          g_ptr_array_add (labels, "pause");
          sent++;
        }
      send_control (s, i, labels, &last);
      sent++;
      if (i % 5 == 0)
        g_usleep (1000);  /* let batches run in between */
    }
  snap = synced (s);
  g_assert_cmpuint (lw_session_commands_applied (s), ==, sent);

  /* The last value of each control won. */
  g_assert_cmpfloat (snap->lr, ==, (float) last.lr);
  g_assert_cmpint (snap->loss, ==, last.loss);
  g_assert_cmpfloat (snap->beta, ==, (float) last.beta);
  g_assert_cmpfloat (snap->dropout, ==, (float) last.dropout);
  g_assert_cmpfloat (snap->block_lr_mult[1], ==, (float) last.mult);
  g_assert_cmpint (snap->block_frozen[0], ==, last.frozen);

  /* Every mark, in the order sent. */
  g_assert_cmpuint (snap->current.n_marks, ==, labels->len);
  for (guint i = 0; i < labels->len; i++)
    {
      g_assert_cmpstr (snap->current.marks[i].label, ==, g_ptr_array_index (labels, i));
      if (i > 0)
        g_assert_cmpuint (snap->current.marks[i].samples, >=, snap->current.marks[i - 1].samples);
    }
  g_assert_cmpuint (snap->step, >, 0);
  g_test_message ("%u commands, %" G_GUINT64_FORMAT " steps in between", sent, snap->step);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
assert_invalid (gboolean ok, GError **errorp, const char *part)
{
  GError *error = g_steal_pointer (errorp);

  g_assert_false (ok);
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  if (strstr (error->message, part) == NULL)
    g_error ("error message \"%s\" does not say \"%s\"", error->message, part);
  g_error_free (error);
}

static void
test_invalid (void)
{
  LwRunSettings st;
  LwSession *s;
  GError *e = NULL;
  guint test_size;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  {
    g_autoptr(LwSnapshot) snap = lw_session_get_snapshot (s);
    test_size = snap->test_size;
  }

  assert_invalid (lw_session_set_lr (s, 0.0, &e), &e,
                  "learning rate 0 is out of range: it must be above 0");
  assert_invalid (lw_session_set_lr (s, NAN, &e), &e, "learning rate");
  assert_invalid (lw_session_set_lr (s, INFINITY, &e), &e, "learning rate");
  assert_invalid (lw_session_set_beta (s, -0.1, &e), &e, "between 0 and 1");
  assert_invalid (lw_session_set_beta (s, 1.5, &e), &e, "beta 1.5");
  assert_invalid (lw_session_set_dropout (s, 0.96, &e), &e, "between 0 and 0.95");
  assert_invalid (lw_session_set_block_lr_mult (s, 0, -1.0, &e), &e, "between 0 and 100");
  assert_invalid (lw_session_set_block_lr_mult (s, 0, 101.0, &e), &e, "between 0 and 100");
  assert_invalid (lw_session_set_block_lr_mult (s, 0, NAN, &e), &e, "multiplier");
  assert_invalid (lw_session_set_block_lr_mult (s, 2, 1.0, &e), &e, "block 2 does not exist");
  assert_invalid (lw_session_set_block_frozen (s, 5, TRUE, &e), &e, "2 blocks");
  assert_invalid (lw_session_set_probe_image (s, test_size, &e), &e, "test image");

  g_assert_true (lw_session_sync (s, TIMEOUT_MS));
  g_assert_cmpuint (lw_session_commands_applied (s), ==, 0);

  /* The edges are allowed. */
  g_assert_true (lw_session_set_lr (s, 10.0, NULL));
  g_assert_true (lw_session_set_beta (s, 0.0, NULL));
  g_assert_true (lw_session_set_dropout (s, 0.95, NULL));
  g_assert_true (lw_session_set_block_lr_mult (s, 1, 0.0, NULL));
  g_assert_true (lw_session_set_probe_image (s, test_size - 1, NULL));
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpuint (lw_session_commands_applied (s), ==, 5);
    g_assert_cmpfloat (snap->lr, ==, 10.0f);
    g_assert_cmpfloat (snap->dropout, ==, 0.95f);
    g_assert_cmpuint (snap->probe_image_index, ==, test_size - 1);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* The setter the window's action calls for a control. */
static gboolean
set_as_window_does (LwSession *s, LwLiveControlId id, double value, GError **error)
{
  switch (id)
    {
    case LW_LIVE_BETA: return lw_session_set_beta (s, value, error);
    case LW_LIVE_LR: return lw_session_set_lr (s, value, error);
    case LW_LIVE_BLOCK_LR_MULT: return lw_session_set_block_lr_mult (s, 0, value, error);
    case LW_LIVE_DROPOUT: return lw_session_set_dropout (s, value, error);
    case LW_N_LIVE_CONTROLS:
    default: break;
    }
  return lw_session_set_value (s, id, 0, value, error);
}

/* Each live control's setter takes exactly the range lw-live-controls.h
 * declares, the one the CLI checks its flags against (test-cli's
 * /cli/live-control-ranges), and refuses the rest with its message. */
static void
test_live_control_ranges (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  for (guint i = 0; i < LW_N_LIVE_CONTROLS; i++)
    {
      const LwLiveControl *c = lw_live_control_get (i);
      double below = c->min_open ? c->min : c->min - 1e-6 * MAX (1.0, fabs (c->min));
      double above = isinf (c->max) ? INFINITY
                     : c->max_open ? c->max : c->max + 1e-6 * MAX (1.0, fabs (c->max));
      double lowest = c->min_open ? nextafter (c->min, INFINITY) : c->min;
      double highest = isinf (c->max) ? 1e30
                       : c->max_open ? nextafter (c->max, -INFINITY) : c->max;
      const double refused[] = { below, above, NAN };

      g_test_message ("%s: [%.17g, %.17g]", c->name, lowest, highest);
      g_assert_true (set_as_window_does (s, i, lowest, NULL));
      g_assert_true (set_as_window_does (s, i, highest, NULL));
      for (guint k = 0; k < G_N_ELEMENTS (refused); k++)
        {
          g_autofree char *why = lw_live_control_out_of_range (c, refused[k]);
          GError *e = NULL;

          g_assert_nonnull (why);
          g_assert_false (set_as_window_does (s, i, refused[k], &e));
          g_assert_error (e, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
          g_assert_cmpstr (e->message, ==, why);
          g_error_free (e);
        }
    }
  /* An open-ended rate still ends at the largest float, and says so. */
  {
    g_autofree char *why = lw_live_control_out_of_range (lw_live_control_find ("lr"), 1e300);

    g_assert_nonnull (why);
    g_assert_nonnull (strstr (why, "at most 3.40282e+38"));
  }
  /* Dropout: the window and the CLI stop at 0.95 (the CLI took up to 1). */
  g_assert_cmpfloat (lw_live_control_find ("dropout")->max, ==, 0.95);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_probe_image (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr(GError) error = NULL;
  g_autoptr(LwDataset) ds = lw_dataset_load (LW_DATASET_MNIST_SUBSET, NULL, &error);

  g_assert_no_error (error);
  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  g_assert_true (lw_session_set_probe_image (s, 7, &error));
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    gboolean any = FALSE;

    g_assert_cmpuint (snap->probe_image_index, ==, 7);
    g_assert_cmpuint (snap->probe_image_label, ==, ds->test.labels[7]);
    g_assert_nonnull (snap->probe_image);
    for (guint i = 0; i < snap->block_width[0] + snap->block_width[1]; i++)
      any |= snap->activations[i] != 0.0f;
    g_assert_true (any);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_reset (void)
{
  LwRunSettings st;
  LwSession *s;
  guint first_id;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  for (int i = 0; i < 5; i++)
    lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    first_id = snap->current.run_id;
    g_assert_cmpuint (snap->step, ==, 5);
  }

  st.model.lr = 1e-3f;
  st.model.num_layers = 3;
  lw_session_reset (s, &st);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    const LwRunCurves *prev;

    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (snap->step, ==, 0);
    g_assert_cmpuint (snap->samples_seen, ==, 0);
    g_assert_cmpuint (snap->n_blocks, ==, 3);
    g_assert_cmpfloat (snap->lr, ==, 1e-3f);
    g_assert_cmpuint (snap->current.run_id, !=, first_id);
    /* A new run starts without marks: a reset mark at 0 would tell nothing. */
    g_assert_cmpuint (snap->current.n_marks, ==, 0);
    g_assert_cmpuint (snap->current.layers[0].train_acc.n, ==, 0);
    g_assert_cmpstr (snap->current.title, ==, "predsim, lr 1e-3");

    g_assert_cmpuint (snap->n_previous, ==, 1);
    prev = &snap->previous[0];
    g_assert_cmpuint (prev->run_id, ==, first_id);
    g_assert_cmpstr (prev->title, ==, "predsim, lr 5e-4");
    g_assert_cmpuint (prev->n_layers, ==, 3);
    g_assert_cmpuint (prev->layers[2].train_acc.n, ==, 5);
    g_assert_cmpfloat (prev->layers[2].train_acc.x[4], ==, 5.0 * st.model.batch_size);
  }
  /* The 3-block model takes block 2 now. */
  g_assert_true (lw_session_set_block_frozen (s, 2, TRUE, NULL));

  /* Only the last few runs are kept; a run that never trained is not. */
  for (guint r = 0; r < LW_SNAPSHOT_MAX_PREVIOUS + 1; r++)
    {
      /* Synced: a reset queued behind a step would stop it half-way and
       * drop it, and a run that never finished a step is not kept. */
      lw_session_step (s);
      g_assert_true (lw_session_sync (s, SESSION_TIMEOUT_MS));
      lw_session_reset (s, &st);
    }
  lw_session_reset (s, &st);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->n_previous, ==, LW_SNAPSHOT_MAX_PREVIOUS);
    for (guint i = 0; i < snap->n_previous; i++)
      {
        g_assert_cmpuint (snap->previous[i].layers[0].train_acc.n, ==, 1);
        if (i > 0)
          g_assert_cmpuint (snap->previous[i].run_id, >, snap->previous[i - 1].run_id);
      }
  }
  lw_session_clear_previous (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpuint (snap->n_previous, ==, 0);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_failed_recovers (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  st.dataset = LW_DATASET_MNIST;
  st.data_dir = g_strdup ("/nonexistent");
  s = new_loaded (&st, LW_RUN_FAILED);
  {
    g_autoptr(LwSnapshot) snap = lw_session_get_snapshot (s);

    g_assert_nonnull (snap->error);
    g_test_message ("error: %s", snap->error);
    g_assert_nonnull (strstr (snap->error, "/nonexistent"));
    g_assert_null (strchr (snap->error, '\n'));
    g_assert_cmpuint (snap->n_blocks, ==, 0);
    g_assert_cmpuint (snap->current.n_layers, ==, 0);
    g_assert_null (snap->filters);
  }
  /* The worker still answers. */
  lw_session_play (s);
  lw_session_step (s);
  g_assert_true (lw_session_set_lr (s, 1e-3, NULL));
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpint (snap->state, ==, LW_RUN_FAILED);
    g_assert_cmpuint (lw_session_commands_applied (s), ==, 3);
  }

  st.dataset = LW_DATASET_MNIST_SUBSET;
  g_clear_pointer (&st.data_dir, g_free);
  lw_session_reset (s, &st);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_null (snap->error);
    g_assert_cmpuint (snap->step, ==, 1);
    g_assert_cmpuint (snap->n_previous, ==, 0);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* What the window shows of a conv net: the first conv's kernels, and each
 * conv block's feature maps of the probe image laid out channel by
 * channel, each map a picture of the image. */
static void
test_conv_visuals (void)
{
  static const guint channels[] = { 16, 32, 64 }, sizes[] = { 28, 14, 7 };
  LwRunSettings st;
  LwSession *s;
  g_autofree float *kernels = NULL;

  conv_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  {
    g_autoptr(LwSnapshot) snap = lw_session_get_snapshot (s);
    const float *image = snap->probe_image, *maps = snap->activations;
    float background = G_MAXFLOAT;
    guint flat = 0;

    g_assert_cmpint (snap->arch, ==, LW_ARCH_VGG_MINI);
    g_assert_cmpuint (snap->n_blocks, ==, 4);
    g_assert_cmpuint (snap->current.n_layers, ==, 5);
    g_assert_cmpuint (snap->filter_rows, ==, 16);
    g_assert_cmpuint (snap->filter_cols, ==, 9);
    assert_map_shape (&snap->filter_shape, 1, 3, 3);
    g_assert_nonnull (snap->filters);
    for (guint i = 0; i < 16 * 9; i++)
      g_assert_true (isfinite (snap->filters[i]));
    kernels = g_memdup2 (snap->filters, 16 * 9 * sizeof (float));
    g_assert_cmpuint (snap->image_channels, ==, 1);
    g_assert_cmpuint (snap->image_width, ==, 28);

    for (guint b = 0; b < 3; b++)
      {
        const float *a = block_activation (snap, b);
        gsize n = (gsize) channels[b] * sizes[b] * sizes[b];
        guint positive = 0;

        assert_map_shape (&snap->block_map[b], channels[b], sizes[b], sizes[b]);
        g_assert_cmpuint (snap->block_width[b], ==, n);
        for (gsize i = 0; i < n; i++)
          {
            g_assert_true (isfinite (a[i]));
            positive += a[i] > 0.0f;
          }
        /* ReLU: some units fire, not all. */
        g_assert_cmpuint (positive, >, 0);
        g_assert_cmpuint (positive, <, n);
      }
    assert_map_shape (&snap->block_map[3], 0, 0, 0);
    g_assert_cmpuint (snap->block_width[3], ==, 64);

    /* Block 1's maps are pictures of the image: wherever a 3x3 window of
     * the image is all background, each map holds its one background
     * value; where the digit is, some map differs from it. */
    for (guint i = 0; i < 28 * 28; i++)
      background = MIN (background, image[i]);
    for (guint c = 0; c < 16; c++)
      {
        const float *m = maps + (gsize) c * 28 * 28;
        float ground = NAN;
        gboolean differs = FALSE;

        for (guint y = 1; y < 27; y++)
          for (guint x = 1; x < 27; x++)
            {
              gboolean plain = TRUE;

              for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                  plain &= image[(y + dy) * 28 + x + dx] == background;
              if (plain && isnan (ground))
                ground = m[y * 28 + x];
              else if (plain)
                g_assert_cmpfloat_with_epsilon (m[y * 28 + x], ground, 1e-4);
              else
                differs |= fabsf (m[y * 28 + x] - ground) > 1e-3f;
            }
        g_assert_false (isnan (ground));
        flat += !differs;
      }
    g_assert_cmpuint (flat, <, 16);
  }

  /* Training moves the kernels, and the snapshot follows. */
  for (int i = 0; i < 3; i++)
    lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->step, ==, 3);
    g_assert_cmpuint (snap->filter_rows, ==, 16);
    g_assert_true (memcmp (snap->filters, kernels, 16 * 9 * sizeof (float)) != 0);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* A CIFAR-100 binary set of n_train and n_test 32x32 colour images (a
 * square of one colour on another), written into dir. */
static void
write_cifar100 (const char *dir, guint n_train, guint n_test)
{
  const gsize record = 2 + 3 * 32 * 32;

  for (guint split = 0; split < 2; split++)
    {
      guint n = split == 0 ? n_train : n_test;
      g_autofree guint8 *buf = g_new0 (guint8, n * record);
      g_autofree char *path = g_build_filename (dir, split == 0 ? "train.bin" : "test.bin", NULL);
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < n; i++)
        {
          guint8 *r = buf + i * record;
          guint x0 = i % 16, y0 = (i * 7) % 16;

          r[0] = (guint8) (i % 20);
          r[1] = (guint8) (i % 100);
          for (guint c = 0; c < 3; c++)
            for (guint y = 0; y < 32; y++)
              for (guint x = 0; x < 32; x++)
                {
                  gboolean inside = x >= x0 && x < x0 + 12 && y >= y0 && y < y0 + 12;

                  r[2 + (c * 32 + y) * 32 + x] = (guint8) (inside ? (c == i % 3 ? 230 : 40)
                                                                  : (c == 2 ? 120 : 20));
                }
        }
      g_assert_true (g_file_set_contents (path, (const char *) buf, n * record, &error));
      g_assert_no_error (error);
    }
}

/* Colour images: kernels of 3 x 3 x 3, maps of 32, 16 and 8 pixels. */
static void
test_conv_rgb (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lw-session-cifar-XXXXXX", &error);

  g_assert_no_error (error);
  write_cifar100 (dir, 96, 48);
  conv_settings (&st);
  st.dataset = LW_DATASET_CIFAR100;
  st.data_dir = g_strdup (dir);
  st.limit_train = 0;
  st.eval_samples = 48;
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->step, ==, 1);
    g_assert_cmpuint (snap->image_channels, ==, 3);
    g_assert_cmpuint (snap->image_width, ==, 32);
    g_assert_cmpuint (snap->filter_rows, ==, 16);
    g_assert_cmpuint (snap->filter_cols, ==, 27);
    assert_map_shape (&snap->filter_shape, 3, 3, 3);
    assert_map_shape (&snap->block_map[0], 16, 32, 32);
    assert_map_shape (&snap->block_map[1], 32, 16, 16);
    assert_map_shape (&snap->block_map[2], 64, 8, 8);
    g_assert_cmpuint (snap->block_width[0], ==, 16 * 32 * 32);
    for (guint i = 0; i < snap->block_width[0]; i++)
      g_assert_true (isfinite (snap->activations[i]));
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (dir, i == 0 ? "train.bin" : "test.bin", NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

static float
matrix_distance (const float *a, const float *b, guint n)
{
  float d = 0.0f;

  for (guint i = 0; i < n * n; i++)
    d = MAX (d, fabsf (a[i] - b[i]));
  return d;
}

/* Each conv block's similarity matrix is the one its sim loss looks at,
 * for every loss type: a proper similarity (symmetric, ones on the
 * diagonal, within [-1, 1]) which changes with the loss (the sim head's
 * view for sim and predsim, a pooled view for the bpf forms, the
 * activation itself otherwise). */
static void
test_conv_similarity (void)
{
  LwRunSettings st;
  LwSession *s;
  float *by_loss[LW_N_LOSSES] = { NULL };
  guint pn = 0;

  conv_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_step (s);
  for (LwLossType loss = 0; loss < LW_N_LOSSES; loss++)
    {
      g_autoptr(LwSnapshot) snap = NULL;

      lw_session_set_loss (s, loss);
      snap = synced (s);
      g_assert_cmpint (snap->loss, ==, loss);
      pn = snap->probe_n;
      g_assert_cmpuint (pn, ==, 16);
      for (guint b = 0; b < 3; b++)
        {
          const float *m = snap->block_sim + (gsize) b * pn * pn;

          for (guint i = 0; i < pn; i++)
            {
              g_assert_cmpfloat_with_epsilon (m[i * pn + i], 1.0f, 1e-3);
              for (guint j = 0; j < pn; j++)
                {
                  g_assert_true (isfinite (m[i * pn + j]));
                  g_assert_cmpfloat (fabsf (m[i * pn + j]), <=, 1.0f);
                  g_assert_cmpfloat_with_epsilon (m[i * pn + j], m[j * pn + i], 1e-4);
                }
            }
        }
      by_loss[loss] = g_memdup2 (snap->block_sim, sizeof (float) * 3 * pn * pn);
    }
  g_assert_cmpfloat (matrix_distance (by_loss[LW_LOSS_PRED], by_loss[LW_LOSS_SIM], pn), >, 1e-3f);
  g_assert_cmpfloat (matrix_distance (by_loss[LW_LOSS_PRED], by_loss[LW_LOSS_SIM_BPF], pn), >, 1e-3f);
  g_assert_cmpfloat (matrix_distance (by_loss[LW_LOSS_SIM], by_loss[LW_LOSS_PREDSIM], pn), <, 1e-6f);
  g_assert_cmpfloat (matrix_distance (by_loss[LW_LOSS_PRED], by_loss[LW_LOSS_BP], pn), <, 1e-6f);
  for (guint i = 0; i < LW_N_LOSSES; i++)
    g_free (by_loss[i]);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static gboolean
all_zero_maps (const LwSnapshot *snap)
{
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    if (snap->block_map[i].channels != 0)
      return FALSE;
  return TRUE;
}

/* New Run between an MLP and a conv net, both ways, and a bad
 * architecture, which fails the run and nothing else. */
static void
test_conv_switch (void)
{
  LwRunSettings mlp, conv;
  LwSession *s;
  g_autoptr(GError) error = NULL;

  small_settings (&mlp);
  conv_settings (&conv);
  s = new_loaded (&mlp, LW_RUN_PAUSED);
  lw_session_step (s);
  /* Synced: a reset drops a step under way. */
  lw_snapshot_unref (synced (s));

  lw_session_reset (s, &conv);
  /* Block indices follow the settings sent: vgg-mini has 4 blocks. */
  g_assert_true (lw_session_set_block_frozen (s, 3, TRUE, NULL));
  g_assert_false (lw_session_set_block_frozen (s, 4, TRUE, &error));
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_clear_error (&error);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_cmpint (snap->arch, ==, LW_ARCH_VGG_MINI);
    g_assert_cmpuint (snap->n_blocks, ==, 4);
    g_assert_true (snap->block_frozen[3]);
    assert_map_shape (&snap->filter_shape, 1, 3, 3);
    assert_map_shape (&snap->block_map[1], 32, 14, 14);
    g_assert_cmpuint (snap->n_previous, ==, 1);
    g_assert_cmpuint (snap->previous[0].n_layers, ==, 3);
    g_assert_cmpuint (snap->current.n_layers, ==, 5);
  }

  lw_session_reset (s, &mlp);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpint (snap->arch, ==, LW_ARCH_MLP);
    g_assert_cmpuint (snap->n_blocks, ==, 2);
    g_assert_cmpuint (snap->filter_cols, ==, 784);
    assert_map_shape (&snap->filter_shape, 1, 28, 28);
    g_assert_true (all_zero_maps (snap));
    g_assert_cmpuint (snap->n_previous, ==, 2);
    g_assert_cmpuint (snap->previous[1].n_layers, ==, 5);
  }

  conv.model.arch = LW_N_ARCHS;
  lw_session_reset (s, &conv);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpint (snap->state, ==, LW_RUN_FAILED);
    g_assert_nonnull (strstr (snap->error, "architecture"));
    g_assert_null (snap->filters);
    g_assert_true (all_zero_maps (snap));
  }
  conv.model.arch = LW_ARCH_VGG_MINI;
  lw_session_reset (s, &conv);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (snap->n_blocks, ==, 4);
  }
  lw_session_free (s);
  lw_run_settings_clear (&mlp);
  lw_run_settings_clear (&conv);
}

static void
test_learns (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  lw_snapshot_unref (wait_step (s, 120));
  lw_session_pause (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    guint out = snap->n_blocks;

    g_test_message ("step %" G_GUINT64_FORMAT ": train %.3f, test %.3f", snap->step,
                    snap->last_train_acc[out], snap->last_test_acc[out]);
    g_assert_cmpfloat (snap->last_train_acc[out], >, 0.5f);
    g_assert_cmpfloat (snap->last_test_acc[out], >, 0.5f);
    g_assert_cmpuint (snap->current.layers[out].test_acc.n, >=, 5);
    /* 2048 samples a epoch: at least 7 full test evaluations. */
    g_assert_cmpuint (snap->current.layers[out].epoch_test_acc.n, >=, 7);
    g_assert_cmpuint (snap->epoch, >=, 8);
    g_assert_cmpuint (snap->current.layers[0].loss_sim.n, ==, snap->step);
    assert_curves_ok (&snap->current);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_finishes (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  st.limit_train = 512;
  st.max_epochs = 2;
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  lw_snapshot_unref (wait_step (s, 8));
  lw_session_play (s);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpint (snap->state, ==, LW_RUN_FINISHED);
    g_assert_cmpuint (snap->step, ==, 8);
    g_assert_cmpuint (snap->epoch, ==, 2);
    g_assert_cmpuint (snap->current.layers[snap->n_blocks].epoch_test_acc.n, ==, 2);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* Class-restricted batches in epoch 1 (4 full batches of 128 from 500
 * samples), plain ones in epoch 2 (the last batch short); a run asking for
 * more classes per batch than the dataset has fails with the reason. */
static void
test_classes_per_batch (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  st.limit_train = 500;
  st.max_epochs = 2;
  st.classes_per_batch = 3;
  st.classes_per_batch_until_epoch = 1;
  s = new_loaded (&st, LW_RUN_PAUSED);
  for (guint i = 0; i < 4; i++)
    lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpuint (snap->step, ==, 4);
    g_assert_cmpuint (snap->samples_seen, ==, 512);
  }
  lw_session_play (s);
  lw_snapshot_unref (wait_step (s, 8));
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpint (snap->state, ==, LW_RUN_FINISHED);
    g_assert_cmpuint (snap->samples_seen, ==, 512 + 500);
  }

  st.classes_per_batch = 11;
  lw_session_reset (s, &st);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    g_assert_cmpint (snap->state, ==, LW_RUN_FAILED);
    g_test_message ("error: %s", snap->error);
    g_assert_nonnull (strstr (snap->error, "11 classes per batch"));
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_free_while_running (void)
{
  LwRunSettings st;
  LwSession *s;
  gint64 start;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  lw_snapshot_unref (wait_step (s, 5));
  start = g_get_monotonic_time ();
  lw_session_free (s);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  /* And right after starting, before loading is done. */
  s = lw_session_new (&st, NULL, NULL);
  lw_session_play (s);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

typedef struct {
  guint64 serial, step, samples;
  guint n_points, n_marks;
  float last_y;
  guint n_filters;
  float *filters;
  float label_sim0;
} Held;

static void
hold (const LwSnapshot *snap, Held *h)
{
  const LwSeries *acc = &snap->current.layers[snap->n_blocks].train_acc;

  h->serial = snap->serial;
  h->step = snap->step;
  h->samples = snap->samples_seen;
  h->n_points = acc->n;
  h->n_marks = snap->current.n_marks;
  h->last_y = acc->y[acc->n - 1];
  h->n_filters = snap->filter_rows * snap->filter_cols;
  h->filters = g_memdup2 (snap->filters, sizeof (float) * h->n_filters);
  h->label_sim0 = snap->block_sim[1];
}

static void
assert_held (const LwSnapshot *snap, const Held *h)
{
  const LwSeries *acc = &snap->current.layers[snap->n_blocks].train_acc;

  g_assert_cmpuint (snap->serial, ==, h->serial);
  g_assert_cmpuint (snap->step, ==, h->step);
  g_assert_cmpuint (snap->samples_seen, ==, h->samples);
  g_assert_cmpuint (acc->n, ==, h->n_points);
  g_assert_cmpfloat (acc->y[acc->n - 1], ==, h->last_y);
  g_assert_cmpuint (snap->current.n_marks, ==, h->n_marks);
  g_assert_cmpint (memcmp (snap->filters, h->filters, sizeof (float) * h->n_filters), ==, 0);
  g_assert_cmpfloat (snap->block_sim[1], ==, h->label_sim0);
}

static void
test_immutable (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autoptr(LwSnapshot) old = NULL;
  Held held;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  old = wait_step (s, 10);
  hold (old, &held);

  g_usleep (300000);                       /* past a pictures refresh */
  {
    g_autoptr(LwSnapshot) now = wait_step (s, held.step + 50);
    g_assert_cmpuint (now->serial, >, held.serial);
    g_assert_true (now->filters != old->filters);
    g_assert_cmpint (memcmp (now->filters, held.filters, sizeof (float) * held.n_filters), !=, 0);
  }
  lw_session_set_lr (s, 1e-3, NULL);
  lw_session_pause (s);
  {
    g_autoptr(LwSnapshot) now = synced (s);
    g_assert_cmpuint (now->current.n_marks, ==, held.n_marks + 2);
  }
  assert_held (old, &held);
  lw_session_free (s);
  /* It outlives the session too. */
  assert_held (old, &held);
  g_free (held.filters);
  lw_run_settings_clear (&st);
}

static void
test_curves_bounded (void)
{
  LwRunSettings st;
  LwSession *s;
  guint64 steps = 3 * LW_SERIES_MAX_POINTS;

  small_settings (&st);
  st.limit_train = 512;
  st.model.num_hidden = 8;
  st.model.num_layers = 1;
  st.model.batch_size = 8;
  st.eval_every = 1;
  st.eval_samples = 8;
  st.probe_n = 8;
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  {
    g_autoptr(LwSnapshot) snap = wait_step (s, steps);
    const LwLayerCurves *out = &snap->current.layers[1];

    assert_curves_ok (&snap->current);
    g_test_message ("%" G_GUINT64_FORMAT " steps: %u train points, %u test points",
                    snap->step, out->train_acc.n, out->test_acc.n);
    g_assert_cmpuint (out->train_acc.n, >, LW_SERIES_MAX_POINTS / 2);
    g_assert_cmpuint (out->test_acc.n, >, LW_SERIES_MAX_POINTS / 2);
    /* Thinned evenly: the first point stays, the newest is recent. */
    g_assert_cmpfloat (out->train_acc.x[0], ==, 8.0);
    g_assert_cmpfloat (out->train_acc.x[out->train_acc.n - 1], >=,
                       (snap->step - 8) * 8.0);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
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
  g_assert_cmpuint (a->n_marks, ==, b->n_marks);
  for (guint i = 0; i < a->n_marks; i++)
    {
      g_assert_cmpuint (a->marks[i].samples, ==, b->marks[i].samples);
      g_assert_cmpstr (a->marks[i].label, ==, b->marks[i].label);
    }
}

static gboolean
is_finished (const LwSnapshot *snap, gpointer data)
{
  return snap->state == LW_RUN_FINISHED;
}

/* Two epochs played through with the blocks on two pipeline stages give
 * the very curves of the sequential schedule (one BLAS thread each, as
 * pipeline stages run with): every training point, every held-out and
 * epoch evaluation. */
static void
test_schedule_same_curves (void)
{
  LwRunSettings st;
  LwSession *seq, *pipe;

  small_settings (&st);
  st.model.num_layers = 3;
  st.model.batch_size = 64;
  st.limit_train = 1024;
  st.max_epochs = 2;
  st.eval_every = 7;
  st.schedule = LW_SCHEDULE_SEQUENTIAL;
  seq = new_loaded (&st, LW_RUN_PAUSED);
  st.schedule = LW_SCHEDULE_PIPELINE;
  st.stages = 2;
  pipe = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (seq);
  lw_session_play (pipe);
  {
    g_autoptr(LwSnapshot) a = wait_for (seq, is_finished, NULL);
    g_autoptr(LwSnapshot) b = wait_for (pipe, is_finished, NULL);

    g_assert_cmpuint (a->n_stages, ==, 0);
    g_assert_cmpuint (b->n_stages, ==, 2);
    g_assert_cmpuint (b->stage_end[1], ==, 3);
    g_assert_cmpuint (b->stage_end[0], >=, 1);
    g_assert_cmpuint (b->stage_end[0], <=, 2);
    g_assert_cmpuint (a->step, ==, 32);
    g_assert_cmpuint (b->step, ==, 32);
    /* Every 7 steps, and after steps 1, 2 and 5. */
    g_assert_cmpuint (b->current.layers[3].test_acc.n, ==, 32 / 7 + 3);
    assert_curves_equal (&a->current, &b->current);
    for (guint l = 0; l <= a->n_blocks; l++)
      g_assert_cmpfloat (a->last_test_acc[l], ==, b->last_test_acc[l]);
  }
  lw_session_free (seq);
  lw_session_free (pipe);
  lw_run_settings_clear (&st);
}

/* The AUTO schedule's probe: warm-up steps untimed, then sequential
 * steps until it has seen enough, the pipeline's fill untimed, pipelined
 * steps, and the faster kept. */
static void
test_schedule_probe (void)
{
  for (guint faster = 0; faster < 2; faster++)
    {
      LwScheduleProbe p;
      guint seq_steps = 0, pipe_steps = 0;
      double ratio;

      lw_schedule_probe_start (&p, 3);
      for (guint i = 0; i < 3; i++)
        {
          g_assert_false (lw_schedule_probe_wants_pipeline (&p));
          /* Warm-up: slow and untimed. */
          lw_schedule_probe_add (&p, 128, 10.0, 2);
        }
      while (p.phase == LW_PROBE_SEQUENTIAL)
        {
          g_assert_false (lw_schedule_probe_wants_pipeline (&p));
          lw_schedule_probe_add (&p, 128, 0.2, 2);
          seq_steps++;
        }
      /* 1 s at least, 8 steps at least. */
      g_assert_cmpuint (seq_steps, ==, 8);
      g_assert_cmpfloat (lw_schedule_probe_ratio (&p), ==, 0.0);
      /* The fill: two steps, slow and untimed. */
      lw_schedule_probe_add (&p, 128, 10.0, 2);
      lw_schedule_probe_add (&p, 128, 10.0, 2);
      while (p.phase == LW_PROBE_PIPELINE)
        {
          g_assert_true (lw_schedule_probe_wants_pipeline (&p));
          lw_schedule_probe_add (&p, 128, faster ? 0.125 : 0.25, 2);
          pipe_steps++;
        }
      g_assert_cmpuint (pipe_steps, ==, 8);
      ratio = lw_schedule_probe_ratio (&p);
      g_assert_cmpfloat_with_epsilon (ratio, faster ? 1.6 : 0.8, 1e-9);
      g_assert_true (lw_schedule_probe_wants_pipeline (&p) == (faster == 1));
      /* Decided: more steps change nothing. */
      lw_schedule_probe_add (&p, 128, 100.0, 2);
      g_assert_cmpfloat (lw_schedule_probe_ratio (&p), ==, ratio);
    }
}

static gboolean
auto_decided (const LwSnapshot *snap, gpointer data)
{
  return !snap->schedule_probing && snap->schedule_ratio > 0.0;
}

/* AUTO on two threads times both schedules on the running model and keeps
 * the faster: the snapshot says which and by how much; on one thread it
 * has nothing to choose. */
static void
test_schedule_auto (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  st.model.num_layers = 3;
  st.model.num_hidden = 256;
  st.threads = 2;
  st.schedule = LW_SCHEDULE_AUTO;
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  {
    g_autoptr(LwSnapshot) snap = wait_for (s, auto_decided, NULL);

    g_test_message ("AUTO: pipeline at %.2fx sequential after %" G_GUINT64_FORMAT " steps",
                    snap->schedule_ratio, snap->step);
    g_assert_cmpuint (snap->schedule, ==, LW_SCHEDULE_AUTO);
  }
  lw_session_pause (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    /* Three blocks on two threads: one stage more than threads. */
    g_assert_cmpuint (snap->n_stages, ==, snap->schedule_ratio > 1.0 ? 3 : 0);
    g_assert_cmpuint (snap->n_stage_threads, ==, snap->schedule_ratio > 1.0 ? 2 : 0);
  }
  lw_session_free (s);

  st.threads = 1;
  s = new_loaded (&st, LW_RUN_PAUSED);
  for (guint i = 0; i < 12; i++)
    lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_false (snap->schedule_probing);
    g_assert_cmpfloat (snap->schedule_ratio, ==, 0.0);
    g_assert_cmpuint (snap->n_stages, ==, 0);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* Paused means every batch handed out is trained and in the curves, with
 * a pipeline too: one step after a pause adds exactly one point. */
static void
test_schedule_pause (void)
{
  LwRunSettings st;
  LwSession *s;

  small_settings (&st);
  st.model.batch_size = 32;
  st.schedule = LW_SCHEDULE_PIPELINE;
  st.stages = 2;
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_play (s);
  lw_snapshot_unref (wait_step (s, 12));
  lw_session_pause (s);
  {
    g_autoptr(LwSnapshot) paused = synced (s);
    g_autoptr(LwSnapshot) stepped = NULL;

    g_assert_cmpuint (paused->n_stages, ==, 2);
    g_assert_cmpuint (paused->current.layers[0].train_acc.n, ==, paused->step);
    g_assert_cmpuint (paused->samples_seen, ==, paused->step * 32);
    lw_session_step (s);
    stepped = synced (s);
    g_assert_cmpuint (stepped->step, ==, paused->step + 1);
    g_assert_cmpuint (stepped->current.layers[0].train_acc.n, ==, stepped->step);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* The schedule switched back and forth at batch boundaries, with live
 * changes in between, leaves the curves as if it had never changed; a
 * stage count the model cannot use is refused. */
static void
test_schedule_switch_live (void)
{
  LwRunSettings st;
  LwSession *ref, *sw;
  g_autoptr(GError) error = NULL;

  small_settings (&st);
  st.model.num_layers = 3;
  st.model.batch_size = 32;
  st.eval_every = 5;
  st.schedule = LW_SCHEDULE_SEQUENTIAL;
  ref = new_loaded (&st, LW_RUN_PAUSED);
  sw = new_loaded (&st, LW_RUN_PAUSED);

  g_assert_false (lw_session_set_schedule (sw, LW_SCHEDULE_PIPELINE, 4, &error));
  g_assert_error (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "at most 3"));

  for (guint i = 0; i < 40; i++)
    {
      if (i == 6)
        g_assert_true (lw_session_set_schedule (sw, LW_SCHEDULE_PIPELINE, 2, NULL));
      if (i == 12)
        g_assert_true (lw_session_set_schedule (sw, LW_SCHEDULE_PIPELINE, 3, NULL));
      if (i == 20)
        g_assert_true (lw_session_set_schedule (sw, LW_SCHEDULE_SEQUENTIAL, 0, NULL));
      if (i == 27)
        g_assert_true (lw_session_set_schedule (sw, LW_SCHEDULE_PIPELINE, 2, NULL));
      if (i == 15 || i == 31)
        for (guint k = 0; k < 2; k++)
          {
            LwSession *s = k ? sw : ref;

            g_assert_true (lw_session_set_lr (s, i == 15 ? 2e-3 : 3e-4, NULL));
            g_assert_true (lw_session_set_block_frozen (s, 1, i == 15, NULL));
            lw_session_set_loss (s, i == 15 ? LW_LOSS_SIM : LW_LOSS_PREDSIM);
          }
      lw_session_step (ref);
      lw_session_step (sw);
      {
        g_autoptr(LwSnapshot) a = synced (ref);
        g_autoptr(LwSnapshot) b = synced (sw);

        if (i == 30)
          g_assert_cmpuint (b->n_stages, ==, 2);
        if (i == 25)
          g_assert_cmpuint (b->n_stages, ==, 0);
        /* Paused: every batch handed out is in the curves. */
        g_assert_cmpuint (b->step, ==, i + 1);
        assert_curves_equal (&a->current, &b->current);
      }
    }
  {
    g_autoptr(LwSnapshot) a = synced (ref);
    g_autoptr(LwSnapshot) b = synced (sw);

    g_assert_cmpuint (b->schedule, ==, LW_SCHEDULE_PIPELINE);
    g_assert_cmpuint (a->current.n_marks, >=, 6);
  }
  lw_session_free (ref);
  lw_session_free (sw);
  lw_run_settings_clear (&st);
}

static gboolean
has_targets (const LwSnapshot *snap, gpointer data)
{
  return snap->target_sim != NULL;
}

static gboolean
no_targets (const LwSnapshot *snap, gpointer data)
{
  return snap->target_sim == NULL && snap->label_sim != NULL && snap->loss == LW_LOSS_PREDSIM;
}

/* Under a bpf loss the Similarity page shows each block's own target:
 * the snapshot has them (block 1's is the label matrix, block 2's
 * another); under predsim none, the label matrix being every block's. */
static void
test_bpf_targets (void)
{
  LwRunSettings st;
  LwSession *s;
  gsize nn;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_nonnull (snap->label_sim);
    g_assert_null (snap->target_sim);
  }
  lw_session_set_loss (s, LW_LOSS_SIM_BPF);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = wait_for (s, has_targets, NULL);

    nn = (gsize) snap->probe_n * snap->probe_n;
    g_assert_cmpuint (snap->n_blocks, ==, 2);
    g_assert_cmpmem (snap->target_sim, nn * sizeof (float), snap->label_sim,
                     nn * sizeof (float));
    g_assert_true (memcmp (snap->target_sim, snap->target_sim + nn, nn * sizeof (float)) != 0);
  }
  lw_session_set_loss (s, LW_LOSS_PREDSIM);
  lw_session_step (s);
  /* wait_for fails the test unless the targets go. */
  lw_snapshot_unref (wait_for (s, no_targets, NULL));
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* Whether the first block's weights (the filters shown) are the same. */
static gboolean
same_filters (const LwSnapshot *a, const LwSnapshot *b)
{
  gsize n = (gsize) a->filter_rows * a->filter_cols;

  g_assert_nonnull (a->filters);
  g_assert_nonnull (b->filters);
  g_assert_cmpuint (n, ==, (gsize) b->filter_rows * b->filter_cols);
  return memcmp (a->filters, b->filters, n * sizeof (float)) == 0;
}

/* No-detach switched on while paused takes effect at the next batch:
 * until then the run is the one without it; that batch's update of the
 * lowest block differs (the local losses above now reach it). The switch
 * leaves a mark each way, the snapshot and the run's name say it, and a
 * pipeline's run with the same switches has the same curves (it runs such
 * steps whole). A run that failed to load ignores it. */
static void
test_no_detach_live (void)
{
  LwRunSettings st;
  LwSession *ref, *nd, *pl, *failed;

  small_settings (&st);
  st.model.num_layers = 3;
  st.model.batch_size = 32;
  st.eval_every = 5;
  st.schedule = LW_SCHEDULE_SEQUENTIAL;
  ref = new_loaded (&st, LW_RUN_PAUSED);
  nd = new_loaded (&st, LW_RUN_PAUSED);
  st.schedule = LW_SCHEDULE_PIPELINE;
  st.stages = 2;
  pl = new_loaded (&st, LW_RUN_PAUSED);

  for (guint i = 0; i < 16; i++)
    {
      if (i == 5 || i == 11)
        {
          gboolean on = i == 5;

          lw_session_set_no_detach (nd, on);
          lw_session_set_no_detach (pl, on);
          {
            g_autoptr(LwSnapshot) a = synced (ref);
            g_autoptr(LwSnapshot) b = synced (nd);
            const LwMark *last = &b->current.marks[b->current.n_marks - 1];

            /* Applied while paused, nothing trained with it yet. */
            g_assert_cmpint (b->no_detach, ==, on);
            g_assert_cmpint (last->kind, ==, LW_MARK_DETACH);
            g_assert_cmpstr (last->label, ==, on ? "no detach" : "detach");
            g_assert_cmpuint (last->samples, ==, i * 32);
            g_assert_cmpint (strstr (b->current.title, "no detach") != NULL, ==, on);
            if (on)
              g_assert_true (same_filters (a, b));
          }
          /* The same value again changes nothing. */
          lw_session_set_no_detach (nd, on);
          {
            g_autoptr(LwSnapshot) b = synced (nd);

            g_assert_cmpuint (b->current.n_marks, ==, i == 5 ? 1 : 2);
          }
        }
      lw_session_step (ref);
      lw_session_step (nd);
      lw_session_step (pl);
      {
        g_autoptr(LwSnapshot) a = synced (ref);
        g_autoptr(LwSnapshot) b = synced (nd);
        g_autoptr(LwSnapshot) c = synced (pl);

        /* On its stages from the third step (the first ones warm it up). */
        if (i >= 2)
          g_assert_cmpuint (c->n_stages, ==, 2);
        g_assert_cmpint (c->no_detach, ==, b->no_detach);
        assert_curves_equal (&b->current, &c->current);
        g_assert_true (same_filters (b, c));
        /* The first batch with it: block 1's update takes the losses above. */
        if (i < 5)
          g_assert_true (same_filters (a, b));
        else
          g_assert_false (same_filters (a, b));
      }
    }
  lw_session_free (ref);
  lw_session_free (nd);
  lw_session_free (pl);

  st.schedule = LW_SCHEDULE_SEQUENTIAL;
  st.dataset = LW_DATASET_MNIST;
  st.data_dir = g_strdup ("/nonexistent");
  failed = new_loaded (&st, LW_RUN_FAILED);
  lw_session_set_no_detach (failed, TRUE);
  {
    g_autoptr(LwSnapshot) snap = synced (failed);

    g_assert_cmpint (snap->state, ==, LW_RUN_FAILED);
    g_assert_false (snap->no_detach);
    g_assert_cmpuint (lw_session_commands_applied (failed), ==, 1);
  }
  lw_session_free (failed);
  lw_run_settings_clear (&st);
}

static void
on_notify (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
test_notify (void)
{
  LwRunSettings st;
  LwSession *s;
  gint count = 0;

  small_settings (&st);
  s = lw_session_new (&st, on_notify, &count);
  lw_snapshot_unref (wait_for (s, is_loaded, NULL));
  lw_session_step (s);
  g_assert_true (lw_session_sync (s, TIMEOUT_MS));
  g_assert_cmpint (g_atomic_int_get (&count), >=, 2);
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

static void
test_settings_copy (void)
{
  LwRunSettings a, b;

  lw_run_settings_init (&a);
  a.data_dir = g_strdup ("/some/where");
  lw_run_settings_copy (&b, &a);
  g_assert_true (b.data_dir != a.data_dir);
  g_assert_cmpstr (b.data_dir, ==, "/some/where");
  g_assert_cmpuint (b.eval_every, ==, 100);
  g_assert_cmpuint (b.eval_samples, ==, 1000);
  g_assert_cmpuint (b.probe_n, ==, 64);
  lw_run_settings_clear (&a);
  lw_run_settings_clear (&b);
  g_assert_null (b.data_dir);
}

/* The confusion matrices count every held-out image once, their diagonal
 * is what the run's own evaluation counted at the same step, and the
 * gallery's order puts each layer's mistakes first. */
static void
test_predictions (void)
{
  LwRunSettings st;
  LwSession *s;
  g_autofree guint32 *order = NULL;

  small_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    const LwPredictions *p = snap->predictions;

    g_assert_nonnull (p);
    g_assert_cmpuint (p->step, ==, 0);
    g_assert_cmpuint (p->n, ==, st.eval_samples);
  }

  /* eval_every steps: the held-out test ran on the same images. */
  for (guint i = 0; i < st.eval_every; i++)
    lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);
    const LwPredictions *p = snap->predictions;
    guint C;

    g_assert_cmpuint (snap->step, ==, st.eval_every);
    g_assert_nonnull (p);
    g_assert_cmpuint (p->n_layers, ==, snap->n_blocks + 1);
    g_assert_cmpuint (p->n_classes, ==, 10);
    g_assert_cmpuint (p->images->n, ==, p->n);
    g_assert_cmpuint (p->images->channels * p->images->height * p->images->width, ==, 784);
    C = p->n_classes;
    order = g_new (guint32, p->n);
    for (guint l = 0; l < p->n_layers; l++)
      {
        const guint32 *m = lw_predictions_confusion (p, l);
        guint64 sum = 0, diagonal = 0, right = 0;

        for (guint t = 0; t < C; t++)
          {
            guint64 row = 0, of_class = 0;

            for (guint q = 0; q < C; q++)
              row += m[t * C + q];
            for (guint i = 0; i < p->n; i++)
              of_class += p->labels[i] == t;
            g_assert_cmpuint (row, ==, of_class);
            sum += row;
            diagonal += m[t * C + t];
          }
        for (guint i = 0; i < p->n; i++)
          right += lw_predictions_get (p, l, i) == p->labels[i];
        g_assert_cmpuint (sum, ==, p->n);
        g_assert_cmpuint (diagonal, ==, p->correct[l]);
        g_assert_cmpuint (right, ==, p->correct[l]);
        /* The run's evaluation at this step, through lw_model_evaluate. */
        g_assert_cmpuint (p->correct[l], ==, (guint) lroundf (snap->last_test_acc[l] * p->n));

        lw_predictions_order (p, l, order);
        for (guint k = 0; k < p->n; k++)
          {
            gboolean wrong = lw_predictions_get (p, l, order[k]) != p->labels[order[k]];

            g_assert_cmpint (wrong, ==, k < p->n - p->correct[l]);
            if (k > 0 && wrong == (lw_predictions_get (p, l, order[k - 1]) != p->labels[order[k - 1]]))
              g_assert_cmpuint (order[k], >, order[k - 1]);
          }
      }
    /* Better than chance after a few steps, and not yet perfect. */
    g_assert_cmpuint (p->correct[p->n_layers - 1], >, p->n / 5);
    g_assert_cmpuint (p->correct[p->n_layers - 1], <, p->n);
  }

  /* Training on: they follow, a few seconds behind at most. */
  lw_session_play (s);
  lw_snapshot_unref (wait_step (s, st.eval_every + 5));
  lw_session_pause (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_cmpuint (snap->predictions->step, ==, snap->step);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

/* A layer's mistakes first, then what it gets right, each in test-set order. */
static void
test_predictions_order (void)
{
  static const guint8 labels[] = { 0, 1, 2, 1, 0, 2 };
  /* Two layers: the first wrong on images 1 and 4, the second on 0 and 5. */
  static const guint8 predicted[] = { 0, 2, 2, 1, 1, 2,
                                      1, 1, 2, 1, 0, 0 };
  LwPredictions p = {
    .n = 6, .n_layers = 2, .n_classes = 3, .labels = labels, .predicted = predicted,
  };
  static const guint32 want0[] = { 1, 4, 0, 2, 3, 5 };
  static const guint32 want1[] = { 0, 5, 1, 2, 3, 4 };
  guint32 order[6];

  lw_predictions_order (&p, 0, order);
  g_assert_cmpmem (order, sizeof order, want0, sizeof want0);
  lw_predictions_order (&p, 1, order);
  g_assert_cmpmem (order, sizeof order, want1, sizeof want1);
}

static gboolean
has_predictions (const LwSnapshot *snap, gpointer data)
{
  return snap->predictions != NULL;
}

/* A conv net's first pass over the held-out images waits for training
 * (a large one's takes seconds, in which a paused worker would answer
 * nothing); then they come while it trains. */
static void
test_conv_predictions_deferred (void)
{
  LwRunSettings st;
  LwSession *s;

  conv_settings (&st);
  s = new_loaded (&st, LW_RUN_PAUSED);
  lw_session_step (s);
  {
    g_autoptr(LwSnapshot) snap = synced (s);

    g_assert_null (snap->predictions);
  }
  lw_session_play (s);
  {
    g_autoptr(LwSnapshot) snap = wait_for (s, has_predictions, NULL);

    g_assert_cmpuint (snap->predictions->n, ==, st.eval_samples);
    g_assert_cmpuint (snap->predictions->n_layers, ==, snap->n_blocks + 1);
  }
  lw_session_free (s);
  lw_run_settings_clear (&st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/history-thinning", test_history_thinning);
  g_test_add_func ("/session/settings-copy", test_settings_copy);
  g_test_add_func ("/session/starts-paused", test_starts_paused);
  g_test_add_func ("/session/step", test_step);
  g_test_add_func ("/session/play-pause", test_play_pause);
  g_test_add_func ("/session/many-commands", test_many_commands);
  g_test_add_func ("/session/invalid", test_invalid);
  g_test_add_func ("/session/live-control-ranges", test_live_control_ranges);
  g_test_add_func ("/session/probe-image", test_probe_image);
  g_test_add_func ("/session/reset", test_reset);
  g_test_add_func ("/session/failed-recovers", test_failed_recovers);
  g_test_add_func ("/session/learns", test_learns);
  g_test_add_func ("/session/finishes", test_finishes);
  g_test_add_func ("/session/classes-per-batch", test_classes_per_batch);
  g_test_add_func ("/session/free-while-running", test_free_while_running);
  g_test_add_func ("/session/immutable", test_immutable);
  g_test_add_func ("/session/curves-bounded", test_curves_bounded);
  g_test_add_func ("/session/notify", test_notify);
  g_test_add_func ("/session/schedule/same-curves", test_schedule_same_curves);
  g_test_add_func ("/session/schedule/switch-live", test_schedule_switch_live);
  g_test_add_func ("/session/no-detach/live", test_no_detach_live);
  g_test_add_func ("/session/bpf-targets", test_bpf_targets);
  g_test_add_func ("/session/schedule/pause", test_schedule_pause);
  g_test_add_func ("/session/schedule/probe", test_schedule_probe);
  g_test_add_func ("/session/schedule/auto", test_schedule_auto);
  g_test_add_func ("/session/predictions", test_predictions);
  g_test_add_func ("/session/predictions/order", test_predictions_order);
  g_test_add_func ("/session/conv/visuals", test_conv_visuals);
  g_test_add_func ("/session/conv/predictions-deferred", test_conv_predictions_deferred);
  g_test_add_func ("/session/conv/similarity", test_conv_similarity);
  g_test_add_func ("/session/conv/switch", test_conv_switch);
  g_test_add_func ("/session/conv/rgb", test_conv_rgb);

  return g_test_run ();
}
