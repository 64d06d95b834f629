/* lw-run.h: one training run with no threads in it: the model, the
 * sample order, the batch buffers, evaluation and the curves. The worker
 * drives it one batch at a time. */
#pragma once

#include <glib.h>

#include "data/lw-sampler.h"
#include "lw-history.h"
#include "lw-rate.h"
#include "lw-session.h"
#include "lw-recent.h"

G_BEGIN_DECLS

typedef struct {
  const LwDataset *ds;        /* not owned; outlives the run */
  LwModel *model;
  guint n_blocks, input_size, batch_size;
  guint max_epochs, eval_every, eval_samples;

  float *x;                   /* one batch, allocated once */
  guint8 *y;
  LwSampler *sampler;         /* the training batches of each epoch */
  guint32 *test_order;        /* 0 .. test.n-1 */
  LwAugment augment;
  gboolean use_augment;
  LwRng shuffle_rng, augment_rng;

  /* Similarity probe: probe_n test samples sorted by class, fixed. */
  guint probe_n;
  guint32 *probe_index;
  float *probe_x;
  guint8 *probe_y;

  guint n_batches, batch_pos;
  guint epoch;                /* 1-based, under way */
  guint64 step, samples_seen;
  gboolean finished;
  float block_lr_mult[LW_MAX_BLOCKS];
  float last_train_acc[LW_MAX_BLOCKS + 1];
  float last_test_acc[LW_MAX_BLOCKS + 1];
  LwDivergence diverged;      /* of the last step: what == NONE when it was applied */

  LwRecent window;
  LwRate rate;
  LwHistory *history;
} LwRun;

/* ds must have non-empty training and test sets. */
LwRun   *lw_run_new   (const LwDataset *ds, const LwRunSettings *settings,
                       guint run_id, GError **error);
void     lw_run_free  (LwRun *run);

/* One batch: train, record, evaluate when due. Returns TRUE when that
 * batch ended the last epoch (run->finished). A batch whose step diverged
 * (run->diverged) counts as seen but adds nothing to the curves.
 * Allocates nothing beyond the curves' amortised growth. */
gboolean lw_run_step  (LwRun *run);

/* Title for the curves, e.g. "predsim, lr 5e-4". */
void     lw_run_update_title (LwRun *run);

G_END_DECLS
