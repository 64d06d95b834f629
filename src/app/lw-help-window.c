/* lw-help-window.c: the text lives in the template, where translators
 * find it; this only shows it, and scrolls it from the keyboard: nothing
 * in it takes the focus, so the scrolled window never sees a key. */
#include "lw-help-window.h"

struct _LwHelpWindow
{
  GtkWindow parent_instance;

  GtkScrolledWindow *scroller;
};

G_DEFINE_FINAL_TYPE (LwHelpWindow, lw_help_window, GTK_TYPE_WINDOW)

/* Ahead of the window's own arrow keys, which would move a focus that
 * has nowhere to go. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, LwHelpWindow *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double value = gtk_adjustment_get_value (adj);
  double step = gtk_adjustment_get_step_increment (adj);
  double page = gtk_adjustment_get_page_increment (adj);

  if ((state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Up:        case GDK_KEY_KP_Up:        value -= step; break;
    case GDK_KEY_Down:      case GDK_KEY_KP_Down:      value += step; break;
    case GDK_KEY_Page_Up:   case GDK_KEY_KP_Page_Up:   value -= page; break;
    case GDK_KEY_Page_Down: case GDK_KEY_KP_Page_Down:
    case GDK_KEY_space:                                value += page; break;
    case GDK_KEY_Home:      case GDK_KEY_KP_Home:      value = gtk_adjustment_get_lower (adj); break;
    case GDK_KEY_End:       case GDK_KEY_KP_End:       value = gtk_adjustment_get_upper (adj); break;
    default:
      return FALSE;
    }
  /* Clamped to the text. */
  gtk_adjustment_set_value (adj, value);
  return TRUE;
}

static void
lw_help_window_class_init (LwHelpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-help-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LwHelpWindow, scroller);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lw_help_window_init (LwHelpWindow *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

LwHelpWindow *
lw_help_window_new (GtkWindow *parent)
{
  return g_object_new (LW_TYPE_HELP_WINDOW, "transient-for", parent, NULL);
}
