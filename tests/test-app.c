/* test-app.c: the real Layerwise window under a display (Xvfb in
 * ./run.sh test): play through the window's actions until the layers
 * learn, change the loss and the learning rate while training, pause, and
 * check the engine applied each change; refuse an out-of-range value typed
 * into the learning-rate entry; export every chart. A conv net from its
 * preset: its kernels and feature maps drawn in the window, and New Run
 * switching to an MLP and back through the drop-down. Skips without a
 * display. Every wait has a deadline. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "lw-application.h"
#include "lw-export-dialog.h"
#include "lw-help-window.h"
#include "lw-page-switcher.h"
#include "lw-choices.h"
#include "lw-save-preset-dialog.h"
#include "lw-window-private.h"
#include "app-helpers.h"
#include "window-fit.h"
#include "widgets/lw-chart-confusion.h"
#include "widgets/lw-chart-feature-maps.h"
#include "widgets/lw-chart-gallery.h"
#include "widgets/lw-chart-image-grid.h"
#include "widgets/lw-chart-line.h"
#include "widgets/lw-chart-view.h"
#include "widgets/lw-colors.h"
#include "runfile/lw-run-file.h"
#include "runfile/lw-run-sections.h"
#include "engine/lw-live-controls.h"

#define LOAD_TIMEOUT_S 60
#define LEARN_TIMEOUT_S 90
#define APPLY_TIMEOUT_S 20

static gboolean have_display;
static char *config_dir;

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
step_reached_running (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->step >= GPOINTER_TO_UINT (data);
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

static gboolean
lr_entry_shows (LwWindow *window, gconstpointer text)
{
  GtkEntry *entry = lw_controls_panel_get_entry (lw_window_get_controls (window), LW_FIELD_LR);

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (entry)), text) == 0;
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

/* Every accelerator string the shortcuts window lists, parsed. */
static void
collect_shortcuts (GtkWidget *widget, GHashTable *listed)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accels = NULL;
      g_auto (GStrv) each = NULL;

      g_object_get (widget, "accelerator", &accels, NULL);
      each = g_strsplit (accels != NULL ? accels : "", " ", -1);
      for (guint i = 0; each[i] != NULL; i++)
        {
          guint key;
          GdkModifierType mods;

          if (gtk_accelerator_parse (each[i], &key, &mods))
            g_hash_table_add (listed, gtk_accelerator_name (key, mods));
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, listed);
}

/* The widget's key controller of the given phase (borrowed). */
static GtkEventController *
key_controller (GtkWidget *widget, GtkPropagationPhase phase)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c) && gtk_event_controller_get_propagation_phase (c) == phase)
        return c;
    }
  g_error ("%s has no key controller in phase %d", G_OBJECT_TYPE_NAME (widget), phase);
}

/* A key press as the controller hears it; whether it took the key. */
static gboolean
press_key (GtkEventController *keys, guint keyval)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (keys, "key-pressed", keyval, 0u, (GdkModifierType) 0, &handled);
  return handled;
}

/* The help window's text is longer than the window, and nothing in it
 * takes the focus: the keys scroll it. */
static void
check_help_scrolls (GtkWindow *help)
{
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (
    gtk_widget_get_template_child (GTK_WIDGET (help), LW_TYPE_HELP_WINDOW, "scroller"));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
  GtkEventController *keys = key_controller (GTK_WIDGET (help), GTK_PHASE_CAPTURE);
  double top, bottom;

  settle (300);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), >, gtk_adjustment_get_page_size (adj));
  top = gtk_adjustment_get_value (adj);
  g_assert_true (press_key (keys, GDK_KEY_Page_Down));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, top);
  g_assert_true (press_key (keys, GDK_KEY_End));
  bottom = gtk_adjustment_get_value (adj);
  g_assert_cmpfloat (bottom, ==, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  g_assert_true (press_key (keys, GDK_KEY_Up));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), <, bottom);
  g_assert_true (press_key (keys, GDK_KEY_Home));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), ==, gtk_adjustment_get_lower (adj));
}

/* The shortcuts window lists every accelerator of the application and
 * the window's F11, F5 and Esc; it, the help page (F1) and the about
 * dialog open from their actions. */
static void
check_dialogs (LwApplication *app, LwWindow *window)
{
  g_autoptr (GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  g_auto (GStrv) help_accels = NULL;
  GtkWindow *dialog = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
  g_assert_true (find_toplevel_of_type (GTK_TYPE_SHORTCUTS_WINDOW, &dialog));
  collect_shortcuts (GTK_WIDGET (dialog), listed);
  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                     actions[i]);

      for (guint k = 0; accels[k] != NULL; k++)
        {
          guint key;
          GdkModifierType mods;
          g_autofree char *name = NULL;

          g_assert_true (gtk_accelerator_parse (accels[k], &key, &mods));
          name = gtk_accelerator_name (key, mods);
          if (!g_hash_table_contains (listed, name))
            g_error ("the shortcuts window does not list %s (%s)", accels[k], actions[i]);
        }
    }
  g_assert_true (g_hash_table_contains (listed, "F11"));
  g_assert_true (g_hash_table_contains (listed, "F5"));
  g_assert_true (g_hash_table_contains (listed, "Escape"));
  gtk_window_destroy (dialog);

  /* The application's accelerators are the window's table's. */
  {
    guint n;
    const LwShortcut *table = lw_window_get_shortcuts (&n);

    for (guint j = 0; j < n; j++)
      if (table[j].kind == LW_KEY_APP)
        {
          g_auto (GStrv) installed = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                            table[j].action);
          g_autofree char *joined = g_strjoinv (" ", installed);

          g_assert_cmpstr (joined, ==, table[j].accels);
        }
  }

  help_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help");
  g_assert_cmpstr (help_accels[0], ==, "F1");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help", NULL);
  g_assert_true (find_toplevel_of_type (LW_TYPE_HELP_WINDOW, &dialog));
  check_help_scrolls (dialog);
  gtk_window_destroy (dialog);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_assert_true (find_toplevel_of_type (GTK_TYPE_ABOUT_DIALOG, &dialog));
  gtk_window_destroy (dialog);
}

/* The sidebar's entry for a live control says the range lw-live-controls.h
 * declares, the one the CLI takes (test-cli's /cli/live-control-ranges),
 * and refuses a value just past it with the declaration's message. */
static void
check_live_control_entry (LwWindow *window, LwField field, LwLiveControlId id)
{
  const LwLiveControl *c = lw_live_control_get (id);
  GtkEntry *entry = lw_controls_panel_get_entry (lw_window_get_controls (window), field);
  g_autofree char *range = g_strdup_printf ("%g to %g", c->min, c->max);
  double above = nextafter (c->max, INFINITY);
  g_autofree char *text = g_strdup_printf ("%.17g", above);
  g_autofree char *why = lw_live_control_out_of_range (c, above);
  g_autofree char *was = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));

  g_assert_false (c->min_open || c->max_open);
  if (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (entry)), range) == NULL)
    g_error ("the %s entry's tooltip \"%s\" does not say \"%s\"", c->name,
             gtk_widget_get_tooltip_text (GTK_WIDGET (entry)), range);
  type_into (entry, text);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (entry)), ==, why);
  /* The value it showed changes nothing and clears the error. */
  type_into (entry, was);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
}

static void
test_window_trains (void)
{
  g_autoptr (LwApplication) app = NULL;
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

  app = app_new (&options);
  options->preset = g_strdup ("small");
  window = app_open_window (app);
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
  type_into (lr_entry, "0");
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
  check_live_control_entry (window, LW_FIELD_BETA, LW_LIVE_BETA);
  check_live_control_entry (window, LW_FIELD_DROPOUT, LW_LIVE_DROPOUT);

  /* One step, then paused again. */
  next = step + 1;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, step_reached, &next, APPLY_TIMEOUT_S, "one step");
  g_assert_cmpfloat (shown (window)->lr, ==, 2e-3f);

  /* A rate the entry shows rounded (1.25e-4 as 1.3e-4, as a schedule's
   * milestones make them): Enter on the untouched text keeps the exact
   * rate; a typed 1.3e-4 is 1.3e-4. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-lr", "d", 1.25e-4);
  wait_until (window, lr_entry_shows, "1.3e-4", APPLY_TIMEOUT_S, "the rounded rate");
  g_signal_emit_by_name (lr_entry, "activate");
  g_assert_true (lw_session_sync (lw_window_get_session (window), APPLY_TIMEOUT_S * 1000));
  {
    g_autoptr (LwSnapshot) now = lw_session_get_snapshot (lw_window_get_session (window));

    g_assert_cmpfloat (now->lr, ==, 1.25e-4f);
  }
  gtk_editable_set_text (GTK_EDITABLE (lr_entry), "");
  type_into (lr_entry, "1.3e-4");
  g_assert_true (lw_session_sync (lw_window_get_session (window), APPLY_TIMEOUT_S * 1000));
  {
    g_autoptr (LwSnapshot) now = lw_session_get_snapshot (lw_window_get_session (window));

    g_assert_cmpfloat (now->lr, ==, 1.3e-4f);
  }

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

  app_close (g_steal_pointer (&app), window);
}

static gboolean
runs_on_stages (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_RUNNING && snap->step >= 10
         && snap->n_stages == GPOINTER_TO_UINT (data);
}

static GtkWidget *find_descendant (GtkWidget *widget, GType type, const char *action);

/* --schedule pipeline runs the blocks on pipeline stages; the Training
 * Schedule menu's action switches the running model to sequential steps
 * without stopping it, and the choice stays for the next run. */
static void
test_window_schedule (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *schedule = NULL;
  LwAppOptions *options;
  LwWindow *window;
  guint64 step;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("small");
  options->schedule = g_strdup ("pipeline");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  g_object_get (window, "schedule", &schedule, NULL);
  g_assert_cmpstr (schedule, ==, "pipeline");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  wait_until (window, runs_on_stages, GUINT_TO_POINTER (2), LEARN_TIMEOUT_S, "two pipeline stages");
  /* No-detach's steps cross every block: the switch says they run whole. */
  {
    GtkWidget *check = find_descendant (GTK_WIDGET (window), GTK_TYPE_CHECK_BUTTON,
                                        "win.no-detach");

    g_assert_true (gtk_widget_get_sensitive (check));
    g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (check), "The pipeline runs these "
                                                                   "steps whole"));
  }

  step = shown (window)->step;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.schedule", "s", "sequential");
  wait_until (window, runs_on_stages, GUINT_TO_POINTER (0), APPLY_TIMEOUT_S, "sequential steps");
  g_assert_cmpuint (shown (window)->step, >, step);
  g_assert_cmpuint (shown (window)->schedule, ==, LW_SCHEDULE_SEQUENTIAL);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, has_previous_run, NULL, LOAD_TIMEOUT_S, "the reset");
  g_assert_cmpuint (shown (window)->schedule, ==, LW_SCHEDULE_SEQUENTIAL);

  app_close (g_steal_pointer (&app), window);
}

static void
on_css_error (GtkCssProvider *provider, GtkCssSection *section, GError *error, gpointer data)
{
  g_autofree char *where = gtk_css_section_to_string (section);

  g_error ("style.css: %s: %s", where, error->message);
}

/* The window's style sheet parses whole: a rule left open swallows every
 * rule after it without a word in the window. */
static void
test_style (void)
{
  g_autoptr (GtkCssProvider) css = NULL;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  css = gtk_css_provider_new ();
  g_signal_connect (css, "parsing-error", G_CALLBACK (on_css_error), NULL);
  gtk_css_provider_load_from_resource (css, "/io/github/layerwise/Layerwise/style.css");
}

/* The caption under the rate says "all passed" only of milestones that
 * passed: a run that ends first never reaches the rest. */
static void
test_schedule_caption (void)
{
  LwLrSchedule s;
  g_autofree char *running = NULL, *passed = NULL, *ended = NULL;

  lw_lr_schedule_init (&s);
  g_assert_null (lw_lr_schedule_parse_milestones (&s, "1,5"));
  s.factor = 0.5;
  running = lw_controls_panel_describe_schedule (&s, 3, 5);
  g_assert_cmpstr (running, ==, "×0.5 after epochs 1, 5; next after 5");
  passed = lw_controls_panel_describe_schedule (&s, 6, 0);
  g_assert_cmpstr (passed, ==, "×0.5 after epochs 1, 5; all passed");
  /* Finished at its epoch 1, or at epoch 4 of 5. */
  ended = lw_controls_panel_describe_schedule (&s, 1, 0);
  g_assert_cmpstr (ended, ==, "×0.5 after epochs 1, 5; the run ends before the rest");
  g_free (ended);
  ended = lw_controls_panel_describe_schedule (&s, 4, 0);
  g_assert_cmpstr (ended, ==, "×0.5 after epochs 1, 5; the run ends before the rest");
}

/* Under a bpf loss each block stands under its own target: six such pairs
 * in the page's room at 1,024 x 768 wrap into two rows of three pairs,
 * twice as large as six pairs side by side; without pairs it is as it
 * was (seven matrices, three a row). */
static void
test_similarity_layout (void)
{
  guint rows, cols;
  double cell;

  lw_charts_similarity_layout (12, 6, 612, 600, 64, 0, 0, &rows, &cols, &cell);
  g_assert_cmpuint (rows, ==, 4);
  g_assert_cmpuint (cols, ==, 3);
  g_assert_cmpfloat (cell, ==, 150);
  /* Wide and low: side by side. */
  lw_charts_similarity_layout (12, 6, 1264, 300, 64, 0, 0, &rows, &cols, &cell);
  g_assert_cmpuint (rows, ==, 2);
  g_assert_cmpuint (cols, ==, 6);
  g_assert_cmpfloat (cell, ==, 150);
  lw_charts_similarity_layout (7, 0, 612, 600, 64, 0, 0, &rows, &cols, &cell);
  g_assert_cmpuint (rows, ==, 3);
  g_assert_cmpuint (cols, ==, 3);
  g_assert_cmpfloat (cell, ==, 548.0 / 3);
}

/* The similarity row fills its panel at any shape, a lane's narrow one
 * included: with each matrix's margins (title, padding) and the colour
 * scale counted, the boxes fit, and they take the whole of the limiting
 * direction; the matrices themselves take most of it. */
