/* lw-model.c: the model: a stack of local-loss blocks (fully connected or
 * conv) and an output layer. In sections: building it, a step's pieces and
 * the whole step, evaluation, the live controls, what the window shows
 * and what a checkpoint keeps. They all work on struct _LwModel, so they
 * stay in one file. The architectures are in lw-architectures.c; the
 * configuration's defaults, names and check in lw-model-config.c. */
#include "lw-model.h"
#include "lw-model-private.h"
#include "lw-block.h"
#include "lw-conv-block.h"
#include "lw-losses.h"
#include "lw-rng.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (lw-model-error-quark, lw_model_error)

enum { OUT_W, OUT_B, OUT_N_PARAMS };

/* Independent random streams, so that e.g. changing dropout does not
 * change how the weights were initialised. Each block draws its dropout
 * masks from a stream of its own, so the masks do not depend on the order
 * in which blocks run (lw-pipeline.c). */
enum { STREAM_INIT = 1, STREAM_TARGETS = 3, STREAM_DROPOUT_BLOCK0 = 100 };

/* A local block of the stack: fully connected or convolutional. */
typedef enum { BLOCK_FC, BLOCK_CONV } BlockKind;

typedef struct {
  BlockKind kind;
  union {
    LwBlock fc;
    LwConvBlock conv;
  };
} ModelBlock;

struct _LwModel {
  LwModelConfig config;
  guint n_blocks;
  guint n_conv;               /* blocks [0, n_conv) are conv blocks, the rest FC */
  ModelBlock *blocks;
  const float *fed[LW_MAX_BLOCKS]; /* what each block fed forward in the last training step */
  float *conv_workspace;      /* shared by all conv blocks */
  LwLinear out;
  LwParam out_params[OUT_N_PARAMS];
  LwRng dropout_rng[LW_MAX_BLOCKS];

  /* Live per-block controls; a step copies them into the blocks. */
  float lr_mult[LW_MAX_BLOCKS];
  gboolean frozen[LW_MAX_BLOCKS];
  double cost[LW_MAX_BLOCKS + 1]; /* seconds per step, blocks then output */

  float *onehot_table;        /* classes x classes */
  /* Each block's own label code (bpf, init_targets): block i's at
   * i * classes^2 and i * classes * code_len. */
  float *code_tables;         /* n_blocks x classes x classes */
  float *codes;               /* n_blocks x classes x code_len, 0/1 */

  float *logits, *dlogits;    /* batch x classes */
};

/* ---- a block of either kind (fully connected or conv), through one interface ---- */

/* Per-kind access to a block's common parts. */
static LwParam *
block_params (ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? b->conv.params : b->fc.params;
}

static float *
block_lr_mult (ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? &b->conv.lr_mult : &b->fc.lr_mult;
}

static gboolean *
block_frozen (ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? &b->conv.frozen : &b->fc.frozen;
}

static float *
block_dout (ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? b->conv.dout : b->fc.dout;
}

/* Floats per sample of the block's own activation (a conv block's map
 * before its max pool). */
static guint
block_width (const ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? (guint) b->conv.map : b->fc.n_out;
}

static const float *
block_forward_train (ModelBlock *b, const float *x, guint n, const LwStepContext *ctx,
                     LwRng *dropout_rng)
{
  if (b->kind == BLOCK_CONV)
    return lw_conv_block_forward_train (&b->conv, x, n, ctx, dropout_rng);
  return lw_block_forward_train (&b->fc, x, n, ctx, dropout_rng);
}

static gboolean
block_local_update (ModelBlock *b, const float *x, const guint8 *y, guint n,
                    const LwStepContext *ctx, LwBlockStats *stats)
{
  if (b->kind == BLOCK_CONV)
    return lw_conv_block_local_update (&b->conv, x, y, n, ctx, stats);
  return lw_block_local_update (&b->fc, x, y, n, ctx, stats);
}

static gboolean
block_probe_update (ModelBlock *b, const guint8 *y, guint n, const LwStepContext *ctx,
                    LwBlockStats *stats, LwUpdate *pending)
{
  if (b->kind == BLOCK_CONV)
    return lw_conv_block_probe_update (&b->conv, y, n, ctx, stats, pending);
  return lw_block_probe_update (&b->fc, y, n, ctx, stats, pending);
}

static void
block_global_backward (ModelBlock *b, const float *x, guint n, const LwStepContext *ctx,
                       float *dx, LwUpdate *pending)
{
  if (b->kind == BLOCK_CONV)
    lw_conv_block_global_backward (&b->conv, x, n, ctx, dx, pending);
  else
    lw_block_global_backward (&b->fc, x, n, ctx, dx, pending);
}

static gboolean
block_joint_backward (ModelBlock *b, const float *x, const guint8 *y, guint n,
                      const LwStepContext *ctx, float *dx, LwBlockStats *stats,
                      LwUpdate *pending)
{
  if (b->kind == BLOCK_CONV)
    return lw_conv_block_joint_backward (&b->conv, x, y, n, ctx, dx, stats, pending);
  return lw_block_joint_backward (&b->fc, x, y, n, ctx, dx, stats, pending);
}

