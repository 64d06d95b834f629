/* lw-recent.h: training accuracy and losses over the last few batches, so
 * the curves follow the model as it is now rather than the whole epoch. */
#pragma once

#include <glib.h>

#include "engine/lw-model.h"

G_BEGIN_DECLS

#define LW_RECENT_BATCHES 20

typedef struct {
  guint count;
  guint correct[LW_MAX_BLOCKS + 1];     /* blocks, then the output layer */
  float loss_pred[LW_MAX_BLOCKS + 1];   /* batch means; the output's cross-entropy last */
  float loss_sim[LW_MAX_BLOCKS];
} LwRecentEntry;

typedef struct {
  guint n_blocks;
  guint head, n;
  LwRecentEntry entries[LW_RECENT_BATCHES];
} LwRecent;

void  lw_recent_init      (LwRecent *w, guint n_blocks);
void  lw_recent_add       (LwRecent *w, const LwStepStats *stats);
/* layer: 0 .. n_blocks-1 a block, n_blocks the output layer. */
float lw_recent_acc       (const LwRecent *w, guint layer);
float lw_recent_loss_pred (const LwRecent *w, guint layer);
float lw_recent_loss_sim  (const LwRecent *w, guint block);

G_END_DECLS
