/* lw-window.c: the main window: building it, its properties, and showing
 * each snapshot on the header bar, the sidebar, the pages and the status
 * bar. Its actions and keys are in lw-window-actions.c, its banners and
 * run files in lw-window-files.c, presentation mode in
 * lw-window-presentation.c and its timings in lw-window-timings.c; each
 * page is a widget of its own (lw-*-page.c), whose chart views the window
 * draws into.
 *
 * The training session's worker owns the model. This window only sends
 * commands and, from a tick callback, takes the newest snapshot when the
 * worker has flagged one: it never waits for a training step. */
#include "config.h"

#include "lw-window-private.h"

#include <string.h>
#include <glib/gi18n.h>

#include "lw-a11y.h"
#include "lw-block-row.h"
#include "lw-page-switcher.h"
#include "lw-choices.h"
#include "lw-autosave.h"
#include "lw-run-dialogs.h"
#include "lw-status-bar.h"
#include "widgets/lw-chart-view.h"

/* Steps between tests on the held-out subset: often enough for a curve,
 * rarely enough to cost the training little. */
#define EVAL_EVERY 200
#define MIN_SHOW_INTERVAL (100 * G_TIME_SPAN_MILLISECOND)
#define MIN_PICTURES_INTERVAL (500 * G_TIME_SPAN_MILLISECOND)
/* Screen readers read a description when it changes: every two seconds
 * at most while training, or they would never finish one. */
#define DESCRIBE_INTERVAL (2 * G_TIME_SPAN_SECOND)

/* The page a view is on. */
typedef enum {
  ON_CURVES_PAGE,
  ON_FILTERS_PAGE,
  ON_SIMILARITY_PAGE,
  ON_PREDICTIONS_PAGE,
  ON_OVERVIEW_PAGE,
} ViewHome;

typedef struct {
  const char *name;           /* as the tests and timings call it */
  LwChartId chart;
  ViewHome home;
} ViewSpec;

static const ViewSpec view_specs[] = {
  { "curves_accuracy", LW_CHART_ACCURACY, ON_CURVES_PAGE },
  { "curves_loss", LW_CHART_LOSS, ON_CURVES_PAGE },
  { "filters_filters", LW_CHART_FILTERS, ON_FILTERS_PAGE },
  { "filters_probe", LW_CHART_PROBE, ON_FILTERS_PAGE },
  { "similarity_similarity", LW_CHART_SIMILARITY, ON_SIMILARITY_PAGE },
  { "predictions_confusion", LW_CHART_CONFUSION, ON_PREDICTIONS_PAGE },
  { "predictions_gallery", LW_CHART_GALLERY, ON_PREDICTIONS_PAGE },
  { "overview_accuracy", LW_CHART_ACCURACY, ON_OVERVIEW_PAGE },
  { "overview_loss", LW_CHART_LOSS, ON_OVERVIEW_PAGE },
  { "overview_filters", LW_CHART_FILTERS, ON_OVERVIEW_PAGE },
  { "overview_probe", LW_CHART_PROBE, ON_OVERVIEW_PAGE },
  { "overview_similarity", LW_CHART_SIMILARITY, ON_OVERVIEW_PAGE },
};
G_STATIC_ASSERT (G_N_ELEMENTS (view_specs) == LW_WINDOW_N_VIEWS);
#define N_VIEWS LW_WINDOW_N_VIEWS

