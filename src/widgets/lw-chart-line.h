/* lw-chart-line.h: curves against samples seen.
 *
 * The model only points at the caller's arrays (for example a snapshot's
 * series) and is read, never changed, by the draw routine. */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "lw-colors.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;            /* legend text; NULL keeps the series out of the legend */
  LwColor color;
  gboolean dashed;
  double alpha;                /* 1 for the current run, ~0.35 for earlier ones
                                * (faded towards the background); 0 means 1 */
  guint n;
  const double *x;
  const float *y;              /* NaN leaves a gap */
} LwLineSeries;

typedef struct {
  double x;
  guint kind;                  /* colour by lw_color_mark(): LwMarkKind values */
  const char *label;           /* short, e.g. "lr 1e-3"; may be NULL */
} LwLineMark;

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title takes more than two lines */
  const char *x_label;         /* e.g. "samples seen" */
  const char *y_label;         /* e.g. "accuracy" */
  const char *y_unit;          /* shown as "label (unit)"; NULL for none */
  const char *empty_text;      /* shown without data; NULL: "No data yet" */

  gboolean y_log;              /* log10 axis; values <= 0 are left out */
  gboolean y_percent;          /* fractions shown as 0..100 % */
  gboolean y_fixed;            /* y_min .. y_max instead of the data's range */
  double y_min, y_max;

  guint n_series;
  const LwLineSeries *series;  /* drawn dimmed ones first, then in order */
  guint n_marks;
  const LwLineMark *marks;

  double scale;                /* presentation factor for fonts and lines; 0 means 1 */
} LwLineChart;

void lw_line_chart_draw      (const LwLineChart *chart, cairo_t *cr,
                              double width, double height);
/* The same, typed as LwChartDrawFunc for lw_chart_render_png() and LwChartView. */
void lw_line_chart_draw_func (gconstpointer chart, cairo_t *cr,
                              double width, double height);

/* Where the plot went in a draw at this size, and its axes' ranges: for
 * mapping the pointer to samples seen. FALSE without data or room. */
typedef struct {
  double x, y, width, height;
  double x_min, x_max;
  double y_min, y_max;
  gboolean y_log;
} LwLineChartArea;

gboolean lw_line_chart_get_area (const LwLineChart *chart, cairo_t *cr,
                                 double width, double height, LwLineChartArea *area);

/* The last finite value of a series, or NaN. */
double lw_line_series_last_value (const LwLineSeries *series);

G_END_DECLS
