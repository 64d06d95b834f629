/* lw-conv-block.c: forward, local losses and updates of one conv block. */
#include "lw-conv-block.h"
#include "lw-activation.h"
#include "lw-dropout2d.h"
#include "lw-losses.h"
#include "lw-spatial-std.h"

#include <math.h>
#include <string.h>

/* The reduction of docs/method.md §4: per-channel std when there are more than
 * three channels and more than one row, else the flattened map; never with
 * --no-similarity-std (the reference's similarity_matrix, for every map). */
static gboolean
use_std (const LwConvBlockShape *shape, guint c, guint rows)
{
  return !shape->no_similarity_std && c > 3 && rows > 1;
}

static void
view_init (LwConvView *v, const LwConvBlockShape *bs, guint c, guint s, guint dim_in_decoder)
{
  LwPoolShape shape;

  memset (v, 0, sizeof *v);
  v->pooled = lw_pool_shape_for_head (c, s, dim_in_decoder, &shape);
  if (v->pooled)
    {
      lw_avgpool_init (&v->pool, c, s, s, shape.kh, shape.kw, shape.ph, shape.pw);
      g_assert (v->pool.oh == shape.oh && v->pool.ow == shape.ow);
    }
  v->dim = c * shape.oh * shape.ow;
  v->std = use_std (bs, c, shape.oh);
}

/* The view's map of a: pooled into buf, or a itself. */
static const float *
view_forward (const LwConvView *v, const float *a, guint n, float *buf)
{
  if (!v->pooled)
    return a;
  lw_avgpool_forward (&v->pool, a, n, buf);
  return buf;
}

static float *
take (float **p, gsize n)
{
  float *r = *p;

  *p += n;
  return r;
}

static gsize
conv_scratch_floats (const LwConvBlock *b)
{
  return MAX (lw_conv2d_scratch_floats (&b->main), lw_conv2d_scratch_floats (&b->sim));
}

static void
carve_workspace (LwConvBlock *b, float *ws, guint batch)
{
  float *p = ws, *conv_scratch;

  b->workspace = ws;
  b->da = take (&p, (gsize) batch * b->map);
  b->hsim = take (&p, (gsize) batch * b->map);
  b->dtmp = take (&p, (gsize) batch * b->map);
  b->feat = b->pred_view.pooled ? take (&p, (gsize) batch * b->pred_view.dim) : NULL;
  b->dfeat = b->pred_view.pooled ? take (&p, (gsize) batch * b->pred_view.dim) : NULL;
  b->bfeat = b->bpf_sim_view.pooled ? take (&p, (gsize) batch * b->bpf_sim_view.dim) : NULL;
  /* The two convolutions never run at once: one scratch for both. */
  conv_scratch = take (&p, conv_scratch_floats (b));
  lw_conv2d_use_scratch (&b->main, conv_scratch);
  lw_conv2d_use_scratch (&b->sim, conv_scratch);
  g_assert ((gsize) (p - ws) == b->workspace_floats);
}

