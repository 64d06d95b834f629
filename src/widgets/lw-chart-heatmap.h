/* lw-chart-heatmap.h: a matrix of signed values, e.g. similarity matrices. */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "lw-image-cache.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title does not fit ("b1") */
  guint rows, cols;
  const float *values;            /* rows x cols, row by row */
  double limit;                   /* colours span -limit .. limit; 0 means 1 */

  /* NULL, or a class per row, sorted; lines are drawn where the class
   * changes, across the columns too when the matrix is square. */
  const guint8 *labels;
  const char *const *class_names; /* NULL: class numbers */
  guint n_class_names;

  gboolean hide_scale_bar;
  double scale;                   /* presentation factor; 0 means 1 */

  /* The cells' image is rebuilt only when serial or values change. */
  guint64 serial;                 /* 0: no caching */
  LwImageCache *cache;            /* may be NULL */
} LwHeatmap;

void lw_heatmap_draw      (const LwHeatmap *heatmap, cairo_t *cr,
                           double width, double height);
void lw_heatmap_draw_func (gconstpointer heatmap, cairo_t *cr,
                           double width, double height);

G_END_DECLS
