/* lw-predictions.h: what every layer predicts for the first test images,
 * their confusion matrices, and the images themselves, for the confusion
 * matrix and the gallery. Computed by the worker every few seconds into an
 * immutable, reference-counted blob that snapshots share. No GTK. */
#pragma once

#include <glib.h>

#include "engine/lw-model.h"
#include "data/lw-dataset.h"

G_BEGIN_DECLS

/* The first n test images, normalised, copied once per run and shared by
 * every LwPredictions of that run. */
typedef struct {
  gint ref_count;
  guint n;
  guint channels, height, width;
  float *data;                /* n * channels * height * width */
} LwTestImages;

/* n must not exceed the test set. */
LwTestImages *lw_test_images_new   (const LwDataset *ds, guint n);
LwTestImages *lw_test_images_ref   (LwTestImages *images);
void          lw_test_images_unref (LwTestImages *images);

typedef struct {
  gint ref_count;
  guint64 step;               /* the run's step they were made at */
  guint n;                    /* test images evaluated: the first n */
  guint n_layers;             /* n_blocks + 1: the blocks, then the output layer */
  guint n_classes;
  const guint8 *labels;       /* n true labels */
  const guint8 *predicted;    /* n_layers rows of n */
  /* n_layers matrices of n_classes x n_classes: row the true class,
   * column the predicted one; each matrix sums to n. */
  const guint32 *confusion;
  const guint *correct;       /* n_layers: the diagonal's sum */
  LwTestImages *images;       /* the n images */
} LwPredictions;

/* Evaluates model on the images' first test samples, batch by batch
 * through x and y (batch_size samples each, the run's buffers); step is
 * the run's, for the record. Uses the
 * model's batch buffers: call between steps only. */
LwPredictions *lw_predictions_compute (LwModel *model, const LwDataset *ds,
                                       LwTestImages *images, float *x, guint8 *y,
                                       guint batch_size, guint64 step);
LwPredictions *lw_predictions_ref     (LwPredictions *preds);
void           lw_predictions_unref   (LwPredictions *preds);

static inline const guint32 *
lw_predictions_confusion (const LwPredictions *p, guint layer)
{
  return p->confusion + (gsize) layer * p->n_classes * p->n_classes;
}

static inline guint8
lw_predictions_get (const LwPredictions *p, guint layer, guint i)
{
  return p->predicted[(gsize) layer * p->n + i];
}

/* The order to show the images in for a layer: those it gets wrong first,
 * then the right ones, each group in test-set order. order holds n. */
void           lw_predictions_order   (const LwPredictions *preds, guint layer,
                                       guint32 *order);

G_END_DECLS
