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

/* The application's accelerators for the window's actions (and app.quit),
 * from the window's one table of keys. */
void      lw_window_add_accels (GtkApplication *app);

G_END_DECLS
