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

/* The room a heatmap takes around its matrix, text measured on cr: the
 * title above, the colour scale (bar) right of right, and the class
 * names' column left of left where the names can be read. */
typedef struct {
  double left, top, right, bottom;
  double bar;                     /* 0 when the scale bar is hidden */
  double names;                   /* 0 without labels */
  double name_h;                  /* a class name's height */
} LwHeatmapMargins;

/* Where the matrix goes in a width x height chart drawn on cr: square
 * cells as large as fit; on pixels a whole number of them where that
 * costs little of the size (sharp), else smoothly scaled. */
typedef struct {
  LwHeatmapMargins margins;
  double x, y;                    /* the matrix's top left */
  double cell;                    /* one cell's side; 0: no room */
  gboolean sharp;
  gboolean names_shown;           /* the names' column taken */
} LwHeatmapLayout;

void lw_heatmap_margins   (const LwHeatmap *heatmap, cairo_t *cr,
                           LwHeatmapMargins *margins);
/* The widest of n heatmaps' margins, each side on its own, so that one
 * box size holds any of them; returns the index of the one with the
 * widest class names (0 when none has names). */
guint lw_heatmap_margins_union (const LwHeatmap *heatmaps, guint n, cairo_t *cr,
                                LwHeatmapMargins *margins);
/* Whether the class names can be read at cells of side cell: a class of
 * average size as tall as a name. A heatmap takes the names' room only
 * then, judged at the cell it would have without them. */
gboolean lw_heatmap_names_fit (const LwHeatmap *heatmap, const LwHeatmapMargins *margins,
                               double cell);
void lw_heatmap_layout    (const LwHeatmap *heatmap, cairo_t *cr,
                           double width, double height, LwHeatmapLayout *layout);
void lw_heatmap_draw      (const LwHeatmap *heatmap, cairo_t *cr,
                           double width, double height);
void lw_heatmap_draw_func (gconstpointer heatmap, cairo_t *cr,
                           double width, double height);

G_END_DECLS