static void
test_similarity_layout_fills (void)
{
  /* Room around a matrix and the colour scale's, as presentation mode
   * measures them (scale 1.5). */
  const double margin_w = 56, margin_h = 72, bar = 83;

  for (guint n = 2; n <= 7; n++)
    for (double w = 200; w <= 1900; w += 89)
      for (double h = 150; h <= 1000; h += 67)
        {
          guint rows, cols;
          double side, used_w, used_h;

          lw_charts_similarity_layout (n, 0, w, h, bar, margin_w, margin_h, &rows, &cols, &side);
          used_w = cols * (side + margin_w) + bar;
          used_h = rows * (side + margin_h);
          g_assert_cmpuint (rows * cols, >=, n);
          g_assert_cmpfloat (side, >=, 0);
          /* Too small for any matrix (side 0) is only the tiniest panels. */
          if (w >= 400 && h >= 300)
            g_assert_cmpfloat (side, >, 0);
          if (side == 0)
            continue;
          g_assert_cmpfloat (used_w, <=, w + 1e-6);
          g_assert_cmpfloat (used_h, <=, h + 1e-6);
          g_assert_true (used_w >= 0.99 * w || used_h >= 0.99 * h);
        }

  /* Overview in presentation mode at 1,920 x 1,080: four matrices in a
   * 623 x 475 panel, two by two, each over a third of the panel's height
   * (they were a fifth). */
  {
    guint rows, cols;
    double side;

    lw_charts_similarity_layout (4, 0, 623, 475, bar, margin_w, margin_h, &rows, &cols, &side);
    g_assert_cmpuint (rows, ==, 2);
    g_assert_cmpuint (cols, ==, 2);
    g_assert_cmpfloat (side, >=, 475 / 3.0);
  }
}

/* ---- conv nets ---------------------------------------------------------- */

/* Every preset builds: the architecture it names, blocks the model
 * accepts; --preset takes each id and refuses others. */
static void
test_presets (void)
{
  gboolean have_conv = FALSE;

  for (guint i = 0; i < lw_choices_n_presets (); i++)
    {
      const LwPreset *p = lw_choices_get_preset (i);
      LwModelConfig config;
      g_autoptr (LwModel) model = NULL;
      g_autoptr (GError) error = NULL;
      int found;

      lw_model_config_init (&config);
      config.batch_size = 2;
      lw_choices_apply_preset (p, &config);
      g_assert_true (lw_choices_lookup_preset (p->id) == p);
      /* The first of its network (a paper's recipe shares one with a
       * plain preset). */
      found = lw_choices_find_preset (p->arch, p->num_layers, p->num_hidden);
      g_assert_cmpint (found, >=, 0);
      g_assert_cmpint (found, <=, (int) i);
      g_assert_cmpint (lw_choices_get_preset (found)->num_hidden, ==, p->num_hidden);
      model = lw_model_new (&config, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lw_model_n_blocks (model), ==, lw_model_config_n_blocks (&config));
      have_conv |= lw_arch_is_conv (p->arch);
    }
  g_assert_true (have_conv);
  g_assert_cmpint (lw_choices_lookup_preset ("vgg-mini")->arch, ==, LW_ARCH_VGG_MINI);
  g_assert_cmpint (lw_choices_lookup_preset ("vgg8b")->arch, ==, LW_ARCH_VGG8B);
  g_assert_null (lw_choices_lookup_preset ("vgg9"));
  g_assert_cmpint (lw_choices_find_preset (LW_ARCH_VGG_MINI, 3, 1024), ==, -1);

  if (g_test_subprocess ())
    {
      char *argv[] = { (char *) "layerwise", (char *) "--preset", (char *) "vgg9", NULL };
      g_autoptr (LwApplication) app = lw_application_new ();

      exit (g_application_run (G_APPLICATION (app), 3, argv));
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*unknown preset*vgg9*");
}

/* A view as the window paints it, read back as ARGB32 pixels. */
typedef struct {
  int width, height;
  gsize stride;
  guchar *data;
} Shot;

static void
shoot (GtkWidget *view, Shot *shot)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (view);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (view));

  shot->width = gtk_widget_get_width (view);
  shot->height = gtk_widget_get_height (view);
  g_assert_cmpint (shot->width, >, 100);
  g_assert_cmpint (shot->height, >, 100);
  gdk_paintable_snapshot (paintable, snapshot, shot->width, shot->height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, shot->width, shot->height));
  shot->stride = (gsize) shot->width * 4;
  shot->data = g_malloc (shot->stride * shot->height);
  gdk_texture_download (texture, shot->data, shot->stride);
}

static void
pixel (const Shot *shot, int x, int y, int *r, int *g, int *b)
{
  const guchar *p = shot->data + (gsize) y * shot->stride + (gsize) x * 4;

  /* GDK_MEMORY_DEFAULT: B, G, R, A; the views are opaque. */
  *b = p[0];
  *g = p[1];
  *r = p[2];
}

/* Pixels of strong colour (weights, kernels, maps; not text or frames)
 * in [x0, x1) x [y0, y1). */
static guint
count_colourful (const Shot *shot, int x0, int y0, int x1, int y1)
{
  guint n = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        int r, g, b;

        pixel (shot, x, y, &r, &g, &b);
        n += MAX (r, MAX (g, b)) - MIN (r, MIN (g, b)) > 60;
      }
  return n;
}

/* Pixels of colour c laid over white at some strength, as the activations
 * of layer c are drawn; their mean row in *mean_y. */
static guint
count_layer_colour (const Shot *shot, int x0, int x1, LwColor c, double *mean_y)
{
  double d[3] = { c.r * 255 - 255, c.g * 255 - 255, c.b * 255 - 255 };
  double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], sum_y = 0.0;
  guint n = 0;

  for (int y = 0; y < shot->height; y++)
    for (int x = x0; x < x1; x++)
      {
        int r, g, b;
        double p[3], t, residual = 0.0;

        pixel (shot, x, y, &r, &g, &b);
        p[0] = r - 255.0;
        p[1] = g - 255.0;
        p[2] = b - 255.0;
        t = (p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / dd;
        for (guint i = 0; i < 3; i++)
          residual += (p[i] - t * d[i]) * (p[i] - t * d[i]);
        if (t >= 0.4 && t <= 1.05 && sqrt (residual) <= 14.0)
          {
            n++;
            sum_y += y;
          }
      }
  *mean_y = n > 0 ? sum_y / n : NAN;
  return n;
}

static gboolean
is_conv_paused (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->arch == LW_ARCH_VGG_MINI
         && snap->filters != NULL && snap->step >= GPOINTER_TO_UINT (data);
}

static gboolean
shows_newest (LwWindow *window, gconstpointer data)
{
  g_autoptr (LwSnapshot) newest = lw_session_get_snapshot (lw_window_get_session (window));
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->serial == newest->serial;
}

static gboolean
is_mlp_paused (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->arch == LW_ARCH_MLP
         && snap->filters != NULL;
}

/* The conv net's pictures as the window draws them: the kernels fill
 * their view with colour, and each conv block's feature maps show in its
 * layer's colour, block 1 at the top, in the part of the view right of
 * the probe image and the labels. */
static void
check_conv_pictures (LwWindow *window)
{
  GtkWidget *filters = lw_window_get_view (window, "filters_filters");
  GtkWidget *probe = lw_window_get_view (window, "filters_probe");
  LwCharts *charts = lw_window_get_charts (window);
  const LwImageGrid *grid;
  gconstpointer data;
  Shot shot;
  double last_y = -1.0;
  guint ink;

  lw_charts_get_draw (charts, LW_CHART_FILTERS, &data);
  grid = data;
  g_assert_cmpuint (grid->n_images, ==, 16);
  g_assert_cmpuint (grid->channels, ==, 1);
  g_assert_cmpuint (grid->height, ==, 3);
  g_assert_cmpuint (grid->width, ==, 3);
  g_assert_true (lw_chart_view_get_data (LW_CHART_VIEW (filters)) == grid);

  /* The feature maps take the page's height from the few small kernels. */
  g_assert_false (gtk_widget_get_vexpand (filters));
  g_assert_true (gtk_widget_get_vexpand (probe));
  g_assert_cmpint (gtk_widget_get_height (probe), >, gtk_widget_get_height (filters));

  shoot (filters, &shot);
  ink = count_colourful (&shot, 0, 0, shot.width, shot.height);
  g_test_message ("kernels view %dx%d: %u coloured pixels", shot.width, shot.height, ink);
  g_assert_cmpuint (ink, >, (guint) (shot.width * shot.height / 4));
  g_free (shot.data);

  shoot (probe, &shot);
  for (guint b = 0; b < 3; b++)
    {
      double mean_y;
      guint n = count_layer_colour (&shot, shot.width * 45 / 100, shot.width,
                                    lw_color_layer (b), &mean_y);

      g_test_message ("feature maps of block %u: %u pixels, mean row %.0f", b + 1, n, mean_y);
      g_assert_cmpuint (n, >, 300);
      g_assert_cmpfloat (mean_y, >, last_y);
      last_y = mean_y;
    }
  g_free (shot.data);
}

static void
select_preset (LwWindow *window, const char *id)
{
  GtkDropDown *dropdown = lw_controls_panel_get_preset_dropdown (lw_window_get_controls (window));
  const LwPreset *preset = lw_choices_lookup_preset (id);

  for (guint i = 0; i < lw_choices_n_presets (); i++)
    if (lw_choices_get_preset (i) == preset)
      gtk_drop_down_set_selected (dropdown, i);
  g_assert_true (lw_choices_get_preset (gtk_drop_down_get_selected (dropdown)) == preset);
}

static void
test_window_conv (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkWidget *filters, *probe;
  guint draws;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("vgg-mini");
  options->page = g_strdup ("filters");
  window = app_open_window (app);
  filters = lw_window_get_view (window, "filters_filters");
  probe = lw_window_get_view (window, "filters_probe");

  wait_until (window, is_conv_paused, GUINT_TO_POINTER (0), LOAD_TIMEOUT_S, "the conv net");
  g_assert_cmpuint (shown (window)->n_blocks, ==, 4);
  /* vgg-mini starts at its own rate, tuned for one fast epoch. */
  g_assert_cmpfloat (shown (window)->lr, ==, lw_arch_default_lr (LW_ARCH_VGG_MINI));

  /* Two steps, the second right after the first one's pictures: its
   * pictures are held back for a moment, then drawn, though no snapshot
   * follows them while paused. */
  for (int i = 0; i < 2; i++)
    {
      draws = lw_chart_view_get_n_draws (LW_CHART_VIEW (probe));
      gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
      g_assert_true (lw_session_sync (lw_window_get_session (window), APPLY_TIMEOUT_S * 1000));
      wait_until (window, shows_newest, NULL, APPLY_TIMEOUT_S, "the step's snapshot");
    }
  settle (700);
  g_assert_cmpuint (lw_chart_view_get_n_draws (LW_CHART_VIEW (probe)), >, draws);
  g_assert_cmpuint (shown (window)->step, ==, 2);
  check_conv_pictures (window);

  /* New Run with an MLP from the drop-down: its filters and strips. */
  select_preset (window, "3x256");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, is_mlp_paused, NULL, LOAD_TIMEOUT_S, "the MLP");
  settle (600);
  {
    const LwSnapshot *snap = shown (window);
    const LwImageGrid *grid;
    gconstpointer data;
    Shot shot;

    g_assert_cmpuint (snap->n_blocks, ==, 3);
    /* Another network: its own rate, not the conv net's. */
    g_assert_cmpfloat (snap->lr, ==, lw_arch_default_lr (LW_ARCH_MLP));
    g_assert_cmpuint (snap->n_previous, ==, 1);
    g_assert_cmpuint (snap->previous[0].n_layers, ==, 5);
    lw_charts_get_draw (lw_window_get_charts (window), LW_CHART_FILTERS, &data);
    grid = data;
    g_assert_cmpuint (grid->width, ==, 28);
    g_assert_cmpuint (grid->n_images, ==, 256);
    g_assert_true (gtk_widget_get_vexpand (filters));
    g_assert_false (gtk_widget_get_vexpand (probe));
    shoot (filters, &shot);
    g_assert_cmpuint (count_colourful (&shot, 0, 0, shot.width, shot.height), >,
                      (guint) (shot.width * shot.height / 10));
    g_free (shot.data);
  }

  /* And back: a conv net again, trained a little by Play. */
  select_preset (window, "vgg-mini");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, is_conv_paused, GUINT_TO_POINTER (0), LOAD_TIMEOUT_S, "vgg-mini again");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  wait_until (window, step_reached_running, GUINT_TO_POINTER (3), LEARN_TIMEOUT_S, "three steps");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.pause", NULL);
  wait_until (window, is_conv_paused, GUINT_TO_POINTER (3), APPLY_TIMEOUT_S, "the pause");
  settle (600);
  g_assert_cmpuint (shown (window)->n_previous, ==, 1);
  check_conv_pictures (window);
  check_exports (window);

  app_close (g_steal_pointer (&app), window);
}

static gboolean
is_paused_with_blocks (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->n_blocks == GPOINTER_TO_UINT (data);
}

static gboolean
prefers_dark (void)
{
  gboolean dark;

  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark;
}

static gboolean
has_predictions_after_step (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->predictions != NULL && snap->predictions->step >= 40
         && snap->state == LW_RUN_PAUSED;
}

static gboolean
probe_is (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->probe_image_index == GPOINTER_TO_UINT (data);
}

/* Where the image's tile lies: the mean of the points that hit it. */
static void
tile_center (const LwGallery *g, int width, int height, guint image, double *x, double *y)
{
  double sx = 0.0, sy = 0.0;
  guint n = 0;

  for (int py = 0; py < height; py += 2)
    for (int px = 0; px < width; px += 2)
      if (lw_gallery_hit (g, width, height, px, py) == (int) image)
        {
          sx += px;
          sy += py;
          n++;
        }
  g_assert_cmpuint (n, >, 0);
  *x = sx / n;
  *y = sy / n;
}

/* The gallery's model as the window draws it now. */
static const LwGallery *
gallery_model (LwWindow *window)
{
  gconstpointer data;

  lw_charts_get_draw (lw_window_get_charts (window), LW_CHART_GALLERY, &data);
  return data;
}

/* The keyboard's cursor is on image, drawn, and named in the gallery's
 * accessible description and in the line above it. */
static void
assert_cursor_on (LwWindow *window, guint image)
{
  g_autofree char *words = lw_charts_describe_gallery_image (lw_window_get_charts (window), image);
  GtkLabel *hint = lw_predictions_page_get_hint (lw_window_get_predictions_page (window));

  g_assert_true (gallery_model (window)->show_cursor);
  g_assert_cmpuint (gallery_model (window)->cursor, ==, image);
  g_assert_nonnull (words);
  g_assert_true (g_str_has_prefix (lw_window_get_description (window, LW_CHART_GALLERY), words));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (hint), words));
}

static guint64
confusion_total (const LwConfusion *c)
{
  guint64 sum = 0;

  for (guint i = 0; i < c->n_classes * c->n_classes; i++)
    sum += c->counts[i];
  return sum;
}

/* The Predictions page: the confusion matrix of the layer chosen in the
 * drop-down counts every held-out image; a click on a test image in the
 * gallery makes it the probe image of the filters page. */
/* The gallery hides its cursor once the focus has left it (the focus
 * change reaches it through the main loop). */
static gboolean
cursor_hidden (LwWindow *window, gconstpointer data)
{
  return !gallery_model (window)->show_cursor;
}

