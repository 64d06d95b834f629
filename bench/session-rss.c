/* session-rss.c: peak memory of N sessions training side by side on full
 * MNIST, for the shared dataset (src/session/lw-dataset-cache.h).
 *
 *   session-rss N [--separate | --fork] [STEPS]
 *
 * Each session is the default model (MLP 3×1024 predsim, Adam) on one
 * thread and takes STEPS batches (default 20). --separate names the same
 * folder differently for each session ("dir", "dir/", "dir//", …), so the
 * cache keeps one copy per session, as before it existed. --fork makes
 * sessions 2 to N forks of the first after its steps, and says how long
 * each took to arrive (lw_session_new_fork until it is paused). Prints VmHWM
 * and VmRSS of /proc/self/status, the dataset's bytes and a model's
 * parameters with their Adam moments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-model.h"
#include "session/lw-session.h"

static gboolean
is_loaded (LwSession *s)
{
  g_autoptr (LwSnapshot) snap = lw_session_get_snapshot (s);

  if (snap->state == LW_RUN_FAILED)
    g_error ("%s", snap->error);
  return snap->state != LW_RUN_LOADING;
}

static void
print_status (const char *key)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], key))
      printf ("%s\n", lines[i]);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1;
  gboolean separate = argc > 2 && strcmp (argv[2], "--separate") == 0;
  gboolean fork = argc > 2 && strcmp (argv[2], "--fork") == 0;
  int flag = separate || fork;
  guint steps = argc > 2 + flag ? (guint) atoi (argv[2 + flag]) : 20;
  g_autofree char *dir = lw_dataset_find_dir (LW_DATASET_MNIST);
  g_autoptr (GError) error = NULL;
  g_autoptr (LwModel) model = NULL;
  LwSession **sessions;
  LwModelConfig config;

  if (n == 0 || dir == NULL)
    {
      fprintf (stderr, "usage: session-rss N [--separate | --fork] [STEPS] (needs full MNIST)\n");
      return 2;
    }
  sessions = g_new0 (LwSession *, n);
  for (guint i = 0; i < (fork ? 1 : n); i++)
    {
      g_autofree char *slashes = g_strnfill (separate ? i : 0, '/');
      LwRunSettings st;

      lw_run_settings_init (&st);
      st.dataset = LW_DATASET_MNIST;
      st.data_dir = g_strconcat (dir, slashes, NULL);
      st.threads = 1;
      st.eval_samples = 256;
      sessions[i] = lw_session_new (&st, NULL, NULL);
      lw_run_settings_clear (&st);
    }
  for (guint i = 0; i < (fork ? 1 : n); i++)
    {
      while (!is_loaded (sessions[i]))
        g_usleep (10000);
      for (guint k = 0; k < steps; k++)
        lw_session_step (sessions[i]);
    }
  for (guint i = 0; i < (fork ? 1 : n); i++)
    if (!lw_session_sync (sessions[i], 600000))
      g_error ("session %u did not finish its steps", i);
  for (guint i = 1; fork && i < n; i++)
    {
      gint64 start = g_get_monotonic_time ();

      sessions[i] = lw_session_new_fork (sessions[0], NULL, NULL, &error);
      if (sessions[i] == NULL)
        g_error ("%s", error->message);
      while (!is_loaded (sessions[i]))
        g_usleep (1000);
      printf ("fork %u: %.0f ms\n", i, (g_get_monotonic_time () - start) / 1e3);
    }

  /* Measured before the model built below for its size. */
  printf ("%u session(s)%s, %u steps each\n", n,
          separate ? ", separate datasets" : fork ? ", forks of the first" : "", steps);
  print_status ("VmHWM");
  print_status ("VmRSS");
  lw_model_config_init (&config);
  config.in_channels = 1;
  config.in_height = config.in_width = 28;
  config.n_classes = 10;
  model = lw_model_new (&config, &error);
  g_assert_no_error (error);
  printf ("MNIST bytes: %.1f MB; model parameters (with heads): %zu = %.1f MB, with Adam's "
          "two moments %.1f MB\n", (60000.0 + 10000.0) * (784 + 1) / 1e6,
          lw_model_n_params (model, TRUE), lw_model_n_params (model, TRUE) * 4 / 1e6,
          lw_model_n_params (model, TRUE) * 12 / 1e6);
  for (guint i = 0; i < n; i++)
    lw_session_free (sessions[i]);
  g_free (sessions);
  return 0;
}
