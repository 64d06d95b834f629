/* lw-block.c: forward, local losses and updates of one FC block. */
#include "lw-block.h"
#include "lw-activation.h"
#include "lw-losses.h"

#include <math.h>
#include <string.h>

void
lw_block_init (LwBlock *b, guint in, guint out, guint classes, guint code_len,
               guint batch, gboolean batch_norm, LwRng *rng)
{
  gsize nd = (gsize) batch * out;

  memset (b, 0, sizeof *b);
  b->n_in = in;
  b->n_out = out;
  b->lr_mult = 1.0f;
  b->batch_norm = batch_norm;

  /* The Linear keeps its bias without BatchNorm too, as the reference's
   * LocalLossBlockLinear does (nn.Linear(..., bias=True) either way). */
  lw_linear_init (&b->main, in, out, TRUE, LW_INIT_TORCH, rng);
  /* Without BatchNorm its parameters and statistics are empty (0 values). */
  lw_batchnorm_init (&b->bn, batch_norm ? out : 0);
  lw_linear_init (&b->pred, out, classes, TRUE, LW_INIT_ZERO_WEIGHT, rng);
  lw_linear_init (&b->sim, out, out, FALSE, LW_INIT_TORCH, rng);
  lw_linear_init (&b->bpf, out, code_len, TRUE, LW_INIT_ZERO, rng);
  b->feedback = g_new (float, (gsize) code_len * out);
  lw_fill_uniform (b->feedback, (gsize) code_len * out, 1.0f / sqrtf ((float) out), rng);

  lw_param_init (&b->params[LW_BLOCK_MAIN_W], b->main.w, b->main.dw, (gsize) in * out);
  lw_param_init (&b->params[LW_BLOCK_MAIN_B], b->main.b, b->main.db, out);
  lw_param_init (&b->params[LW_BLOCK_BN_GAMMA], b->bn.gamma, b->bn.dgamma, b->bn.d);
  lw_param_init (&b->params[LW_BLOCK_BN_BETA], b->bn.beta, b->bn.dbeta, b->bn.d);
  lw_param_init (&b->params[LW_BLOCK_PRED_W], b->pred.w, b->pred.dw, (gsize) out * classes);
  lw_param_init (&b->params[LW_BLOCK_PRED_B], b->pred.b, b->pred.db, classes);
  lw_param_init (&b->params[LW_BLOCK_SIM_W], b->sim.w, b->sim.dw, (gsize) out * out);
  lw_param_init (&b->params[LW_BLOCK_BPF_W], b->bpf.w, b->bpf.dw, (gsize) out * code_len);
  lw_param_init (&b->params[LW_BLOCK_BPF_B], b->bpf.b, b->bpf.db, code_len);

  b->a = g_new0 (float, nd);
  b->xhat = g_new0 (float, nd);
  b->dropped = g_new0 (float, nd);
  b->mask = g_new0 (float, nd);
  b->da = g_new0 (float, nd);
  b->logits = g_new0 (float, (gsize) batch * classes);
  b->dlogits = g_new0 (float, (gsize) batch * classes);
  b->hsim = g_new0 (float, nd);
  b->u = g_new0 (float, nd);
  b->norm = g_new0 (float, batch);
  b->s = g_new0 (float, (gsize) batch * batch);
  b->gs = g_new0 (float, (gsize) batch * batch);
  b->du = g_new0 (float, nd);
  b->dhsim = g_new0 (float, nd);
  b->zb = g_new0 (float, (gsize) batch * code_len);
  b->dzb = g_new0 (float, (gsize) batch * code_len);
  b->dout = g_new0 (float, nd);
}

void
lw_block_clear (LwBlock *b)
{
  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    lw_param_clear (&b->params[i]);
  lw_linear_clear (&b->main);
  lw_batchnorm_clear (&b->bn);
  lw_linear_clear (&b->pred);
  lw_linear_clear (&b->sim);
  lw_linear_clear (&b->bpf);
  g_clear_pointer (&b->feedback, g_free);
  g_clear_pointer (&b->a, g_free);
  g_clear_pointer (&b->xhat, g_free);
  g_clear_pointer (&b->dropped, g_free);
  g_clear_pointer (&b->mask, g_free);
  g_clear_pointer (&b->da, g_free);
  g_clear_pointer (&b->logits, g_free);
  g_clear_pointer (&b->dlogits, g_free);
  g_clear_pointer (&b->hsim, g_free);
  g_clear_pointer (&b->u, g_free);
  g_clear_pointer (&b->norm, g_free);
  g_clear_pointer (&b->s, g_free);
  g_clear_pointer (&b->gs, g_free);
  g_clear_pointer (&b->du, g_free);
  g_clear_pointer (&b->dhsim, g_free);
  g_clear_pointer (&b->zb, g_free);
  g_clear_pointer (&b->dzb, g_free);
  g_clear_pointer (&b->dout, g_free);
}

