/* lw-window-private.h: what the UI test looks at inside the window.
 *
 * A -private.h is included only by the files of its own folder (here
 * src/app/) and by the tests of that code, never from another folder. */
#pragma once

#include "lw-charts.h"
#include "lw-controls-panel.h"
#include "lw-window.h"
#include "session/lw-session.h"

G_BEGIN_DECLS

LwSession       *lw_window_get_session  (LwWindow *self);
/* The snapshot the views show now (borrowed), or NULL before the first. */
LwSnapshot      *lw_window_get_shown_snapshot (LwWindow *self);
LwControlsPanel *lw_window_get_controls (LwWindow *self);
LwCharts        *lw_window_get_charts   (LwWindow *self);
/* The strip that says training diverged, with its two buttons. */
GtkRevealer     *lw_window_get_divergence_bar (LwWindow *self);
/* A chart view by its template name, e.g. "filters_probe". */
GtkWidget       *lw_window_get_view     (LwWindow *self, const char *name);
/* What a click at (x, y) on the gallery does: the image there becomes the
 * probe image. Returns its index, or -1 when no image is there. */
int              lw_window_click_gallery (LwWindow *self, double x, double y);
GtkDropDown     *lw_window_get_prediction_layer_dropdown (LwWindow *self);
/* The accessible description the chart's views were last given, or NULL. */
const char      *lw_window_get_description (LwWindow *self, LwChartId id);
/* Since the window opened: the longest chart draw, the longest frame
 * (layout, drawing and rendering) and the number of frames painted. */
void             lw_window_get_draw_stats (LwWindow *self, gint64 *max_chart_us,
                                           gint64 *max_frame_us, guint *n_frames);

/* What Save Run… and Open Run… do with the file chosen; the outcome shows
 * in the banner above the views. */
void             lw_window_save_run_to  (LwWindow *self, GFile *file);
void             lw_window_open_run_from (LwWindow *self, GFile *file);
/* The banner's text, or NULL while it is hidden; offers_restore (may be
 * NULL): whether it offers a crash's autosave back (win.restore-recovered). */
const char      *lw_window_get_banner   (LwWindow *self, gboolean *offers_restore);

G_END_DECLS
