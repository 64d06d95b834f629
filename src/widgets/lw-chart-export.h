/* lw-chart-export.h: any chart's draw routine onto a PNG or SVG file. */
#pragma once

#include <glib.h>
#include <cairo.h>

G_BEGIN_DECLS

/* What every chart offers as lw_xxx_draw_func: draws data over
 * 0,0 .. width,height in cr's user units, and changes nothing else. */
typedef void (*LwChartDrawFunc) (gconstpointer data, cairo_t *cr,
                                 double width, double height);

/* width x height pixels. */
gboolean lw_chart_render_png (LwChartDrawFunc draw, gconstpointer data,
                              int width, int height, const char *path,
                              GError **error);
/* width x height px, with vector curves and text. */
gboolean lw_chart_render_svg (LwChartDrawFunc draw, gconstpointer data,
                              double width, double height, const char *path,
                              GError **error);

G_END_DECLS
