/* lw-window-presentation.c: presentation mode, for a projector: full
 * screen, large type, the numbers that matter large under the charts, the
 * sidebar over the charts, and a bar that stands in for the header bar. */
#include "config.h"

#include "lw-window-private.h"

#include <math.h>
#include <glib/gi18n.h>

#include "widgets/lw-colors.h"

#define PRESENTATION_SCALE 1.5
/* Presentation mode's bar: the pointer this near the top brings it; it
 * stays a few seconds after a key and longer on entering, to be read. */
#define BAR_EDGE_PX 12
#define BAR_HIDE_MS 1500
#define BAR_ON_ENTER_MS 5000

static void
percent_or_dash (char *buf, gsize size, float value)
{
  if (isfinite (value))
    g_snprintf (buf, size, "%.1f%%", 100.0 * value);
  else
    g_strlcpy (buf, "–", size);
}

/* Appends item to the strip's markup, after a dot of colour when color
 * is not NULL: its own spaces do not break, the gap before it does, so
 * that the label wraps between items (never inside one) before it widens
 * the window past the screen. */
static void
append_key_item (GString *markup, const char *item, const LwColor *color)
{
  g_autofree char *escaped = g_markup_escape_text (item, -1);

  if (markup->len > 0)
    g_string_append (markup, "\u2003\u2003");
  /* The block's colour of the curves: with no room for the charts'
   * legends, the strip says which line is which block. */
  if (color != NULL)
    g_string_append_printf (markup, "<span foreground=\"#%02x%02x%02x\">\u25cf</span>\u00a0",
                            (guint) (color->r * 255.0 + 0.5), (guint) (color->g * 255.0 + 0.5),
                            (guint) (color->b * 255.0 + 0.5));
  for (const char *c = escaped; *c != '\0'; c++)
    if (*c == ' ')
      g_string_append (markup, "\u00a0");
    else
      g_string_append_c (markup, *c);
}

/* Presentation mode's large numbers: the output layer's test accuracy
 * (training accuracy until the first test), each block's, and progress. */
void
lw_window_update_key_numbers (LwWindow *self, const LwSnapshot *snap)
{
  g_autofree char *accuracy = NULL;
  g_autofree char *progress = NULL;
  g_autoptr (GString) details = g_string_new (NULL);
  gboolean tested = isfinite (snap->last_test_acc[snap->n_blocks]);
  char value[32];

  if (!self->presentation)
    return;
  percent_or_dash (value, sizeof value, tested ? snap->last_test_acc[snap->n_blocks]
                                               : snap->last_train_acc[snap->n_blocks]);
  accuracy = g_strdup_printf (tested ? _("Test accuracy %s") : _("Training accuracy %s"), value);
  gtk_label_set_text (self->key_accuracy, accuracy);

  for (guint i = 0; i < snap->n_blocks; i++)
    {
      g_autofree char *block = NULL;
      LwColor color = lw_color_layer (i);

      percent_or_dash (value, sizeof value, tested ? snap->last_test_acc[i] : snap->last_train_acc[i]);
      /* Translators: a block's accuracy in presentation mode, e.g. "b1 91.2%". */
      block = g_strdup_printf (_("b%u %s"), i + 1, value);
      append_key_item (details, block, &color);
    }
  progress = g_strdup_printf (_("Epoch %u · %s"), snap->epoch, lw_loss_type_to_string (snap->loss));
  append_key_item (details, progress, NULL);
  gtk_label_set_markup (self->key_details, details->str);
}

/* Presentation mode's bar. A fullscreen window hides its header bar, so
 * this bar over the top of the content holds the same controls: it slides
 * down when the pointer nears the top edge or a key is pressed, and away
 * again after a pause, unless it is in use. */

/* In use: under the pointer, its menu open, or the keyboard in it. */
static gboolean
bar_in_use (LwWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkPopover *menu = gtk_menu_button_get_popover (self->bar_menu_button);

  return self->pointer_on_bar
         || (menu != NULL && gtk_widget_get_visible (GTK_WIDGET (menu)))
         || (focus != NULL && gtk_window_get_focus_visible (GTK_WINDOW (self))
             && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->presentation_bar)));
}

static void schedule_bar_hide (LwWindow *self, guint ms);