static void
test_window_predictions (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;
  LwCharts *charts;
  GtkWidget *gallery_view;
  LwPredictionsPage *page;
  GtkDropDown *layers;
  const LwConfusion *confusion;
  const LwGallery *gallery;
  const LwPredictions *p;
  gconstpointer data;
  int width, height, clicked = -1;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  options->page = g_strdup ("predictions");
  window = app_open_window (app);
  charts = lw_window_get_charts (window);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");

  for (guint i = 0; i < 40; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, has_predictions_after_step, NULL, APPLY_TIMEOUT_S, "predictions at step 40");
  settle (600);
  p = shown (window)->predictions;

  /* The output layer first, then the one block. */
  page = lw_window_get_predictions_page (window);
  layers = lw_predictions_page_get_layer_dropdown (page);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (layers)), ==, 2);
  lw_charts_get_draw (charts, LW_CHART_CONFUSION, &data);
  confusion = data;
  g_assert_cmpuint (confusion->n_classes, ==, 10);
  g_assert_cmpuint (confusion_total (confusion), ==, p->n);
  g_assert_true (confusion->counts == lw_predictions_confusion (p, 1));
  gtk_drop_down_set_selected (layers, 1);
  lw_charts_get_draw (charts, LW_CHART_CONFUSION, &data);
  confusion = data;
  g_assert_true (confusion->counts == lw_predictions_confusion (p, 0));
  g_assert_cmpuint (confusion_total (confusion), ==, p->n);

  /* The gallery starts with block 1's mistakes; a click on the first
   * image shown picks it as the probe. */
  lw_charts_get_draw (charts, LW_CHART_GALLERY, &data);
  gallery = data;
  g_assert_cmpuint (gallery->n_images, ==, p->n);
  g_assert_cmpuint (gallery->labels[gallery->order[0]], !=, gallery->predicted[gallery->order[0]]);
  gallery_view = lw_window_get_view (window, "predictions_gallery");
  g_assert_true (gtk_widget_get_mapped (gallery_view));
  width = gtk_widget_get_width (gallery_view);
  height = gtk_widget_get_height (gallery_view);
  g_assert_cmpint (lw_predictions_page_click_gallery (page, 1, 1), ==, -1);
  for (int y = 0; y < height && clicked < 0; y += 4)
    for (int x = 0; x < width && clicked < 0; x += 4)
      if (lw_gallery_hit (gallery, width, height, x, y) >= 0)
        clicked = lw_predictions_page_click_gallery (page, x + 8, y + 8);
  g_assert_cmpint (clicked, ==, (int) gallery->order[0]);
  g_assert_cmpint (clicked, !=, 0);
  wait_until (window, probe_is, GUINT_TO_POINTER (clicked), APPLY_TIMEOUT_S, "the clicked probe");
  g_assert_cmpuint (lw_window_get_shown_snapshot (window)->probe_image_index, ==, (guint) clicked);

  /* The keyboard does what the mouse does. The click gave the gallery the
   * focus; arrows, Home and End move a cursor from image to image as they
   * are laid out, each named as it is reached; Space and Enter make the
   * cursor's image the probe image, and reach the gallery rather than the
   * window's Play (Space) and Step (Right). */
  {
    GtkEventController *gallery_keys = key_controller (gallery_view, GTK_PHASE_BUBBLE);
    GtkEventController *window_keys = key_controller (GTK_WIDGET (window), GTK_PHASE_CAPTURE);
    guint n_shown = lw_gallery_n_shown (gallery, width, height);
    guint second = gallery->order[1], below;

    g_assert_true (gtk_widget_get_focusable (gallery_view));
    g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) == gallery_view);
    g_assert_false (press_key (window_keys, GDK_KEY_Right));
    g_assert_true (press_key (gallery_keys, GDK_KEY_Right));
    g_assert_true (gtk_window_get_focus_visible (GTK_WINDOW (window)));
    assert_cursor_on (window, second);
    g_assert_true (press_key (gallery_keys, GDK_KEY_Down));
    below = gallery_model (window)->cursor;
    g_assert_cmpint (lw_gallery_position (gallery_model (window), width, height, below), >, 2);
    {
      double x_second, y_second, x_below, y_below;

      tile_center (gallery_model (window), width, height, second, &x_second, &y_second);
      tile_center (gallery_model (window), width, height, below, &x_below, &y_below);
      g_assert_cmpfloat (fabs (x_below - x_second), <, 1.0);
      g_assert_cmpfloat (y_below, >, y_second + 10.0);
    }
    assert_cursor_on (window, below);
    g_assert_true (press_key (gallery_keys, GDK_KEY_Up));
    assert_cursor_on (window, second);
    g_assert_true (press_key (gallery_keys, GDK_KEY_End));
    assert_cursor_on (window, gallery_model (window)->order[n_shown - 1]);
    g_assert_true (press_key (gallery_keys, GDK_KEY_Home));
    assert_cursor_on (window, gallery_model (window)->order[0]);
    g_assert_true (press_key (gallery_keys, GDK_KEY_Right));
    g_assert_false (press_key (window_keys, GDK_KEY_space));
    g_assert_true (press_key (gallery_keys, GDK_KEY_space));
    wait_until (window, probe_is, GUINT_TO_POINTER (second), APPLY_TIMEOUT_S, "the probe by Space");
    g_assert_cmpint (shown (window)->state, ==, LW_RUN_PAUSED);
    g_assert_cmpuint (shown (window)->step, ==, 40);
    g_assert_true (press_key (gallery_keys, GDK_KEY_Down));
    g_assert_true (press_key (gallery_keys, GDK_KEY_Return));
    wait_until (window, probe_is, GUINT_TO_POINTER (below), APPLY_TIMEOUT_S, "the probe by Enter");
    clicked = (int) below;

    /* Leaving the gallery hides the cursor and the line says what to do. */
    gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD);
    g_assert_false (gtk_root_get_focus (GTK_ROOT (window)) == gallery_view);
    wait_until (window, cursor_hidden, NULL, APPLY_TIMEOUT_S, "the gallery's cursor to go");
    g_assert_nonnull (strstr (gtk_label_get_text (lw_predictions_page_get_hint (
                                lw_window_get_predictions_page (window))),
                              "arrow keys"));
  }

  /* The charts' accessible descriptions state the values shown, and
   * follow the data. */
  {
    g_autofree char *before = g_strdup (lw_window_get_description (window, LW_CHART_ACCURACY));
    g_autofree char *probe = g_strdup_printf ("Test image %d,", clicked);
    guint64 step = 50;
    const char *after;

    g_assert_nonnull (strstr (before, "After 5120 samples"));
    g_assert_nonnull (strstr (before, "output: training "));
    g_assert_nonnull (strstr (lw_window_get_description (window, LW_CHART_CONFUSION),
                              "right on 1000 test images"));
    g_assert_nonnull (strstr (lw_window_get_description (window, LW_CHART_PROBE), probe));
    g_assert_nonnull (strstr (lw_window_get_description (window, LW_CHART_LOSS),
                              "output cross-entropy"));
    for (guint i = 0; i < 10; i++)
      gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
    wait_until (window, step_reached, &step, APPLY_TIMEOUT_S, "ten more steps");
    settle (300);
    after = lw_window_get_description (window, LW_CHART_ACCURACY);
    g_assert_cmpstr (after, !=, before);
    g_assert_nonnull (strstr (after, "After 6400 samples"));
  }

  app_close (g_steal_pointer (&app), window);
}

static gboolean
loss_is_sim (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->loss == LW_LOSS_SIM;
}

static LwSavePresetDialog *
open_save_dialog (LwWindow *window)
{
  GtkWindow *dialog = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-preset", NULL);
  g_assert_true (find_toplevel_of_type (LW_TYPE_SAVE_PRESET_DIALOG, &dialog));
  return LW_SAVE_PRESET_DIALOG (dialog);
}

/* "Save Current Settings as Preset…": names are checked, a preset of the
 * user's is replaced only when confirmed, and what was saved comes back
 * as a preset of the drop-down with the window's settings. */
static void
test_window_save_preset (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  LwAppOptions *options;
  LwWindow *window;
  LwSavePresetDialog *dialog;
  GtkDropDown *networks;
  const LwPreset *saved;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");

  /* The live loss, dropout and schedule, and the next run's batch size
   * and seed. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-dropout", "d", 0.25);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-lr-schedule", "(sd)", "3, 6", 0.5);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-loss", "s", "sim");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-batch-size", "u", 64);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-seed", "t", (guint64) 7);
  wait_until (window, loss_is_sim, NULL, APPLY_TIMEOUT_S, "the loss change");

  dialog = open_save_dialog (window);
  /* The summary says what the preset will hold beyond the network and its
   * run: here the dropout and the schedule, and no epoch limit. */
  g_test_message ("summary: %s", lw_save_preset_dialog_get_summary (dialog));
  g_assert_nonnull (strstr (lw_save_preset_dialog_get_summary (dialog),
                            "\ndropout 0.25, relu, lr ×0.5 after epochs 3, 6"));
  g_assert_null (strstr (lw_save_preset_dialog_get_summary (dialog), "epochs,"));
  /* A conv net's recipe names its heads' pooling and the epoch limit. */
  {
    LwSavePresetDialog *paper =
      lw_save_preset_dialog_new (GTK_WINDOW (window), lw_choices_lookup_preset ("paper-vgg8b-mnist"),
                                 lw_choices_get_presets (), "/nonexistent/presets.ini");

    g_assert_true (g_str_has_suffix (lw_save_preset_dialog_get_summary (paper),
                                     "\ndropout 0.2, leakyrelu, pred heads 1024 inputs, "
                                     "lr ×0.25 after epochs 50, 75, 89, 94, 100 epochs"));
    gtk_window_destroy (GTK_WINDOW (paper));
  }
  g_assert_false (lw_save_preset_dialog_save (dialog));
  g_assert_nonnull (strstr (lw_save_preset_dialog_get_message (dialog), "name"));
  gtk_editable_set_text (lw_save_preset_dialog_get_entry (dialog), "3x256");
  g_assert_false (lw_save_preset_dialog_save (dialog));
  g_assert_nonnull (strstr (lw_save_preset_dialog_get_message (dialog), "built-in"));
  gtk_editable_set_text (lw_save_preset_dialog_get_entry (dialog), "a[b");
  g_assert_false (lw_save_preset_dialog_save (dialog));
  gtk_editable_set_text (lw_save_preset_dialog_get_entry (dialog), " sim class ");
  g_assert_true (lw_save_preset_dialog_save (dialog));

  saved = lw_choices_lookup_preset ("sim class");
  g_assert_nonnull (saved);
  g_assert_true (saved->user);
  g_assert_cmpint (saved->arch, ==, LW_ARCH_MLP);
  g_assert_cmpuint (saved->num_layers, ==, 1);
  g_assert_cmpuint (saved->num_hidden, ==, 256);
  g_assert_cmpint (saved->dataset, ==, LW_DATASET_MNIST_SUBSET);
  g_assert_cmpint (saved->loss, ==, LW_LOSS_SIM);
  g_assert_cmpuint (saved->batch_size, ==, 64);
  g_assert_cmpuint (saved->seed, ==, 7);
  g_assert_cmpfloat (saved->dropout, ==, 0.25);
  g_assert_cmpuint (saved->lr_schedule.n_milestones, ==, 2);
  g_assert_cmpuint (saved->lr_schedule.milestones[1], ==, 6);
  g_assert_cmpfloat (saved->lr_schedule.factor, ==, 0.5);
  /* No epoch limit was set: none is saved. */
  g_assert_false (saved->sets & LW_PRESET_SETS_EPOCHS);
  networks = lw_controls_panel_get_preset_dropdown (lw_window_get_controls (window));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (networks)), ==,
                    lw_choices_n_presets ());
  g_assert_true (lw_choices_get_preset (gtk_drop_down_get_selected (networks)) == saved);
  path = lw_preset_user_path ();
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "[sim class]"));
  g_assert_nonnull (strstr (text, "loss=sim"));
  g_assert_nonnull (strstr (text, "lr-milestones=3,6\n"));
  g_assert_nonnull (strstr (text, "dropout=0.25\n"));

  /* The same name again: replaced only on the second press. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-seed", "t", (guint64) 8);
  dialog = open_save_dialog (window);
  gtk_editable_set_text (lw_save_preset_dialog_get_entry (dialog), "sim class");
  g_assert_false (lw_save_preset_dialog_save (dialog));
  g_assert_nonnull (strstr (lw_save_preset_dialog_get_message (dialog), "Replace"));
  g_assert_cmpuint (lw_choices_lookup_preset ("sim class")->seed, ==, 7);
  g_assert_true (lw_save_preset_dialog_save (dialog));
  g_assert_cmpuint (lw_choices_lookup_preset ("sim class")->seed, ==, 8);

  g_unlink (path);
  lw_choices_reload_presets ();
  app_close (g_steal_pointer (&app), window);
}

/* The action of the window's own shortcut for keyval, or NULL. */
static char *
shortcut_action (LwWindow *window, guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));

  for (guint c = 0; c < g_list_model_get_n_items (controllers); c++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, c);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (controller)); i++)
        {
          g_autoptr (GtkShortcut) s = g_list_model_get_item (G_LIST_MODEL (controller), i);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (s);
          GtkShortcutAction *action = gtk_shortcut_get_action (s);

          if (GTK_IS_KEYVAL_TRIGGER (trigger)
              && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval
              && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0
              && GTK_IS_NAMED_ACTION (action))
            return g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)));
        }
    }
  return NULL;
}

/* A held-out test is done, and the run is in the state data says. */
static gboolean
has_tested (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && isfinite (snap->last_test_acc[snap->n_blocks])
         && snap->state == (LwRunState) GPOINTER_TO_INT (data);
}

/* F11 (and F5) toggle presentation mode: the charts' type and lines
 * larger, the controls slid away, the key numbers large; Esc leaves it
 * and brings the controls back. */