void
lw_conv_block_init (LwConvBlock *b, const LwConvBlockShape *shape, guint classes,
                    guint code_len, guint batch, LwRng *rng)
{
  const guint c = shape->c_out;
  guint stride, pad, dim;
  gsize u_dim;

  g_return_if_fail (shape->kernel == 3 || shape->kernel == 7);
  g_return_if_fail (shape->c_in > 0 && c > 0 && shape->size > 0 && batch > 0);

  memset (b, 0, sizeof *b);
  b->shape = *shape;
  b->classes = classes;
  b->code_len = code_len;
  b->lr_mult = 1.0f;

  stride = shape->kernel == 3 ? 1 : 2;
  pad = shape->kernel == 3 ? 1 : 3;
  lw_conv2d_init (&b->main, shape->c_in, c, shape->kernel, stride, pad, shape->size, shape->size,
                  batch, TRUE, LW_INIT_TORCH, rng);
  b->h = b->main.oh;
  b->w = b->main.ow;
  b->map = (gsize) c * b->h * b->w;
  /* The conv keeps its bias without BatchNorm too: the reference's VGG
   * blocks are nn.Conv2d(..., bias=True) either way. Without it the
   * BatchNorm's parameters and statistics are empty (0 values). */
  if (shape->no_batch_norm)
    lw_batchnorm_init (&b->bn, 0);
  else
    lw_batchnorm2d_init (&b->bn, c, (gsize) b->h * b->w);
  if (shape->pool_after)
    {
      lw_maxpool_init (&b->maxpool, c, b->h, b->w, batch);
      b->out_h = b->maxpool.oh;
      b->out_w = b->maxpool.ow;
    }
  else
    {
      b->out_h = b->h;
      b->out_w = b->w;
    }
  b->out_map = (gsize) c * b->out_h * b->out_w;

  view_init (&b->pred_view, shape, c, b->h, shape->dim_in_decoder);
  view_init (&b->bpf_sim_view, shape, c, b->h, shape->bpf_sim_dim);
  dim = b->pred_view.dim;
  lw_linear_init (&b->pred, dim, classes, TRUE, LW_INIT_ZERO_WEIGHT, rng);
  lw_conv2d_init (&b->sim, c, c, 3, 1, 1, b->h, b->w, batch, FALSE, LW_INIT_TORCH, rng);
  b->sim_std = use_std (shape, c, b->h);
  lw_linear_init (&b->bpf, dim, code_len, TRUE, LW_INIT_ZERO, rng);
  b->feedback = g_new (float, (gsize) code_len * dim);
  lw_fill_uniform (b->feedback, (gsize) code_len * dim, 1.0f / sqrtf ((float) dim), rng);

  lw_param_init (&b->params[LW_BLOCK_MAIN_W], b->main.w, b->main.dw,
                 (gsize) c * shape->c_in * shape->kernel * shape->kernel);
  lw_param_init (&b->params[LW_BLOCK_MAIN_B], b->main.b, b->main.db, c);
  lw_param_init (&b->params[LW_BLOCK_BN_GAMMA], b->bn.gamma, b->bn.dgamma, b->bn.c);
  lw_param_init (&b->params[LW_BLOCK_BN_BETA], b->bn.beta, b->bn.dbeta, b->bn.c);
  lw_param_init (&b->params[LW_BLOCK_PRED_W], b->pred.w, b->pred.dw, (gsize) dim * classes);
  lw_param_init (&b->params[LW_BLOCK_PRED_B], b->pred.b, b->pred.db, classes);
  lw_param_init (&b->params[LW_BLOCK_SIM_W], b->sim.w, b->sim.dw, (gsize) c * c * 9);
  lw_param_init (&b->params[LW_BLOCK_BPF_W], b->bpf.w, b->bpf.dw, (gsize) dim * code_len);
  lw_param_init (&b->params[LW_BLOCK_BPF_B], b->bpf.b, b->bpf.db, code_len);

  b->a = g_new0 (float, batch * b->map);
  b->xhat = g_new0 (float, batch * b->map);
  b->dropped = g_new0 (float, batch * b->map);
  b->mask = g_new0 (float, (gsize) batch * c);
  if (shape->pool_after)
    b->out = g_new0 (float, batch * b->out_map);
  b->dout = g_new0 (float, batch * b->out_map);

  b->workspace_floats = 3 * batch * b->map;
  if (b->pred_view.pooled)
    b->workspace_floats += 2 * (gsize) batch * b->pred_view.dim;
  if (b->bpf_sim_view.pooled)
    b->workspace_floats += (gsize) batch * b->bpf_sim_view.dim;
  b->workspace_floats += conv_scratch_floats (b);
  b->owns_workspace = TRUE;
  carve_workspace (b, g_new0 (float, b->workspace_floats), batch);

  /* Rows S(.) may see: the sim head's, the activation's, the sim-bpf view's. */
  u_dim = b->sim_std ? c : b->map;
  u_dim = MAX (u_dim, b->bpf_sim_view.std ? c : b->bpf_sim_view.dim);
  b->logits = g_new0 (float, (gsize) batch * classes);
  b->dlogits = g_new0 (float, (gsize) batch * classes);
  b->zb = g_new0 (float, (gsize) batch * code_len);
  b->dzb = g_new0 (float, (gsize) batch * code_len);
  b->std = g_new0 (float, (gsize) batch * c);
  b->mean = g_new0 (float, (gsize) batch * c);
  b->dstd = g_new0 (float, (gsize) batch * c);
  b->u = g_new0 (float, batch * u_dim);
  b->du = g_new0 (float, batch * u_dim);
  b->norm = g_new0 (float, batch);
  b->s = g_new0 (float, (gsize) batch * batch);
  b->gs = g_new0 (float, (gsize) batch * batch);
}