G_DEFINE_FINAL_TYPE (LwWindow, lw_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_LOSS_LOG_SCALE,
  PROP_PRESENTATION,
  PROP_SIDEBAR_VISIBLE,
  PROP_SCHEDULE,
  PROP_NO_DETACH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static LwSnapshot *
shown (LwWindow *self)
{
  return lw_charts_get_snapshot (self->charts);
}

/* Called on the worker thread: only raises a flag. */
static void
on_snapshot_published (gpointer user_data)
{
  LwWindow *self = user_data;

  g_atomic_int_set (&self->snapshot_ready, 1);
}

void
lw_window_refresh_views (LwWindow *self, guint changed)
{
  if (lw_charts_get_snapshot (self->charts) == NULL)
    return;
  for (guint i = 0; i < N_VIEWS; i++)
    if (changed & (1u << view_specs[i].chart))
      {
        gconstpointer data;

        lw_chart_view_set_draw_func (self->views[i],
                                     lw_charts_get_draw (self->charts, view_specs[i].chart, &data));
        lw_chart_view_set_data (self->views[i], (gpointer) data, NULL);
      }
}

/* The header bar's Play button and presentation mode's say the same. */
static void
show_play_state (GtkButton *button, GtkImage *icon, GtkLabel *label, gboolean running)
{
  gtk_image_set_from_icon_name (icon, running ? "media-playback-pause-symbolic"
                                              : "media-playback-start-symbolic");
  gtk_label_set_text (label, running ? _("Pause") : _("Play"));
  if (running)
    gtk_widget_remove_css_class (GTK_WIDGET (button), "suggested-action");
  else
    gtk_widget_add_css_class (GTK_WIDGET (button), "suggested-action");
}

/* The one place that decides which commands make sense now. */
static void
update_actions (LwWindow *self, LwRunState state)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean running = state == LW_RUN_RUNNING;
  gboolean can_start = state == LW_RUN_PAUSED || state == LW_RUN_LOADING;

  gtk_widget_action_set_enabled (w, "win.play", can_start);
  gtk_widget_action_set_enabled (w, "win.pause", running);
  gtk_widget_action_set_enabled (w, "win.toggle-play", running || can_start);
  gtk_widget_action_set_enabled (w, "win.step", can_start);

  show_play_state (self->play_button, self->play_icon, self->play_label, running);
  show_play_state (self->bar_play_button, self->bar_play_icon, self->bar_play_label, running);
}

/* Training diverged and paused: say where, and offer the two ways on. */
static void
update_divergence (LwWindow *self, const LwSnapshot *snap)
{
  gboolean diverged = snap->divergence != NULL;

  if (diverged)
    gtk_label_set_text (self->divergence_label, snap->divergence);
  gtk_revealer_set_reveal_child (self->divergence_bar, diverged);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-good",
                                 diverged && snap->can_restore);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lower-lr", diverged);
}

const char *
lw_window_get_view_name (guint i)
{
  g_return_val_if_fail (i < N_VIEWS, NULL);
  return view_specs[i].name;
}

static LwChartView *
page_view (LwWindow *self, const ViewSpec *spec)
{
  switch (spec->home)
    {
    case ON_CURVES_PAGE:
      return lw_curves_page_get_view (self->curves_page, spec->chart);
    case ON_FILTERS_PAGE:
      return lw_filters_page_get_view (self->filters_page, spec->chart);
    case ON_SIMILARITY_PAGE:
      return lw_similarity_page_get_view (self->similarity_page, spec->chart);
    case ON_PREDICTIONS_PAGE:
      return lw_predictions_page_get_view (self->predictions_page, spec->chart);
    case ON_OVERVIEW_PAGE:
      return lw_overview_page_get_view (self->overview_page, spec->chart);
    default:
      g_return_val_if_reached (NULL);
    }
}

static GtkWidget *
find_view (LwWindow *self, const char *name)
{
  for (guint i = 0; i < N_VIEWS; i++)
    if (g_str_equal (view_specs[i].name, name))
      return GTK_WIDGET (self->views[i]);
  g_return_val_if_reached (NULL);
}

/* The pictures held back, once their interval has passed (or at once):
 * returns the charts to draw. */
static guint
take_pending_pictures (LwWindow *self, gint64 now, gboolean urgent)
{
  guint pending = self->pictures_pending;

  if (pending == 0 || (!urgent && now - self->last_pictures < MIN_PICTURES_INTERVAL))
    return 0;
  self->pictures_pending = 0;
  self->last_pictures = now;
  return pending;
}

static void
describe_chart (LwWindow *self, LwChartId id)
{
  g_autofree char *text = lw_charts_describe (self->charts, id);

  if (g_strcmp0 (text, self->descriptions[id]) == 0)
    return;
  for (guint i = 0; i < N_VIEWS; i++)
    if (view_specs[i].chart == id)
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->views[i]),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  g_free (self->descriptions[id]);
  self->descriptions[id] = g_steal_pointer (&text);
}

/* Each chart's accessible description states its current values. */
static void
describe_views (LwWindow *self, gint64 now, gboolean urgent)
{
  if (!urgent && now - self->last_described < DESCRIBE_INTERVAL)
    return;
  self->last_described = now;
  for (guint id = 0; id < LW_N_CHARTS; id++)
    describe_chart (self, id);
}