/* Evaluation forward; returns what goes to the next block. */
static const float *
block_forward_eval (ModelBlock *b, const float *x, const guint8 *y, guint n, LwNonlin nonlin,
                    guint *correct)
{
  if (b->kind == BLOCK_CONV)
    return lw_conv_block_forward_eval (&b->conv, x, y, n, nonlin, correct);
  return lw_block_forward_eval (&b->fc, x, y, n, nonlin, correct);
}

static void
block_similarity (ModelBlock *b, guint n, LwLossType loss, float *s)
{
  if (b->kind == BLOCK_CONV)
    lw_conv_block_similarity (&b->conv, n, loss, s);
  else
    lw_block_similarity (&b->fc, n, loss, s);
}

/* The block's own activation after block_forward_eval. */
static const float *
block_activation (const ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? b->conv.a : b->fc.a;
}

/* ---- building ---- */

/* The fixed random label projections of the bpf variants, one per block
 * as in the reference code (docs/method.md §5): block i's P_i (classes x
 * code_len, uniform in +-1/sqrt(classes)) is the i-th draw of the targets
 * stream, blocks in order from the input up. Its signs are the block's
 * binary code of each class, and the similarity of its rows is the
 * block's sim-bpf target. With config.shared_target_proj (run files
 * before format 3) every block takes P_0, the one projection those runs
 * drew: the same first draw of the same stream. */
static void
init_targets (LwModel *m, LwRng *rng)
{
  guint C = m->config.n_classes, K = m->config.target_proj_size;
  g_autofree float *onehot = g_new0 (float, (gsize) C * C);
  g_autofree float *proj = g_new (float, (gsize) C * K);

  for (guint c = 0; c < C; c++)
    onehot[(gsize) c * C + c] = 1.0f;
  m->onehot_table = g_new (float, (gsize) C * C);
  lw_similarity_table (onehot, C, C, m->onehot_table);

  m->code_tables = g_new (float, (gsize) m->n_blocks * C * C);
  m->codes = g_new (float, (gsize) m->n_blocks * C * K);
  for (guint i = 0; i < m->n_blocks; i++)
    {
      float *table = m->code_tables + (gsize) i * C * C;
      float *codes = m->codes + (gsize) i * C * K;

      if (i > 0 && m->config.shared_target_proj)
        {
          memcpy (table, m->code_tables, (gsize) C * C * sizeof (float));
          memcpy (codes, m->codes, (gsize) C * K * sizeof (float));
          continue;
        }
      lw_fill_uniform (proj, (gsize) C * K, 1.0f / sqrtf ((float) C), rng);
      lw_similarity_table (proj, C, K, table);
      for (gsize k = 0; k < (gsize) C * K; k++)
        codes[k] = proj[k] > 0.0f ? 1.0f : 0.0f;
    }
}

LwModel *
lw_model_new (const LwModelConfig *config, GError **error)
{
  LwModel *m;
  LwRng init_rng, target_rng;
  guint in, batch;
  LwInit out_init;
  LwConvBlockShape shapes[LW_ARCH_MAX_LAYOUT];
  gsize workspace = 0;

  g_return_val_if_fail (config != NULL, NULL);
  if (!lw_model_config_check (config, error))
    return NULL;

  m = g_new0 (LwModel, 1);
  m->config = *config;
  if (lw_arch_is_conv (config->arch))
    {
      const char *what = NULL;

      m->n_conv = lw_arch_conv_shapes (config, shapes, &what);
      g_assert (m->n_conv > 0);
    }
  m->n_blocks = m->n_conv + config->num_layers;
  batch = config->batch_size;
  lw_rng_init (&init_rng, config->seed, STREAM_INIT);
  lw_rng_init (&target_rng, config->seed, STREAM_TARGETS);

  m->blocks = g_new0 (ModelBlock, m->n_blocks);
  for (guint i = 0; i < m->n_blocks; i++)
    {
      lw_rng_init (&m->dropout_rng[i], config->seed, STREAM_DROPOUT_BLOCK0 + i);
      m->lr_mult[i] = 1.0f;
    }
  in = config->in_channels * config->in_height * config->in_width;
  for (guint i = 0; i < m->n_conv; i++)
    {
      LwConvBlock *b = &m->blocks[i].conv;

      m->blocks[i].kind = BLOCK_CONV;
      lw_conv_block_init (b, &shapes[i], config->n_classes, config->target_proj_size, batch,
                          &init_rng);
      workspace = MAX (workspace, b->workspace_floats);
      in = (guint) b->out_map;
    }
  /* The conv blocks run one after the other: one scratch for all. */
  if (m->n_conv > 0)
    {
      m->conv_workspace = g_new0 (float, workspace);
      for (guint i = 0; i < m->n_conv; i++)
        lw_conv_block_use_workspace (&m->blocks[i].conv, m->conv_workspace);
    }
  for (guint i = m->n_conv; i < m->n_blocks; i++)
    {
      m->blocks[i].kind = BLOCK_FC;
      lw_block_init (&m->blocks[i].fc, in, config->num_hidden, config->n_classes,
                     config->target_proj_size, batch, !config->no_batch_norm, &init_rng);
      in = config->num_hidden;
    }

  /* Local modes start the output layer at zero, as docs/method.md §2 says;
   * the bp baseline is an ordinary network. */
  out_init = config->loss == LW_LOSS_BP ? LW_INIT_TORCH : LW_INIT_ZERO_WEIGHT;
  lw_linear_init (&m->out, in, config->n_classes, TRUE, out_init, &init_rng);
  lw_param_init (&m->out_params[OUT_W], m->out.w, m->out.dw, (gsize) in * config->n_classes);
  lw_param_init (&m->out_params[OUT_B], m->out.b, m->out.db, config->n_classes);

  init_targets (m, &target_rng);
  m->logits = g_new0 (float, (gsize) batch * config->n_classes);
  m->dlogits = g_new0 (float, (gsize) batch * config->n_classes);
  return m;
}