void
lw_conv_block_clear (LwConvBlock *b)
{
  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    lw_param_clear (&b->params[i]);
  lw_conv2d_clear (&b->main);
  lw_batchnorm2d_clear (&b->bn);
  lw_maxpool_clear (&b->maxpool);
  lw_linear_clear (&b->pred);
  lw_conv2d_clear (&b->sim);
  lw_linear_clear (&b->bpf);
  g_clear_pointer (&b->feedback, g_free);
  g_clear_pointer (&b->a, g_free);
  g_clear_pointer (&b->xhat, g_free);
  g_clear_pointer (&b->dropped, g_free);
  g_clear_pointer (&b->mask, g_free);
  g_clear_pointer (&b->out, g_free);
  g_clear_pointer (&b->dout, g_free);
  if (b->owns_workspace)
    g_free (b->workspace);
  b->workspace = b->da = b->hsim = b->dtmp = b->feat = b->dfeat = b->bfeat = NULL;
  g_clear_pointer (&b->logits, g_free);
  g_clear_pointer (&b->dlogits, g_free);
  g_clear_pointer (&b->zb, g_free);
  g_clear_pointer (&b->dzb, g_free);
  g_clear_pointer (&b->std, g_free);
  g_clear_pointer (&b->mean, g_free);
  g_clear_pointer (&b->dstd, g_free);
  g_clear_pointer (&b->u, g_free);
  g_clear_pointer (&b->du, g_free);
  g_clear_pointer (&b->norm, g_free);
  g_clear_pointer (&b->s, g_free);
  g_clear_pointer (&b->gs, g_free);
}

void
lw_conv_block_use_workspace (LwConvBlock *b, float *ws)
{
  g_return_if_fail (ws != NULL);

  if (b->owns_workspace)
    g_free (b->workspace);
  b->owns_workspace = FALSE;
  carve_workspace (b, ws, b->main.max_n);
}

/* Updates are gathered and applied together once every gradient of the
 * block is known (each head's backward uses its weights before their
 * update, so the order does not change the result). */
static void
add_param (LwConvBlock *b, LwUpdate *u, guint which, const LwStepContext *ctx)
{
  lw_update_add (u, &b->params[which], ctx->lr * b->lr_mult);
}

static void
add_main (LwConvBlock *b, LwUpdate *u, const LwStepContext *ctx)
{
  if (b->frozen)
    return;
  add_param (b, u, LW_BLOCK_MAIN_W, ctx);
  add_param (b, u, LW_BLOCK_MAIN_B, ctx);
  if (!b->shape.no_batch_norm)
    {
      add_param (b, u, LW_BLOCK_BN_GAMMA, ctx);
      add_param (b, u, LW_BLOCK_BN_BETA, ctx);
    }
}

const float *
lw_conv_block_forward_train (LwConvBlock *b, const float *x, guint n,
                             const LwStepContext *ctx, LwRng *dropout_rng)
{
  const gsize hw = (gsize) b->h * b->w;
  const float *h = b->a;

  g_return_val_if_fail (n <= b->main.max_n, NULL);

  lw_conv2d_forward (&b->main, x, n, b->a);
  if (!b->shape.no_batch_norm)
    lw_batchnorm2d_forward_train (&b->bn, b->a, n, b->xhat, b->a);
  lw_activation_forward (ctx->nonlin, b->a, n * b->map);
  if (ctx->dropout > 0.0f)
    {
      lw_dropout2d_forward (ctx->dropout, b->a, n, b->shape.c_out, hw, b->mask, b->dropped,
                            dropout_rng);
      h = b->dropped;
    }
  if (b->shape.pool_after)
    {
      lw_maxpool_forward (&b->maxpool, h, n, b->out);
      h = b->out;
    }
  return h;
}

