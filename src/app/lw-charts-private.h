/* lw-charts-private.h: the charts' state, shared by lw-charts.c (the
 * models built from a snapshot) and lw-charts-descriptions.c (the same
 * in words, for screen readers).
 *
 * A -private.h is included only by the files of its own folder (here
 * src/app/) and by the tests of that code, never from another folder. */
#pragma once

#include "lw-charts.h"
#include "widgets/lw-chart-confusion.h"
#include "widgets/lw-chart-feature-maps.h"
#include "widgets/lw-chart-gallery.h"
#include "widgets/lw-chart-heatmap.h"
#include "widgets/lw-chart-image-grid.h"
#include "widgets/lw-chart-line.h"

G_BEGIN_DECLS

/* The label matrix and each block's; under a bpf loss with a code per
 * block, each block's own target above the block's (two rows). */
typedef struct {
  LwHeatmap maps[2 * LW_MAX_BLOCKS];
  LwImageCache *caches[2 * LW_MAX_BLOCKS];
  guint n;
  guint cols;                 /* targets above blocks: the pairs; 0: no pairs */
  double scale;
} SimilarityRow;

/* The probe image beside each block's activations: strips for an MLP,
 * feature maps for a conv net. */
typedef struct {
  LwImageGrid image;
  gboolean conv;
  double scale;
  LwActivationStrips strips;
  LwFeatureMaps maps;
  LwFeatureGroup groups[LW_MAX_BLOCKS];
  char *image_title;
} ProbeView;

struct _LwCharts
{
  LwSnapshot *snap;
  gboolean loss_log;
  LwTestCurve test_curve;
  double scale;

  GArray *acc_series;         /* LwLineSeries */
  GArray *loss_series;
  GArray *marks;              /* LwLineMark */
  GPtrArray *strings;         /* names made for the current models */
  LwLineChart acc, loss;

  LwImageGrid filters;
  LwImageCache *filters_cache;
  char *filters_title;
  ProbeView probe;
  LwImageCache *probe_cache, *strips_cache, *maps_cache;
  SimilarityRow sim;
  char *block_names[LW_MAX_BLOCKS];
  char *block_short_names[LW_MAX_BLOCKS];   /* "b1", where "block 1" does not fit */
  char *target_names[LW_MAX_BLOCKS];        /* "block 1 target": its own, under bpf */
  char *target_short_names[LW_MAX_BLOCKS];

  guint prediction_layer;     /* clamped to the output layer */
  LwConfusion confusion;
  char *confusion_title, *confusion_caption;
  LwGallery gallery;
  char *gallery_caption;
  guint32 *gallery_order;     /* for the predictions and layer shown */
  LwImageCache *gallery_cache;
  const LwPredictions *seen_predictions;
  guint seen_layer;
  guint64 gallery_serial;     /* its images change only with the order */
  guint gallery_cursor;       /* the keyboard's image index, G_MAXUINT: none yet */
  gboolean gallery_cursor_shown;

  /* Pictures change a few times a second, curves more often: their
   * caches are told apart by the data pointer they were built from. */
  const float *seen_filters, *seen_probe, *seen_sim;
  guint64 pictures_serial;
};

/* Class k as the window shows it: the dataset's name, else its number
 * (written into buf). */
const char *lw_charts_class_label (const LwSnapshot *snap, guint n_classes, guint k, char *buf,
                                  gsize size);
/* "block 2", or "output" for layer n_blocks. */
const char *lw_charts_layer_name  (const LwCharts *charts, guint layer, guint n_blocks);

G_END_DECLS