void
lw_model_free (LwModel *m)
{
  if (m == NULL)
    return;
  for (guint i = 0; i < m->n_blocks; i++)
    if (m->blocks[i].kind == BLOCK_CONV)
      lw_conv_block_clear (&m->blocks[i].conv);
    else
      lw_block_clear (&m->blocks[i].fc);
  g_free (m->blocks);
  g_free (m->conv_workspace);
  for (guint i = 0; i < OUT_N_PARAMS; i++)
    lw_param_clear (&m->out_params[i]);
  lw_linear_clear (&m->out);
  g_free (m->onehot_table);
  g_free (m->code_tables);
  g_free (m->codes);
  g_free (m->logits);
  g_free (m->dlogits);
  g_free (m);
}

const LwModelConfig *
lw_model_get_config (const LwModel *m)
{
  return &m->config;
}

guint
lw_model_n_blocks (const LwModel *m)
{
  return m->n_blocks;
}

guint
lw_model_input_size (const LwModel *m)
{
  return m->config.in_channels * m->config.in_height * m->config.in_width;
}

gsize
lw_model_n_params (const LwModel *m, gboolean with_heads)
{
  gsize total = m->out_params[OUT_W].n + m->out_params[OUT_B].n;

  for (guint i = 0; i < m->n_blocks; i++)
    for (guint p = 0; p < LW_BLOCK_N_PARAMS; p++)
      if (with_heads || p <= LW_BLOCK_BN_BETA)
        total += block_params (&m->blocks[i])[p].n;
  return total;
}

/* ---- the pieces of a step, for any schedule (lw-step.h) ---- */

static void
fill_context (const LwModel *m, LwStepContext *ctx)
{
  const LwModelConfig *c = &m->config;

  *ctx = (LwStepContext) {
    .loss = c->loss,
    .no_detach = c->no_detach,
    .beta = c->beta,
    .lr = c->lr,
    .dropout = c->dropout,
    .nonlin = c->nonlin,
    .optim = {
      .kind = c->optim,
      .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
      .momentum = c->momentum,
      .weight_decay = c->weight_decay,
    },
    .classes = c->n_classes,
    .code_len = c->target_proj_size,
    .onehot_table = m->onehot_table,
    /* Each block's own: lw_model_block_train fills them in. */
    .code_table = NULL,
    .codes = NULL,
  };
}

void
lw_model_capture_controls (const LwModel *m, LwStepControls *c)
{
  fill_context (m, &c->ctx);
  memcpy (c->lr_mult, m->lr_mult, sizeof c->lr_mult);
  memcpy (c->frozen, m->frozen, sizeof c->frozen);
}

static void
apply_block_controls (LwModel *m, guint i, const LwStepControls *c)
{
  *block_lr_mult (&m->blocks[i]) = c->lr_mult[i];
  *block_frozen (&m->blocks[i]) = c->frozen[i];
}

const float *
lw_model_block_train (LwModel *m, guint i, const float *below, const guint8 *y, guint count,
                      const LwStepControls *c, LwBlockStats *stats)
{
  ModelBlock *b = &m->blocks[i];
  LwStepContext ctx = c->ctx;
  const float *h;

  lw_model_block_targets (m, i, &ctx.codes, &ctx.code_table);
  apply_block_controls (m, i, c);
  h = m->fed[i] = block_forward_train (b, below, count, &ctx, &m->dropout_rng[i]);
  if (!block_local_update (b, below, y, count, &ctx, stats))
    {
      stats->diverged.block = i;
      return NULL;
    }
  return h;
}

