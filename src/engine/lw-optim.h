/* lw-optim.h: Adam and SGD with momentum, one parameter tensor at a time.
 * Each tensor counts its own steps, so a head that sits idle in one loss
 * mode resumes with correct bias correction when switched back on.
 *
 * Every update is checked before it is applied (the divergence guard):
 * the gradient must be finite, and the new weights and optimizer state
 * too. The first costs one read of the gradient; the second costs nothing
 * while the tensor's bounds (below) show that no value can overflow, and
 * a dry run of the update when they do not. */
#pragma once

#include <glib.h>
#include "lw-model.h"

G_BEGIN_DECLS

typedef struct {
  LwOptimKind kind;
  float beta1, beta2, eps;    /* Adam: 0.9, 0.999, 1e-8 */
  float momentum;             /* SGD */
  float weight_decay;         /* L2 added to the gradient, as torch.optim does */
} LwOptimSettings;

typedef struct {
  float *w;                   /* weights, owned by the layer */
  float *g;                   /* gradient, owned by the layer */
  float *m;                   /* first moment / momentum buffer, owned here */
  float *v;                   /* second moment, owned here */
  gsize n;
  guint64 t;

  /* Upper bounds of |w|, |m| and v, carried forward by every update, and
   * what the update lw_param_check_finite passed makes of them. */
  double w_bound, m_bound, v_bound;
  double next_w_bound, next_m_bound, next_v_bound;
  gboolean checked_by_dry_run; /* the bounds did not suffice: measure them after applying */
} LwParam;

void           lw_param_init   (LwParam *p, float *w, float *g, gsize n);
void           lw_param_clear  (LwParam *p);

/* One tensor: whether its gradient is finite and the update with lr
 * keeps its weights and moments finite: LW_DIVERGED_NONE, or
 * LW_DIVERGED_GRADIENT / LW_DIVERGED_WEIGHT with *nan telling a NaN from
 * an infinity. Changes nothing but the pending bounds. */
LwDivergedWhat lw_param_check_finite (LwParam *p, const LwOptimSettings *s, float lr,
                                      gboolean *nan);
/* Applies the update the last lw_param_check_finite passed, with the same lr. */
void           lw_param_apply  (LwParam *p, const LwOptimSettings *s, float lr);
/* Check, then apply; FALSE when nothing was applied. */
gboolean       lw_param_step   (LwParam *p, const LwOptimSettings *s, float lr);
/* After w, m or v were written other than by an update (a checkpoint
 * restored): measures the bounds again. */
void           lw_param_rescan (LwParam *p);

/* The tensors of one part of a step (a block, the output layer), applied
 * together or not at all. */
#define LW_UPDATE_MAX_PARAMS 12

typedef struct {
  LwParam *param[LW_UPDATE_MAX_PARAMS];
  float lr[LW_UPDATE_MAX_PARAMS];
  guint n;
} LwUpdate;

void           lw_update_add   (LwUpdate *u, LwParam *p, float lr);
/* All the tensors of u: lw_param_check_finite on each. TRUE when every
 * one can be updated; else fills div (what, nan) from the first that
 * cannot. */
gboolean       lw_update_check_all_finite (LwUpdate *u, const LwOptimSettings *s,
                                           LwDivergence *div);
void           lw_update_apply (LwUpdate *u, const LwOptimSettings *s);
/* Check, then apply all or nothing. */
gboolean       lw_update_commit (LwUpdate *u, const LwOptimSettings *s, LwDivergence *div);

/* FALSE, with div filled, when loss is a NaN or an infinity. */
gboolean       lw_loss_check   (float loss, LwDivergence *div);

G_END_DECLS