static void
test_window_presentation (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *f11 = NULL;
  g_autofree char *f5 = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkRevealer *sidebar, *key_numbers;
  GtkLabel *accuracy;
  gconstpointer data;
  gboolean presentation;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");

  f11 = shortcut_action (window, GDK_KEY_F11);
  f5 = shortcut_action (window, GDK_KEY_F5);
  g_assert_cmpstr (f11, ==, "win.presentation");
  g_assert_cmpstr (f5, ==, "win.presentation");

  sidebar = GTK_REVEALER (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW, "sidebar"));
  key_numbers = GTK_REVEALER (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                             "key_numbers"));
  accuracy = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                       "key_accuracy"));
  g_assert_true (gtk_revealer_get_reveal_child (sidebar));
  g_assert_false (gtk_revealer_get_reveal_child (key_numbers));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.presentation", NULL);
  g_object_get (window, "presentation", &presentation, NULL);
  g_assert_true (presentation);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window), "presentation"));
  g_assert_false (gtk_revealer_get_reveal_child (sidebar));
  g_assert_true (gtk_revealer_get_reveal_child (key_numbers));
  for (LwChartId id = 0; id < LW_N_CHARTS; id++)
    {
      lw_charts_get_draw (lw_window_get_charts (window), id, &data);
      /* Each model type keeps its presentation factor in its scale. */
      if (id == LW_CHART_ACCURACY || id == LW_CHART_LOSS)
        g_assert_cmpfloat (((const LwLineChart *) data)->scale, >, 1.2);
      else if (id == LW_CHART_CONFUSION)
        g_assert_cmpfloat (((const LwConfusion *) data)->scale, >, 1.2);
      else if (id == LW_CHART_GALLERY)
        g_assert_cmpfloat (((const LwGallery *) data)->scale, >, 1.2);
      else if (id == LW_CHART_FILTERS)
        g_assert_cmpfloat (((const LwImageGrid *) data)->scale, >, 1.2);
    }

  /* The output layer's test accuracy, large, once it has been tested. */
  for (guint i = 0; i < 200; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, has_tested, GINT_TO_POINTER (LW_RUN_PAUSED), APPLY_TIMEOUT_S * 3,
              "a held-out test");
  settle (300);
  g_assert_nonnull (strstr (gtk_label_get_text (accuracy), "%"));
  g_assert_nonnull (strstr (gtk_label_get_text (accuracy), "Test"));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-presentation", NULL);
  g_object_get (window, "presentation", &presentation, NULL);
  g_assert_false (presentation);
  g_assert_true (gtk_revealer_get_reveal_child (sidebar));
  g_assert_false (gtk_revealer_get_reveal_child (key_numbers));
  lw_charts_get_draw (lw_window_get_charts (window), LW_CHART_ACCURACY, &data);
  g_assert_cmpfloat (((const LwLineChart *) data)->scale, ==, 1.0);

  app_close (g_steal_pointer (&app), window);
}

/* ---- presentation mode's controls and width ---------------------------- */

static GtkRevealer *
presentation_bar (LwWindow *window)
{
  return GTK_REVEALER (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                      "presentation_bar"));
}

static gboolean
bar_revealed (LwWindow *window, gconstpointer data)
{
  GtkRevealer *bar = presentation_bar (window);

  return gtk_revealer_get_reveal_child (bar) == GPOINTER_TO_INT (data)
         && gtk_revealer_get_child_revealed (bar) == GPOINTER_TO_INT (data);
}

/* The first descendant of widget of the given type (and action, if not
 * NULL), or NULL. */
static GtkWidget *
find_descendant (GtkWidget *widget, GType type, const char *action)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type)
          && (action == NULL || g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)),
                                           action) == 0))
        return child;
      if ((found = find_descendant (child, type, action)) != NULL)
        return found;
    }
  return NULL;
}

/* The first label under widget whose text has text in it, or NULL. */
static GtkWidget *
find_label_with (GtkWidget *widget, const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && strstr (gtk_label_get_text (GTK_LABEL (child)), text) != NULL)
        return child;
      if ((found = find_label_with (child, text)) != NULL)
        return found;
    }
  return NULL;
}


/* A shown message (data: part of its text) has its place in the layout. */
static gboolean
error_laid_out (LwWindow *window, gconstpointer data)
{
  GtkWidget *label = find_label_with (GTK_WIDGET (window), data);

  return label != NULL && gtk_widget_get_mapped (label) && gtk_widget_get_height (label) > 0;
}

/* Two widgets of the window that do not cover each other. */
static void
assert_apart (LwWindow *window, GtkWidget *a, GtkWidget *b)
{
  graphene_rect_t ra, rb;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (gtk_widget_compute_bounds (a, GTK_WIDGET (window), &ra));
  g_assert_true (gtk_widget_compute_bounds (b, GTK_WIDGET (window), &rb));
  if (graphene_rect_intersection (&ra, &rb, NULL))
    g_error ("%s at (%g, %g, %g x %g) covers %s at (%g, %g, %g x %g)",
             G_OBJECT_TYPE_NAME (a), ra.origin.x, ra.origin.y, ra.size.width, ra.size.height,
             G_OBJECT_TYPE_NAME (b), rb.origin.x, rb.origin.y, rb.size.width, rb.size.height);
}
/* The controller of that name on widget (borrowed). */
static GtkEventController *
controller_named (GtkWidget *widget, const char *name)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (c), name) == 0)
        return c;
    }
  g_error ("%s has no controller %s", G_OBJECT_TYPE_NAME (widget), name);
}

/* A control a presenter can hit: on screen, working, inside the window,
 * at least 48 px each way. */
static void
assert_reachable (LwWindow *window, GtkWidget *control)
{
  graphene_rect_t r;

  g_assert_nonnull (control);
  g_assert_true (gtk_widget_get_mapped (control));
  g_assert_true (gtk_widget_is_visible (control));
  g_assert_true (gtk_widget_is_sensitive (control));
  g_assert_true (gtk_widget_compute_bounds (control, GTK_WIDGET (window), &r));
  g_assert_cmpfloat (r.origin.x, >=, 0);
  g_assert_cmpfloat (r.origin.y, >=, 0);
  g_assert_cmpfloat (r.origin.x + r.size.width, <=, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_cmpfloat (r.origin.y + r.size.height, <=, gtk_widget_get_height (GTK_WIDGET (window)));
  g_assert_cmpfloat (r.size.width, >=, 48);
  g_assert_cmpfloat (r.size.height, >=, 48);
}

static double
font_size (GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);

  return pango_font_description_get_size (pango_context_get_font_description (context))
         / (double) PANGO_SCALE;
}

/* The type of a popover's item, shown, against the window's. */
static void
assert_popover_type_large (LwWindow *window, GtkPopover *popover, const char *item)
{
  GtkWidget *label;

  gtk_popover_popup (popover);
  settle (300);
  label = find_label_with (GTK_WIDGET (popover), item);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_mapped (label));
  g_assert_cmpfloat (font_size (label), >=, 0.99 * font_size (GTK_WIDGET (window)));
  gtk_popover_popdown (popover);
  settle (100);
}

/* A fullscreen window hides its header bar: in presentation mode the
 * pointer at the top edge brings its controls back, in a bar over the
 * content, large and inside the window, with a Leave button; the bar
 * shows how to leave on entering, stays while its menu is open and
 * slides away after a pause; the keys still work; drop-down lists and
 * menus are as large as the rest. */
static void
test_window_presentation_controls (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkWidget *bar, *hint, *leave, *switcher, *menu;
  GtkEventController *motion, *keys;
  GtkDropDown *test_curve;
  gboolean presentation;
  guint n_pages = 0;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  bar = GTK_WIDGET (presentation_bar (window));
  g_assert_false (gtk_widget_get_visible (bar));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.presentation", NULL);
  settle (300);
  g_assert_false (gtk_widget_get_mapped (gtk_window_get_titlebar (GTK_WINDOW (window))));
  /* On entering: how to leave, for a few seconds. */
  wait_until (window, bar_revealed, GINT_TO_POINTER (TRUE), APPLY_TIMEOUT_S, "the bar on entering");
  hint = find_label_with (bar, "Press Esc to leave");
  g_assert_nonnull (hint);
  g_assert_true (gtk_widget_get_mapped (hint));
  wait_until (window, bar_revealed, GINT_TO_POINTER (FALSE), APPLY_TIMEOUT_S, "the bar to slide away");
  g_assert_false (gtk_widget_get_mapped (hint));

  /* The pointer at the top edge, as the motion controller hears it (in
   * the window's coordinates: the very top can be the window's border). */
  motion = controller_named (GTK_WIDGET (window), "lw-presentation-pointer");
  g_signal_emit_by_name (motion, "motion", 300.0, 0.0);
  wait_until (window, bar_revealed, GINT_TO_POINTER (TRUE), APPLY_TIMEOUT_S, "the bar at the top edge");
  settle (200);
  assert_reachable (window, find_descendant (bar, GTK_TYPE_BUTTON, "win.toggle-play"));
  assert_reachable (window, find_descendant (bar, GTK_TYPE_BUTTON, "win.step"));
  assert_reachable (window, find_descendant (bar, GTK_TYPE_BUTTON, "win.reset"));
  assert_reachable (window, find_descendant (bar, GTK_TYPE_TOGGLE_BUTTON, "win.sidebar-visible"));
  menu = find_descendant (bar, GTK_TYPE_MENU_BUTTON, NULL);
  assert_reachable (window, menu);
  g_assert_true (gtk_menu_button_get_primary (GTK_MENU_BUTTON (menu)));
  leave = find_descendant (bar, GTK_TYPE_BUTTON, "win.leave-presentation");
  assert_reachable (window, leave);
  switcher = find_descendant (bar, GTK_TYPE_STACK_SWITCHER, NULL);
  for (GtkWidget *tab = gtk_widget_get_first_child (switcher); tab != NULL;
       tab = gtk_widget_get_next_sibling (tab), n_pages++)
    assert_reachable (window, tab);
  g_assert_cmpuint (n_pages, ==, 5);

  /* Its menu open, the bar stays; the menu's type is large too. */
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu));
  g_signal_emit_by_name (motion, "motion", 300.0, 400.0);
  settle (2500);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (bar)));
  assert_popover_type_large (window, gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu)), "Help");
  test_curve = lw_curves_page_get_test_curve_dropdown (lw_window_get_curves_page (window));
  assert_popover_type_large (window, GTK_POPOVER (find_descendant (GTK_WIDGET (test_curve),
                                                                   GTK_TYPE_POPOVER, NULL)),
                             "Full test set");
  /* Then the pointer away from it: it slides away. */
  g_signal_emit_by_name (motion, "motion", 300.0, 400.0);
  wait_until (window, bar_revealed, GINT_TO_POINTER (FALSE), APPLY_TIMEOUT_S, "the bar to hide");

  /* The keys work as before, and show the bar for a while. */
  keys = key_controller (GTK_WIDGET (window), GTK_PHASE_CAPTURE);
  g_assert_true (press_key (keys, GDK_KEY_space));
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_RUNNING), APPLY_TIMEOUT_S, "Space to play");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (bar)));
  g_assert_true (press_key (keys, GDK_KEY_space));
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), APPLY_TIMEOUT_S, "Space to pause");
  /* A presenter's clicker: Page Down and Page Up turn the pages, and stop
   * at the first and the last. */
  {
    GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                                "stack"));

    gtk_stack_set_visible_child_name (stack, "curves");
    g_assert_true (press_key (keys, GDK_KEY_Page_Up));
    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "curves");
    g_assert_true (press_key (keys, GDK_KEY_Page_Down));
    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), !=, "curves");
    for (guint i = 0; i < 8; i++)
      press_key (keys, GDK_KEY_Page_Down);
    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "overview");
    g_assert_true (press_key (keys, GDK_KEY_Page_Up));
    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), !=, "overview");
    gtk_stack_set_visible_child_name (stack, "curves");
  }
  {
    g_autofree char *esc = shortcut_action (window, GDK_KEY_Escape);
    g_autofree char *f11 = shortcut_action (window, GDK_KEY_F11);

    g_assert_cmpstr (esc, ==, "win.leave-presentation");
    g_assert_cmpstr (f11, ==, "win.presentation");
  }

  /* Leave, from the bar. */
  g_signal_emit_by_name (motion, "motion", 300.0, 0.0);
  wait_until (window, bar_revealed, GINT_TO_POINTER (TRUE), APPLY_TIMEOUT_S, "the bar again");
  /* A button activated shows itself pressed for a moment, then clicks. */
  g_assert_true (gtk_widget_activate (leave));
  settle (500);
  g_object_get (window, "presentation", &presentation, NULL);
  g_assert_false (presentation);
  g_assert_false (gtk_widget_get_visible (bar));
  g_assert_true (gtk_widget_get_mapped (gtk_window_get_titlebar (GTK_WINDOW (window))));

  app_close (g_steal_pointer (&app), window);
}

/* A six-block MLP in presentation mode, training: the window fits a
 * 1,024 × 768 projector (the size hints a window manager gets included),
 * and the strip of large numbers shows every block, wrapped, unclipped. */
static void
test_window_presentation_width (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkWidget *details, *accuracy;
  const char *text;
  int min_width, min_height, height;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (&options);
  options->preset = g_strdup ("6x256");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.presentation", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  wait_until (window, has_tested, GINT_TO_POINTER (LW_RUN_RUNNING), LEARN_TIMEOUT_S,
              "a held-out test while running");
  settle (300);

  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  g_assert_cmpint (min_width, <=, 1024);
  /* GTK gives the window manager this height as the window's least. */
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_VERTICAL, -1, &min_height, NULL, NULL, NULL);
  g_assert_cmpint (min_height, <=, 768);

  details = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW, "key_details"));
  accuracy = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW, "key_accuracy"));
  text = gtk_label_get_text (GTK_LABEL (details));
  for (guint b = 1; b <= 6; b++)
    {
      g_autofree char *item = g_strdup_printf ("b%u\u00a0", b);

      g_assert_nonnull (strstr (text, item));
    }
  g_assert_nonnull (strstr (text, "Epoch"));
  /* With no room for the charts' legends, each block's number comes with
   * a dot in its curves' colour. */
  for (guint b = 0; b < 6; b++)
    {
      LwColor c = lw_color_layer (b);
      g_autofree char *span = g_strdup_printf ("<span foreground=\"#%02x%02x%02x\">",
                                               (guint) (c.r * 255.0 + 0.5),
                                               (guint) (c.g * 255.0 + 0.5),
                                               (guint) (c.b * 255.0 + 0.5));

      g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (details)), span));
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 768);
  settle (500);
  assert_reachable (window, accuracy);
  assert_reachable (window, details);
  /* Wrapped, not clipped: as tall as its lines at its width. */
  gtk_widget_measure (details, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (details),
                      &height, NULL, NULL, NULL);
  g_assert_cmpint (gtk_widget_get_height (details), >=, height);

  /* The sidebar (F9) slides over the charts: the window stays as narrow. */
  {
    GtkWidget *sidebar = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                    LW_TYPE_WINDOW, "sidebar"));

    g_object_set (window, "sidebar-visible", TRUE, NULL);
    settle (500);
    gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL,
                        NULL, NULL);
    g_assert_cmpint (min_width, <=, 1024);
    assert_reachable (window, sidebar);
    g_object_set (window, "sidebar-visible", FALSE, NULL);
  }

  gtk_widget_activate_action (GTK_WIDGET (window), "win.pause", NULL);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), APPLY_TIMEOUT_S, "the pause");
  /* The settings remember presentation mode: the next test's window
   * opens without it. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-presentation", NULL);
  app_close (g_steal_pointer (&app), window);
}

/* The window opens as the settings say (the memory backend, from
 * tests/meson.build) and writes back what the user changes. */