static float
output_scale (const LwStepControls *c)
{
  if (c->ctx.loss == LW_LOSS_PREDSIM || c->ctx.loss == LW_LOSS_PREDSIM_BPF)
    return 1.0f - c->ctx.beta;
  return 1.0f;
}

static void
add_output (LwModel *m, LwUpdate *u, const LwStepContext *ctx)
{
  for (guint i = 0; i < OUT_N_PARAMS; i++)
    lw_update_add (u, &m->out_params[i], ctx->lr);
}

gboolean
lw_model_output_train (LwModel *m, const float *h, const guint8 *y, guint count,
                       const LwStepControls *c, LwStepStats *st)
{
  LwUpdate u = { 0 };

  lw_linear_forward (&m->out, h, count, m->logits);
  st->loss_out = lw_softmax_ce (m->logits, y, count, m->config.n_classes, output_scale (c),
                                m->dlogits, &st->correct_out);
  lw_linear_backward (&m->out, h, m->dlogits, count, NULL, FALSE);
  add_output (m, &u, &c->ctx);
  if (lw_loss_check (st->loss_out, &st->diverged) && lw_update_commit (&u, &c->ctx.optim, &st->diverged))
    return TRUE;
  st->diverged.block = m->n_blocks;
  return FALSE;
}

gsize
lw_model_block_out_floats (const LwModel *m, guint i)
{
  const ModelBlock *b = &m->blocks[i];

  return b->kind == BLOCK_CONV ? b->conv.out_map : b->fc.n_out;
}

void
lw_model_block_costs (const LwModel *m, double *costs)
{
  memcpy (costs, m->cost, (m->n_blocks + 1) * sizeof (double));
}

gsize
lw_model_block_workspace_floats (const LwModel *m, guint i)
{
  return m->blocks[i].kind == BLOCK_CONV ? m->blocks[i].conv.workspace_floats : 0;
}

void
lw_model_block_targets (const LwModel *m, guint i, const float **codes, const float **code_table)
{
  guint C = m->config.n_classes, K = m->config.target_proj_size;

  g_return_if_fail (i < m->n_blocks);
  *codes = m->codes + (gsize) i * C * K;
  *code_table = m->code_tables + (gsize) i * C * C;
}

void
lw_model_block_use_workspace (LwModel *m, guint i, float *ws)
{
  if (m->blocks[i].kind == BLOCK_CONV)
    lw_conv_block_use_workspace (&m->blocks[i].conv, ws != NULL ? ws : m->conv_workspace);
}

/* ---- the training step ---- */

const char *
lw_diverged_what_to_string (LwDivergedWhat what)
{
  switch (what)
    {
    case LW_DIVERGED_NONE:
      return "none";
    case LW_DIVERGED_LOSS:
      return "loss";
    case LW_DIVERGED_GRADIENT:
      return "gradient";
    case LW_DIVERGED_WEIGHT:
      return "weight";
    default:
      g_return_val_if_reached (NULL);
    }
}

void
lw_step_stats_init (LwStepStats *stats, guint n_blocks, guint count)
{
  *stats = (LwStepStats) { .n_blocks = n_blocks, .count = count, .loss_out = NAN };
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    stats->block[i] = (LwBlockStats) { .loss_pred = NAN, .loss_sim = NAN };
}

/* A moving average of what each part of the step costs, for balancing
 * schedules; a clock read per block is noise next to a block's work. */
static void
note_cost (LwModel *m, guint part, gint64 t0, gint64 t1)
{
  double s = (t1 - t0) / (double) G_USEC_PER_SEC;

  m->cost[part] = m->cost[part] == 0.0 ? s : 0.9 * m->cost[part] + 0.1 * s;
}

/* The first part of a bp step that cannot be applied, in the order the
 * step ran: probes' losses, the output's loss, then each part's update. */
static gboolean
check_global_step (LwModel *m, LwUpdate *pending, const LwStepControls *c, LwStepStats *st)
{
  for (guint i = 0; i < m->n_blocks; i++)
    if (!lw_loss_check (st->block[i].loss_pred, &st->diverged))
      {
        st->diverged.block = i;
        return FALSE;
      }
  if (!lw_loss_check (st->loss_out, &st->diverged))
    {
      st->diverged.block = m->n_blocks;
      return FALSE;
    }
  for (guint i = 0; i <= m->n_blocks; i++)
    if (!lw_update_check_all_finite (&pending[i], &c->ctx.optim, &st->diverged))
      {
        st->diverged.block = i;
        return FALSE;
      }
  return TRUE;
}

/* The output layer on the top block's activation h: its (weighted)
 * cross-entropy into st, and the error it sends back into the top block's
 * dout, for the steps whose error goes through every block. */
static void
output_into_top_block (LwModel *m, const float *h, const guint8 *y, guint count,
                       const LwStepControls *c, LwStepStats *st)
{
  lw_linear_forward (&m->out, h, count, m->logits);
  st->loss_out = lw_softmax_ce (m->logits, y, count, m->config.n_classes, output_scale (c),
                                m->dlogits, &st->correct_out);
  lw_linear_backward (&m->out, h, m->dlogits, count,
                      block_dout (&m->blocks[m->n_blocks - 1]), FALSE);
}

