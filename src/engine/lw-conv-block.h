/* lw-conv-block.h: one convolutional local-loss block (docs/method.md §2–§5):
 * Conv2d -> BatchNorm2d -> activation -> Dropout2d, optionally followed
 * by a 2x2 max pool, with every head it may need (pooled softmax
 * prediction head, conv similarity head, bpf prediction head and the
 * pooled view the bpf similarity loss looks at) built from the start so
 * the loss type can change between two steps. It is driven like LwBlock:
 * the same step context, statistics, parameter slots (LW_BLOCK_*), lr
 * multiplier and freezing.
 *
 * Maps are NCHW. The block's own map is c_out x h x w; what goes to the
 * next block is that map, or its max pool when pool_after is set. */
#pragma once

#include <glib.h>
#include "lw-batchnorm2d.h"
#include "lw-block.h"
#include "lw-conv.h"
#include "lw-linear.h"
#include "lw-model.h"
#include "lw-optim.h"
#include "lw-pool.h"

G_BEGIN_DECLS

/* D* of the sim-bpf pooling in the paper's recipes (the default of
 * --dim-in-decoder, which every bio run kept). */
#define LW_CONV_BLOCK_BPF_SIM_DIM 4096

typedef struct {
  guint c_in, c_out;
  guint size;                 /* input planes are size x size */
  guint kernel;               /* 3 (stride 1, pad 1), or 7 (stride 2, pad 3: the STL-10 first layer) */
  gboolean pool_after;        /* MaxPool 2x2 after the block ('M' in docs/method.md §7) */
  guint dim_in_decoder;       /* D* of the prediction heads' pooling (§3) */
  guint bpf_sim_dim;          /* D* of the sim-bpf pooling (§5) */
  gboolean no_batch_norm;     /* no BatchNorm2d: bn is empty (the conv keeps its bias) */
  gboolean no_similarity_std; /* every S of a map on the flattened map, never per-channel std */
} LwConvBlockShape;

/* A pooled view of the activation: the §3 average pool (or the map
 * itself), reduced to per-channel standard deviations or flattened. */
typedef struct {
  gboolean pooled;
  LwAvgPool pool;
  guint dim;                  /* c * oh * ow: floats per sample of the pooled map */
  gboolean std;               /* C > 3 and pooled height > 1 (docs/method.md §4), unless
                               * shape.no_similarity_std */
} LwConvView;

typedef struct {
  LwConvBlockShape shape;
  guint h, w;                 /* the block's map */
  guint out_h, out_w;         /* what goes forward: h x w, or halved by the max pool */
  guint classes, code_len;
  gsize map;                  /* c_out * h * w */
  gsize out_map;              /* c_out * out_h * out_w */

  LwConv2d main;
  LwBatchNorm2d bn;
  LwMaxPool maxpool;
  LwConvView pred_view;       /* in front of the pred and bpf heads (std unused) */
  LwLinear pred;              /* pred_view.dim -> classes, weight zero */
  LwConv2d sim;               /* c_out -> c_out, 3x3, pad 1, no bias */
  gboolean sim_std;           /* the sim head's output reduced to spatial std */
  LwLinear bpf;               /* pred_view.dim -> code_len, all zero */
  float *feedback;            /* code_len x pred_view.dim, fixed random (feedback alignment) */
  LwConvView bpf_sim_view;    /* sim-bpf: H' */
  LwParam params[LW_BLOCK_N_PARAMS];
  float lr_mult;
  gboolean frozen;
  gboolean da_written;        /* within a step: has a head written da yet */

  /* Kept from forward to the update or to the next block: batch rows each. */
  float *a;                   /* activation (conv output, normalised and activated in place) */
  float *xhat;
  float *dropped;             /* the dropped-out copy of a */
  float *mask;                /* batch x c_out */
  float *out;                 /* the max pool's output, when pool_after */
  float *dout;                /* gradient arriving from above (bp mode), out_map per sample */

  /* Workspace: only used within one call, so blocks run one after the
   * other may share it (lw_conv_block_use_workspace); its tail is the
   * scratch of the block's two convolutions. */
  gsize workspace_floats;
  float *workspace;
  gboolean owns_workspace;
  float *da, *hsim, *dtmp;    /* map per sample */
  float *feat, *dfeat;        /* pred_view.dim per sample */
  float *bfeat;               /* bpf_sim_view.dim per sample */

  /* Small per-block buffers. */
  float *logits, *dlogits, *zb, *dzb;
  float *std, *mean, *dstd;   /* batch x c_out */
  float *u, *du, *norm, *s, *gs;
} LwConvBlock;

