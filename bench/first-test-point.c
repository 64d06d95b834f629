/* first-test-point.c: how long after Play the first held-out test point
 * shows, through the session the window uses, with the window's
 * evaluation settings (1,000 held-out images every 200 steps).
 *
 *   _build/bench/first-test-point [--arch mlp] [--threads 2] [--schedule auto] [--runs 3]
 *
 * Prints, for each run (a new session each time), the seconds from Play
 * to the first snapshot with a test point, the step it was taken after,
 * and the median. Not a test: the figures go to bench/README.md. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "session/lw-session.h"

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autofree char *arch = g_strdup ("mlp"), *schedule = g_strdup ("auto");
  int threads = 2, runs = 3;
  GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch, "Network (mlp: 3x1024)", "NAME" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Training threads (2)", "N" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule, "auto, sequential or pipeline", "NAME" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs (3)", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the first test point");
  g_autoptr(GError) error = NULL;
  double *took;
  LwRunSettings st;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "first-test-point: %s\n", error->message);
      return 2;
    }
  lw_run_settings_init (&st);
  if (!lw_arch_from_string (arch, &st.model.arch) || !lw_schedule_from_string (schedule, &st.schedule)
      || threads < 1 || runs < 1)
    {
      fprintf (stderr, "first-test-point: bad --arch, --schedule, --threads or --runs\n");
      return 2;
    }
  lw_arch_default_fc (st.model.arch, &st.model.num_layers, &st.model.num_hidden);
  st.model.lr = lw_arch_default_lr (st.model.arch);
  st.threads = threads;
  st.eval_every = 200;
  st.eval_samples = 1000;
  took = g_new (double, runs);
  printf ("%s, %d thread(s), %s schedule, MNIST subset\n", arch, threads, schedule);
  for (int i = 0; i < runs; i++)
    {
      LwSession *s = lw_session_new (&st, NULL, NULL);
      gint64 t0 = 0;
      guint64 step = 0;

      for (;;)
        {
          g_autoptr(LwSnapshot) snap = lw_session_get_snapshot (s);

          if (t0 == 0 && snap->state == LW_RUN_PAUSED)
            {
              lw_session_play (s);
              t0 = g_get_monotonic_time ();
            }
          if (t0 != 0 && snap->n_blocks > 0 && snap->current.layers[snap->n_blocks].test_acc.n > 0)
            {
              step = (guint64) (snap->current.layers[snap->n_blocks].test_acc.x[0]
                                / st.model.batch_size);
              break;
            }
          g_usleep (2000);
        }
      took[i] = (g_get_monotonic_time () - t0) / 1e6;
      printf ("  run %d: first test point after %.2f s (after step %" G_GUINT64_FORMAT ")\n",
              i + 1, took[i], step);
      fflush (stdout);
      lw_session_free (s);
    }
  qsort (took, runs, sizeof *took, cmp_double);
  printf ("median: %.2f s (%d runs)\n", took[runs / 2], runs);
  g_free (took);
  lw_run_settings_clear (&st);
  return 0;
}