/* Updates are gathered and applied together once every gradient of the
 * block is known (each head's backward uses its weights before their
 * update, so the order does not change the result). */
static void
add_param (LwBlock *b, LwUpdate *u, guint which, const LwStepContext *ctx)
{
  lw_update_add (u, &b->params[which], ctx->lr * b->lr_mult);
}

static void
add_main (LwBlock *b, LwUpdate *u, const LwStepContext *ctx)
{
  if (b->frozen)
    return;
  add_param (b, u, LW_BLOCK_MAIN_W, ctx);
  add_param (b, u, LW_BLOCK_MAIN_B, ctx);
  if (b->batch_norm)
    {
      add_param (b, u, LW_BLOCK_BN_GAMMA, ctx);
      add_param (b, u, LW_BLOCK_BN_BETA, ctx);
    }
}

const float *
lw_block_forward_train (LwBlock *b, const float *x, guint n,
                        const LwStepContext *ctx, LwRng *dropout_rng)
{
  gsize nd = (gsize) n * b->n_out;

  lw_linear_forward (&b->main, x, n, b->a);
  if (b->batch_norm)
    lw_batchnorm_forward_train (&b->bn, b->a, n, b->xhat, b->a);
  lw_activation_forward (ctx->nonlin, b->a, nd);
  if (ctx->dropout > 0.0f)
    {
      lw_dropout_forward (ctx->dropout, b->a, nd, b->mask, b->dropped, dropout_rng);
      return b->dropped;
    }
  return b->a;
}

/* The softmax prediction head on a; its gradient reaches da only when
 * the head trains the block (otherwise it is a probe). */
static float
pred_head (LwBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
           float scale, gboolean into_block, guint *correct, LwUpdate *u)
{
  float loss = lw_softmax_ce (b->logits, y, n, ctx->classes, scale, b->dlogits, correct);

  lw_linear_backward (&b->pred, b->a, b->dlogits, n, into_block ? b->da : NULL, b->da_written);
  b->da_written |= into_block;
  add_param (b, u, LW_BLOCK_PRED_W, ctx);
  add_param (b, u, LW_BLOCK_PRED_B, ctx);
  return loss;
}

static float
sim_head (LwBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
          float scale, gboolean into_block, LwUpdate *u)
{
  float loss;

  lw_linear_forward (&b->sim, b->a, n, b->hsim);
  lw_similarity (b->hsim, n, b->n_out, b->u, b->norm, b->s);
  loss = lw_similarity_loss (b->s, ctx->onehot_table, ctx->classes, y, n, scale, b->gs);
  lw_similarity_backward (b->u, b->norm, b->gs, n, b->n_out, b->du, b->dhsim);
  lw_linear_backward (&b->sim, b->a, b->dhsim, n, into_block ? b->da : NULL, b->da_written);
  b->da_written |= into_block;
  add_param (b, u, LW_BLOCK_SIM_W, ctx);
  return loss;
}

/* Backprop-free prediction: BCE against the class code, error to a
 * through the fixed feedback matrix instead of the head's weights. */
static float
bpf_pred_head (LwBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
               float scale, gboolean into_block, LwUpdate *u)
{
  float loss;

  lw_linear_forward (&b->bpf, b->a, n, b->zb);
  loss = lw_bce_logits (b->zb, ctx->codes, y, n, ctx->code_len, scale, b->dzb);
  lw_linear_backward (&b->bpf, b->a, b->dzb, n, NULL, FALSE);
  if (into_block)
    {
      lw_feedback_backward (b->feedback, b->n_out, ctx->code_len, b->dzb, n, b->da, b->da_written);
      b->da_written = TRUE;
    }
  add_param (b, u, LW_BLOCK_BPF_W, ctx);
  add_param (b, u, LW_BLOCK_BPF_B, ctx);
  return loss;
}