/* The gallery's cursor moved, showed or hid: its picture and what it says
 * to a screen reader change at once. */
static void
on_gallery_cursor_changed (LwWindow *self)
{
  lw_window_refresh_views (self, 1u << LW_CHART_GALLERY);
  if (shown (self) != NULL)
    describe_chart (self, LW_CHART_GALLERY);
}

/* win.no-detach follows the engine only when the engine's value moves,
 * so that a snapshot published before the command was applied never
 * undoes what the user just chose. It needs a run, and a local loss. */
static void
update_no_detach (LwWindow *self, const LwSnapshot *snap)
{
  gboolean has_run = snap->state != LW_RUN_LOADING && snap->state != LW_RUN_FAILED;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.no-detach",
                                 has_run && snap->loss != LW_LOSS_BP);
  if (!has_run || (int) snap->no_detach == self->shown_no_detach)
    return;
  self->shown_no_detach = snap->no_detach;
  if (self->no_detach == snap->no_detach)
    return;
  self->no_detach = snap->no_detach;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NO_DETACH]);
}

static void
show_snapshot (LwWindow *self, LwSnapshot *snap, gint64 now, gboolean urgent)
{
  const guint pictures = 1u << LW_CHART_FILTERS | 1u << LW_CHART_PROBE | 1u << LW_CHART_SIMILARITY
                         | 1u << LW_CHART_CONFUSION | 1u << LW_CHART_GALLERY;
  guint changed;

  self->shown_serial = snap->serial;
  changed = lw_charts_update (self->charts, snap);
  /* Pictures cost more to draw than curves and change less to the eye. */
  self->pictures_pending |= changed & pictures;
  changed &= ~pictures;
  changed |= take_pending_pictures (self, now, urgent);
  lw_window_refresh_views (self, changed);
  lw_status_bar_update (self->status, snap);
  /* The held-out images the run really tests on: fewer than asked when
   * the test set is smaller. */
  lw_curves_page_show_held_out (self->curves_page,
                                snap->test_size > 0 ? MIN (self->pending.eval_samples, snap->test_size)
                                                    : self->pending.eval_samples,
                                EVAL_EVERY);
  lw_controls_panel_update (self->controls, snap);
  update_no_detach (self, snap);
  lw_filters_page_update (self->filters_page, snap);
  update_divergence (self, snap);
  lw_predictions_page_update (self->predictions_page, snap);
  lw_window_update_key_numbers (self, snap);
  describe_views (self, now, urgent || snap->state != LW_RUN_RUNNING);
  lw_window_update_file_banner (self, snap);
  if ((int) snap->state != self->shown_state)
    {
      self->shown_state = (int) snap->state;
      update_actions (self, snap->state);
    }
  lw_window_track_timings (self, snap);
}

/* Whether snap answers something the user did, which must show at once. */
static gboolean
answers_user (LwWindow *self, const LwSnapshot *snap)
{
  const LwSnapshot *old = shown (self);

  return old == NULL || old->state != snap->state || old->loss != snap->loss
         || old->lr != snap->lr || old->beta != snap->beta || old->dropout != snap->dropout
         || old->current.run_id != snap->current.run_id
         || old->current.n_marks != snap->current.n_marks
         || old->n_previous != snap->n_previous
         || old->probe_image_index != snap->probe_image_index
         || old->file_serial != snap->file_serial
         || old->diverged_step != snap->diverged_step
         || (old->divergence == NULL) != (snap->divergence == NULL)
         || old->no_detach != snap->no_detach
         || memcmp (old->block_lr_mult, snap->block_lr_mult, sizeof snap->block_lr_mult) != 0
         || memcmp (old->block_frozen, snap->block_frozen, sizeof snap->block_frozen) != 0;
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  LwWindow *self = LW_WINDOW (widget);
  g_autoptr (LwSnapshot) snap = NULL;
  gboolean urgent;
  gint64 now;

  now = gdk_frame_clock_get_frame_time (clock);
  if (!g_atomic_int_compare_and_exchange (&self->snapshot_ready, 1, 0))
    {
      /* Paused after a step, no snapshot may follow the one whose
       * pictures were held back. */
      lw_window_refresh_views (self, take_pending_pictures (self, now, FALSE));
      return G_SOURCE_CONTINUE;
    }
  snap = lw_session_get_snapshot (self->session);
  if (snap->serial == self->shown_serial)
    return G_SOURCE_CONTINUE;

  /* Curves move smoothly enough at ten pictures a second; drawing every
   * publish would take CPU from training for nothing anyone sees. */
  urgent = answers_user (self, snap);
  if (now - self->last_show < MIN_SHOW_INTERVAL && !urgent)
    {
      g_atomic_int_set (&self->snapshot_ready, 1);
      return G_SOURCE_CONTINUE;
    }
  self->last_show = now;
  show_snapshot (self, snap, now, urgent);
  return G_SOURCE_CONTINUE;
}

