/* lw-charts.h: the window's charts as data: what each view draws from
 * the newest snapshot, and the draw routine that paints it on screen, into
 * a PNG or into an SVG alike. Main thread only. */
#pragma once

#include <glib.h>

#include "session/lw-snapshot.h"
#include "widgets/lw-chart-export.h"
#include "widgets/lw-chart-gallery.h"

G_BEGIN_DECLS

typedef enum {
  LW_CHART_ACCURACY,
  LW_CHART_LOSS,
  LW_CHART_FILTERS,
  LW_CHART_PROBE,             /* the probe image and each block's activations */
  LW_CHART_SIMILARITY,
  LW_CHART_CONFUSION,         /* of the chosen layer, on the held-out images */
  LW_CHART_GALLERY,           /* the held-out images, the chosen layer's mistakes first */
  LW_N_CHARTS
} LwChartId;

const char *lw_chart_id_to_string   (LwChartId id);
gboolean    lw_chart_id_from_string (const char *name, LwChartId *id);
/* A human title, e.g. for a file name suggestion. */
const char *lw_chart_id_title       (LwChartId id);

typedef enum {
  LW_TEST_CURVE_HELD_OUT,     /* the held-out subset every few hundred steps */
  LW_TEST_CURVE_EPOCH,        /* the full test set at the end of each epoch */
} LwTestCurve;

typedef struct _LwCharts LwCharts;

LwCharts   *lw_charts_new        (void);
void        lw_charts_free       (LwCharts *charts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwCharts, lw_charts_free)

/* Rebuilds every chart's model from snap (kept referenced until the next
 * update); the models point into the snapshot, nothing is copied. Returns
 * the charts whose picture changed, as bits 1 << LwChartId. */
guint       lw_charts_update     (LwCharts *charts, LwSnapshot *snap);
LwSnapshot *lw_charts_get_snapshot (LwCharts *charts);

void        lw_charts_set_loss_log   (LwCharts *charts, gboolean log_scale);
void        lw_charts_set_test_curve (LwCharts *charts, LwTestCurve curve);
/* The layer whose predictions the confusion matrix and the gallery show:
 * a block, or n_blocks (or more) for the output layer. */
void        lw_charts_set_prediction_layer (LwCharts *charts, guint layer);
/* The test image index under (x, y) of the gallery drawn at width x
 * height, or -1. */
int         lw_charts_gallery_hit    (LwCharts *charts, double width, double height,
                                      double x, double y);
/* The gallery's keyboard cursor: an image index (G_MAXUINT: none yet),
 * drawn when shown. It stays on its image when the predictions change. */
void        lw_charts_set_gallery_cursor (LwCharts *charts, guint index, gboolean shown);
guint       lw_charts_get_gallery_cursor (LwCharts *charts);
/* The image index one move away from the cursor's in the gallery drawn at
 * width x height (lw_gallery_move), or -1 when it shows none. */
int         lw_charts_gallery_move   (LwCharts *charts, double width, double height,
                                      LwGalleryMove move);
/* Where the image lies among the tiles shown (0 first), or -1. */
int         lw_charts_gallery_position (LwCharts *charts, double width, double height,
                                        guint index);
/* One gallery image in words: its index, true class and what the chosen
 * layer took it for; NULL when there is no such image. */
char       *lw_charts_describe_gallery_image (LwCharts *charts, guint index);
/* Fonts and lines, 1 normal, larger for presentations. */
void        lw_charts_set_scale      (LwCharts *charts, double scale);

/* The draw routine and its data for a chart, valid until the next update. */
LwChartDrawFunc lw_charts_get_draw (LwCharts *charts, LwChartId id, gconstpointer *data);

/* What the chart shows now, in words, for screen readers: the current
 * values (accuracies, losses, counts), not how it looks
 * (lw-charts-descriptions.c, as is lw_charts_describe_gallery_image). */
char       *lw_charts_describe   (LwCharts *charts, LwChartId id);

/* Every series of every run as CSV: run,layer,series,samples,value. */
gboolean    lw_charts_write_csv  (LwCharts *charts, const char *path, GError **error);
char       *lw_charts_to_csv     (LwCharts *charts);

/* How the similarity page lays out n matrices in width x height, bar wide
 * kept at the right for the scale, each matrix with margin_w x margin_h of
 * room around it: rows, columns and each matrix's side.
 * pairs > 0: the n = 2 x pairs matrices are each block's target, then the
 * blocks', and each block stands under its target. */
void        lw_charts_similarity_layout (guint n, guint pairs, double width, double height,
                                         double bar, double margin_w, double margin_h,
                                         guint *rows, guint *cols, double *cell);

G_END_DECLS
