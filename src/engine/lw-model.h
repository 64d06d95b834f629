/* lw-model.h: a stack of local-loss blocks and an output layer (docs/method.md §1–§5).
 *
 * The model owns every buffer it needs for one batch of up to batch_size
 * samples; lw_model_train_step() allocates nothing. Live controls may be
 * called between two steps and take effect at the next one, keeping
 * weights and optimizer state. */
#pragma once

#include <glib.h>

#include "lw-architectures.h"

G_BEGIN_DECLS

#define LW_MAX_BLOCKS 32

#define LW_MODEL_ERROR (lw_model_error_quark ())
GQuark lw_model_error_quark (void);

typedef enum {
  LW_MODEL_ERROR_INVALID,
} LwModelError;

typedef enum {
  LW_LOSS_PRED,
  LW_LOSS_SIM,
  LW_LOSS_PREDSIM,
  LW_LOSS_BP,
  LW_LOSS_PRED_BPF,
  LW_LOSS_SIM_BPF,
  LW_LOSS_PREDSIM_BPF,
  LW_N_LOSSES
} LwLossType;

typedef enum {
  LW_NONLIN_RELU,
  LW_NONLIN_LEAKY_RELU,
  LW_N_NONLINS
} LwNonlin;

typedef enum {
  LW_OPTIM_ADAM,
  LW_OPTIM_SGD,
  LW_N_OPTIMS
} LwOptimKind;

typedef struct {
  LwArch arch;
  guint in_channels, in_height, in_width;
  guint n_classes;
  guint num_layers;           /* hidden FC blocks (for conv archs: after the flatten) */
  guint num_hidden;           /* units per hidden FC block */
  guint feat_mult;            /* conv archs: multiplies the conv channels only (1) */
  guint dim_in_decoder;       /* conv archs: D* of the local heads' pooling, pred, bpf and sim-bpf (4096) */
  guint batch_size;           /* largest batch a step may take */
  LwLossType loss;
  float beta;                 /* sim weight in predsim (0.99; bpf recipe 0.01) */
  float lr;
  float dropout;
  LwNonlin nonlin;
  LwOptimKind optim;
  float momentum;             /* SGD only */
  float weight_decay;
  guint target_proj_size;     /* bpf target code length (128) */
  gboolean shared_target_proj; /* bpf: one label projection for every block, as run files
                                * before format 3 were trained (FALSE: one per block) */
  /* The reference's switches (docs/method.md §2, §4); FALSE is the paper's default. */
  gboolean no_batch_norm;     /* no BatchNorm in the blocks (the Linear/Conv keeps its bias) */
  gboolean no_similarity_std; /* conv similarities on the flattened map, never per-channel std */
  gboolean no_detach;         /* local errors also reach the blocks below, added to the global
                               * cross-entropy, every block updated from their sum (live) */
  guint64 seed;
} LwModelConfig;

void         lw_model_config_init         (LwModelConfig *config);
/* The number of local blocks a model of this configuration has: its conv
 * layers (for conv archs) and num_layers FC blocks. */
guint        lw_model_config_n_blocks     (const LwModelConfig *config);

const char  *lw_loss_type_to_string       (LwLossType loss);
gboolean     lw_loss_type_from_string     (const char *name, LwLossType *loss);
gboolean     lw_loss_type_is_bpf          (LwLossType loss);
const char  *lw_nonlin_to_string          (LwNonlin nonlin);
gboolean     lw_nonlin_from_string        (const char *name, LwNonlin *nonlin);
const char  *lw_optim_to_string           (LwOptimKind optim);
gboolean     lw_optim_from_string         (const char *name, LwOptimKind *optim);

/* Why a step was not applied: a NaN or an infinity where training needs
 * finite numbers (a learning rate far too high, or bad input). */
typedef enum {
  LW_DIVERGED_NONE,
  LW_DIVERGED_LOSS,           /* a loss */
  LW_DIVERGED_GRADIENT,       /* a gradient */
  LW_DIVERGED_WEIGHT,         /* the update would make a weight or its optimizer state so */
} LwDivergedWhat;

typedef struct {
  LwDivergedWhat what;
  gboolean nan;               /* a NaN; else an infinity */
  guint block;                /* in LwStepStats: the block, n_blocks for the output layer */
} LwDivergence;

typedef struct {
  float loss_pred;            /* the block's prediction part (CE, or BCE for bpf), unweighted */
  float loss_sim;             /* the block's similarity part, unweighted */
  guint correct;              /* local classifier correct on the batch */
  LwDivergence diverged;      /* set when the block's update was not applied */
} LwBlockStats;

/* When a step diverges, the update of the part that diverged is not
 * applied, nor anything after it: the blocks below it have learned from
 * the batch, it and the layers above have not (bp and no_detach: nothing
 * has, their step is one update of the whole network). Nothing non-finite is ever
 * written to a weight, an optimizer state or a BatchNorm statistic. */