static gboolean
on_bar_hide_timeout (gpointer data)
{
  LwWindow *self = data;

  self->bar_hide_id = 0;
  if (bar_in_use (self))
    schedule_bar_hide (self, BAR_HIDE_MS);
  else
    gtk_revealer_set_reveal_child (self->presentation_bar, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_bar_hide (LwWindow *self, guint ms)
{
  g_clear_handle_id (&self->bar_hide_id, g_source_remove);
  self->bar_hide_id = g_timeout_add (ms, on_bar_hide_timeout, self);
}

/* Shows the bar for ms at least; 0 keeps it until the pointer leaves. */
void
lw_window_show_presentation_bar (LwWindow *self, guint ms)
{
  if (!self->presentation)
    return;
  gtk_revealer_set_reveal_child (self->presentation_bar, TRUE);
  if (ms > 0)
    schedule_bar_hide (self, ms);
  else
    g_clear_handle_id (&self->bar_hide_id, g_source_remove);
}

static void
hide_presentation_bar (LwWindow *self)
{
  g_clear_handle_id (&self->bar_hide_id, g_source_remove);
  self->pointer_on_bar = FALSE;
  gtk_revealer_set_reveal_child (self->presentation_bar, FALSE);
}

/* The pointer near the top of the content, or on the bar, shows it. (x, y)
 * are the window's: at the screen's top edge the pointer can be above the
 * content, on the window's border. */
static void
on_pointer_motion (GtkEventControllerMotion *motion, double x, double y, LwWindow *self)
{
  double bar_bottom = BAR_EDGE_PX;
  double content_x, content_y;

  if (!self->presentation
      || !gtk_widget_translate_coordinates (GTK_WIDGET (self), gtk_window_get_child (GTK_WINDOW (self)),
                                            x, y, &content_x, &content_y))
    return;
  if (gtk_revealer_get_reveal_child (self->presentation_bar))
    bar_bottom = MAX (bar_bottom, gtk_widget_get_height (GTK_WIDGET (self->presentation_bar)));
  self->pointer_on_bar = content_y < bar_bottom;
  if (self->pointer_on_bar)
    lw_window_show_presentation_bar (self, 0);
  else if (gtk_revealer_get_reveal_child (self->presentation_bar) && self->bar_hide_id == 0)
    schedule_bar_hide (self, BAR_HIDE_MS);
}

static void
on_pointer_leave (GtkEventControllerMotion *motion, LwWindow *self)
{
  self->pointer_on_bar = FALSE;
  if (gtk_revealer_get_reveal_child (self->presentation_bar) && self->bar_hide_id == 0)
    schedule_bar_hide (self, BAR_HIDE_MS);
}

/* The header bar goes (a fullscreen window hides it anyway; this way a
 * window manager that refuses full screen shows the same window) and the
 * bar comes, with F10 on its menu. */
static void
set_presentation_controls (LwWindow *self, gboolean presentation)
{
  gtk_widget_set_visible (gtk_window_get_titlebar (GTK_WINDOW (self)), !presentation);
  gtk_widget_set_visible (GTK_WIDGET (self->presentation_bar), presentation);
  gtk_menu_button_set_primary (self->menu_button, !presentation);
  gtk_menu_button_set_primary (self->bar_menu_button, presentation);
  if (presentation)
    lw_window_show_presentation_bar (self, BAR_ON_ENTER_MS);
  else
    hide_presentation_bar (self);
}

/* The page before or after the one shown, if there is one. */
void
lw_window_show_adjacent_page (LwWindow *self, int delta)
{
  g_autoptr (GtkSelectionModel) pages = gtk_stack_get_pages (self->stack);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (pages));

  for (guint i = 0; i < n; i++)
    if (gtk_selection_model_is_selected (pages, i))
      {
        int next = CLAMP ((int) i + delta, 0, (int) n - 1);

        gtk_selection_model_select_item (pages, (guint) next, TRUE);
        return;
      }
}

/* In presentation mode the sidebar (F9) slides over the charts instead of
 * beside them: beside them it made the window wider than a 1,024 px
 * projector. The presentation bar stays above it. */
static void
place_sidebar (LwWindow *self, gboolean over_charts)
{
  GtkWidget *sidebar = GTK_WIDGET (self->sidebar);
  GtkWidget *bar = GTK_WIDGET (self->presentation_bar);
  /* The window's child, the overlay the bar is on (not bound: a template
   * child that is the window's own child would be unparented twice). */
  GtkOverlay *overlay = GTK_OVERLAY (gtk_widget_get_parent (bar));
  GtkWidget *parent = gtk_widget_get_parent (sidebar);
  gboolean is_over = parent == GTK_WIDGET (overlay);

  if (is_over == over_charts)
    return;
  g_object_ref (sidebar);
  if (over_charts)
    {
      self->sidebar_home = parent;
      gtk_box_remove (GTK_BOX (parent), sidebar);
      gtk_widget_set_halign (sidebar, GTK_ALIGN_START);
      gtk_overlay_add_overlay (overlay, sidebar);
      /* Drawn in order: the bar after the sidebar, so above it. */
      gtk_widget_insert_after (bar, GTK_WIDGET (overlay), sidebar);
    }
  else
    {
      gtk_overlay_remove_overlay (overlay, sidebar);
      gtk_widget_set_halign (sidebar, GTK_ALIGN_FILL);
      gtk_box_prepend (GTK_BOX (self->sidebar_home), sidebar);
    }
  g_object_unref (sidebar);
}

/* Fullscreen, large type and lines, the controls slid away (F9 brings
 * them back), and the numbers that matter large under the charts; or back. */
void
lw_window_presentation_apply (LwWindow *self)
{
  gboolean presentation = self->presentation;

  lw_charts_set_scale (self->charts, presentation ? PRESENTATION_SCALE : 1.0);
  if (presentation)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
      self->sidebar_before_presentation = gtk_revealer_get_reveal_child (self->sidebar);
      lw_window_set_sidebar_visible (self, FALSE);
      place_sidebar (self, TRUE);
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
      place_sidebar (self, FALSE);
      lw_window_set_sidebar_visible (self, self->sidebar_before_presentation);
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }
  gtk_revealer_set_reveal_child (self->key_numbers, presentation);
  set_presentation_controls (self, presentation);
  /* Esc means nothing else while not presenting. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-presentation", presentation);
  if (lw_window_get_shown_snapshot (self) != NULL)
    lw_window_update_key_numbers (self, lw_window_get_shown_snapshot (self));
  lw_window_refresh_views (self, (1u << LW_N_CHARTS) - 1);
}

void
lw_window_presentation_init (LwWindow *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  gtk_event_controller_set_name (motion, "lw-presentation-pointer");
  gtk_event_controller_set_propagation_phase (motion, GTK_PHASE_CAPTURE);
  g_signal_connect (motion, "motion", G_CALLBACK (on_pointer_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_pointer_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}
