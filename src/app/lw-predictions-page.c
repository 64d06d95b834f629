/* lw-predictions-page.c: the Predictions page.
 *
 * The page draws from the window's charts and says what changed by
 * signals: "charts-changed" (these views need drawing again),
 * "gallery-cursor-changed" (the gallery's cursor moved or showed or hid:
 * its picture and accessible description change) and "probe-chosen" (an
 * image was clicked or picked with Enter). */
#include "config.h"

#include "lw-predictions-page.h"

#include <glib/gi18n.h>

struct _LwPredictionsPage
{
  GtkBox parent_instance;

  /* Template. */
  GtkDropDown *layer_dropdown;
  GtkLabel *hint;
  LwChartView *confusion;
  LwChartView *gallery;

  LwCharts *charts;           /* the window's */
  char *hint_text;            /* the hint, as the template has it */
  gboolean cursor_shown;
  guint shown_blocks;         /* blocks the layer drop-down offers */
  GtkRoot *root;              /* whose focus-visible is followed */
  gulong focus_visible_id;
};

G_DEFINE_FINAL_TYPE (LwPredictionsPage, lw_predictions_page, GTK_TYPE_BOX)

enum {
  CHARTS_CHANGED,
  GALLERY_CURSOR_CHANGED,
  PROBE_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The drop-down lists the output layer first, then every block. */
static void
update_layers (LwPredictionsPage *self, const LwSnapshot *snap)
{
  g_autoptr (GtkStringList) layers = NULL;
  guint selected;

  if (snap->state == LW_RUN_LOADING || snap->n_blocks == self->shown_blocks)
    return;
  selected = gtk_drop_down_get_selected (self->layer_dropdown);
  self->shown_blocks = snap->n_blocks;
  layers = gtk_string_list_new (NULL);
  gtk_string_list_append (layers, _("Output layer"));
  for (guint i = 0; i < snap->n_blocks; i++)
    {
      g_autofree char *name = g_strdup_printf (_("Block %u's local classifier"), i + 1);

      gtk_string_list_append (layers, name);
    }
  gtk_drop_down_set_model (self->layer_dropdown, G_LIST_MODEL (layers));
  gtk_drop_down_set_selected (self->layer_dropdown, selected <= snap->n_blocks ? selected : 0);
}

/* The line above the gallery names the image under the keyboard's
 * cursor while the gallery has the focus, else says what a click does. */
static void
update_hint (LwPredictionsPage *self)
{
  g_autofree char *image = NULL;
  g_autofree char *text = NULL;

  if (self->cursor_shown)
    image = lw_charts_describe_gallery_image (self->charts,
                                              lw_charts_get_gallery_cursor (self->charts));
  if (image != NULL)
    text = g_strdup_printf ("%s %s", image,
                            _("Enter shows it on the Filters & Activations page."));
  gtk_label_set_text (self->hint, text != NULL ? text : self->hint_text);
}

static void
on_layer_changed (LwPredictionsPage *self)
{
  guint i = gtk_drop_down_get_selected (self->layer_dropdown);

  if (self->charts == NULL)
    return;
  /* 0 (or nothing chosen) is the output layer, i block i - 1. */
  lw_charts_set_prediction_layer (self->charts, i == 0 || i == GTK_INVALID_LIST_POSITION
                                                ? G_MAXUINT : i - 1);
  g_signal_emit (self, signals[CHARTS_CHANGED], 0,
                 1u << LW_CHART_CONFUSION | 1u << LW_CHART_GALLERY);
}

static gboolean
focus_visible (LwPredictionsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) && gtk_window_get_focus_visible (GTK_WINDOW (root));
}

/* The keyboard's cursor shows while the gallery has the focus and the
 * window shows where the focus is (after a key, not after a click). */
static void
show_cursor (LwPredictionsPage *self)
{
  /* Closing the window with the gallery focused takes the focus away
   * after the template's children are gone. */
  if (self->gallery == NULL || self->charts == NULL)
    return;
  self->cursor_shown = gtk_widget_is_focus (GTK_WIDGET (self->gallery)) && focus_visible (self);
  lw_charts_set_gallery_cursor (self->charts, lw_charts_get_gallery_cursor (self->charts),
                                self->cursor_shown);
  g_signal_emit (self, signals[GALLERY_CURSOR_CHANGED], 0);
  update_hint (self);
}