static gboolean
status_says (LwWindow *window, gconstpointer text)
{
  return find_label_with (GTK_WIDGET (window), text) != NULL;
}

static gboolean
has_paper_schedule (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->n_blocks == 3
         && snap->lr_schedule.n_milestones == GPOINTER_TO_UINT (data);
}

/* A paper's recipe chosen and a new run started: the sidebar shows its
 * rate, dropout and schedule, the schedule under the rate; the schedule's
 * entries refuse what the CLI refuses, with its words, and apply a good
 * edit live. */
/* `layerwise --preset paper-mlp-fashion` trains on the recipe's dataset,
 * not the one chosen last time (the settings' default is the subset);
 * --dataset still wins over both. */
static void
test_window_preset_dataset (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("paper-mlp-fashion");
  window = app_open_window (app);
  g_assert_cmpint (window->pending.dataset, ==, LW_DATASET_FASHION_MNIST);
  app_close (g_steal_pointer (&app), window);

  app = app_new (&options);
  options->preset = g_strdup ("paper-mlp-fashion");
  options->dataset = g_strdup ("mnist-subset");
  window = app_open_window (app);
  g_assert_cmpint (window->pending.dataset, ==, LW_DATASET_MNIST_SUBSET);
  app_close (g_steal_pointer (&app), window);
}

static void
test_window_paper_preset (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;
  LwControlsPanel *panel;
  GtkEntry *milestones, *decay;
  const LwSnapshot *snap;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("small");
  window = app_open_window (app);
  panel = lw_window_get_controls (window);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  g_assert_cmpstr (lw_controls_panel_get_schedule_text (panel), ==,
                   "No milestones: the rate changes only when you change it");
  assert_mnemonics_apart (GTK_WIDGET (panel));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-preset", "s", "paper-mlp-mnist");
  /* The subset, so that the test needs no download: the recipe stays. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-dataset", "s", "mnist-subset");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, has_paper_schedule, GUINT_TO_POINTER (4), LOAD_TIMEOUT_S, "the recipe");
  snap = shown (window);
  g_assert_cmpfloat (snap->lr, ==, 5e-4f);
  g_assert_cmpfloat (snap->dropout, ==, 0.1f);
  g_assert_cmpint (snap->loss, ==, LW_LOSS_PREDSIM);
  g_assert_cmpfloat (snap->lr_schedule.factor, ==, 0.25);
  g_assert_cmpuint (snap->lr_next_milestone, ==, 50);
  milestones = lw_controls_panel_get_entry (panel, LW_FIELD_LR_MILESTONES);
  decay = lw_controls_panel_get_entry (panel, LW_FIELD_LR_DECAY);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (lw_controls_panel_get_entry (panel, LW_FIELD_LR))),
                   ==, "5e-4");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (lw_controls_panel_get_entry (panel, LW_FIELD_DROPOUT))),
                   ==, "0.1");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (milestones)), ==, "50,75,89,94");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (decay)), ==, "0.25");
  g_assert_cmpstr (lw_controls_panel_get_schedule_text (panel), ==,
                   "×0.25 after epochs 50, 75, 89, 94; next after 50");
  /* The recipe's length, where the epoch is said. */
  g_assert_cmpuint (snap->max_epochs, ==, 100);
  wait_until (window, status_says, "Epoch 1 of 100", APPLY_TIMEOUT_S, "the status bar");
  /* The recipe's rows shown too (Beta, the schedule): beside each page
   * the sidebar's letters stay apart from the page's and the header's. */
  assert_window_mnemonics_apart (window);

  /* Refused where typed, in the CLI's words; the run keeps its schedule. */
  type_into (milestones, "75,50");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (milestones), "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (milestones)), ==,
                   "milestones must increase: 50 after 75");
  /* The message has a row of its own, not the no-detach switch's. */
  wait_until (window, error_laid_out, "milestones must increase", APPLY_TIMEOUT_S,
              "the schedule's message");
  assert_apart (window, find_label_with (GTK_WIDGET (panel), "milestones must increase"),
                find_descendant (GTK_WIDGET (panel), GTK_TYPE_CHECK_BUTTON, "win.no-detach"));
  gtk_editable_set_text (GTK_EDITABLE (milestones), "1,2");
  type_into (decay, "2");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (milestones), "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (decay), "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (decay)), ==,
                   "learning-rate decay factor 2 is out of range: it must be above 0 and at most 1");
  g_assert_true (lw_session_sync (lw_window_get_session (window), APPLY_TIMEOUT_S * 1000));
  g_assert_cmpuint (shown (window)->lr_schedule.n_milestones, ==, 4);

  /* A good edit applies live, with its mark, and the text follows. */
  type_into (decay, "0.5");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (decay), "error"));
  wait_until (window, has_paper_schedule, GUINT_TO_POINTER (2), APPLY_TIMEOUT_S, "the edit");
  snap = shown (window);
  g_assert_cmpfloat (snap->lr_schedule.factor, ==, 0.5);
  g_assert_true (has_mark (snap, LW_MARK_LR));
  g_assert_cmpstr (lw_controls_panel_get_schedule_text (panel), ==,
                   "×0.5 after epochs 1, 2; next after 1");

  app_close (g_steal_pointer (&app), window);
}

static void
test_window_settings (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *preset = NULL;
  g_autofree char *scheme = NULL;
  GSettings *settings;
  LwWindow *window;
  gboolean presentation;
  int width, height;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (NULL);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  settings = lw_application_get_settings (app);
  g_assert_nonnull (settings);
  g_settings_set_int (settings, "window-width", 1250);
  g_settings_set_int (settings, "window-height", 850);
  g_settings_set_string (settings, "preset", "1x256");
  g_settings_set_string (settings, "dataset", "mnist-subset");
  g_settings_set_boolean (settings, "presentation", TRUE);
  g_settings_set_string (settings, "color-scheme", "dark");

  g_application_activate (G_APPLICATION (app));
  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1250);
  g_assert_cmpint (height, ==, 850);
  g_object_get (window, "presentation", &presentation, NULL);
  g_assert_true (presentation);
  g_assert_true (prefers_dark ());
  wait_until (window, is_paused_with_blocks, GUINT_TO_POINTER (1), LOAD_TIMEOUT_S,
              "the remembered 1x256 network");

  /* What the user picks is remembered. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-preset", "s", "small");
  preset = g_settings_get_string (settings, "preset");
  g_assert_cmpstr (preset, ==, "3x256");
  g_object_set (window, "presentation", FALSE, NULL);
  g_assert_false (g_settings_get_boolean (settings, "presentation"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "color-scheme", g_variant_new_string ("light"));
  scheme = g_settings_get_string (settings, "color-scheme");
  g_assert_cmpstr (scheme, ==, "light");
  g_assert_false (prefers_dark ());

  /* And the size it had when it closed. */
  gtk_window_set_default_size (GTK_WINDOW (window), 1270, 870);
  settle (300);
  app_close_window (window);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1270);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 870);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  g_settings_reset (settings, "preset");
  g_settings_reset (settings, "color-scheme");
  app_release (g_steal_pointer (&app));
}

/* ------------------------------------------------------------------ */
/* Runs on disk */

static gboolean
banner_has (LwWindow *window, gconstpointer text)
{
  const char *banner = lw_window_get_banner (window, NULL);

  return banner != NULL && strstr (banner, text) != NULL;
}

static gboolean
restored (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->file_serial > 0 && !snap->file_failed
         && snap->step == *(const guint64 *) data;
}

static gboolean
shows_label (LwWindow *window, gconstpointer data)
{
  return find_label_with (GTK_WIDGET (window), data) != NULL;
}

/* `layerwise FILE.lwrun` (or a double-click in the file manager): the
 * window opens with that run, paused where it was saved; a file that is
 * no run is refused in the banner, the window's own run left as it was.
 * The run, of format 2, keeps the one label code its blocks shared. */
static void
test_window_open_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-app-XXXXXX", &error);
  g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "fixtures",
                                                    "window-mlp-v2.lwrun", NULL);
  g_autofree char *copy = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *notes = g_build_filename (dir, "notes.lwrun", NULL);
  g_autoptr (GFile) run_file = NULL, notes_file = NULL;
  g_autoptr (LwRunFile) parsed = NULL;
  LwRunPosition pos;
  LwApplication *app;
  LwWindow *window;
  char *data = NULL;
  gsize len = 0;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (fixture, &data, &len, NULL));
  g_assert_true (g_file_set_contents (copy, data, (gssize) len, NULL));
  parsed = lw_run_file_read_bytes ((const guint8 *) data, len, &error);
  g_free (data);
  g_assert_no_error (error);
  g_assert_true (lw_run_position_from_bytes (lw_run_file_get_section (parsed,
                                                                     LW_RUN_SECTION_POSITION),
                                             &pos, &error));
  g_assert_true (g_file_set_contents (notes, "just some notes\n", -1, NULL));
  run_file = g_file_new_for_path (copy);
  notes_file = g_file_new_for_path (notes);

  app = app_new (NULL);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_open (G_APPLICATION (app), &run_file, 1, "");
  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (LW_IS_WINDOW (window));
  wait_until (window, restored, &pos.step, LOAD_TIMEOUT_S, "the run given to open");
  g_assert_cmpint (shown (window)->state, ==, LW_RUN_PAUSED);
  g_assert_cmpuint (shown (window)->epoch, ==, pos.epoch);

  /* Opened again with a file that is no run: refused, the run stays. */
  g_application_open (G_APPLICATION (app), &notes_file, 1, "");
  wait_until (window, banner_has, "not a Layerwise run file", APPLY_TIMEOUT_S, "the refusal");
  g_assert_cmpuint (shown (window)->step, ==, pos.step);

  /* A run of format 2 keeps the one label code its blocks shared, and
   * the status bar says so under a bpf loss; a new run has one per block. */
  g_assert_true (shown (window)->shared_target_proj);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-loss", "s", "sim-bpf");
  wait_until (window, shows_label, "sim-bpf (one code) on", APPLY_TIMEOUT_S, "the shared code");
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (find_label_with (GTK_WIDGET (window),
                                                                          "(one code)")),
                            "before 2026-12"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, shows_label, "sim-bpf on", LOAD_TIMEOUT_S, "a code per block");
  g_assert_false (shown (window)->shared_target_proj);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (find_label_with (GTK_WIDGET (window),
                                                                          "sim-bpf on")),
                            "its own random label code"));
  g_assert_null (find_label_with (GTK_WIDGET (window), "(one code)"));
  app_close (app, window);
  g_unlink (copy);
  g_unlink (notes);
  g_rmdir (dir);
}

static LwWindow *
open_window (LwApplication **app)
{
  LwWindow *window;

  *app = app_new (NULL);
  lw_application_get_options (*app)->preset = g_strdup ("small");
  window = app_open_window (*app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  return window;
}


/* Save Run writes the file and says so; Open Run of a file that is no
 * run says what is wrong and leaves the run as it was. A window that did
 * not close cleanly leaves its autosave, which the next window offers
 * back; restored, it is the run as saved. A clean close leaves nothing. */
static void
test_window_run_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *run_path = NULL, *text_path = NULL, *state_dir = NULL;
  g_autofree char *autosave = NULL, *marker = NULL, *recovered = NULL;
  g_autoptr (GFile) run_file = NULL, text_file = NULL;
  LwApplication *app;
  LwWindow *window;
  gboolean offers_restore = TRUE;
  guint64 three = 3;
  char *contents = NULL;
  gsize len = 0;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  dir = g_dir_make_tmp ("test-app-runs-XXXXXX", &error);
  g_assert_no_error (error);
  run_path = g_build_filename (dir, "run.lwrun", NULL);
  text_path = g_build_filename (dir, "notes.txt", NULL);
  run_file = g_file_new_for_path (run_path);
  text_file = g_file_new_for_path (text_path);
  g_assert_true (g_file_set_contents (text_path, "not a run\n", -1, NULL));
  state_dir = g_build_filename (g_get_user_data_dir (), "layerwise", NULL);
  autosave = g_build_filename (state_dir, "autosave.lwrun", NULL);
  marker = g_build_filename (state_dir, "running", NULL);
  recovered = g_build_filename (state_dir, "recovered.lwrun", NULL);

  window = open_window (&app);
  g_assert_null (lw_window_get_banner (window, NULL));
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < 3; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, step_reached, &three, APPLY_TIMEOUT_S, "three steps");

  lw_window_save_run_to (window, run_file);
  wait_until (window, banner_has, "Saved the run", APPLY_TIMEOUT_S, "the save");
  g_assert_true (g_file_test (run_path, G_FILE_TEST_IS_REGULAR));

  lw_window_open_run_from (window, text_file);
  wait_until (window, banner_has, "not a Layerwise run file", APPLY_TIMEOUT_S, "the refusal");
  g_assert_true (shown (window)->file_failed);
  g_assert_cmpuint (shown (window)->step, ==, 3);
  g_assert_cmpint (shown (window)->state, ==, LW_RUN_PAUSED);
  lw_window_get_banner (window, &offers_restore);
  g_assert_false (offers_restore);

  app_close (app, window);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (autosave, G_FILE_TEST_EXISTS));

  /* As a crash leaves things: the marker, and an autosave. */
  g_assert_true (g_file_get_contents (run_path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (autosave, contents, (gssize) len, NULL));
  g_free (contents);
  g_assert_true (g_file_set_contents (marker, "1\n", -1, NULL));

  window = open_window (&app);
  g_assert_nonnull (lw_window_get_banner (window, &offers_restore));
  g_assert_true (offers_restore);
  g_assert_true (g_file_test (recovered, G_FILE_TEST_IS_REGULAR));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.restore-recovered", NULL);
  wait_until (window, restored, &three, LOAD_TIMEOUT_S, "the restored run");
  g_assert_cmpint (shown (window)->state, ==, LW_RUN_PAUSED);
  app_close (app, window);

  g_unlink (recovered);
  g_unlink (run_path);
  g_unlink (text_path);
  g_rmdir (dir);
}

static gboolean
file_reported_after (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->file_serial > *(const guint64 *) data
         && snap->state == LW_RUN_PAUSED;
}

static gboolean
no_detach_is (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);
  gboolean want = GPOINTER_TO_INT (data);

  return snap != NULL && snap->no_detach == want && snap->current.n_marks > 0
         && snap->current.marks[snap->current.n_marks - 1].kind == LW_MARK_DETACH;
}

static gboolean
loss_is (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->loss == (LwLossType) GPOINTER_TO_INT (data);
}

static gboolean
new_run_without_bn (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->n_previous >= 1 && snap->state == LW_RUN_PAUSED
         && snap->no_batch_norm && snap->no_similarity_std;
}

/* The check button whose label has text in it. */
static GtkCheckButton *
check_with_label (LwWindow *window, const char *text)
{
  GtkWidget *label = find_label_with (GTK_WIDGET (window), text);

  g_assert_nonnull (label);
  for (GtkWidget *w = label; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_CHECK_BUTTON (w))
      return GTK_CHECK_BUTTON (w);
  g_assert_not_reached ();
}

