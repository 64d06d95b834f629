/* test-app.c: the real Layerwise window under a display (Xvfb in
 * ./run.sh test): play through the window's actions until the layers
 * learn, change the loss and the learning rate while training, pause, and
 * check the engine applied each change; refuse an out-of-range value typed
 * into the learning-rate entry; export every chart. Skips without a
 * display. Every wait has a deadline. */
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "lw-application.h"
#include "lw-export.h"
#include "lw-window-private.h"

#define LOAD_TIMEOUT_S 60
#define LEARN_TIMEOUT_S 90
#define APPLY_TIMEOUT_S 20

static gboolean have_display;

typedef gboolean (*WindowTest) (LwWindow *window, gconstpointer data);

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop (ticks, snapshots, redraws) until test holds for the
 * snapshot the window shows. */
static void
wait_until (LwWindow *window, WindowTest test, gconstpointer data, int timeout_s,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_TIME_SPAN_SECOND;
  guint waker = g_timeout_add (10, wake_up, NULL);

  while (!test (window, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %d s waiting for %s", timeout_s, what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (waker);
}

static const LwSnapshot *
shown (LwWindow *window)
{
  return lw_window_get_shown_snapshot (window);
}

static gboolean
is_state (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == (LwRunState) GPOINTER_TO_INT (data);
}

static gboolean
has_learned (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->step >= 30 && snap->last_train_acc[snap->n_blocks] > 0.5f;
}

static gboolean
changes_applied (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->loss == LW_LOSS_SIM && snap->lr == 1e-3f;
}

static gboolean
step_reached (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->step >= *(const guint64 *) data && snap->state == LW_RUN_PAUSED;
}

static gboolean
has_previous_run (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->n_previous >= 1 && snap->state == LW_RUN_PAUSED;
}

static gboolean
has_mark (const LwSnapshot *snap, LwMarkKind kind)
{
  for (guint m = 0; m < snap->current.n_marks; m++)
    if (snap->current.marks[m].kind == kind)
      return TRUE;
  return FALSE;
}

static void
type_into (GtkEntry *entry, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
}

static void
check_exports (LwWindow *window)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("layerwise-test-XXXXXX", &error);
  g_autofree char *csv_path = NULL;
  g_autofree char *csv = NULL;
  LwCharts *charts = lw_window_get_charts (window);

  g_assert_no_error (error);
  for (guint id = 0; id < LW_N_CHARTS; id++)
    for (LwExportFormat format = LW_EXPORT_PNG; format <= LW_EXPORT_SVG; format++)
      {
        g_autofree char *name = g_strdup_printf ("%s.%s", lw_chart_id_to_string (id),
                                                 lw_export_format_extension (format));
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_autofree char *contents = NULL;
        gsize length;

        g_assert_true (lw_export_chart (charts, id, format, path, 400, 300, &error));
        g_assert_no_error (error);
        g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
        if (format == LW_EXPORT_PNG)
          g_assert_true (length > 8 && memcmp (contents, "\x89PNG", 4) == 0);
        else
          g_assert_nonnull (strstr (contents, "<svg"));
        g_unlink (path);
      }

  csv_path = g_build_filename (dir, "series.csv", NULL);
  g_assert_true (lw_charts_write_csv (charts, csv_path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "run,layer,series,samples,value\n"));
  g_assert_nonnull (strstr (csv, ",output,train_acc,"));
  g_assert_nonnull (strstr (csv, ",block1,loss_sim,"));
  g_unlink (csv_path);
  g_rmdir (dir);
}

static gboolean
find_toplevel_of_type (GType type, GtkWindow **found)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
        {
          *found = w;
          return TRUE;
        }
    }
  return FALSE;
}

/* The shortcuts window and the about dialog open from their actions. */
static void
check_dialogs (LwApplication *app, LwWindow *window)
{
  GtkWindow *dialog = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
  g_assert_true (find_toplevel_of_type (GTK_TYPE_SHORTCUTS_WINDOW, &dialog));
  gtk_window_destroy (dialog);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_assert_true (find_toplevel_of_type (GTK_TYPE_ABOUT_DIALOG, &dialog));
  gtk_window_destroy (dialog);
}

static void
test_window_trains (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autoptr (GError) error = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkEntry *lr_entry;
  const LwSnapshot *snap;
  guint64 step, next;
  gint64 max_chart_us, max_frame_us;
  guint n_frames;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = lw_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  options = lw_application_get_options (app);
  options->preset = g_strdup ("small");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));

  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (LW_IS_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Layerwise");

  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");

  /* Play through the window's action until the layers learn. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  wait_until (window, has_learned, NULL, LEARN_TIMEOUT_S, "the output layer to pass 50%");
  g_assert_cmpint (shown (window)->state, ==, LW_RUN_RUNNING);

  /* Live changes while training. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-loss", "s", "sim");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-lr", "d", 1e-3);
  wait_until (window, changes_applied, NULL, APPLY_TIMEOUT_S, "the loss and rate changes");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.pause", NULL);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), APPLY_TIMEOUT_S, "the pause");
  snap = shown (window);
  g_assert_cmpint (snap->loss, ==, LW_LOSS_SIM);
  g_assert_cmpfloat (snap->lr, ==, 1e-3f);
  g_assert_true (has_mark (snap, LW_MARK_LOSS));
  g_assert_true (has_mark (snap, LW_MARK_LR));
  g_assert_true (has_mark (snap, LW_MARK_PAUSE));

  /* An out-of-range rate typed into the entry is refused where it was
   * typed, and training state stays as it was. */
  lr_entry = lw_controls_panel_get_entry (lw_window_get_controls (window), LW_FIELD_LR);
  step = snap->step;
  type_into (lr_entry, "50");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (lr_entry), "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (GTK_WIDGET (lr_entry)));
  type_into (lr_entry, "fast");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (lr_entry), "error"));
  g_assert_true (lw_session_sync (lw_window_get_session (window), APPLY_TIMEOUT_S * 1000));
  {
    g_autoptr (LwSnapshot) now = lw_session_get_snapshot (lw_window_get_session (window));

    g_assert_cmpfloat (now->lr, ==, 1e-3f);
    g_assert_cmpint (now->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (now->step, ==, step);
  }
  /* A good value clears the error. */
  type_into (lr_entry, "2e-3");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (lr_entry), "error"));

  /* One step, then paused again. */
  next = step + 1;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, step_reached, &next, APPLY_TIMEOUT_S, "one step");
  g_assert_cmpfloat (shown (window)->lr, ==, 2e-3f);

  check_exports (window);
  check_dialogs (app, window);

  /* A reset keeps this run's curves as an earlier run. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, has_previous_run, NULL, LOAD_TIMEOUT_S, "the reset");
  g_assert_cmpint (shown (window)->loss, ==, LW_LOSS_SIM);

  lw_window_get_draw_stats (window, &max_chart_us, &max_frame_us, &n_frames);
  g_test_message ("%u frames, longest chart draw %.2f ms, longest frame %.2f ms",
                  n_frames, max_chart_us / 1000.0, max_frame_us / 1000.0);
  g_assert_cmpuint (n_frames, >, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int argc, char **argv)
{
  /* Xvfb has no GPU: GL through llvmpipe would take the training's CPU. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_test_init (&argc, &argv, NULL);
  /* Criticals stay fatal; warnings do not, since GTK warns on machines
   * without a session bus, which a test display usually is. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  have_display = gtk_init_check ();
  g_test_add_func ("/app/window/trains", test_window_trains);
  return g_test_run ();
}