static void
lw_window_realize (GtkWidget *widget)
{
  LwWindow *self = LW_WINDOW (widget);

  GTK_WIDGET_CLASS (lw_window_parent_class)->realize (widget);
  lw_window_timings_attach (self);
}

/* Unrealized when closed and when the app quits: the last moment the
 * window still knows its size. The default size follows the user's
 * resizing while the window is not maximized. */
static void
save_window_state (LwWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static void
restore_window_state (LwWindow *self)
{
  if (self->settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
lw_window_unrealize (GtkWidget *widget)
{
  LwWindow *self = LW_WINDOW (widget);

  save_window_state (self);
  lw_window_timings_detach (self);
  GTK_WIDGET_CLASS (lw_window_parent_class)->unrealize (widget);
}

void
lw_window_set_probe (LwWindow *self, guint index)
{
  g_autoptr (GError) error = NULL;

  if (lw_session_set_probe_image (self->session, index, &error))
    lw_filters_page_show_probe_error (self->filters_page, NULL);
  else
    lw_filters_page_show_probe_error (self->filters_page, error->message);
}

void
lw_window_show_pending (LwWindow *self)
{
  lw_controls_panel_show_pending (self->controls, &self->pending, self->preset_id);
}

/* The preset's network, and whatever else it sets, for the next run. */
void
lw_window_apply_preset (LwWindow *self, const LwPreset *preset)
{
  LwModelConfig defaults;

  /* The sidebar shows no non-linearity nor pooling of the pred heads: a
   * preset that names none gets the defaults, not a recipe chosen before. */
  lw_model_config_init (&defaults);
  self->pending.model.nonlin = defaults.nonlin;
  self->pending.model.dim_in_decoder = defaults.dim_in_decoder;
  lw_choices_apply_preset (preset, &self->pending.model);
  if (preset->sets & LW_PRESET_SETS_DATASET)
    {
      self->pending.dataset = preset->dataset;
      g_free (self->pending.data_dir);
      self->pending.data_dir = g_strdup (preset->data_dir);
    }
  if (preset->sets & LW_PRESET_SETS_LR_SCHEDULE)
    self->pending.lr_schedule = preset->lr_schedule;
  /* A recipe's length; a preset that names none trains without end, as
   * the window's runs always did. */
  self->pending.max_epochs = preset->sets & LW_PRESET_SETS_EPOCHS ? preset->epochs : 0;
  g_free (self->preset_id);
  self->preset_id = g_strdup (preset->id);
  self->preset_sets = preset->sets;
}

static void
on_page_changed (LwWindow *self)
{
  /* Pages shown again draw the newest data, which may be newer than
   * what they last drew. */
  lw_window_refresh_views (self, (1u << LW_N_CHARTS) - 1);
}

/* Properties. */

void
lw_window_set_sidebar_visible (LwWindow *self, gboolean visible)
{
  if (gtk_revealer_get_reveal_child (self->sidebar) == visible)
    return;
  gtk_revealer_set_reveal_child (self->sidebar, visible);
  /* Hidden controls take no keyboard focus. */
  gtk_widget_set_can_target (GTK_WIDGET (self->sidebar), visible);
  gtk_widget_set_can_focus (GTK_WIDGET (self->sidebar), visible);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDEBAR_VISIBLE]);
}

static void
set_presentation (LwWindow *self, gboolean presentation)
{
  if (self->presentation == presentation)
    return;
  self->presentation = presentation;
  lw_window_presentation_apply (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTATION]);
}

