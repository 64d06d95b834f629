/* lw-help-window.c: the text lives in the template, where translators
 * find it; this only shows it. */
#include "lw-help-window.h"

struct _LwHelpWindow
{
  GtkWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (LwHelpWindow, lw_help_window, GTK_TYPE_WINDOW)

static void
lw_help_window_class_init (LwHelpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-help-window.ui");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lw_help_window_init (LwHelpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LwHelpWindow *
lw_help_window_new (GtkWindow *parent)
{
  return g_object_new (LW_TYPE_HELP_WINDOW, "transient-for", parent, NULL);
}
