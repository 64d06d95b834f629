/* lw-chart-view.h: a widget that shows any chart.
 *
 * It holds a draw routine (lw_line_chart_draw_func, lw_heatmap_draw_func,
 * ...) and the model it draws, and paints them in snapshot(). Setting new
 * data queues a redraw; drawing never changes the data. Each draw is timed,
 * so the window can show that no frame's chart took longer than a frame. */
#pragma once

#include <gtk/gtk.h>

#include "lw-chart-export.h"

G_BEGIN_DECLS

#define LW_TYPE_CHART_VIEW (lw_chart_view_get_type ())
G_DECLARE_FINAL_TYPE (LwChartView, lw_chart_view, LW, CHART_VIEW, GtkWidget)

GtkWidget     *lw_chart_view_new            (LwChartDrawFunc draw);
void           lw_chart_view_set_draw_func  (LwChartView *self, LwChartDrawFunc draw);
/* Takes data (freed with destroy, if given, when replaced or on dispose)
 * and queues a redraw. data must stay unchanged until it is replaced. */
void           lw_chart_view_set_data       (LwChartView *self, gpointer data,
                                             GDestroyNotify destroy);
gconstpointer  lw_chart_view_get_data       (LwChartView *self);
/* Draws the current data into a file of the given size. */
gboolean       lw_chart_view_export_png     (LwChartView *self, const char *path,
                                             int width, int height, GError **error);
gboolean       lw_chart_view_export_svg     (LwChartView *self, const char *path,
                                             double width, double height, GError **error);

/* Time spent in the draw routine, rasterising included, in microseconds. */
gint64         lw_chart_view_get_last_draw_us (LwChartView *self);
gint64         lw_chart_view_get_max_draw_us  (LwChartView *self);
guint          lw_chart_view_get_n_draws      (LwChartView *self);
void           lw_chart_view_reset_draw_stats (LwChartView *self);

G_END_DECLS
