/* lw-batches.h: the batches a run trains and tests on, in the order a
 * seed fixes: shuffled (or class-restricted) training batches with the
 * dataset's augmentation, and the test set in order. Every schedule draws
 * its batches from here, so they all see the same ones. */
#pragma once

#include <glib.h>

#include "data/lw-dataset.h"
#include "lw-cli-options.h"

G_BEGIN_DECLS

typedef struct _LwBatches LwBatches;

/* ds must outlive the batches and have training and test samples. */
LwBatches *lw_batches_new          (const LwCliOptions *opts, const LwDataset *ds);
void       lw_batches_free         (LwBatches *batches);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwBatches, lw_batches_free)

/* Training batches per epoch, and test batches (of up to batch_size). */
guint      lw_batches_n_train      (const LwBatches *batches);
guint      lw_batches_n_test       (const LwBatches *batches);

/* Starts epoch (1-based): its lw_batches_n_train batches follow. */
void       lw_batches_begin_epoch  (LwBatches *batches, guint epoch);
/* The epoch's next training batch into x and y; returns its size.
 * Allocates nothing. */
guint      lw_batches_next_train   (LwBatches *batches, float *x, guint8 *y);
/* Test batch index (0 .. lw_batches_n_test - 1) into x and y; returns its
 * size. */
guint      lw_batches_test         (const LwBatches *batches, guint index, float *x, guint8 *y);

G_END_DECLS
