/* test-app.c: the real Layerwise window under a display (Xvfb in
 * ./run.sh test): play through the window's actions until the layers
 * learn, change the loss and the learning rate while training, pause, and
 * check the engine applied each change; refuse an out-of-range value typed
 * into the learning-rate entry; export every chart. A conv net from its
 * preset: its kernels and feature maps drawn in the window, and New Run
 * switching to an MLP and back through the drop-down. Skips without a
 * display. Every wait has a deadline. */
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "lw-application.h"
#include "lw-export.h"
#include "lw-presets.h"
#include "lw-window-private.h"
#include "widgets/lw-chart-feature-maps.h"
#include "widgets/lw-chart-image-grid.h"
#include "widgets/lw-chart-view.h"
#include "widgets/lw-colors.h"

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

/* ---- conv nets ---------------------------------------------------------- */

/* Every preset builds: the architecture it names, blocks the model
 * accepts; --preset takes each id and refuses others. */
static void
test_presets (void)
{
  gboolean have_conv = FALSE;

  for (guint i = 0; i < lw_presets_count (); i++)
    {
      const LwPreset *p = lw_presets_get (i);
      LwModelConfig config;
      g_autoptr (LwModel) model = NULL;
      g_autoptr (GError) error = NULL;

      lw_model_config_init (&config);
      config.batch_size = 2;
      lw_preset_apply (p, &config);
      g_assert_true (lw_presets_lookup (p->id) == p);
      g_assert_cmpint (lw_presets_find (p->arch, p->num_layers, p->num_hidden), ==, (int) i);
      model = lw_model_new (&config, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lw_model_n_blocks (model), ==, lw_model_config_n_blocks (&config));
      have_conv |= lw_arch_is_conv (p->arch);
    }
  g_assert_true (have_conv);
  g_assert_cmpint (lw_presets_lookup ("vgg-mini")->arch, ==, LW_ARCH_VGG_MINI);
  g_assert_cmpint (lw_presets_lookup ("vgg8b")->arch, ==, LW_ARCH_VGG8B);
  g_assert_null (lw_presets_lookup ("vgg9"));
  g_assert_cmpint (lw_presets_find (LW_ARCH_VGG_MINI, 3, 1024), ==, -1);

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

/* Runs the main loop for ms: the window draws what it holds back. */
static void
settle (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;
  guint waker = g_timeout_add (10, wake_up, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (waker);
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
  const LwPreset *preset = lw_presets_lookup (id);

  for (guint i = 0; i < lw_presets_count (); i++)
    if (lw_presets_get (i) == preset)
      gtk_drop_down_set_selected (dropdown, i);
  g_assert_true (lw_presets_get (gtk_drop_down_get_selected (dropdown)) == preset);
}

static void
test_window_conv (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autoptr (GError) error = NULL;
  LwAppOptions *options;
  LwWindow *window;
  GtkWidget *filters, *probe;
  guint draws;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = lw_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  options = lw_application_get_options (app);
  options->preset = g_strdup ("vgg-mini");
  options->page = g_strdup ("filters");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
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

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
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

/* The window opens as the settings say (the memory backend, from
 * tests/meson.build) and writes back what the user changes. */
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

  app = lw_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
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
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1270);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 870);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  g_settings_reset (settings, "preset");
  g_settings_reset (settings, "color-scheme");
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
  g_autoptr (GError) error = NULL;
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

  app = lw_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  lw_application_get_options (app)->preset = g_strdup ("small");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
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
  g_test_add_func ("/app/presets", test_presets);
  g_test_add_func ("/app/window/trains", test_window_trains);
  g_test_add_func ("/app/window/conv", test_window_conv);
  g_test_add_func ("/app/window/settings", test_window_settings);
  g_test_add_func ("/app/window/diverges", test_window_diverges);
  return g_test_run ();
}
