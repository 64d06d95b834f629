/* lw-help-window.h: the help page (F1): what each view means, the method
 * in a paragraph, and experiments to try. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LW_TYPE_HELP_WINDOW (lw_help_window_get_type ())
G_DECLARE_FINAL_TYPE (LwHelpWindow, lw_help_window, LW, HELP_WINDOW, GtkWindow)

LwHelpWindow *lw_help_window_new (GtkWindow *parent);

G_END_DECLS