/* "Local errors also reach lower blocks": the sidebar's check button on
 * win.no-detach, toggled while paused (applied with its mark), off under
 * bp with the reason in its tooltip, kept by a new run, saved and opened
 * again; the new run's batch norm and conv similarity std switches reach
 * the run they start and its file. */
static void
test_window_no_detach (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  g_autoptr (GFile) file = NULL;
  g_autofree char *tip = NULL;
  LwApplication *app;
  LwWindow *window;
  GtkWidget *check;
  GtkCheckButton *batch_norm, *similarity_std;
  gboolean on = FALSE;
  guint64 step, serial;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  dir = g_dir_make_tmp ("test-app-no-detach-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "run.lwrun", NULL);
  file = g_file_new_for_path (path);

  window = open_window (&app);
  check = find_descendant (GTK_WIDGET (window), GTK_TYPE_CHECK_BUTTON, "win.no-detach");
  g_assert_nonnull (check);
  g_assert_true (gtk_widget_get_sensitive (check));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (check), "--no-detach"));
  g_assert_nonnull (find_label_with (GTK_WIDGET (window), "Local errors also reach lower blocks"));

  /* Paused: applied at once, for the next batch, with its mark. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.no-detach", NULL);
  wait_until (window, no_detach_is, GINT_TO_POINTER (TRUE), APPLY_TIMEOUT_S, "no-detach on");
  g_object_get (window, "no-detach", &on, NULL);
  g_assert_true (on);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  g_assert_cmpstr (shown (window)->current.marks[shown (window)->current.n_marks - 1].label, ==,
                   "no detach");
  g_assert_nonnull (find_label_with (GTK_WIDGET (window), "no detach on"));
  step = shown (window)->step + 1;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, step_reached, &step, APPLY_TIMEOUT_S, "a step with it");

  /* bp sends its error through every block already: the switch is off
   * and says why; activating its action does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-loss", "s", "bp");
  wait_until (window, loss_is, GINT_TO_POINTER (LW_LOSS_BP), APPLY_TIMEOUT_S, "bp");
  settle (100);
  g_assert_false (gtk_widget_get_sensitive (check));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (check), "Not with bp"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.no-detach", NULL);
  settle (200);
  g_assert_true (shown (window)->no_detach);
  g_object_get (window, "no-detach", &on, NULL);
  g_assert_true (on);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-loss", "s", "predsim");
  wait_until (window, loss_is, GINT_TO_POINTER (LW_LOSS_PREDSIM), APPLY_TIMEOUT_S, "predsim");
  settle (100);
  g_assert_true (gtk_widget_get_sensitive (check));

  /* Saved with it on, turned off, and opened again: on. */
  lw_window_save_run_to (window, file);
  wait_until (window, banner_has, "Saved the run", APPLY_TIMEOUT_S, "the save");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.no-detach", NULL);
  wait_until (window, no_detach_is, GINT_TO_POINTER (FALSE), APPLY_TIMEOUT_S, "no-detach off");
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  serial = shown (window)->file_serial;
  lw_window_open_run_from (window, file);
  wait_until (window, file_reported_after, &serial, LOAD_TIMEOUT_S, "the opened run");
  g_assert_false (shown (window)->file_failed);
  g_assert_cmpuint (shown (window)->step, ==, step);
  g_assert_true (shown (window)->no_detach);
  settle (100);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));

  /* The new run's switches: off in the sidebar, in the run a reset starts
   * (which keeps no-detach on), and in its file's [model]. */
  batch_norm = check_with_label (window, "Batch normalization");
  similarity_std = check_with_label (window, "Conv similarity from each channel");
  g_assert_true (gtk_check_button_get_active (batch_norm));
  g_assert_true (gtk_check_button_get_active (similarity_std));
  gtk_check_button_set_active (batch_norm, FALSE);
  gtk_check_button_set_active (similarity_std, FALSE);
  g_assert_true (window->pending.model.no_batch_norm);
  g_assert_true (window->pending.model.no_similarity_std);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, new_run_without_bn, NULL, LOAD_TIMEOUT_S, "a run without batch norm");
  g_assert_true (shown (window)->no_detach);
  g_assert_false (gtk_check_button_get_active (batch_norm));
  tip = g_strdup (gtk_widget_get_tooltip_text (find_label_with (GTK_WIDGET (window),
                                                                "no detach on")));
  g_assert_nonnull (strstr (tip, "No batch normalization"));
  g_assert_nonnull (strstr (tip, "whole feature map"));
  g_assert_nonnull (strstr (tip, "Local errors also reach lower blocks"));
  {
    g_autoptr (LwRunFile) saved = NULL;
    g_autoptr (GKeyFile) kf = NULL;

    serial = shown (window)->file_serial;
    lw_window_save_run_to (window, file);
    wait_until (window, file_reported_after, &serial, APPLY_TIMEOUT_S, "the second save");
    g_assert_false (shown (window)->file_failed);
    saved = lw_run_file_load (path, &error);
    g_assert_no_error (error);
    kf = lw_run_config_from_bytes (lw_run_file_require (saved, LW_RUN_SECTION_CONFIG, &error),
                                   &error);
    g_assert_no_error (error);
    g_assert_true (g_key_file_get_boolean (kf, "model", "no_batch_norm", NULL));
    g_assert_true (g_key_file_get_boolean (kf, "model", "no_similarity_std", NULL));
    g_assert_true (g_key_file_get_boolean (kf, "model", "no_detach", NULL));
  }

  app_close (app, window);
  g_unlink (path);
  g_rmdir (dir);
}

/* A save killed between writing and renaming leaves NAME.XXXXXX beside
 * it: the next window removes those of the autosave and of a recovered
 * run, and nothing else. */
static void
test_window_stale_temporaries (void)
{
  static const char *const stale[] = { "autosave.lwrun.a1B2c3", "recovered.lwrun.ZZZZZZ" };
  static const char *const kept[] = {
    "autosave.lwrun.abcde", "autosave.lwrun.abcdefg", "autosave.lwrun.ab-cd_",
    "autosave.lwrunXabcdef", "my-autosave.lwrun.abcdef", "other.lwrun.abcdef",
  };
  g_autofree char *state_dir = g_build_filename (g_get_user_data_dir (), "layerwise", NULL);
  LwApplication *app;
  LwWindow *window;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  g_assert_true (g_mkdir_with_parents (state_dir, 0700) == 0);
  for (guint i = 0; i < G_N_ELEMENTS (stale) + G_N_ELEMENTS (kept); i++)
    {
      const char *name = i < G_N_ELEMENTS (stale) ? stale[i] : kept[i - G_N_ELEMENTS (stale)];
      g_autofree char *path = g_build_filename (state_dir, name, NULL);

      g_assert_true (g_file_set_contents (path, "half a run", -1, NULL));
    }

  window = open_window (&app);
  for (guint i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_autofree char *path = g_build_filename (state_dir, stale[i], NULL);

      g_test_message ("%s", stale[i]);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *path = g_build_filename (state_dir, kept[i], NULL);

      g_test_message ("%s", kept[i]);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      g_unlink (path);
    }
  app_close (app, window);
}

/* ---- divergence ---------------------------------------------------------- */

static gboolean
shows_divergence (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->divergence != NULL
         && gtk_revealer_get_reveal_child (lw_window_get_divergence_bar (window));
}

static gboolean
divergence_gone (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->divergence == NULL && snap->state == LW_RUN_PAUSED
         && !gtk_revealer_get_reveal_child (lw_window_get_divergence_bar (window));
}

static gboolean
lr_lowered (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->lr == *(const float *) data;
}

/* The first descendant of w of the given type whose text (a label's, or
 * a button's label) is text; NULL if none. */
static GtkWidget *
find_with_text (GtkWidget *w, GType type, const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    {
      const char *t = GTK_IS_BUTTON (w) ? gtk_button_get_label (GTK_BUTTON (w))
                      : GTK_IS_LABEL (w) ? gtk_label_get_text (GTK_LABEL (w)) : NULL;

      if (g_strcmp0 (t, text) == 0)
        return w;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_with_text (c, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A run at a rate that overflows: the window pauses and shows what
 * happened where, with the two buttons; each does what it says. */
static void
test_window_diverges (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwRunSettings st;
  LwWindow *window;
  GtkRevealer *bar;
  GtkWidget *restore, *lower;
  const LwSnapshot *snap;
  float lowered = 1e20f / 10.0f;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (NULL);
  lw_application_get_options (app)->preset = g_strdup ("small");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  bar = lw_window_get_divergence_bar (window);
  g_assert_false (gtk_revealer_get_reveal_child (bar));
  g_assert_false (gtk_widget_is_sensitive (find_with_text (GTK_WIDGET (bar), GTK_TYPE_BUTTON,
                                                           "Restore Last Good State")));

  /* SGD at 1e20: beyond what the controls accept, so through the session. */
  lw_run_settings_init (&st);
  st.limit_train = 2048;
  st.threads = 1;
  st.model.num_hidden = 64;
  st.model.optim = LW_OPTIM_SGD;
  st.model.lr = 1e20f;
  lw_session_reset (lw_window_get_session (window), &st);
  lw_session_play (lw_window_get_session (window));
  wait_until (window, shows_divergence, NULL, LOAD_TIMEOUT_S, "the divergence");

  snap = shown (window);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  g_assert_nonnull (find_with_text (GTK_WIDGET (bar), GTK_TYPE_LABEL, snap->divergence));
  g_assert_nonnull (strstr (snap->divergence, "Training diverged at step"));
  restore = find_with_text (GTK_WIDGET (bar), GTK_TYPE_BUTTON, "Restore Last Good State");
  lower = find_with_text (GTK_WIDGET (bar), GTK_TYPE_BUTTON, "Lower Learning Rate");
  g_assert_nonnull (restore);
  g_assert_nonnull (lower);
  g_assert_true (gtk_widget_is_sensitive (restore));
  g_assert_true (gtk_widget_is_sensitive (lower));
  /* Play and Step still work: the user may also just go on. */
  g_assert_true (gtk_widget_is_sensitive (find_with_text (GTK_WIDGET (window), GTK_TYPE_LABEL, "Play")));

  /* Restore: the notice goes, paused, marked on the curves. */
  g_signal_emit_by_name (restore, "clicked");
  wait_until (window, divergence_gone, NULL, APPLY_TIMEOUT_S, "the restore");
  g_assert_true (has_mark (shown (window), LW_MARK_DIVERGED));
  g_assert_false (gtk_widget_is_sensitive (restore));

  /* Again, then a tenth of the rate. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  wait_until (window, shows_divergence, NULL, APPLY_TIMEOUT_S, "the second divergence");
  g_signal_emit_by_name (lower, "clicked");
  wait_until (window, lr_lowered, &lowered, APPLY_TIMEOUT_S, "the lower rate");

  lw_run_settings_clear (&st);
  app_close (g_steal_pointer (&app), window);
}

static gboolean
file_reported (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->file_serial >= *(const guint64 *) data;
}

/* The last mark of the run shown is a divergence labelled label. */
static gboolean
last_mark_is (const LwSnapshot *snap, const char *label)
{
  const LwMark *m;

  if (snap->current.n_marks == 0)
    return FALSE;
  m = &snap->current.marks[snap->current.n_marks - 1];
  return m->kind == LW_MARK_DIVERGED && strcmp (m->label, label) == 0;
}

/* A run that diverged: the pause writes the autosave, which opens again;
 * after a crash the next window offers it back, and restores it with its
 * marks (a run file's 'diverged' mark was once refused as damaged). */
static void
test_window_diverged_autosave (void)
{
  g_autofree char *state_dir = g_build_filename (g_get_user_data_dir (), "layerwise", NULL);
  g_autofree char *autosave = g_build_filename (state_dir, "autosave.lwrun", NULL);
  g_autofree char *marker = g_build_filename (state_dir, "running", NULL);
  g_autofree char *recovered = g_build_filename (state_dir, "recovered.lwrun", NULL);
  g_autoptr (GFile) autosave_file = g_file_new_for_path (autosave);
  g_autofree char *contents = NULL;
  LwApplication *app;
  LwWindow *window;
  LwRunSettings st;
  gboolean offers_restore = FALSE;
  guint64 step, serial;
  gsize len = 0;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  window = open_window (&app);
  /* SGD at 1e20, as in /app/window/diverges. */
  lw_run_settings_init (&st);
  st.limit_train = 2048;
  st.threads = 1;
  st.model.num_hidden = 64;
  st.model.optim = LW_OPTIM_SGD;
  st.model.lr = 1e20f;
  lw_session_reset (lw_window_get_session (window), &st);
  lw_session_play (lw_window_get_session (window));
  wait_until (window, shows_divergence, NULL, LOAD_TIMEOUT_S, "the divergence");
  step = shown (window)->step;
  g_assert_true (last_mark_is (shown (window), "diverged"));
  g_assert_true (g_file_test (autosave, G_FILE_TEST_IS_REGULAR));

  serial = shown (window)->file_serial + 1;
  lw_window_open_run_from (window, autosave_file);
  wait_until (window, file_reported, &serial, APPLY_TIMEOUT_S, "the autosave opened");
  g_assert_cmpstr (lw_window_get_banner (window, NULL), ==, shown (window)->file_message);
  g_assert_false (shown (window)->file_failed);
  g_assert_cmpuint (shown (window)->step, ==, step);
  g_assert_true (last_mark_is (shown (window), "diverged"));

  /* As a crash leaves things: the marker, and the autosave. */
  g_assert_true (g_file_get_contents (autosave, &contents, &len, NULL));
  app_close (app, window);
  g_assert_true (g_file_set_contents (autosave, contents, (gssize) len, NULL));
  g_assert_true (g_file_set_contents (marker, "1\n", -1, NULL));

  window = open_window (&app);
  g_assert_nonnull (lw_window_get_banner (window, &offers_restore));
  g_assert_true (offers_restore);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.restore-recovered", NULL);
  wait_until (window, restored, &step, LOAD_TIMEOUT_S, "the restored run");
  g_assert_cmpint (shown (window)->state, ==, LW_RUN_PAUSED);
  /* The run began with the reset, which leaves no mark of its own. */
  g_assert_false (has_mark (shown (window), LW_MARK_RESET));
  g_assert_true (last_mark_is (shown (window), "diverged"));
  app_close (app, window);

  lw_run_settings_clear (&st);
  g_unlink (recovered);
}

/* ---- keyboard ------------------------------------------------------------ */

/* Widgets a user operates, outermost only (a drop-down, not the button
 * inside it), as far as they are shown and enabled. */
static gboolean
is_control (GtkWidget *w)
{
  return GTK_IS_BUTTON (w) || GTK_IS_CHECK_BUTTON (w) || GTK_IS_SWITCH (w)
         || GTK_IS_DROP_DOWN (w) || GTK_IS_MENU_BUTTON (w) || GTK_IS_ENTRY (w)
         || GTK_IS_SPIN_BUTTON (w) || GTK_IS_SCALE (w) || GTK_IS_STACK_SWITCHER (w)
         || (LW_IS_CHART_VIEW (w) && gtk_widget_get_focusable (w));
}

static void
collect_controls (GtkWidget *w, GPtrArray *controls)
{
  /* Minimise, maximise and close are the window manager's, with keys of
   * its own (GTK keeps them out of the focus chain). */
  if (!gtk_widget_is_drawable (w) || !gtk_widget_is_sensitive (w)
      || (GTK_IS_NATIVE (w) && !GTK_IS_WINDOW (w)) || GTK_IS_WINDOW_CONTROLS (w))
    return;
  /* The page switcher is a row of buttons, each one a control. */
  if (is_control (w) && !GTK_IS_STACK_SWITCHER (w))
    {
      g_ptr_array_add (controls, w);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_controls (c, controls);
}

/* A control's label or tooltip, to name it in a message. */
static const char *
describe_control (GtkWidget *w)
{
  if (GTK_IS_BUTTON (w) && gtk_button_get_label (GTK_BUTTON (w)) != NULL)
    return gtk_button_get_label (GTK_BUTTON (w));
  if (GTK_IS_CHECK_BUTTON (w) && gtk_check_button_get_label (GTK_CHECK_BUTTON (w)) != NULL)
    return gtk_check_button_get_label (GTK_CHECK_BUTTON (w));
  if (gtk_widget_get_tooltip_text (w) != NULL)
    return gtk_widget_get_tooltip_text (w);
  return gtk_widget_get_name (w);
}

/* The control that holds the focus widget (an entry's text, a drop-down's
 * button), or NULL. */
static GtkWidget *
control_of (GtkWidget *focus, GPtrArray *controls)
{
  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    if (g_ptr_array_find (controls, w, NULL))
      return w;
  return NULL;
}

typedef enum { REGION_HEADER, REGION_SIDEBAR, REGION_PAGE, REGION_OTHER } Region;

static Region
region_of (GtkWidget *w, GtkWidget *page)
{
  if (gtk_widget_get_ancestor (w, GTK_TYPE_HEADER_BAR) != NULL)
    return REGION_HEADER;
  if (gtk_widget_get_ancestor (w, LW_TYPE_CONTROLS_PANEL) != NULL)
    return REGION_SIDEBAR;
  if (w == page || gtk_widget_is_ancestor (w, page))
    return REGION_PAGE;
  return REGION_OTHER;
}

/* Where w's centre lies in the window, and its height. */
static void
position_of (GtkWidget *w, GtkWidget *window, double *x, double *y, double *height)
{
  graphene_point_t p;

  g_assert_true (gtk_widget_compute_point (w, window,
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (w) / 2.0,
                                                                 gtk_widget_get_height (w) / 2.0),
                                           &p));
  *x = p.x;
  *y = p.y;
  *height = gtk_widget_get_height (w);
}

/* Tab from the window's first control, Play, round to it again: every
 * control of the header bar, the sidebar and the page shown is reached,
 * once, in that order; the header bar's and the page's left to right,
 * the sidebar's top to bottom and, in a row, left to right. */
static gboolean
check_tab_order_once (LwWindow *window, GtkWidget *play, const char *page_name, char **missed)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                              "stack"));
  g_autoptr (GPtrArray) controls = g_ptr_array_new ();
  g_autoptr (GPtrArray) reached = g_ptr_array_new ();
  GtkWidget *page;
  Region last_region = REGION_HEADER;
  double last_x = -1.0, last_y = -1.0, last_height = 0.0;
  gboolean in_order = TRUE;

  gtk_stack_set_visible_child_name (stack, page_name);
  page = gtk_stack_get_visible_child (stack);
  settle (100);
  collect_controls (GTK_WIDGET (window), controls);
  g_assert_true (gtk_widget_grab_focus (play));
  g_ptr_array_add (reached, play);
  for (guint i = 0; i < 200; i++)
    {
      GtkWidget *focus, *control;

      g_assert_true (gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD));
      focus = gtk_root_get_focus (GTK_ROOT (window));
      g_assert_nonnull (focus);
      control = control_of (focus, controls);
      if (control == NULL)
        g_error ("Tab on the %s page reaches %s, %s, which is no control", page_name,
                 G_OBJECT_TYPE_NAME (focus), gtk_widget_get_name (focus));
      if (control == play)
        break;
      /* A drop-down's button, then its popover's list, would be one control twice. */
      if (reached->len > 0 && g_ptr_array_index (reached, reached->len - 1) == control)
        continue;
      g_assert_false (g_ptr_array_find (reached, control, NULL));
      g_ptr_array_add (reached, control);
    }
  for (guint i = 0; i < reached->len; i++)
    {
      static const char *const regions[] = { "header bar", "sidebar", "page", "elsewhere" };
      GtkWidget *c = g_ptr_array_index (reached, i);
      Region region = region_of (c, page);
      double x, y, height;
      gboolean same_row, ok;

      position_of (c, GTK_WIDGET (window), &x, &y, &height);
      /* In one row when each one's centre lies within the other's height. */
      same_row = fabs (y - last_y) < MIN (height, last_height) / 2.0;
      if (region != last_region)
        ok = region > last_region && region != REGION_OTHER;
      else if (region == REGION_SIDEBAR)
        ok = same_row ? x > last_x : y > last_y;
      else
        ok = x > last_x || (!same_row && y > last_y);
      g_test_message ("%s page, Tab %u: %s %s, %s, at %.0f,%.0f%s", page_name, i + 1,
                      regions[region], G_OBJECT_TYPE_NAME (c), describe_control (c), x, y,
                      ok ? "" : " OUT OF ORDER");
      in_order &= ok;
      last_region = region;
      last_x = x;
      last_y = y;
      last_height = height;
    }
  if (!in_order)
    g_error ("Tab on the %s page goes out of order (--verbose lists it)", page_name);
  for (guint i = 0; i < controls->len; i++)
    if (!g_ptr_array_find (reached, g_ptr_array_index (controls, i), NULL))
      {
        *missed = g_strdup_printf ("Tab on the %s page never reaches %s %s", page_name,
                                   G_OBJECT_TYPE_NAME (g_ptr_array_index (controls, i)),
                                   describe_control (g_ptr_array_index (controls, i)));
        return FALSE;
      }
  return TRUE;
}

