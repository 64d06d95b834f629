/* lw-model-private.h: the pieces of a training step, for schedules other
 * than lw_model_train_step's one-block-after-another (lw-pipeline.c).
 * Engine-internal. */
#pragma once

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

/* Seconds per step each block (and, at index n_blocks, the output layer)
 * took in lw_model_train_step, a moving average; 0 before any step. */
void         lw_model_block_costs           (const LwModel *model, double *costs);

/* Every trainable value (blocks with their heads, then the output
 * layer) in a fixed order into out, which may be NULL; returns how many. */
gsize        lw_model_copy_params           (const LwModel *model, float *out);
/* Where part (a block; n_blocks: the output layer) starts in that order. */
gsize        lw_model_param_offset          (const LwModel *model, guint part);

/* Every value training changes and a checkpoint keeps, in a fixed order:
 * each tensor's weights (with t, its step count), first and second
 * moments (t NULL), and each block's BatchNorm running mean and variance. */
typedef void (*LwStateFunc) (float *values, gsize n, guint64 *t, gpointer data);
void         lw_model_visit_state           (LwModel *model, LwStateFunc fn, gpointer data);
/* After something other than a step wrote that state (a checkpoint
 * restored, a run resumed): lets the divergence guard measure it again. */
void         lw_model_state_changed         (LwModel *model);

/* Conv blocks share one workspace; a schedule that runs blocks at once
 * lends each block the workspace of the thread running it, between calls
 * (ws NULL: back to the shared one). */
gsize        lw_model_block_workspace_floats (const LwModel *model, guint block);
void         lw_model_block_use_workspace   (LwModel *model, guint block, float *ws);

/* What lw-model-state.c saves and restores: block i's parameter slots
 * (LW_BLOCK_N_PARAMS of them), its BatchNorm with the running statistics,
 * its dropout stream; the output layer's parameter slots
 * (*n of them). */
LwParam     *lw_model_block_param_slots     (LwModel *model, guint block);
LwBatchNorm *lw_model_block_batchnorm       (LwModel *model, guint block);
LwRng       *lw_model_block_dropout_rng     (LwModel *model, guint block);
LwParam     *lw_model_output_param_slots    (LwModel *model, guint *n);

G_END_DECLS