void         lw_conv_block_init            (LwConvBlock *b, const LwConvBlockShape *shape,
                                            guint classes, guint code_len, guint batch,
                                            LwRng *rng);
void         lw_conv_block_clear           (LwConvBlock *b);
/* Replaces the block's own workspace by ws (at least b->workspace_floats
 * floats, owned by the caller); between calls only (a pipeline lends each
 * block the workspace of the thread that runs it). */
void         lw_conv_block_use_workspace   (LwConvBlock *b, float *ws);

/* Training forward on x (n x c_in x size x size); returns the output to
 * feed the next block (n x out_map). */
const float *lw_conv_block_forward_train   (LwConvBlock *b, const float *x, guint n,
                                            const LwStepContext *ctx, LwRng *dropout_rng);
/* Local modes: the block's own losses, their gradients, and the updates,
 * applied only when every loss, gradient and new value is finite; FALSE
 * (and stats->diverged) when nothing was applied. */
gboolean     lw_conv_block_local_update    (LwConvBlock *b, const float *x, const guint8 *y,
                                            guint n, const LwStepContext *ctx,
                                            LwBlockStats *stats);
/* A local loss without the detach, like lw_block_joint_backward: the
 * block's own losses' gradient at the activation plus b->dout (from
 * above, through the max pool and dropout) back to the block's gradients
 * and to dx when non-NULL; every update goes to pending. */
gboolean     lw_conv_block_joint_backward  (LwConvBlock *b, const float *x, const guint8 *y,
                                            guint n, const LwStepContext *ctx, float *dx,
                                            LwBlockStats *stats, LwUpdate *pending);
/* bp mode: trains the prediction head as a probe on the detached
 * activation; the update goes to pending, or is applied at once when
 * pending is NULL. FALSE when the loss (or that update) is not finite. */
gboolean     lw_conv_block_probe_update    (LwConvBlock *b, const guint8 *y, guint n,
                                            const LwStepContext *ctx, LwBlockStats *stats,
                                            LwUpdate *pending);
/* bp mode: from b->dout back through the max pool, dropout, activation and
 * BN to the block's gradients, and to dx when non-NULL; the update goes to
 * pending, or is applied at once when pending is NULL (FALSE: not
 * applied, it was not finite). */
gboolean     lw_conv_block_global_backward (LwConvBlock *b, const float *x, guint n,
                                            const LwStepContext *ctx, float *dx,
                                            LwUpdate *pending);

/* Evaluation forward (running BN statistics, no dropout): activation into
 * b->a; returns the output to feed the next block; correct (may be NULL)
 * gets the prediction head's hits. */
const float *lw_conv_block_forward_eval    (LwConvBlock *b, const float *x, const guint8 *y,
                                            guint n, LwNonlin nonlin, guint *correct);
/* The similarity matrix the block's sim loss looks at, for the activation
 * in b->a (after lw_conv_block_forward_eval), clamped, into s (n x n):
 * the sim head's view for sim and predsim, the pooled view for their bpf
 * forms, the activation itself (§4 reduction) otherwise. */
void         lw_conv_block_similarity      (LwConvBlock *b, guint n, LwLossType loss, float *s);

G_END_DECLS