int
lw_predictions_page_click_gallery (LwPredictionsPage *self, double x, double y)
{
  GtkWidget *view;
  int index;

  g_return_val_if_fail (LW_IS_PREDICTIONS_PAGE (self) && self->charts != NULL, -1);
  view = GTK_WIDGET (self->gallery);
  index = lw_charts_gallery_hit (self->charts, gtk_widget_get_width (view),
                                 gtk_widget_get_height (view), x, y);
  if (index < 0)
    return -1;
  /* The keyboard goes on from the image clicked. */
  lw_charts_set_gallery_cursor (self->charts, (guint) index, self->cursor_shown);
  gtk_widget_grab_focus (view);
  show_cursor (self);
  g_signal_emit (self, signals[PROBE_CHOSEN], 0, (guint) index);
  return index;
}

static void
on_gallery_pressed (GtkGestureClick *gesture, int n_press, double x, double y,
                    LwPredictionsPage *self)
{
  lw_predictions_page_click_gallery (self, x, y);
}

/* Entering the gallery, the cursor starts on the probe image when it is
 * shown, else on the first image; it stays where it was if still shown. */
static void
on_gallery_focus_enter (LwPredictionsPage *self)
{
  GtkWidget *view = GTK_WIDGET (self->gallery);
  int width = gtk_widget_get_width (view), height = gtk_widget_get_height (view);
  LwSnapshot *snap = self->charts != NULL ? lw_charts_get_snapshot (self->charts) : NULL;

  if (snap != NULL
      && lw_charts_gallery_position (self->charts, width, height,
                                     lw_charts_get_gallery_cursor (self->charts)) < 0)
    {
      int start = lw_charts_gallery_position (self->charts, width, height,
                                              snap->probe_image_index) >= 0
                  ? (int) snap->probe_image_index
                  : lw_charts_gallery_move (self->charts, width, height, LW_GALLERY_MOVE_FIRST);

      if (start >= 0)
        lw_charts_set_gallery_cursor (self->charts, (guint) start, FALSE);
    }
  show_cursor (self);
}

static void
on_focus_visible_changed (LwPredictionsPage *self)
{
  if (self->gallery == NULL)
    return;
  if (gtk_widget_is_focus (GTK_WIDGET (self->gallery)) || self->cursor_shown)
    show_cursor (self);
}

/* Arrows, Home and End move the cursor from image to image as they are
 * laid out; Enter or Space makes its image the probe image, as a click.
 * (The window's table of keys lists them for the shortcuts window.) */
static gboolean
on_gallery_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                        GdkModifierType state, LwPredictionsPage *self)
{
  GtkWidget *view = GTK_WIDGET (self->gallery);
  guint cursor;
  LwGalleryMove move;
  int next;

  if (self->charts == NULL || (state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  cursor = lw_charts_get_gallery_cursor (self->charts);
  switch (keyval)
    {
    case GDK_KEY_Left:  case GDK_KEY_KP_Left:  move = LW_GALLERY_MOVE_LEFT; break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: move = LW_GALLERY_MOVE_RIGHT; break;
    case GDK_KEY_Up:    case GDK_KEY_KP_Up:    move = LW_GALLERY_MOVE_UP; break;
    case GDK_KEY_Down:  case GDK_KEY_KP_Down:  move = LW_GALLERY_MOVE_DOWN; break;
    case GDK_KEY_Home:  case GDK_KEY_KP_Home:  move = LW_GALLERY_MOVE_FIRST; break;
    case GDK_KEY_End:   case GDK_KEY_KP_End:   move = LW_GALLERY_MOVE_LAST; break;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_ISO_Enter:
    case GDK_KEY_space: case GDK_KEY_KP_Space:
      if (lw_charts_gallery_position (self->charts, gtk_widget_get_width (view),
                                      gtk_widget_get_height (view), cursor) < 0)
        return FALSE;
      g_signal_emit (self, signals[PROBE_CHOSEN], 0, cursor);
      return TRUE;
    default:
      return FALSE;
    }
  next = lw_charts_gallery_move (self->charts, gtk_widget_get_width (view),
                                 gtk_widget_get_height (view), move);
  if (next < 0)
    return FALSE;
  lw_charts_set_gallery_cursor (self->charts, (guint) next, TRUE);
  /* Keys move the cursor: from now on the window shows where the focus is. */
  if (GTK_IS_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))))
    gtk_window_set_focus_visible (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), TRUE);
  show_cursor (self);
  return TRUE;
}