/* dfeat (gradient at a view's map) into da, through the view's pool. */
static void
view_to_da (LwConvBlock *b, const LwConvView *v, const float *dfeat, guint n)
{
  const gsize nd = n * b->map;

  if (v->pooled)
    lw_avgpool_backward (&v->pool, dfeat, n, b->da, b->da_written);
  else if (b->da_written)
    for (gsize i = 0; i < nd; i++)
      b->da[i] += dfeat[i];
  else
    memcpy (b->da, dfeat, nd * sizeof (float));
  b->da_written = TRUE;
}

/* S of a map f (n x c x hw, dim per sample) after the §4 reduction; the
 * similarity rows go to b->u, their width is returned. */
static guint
map_similarity (LwConvBlock *b, const float *f, guint n, gboolean std, gsize hw,
                gsize dim, float *s)
{
  if (std)
    {
      lw_spatial_std_forward (f, n, b->shape.c_out, hw, b->std, b->mean);
      lw_similarity (b->std, n, b->shape.c_out, b->u, b->norm, s);
      return b->shape.c_out;
    }
  lw_similarity (f, n, (guint) dim, b->u, b->norm, s);
  return (guint) dim;
}

/* Back from b->gs through S and the reduction to df (n x dim). */
static void
map_similarity_backward (LwConvBlock *b, const float *f, guint n, gboolean std, gsize hw,
                         guint d, float *df)
{
  if (std)
    {
      lw_similarity_backward (b->u, b->norm, b->gs, n, d, b->du, b->dstd);
      lw_spatial_std_backward (f, b->std, b->mean, b->dstd, n, b->shape.c_out, hw, df, FALSE);
    }
  else
    lw_similarity_backward (b->u, b->norm, b->gs, n, d, b->du, df);
}

/* The softmax prediction head on the pooled activation pf; its gradient
 * reaches da only when the head trains the block (else it is a probe). */
static float
pred_head (LwConvBlock *b, const float *pf, const guint8 *y, guint n, const LwStepContext *ctx,
           float scale, gboolean into_block, guint *correct, LwUpdate *u)
{
  const gboolean pooled = b->pred_view.pooled;
  float loss = lw_softmax_ce (b->logits, y, n, ctx->classes, scale, b->dlogits, correct);

  if (!into_block)
    lw_linear_backward (&b->pred, pf, b->dlogits, n, NULL, FALSE);
  else if (pooled)
    {
      lw_linear_backward (&b->pred, pf, b->dlogits, n, b->dfeat, FALSE);
      view_to_da (b, &b->pred_view, b->dfeat, n);
    }
  else
    {
      lw_linear_backward (&b->pred, pf, b->dlogits, n, b->da, b->da_written);
      b->da_written = TRUE;
    }
  add_param (b, u, LW_BLOCK_PRED_W, ctx);
  add_param (b, u, LW_BLOCK_PRED_B, ctx);
  return loss;
}

/* The learned sim head: conv3x3 of a, reduced, S against the one-hot table. */
static float
sim_head (LwConvBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
          float scale, gboolean into_block, LwUpdate *u)
{
  const gsize hw = (gsize) b->h * b->w;
  float loss;
  guint d;

  lw_conv2d_forward (&b->sim, b->a, n, b->hsim);
  d = map_similarity (b, b->hsim, n, b->sim_std, hw, b->map, b->s);
  loss = lw_similarity_loss (b->s, ctx->onehot_table, ctx->classes, y, n, scale, b->gs);
  map_similarity_backward (b, b->hsim, n, b->sim_std, hw, d, b->dtmp);
  lw_conv2d_backward (&b->sim, b->a, b->dtmp, n, into_block ? b->da : NULL, b->da_written);
  b->da_written |= into_block;
  add_param (b, u, LW_BLOCK_SIM_W, ctx);
  return loss;
}

/* Backprop-free prediction: BCE against the class code, error to the
 * pooled features through the fixed feedback matrix instead of the head's
 * weights, then back through the (fixed) pool. */
