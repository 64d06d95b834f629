/* lw-step.h: what a training step is made of, for schedulers: the pieces
 * that lw_model_train_step runs one block after another, which
 * lw-pipeline.c (blocks on threads) and the CLI's distributed run (blocks
 * on ranks) run in other orders.
 *
 * lw_model_train_step, written with these pieces (a local loss; a bp step
 * has no pieces, its error crosses every block):
 *
 *   guint n_blocks = lw_model_n_blocks (model);
 *   LwStepControls c;
 *   LwStepStats st;
 *   const float *h = x;
 *
 *   lw_model_capture_controls (model, &c);        // once per batch
 *   lw_step_stats_init (&st, n_blocks, count);
 *   for (guint i = 0; i < n_blocks && h != NULL; i++)
 *     h = lw_model_block_train (model, i, h, y, count, &c, &st.block[i]);
 *   if (h != NULL)                                // NULL: block i diverged
 *     lw_model_output_train (model, h, y, count, &c, &st);
 *
 * A scheduler may run block i on batch k+1 while block i+1 runs on batch
 * k, as long as each block sees its batches in order, with the controls
 * captured for that batch, and blocks that run at once do not share a
 * workspace (lw_model_block_use_workspace). */
#pragma once

#include <stdatomic.h>

#include "lw-block.h"
#include "lw-model.h"

G_BEGIN_DECLS

/* The live controls as they stood when a step was handed out: a step runs
 * with these, whatever is changed while it runs. */
typedef struct {
  LwStepContext ctx;
  float lr_mult[LW_MAX_BLOCKS];
  gboolean frozen[LW_MAX_BLOCKS];
} LwStepControls;

void         lw_model_capture_controls      (const LwModel *model, LwStepControls *controls);

/* Block i's part of a local step (not bp): forward on below, then its own
 * heads and update. Returns its detached output, lw_model_block_out_floats
 * per sample, valid until the block's next call; NULL when its update
 * diverged and was not applied (stats->diverged, with block = i), after
 * which no later part may train on the batch. Touches only block i's
 * state, so different blocks may run on different threads as long as
 * each block sees its batches in order and no two share a workspace. */
const float *lw_model_block_train           (LwModel *model, guint block, const float *below,
                                             const guint8 *y, guint count,
                                             const LwStepControls *controls, LwBlockStats *stats);
/* The output layer's step on the last block's output h; FALSE, with
 * stats->diverged (block = n_blocks), when it diverged and was not applied. */
gboolean     lw_model_output_train          (LwModel *model, const float *h, const guint8 *y,
                                             guint count, const LwStepControls *controls,
                                             LwStepStats *stats);
gsize        lw_model_block_out_floats      (const LwModel *model, guint block);

/* lw_model_evaluate one piece at a time: block i's evaluation forward on
 * below, adding its local classifier's correct predictions to *correct;
 * returns its output (lw_model_block_out_floats per sample), valid until
 * the block's next call. Then the output layer on the last block's
 * output. */
const float *lw_model_block_evaluate        (LwModel *model, guint block, const float *below,
                                             const guint8 *y, guint count, guint *correct);
void         lw_model_output_evaluate       (LwModel *model, const float *h, const guint8 *y,
                                             guint count, guint *correct);

/* A request to stop: non-zero asks a step to stop at the next boundary
 * between two blocks. Any thread may set it; steps only read it. */
typedef atomic_uint LwStopFlag;

/* A step that stopped between two blocks, to go on later where it
 * stopped. With a local loss each block's update is whole on its own, so
 * in between the model is at rest: the blocks below have learned from the
 * batch, those above not yet; it may be evaluated and inspected, and its
 * live controls changed (the rest of the step keeps those it began with).
 * Zero-initialise; lw_step_cursor_clear frees it. */
typedef struct {
  gboolean open;              /* stopped: blocks next.. and the output are still to train */
  guint next;
  guint count;
  LwStepControls controls;    /* captured as the step began */
  LwStepStats stats;          /* of the blocks trained so far */
  float *h;                   /* block next's input; allocated at the first stop */
  guint8 *y;
} LwStepCursor;

void         lw_step_cursor_clear           (LwStepCursor *cursor);

/* lw_model_train_step that, after any block but the last, stops when
 * *stop is non-zero: returns FALSE with the position in cursor (x and y
 * need not be kept), or TRUE with stats when the step is through. bp and
 * no-detach steps, one update of the whole network, never stop. */
gboolean     lw_model_train_step_stoppable  (LwModel *model, const float *x, const guint8 *y,
                                             guint count, const LwStopFlag *stop,
                                             LwStepCursor *cursor, LwStepStats *stats);
/* Goes on with a stopped step (cursor->open) from where it stopped,
 * training one block at least before it may stop again; as above. The
 * result is the step's had it never stopped, bit for bit. */
gboolean     lw_model_train_step_go_on      (LwModel *model, const LwStopFlag *stop,
                                             LwStepCursor *cursor, LwStepStats *stats);

/* Seconds per step each block (and, at index n_blocks, the output layer)
 * took in lw_model_train_step, a moving average; 0 before any step. */
void         lw_model_block_costs           (const LwModel *model, double *costs);

/* Conv blocks share one workspace; a schedule that runs blocks at once
 * lends each block the workspace of the thread running it, between calls
 * (ws NULL: back to the shared one). */
gsize        lw_model_block_workspace_floats (const LwModel *model, guint block);
void         lw_model_block_use_workspace   (LwModel *model, guint block, float *ws);

G_END_DECLS