/* A schedule changes how fast steps run, never what they compute: it
 * switches the running model at the next batch and stays for resets. */
static void
set_schedule (LwWindow *self, const char *name)
{
  g_autoptr(GError) error = NULL;
  LwSchedule schedule;

  if (!lw_schedule_from_string (name, &schedule) || schedule == self->pending.schedule)
    return;
  self->pending.schedule = schedule;
  if (self->session != NULL && !lw_session_set_schedule (self->session, schedule, 0, &error))
    g_warning ("%s", error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCHEDULE]);
}

/* The user's choice (the check button, the action): to the engine, which
 * applies it at the next batch. */
static void
set_no_detach (LwWindow *self, gboolean no_detach)
{
  if (self->no_detach == no_detach)
    return;
  self->no_detach = no_detach;
  if (self->session != NULL)
    lw_session_set_no_detach (self->session, no_detach);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NO_DETACH]);
}

static void
set_loss_log_scale (LwWindow *self, gboolean log_scale)
{
  if (self->loss_log_scale == log_scale)
    return;
  self->loss_log_scale = log_scale;
  lw_charts_set_loss_log (self->charts, log_scale);
  lw_window_refresh_views (self, 1u << LW_CHART_LOSS);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOSS_LOG_SCALE]);
}

static void
lw_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LwWindow *self = LW_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LOSS_LOG_SCALE:
      g_value_set_boolean (value, self->loss_log_scale);
      break;
    case PROP_PRESENTATION:
      g_value_set_boolean (value, self->presentation);
      break;
    case PROP_SIDEBAR_VISIBLE:
      g_value_set_boolean (value, self->sidebar == NULL || gtk_revealer_get_reveal_child (self->sidebar));
      break;
    case PROP_SCHEDULE:
      g_value_set_string (value, lw_schedule_to_string (self->pending.schedule));
      break;
    case PROP_NO_DETACH:
      g_value_set_boolean (value, self->no_detach);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lw_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LwWindow *self = LW_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LOSS_LOG_SCALE:
      set_loss_log_scale (self, g_value_get_boolean (value));
      break;
    case PROP_PRESENTATION:
      set_presentation (self, g_value_get_boolean (value));
      break;
    case PROP_SCHEDULE:
      set_schedule (self, g_value_get_string (value));
      break;
    case PROP_NO_DETACH:
      set_no_detach (self, g_value_get_boolean (value));
      break;
    case PROP_SIDEBAR_VISIBLE:
      lw_window_set_sidebar_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lw_window_dispose (GObject *object)
{
  LwWindow *self = LW_WINDOW (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->banner_timeout_id, g_source_remove);
  g_clear_handle_id (&self->bar_hide_id, g_source_remove);
  /* Joins the worker, so no notify reaches a dead window. */
  g_clear_pointer (&self->session, lw_session_free);
  /* The window closes as it should: no crash to offer back next time. */
  if (self->owns_run_files)
    {
      lw_autosave_end ();
      self->owns_run_files = FALSE;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), LW_TYPE_WINDOW);
  G_OBJECT_CLASS (lw_window_parent_class)->dispose (object);
}

static void
lw_window_finalize (GObject *object)
{
  LwWindow *self = LW_WINDOW (object);

  lw_run_settings_clear (&self->pending);
  g_free (self->preset_id);
  for (guint i = 0; i < LW_N_CHARTS; i++)
    g_free (self->descriptions[i]);
  g_free (self->recovered_path);
  g_clear_pointer (&self->charts, lw_charts_free);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (lw_window_parent_class)->finalize (object);
}

