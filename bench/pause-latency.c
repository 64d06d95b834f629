/* pause-latency.c: how long Pause takes to answer while a long batch
 * trains, through the session the window uses.
 *
 *   _build/bench/pause-latency [--arch vgg8b] [--threads 1] [--schedule sequential]
 *                              [--pauses 5] [--dataset mnist-subset]
 *
 * Trains the network (the preset's shape: one FC block of 1,024 after the
 * convs), times one batch, and pauses it several times, each at a random
 * moment within a batch. For each pause it prints the time from
 * lw_session_pause to the first snapshot that answers (pausing, or no
 * longer running) and to the first that says paused (the worker idle),
 * then their medians. Not a test: the figures go to bench/README.md. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "session/lw-session.h"

static gboolean
wait_until (LwSession *s, gboolean (*test) (const LwSnapshot *snap, guint64 arg), guint64 arg,
            guint64 *step)
{
  for (;;)
    {
      LwSnapshot *snap = lw_session_get_snapshot (s);
      gboolean ok = test (snap, arg);

      if (step != NULL)
        *step = snap->step;
      lw_snapshot_unref (snap);
      if (ok)
        return TRUE;
      g_usleep (1000);
    }
}

static gboolean
is_paused (const LwSnapshot *snap, guint64 arg)
{
  return snap->state == LW_RUN_PAUSED;
}

static gboolean
answered (const LwSnapshot *snap, guint64 arg)
{
#ifdef LW_BENCH_BEFORE_PAUSING
  return snap->state != LW_RUN_RUNNING;
#else
  return snap->pausing || snap->state != LW_RUN_RUNNING;
#endif
}

static gboolean
past_step (const LwSnapshot *snap, guint64 step)
{
  return snap->state == LW_RUN_RUNNING && snap->step > step;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main (int argc, char **argv)
{
  g_autofree char *arch = g_strdup ("vgg8b"), *schedule = g_strdup ("sequential");
  g_autofree char *dataset = g_strdup ("mnist-subset");
  int threads = 1, pauses = 5;
  GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch, "Network (vgg8b)", "NAME" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Training threads (1)", "N" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule, "sequential or pipeline", "NAME" },
    { "pauses", 0, 0, G_OPTION_ARG_INT, &pauses, "Pauses to time (5)", "N" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, "Dataset (mnist-subset)", "NAME" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- time Pause during long batches");
  g_autoptr(GError) error = NULL;
  LwRunSettings st;
  LwSession *s;
  double *ack, *idle, *batch;
  guint n_batch = 0;
  GRand *rand = g_rand_new_with_seed (1);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pause-latency: %s\n", error->message);
      return 2;
    }
  lw_run_settings_init (&st);
  if (!lw_arch_from_string (arch, &st.model.arch) || !lw_schedule_from_string (schedule, &st.schedule)
      || !lw_dataset_kind_from_string (dataset, &st.dataset) || threads < 1 || pauses < 1)
    {
      fprintf (stderr, "pause-latency: bad --arch, --schedule, --dataset, --threads or --pauses\n");
      return 2;
    }
  lw_arch_default_fc (st.model.arch, &st.model.num_layers, &st.model.num_hidden);
  st.model.lr = lw_arch_default_lr (st.model.arch);
  st.threads = threads;
  ack = g_new (double, pauses);
  idle = g_new (double, pauses);
  batch = g_new (double, 1);

  s = lw_session_new (&st, NULL, NULL);
  wait_until (s, is_paused, 0, NULL);
  printf ("%s, %d thread(s), %s schedule, %s\n", arch, threads, schedule, dataset);
  /* The time of a whole batch: between two batch ends. */
  {
    guint64 step;
    gint64 t0;

    lw_session_play (s);
    wait_until (s, past_step, 0, &step);
    t0 = g_get_monotonic_time ();
    wait_until (s, past_step, step, &step);
    batch[n_batch++] = (g_get_monotonic_time () - t0) / 1e6;
    printf ("  a batch: %.2f s\n", batch[0]);
  }
  for (int i = 0; i < pauses; i++)
    {
      guint64 step;
      gint64 t0;

      lw_session_play (s);
      /* After the next batch end, somewhere within the batch after it. */
      wait_until (s, past_step, 0, &step);
      wait_until (s, past_step, step, &step);
      g_usleep ((gulong) (g_rand_double (rand) * batch[0] * 0.9e6));
      t0 = g_get_monotonic_time ();
      lw_session_pause (s);
      wait_until (s, answered, 0, NULL);
      ack[i] = (g_get_monotonic_time () - t0) / 1e6;
      wait_until (s, is_paused, 0, NULL);
      idle[i] = (g_get_monotonic_time () - t0) / 1e6;
      printf ("  pause %d: answered after %.3f s, paused after %.3f s\n", i + 1, ack[i], idle[i]);
      fflush (stdout);
    }
  printf ("median: batch %.2f s, answered %.3f s, paused %.3f s (%d pauses)\n",
          median (batch, n_batch), median (ack, pauses), median (idle, pauses), pauses);
  lw_session_free (s);
  lw_run_settings_clear (&st);
  g_free (ack);
  g_free (idle);
  g_free (batch);
  g_rand_free (rand);
  return 0;
}
