/* lw-window-private.h: what the UI test looks at inside the window. */
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
/* Since the window opened: the longest chart draw, the longest frame
 * (layout, drawing and rendering) and the number of frames painted. */
void             lw_window_get_draw_stats (LwWindow *self, gint64 *max_chart_us,
                                           gint64 *max_frame_us, guint *n_frames);

G_END_DECLS