static float
bpf_pred_head (LwConvBlock *b, const float *pf, const guint8 *y, guint n,
               const LwStepContext *ctx, float scale, gboolean into_block, LwUpdate *u)
{
  const guint dim = b->pred_view.dim;
  float loss;

  lw_linear_forward (&b->bpf, pf, n, b->zb);
  loss = lw_bce_logits (b->zb, ctx->codes, y, n, ctx->code_len, scale, b->dzb);
  lw_linear_backward (&b->bpf, pf, b->dzb, n, NULL, FALSE);
  if (into_block && b->pred_view.pooled)
    {
      lw_feedback_backward (b->feedback, dim, ctx->code_len, b->dzb, n, b->dfeat, FALSE);
      view_to_da (b, &b->pred_view, b->dfeat, n);
    }
  else if (into_block)
    {
      lw_feedback_backward (b->feedback, dim, ctx->code_len, b->dzb, n, b->da, b->da_written);
      b->da_written = TRUE;
    }
  add_param (b, u, LW_BLOCK_BPF_W, ctx);
  add_param (b, u, LW_BLOCK_BPF_B, ctx);
  return loss;
}

/* Backprop-free similarity: S of the pooled activation against S of the
 * projected labels; no learned layer. */
static float
bpf_sim (LwConvBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
         float scale, gboolean into_block)
{
  const LwConvView *v = &b->bpf_sim_view;
  const gsize hw = v->dim / b->shape.c_out;
  const float *f = view_forward (v, b->a, n, b->bfeat);
  float loss;
  guint d;

  d = map_similarity (b, f, n, v->std, hw, v->dim, b->s);
  loss = lw_similarity_loss (b->s, ctx->code_table, ctx->classes, y, n, scale, b->gs);
  if (into_block)
    {
      map_similarity_backward (b, f, n, v->std, hw, d, b->dtmp);
      view_to_da (b, v, b->dtmp, n);
    }
  return loss;
}

/* The plan's heads on b->a: their losses into st, their updates into u,
 * their gradient at the activation into b->da when into_block (zero when
 * none sends any); returns the softmax head's cross-entropy. */
static float
run_heads (LwConvBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
           const LwLossPlan *plan, gboolean into_block, LwBlockStats *st, LwUpdate *u)
{
  const float *pf;
  float ce;

  /* The first head that sends gradient into the block writes da, the
   * others add to it. */
  b->da_written = FALSE;
  pf = view_forward (&b->pred_view, b->a, n, b->feat);
  lw_linear_forward (&b->pred, pf, n, b->logits);

  if (plan->sim)
    st->loss_sim = sim_head (b, y, n, ctx, plan->w_sim, into_block, u);
  if (plan->bpf_sim)
    st->loss_sim = bpf_sim (b, y, n, ctx, plan->w_sim, into_block);
  if (plan->bpf_pred)
    st->loss_pred = bpf_pred_head (b, pf, y, n, ctx, plan->w_pred, into_block, u);
  ce = pred_head (b, pf, y, n, ctx, plan->pred_trains_block ? plan->w_pred : 1.0f,
                  into_block && plan->pred_trains_block, &st->correct, u);
  if (!plan->bpf_pred)
    st->loss_pred = ce;
  if (into_block && !b->da_written)
    memset (b->da, 0, n * b->map * sizeof (float));
  return ce;
}

/* From the gradient at the activation in b->da back through the
 * activation, BN and the conv (to dx when non-NULL). */
static void
trunk_backward (LwConvBlock *b, const float *x, guint n, const LwStepContext *ctx, float *dx)
{
  lw_activation_backward (ctx->nonlin, b->a, b->da, n * b->map, b->da);
  if (!b->shape.no_batch_norm)
    lw_batchnorm2d_backward (&b->bn, b->xhat, b->da, n, b->da);
  /* dx uses the weights before this step's update, as autograd would. */
  lw_conv2d_backward (&b->main, x, b->da, n, dx, FALSE);
}