static void
lw_window_class_init (LwWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_window_dispose;
  object_class->finalize = lw_window_finalize;
  object_class->get_property = lw_window_get_property;
  object_class->set_property = lw_window_set_property;
  widget_class->realize = lw_window_realize;
  widget_class->unrealize = lw_window_unrealize;

  properties[PROP_LOSS_LOG_SCALE] =
    g_param_spec_boolean ("loss-log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENTATION] =
    g_param_spec_boolean ("presentation", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIDEBAR_VISIBLE] =
    g_param_spec_boolean ("sidebar-visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCHEDULE] =
    g_param_spec_string ("schedule", NULL, NULL, "auto",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Local errors also reach the blocks below (the reference's
   * --no-detach), live: win.no-detach. */
  properties[PROP_NO_DETACH] =
    g_param_spec_boolean ("no-detach", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LW_TYPE_CHART_VIEW);
  g_type_ensure (LW_TYPE_CONTROLS_PANEL);
  g_type_ensure (LW_TYPE_CURVES_PAGE);
  g_type_ensure (LW_TYPE_FILTERS_PAGE);
  g_type_ensure (LW_TYPE_OVERVIEW_PAGE);
  g_type_ensure (LW_TYPE_PAGE_SWITCHER);
  g_type_ensure (LW_TYPE_PREDICTIONS_PAGE);
  g_type_ensure (LW_TYPE_SIMILARITY_PAGE);
  g_type_ensure (LW_TYPE_STATUS_BAR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LwWindow, play_icon);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, play_label);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, sidebar);

  gtk_widget_class_bind_template_child (widget_class, LwWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, key_numbers);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, key_accuracy);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, key_details);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, presentation_bar);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, bar_play_button);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, bar_play_icon);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, bar_play_label);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, bar_menu_button);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, controls);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, curves_page);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, filters_page);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, similarity_page);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, predictions_page);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, overview_page);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, divergence_bar);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, divergence_label);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, status);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, file_banner);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, file_banner_box);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, file_banner_label);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, file_banner_restore);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, presets_banner);
  gtk_widget_class_bind_template_child (widget_class, LwWindow, presets_banner_label);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_banner_dismissed",
                                                G_CALLBACK (lw_window_dismiss_banner));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_presets_banner_dismissed",
                                                G_CALLBACK (lw_window_dismiss_presets_banner));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_presets_read_again",
                                                G_CALLBACK (lw_window_read_presets_again));

  lw_window_class_install_actions (widget_class);
}

static void
lw_window_init (LwWindow *self)
{
  self->shown_state = -1;
  self->shown_no_detach = -1;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-presentation", FALSE);
  /* Until a run is there (update_no_detach). */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.no-detach", FALSE);
  self->charts = lw_charts_new ();
  lw_run_settings_init (&self->pending);
  gtk_widget_init_template (GTK_WIDGET (self));
  lw_a11y_mend_names (GTK_WIDGET (self));
  for (guint i = 0; i < N_VIEWS; i++)
    self->views[i] = page_view (self, &view_specs[i]);
  for (guint i = 0; i < N_VIEWS; i++)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->views[i]),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    lw_chart_id_title (view_specs[i].chart), -1);

  lw_curves_page_set_charts (self->curves_page, self->charts);
  g_signal_connect_swapped (self->curves_page, "charts-changed",
                            G_CALLBACK (lw_window_refresh_views), self);
  lw_predictions_page_set_charts (self->predictions_page, self->charts);
  g_signal_connect_swapped (self->predictions_page, "charts-changed",
                            G_CALLBACK (lw_window_refresh_views), self);
  g_signal_connect_swapped (self->predictions_page, "gallery-cursor-changed",
                            G_CALLBACK (on_gallery_cursor_changed), self);
  g_signal_connect_swapped (self->predictions_page, "probe-chosen",
                            G_CALLBACK (lw_window_set_probe), self);
  g_signal_connect_swapped (self->filters_page, "probe-chosen",
                            G_CALLBACK (lw_window_set_probe), self);

  lw_window_add_key_controller (self);

  lw_window_presentation_init (self);
}

/* The dataset last chosen, if this machine still has it. */
static gboolean
remembered_dataset (LwWindow *self, LwDatasetKind *kind)
{
  g_autofree char *name = NULL;
  g_autoptr (GPtrArray) choices = NULL;

  if (self->settings == NULL)
    return FALSE;
  name = g_settings_get_string (self->settings, "dataset");
  if (!lw_dataset_kind_from_string (name, kind))
    return FALSE;
  choices = lw_choices_find_datasets ();
  for (guint i = 0; i < choices->len; i++)
    if (((LwDatasetChoice *) g_ptr_array_index (choices, i))->kind == *kind)
      return TRUE;
  return FALSE;
}

static const LwPreset *
remembered_preset (LwWindow *self)
{
  g_autofree char *id = NULL;

  if (self->settings == NULL)
    return NULL;
  id = g_settings_get_string (self->settings, "preset");
  return lw_choices_lookup_preset (id);
}