/* A control the window greys out for a moment (while the worker answers
 * a command) is rightly left out by Tab: a miss counts only if it
 * happens three times, half a second apart. Under the sanitizers the
 * worker answers many times slower. */
static void
check_tab_order (LwWindow *window, GtkWidget *play, const char *page_name)
{
  for (guint attempt = 1; ; attempt++)
    {
      g_autofree char *missed = NULL;

      if (check_tab_order_once (window, play, page_name, &missed))
        return;
      if (attempt == 3)
        g_error ("%s", missed);
      g_test_message ("%s (attempt %u); again", missed, attempt);
      settle (500);
    }
}

/* Every control is reachable by keyboard, in a sensible order, on each
 * page with controls of its own. */
static void
test_window_tab_order (void)
{
  g_autoptr (LwApplication) app = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkWidget *play;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  /* No cross-fade: only the page shown is on screen. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  app = app_new (&options);
  options->preset = g_strdup ("3x256");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  settle (200);

  /* The window opens with the focus on Play, the first control. */
  play = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                   "play_button"));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (window)) == play);
  check_tab_order (window, play, "curves");
  check_tab_order (window, play, "filters");
  check_tab_order (window, play, "predictions");
  check_tab_order (window, play, "similarity");

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
  app_close (g_steal_pointer (&app), window);
}

static void
write_user_presets (const char *text)
{
  g_autofree char *path = lw_preset_user_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

/* A bad presets file of the user's: the window opens with the built-in
 * presets and says in a banner which file and which line or key is at
 * fault; Read Again takes the corrected file. */
static void
test_window_bad_presets (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *path = lw_preset_user_path ();
  LwAppOptions *options;
  LwWindow *window;
  GtkRevealer *banner;
  GtkLabel *text;
  GtkWidget *read_again;
  GtkDropDown *networks;
  guint n_builtin;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  g_unlink (path);
  lw_choices_reload_presets ();
  n_builtin = lw_choices_n_presets ();
  g_assert_null (lw_choices_get_presets_error ());
  write_user_presets ("# mine\n[mine]\narch=mlp\nlayers 2\n");
  lw_choices_reload_presets ();

  app = app_new (&options);
  options->preset = g_strdup ("vgg-mini");
  window = app_open_window (app);
  banner = GTK_REVEALER (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                        "presets_banner"));
  text = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (window), LW_TYPE_WINDOW,
                                                   "presets_banner_label"));
  networks = lw_controls_panel_get_preset_dropdown (lw_window_get_controls (window));

  g_assert_true (gtk_revealer_get_reveal_child (banner));
  g_test_message ("%s", gtk_label_get_text (text));
  g_assert_nonnull (strstr (gtk_label_get_text (text), path));
  g_assert_nonnull (strstr (gtk_label_get_text (text), "line 4"));
  g_assert_nonnull (strstr (gtk_label_get_text (text), "layers 2"));
  /* The built-in presets, and the one asked for, all there. */
  g_assert_cmpuint (lw_choices_n_presets (), ==, n_builtin);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (networks)), ==, n_builtin);
  g_assert_true (lw_choices_get_preset (gtk_drop_down_get_selected (networks))
                 == lw_choices_lookup_preset ("vgg-mini"));
  g_assert_null (lw_choices_lookup_preset ("mine"));
  /* The run-file banner is another: its news does not hide this one. */
  g_assert_null (lw_window_get_banner (window, NULL));

  /* A bad value: the preset and key at fault. */
  read_again = find_with_text (GTK_WIDGET (banner), GTK_TYPE_BUTTON, "Read _Again");
  g_assert_nonnull (read_again);
  /* The banner's Alt+letters stay apart from the sidebar's and every
   * page's while it is shown. */
  assert_window_mnemonics_apart (window);
  write_user_presets ("[mine]\narch=mlp\nlr=fast\n");
  g_signal_emit_by_name (read_again, "clicked");
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  g_assert_nonnull (strstr (gtk_label_get_text (text), "[mine]"));
  g_assert_nonnull (strstr (gtk_label_get_text (text), "lr"));
  g_assert_nonnull (strstr (gtk_label_get_text (text), "fast"));
  g_assert_cmpuint (lw_choices_n_presets (), ==, n_builtin);

  /* Corrected: the banner goes, the preset comes, the choice stays. */
  write_user_presets ("[mine]\narch=mlp\nlayers=2\nhidden=64\n");
  g_signal_emit_by_name (read_again, "clicked");
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  g_assert_nonnull (lw_choices_lookup_preset ("mine"));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (networks)), ==, n_builtin + 1);
  g_assert_true (lw_choices_get_preset (gtk_drop_down_get_selected (networks))
                 == lw_choices_lookup_preset ("vgg-mini"));

  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  g_unlink (path);
  lw_choices_reload_presets ();
  app_close (g_steal_pointer (&app), window);
}

/* ---- names, folders and seeds ------------------------------------------ */

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (a, b, 4);
}

static void
write_idx (const char *dir, const char *name, guint n, gboolean images)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  g_autofree char *path = g_build_filename (dir, name, NULL);

  put_be32 (a, images ? 0x803 : 0x801);
  put_be32 (a, n);
  if (images)
    {
      put_be32 (a, 28);
      put_be32 (a, 28);
    }
  for (guint i = 0; i < n; i++)
    if (images)
      for (guint k = 0; k < 784; k++)
        {
          guint8 v = (guint8) ((k % 28 == i % 10 + 9) ? 255 : 0);   /* a bar per class */

          g_byte_array_append (a, &v, 1);
        }
    else
      {
        guint8 label = (guint8) (i % 10);

        g_byte_array_append (a, &label, 1);
      }
  g_assert_true (g_file_set_contents (path, (const char *) a->data, a->len, NULL));
}

/* A folder of MNIST's format under parent: n_train and n_test images. */
static char *
make_idx_folder (const char *parent, const char *name, guint n_train, guint n_test)
{
  char *dir = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  write_idx (dir, "train-images-idx3-ubyte", n_train, TRUE);
  write_idx (dir, "train-labels-idx1-ubyte", n_train, FALSE);
  write_idx (dir, "t10k-images-idx3-ubyte", n_test, TRUE);
  write_idx (dir, "t10k-labels-idx1-ubyte", n_test, FALSE);
  return dir;
}

static void
remove_folder (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static gboolean
is_paused_on (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->test_size == GPOINTER_TO_UINT (data);
}

static gboolean
is_paused_off (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->test_size > 0
         && snap->test_size != GPOINTER_TO_UINT (data);
}

/* A new run from the sidebar's settings, paused with test_size test images. */
static void
start_new_run (LwWindow *window, guint test_size)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, is_paused_on, GUINT_TO_POINTER (test_size), LOAD_TIMEOUT_S, "the new run");
}

static int
min_width (GtkWidget *widget)
{
  int min = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  return min;
}

static gboolean
has_label (GtkWidget *w, const char *part)
{
  if (GTK_IS_LABEL (w) && strstr (gtk_label_get_text (GTK_LABEL (w)), part) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (has_label (c, part))
      return TRUE;
  return FALSE;
}

static const char *
held_out_item (LwWindow *window)
{
  GtkDropDown *curves = lw_curves_page_get_test_curve_dropdown (lw_window_get_curves_page (window));

  return gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (curves)), 0);
}

/* The dialog's summary, closed without saving. */
static char *
save_dialog_summary (LwWindow *window)
{
  LwSavePresetDialog *dialog = open_save_dialog (window);
  char *summary = g_strdup (lw_save_preset_dialog_get_summary (dialog));

  gtk_window_destroy (GTK_WINDOW (dialog));
  return summary;
}

/* "Open folder…" refuses a folder without a dataset there, with the
 * reason; a folder of 200 test images: the test-curve drop-down names 200,
 * the status bar the folder, and a preset saved now keeps the folder and
 * brings it back. A failed start says why and what to do on the charts. */