/* bp: the blocks feed forward with probe heads, then the output error
 * goes back through every block; one update of the whole network, applied
 * only when all of it is finite. */
static void
global_step (LwModel *m, const float *x, const guint8 *y, guint count,
             const LwStepControls *c, LwStepStats *st)
{
  const LwStepContext *ctx = &c->ctx;
  const float *h = x;
  LwUpdate pending[LW_MAX_BLOCKS + 1] = { 0 };

  for (guint i = 0; i < m->n_blocks; i++)
    {
      ModelBlock *b = &m->blocks[i];

      apply_block_controls (m, i, c);
      h = m->fed[i] = block_forward_train (b, h, count, ctx, &m->dropout_rng[i]);
      block_probe_update (b, y, count, ctx, &st->block[i], &pending[i]);
    }

  output_into_top_block (m, h, y, count, c, st);
  /* Back through every block; a block's dx lands in the dout of the block
   * below in the layout that block fed forward (a conv block's pooled map,
   * CHW per sample, is also the flatten's order). */
  for (guint i = m->n_blocks; i-- > 0;)
    {
      const float *below = i > 0 ? m->fed[i - 1] : x;
      float *dx = i > 0 ? block_dout (&m->blocks[i - 1]) : NULL;

      block_global_backward (&m->blocks[i], below, count, ctx, dx, &pending[i]);
    }
  add_output (m, &pending[m->n_blocks], ctx);
  if (!check_global_step (m, pending, c, st))
    return;
  for (guint i = 0; i <= m->n_blocks; i++)
    lw_update_apply (&pending[i], &ctx->optim);
}

/* A local loss without the detach (the reference's --no-detach): the
 * blocks feed forward, the output's (weighted) cross-entropy goes back
 * through every block, and on its way each block's own local losses join
 * it at the block's activation, so a block learns from its own loss and
 * from every loss above it. The local heads learn from their own loss
 * only. One update of the whole network, applied only when all of it is
 * finite, as the reference steps every block after the global backward. */
static void
joint_step (LwModel *m, const float *x, const guint8 *y, guint count,
            const LwStepControls *c, LwStepStats *st)
{
  LwStepContext ctx = c->ctx;
  const float *h = x;
  LwUpdate pending[LW_MAX_BLOCKS + 1] = { 0 };

  for (guint i = 0; i < m->n_blocks; i++)
    {
      apply_block_controls (m, i, c);
      h = m->fed[i] = block_forward_train (&m->blocks[i], h, count, &ctx, &m->dropout_rng[i]);
    }

  output_into_top_block (m, h, y, count, c, st);
  for (guint i = m->n_blocks; i-- > 0;)
    {
      const float *below = i > 0 ? m->fed[i - 1] : x;
      float *dx = i > 0 ? block_dout (&m->blocks[i - 1]) : NULL;

      lw_model_block_targets (m, i, &ctx.codes, &ctx.code_table);
      block_joint_backward (&m->blocks[i], below, y, count, &ctx, dx, &st->block[i],
                            &pending[i]);
    }
  add_output (m, &pending[m->n_blocks], &ctx);

  /* The first part that cannot be applied, in the order the forward ran. */
  for (guint i = 0; i < m->n_blocks; i++)
    if (st->block[i].diverged.what != LW_DIVERGED_NONE)
      {
        st->diverged = st->block[i].diverged;
        st->diverged.block = i;
        return;
      }
  if (!lw_loss_check (st->loss_out, &st->diverged))
    {
      st->diverged.block = m->n_blocks;
      return;
    }
  for (guint i = 0; i <= m->n_blocks; i++)
    if (!lw_update_check_all_finite (&pending[i], &ctx.optim, &st->diverged))
      {
        st->diverged.block = i;
        return;
      }
  for (guint i = 0; i <= m->n_blocks; i++)
    lw_update_apply (&pending[i], &ctx.optim);
}

/* Where a stopped step stands: block next's input h and the labels,
 * copied, for evaluation and pictures reuse the blocks' buffers (and the
 * caller its batch) before the step goes on. */
static void
keep_position (LwModel *m, LwStepCursor *cur, guint next, const float *h, const guint8 *y)
{
  gsize floats = (gsize) cur->count * lw_model_block_out_floats (m, next - 1);

  if (cur->h == NULL)
    {
      gsize most = 0;

      for (guint i = 0; i < m->n_blocks; i++)
        most = MAX (most, lw_model_block_out_floats (m, i));
      cur->h = g_new (float, most * m->config.batch_size);
      cur->y = g_new (guint8, m->config.batch_size);
    }
  memcpy (cur->h, h, floats * sizeof (float));
  if (y != cur->y)
    memcpy (cur->y, y, cur->count);
  cur->next = next;
  cur->open = TRUE;
}

