/* lw-window.h: training accuracy and losses over the last few batches, so
 * the curves follow the model as it is now rather than the whole epoch. */
#pragma once

#include <glib.h>

#include "engine/lw-model.h"

G_BEGIN_DECLS

#define LW_WINDOW_BATCHES 20

typedef struct {
  guint count;
  guint correct[LW_MAX_BLOCKS + 1];     /* blocks, then the output layer */
  float loss_pred[LW_MAX_BLOCKS + 1];   /* batch means; the output's cross-entropy last */
  float loss_sim[LW_MAX_BLOCKS];
} LwWindowEntry;

typedef struct {
  guint n_blocks;
  guint head, n;
  LwWindowEntry entries[LW_WINDOW_BATCHES];
} LwWindow;

void  lw_window_init      (LwWindow *w, guint n_blocks);
void  lw_window_add       (LwWindow *w, const LwStepStats *stats);
/* layer: 0 .. n_blocks-1 a block, n_blocks the output layer. */
float lw_window_acc       (const LwWindow *w, guint layer);
float lw_window_loss_pred (const LwWindow *w, guint layer);
float lw_window_loss_sim  (const LwWindow *w, guint block);

G_END_DECLS
