/* session-helpers.c: see session-helpers.h. */
#include "session-helpers.h"

#include <math.h>

void
small_settings (LwRunSettings *st)
{
  lw_run_settings_init (st);
  st->dataset = LW_DATASET_MNIST_SUBSET;
  st->limit_train = 2048;
  st->threads = 1;
  st->model.num_hidden = 64;
  st->model.num_layers = 2;
  st->eval_every = 20;
  st->eval_samples = 256;
  st->probe_n = 32;
}

LwSnapshot *
wait_for (LwSession *s, SnapTest test, gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + SESSION_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      LwSnapshot *snap = lw_session_get_snapshot (s);

      if (test (snap, data))
        return snap;
      lw_snapshot_unref (snap);
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for the session");
      g_usleep (2000);
    }
}

LwSnapshot *
synced (LwSession *s)
{
  g_assert_true (lw_session_sync (s, SESSION_TIMEOUT_MS));
  return lw_session_get_snapshot (s);
}

void
assert_series_identical (const LwSeries *a, const LwSeries *b)
{
  g_assert_cmpuint (a->n, ==, b->n);
  for (guint i = 0; i < a->n; i++)
    {
      g_assert_cmpfloat (a->x[i], ==, b->x[i]);
      g_assert_true (a->y[i] == b->y[i] || (isnan (a->y[i]) && isnan (b->y[i])));
    }
}