/* A local step's blocks from block from on, then the output layer. With
 * stop, it may stop before any block but the first it trains (so every
 * call makes progress): then it keeps its position in cur and returns
 * FALSE. A block that diverged ends the step: the layers above it do not
 * see the batch. */
static gboolean
local_blocks (LwModel *m, guint from, const float *h, const guint8 *y, guint count,
              const LwStepControls *c, LwStepStats *st, const LwStopFlag *stop,
              LwStepCursor *cur)
{
  gint64 t0 = g_get_monotonic_time (), t1;

  for (guint i = from; i < m->n_blocks && h != NULL; i++)
    {
      if (i > from && stop != NULL && atomic_load (stop) != 0)
        {
          keep_position (m, cur, i, h, y);
          return FALSE;
        }
      h = lw_model_block_train (m, i, h, y, count, c, &st->block[i]);
      t1 = g_get_monotonic_time ();
      note_cost (m, i, t0, t1);
      t0 = t1;
      if (h == NULL)
        st->diverged = st->block[i].diverged;
    }
  if (h != NULL)
    {
      lw_model_output_train (m, h, y, count, c, st);
      note_cost (m, m->n_blocks, t0, g_get_monotonic_time ());
    }
  return TRUE;
}

void
lw_model_train_step (LwModel *m, const float *x, const guint8 *y, guint count,
                     LwStepStats *stats)
{
  LwStepControls c;
  LwStepStats st;

  g_return_if_fail (count >= 1 && count <= m->config.batch_size);
  lw_model_capture_controls (m, &c);
  lw_step_stats_init (&st, m->n_blocks, count);

  if (c.ctx.loss == LW_LOSS_BP)
    global_step (m, x, y, count, &c, &st);
  else if (c.ctx.no_detach)
    joint_step (m, x, y, count, &c, &st);
  else
    local_blocks (m, 0, x, y, count, &c, &st, NULL, NULL);

  if (stats != NULL)
    *stats = st;
}

gboolean
lw_model_train_step_stoppable (LwModel *m, const float *x, const guint8 *y, guint count,
                               const LwStopFlag *stop, LwStepCursor *cur, LwStepStats *stats)
{
  LwStepControls *c = &cur->controls;

  g_return_val_if_fail (count >= 1 && count <= m->config.batch_size, TRUE);
  g_return_val_if_fail (!cur->open, TRUE);
  cur->count = count;
  lw_model_capture_controls (m, c);
  lw_step_stats_init (&cur->stats, m->n_blocks, count);

  /* Their one update crosses every block: they run whole. */
  if (c->ctx.loss == LW_LOSS_BP)
    global_step (m, x, y, count, c, &cur->stats);
  else if (c->ctx.no_detach)
    joint_step (m, x, y, count, c, &cur->stats);
  else if (!local_blocks (m, 0, x, y, count, c, &cur->stats, stop, cur))
    return FALSE;
  *stats = cur->stats;
  return TRUE;
}

gboolean
lw_model_train_step_go_on (LwModel *m, const LwStopFlag *stop, LwStepCursor *cur,
                           LwStepStats *stats)
{
  g_return_val_if_fail (cur->open, TRUE);
  cur->open = FALSE;
  if (!local_blocks (m, cur->next, cur->h, cur->y, cur->count, &cur->controls, &cur->stats,
                     stop, cur))
    return FALSE;
  *stats = cur->stats;
  return TRUE;
}

void
lw_step_cursor_clear (LwStepCursor *cur)
{
  g_clear_pointer (&cur->h, g_free);
  g_clear_pointer (&cur->y, g_free);
  cur->open = FALSE;
}

/* ---- evaluation and prediction ---- */

const float *
lw_model_block_evaluate (LwModel *m, guint i, const float *below, const guint8 *y, guint count,
                         guint *correct)
{
  guint c;
  const float *h = block_forward_eval (&m->blocks[i], below, y, count, m->config.nonlin, &c);

  *correct += c;
  return h;
}

void
lw_model_output_evaluate (LwModel *m, const float *h, const guint8 *y, guint count,
                          guint *correct)
{
  guint c;

  lw_linear_forward (&m->out, h, count, m->logits);
  lw_softmax_ce (m->logits, y, count, m->config.n_classes, 0.0f, NULL, &c);
  *correct += c;
}

void
lw_model_evaluate (LwModel *m, const float *x, const guint8 *y, guint count,
                   guint *block_correct, guint *out_correct)
{
  const float *h = x;
  guint ignored = 0;

  g_return_if_fail (count >= 1 && count <= m->config.batch_size);

  for (guint i = 0; i < m->n_blocks; i++)
    h = lw_model_block_evaluate (m, i, h, y, count,
                                 block_correct != NULL ? &block_correct[i] : &ignored);
  lw_model_output_evaluate (m, h, y, count, out_correct != NULL ? out_correct : &ignored);
}

/* The index of each row's largest of k values; the first on a tie, as
 * lw_softmax_ce counts hits. */