static void
test_window_folders (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("test-app-folders-XXXXXX", NULL);
  g_autofree char *empty = g_build_filename (tmp, "empty", NULL);
  g_autofree char *digits = make_idx_folder (tmp, "my-digits", 300, 200);
  g_autofree char *broken = g_build_filename (tmp, "broken", NULL);
  g_autofree char *summary = NULL;
  g_autofree char *path = lw_preset_user_path ();
  LwControlsPanel *controls;
  LwAppOptions *options;
  LwWindow *window;
  LwChartDrawFunc draw;
  gconstpointer chart;
  const char *files[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  window = app_open_window (app);
  controls = lw_window_get_controls (window);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");

  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  g_assert_false (lw_controls_panel_choose_folder (controls, empty));
  g_assert_nonnull (strstr (lw_controls_panel_get_dataset_error (controls), "“empty” holds no dataset"));

  g_assert_true (lw_controls_panel_choose_folder (controls, digits));
  g_assert_null (lw_controls_panel_get_dataset_error (controls));
  start_new_run (window, 200);
  g_assert_cmpstr (held_out_item (window), ==, "Held-out 200 images, every 200 steps");
  g_assert_true (has_label (GTK_WIDGET (window), "on my-digits"));

  /* Saved with the folder, and brought back by the preset. */
  summary = save_dialog_summary (window);
  g_assert_nonnull (strstr (summary, "on my-digits"));
  {
    LwSavePresetDialog *dialog = open_save_dialog (window);

    gtk_editable_set_text (lw_save_preset_dialog_get_entry (dialog), "digits");
    g_assert_true (lw_save_preset_dialog_save (dialog));
  }
  g_assert_cmpstr (lw_choices_lookup_preset ("digits")->data_dir, ==, digits);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-dataset", "s", "mnist-subset");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, is_paused_off, GUINT_TO_POINTER (200), LOAD_TIMEOUT_S, "the subset");
  g_assert_true (g_str_has_prefix (held_out_item (window), "Held-out 1000 images"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-preset", "s", "digits");
  start_new_run (window, 200);
  g_assert_true (has_label (GTK_WIDGET (window), "on my-digits"));

  /* Files that are no dataset: the charts say why, and what to do. */
  g_assert_cmpint (g_mkdir (broken, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *file = g_build_filename (broken, files[i], NULL);

      g_assert_true (g_file_set_contents (file, "junk", -1, NULL));
    }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-dataset-folder", "s", broken);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reset", NULL);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_FAILED), LOAD_TIMEOUT_S, "the failure");
  draw = lw_charts_get_draw (lw_window_get_charts (window), LW_CHART_ACCURACY, &chart);
  g_assert_nonnull (draw);
  g_assert_nonnull (strstr (((const LwLineChart *) chart)->empty_text, "could not start: cannot load dataset"));
  g_assert_nonnull (strstr (((const LwLineChart *) chart)->empty_text, "Start New Run"));

  g_unlink (path);
  lw_choices_reload_presets ();
  app_close (g_steal_pointer (&app), window);
  remove_folder (broken);
  remove_folder (digits);
  g_rmdir (empty);
  g_rmdir (tmp);
}

/* NULL-terminated, for g_strjoinv. */
static const char *const cifar_names[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", NULL,
};

/* A CIFAR-10 folder under parent: n records in each of the five training
 * files and in the test file, labels in turn, and its batches.meta.txt. */
static char *
make_cifar_folder (const char *parent, guint n)
{
  char *dir = g_build_filename (parent, "cifar-10-batches-bin", NULL);
  g_autofree char *meta = g_strjoinv ("\n", (char **) cifar_names);
  g_autofree char *meta_path = g_build_filename (dir, "batches.meta.txt", NULL);
  const char *files[] = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                          "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin" };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autoptr (GByteArray) a = g_byte_array_new ();
      g_autofree char *path = g_build_filename (dir, files[f], NULL);

      for (guint i = 0; i < n; i++)
        {
          guint8 label = (guint8) ((i + f) % 10);

          g_byte_array_append (a, &label, 1);
          for (guint k = 0; k < 3072; k++)
            {
              guint8 v = (guint8) ((k * 7 + i * 13 + label * 29) & 0xff);

              g_byte_array_append (a, &v, 1);
            }
        }
      g_assert_true (g_file_set_contents (path, (const char *) a->data, a->len, NULL));
    }
  g_assert_true (g_file_set_contents (meta_path, meta, -1, NULL));
  return dir;
}

static gboolean
has_predictions (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  return snap != NULL && snap->predictions != NULL && snap->state == LW_RUN_PAUSED
         && snap->predictions->step >= GPOINTER_TO_UINT (data);
}

/* A CIFAR-10 folder with its meta file: the snapshot carries the names,
 * the confusion matrix and the gallery are drawn with them, and the
 * gallery's line, the descriptions and the probe's title say them. */
static void
test_window_class_names (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("test-app-names-XXXXXX", NULL);
  g_autofree char *cifar = make_cifar_folder (tmp, 40);
  g_autofree char *first = NULL;
  g_autofree char *want = NULL;
  const LwConfusion *confusion;
  const LwGallery *gallery;
  const LwSnapshot *snap;
  LwAppOptions *options;
  gconstpointer data;
  LwWindow *window;
  GtkWidget *view;
  guint i;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  options->page = g_strdup ("predictions");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  g_assert_null (shown (window)->class_names);   /* MNIST's digits */

  g_assert_true (lw_controls_panel_choose_folder (lw_window_get_controls (window), tmp));
  start_new_run (window, 40);
  for (guint k = 0; k < 3; k++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, has_predictions, GUINT_TO_POINTER (3), APPLY_TIMEOUT_S, "predictions");
  settle (300);

  snap = shown (window);
  g_assert_cmpuint (snap->n_class_names, ==, 10);
  g_assert_cmpstr (snap->class_names[3], ==, "cat");
  lw_charts_get_draw (lw_window_get_charts (window), LW_CHART_CONFUSION, &data);
  confusion = data;
  g_assert_cmpuint (confusion->n_class_names, ==, 10);
  g_assert_cmpstr (confusion->class_names[9], ==, "truck");
  lw_charts_get_draw (lw_window_get_charts (window), LW_CHART_GALLERY, &data);
  gallery = data;
  g_assert_cmpuint (gallery->n_class_names, ==, 10);
  g_assert_cmpstr (gallery->class_names[0], ==, "airplane");

  /* The line above the gallery names the cursor's image by its class. */
  view = lw_window_get_view (window, "predictions_gallery");
  gtk_widget_grab_focus (view);
  g_assert_true (press_key (key_controller (view, GTK_PHASE_BUBBLE), GDK_KEY_Home));
  i = gallery_model (window)->order[0];
  first = lw_charts_describe_gallery_image (lw_window_get_charts (window), i);
  want = g_strdup_printf ("Test image %u: %s, ", i, cifar_names[gallery->labels[i]]);
  g_assert_true (g_str_has_prefix (first, want));
  assert_cursor_on (window, i);
  if (gallery->labels[i] != gallery->predicted[i])
    g_assert_nonnull (strstr (first, cifar_names[gallery->predicted[i]]));

  /* The probe's title and description: its class by name. */
  g_free (want);
  want = g_strdup_printf (", label %s", cifar_names[shown (window)->probe_image_label]);
  g_assert_nonnull (strstr (lw_window_get_description (window, LW_CHART_PROBE), want));
  if (strstr (lw_window_get_description (window, LW_CHART_CONFUSION), "Most often") != NULL)
    g_assert_nonnull (strstr (lw_window_get_description (window, LW_CHART_CONFUSION),
                              " taken for "));

  app_close (g_steal_pointer (&app), window);
  {
    g_autofree char *meta = g_build_filename (cifar, "batches.meta.txt", NULL);

    g_unlink (meta);
  }
  remove_folder (cifar);
  g_rmdir (tmp);
}

/* A preset and a folder with 200-character names do not widen the window:
 * the drop-downs ellipsize them, and the status bar too. */
static void
test_window_long_names (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("test-app-names-XXXXXX", NULL);
  g_autofree char *long_name = g_strnfill (200, 'w');
  g_autofree char *folder = make_idx_folder (tmp, long_name, 100, 50);
  g_autofree char *presets = g_strdup_printf ("[long]\nlabel=%s\narch=mlp\nlayers=1\nhidden=32\n",
                                              long_name);
  LwAppOptions *options;
  LwWindow *window;
  int width;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  settle (100);
  width = min_width (GTK_WIDGET (window));

  write_user_presets (presets);
  lw_choices_reload_presets ();
  lw_controls_panel_reload_presets (lw_window_get_controls (window));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-preset", "s", "long");
  g_assert_true (lw_controls_panel_choose_folder (lw_window_get_controls (window), folder));
  start_new_run (window, 50);
  settle (100);
  g_assert_cmpint (min_width (GTK_WIDGET (window)), <=, width);

  {
    g_autofree char *path = lw_preset_user_path ();

    g_unlink (path);
  }
  lw_choices_reload_presets ();
  app_close (g_steal_pointer (&app), window);
  remove_folder (folder);
  g_rmdir (tmp);
}

static gboolean
seed_shown (GtkSpinButton *spin, guint64 seed)
{
  return gtk_spin_button_get_value (spin) == (double) seed;
}

/* The seed box holds every seed up to 2^53 - 1 as it is: a preset's, and
 * one typed in, are what the next run trains with (the save dialog says
 * the next run's). A conv net is described as one. */
static void
test_window_seed_and_conv (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autofree char *summary = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkSpinButton *spin;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  write_user_presets ("[big seed]\narch=mlp\nlayers=1\nhidden=32\nseed=9007199254740991\n");
  lw_choices_reload_presets ();
  app = app_new (&options);
  options->preset = g_strdup ("big seed");
  window = app_open_window (app);
  wait_until (window, is_state, GINT_TO_POINTER (LW_RUN_PAUSED), LOAD_TIMEOUT_S, "the dataset");
  spin = GTK_SPIN_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (lw_window_get_controls (window)),
                                                         LW_TYPE_CONTROLS_PANEL, "seed_spin"));
  g_assert_true (seed_shown (spin, G_GUINT64_CONSTANT (9007199254740991)));
  summary = save_dialog_summary (window);
  g_assert_nonnull (strstr (summary, "seed 9007199254740991\n"));
  g_clear_pointer (&summary, g_free);

  gtk_spin_button_set_value (spin, 4294967296.0 * 1000 + 7);
  summary = save_dialog_summary (window);
  g_assert_nonnull (strstr (summary, "seed 4294967296007\n"));
  g_clear_pointer (&summary, g_free);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.set-preset", "s", "vgg-mini");
  summary = save_dialog_summary (window);
  g_assert_true (g_str_has_prefix (summary, "vgg-mini (conv), FC 1×"));

  {
    g_autofree char *path = lw_preset_user_path ();

    g_unlink (path);
  }
  lw_choices_reload_presets ();
  app_close (g_steal_pointer (&app), window);
}

/* The page tabs give way to a drop-down where they do not fit (a
 * 1,024-pixel projector), and come back on a wide window; the drop-down
 * and the stack follow each other. */
static void
test_window_page_switcher (void)
{
  LwAppOptions *options;
  LwApplication *app;
  LwWindow *window;
  GtkWidget *title;
  LwPageSwitcher *switcher;
  GtkDropDown *dropdown;
  GtkStack *stack = NULL;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("1x256");
  window = app_open_window (app);
  title = gtk_header_bar_get_title_widget (GTK_HEADER_BAR (gtk_window_get_titlebar (GTK_WINDOW (window))));
  g_assert_true (LW_IS_PAGE_SWITCHER (title));
  switcher = LW_PAGE_SWITCHER (title);
  dropdown = lw_page_switcher_get_dropdown (switcher);
  g_object_get (switcher, "stack", &stack, NULL);
  g_assert_nonnull (stack);

  window_fit_resize (window, 1024, 768);
  settle (200);
  g_assert_true (lw_page_switcher_is_compact (switcher));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (dropdown)));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, 5);
  gtk_drop_down_set_selected (dropdown, 4);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "overview");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "filters");
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 1);

  window_fit_resize (window, 1280, 720);
  settle (200);
  g_assert_false (lw_page_switcher_is_compact (switcher));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (dropdown)));
  g_object_unref (stack);
  app_close (app, window);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = g_dir_make_tmp ("test-app-data-XXXXXX", NULL);
  int status;

  /* Autosaves and the crash marker go here, not into the user's folder. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* Xvfb has no GPU: GL through llvmpipe would take the training's CPU. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_test_init (&argc, &argv, NULL);
  /* Presets are saved here, never among the user's own. */
  config_dir = g_dir_make_tmp ("layerwise-app-config-XXXXXX", NULL);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);
  /* Criticals stay fatal; warnings do not, since GTK warns on machines
   * without a session bus, which a test display usually is. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  have_display = gtk_init_check ();
  g_test_add_func ("/app/style", test_style);
  g_test_add_func ("/app/schedule-caption", test_schedule_caption);
  g_test_add_func ("/app/similarity-layout", test_similarity_layout);
  g_test_add_func ("/app/similarity-layout/fills", test_similarity_layout_fills);
  g_test_add_func ("/app/presets", test_presets);
  g_test_add_func ("/app/window/trains", test_window_trains);
  g_test_add_func ("/app/window/conv", test_window_conv);
  g_test_add_func ("/app/window/schedule", test_window_schedule);
  g_test_add_func ("/app/window/settings", test_window_settings);
  g_test_add_func ("/app/window/paper-preset", test_window_paper_preset);
  g_test_add_func ("/app/window/preset-dataset", test_window_preset_dataset);
  g_test_add_func ("/app/window/predictions", test_window_predictions);
  g_test_add_func ("/app/window/save-preset", test_window_save_preset);
  g_test_add_func ("/app/window/presentation", test_window_presentation);
  g_test_add_func ("/app/window/presentation-controls", test_window_presentation_controls);
  g_test_add_func ("/app/window/presentation-width", test_window_presentation_width);
  g_test_add_func ("/app/window/run-files", test_window_run_files);
  g_test_add_func ("/app/window/open-file", test_window_open_file);
  g_test_add_func ("/app/window/no-detach", test_window_no_detach);
  g_test_add_func ("/app/window/stale-temporaries", test_window_stale_temporaries);
  g_test_add_func ("/app/window/diverges", test_window_diverges);
  g_test_add_func ("/app/window/diverged-autosave", test_window_diverged_autosave);
  g_test_add_func ("/app/window/bad-presets", test_window_bad_presets);
  g_test_add_func ("/app/window/tab-order", test_window_tab_order);
  g_test_add_func ("/app/window/folders", test_window_folders);
  g_test_add_func ("/app/window/long-names", test_window_long_names);
  g_test_add_func ("/app/window/class-names", test_window_class_names);
  g_test_add_func ("/app/window/seed-and-conv", test_window_seed_and_conv);
  g_test_add_func ("/app/window/page-switcher", test_window_page_switcher);
  g_test_add_data_func ("/app/window/fits/3x256", "3x256", window_fit_test);
  g_test_add_data_func ("/app/window/fits/6x256", "6x256", window_fit_test);
  status = g_test_run ();
  {
    g_autofree char *dir = g_build_filename (config_dir, "layerwise", NULL);
    g_autofree char *state_dir = g_build_filename (data_home, "layerwise", NULL);

    g_rmdir (dir);
    g_rmdir (config_dir);
    g_rmdir (state_dir);
    g_rmdir (data_home);
  }
  g_free (config_dir);
  return status;
}
