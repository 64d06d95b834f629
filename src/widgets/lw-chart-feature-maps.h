/* lw-chart-feature-maps.h: one image's activations in a conv net, a band
 * per block from the first to the last: a conv block's feature maps as a
 * grid of small pictures, a fully connected block's units as a strip. */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "lw-image-cache.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;               /* e.g. "block 1" */
  guint channels, height, width;  /* feature maps; channels 0: a fully connected block */
  guint units;                    /* values; a strip unless channels * height * width */
  const float *values;            /* map by map, each row by row */
} LwFeatureGroup;

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title takes more than two lines */
  guint n_groups;
  const LwFeatureGroup *groups;   /* group i in layer colour i */
  guint max_maps;                 /* per group, an evenly chosen subset beyond it; 0: all */
  double scale;                   /* presentation factor; 0 means 1 */
  guint64 serial;                 /* 0: no caching */
  LwImageCache *cache;            /* may be NULL */
} LwFeatureMaps;

/* White at 0 up to the layer's colour where the group's top 1% of values
 * begins (those saturate), one scale for all maps of a group, so a weak
 * channel looks weak; diverging when a group has negative values, as the
 * activation strips. */
void  lw_feature_maps_draw      (const LwFeatureMaps *maps, cairo_t *cr,
                                 double width, double height);
void  lw_feature_maps_draw_func (gconstpointer maps, cairo_t *cr,
                                 double width, double height);
/* How many maps of group g are shown, and which map tile k shows. */
guint lw_feature_maps_n_shown   (const LwFeatureMaps *maps, guint g);
guint lw_feature_maps_tile_map  (const LwFeatureMaps *maps, guint g, guint k);

G_END_DECLS