static void
argmax_rows (const float *v, guint n, guint k, guint8 *out)
{
  for (guint i = 0; i < n; i++)
    {
      const float *row = v + (gsize) i * k;
      guint best = 0;

      for (guint j = 1; j < k; j++)
        if (row[j] > row[best])
          best = j;
      out[i] = (guint8) best;
    }
}

void
lw_model_predict (LwModel *m, const float *x, const guint8 *y, guint count,
                  guint8 *block_pred, guint8 *out_pred)
{
  guint C = m->config.n_classes;
  const float *h = x;
  guint correct;

  g_return_if_fail (count >= 1 && count <= m->config.batch_size);
  g_return_if_fail (C <= 256);

  for (guint i = 0; i < m->n_blocks; i++)
    {
      ModelBlock *b = &m->blocks[i];

      /* Asking for the hits makes the block run its prediction head. */
      h = block_forward_eval (b, h, y, count, m->config.nonlin, &correct);
      argmax_rows (b->kind == BLOCK_CONV ? b->conv.logits : b->fc.logits, count, C,
                   block_pred + (gsize) i * count);
    }
  lw_linear_forward (&m->out, h, count, m->logits);
  argmax_rows (m->logits, count, C, out_pred);
}

/* ---- live controls ---- */

void
lw_model_set_loss (LwModel *m, LwLossType loss)
{
  g_return_if_fail (loss < LW_N_LOSSES);
  m->config.loss = loss;
}

void
lw_model_set_beta (LwModel *m, float beta)
{
  g_return_if_fail (beta >= 0.0f && beta <= 1.0f);
  m->config.beta = beta;
}

void
lw_model_set_lr (LwModel *m, float lr)
{
  g_return_if_fail (lr >= 0.0f && isfinite (lr));
  m->config.lr = lr;
}

void
lw_model_set_block_lr_mult (LwModel *m, guint block, float mult)
{
  g_return_if_fail (block < m->n_blocks);
  g_return_if_fail (mult >= 0.0f && isfinite (mult));
  m->lr_mult[block] = mult;
}

void
lw_model_set_block_frozen (LwModel *m, guint block, gboolean frozen)
{
  g_return_if_fail (block < m->n_blocks);
  m->frozen[block] = frozen;
}

void
lw_model_set_no_detach (LwModel *m, gboolean no_detach)
{
  g_return_if_fail (m != NULL);
  m->config.no_detach = no_detach;
}

void
lw_model_set_dropout (LwModel *m, float dropout)
{
  g_return_if_fail (dropout >= 0.0f && dropout < 1.0f);
  m->config.dropout = dropout;
}

float
lw_model_get_block_lr (const LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, 0.0f);
  return m->config.lr * m->lr_mult[block];
}

gboolean
lw_model_get_block_frozen (const LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, FALSE);
  return m->frozen[block];
}

float
lw_model_get_block_lr_mult (const LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, 0.0f);
  return m->lr_mult[block];
}

/* ---- what the window shows: similarities, activations, weights ---- */

void
lw_model_target_similarity (const LwModel *m, guint block, const guint8 *y, guint count,
                            float *out)
{
  guint C = m->config.n_classes;
  const float *table = lw_loss_type_is_bpf (m->config.loss)
                       ? m->code_tables + (gsize) block * C * C : m->onehot_table;

  g_return_if_fail (block < m->n_blocks);
  for (guint i = 0; i < count; i++)
    for (guint j = 0; j < count; j++)
      out[(gsize) i * count + j] = table[(gsize) y[i] * C + y[j]];
}

void
lw_model_similarity (LwModel *m, const float *x, const guint8 *y, guint count,
                     float *label_sim, float *block_sim)
{
  const float *h = x;

  g_return_if_fail (count >= 1 && count <= m->config.batch_size);

  /* bpf: each block has a target of its own; this is block 1's. */
  lw_model_target_similarity (m, 0, y, count, label_sim);

  for (guint i = 0; i < m->n_blocks; i++)
    {
      h = block_forward_eval (&m->blocks[i], h, y, count, m->config.nonlin, NULL);
      block_similarity (&m->blocks[i], count, m->config.loss,
                           block_sim + (gsize) i * count * count);
    }
}

void
lw_model_activations (LwModel *m, const float *x, guint count, float *out)
{
  const float *h = x;

  g_return_if_fail (count >= 1 && count <= m->config.batch_size);

  for (guint i = 0; i < m->n_blocks; i++)
    {
      gsize size = (gsize) count * block_width (&m->blocks[i]);

      h = block_forward_eval (&m->blocks[i], h, NULL, count, m->config.nonlin, NULL);
      memcpy (out, block_activation (&m->blocks[i]), size * sizeof (float));
      out += size;
    }
}

guint
lw_model_block_width (const LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, 0);
  return block_width (&m->blocks[block]);
}

