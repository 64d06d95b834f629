/* lw-window.h: the main window: header bar, controls, views, status. */
#pragma once

#include <gtk/gtk.h>

#include "lw-application.h"

G_BEGIN_DECLS

#define LW_TYPE_WINDOW (lw_window_get_type ())
G_DECLARE_FINAL_TYPE (LwWindow, lw_window, LW, WINDOW, GtkApplicationWindow)

/* Starts a training session from the application's options, paused
 * unless they ask for autoplay. */
LwWindow *lw_window_new (LwApplication *app);

G_END_DECLS
