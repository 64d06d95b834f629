/* lw-chart-image-grid.h: small images in a grid (first-layer filters, a
 * probe image) and activations as strips, one per block. */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "lw-image-cache.h"

G_BEGIN_DECLS

typedef enum {
  /* Each image scaled by its largest |value|: zero white, negative blue,
   * positive red; three-channel images around mid grey instead. */
  LW_IMAGE_COLORING_DIVERGING,
  /* Each image's min .. max stretched to black .. white (or per channel
   * for three-channel images). */
  LW_IMAGE_COLORING_GREY,
} LwImageColoring;

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title takes more than two lines */
  const char *caption;            /* right of the title; NULL: "64 of 1024" when a subset is shown */
  guint n_images;
  guint channels, height, width;  /* one image: channels x height x width values */
  const float *data;              /* n_images images, one after another */
  guint max_tiles;                /* evenly chosen subset when n_images is larger; 0: all */
  LwImageColoring coloring;
  double scale;                   /* presentation factor; 0 means 1 */
  guint64 serial;                 /* 0: no caching */
  LwImageCache *cache;            /* may be NULL */
} LwImageGrid;

void  lw_image_grid_draw      (const LwImageGrid *grid, cairo_t *cr,
                               double width, double height);
void  lw_image_grid_draw_func (gconstpointer grid, cairo_t *cr,
                               double width, double height);
/* Which image tile k of n_tiles shows. */
guint lw_image_grid_tile_image (const LwImageGrid *grid, guint k, guint n_tiles);

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title takes more than two lines */
  guint n_blocks;
  const guint *widths;            /* units per block */
  const float *values;            /* the blocks' activations, one after another */
  const char *const *names;       /* NULL: "b1", "b2", ... */
  double scale;
  guint64 serial;
  LwImageCache *cache;
} LwActivationStrips;

/* One strip of cells per block in the block's layer colour (white at 0,
 * full colour at the block's largest activation; diverging when a block
 * has negative values), and the share of units above zero. */
/* The height the strips use at most at width: more is left empty. */
double lw_activation_strips_natural_height (const LwActivationStrips *strips, cairo_t *cr,
                                            double width);
void lw_activation_strips_draw      (const LwActivationStrips *strips, cairo_t *cr,
                                     double width, double height);
void lw_activation_strips_draw_func (gconstpointer strips, cairo_t *cr,
                                     double width, double height);

G_END_DECLS