/* The window shows where the focus is after a key, not after a click: the
 * cursor follows. */
static void
lw_predictions_page_root (GtkWidget *widget)
{
  LwPredictionsPage *self = LW_PREDICTIONS_PAGE (widget);

  GTK_WIDGET_CLASS (lw_predictions_page_parent_class)->root (widget);
  self->root = gtk_widget_get_root (widget);
  self->focus_visible_id = g_signal_connect_swapped (self->root, "notify::focus-visible",
                                                     G_CALLBACK (on_focus_visible_changed), self);
}

static void
lw_predictions_page_unroot (GtkWidget *widget)
{
  LwPredictionsPage *self = LW_PREDICTIONS_PAGE (widget);

  g_clear_signal_handler (&self->focus_visible_id, self->root);
  self->root = NULL;
  GTK_WIDGET_CLASS (lw_predictions_page_parent_class)->unroot (widget);
}

static void
lw_predictions_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LW_TYPE_PREDICTIONS_PAGE);
  G_OBJECT_CLASS (lw_predictions_page_parent_class)->dispose (object);
}

static void
lw_predictions_page_finalize (GObject *object)
{
  LwPredictionsPage *self = LW_PREDICTIONS_PAGE (object);

  g_free (self->hint_text);
  G_OBJECT_CLASS (lw_predictions_page_parent_class)->finalize (object);
}

static void
lw_predictions_page_class_init (LwPredictionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_predictions_page_dispose;
  object_class->finalize = lw_predictions_page_finalize;
  widget_class->root = lw_predictions_page_root;
  widget_class->unroot = lw_predictions_page_unroot;

  /* charts: a mask of (1 << LwChartId). */
  signals[CHARTS_CHANGED] =
    g_signal_new ("charts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[GALLERY_CURSOR_CHANGED] =
    g_signal_new ("gallery-cursor-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* index: the test image's. */
  signals[PROBE_CHOSEN] =
    g_signal_new ("probe-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (LW_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-predictions-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LwPredictionsPage, layer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LwPredictionsPage, hint);
  gtk_widget_class_bind_template_child (widget_class, LwPredictionsPage, confusion);
  gtk_widget_class_bind_template_child (widget_class, LwPredictionsPage, gallery);
  gtk_widget_class_bind_template_callback (widget_class, on_layer_changed);
}

static void
lw_predictions_page_init (LwPredictionsPage *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->hint_text = g_strdup (gtk_label_get_text (self->hint));

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_gallery_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gallery), GTK_EVENT_CONTROLLER (click));
  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_gallery_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gallery), controller);
  controller = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (controller, "enter", G_CALLBACK (on_gallery_focus_enter), self);
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (show_cursor), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gallery), controller);
}

void
lw_predictions_page_set_charts (LwPredictionsPage *self, LwCharts *charts)
{
  g_return_if_fail (LW_IS_PREDICTIONS_PAGE (self));
  self->charts = charts;
}

LwChartView *
lw_predictions_page_get_view (LwPredictionsPage *self, LwChartId chart)
{
  g_return_val_if_fail (LW_IS_PREDICTIONS_PAGE (self), NULL);
  g_return_val_if_fail (chart == LW_CHART_CONFUSION || chart == LW_CHART_GALLERY, NULL);
  return chart == LW_CHART_CONFUSION ? self->confusion : self->gallery;
}

void
lw_predictions_page_update (LwPredictionsPage *self, const LwSnapshot *snap)
{
  g_return_if_fail (LW_IS_PREDICTIONS_PAGE (self));
  update_layers (self, snap);
  /* New predictions may change what the cursor's image was taken for. */
  if (self->cursor_shown)
    update_hint (self);
}

GtkDropDown *
lw_predictions_page_get_layer_dropdown (LwPredictionsPage *self)
{
  g_return_val_if_fail (LW_IS_PREDICTIONS_PAGE (self), NULL);
  return self->layer_dropdown;
}

GtkLabel *
lw_predictions_page_get_hint (LwPredictionsPage *self)
{
  g_return_val_if_fail (LW_IS_PREDICTIONS_PAGE (self), NULL);
  return self->hint;
}