static void
on_presentation_changed (LwWindow *self)
{
  g_settings_set_boolean (self->settings, "presentation", self->presentation);
}

/* The command line first, then what the user chose last time. */
static void
apply_options (LwWindow *self, const LwAppOptions *o)
{
  const LwPreset *preset = NULL;
  gboolean asked;
  LwDatasetKind kind;

  if (o->preset != NULL)
    preset = lw_choices_lookup_preset (o->preset);
  asked = preset != NULL;
  if (preset == NULL)
    preset = remembered_preset (self);
  if (preset == NULL)
    preset = lw_choices_lookup_preset (LW_PRESET_DEFAULT);
  if (preset != NULL)
    lw_window_apply_preset (self, preset);
  /* --dataset, else the dataset of a --preset that names one (a recipe's),
   * else the one chosen last time. */
  if (o->dataset != NULL && lw_dataset_kind_from_string (o->dataset, &kind))
    self->pending.dataset = kind;
  else if (!(asked && (preset->sets & LW_PRESET_SETS_DATASET)) && remembered_dataset (self, &kind))
    self->pending.dataset = kind;
  self->pending.eval_every = EVAL_EVERY;
  /* One core's worth stays with the window, so that drawing never waits
   * for the training threads. */
  self->pending.threads = o->threads > 0 ? o->threads : (int) MAX (1, g_get_num_processors () - 1);
  if (o->schedule != NULL)
    lw_schedule_from_string (o->schedule, &self->pending.schedule);
  if (o->page != NULL && gtk_stack_get_child_by_name (self->stack, o->page) != NULL)
    gtk_stack_set_visible_child_name (self->stack, o->page);
  if (o->presentation
      || (self->settings != NULL && g_settings_get_boolean (self->settings, "presentation")))
    set_presentation (self, TRUE);
  lw_window_timings_init (self, o->benchmark_seconds);
}

LwWindow *
lw_window_new (LwApplication *app)
{
  LwWindow *self;
  const LwAppOptions *o;

  g_return_val_if_fail (LW_IS_APPLICATION (app), NULL);

  self = g_object_new (LW_TYPE_WINDOW, "application", app, NULL);
  if (lw_application_get_settings (app) != NULL)
    self->settings = g_object_ref (lw_application_get_settings (app));
  o = lw_application_get_options (app);
  restore_window_state (self);
  apply_options (self, o);
  lw_window_show_pending (self);
  lw_window_show_presets_problem (self);
  if (self->settings != NULL)
    g_signal_connect (self, "notify::presentation", G_CALLBACK (on_presentation_changed), NULL);

  self->session = lw_session_new (&self->pending, on_snapshot_published, self);
  /* A benchmark is no session of the user's: it leaves their files alone. */
  if (o->benchmark_seconds <= 0)
    lw_window_start_run_files (self);
  else
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-recovered", FALSE);
  if (o->autoplay)
    lw_session_play (self->session);
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
  update_actions (self, LW_RUN_LOADING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-good", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lower-lr", FALSE);
  /* The keyboard starts at the first control, Play; Tab goes on through
   * the header bar, then the sidebar, then the page. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->play_button));
  return self;
}

LwSession *
lw_window_get_session (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return self->session;
}

LwSnapshot *
lw_window_get_shown_snapshot (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return lw_charts_get_snapshot (self->charts);
}

LwControlsPanel *
lw_window_get_controls (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return self->controls;
}

LwCharts *
lw_window_get_charts (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return self->charts;
}

GtkRevealer *
lw_window_get_divergence_bar (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return self->divergence_bar;
}

GtkWidget *
lw_window_get_view (LwWindow *self, const char *name)
{
  g_return_val_if_fail (LW_IS_WINDOW (self) && name != NULL, NULL);
  return find_view (self, name);
}

const char *
lw_window_get_description (LwWindow *self, LwChartId id)
{
  g_return_val_if_fail (LW_IS_WINDOW (self) && id < LW_N_CHARTS, NULL);
  return self->descriptions[id];
}

LwCurvesPage *
lw_window_get_curves_page (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return self->curves_page;
}

LwPredictionsPage *
lw_window_get_predictions_page (LwWindow *self)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  return self->predictions_page;
}

