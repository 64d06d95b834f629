/* app-helpers.h: what the window tests share (test-app, test-i18n,
 * window-fit.c): an application per test that is released whole, and
 * main-loop waits with a deadline. Need a display. */
#pragma once

#include <gtk/gtk.h>

#include "lw-application.h"
#include "lw-window-private.h"

G_BEGIN_DECLS

typedef gboolean (*WindowTest) (LwWindow *window, gconstpointer data);

/* A new application for one test, not unique (tests must not find each
 * other's); set its options (may be NULL) before app_open_window. */
LwApplication      *app_new          (LwAppOptions **options);
/* Registers and activates app: the window it opens. */
LwWindow           *app_open_window  (LwApplication *app);
/* Destroys the window, and lets it finish (its training thread stops). */
void                app_close_window (LwWindow *window);
/* Shuts app down as g_application_run does and drops it, asserting it is
 * finalized (so it leaves the session bus before the next test's). */
void                app_release      (LwApplication *app);
/* Both of the above. */
void                app_close        (LwApplication *app, LwWindow *window);

/* Runs the main loop for ms: the window draws what it holds back. */
void                settle           (int ms);
/* Runs the main loop (ticks, snapshots, redraws) until test holds; fails
 * the test after timeout_s, naming what it waited for. */
void                wait_until       (LwWindow *window, WindowTest test, gconstpointer data,
                                      int timeout_s, const char *what);
/* The snapshot the window shows. */
const LwSnapshot   *shown            (LwWindow *window);
/* No two shown labels under pane answer the same Alt+letter: GTK would
 * only move the focus between them, never activate one. */
void                assert_mnemonics_apart (GtkWidget *pane);
/* The same for the whole window with each page shown in turn: the header
 * bar's, the sidebar's and that page's labels answer distinct Alt+letters
 * (the sidebar must be shown). Shows the first page again at the end. */
void                assert_window_mnemonics_apart (LwWindow *window);

G_END_DECLS