/* Backprop-free similarity: S(a) itself against S of the projected labels. */
static float
bpf_sim (LwBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
         float scale, gboolean into_block)
{
  gsize nd = (gsize) n * b->n_out;
  float loss;

  lw_similarity (b->a, n, b->n_out, b->u, b->norm, b->s);
  loss = lw_similarity_loss (b->s, ctx->code_table, ctx->classes, y, n, scale, b->gs);
  if (into_block && !b->da_written)
    {
      lw_similarity_backward (b->u, b->norm, b->gs, n, b->n_out, b->du, b->da);
      b->da_written = TRUE;
    }
  else if (into_block)
    {
      lw_similarity_backward (b->u, b->norm, b->gs, n, b->n_out, b->du, b->dhsim);
      for (gsize i = 0; i < nd; i++)
        b->da[i] += b->dhsim[i];
    }
  return loss;
}

void
lw_loss_plan (const LwStepContext *ctx, LwLossPlan *plan)
{
  LwLossType loss = ctx->loss;
  gboolean mixed = loss == LW_LOSS_PREDSIM || loss == LW_LOSS_PREDSIM_BPF;

  g_assert (loss != LW_LOSS_BP && loss < LW_N_LOSSES);
  *plan = (LwLossPlan) {
    .sim = loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM,
    .bpf_sim = loss == LW_LOSS_SIM_BPF || loss == LW_LOSS_PREDSIM_BPF,
    .bpf_pred = loss == LW_LOSS_PRED_BPF || loss == LW_LOSS_PREDSIM_BPF,
    .pred_trains_block = loss == LW_LOSS_PRED || loss == LW_LOSS_PREDSIM,
    .w_pred = mixed ? 1.0f - ctx->beta : 1.0f,
    .w_sim = mixed ? ctx->beta : 1.0f,
  };
}

gboolean
lw_loss_plan_check (const LwLossPlan *plan, float ce, LwBlockStats *st)
{
  if ((plan->sim || plan->bpf_sim) && !lw_loss_check (st->loss_sim, &st->diverged))
    return FALSE;
  return lw_loss_check (st->loss_pred, &st->diverged) && lw_loss_check (ce, &st->diverged);
}

/* The plan's heads on b->a: their losses into st, their updates into u,
 * their gradient at the activation into b->da when into_block (zero when
 * none sends any); returns the softmax head's cross-entropy. */
static float
run_heads (LwBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
           const LwLossPlan *plan, gboolean into_block, LwBlockStats *st, LwUpdate *u)
{
  float ce;

  /* The first head that sends gradient into the block writes da, the
   * others add to it. */
  b->da_written = FALSE;
  lw_linear_forward (&b->pred, b->a, n, b->logits);

  if (plan->sim)
    st->loss_sim = sim_head (b, y, n, ctx, plan->w_sim, into_block, u);
  if (plan->bpf_sim)
    st->loss_sim = bpf_sim (b, y, n, ctx, plan->w_sim, into_block);
  if (plan->bpf_pred)
    st->loss_pred = bpf_pred_head (b, y, n, ctx, plan->w_pred, into_block, u);
  ce = pred_head (b, y, n, ctx, plan->pred_trains_block ? plan->w_pred : 1.0f,
                  into_block && plan->pred_trains_block, &st->correct, u);
  if (!plan->bpf_pred)
    st->loss_pred = ce;
  if (into_block && !b->da_written)
    memset (b->da, 0, (gsize) n * b->n_out * sizeof (float));
  return ce;
}

/* From the gradient at the activation in b->da back through the
 * activation, BN and the Linear (to dx when non-NULL). */
static void
trunk_backward (LwBlock *b, const float *x, guint n, const LwStepContext *ctx, float *dx)
{
  gsize nd = (gsize) n * b->n_out;

  lw_activation_backward (ctx->nonlin, b->a, b->da, nd, b->da);
  if (b->batch_norm)
    lw_batchnorm_backward (&b->bn, b->xhat, b->da, n, b->da);
  /* dx uses the weights before this step's update, as autograd would. */
  lw_linear_backward (&b->main, x, b->da, n, dx, FALSE);
}