typedef struct {
  guint n_blocks;
  guint count;                /* samples in the batch */
  LwBlockStats block[LW_MAX_BLOCKS];
  float loss_out;             /* output layer cross-entropy, unweighted */
  guint correct_out;
  LwDivergence diverged;      /* what == LW_DIVERGED_NONE: applied in full */
} LwStepStats;

const char  *lw_diverged_what_to_string   (LwDivergedWhat what);
/* Stats of a step none of whose parts has run yet: NaN losses, nothing
 * correct, not diverged. */
void         lw_step_stats_init           (LwStepStats *stats, guint n_blocks, guint count);

typedef struct _LwModel LwModel;

LwModel     *lw_model_new                 (const LwModelConfig *config, GError **error);
void         lw_model_free                (LwModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwModel, lw_model_free)

const LwModelConfig *lw_model_get_config  (const LwModel *model);
guint        lw_model_n_blocks            (const LwModel *model);
guint        lw_model_input_size          (const LwModel *model);
/* Parameters of the network itself (no local heads), and with the heads. */
gsize        lw_model_n_params            (const LwModel *model, gboolean with_heads);

/* One training step on count <= batch_size samples: x is count * input_size
 * floats, y the labels. stats may be NULL; stats->diverged says whether
 * (and where) the step diverged and was cut short. */
void         lw_model_train_step          (LwModel *model, const float *x, const guint8 *y,
                                           guint count, LwStepStats *stats);

/* Evaluation mode (running BN statistics, no dropout): adds the number of
 * correct predictions of each block's local classifier to block_correct
 * (n_blocks entries) and of the output layer to out_correct. */
void         lw_model_evaluate            (LwModel *model, const float *x, const guint8 *y,
                                           guint count, guint *block_correct, guint *out_correct);

/* Evaluation mode, like lw_model_evaluate: the class each block's local
 * classifier predicts (block_pred: n_blocks rows of count, block after
 * block) and the output layer's (out_pred: count). y are the samples'
 * labels, which the heads' forward pass reads; no more than 256 classes. */
void         lw_model_predict             (LwModel *model, const float *x, const guint8 *y,
                                           guint count, guint8 *block_pred, guint8 *out_pred);

/* Live control: effective from the next step. */
void         lw_model_set_loss            (LwModel *model, LwLossType loss);
void         lw_model_set_beta            (LwModel *model, float beta);
void         lw_model_set_lr              (LwModel *model, float lr);
void         lw_model_set_block_lr_mult   (LwModel *model, guint block, float mult);
void         lw_model_set_block_frozen    (LwModel *model, guint block, gboolean frozen);
void         lw_model_set_dropout         (LwModel *model, float dropout);
void         lw_model_set_no_detach       (LwModel *model, gboolean no_detach);
float        lw_model_get_block_lr        (const LwModel *model, guint block);
float        lw_model_get_block_lr_mult   (const LwModel *model, guint block);
gboolean     lw_model_get_block_frozen    (const LwModel *model, guint block);

/* Inspection, for the window. lw_model_similarity computes, in evaluation
 * mode, the label similarity matrix (count x count; under a bpf loss that
 * of block 1's label code, each block having its own) and each block's
 * similarity matrix of its sim-head output (n_blocks * count * count) for
 * a batch; count <= batch_size. */
void         lw_model_similarity          (LwModel *model, const float *x, const guint8 *y,
                                           guint count, float *label_sim, float *block_sim);
/* Block i's target similarity matrix for the labels y (count x count):
 * under a bpf loss that of the block's own label code, else the one-hot
 * labels' (the same for every block). */
void         lw_model_target_similarity   (const LwModel *model, guint block, const guint8 *y,
                                           guint count, float *out);
/* Each block's activation (evaluation mode) for count <= batch_size
 * samples: block i's count x width_i values, blocks one after another.
 * out holds count * (sum of block widths) floats. A conv block's width is
 * C * h * w of its own map (before its max pool), each sample's values
 * CHW, so they can be shown as feature maps. */
void         lw_model_activations         (LwModel *model, const float *x, guint count, float *out);
guint        lw_model_block_width         (const LwModel *model, guint block);
/* The first block's weights, rows x cols (a row per hidden unit). For
 * conv archs the first conv's kernels: a row per output channel, each
 * C_in * k * k values (channel-major, then the k x k kernel row by row). */
const float *lw_model_first_weights       (const LwModel *model, guint *rows, guint *cols);

/* Planes of values, channel-major, each height x width row by row. */
typedef struct {
  guint channels, height, width;
} LwMapShape;

/* One row of lw_model_first_weights as an image (channels * height *
 * width == cols): the input's shape for an MLP, C_in x k x k for a conv
 * net's kernels. */
LwMapShape   lw_model_first_weights_shape (const LwModel *model);
/* A conv block's activation (lw_model_activations) as C maps of h x w;
 * FALSE, and a zero shape, for a fully connected block. */
gboolean     lw_model_block_map_shape     (const LwModel *model, guint block, LwMapShape *shape);

G_END_DECLS
