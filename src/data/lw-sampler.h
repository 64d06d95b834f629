/* lw-sampler.h: the order in which training batches visit the training
 * set: plain shuffled batches, or batches built from a few classes each
 * (the classes-per-batch sampler of docs/method.md §4, for the sim loss). */
#pragma once

#include <glib.h>
#include "engine/lw-rng.h"

G_BEGIN_DECLS

typedef struct _LwSampler LwSampler;

/* labels: the n training labels, each < n_classes. classes_per_batch 0
 * gives plain shuffled batches; otherwise each batch of epochs 1 to
 * until_epoch (0: every epoch) holds at most classes_per_batch classes,
 * which must be at most batch_size. Everything a batch needs is
 * allocated here. */
LwSampler *lw_sampler_new          (const guint8 *labels, guint n, guint n_classes,
                                    guint batch_size, guint classes_per_batch,
                                    guint until_epoch);
void       lw_sampler_free         (LwSampler *sampler);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwSampler, lw_sampler_free)

/* Batches per epoch, ceil(n / batch_size), in either mode. */
guint      lw_sampler_n_batches    (const LwSampler *sampler);

/* Starts epoch (1-based); the next lw_sampler_n_batches() calls of
 * lw_sampler_next_batch() give its batches. Plain epochs draw from rng
 * exactly as lw_rng_shuffle of 0 .. n-1 does. */
void       lw_sampler_begin_epoch  (LwSampler *sampler, guint epoch, LwRng *rng);

/* The next batch of the epoch: points *indices at its training indices,
 * valid until the next call, and returns how many there are (batch_size,
 * or fewer for the last batch of a plain epoch). Allocates nothing. */
guint      lw_sampler_next_batch   (LwSampler *sampler, LwRng *rng, const guint32 **indices);

/* Whether the current epoch builds class-restricted batches. */
gboolean   lw_sampler_by_class     (const LwSampler *sampler);

G_END_DECLS