gboolean
lw_block_local_update (LwBlock *b, const float *x, const guint8 *y, guint n,
                       const LwStepContext *ctx, LwBlockStats *stats)
{
  gboolean train = !b->frozen, applied;
  LwBlockStats st = { NAN, NAN, 0, { 0 } };
  LwUpdate u = { 0 };
  LwLossPlan plan;
  float ce;

  lw_loss_plan (ctx, &plan);
  ce = run_heads (b, y, n, ctx, &plan, train, &st, &u);
  if (train)
    {
      trunk_backward (b, x, n, ctx, NULL);
      add_main (b, &u, ctx);
    }
  applied = lw_loss_plan_check (&plan, ce, &st) && lw_update_commit (&u, &ctx->optim, &st.diverged);

  if (stats != NULL)
    *stats = st;
  return applied;
}

gboolean
lw_block_joint_backward (LwBlock *b, const float *x, const guint8 *y, guint n,
                         const LwStepContext *ctx, float *dx, LwBlockStats *stats,
                         LwUpdate *pending)
{
  gsize nd = (gsize) n * b->n_out;
  LwBlockStats st = { NAN, NAN, 0, { 0 } };
  LwLossPlan plan;
  gboolean ok;
  float ce;

  lw_loss_plan (ctx, &plan);
  ce = run_heads (b, y, n, ctx, &plan, TRUE, &st, pending);
  /* What came from above joins the local gradient at the activation. */
  if (ctx->dropout > 0.0f)
    lw_dropout_backward (b->mask, b->dout, nd, b->da, TRUE);
  else
    for (gsize i = 0; i < nd; i++)
      b->da[i] += b->dout[i];
  trunk_backward (b, x, n, ctx, dx);
  add_main (b, pending, ctx);
  ok = lw_loss_plan_check (&plan, ce, &st);
  if (stats != NULL)
    *stats = st;
  return ok;
}

gboolean
lw_block_probe_update (LwBlock *b, const guint8 *y, guint n,
                       const LwStepContext *ctx, LwBlockStats *stats, LwUpdate *pending)
{
  LwBlockStats st = { NAN, NAN, 0, { 0 } };
  LwUpdate u = { 0 };
  gboolean ok;

  lw_linear_forward (&b->pred, b->a, n, b->logits);
  st.loss_pred = pred_head (b, y, n, ctx, 1.0f, FALSE, &st.correct, pending != NULL ? pending : &u);
  ok = lw_loss_check (st.loss_pred, &st.diverged)
       && (pending != NULL || lw_update_commit (&u, &ctx->optim, &st.diverged));
  if (stats != NULL)
    *stats = st;
  return ok;
}

gboolean
lw_block_global_backward (LwBlock *b, const float *x, guint n,
                          const LwStepContext *ctx, float *dx, LwUpdate *pending)
{
  LwUpdate u = { 0 };
  LwDivergence div;

  gsize nd = (gsize) n * b->n_out;

  if (ctx->dropout > 0.0f)
    lw_dropout_backward (b->mask, b->dout, nd, b->da, FALSE);
  else
    memcpy (b->da, b->dout, nd * sizeof (float));
  lw_activation_backward (ctx->nonlin, b->a, b->da, nd, b->da);
  if (b->batch_norm)
    lw_batchnorm_backward (&b->bn, b->xhat, b->da, n, b->da);
  /* dx uses the weights before this step's update, as autograd would. */
  lw_linear_backward (&b->main, x, b->da, n, dx, FALSE);
  add_main (b, pending != NULL ? pending : &u, ctx);
  return pending != NULL || lw_update_commit (&u, &ctx->optim, &div);
}

const float *
lw_block_forward_eval (LwBlock *b, const float *x, const guint8 *y, guint n,
                       LwNonlin nonlin, guint *correct)
{
  lw_linear_forward (&b->main, x, n, b->a);
  if (b->batch_norm)
    lw_batchnorm_forward_eval (&b->bn, b->a, n, b->a);
  lw_activation_forward (nonlin, b->a, (gsize) n * b->n_out);
  if (correct != NULL)
    {
      lw_linear_forward (&b->pred, b->a, n, b->logits);
      lw_softmax_ce (b->logits, y, n, b->pred.out, 0.0f, NULL, correct);
    }
  return b->a;
}

void
lw_block_similarity (LwBlock *b, guint n, LwLossType loss, float *s)
{
  const float *h = b->a;

  /* Only the learned sim head's view is what sim and predsim train. */
  if (loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM)
    {
      lw_linear_forward (&b->sim, b->a, n, b->hsim);
      h = b->hsim;
    }
  lw_similarity (h, n, b->n_out, b->u, b->norm, s);
  for (gsize i = 0; i < (gsize) n * n; i++)
    s[i] = CLAMP (s[i], -1.0f, 1.0f);
}
