/* lw-block.h: one fully connected local-loss block (docs/method.md §2):
 * Linear -> BatchNorm -> activation -> dropout, with every head it may need
 * (softmax prediction head, similarity head, bpf prediction head) built
 * from the start so the loss type can change between two steps. */
#pragma once

#include <glib.h>
#include "lw-batchnorm.h"
#include "lw-linear.h"
#include "lw-model.h"
#include "lw-optim.h"

G_BEGIN_DECLS

enum {
  LW_BLOCK_MAIN_W,
  LW_BLOCK_MAIN_B,
  LW_BLOCK_BN_GAMMA,
  LW_BLOCK_BN_BETA,
  LW_BLOCK_PRED_W,
  LW_BLOCK_PRED_B,
  LW_BLOCK_SIM_W,
  LW_BLOCK_BPF_W,
  LW_BLOCK_BPF_B,
  LW_BLOCK_N_PARAMS
};

/* What a step needs to know about the model around a block. */
typedef struct {
  LwLossType loss;
  gboolean no_detach;         /* local losses: one update of the whole network (lw-model.c) */
  float beta;
  float lr;
  float dropout;
  LwNonlin nonlin;
  LwOptimSettings optim;
  guint classes;
  guint code_len;
  const float *onehot_table;  /* classes x classes: S of one-hot labels */
  /* The block's own label code (bpf): lw_model_block_train sets them for
   * each block; lw_model_capture_controls leaves them NULL. */
  const float *code_table;    /* classes x classes: S of the projected labels */
  const float *codes;         /* classes x code_len binary targets */
} LwStepContext;

/* What a loss type asks of a block's heads (docs/method.md §1, §5), shared by
 * FC and conv blocks. Parts run in this order: sim, bpf_sim, bpf_pred,
 * then the softmax prediction head, which trains the block or, when
 * pred_trains_block is FALSE, is a probe on the detached activation. */
typedef struct {
  gboolean sim;               /* learned sim head vs the one-hot table */
  gboolean bpf_sim;           /* sim of the activation itself vs the code table */
  gboolean bpf_pred;          /* BCE head with feedback alignment */
  gboolean pred_trains_block;
  float w_pred, w_sim;        /* weights of the prediction and similarity parts */
} LwLossPlan;

void         lw_loss_plan             (const LwStepContext *ctx, LwLossPlan *plan);
/* Whether the losses the plan computed (in st, and the softmax head's
 * ce) are finite; else fills st->diverged. */
gboolean     lw_loss_plan_check       (const LwLossPlan *plan, float ce, LwBlockStats *st);

typedef struct {
  guint n_in, n_out;
  gboolean batch_norm;        /* FALSE (--no-batch-norm): bn is empty, its slots hold nothing */
  LwLinear main;
  LwBatchNorm bn;
  LwLinear pred;              /* out -> classes, weight zero */
  LwLinear sim;               /* out -> out, no bias */
  LwLinear bpf;               /* out -> code_len, all zero */
  float *feedback;            /* code_len x out, fixed random (feedback alignment) */
  LwParam params[LW_BLOCK_N_PARAMS];
  float lr_mult;
  gboolean frozen;
  gboolean da_written;        /* within a step: has a head written da yet */

  /* Per-batch buffers, batch_size rows each. */
  float *a;                   /* activation (the linear output, normalised and activated in place) */
  float *xhat;
  float *dropped;             /* the dropped-out copy of a that goes forward */
  float *mask;
  float *da;
  float *logits, *dlogits;
  float *hsim, *u, *norm, *s, *gs, *du, *dhsim;
  float *zb, *dzb;
  float *dout;                /* gradient arriving from above (bp mode) */
} LwBlock;

void         lw_block_init            (LwBlock *b, guint in, guint out, guint classes,
                                       guint code_len, guint batch, gboolean batch_norm,
                                       LwRng *rng);
void         lw_block_clear           (LwBlock *b);

/* Training forward; returns the output to feed the next block. */
const float *lw_block_forward_train   (LwBlock *b, const float *x, guint n,
                                       const LwStepContext *ctx, LwRng *dropout_rng);
/* Local modes: the block's own losses, their gradients, and the updates,
 * applied only when every loss, gradient and new value is finite; FALSE
 * (and stats->diverged) when nothing was applied. */
gboolean     lw_block_local_update    (LwBlock *b, const float *x, const guint8 *y, guint n,
                                       const LwStepContext *ctx, LwBlockStats *stats);
/* bp mode: trains the prediction head as a probe on the detached
 * activation. Its update goes to pending, or is applied at once when
 * pending is NULL; FALSE when the loss (or that update) is not finite. */
gboolean     lw_block_probe_update    (LwBlock *b, const guint8 *y, guint n,
                                       const LwStepContext *ctx, LwBlockStats *stats,
                                       LwUpdate *pending);
/* bp mode: from b->dout back to the block's gradients, and to dx when
 * non-NULL; the update goes to pending, or is applied at once when
 * pending is NULL (FALSE: not applied, it was not finite). */
gboolean     lw_block_global_backward (LwBlock *b, const float *x, guint n,
                                       const LwStepContext *ctx, float *dx, LwUpdate *pending);

/* A local loss without the detach (LwModelConfig.no_detach): the block's
 * own losses, their gradient at the activation plus b->dout (from above,
 * through dropout), back to the block's gradients and to dx when
 * non-NULL. Every update goes to pending; a frozen block passes the
 * gradient on and keeps its trunk. FALSE when a loss is not finite
 * (stats->diverged). */
gboolean     lw_block_joint_backward  (LwBlock *b, const float *x, const guint8 *y, guint n,
                                       const LwStepContext *ctx, float *dx,
                                       LwBlockStats *stats, LwUpdate *pending);

/* Evaluation forward (running BN statistics, no dropout): activation into
 * b->a, returns it; correct (may be NULL) gets the prediction head's hits. */
const float *lw_block_forward_eval    (LwBlock *b, const float *x, const guint8 *y, guint n,
                                       LwNonlin nonlin, guint *correct);
/* The similarity matrix the block's sim loss looks at, for the activation
 * in b->a (after lw_block_forward_eval), clamped, into s (n x n). */
void         lw_block_similarity      (LwBlock *b, guint n, LwLossType loss, float *s);

G_END_DECLS
