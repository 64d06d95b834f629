/* lw-model-private.h: the model's insides that only the engine touches:
 * its parameters in a fixed order, the state a checkpoint keeps, and what
 * lw-model.c takes from lw-model-config.c and lw-architectures.c.
 * The pieces of a step that schedulers drive are public: lw-step.h.
 *
 * A -private.h is included only by the files of its own folder (here
 * src/engine/) and by the tests of that code, never from another folder. */
#pragma once

#include "lw-block.h"
#include "lw-conv-block.h"
#include "lw-model.h"
#include "lw-step.h"

G_BEGIN_DECLS

/* Whether config makes a model; else why not, in error. */
gboolean     lw_model_config_check          (const LwModelConfig *config, GError **error);

/* Entries of an architecture's conv layout at most, and so conv blocks. */
#define LW_ARCH_MAX_LAYOUT 16
/* The conv blocks' shapes (at most LW_ARCH_MAX_LAYOUT) config's
 * architecture has for its input; returns how many, or 0 with *what set
 * when the input is too small for the layout. */
guint        lw_arch_conv_shapes            (const LwModelConfig *config, LwConvBlockShape *shapes,
                                             const char **what);

/* Block i's own label code for the bpf losses (docs/method.md §5): its
 * classes x code_len binary targets and the classes x classes similarity
 * of its projected labels, owned by the model. */
void         lw_model_block_targets         (const LwModel *model, guint block,
                                             const float **codes, const float **code_table);

/* What block i fed forward in the last training step (its activation
 * after dropout, or its max pool), for the tests' gradient checks. */
const float *lw_model_block_fed             (const LwModel *model, guint block);

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

/* What lw-model-state.c saves and restores: block i's parameter slots
 * (LW_BLOCK_N_PARAMS of them), its BatchNorm with the running statistics,
 * its dropout stream; the output layer's parameter slots
 * (*n of them). */
LwParam     *lw_model_block_param_slots     (LwModel *model, guint block);
LwBatchNorm *lw_model_block_batchnorm       (LwModel *model, guint block);
LwRng       *lw_model_block_dropout_rng     (LwModel *model, guint block);
LwParam     *lw_model_output_param_slots    (LwModel *model, guint *n);

G_END_DECLS