const float *
lw_model_first_weights (const LwModel *m, guint *rows, guint *cols)
{
  const ModelBlock *b = &m->blocks[0];

  if (b->kind == BLOCK_CONV)
    {
      const LwConv2d *conv = &b->conv.main;

      if (rows != NULL)
        *rows = conv->c_out;
      if (cols != NULL)
        *cols = conv->c_in * conv->k * conv->k;
      return conv->w;
    }
  if (rows != NULL)
    *rows = b->fc.main.out;
  if (cols != NULL)
    *cols = b->fc.main.in;
  return b->fc.main.w;
}

LwMapShape
lw_model_first_weights_shape (const LwModel *m)
{
  const ModelBlock *b;

  g_return_val_if_fail (m != NULL, (LwMapShape) { 0 });
  b = &m->blocks[0];
  if (b->kind == BLOCK_CONV)
    return (LwMapShape) { b->conv.main.c_in, b->conv.main.k, b->conv.main.k };
  return (LwMapShape) { m->config.in_channels, m->config.in_height, m->config.in_width };
}

gboolean
lw_model_block_map_shape (const LwModel *m, guint block, LwMapShape *shape)
{
  const ModelBlock *b;

  g_return_val_if_fail (m != NULL && shape != NULL, FALSE);
  *shape = (LwMapShape) { 0 };
  g_return_val_if_fail (block < m->n_blocks, FALSE);
  b = &m->blocks[block];
  if (b->kind != BLOCK_CONV)
    return FALSE;
  *shape = (LwMapShape) { b->conv.shape.c_out, b->conv.h, b->conv.w };
  return TRUE;
}

/* ---- parameters and state, for checkpoints (lw-model-private.h) ---- */

gsize
lw_model_copy_params (const LwModel *m, float *out)
{
  gsize total = 0;

  for (guint i = 0; i <= m->n_blocks; i++)
    {
      const LwParam *params = i < m->n_blocks ? block_params ((ModelBlock *) &m->blocks[i])
                                               : m->out_params;
      guint n = i < m->n_blocks ? LW_BLOCK_N_PARAMS : OUT_N_PARAMS;

      for (guint k = 0; k < n; k++)
        {
          if (out != NULL && params[k].n > 0)
            memcpy (out + total, params[k].w, params[k].n * sizeof (float));
          total += params[k].n;
        }
    }
  return total;
}

static LwBatchNorm *
block_bn (ModelBlock *b)
{
  return b->kind == BLOCK_CONV ? &b->conv.bn : &b->fc.bn;
}

static void
visit_param (LwParam *p, LwStateFunc fn, gpointer data)
{
  fn (p->w, p->n, &p->t, data);
  fn (p->m, p->n, NULL, data);
  fn (p->v, p->n, NULL, data);
}

void
lw_model_visit_state (LwModel *m, LwStateFunc fn, gpointer data)
{
  for (guint i = 0; i < m->n_blocks; i++)
    {
      LwBatchNorm *bn = block_bn (&m->blocks[i]);

      for (guint k = 0; k < LW_BLOCK_N_PARAMS; k++)
        visit_param (&block_params (&m->blocks[i])[k], fn, data);
      fn (bn->running_mean, bn->d, NULL, data);
      fn (bn->running_var, bn->d, NULL, data);
    }
  for (guint k = 0; k < OUT_N_PARAMS; k++)
    visit_param (&m->out_params[k], fn, data);
}

void
lw_model_state_changed (LwModel *m)
{
  for (guint i = 0; i < m->n_blocks; i++)
    for (guint k = 0; k < LW_BLOCK_N_PARAMS; k++)
      lw_param_rescan (&block_params (&m->blocks[i])[k]);
  for (guint k = 0; k < OUT_N_PARAMS; k++)
    lw_param_rescan (&m->out_params[k]);
}

gsize
lw_model_param_offset (const LwModel *m, guint part)
{
  gsize total = 0;

  g_return_val_if_fail (part <= m->n_blocks, 0);
  for (guint i = 0; i < part; i++)
    for (guint k = 0; k < LW_BLOCK_N_PARAMS; k++)
      total += block_params ((ModelBlock *) &m->blocks[i])[k].n;
  return total;
}

const float *
lw_model_block_fed (const LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, NULL);
  return m->fed[block];
}

LwParam *
lw_model_block_param_slots (LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, NULL);
  return block_params (&m->blocks[block]);
}

LwBatchNorm *
lw_model_block_batchnorm (LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, NULL);
  return m->blocks[block].kind == BLOCK_CONV ? &m->blocks[block].conv.bn
                                             : &m->blocks[block].fc.bn;
}

LwRng *
lw_model_block_dropout_rng (LwModel *m, guint block)
{
  g_return_val_if_fail (block < m->n_blocks, NULL);
  return &m->dropout_rng[block];
}

LwParam *
lw_model_output_param_slots (LwModel *m, guint *n)
{
  *n = OUT_N_PARAMS;
  return m->out_params;
}