gboolean
lw_conv_block_local_update (LwConvBlock *b, const float *x, const guint8 *y, guint n,
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
lw_conv_block_joint_backward (LwConvBlock *b, const float *x, const guint8 *y, guint n,
                              const LwStepContext *ctx, float *dx, LwBlockStats *stats,
                              LwUpdate *pending)
{
  const gsize nd = n * b->map;
  LwBlockStats st = { NAN, NAN, 0, { 0 } };
  float *up = b->dtmp;
  LwLossPlan plan;
  gboolean ok;
  float ce;

  lw_loss_plan (ctx, &plan);
  ce = run_heads (b, y, n, ctx, &plan, TRUE, &st, pending);
  /* What came from above, back to the activation, joins the local gradient. */
  if (b->shape.pool_after)
    lw_maxpool_backward (&b->maxpool, b->dout, n, up, FALSE);
  else
    memcpy (up, b->dout, nd * sizeof (float));
  if (ctx->dropout > 0.0f)
    lw_dropout2d_backward (b->mask, up, n, b->shape.c_out, (gsize) b->h * b->w, b->da, TRUE);
  else
    for (gsize i = 0; i < nd; i++)
      b->da[i] += up[i];
  trunk_backward (b, x, n, ctx, dx);
  add_main (b, pending, ctx);
  ok = lw_loss_plan_check (&plan, ce, &st);
  if (stats != NULL)
    *stats = st;
  return ok;
}

gboolean
lw_conv_block_probe_update (LwConvBlock *b, const guint8 *y, guint n,
                            const LwStepContext *ctx, LwBlockStats *stats, LwUpdate *pending)
{
  LwBlockStats st = { NAN, NAN, 0, { 0 } };
  const float *pf = view_forward (&b->pred_view, b->a, n, b->feat);
  LwUpdate u = { 0 };
  gboolean ok;

  lw_linear_forward (&b->pred, pf, n, b->logits);
  st.loss_pred = pred_head (b, pf, y, n, ctx, 1.0f, FALSE, &st.correct,
                            pending != NULL ? pending : &u);
  ok = lw_loss_check (st.loss_pred, &st.diverged)
       && (pending != NULL || lw_update_commit (&u, &ctx->optim, &st.diverged));
  if (stats != NULL)
    *stats = st;
  return ok;
}

gboolean
lw_conv_block_global_backward (LwConvBlock *b, const float *x, guint n,
                               const LwStepContext *ctx, float *dx, LwUpdate *pending)
{
  LwUpdate u = { 0 };
  LwDivergence div;

  const gsize nd = n * b->map;

  if (b->shape.pool_after)
    lw_maxpool_backward (&b->maxpool, b->dout, n, b->da, FALSE);
  else
    memcpy (b->da, b->dout, nd * sizeof (float));
  if (ctx->dropout > 0.0f)
    lw_dropout2d_backward (b->mask, b->da, n, b->shape.c_out, (gsize) b->h * b->w, b->da, FALSE);
  trunk_backward (b, x, n, ctx, dx);
  add_main (b, pending != NULL ? pending : &u, ctx);
  return pending != NULL || lw_update_commit (&u, &ctx->optim, &div);
}

const float *
lw_conv_block_forward_eval (LwConvBlock *b, const float *x, const guint8 *y, guint n,
                            LwNonlin nonlin, guint *correct)
{
  g_return_val_if_fail (n <= b->main.max_n, NULL);

  lw_conv2d_forward (&b->main, x, n, b->a);
  if (!b->shape.no_batch_norm)
    lw_batchnorm2d_forward_eval (&b->bn, b->a, n, b->a);
  lw_activation_forward (nonlin, b->a, n * b->map);
  if (correct != NULL)
    {
      const float *pf = view_forward (&b->pred_view, b->a, n, b->feat);

      lw_linear_forward (&b->pred, pf, n, b->logits);
      lw_softmax_ce (b->logits, y, n, b->pred.out, 0.0f, NULL, correct);
    }
  if (b->shape.pool_after)
    {
      lw_maxpool_forward (&b->maxpool, b->a, n, b->out);
      return b->out;
    }
  return b->a;
}

void
lw_conv_block_similarity (LwConvBlock *b, guint n, LwLossType loss, float *s)
{
  const gsize hw = (gsize) b->h * b->w;

  if (loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM)
    {
      lw_conv2d_forward (&b->sim, b->a, n, b->hsim);
      map_similarity (b, b->hsim, n, b->sim_std, hw, b->map, s);
    }
  else if (loss == LW_LOSS_SIM_BPF || loss == LW_LOSS_PREDSIM_BPF)
    {
      const LwConvView *v = &b->bpf_sim_view;

      map_similarity (b, view_forward (v, b->a, n, b->bfeat), n, v->std, v->dim / b->shape.c_out,
                      v->dim, s);
    }
  else
    map_similarity (b, b->a, n, b->sim_std, hw, b->map, s);
  for (gsize i = 0; i < (gsize) n * n; i++)
    s[i] = CLAMP (s[i], -1.0f, 1.0f);
}
