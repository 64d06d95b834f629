/* test-conv-block.c: the convolutional local-loss block (docs/method.md §2–§5).
 * A double-precision reference of the block (conv, BatchNorm2d with batch
 * statistics, activation) and of each local loss (pooled softmax head,
 * conv sim head with spatial std, bpf heads with feedback alignment),
 * differentiated numerically, against the gradients the block leaves in
 * its buffers after an update with lr 0; the bp-mode error through dropout
 * and the max pool after the block; freezing; evaluation; similarity. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "alloc-counter.h"

#include "engine/lw-conv-block.h"
#include "engine/lw-gemm.h"
#include "gradcheck.h"

enum {
  CB_N = 6,
  CB_C_IN = 2,
  CB_CLASSES = 3,
  CB_CODE = 5,
};

typedef struct {
  LwLossType loss;
  float beta;
  LwNonlin nonlin;
  float dropout;
  guint c_out, size, kernel;
  gboolean pool_after;
  guint dim_in_decoder, bpf_sim_dim;
} Case;

/* The default case: 4 channels of 6x6; D* 16 pools the pred heads' input
 * by 4x4 with padding 2 to 2x2; D* 32 pools the sim-bpf view by (4, 2),
 * padding (2, 0), to 2x3. */
static Case
default_case (LwLossType loss, float beta, LwNonlin nonlin, float dropout)
{
  return (Case) { loss, beta, nonlin, dropout, 4, 6, 3, FALSE, 16, 32 };
}

typedef enum {
  PART_LOCAL,                 /* the block's local loss (FA surrogate if fa_g is set) */
  PART_PROBE,                 /* the softmax head's CE alone, unweighted */
  PART_GLOBAL,                /* <g_out, maxpool?(mask * a)>: a gradient from above */
} Part;

typedef struct {
  LwConvBlock *b;
  const float *x;
  const guint8 *y;
  guint n;
  LwLossType loss;
  float beta;
  LwNonlin nonlin;
  const float *onehot_table, *code_table, *codes;
  Part part;
  const double *fa_g;         /* fixed dL/d(pooled a) standing for the bpf head's error */
  const float *g_out, *mask;  /* PART_GLOBAL */
  double loss_pred, loss_sim; /* parts of the last evaluation, unweighted */
} CbProblem;

/* ------------------------------------------------------------------ */
/* Reference, in double */

static void
ref_conv (const double *x, guint n, guint c_in, guint ih, guint iw, const float *w,
          const float *bias, guint c_out, guint k, guint stride, guint pad, guint oh, guint ow,
          double *y)
{
  for (guint i = 0; i < n; i++)
    for (guint co = 0; co < c_out; co++)
      for (guint oy = 0; oy < oh; oy++)
        for (guint ox = 0; ox < ow; ox++)
          {
            double sum = bias != NULL ? bias[co] : 0.0;

            for (guint ci = 0; ci < c_in; ci++)
              for (guint ki = 0; ki < k; ki++)
                for (guint kj = 0; kj < k; kj++)
                  {
                    int iy = (int) (oy * stride + ki) - (int) pad;
                    int ix = (int) (ox * stride + kj) - (int) pad;

                    if (iy < 0 || ix < 0 || iy >= (int) ih || ix >= (int) iw)
                      continue;
                    sum += (double) w[((gsize) co * c_in + ci) * k * k + ki * k + kj]
                           * x[(((gsize) i * c_in + ci) * ih + iy) * iw + ix];
                  }
            y[(((gsize) i * c_out + co) * oh + oy) * ow + ox] = sum;
          }
}

static void
ref_linear (const double *x, guint n, guint in, const float *w, const float *bias,
            guint out, double *y)
{
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < out; j++)
      {
        double s = bias != NULL ? bias[j] : 0.0;
        for (guint k = 0; k < in; k++)
          s += x[(gsize) i * in + k] * w[(gsize) j * in + k];
        y[(gsize) i * out + j] = s;
      }
}

/* Conv -> BN -> activation. eval: running statistics, else the batch's. */
static void
ref_block_forward (const LwConvBlock *b, const float *xf, guint n, LwNonlin nonlin,
                   gboolean eval, double *a, guint64 *sig)
{
  const LwConvBlockShape *sh = &b->shape;
  const guint c = sh->c_out;
  const gsize hw = (gsize) b->h * b->w, nx = (gsize) n * sh->c_in * sh->size * sh->size;
  const double slope = nonlin == LW_NONLIN_LEAKY_RELU ? 0.01 : 0.0;
  g_autofree double *x = g_new (double, nx);

  for (gsize i = 0; i < nx; i++)
    x[i] = xf[i];
  ref_conv (x, n, sh->c_in, sh->size, sh->size, b->main.w, b->main.b, c, sh->kernel,
            b->main.stride, b->main.pad, b->h, b->w, a);
  for (guint ch = 0; ch < c; ch++)
    {
      double mean = 0.0, var = 0.0;

      for (guint i = 0; i < n; i++)
        for (gsize q = 0; q < hw; q++)
          mean += a[((gsize) i * c + ch) * hw + q];
      mean /= (double) n * hw;
      for (guint i = 0; i < n; i++)
        for (gsize q = 0; q < hw; q++)
          var += pow (a[((gsize) i * c + ch) * hw + q] - mean, 2);
      var /= (double) n * hw;
      if (eval)
        {
          mean = b->bn.running_mean[ch];
          var = b->bn.running_var[ch];
        }
      for (guint i = 0; i < n; i++)
        for (gsize q = 0; q < hw; q++)
          {
            double *v = &a[((gsize) i * c + ch) * hw + q];
            *v = b->bn.gamma[ch] * (*v - mean) / sqrt (var + b->bn.eps) + b->bn.beta[ch];
          }
    }
  *sig = gc_sign_signature_d (a, n * b->map);
  for (gsize i = 0; i < n * b->map; i++)
    a[i] = a[i] > 0.0 ? a[i] : slope * a[i];
}

/* A view's map: the average pool with counted zero padding, or a. */
static void
ref_view (const LwConvBlock *b, const LwConvView *v, const double *a, guint n, double *f)
{
  const LwAvgPool *p = &v->pool;

  if (!v->pooled)
    {
      memcpy (f, a, n * b->map * sizeof (double));
      return;
    }
  for (guint u = 0; u < n * b->shape.c_out; u++)
    for (guint oy = 0; oy < p->oh; oy++)
      for (guint ox = 0; ox < p->ow; ox++)
        {
          double sum = 0.0;

          for (guint ki = 0; ki < p->kh; ki++)
            for (guint kj = 0; kj < p->kw; kj++)
              {
                int iy = (int) (oy * p->kh + ki) - (int) p->ph;
                int ix = (int) (ox * p->kw + kj) - (int) p->pw;

                if (iy >= 0 && ix >= 0 && iy < (int) b->h && ix < (int) b->w)
                  sum += a[((gsize) u * b->h + iy) * b->w + ix];
              }
          f[((gsize) u * p->oh + oy) * p->ow + ox] = sum / (p->kh * p->kw);
        }
}

/* S(.)-loss of a map (n x c x hw) after the §4 reduction. */
static double
ref_map_sim_loss (const double *f, guint n, guint c, gsize hw, gboolean std,
                  const float *table, const guint8 *y)
{
  g_autofree double *s = NULL;

  if (!std)
    return gc_ref_similarity_loss (f, n, (guint) (c * hw), table, CB_CLASSES, y);
  s = g_new (double, (gsize) n * c);
  for (guint u = 0; u < n * c; u++)
    {
      double m = 0.0, v = 0.0;

      for (gsize q = 0; q < hw; q++)
        m += f[u * hw + q];
      m /= hw;
      for (gsize q = 0; q < hw; q++)
        v += pow (f[u * hw + q] - m, 2);
      s[u] = sqrt (v / (hw - 1));
    }
  return gc_ref_similarity_loss (s, n, c, table, CB_CLASSES, y);
}

static double
ref_pred_ce (const CbProblem *p, const double *pooled)
{
  g_autofree double *logits = g_new (double, (gsize) p->n * CB_CLASSES);

  ref_linear (pooled, p->n, p->b->pred_view.dim, p->b->pred.w, p->b->pred.b, CB_CLASSES, logits);
  return gc_ref_softmax_ce (logits, p->y, p->n, CB_CLASSES);
}

static double
ref_bpf_bce (const CbProblem *p, const double *pooled)
{
  g_autofree double *z = g_new (double, (gsize) p->n * CB_CODE);

  ref_linear (pooled, p->n, p->b->pred_view.dim, p->b->bpf.w, p->b->bpf.b, CB_CODE, z);
  return gc_ref_bce_logits (z, p->codes, p->y, p->n, CB_CODE);
}

static double
ref_sim_head (const CbProblem *p, const double *a)
{
  const LwConvBlock *b = p->b;
  const guint c = b->shape.c_out;
  g_autofree double *h = g_new (double, p->n * b->map);

  ref_conv (a, p->n, c, b->h, b->w, b->sim.w, NULL, c, 3, 1, 1, b->h, b->w, h);
  return ref_map_sim_loss (h, p->n, c, (gsize) b->h * b->w, c > 3 && b->h > 1,
                           p->onehot_table, p->y);
}

static double
ref_bpf_sim (const CbProblem *p, const double *a)
{
  const LwConvBlock *b = p->b;
  const LwConvView *v = &b->bpf_sim_view;
  const guint rows = v->pooled ? v->pool.oh : b->h;
  g_autofree double *f = g_new (double, p->n * b->map);

  ref_view (b, v, a, p->n, f);
  return ref_map_sim_loss (f, p->n, b->shape.c_out, v->dim / b->shape.c_out,
                           b->shape.c_out > 3 && rows > 1, p->code_table, p->y);
}

/* <g_out, maxpool(mask * a)>, the max pool only when the block has one;
 * the windows' argmax pattern joins the signature (a kink). */
static double
ref_global (const CbProblem *p, const double *a, guint64 *sig)
{
  const LwConvBlock *b = p->b;
  const gsize hw = (gsize) b->h * b->w;
  g_autofree double *d = g_new (double, p->n * b->map);
  double total = 0.0;

  for (gsize i = 0; i < p->n * b->map; i++)
    d[i] = a[i] * (p->mask != NULL ? p->mask[i / hw] : 1.0);
  if (!b->shape.pool_after)
    {
      for (gsize i = 0; i < p->n * b->map; i++)
        total += p->g_out[i] * d[i];
      return total;
    }
  for (guint u = 0; u < p->n * b->shape.c_out; u++)
    for (guint oy = 0; oy < b->out_h; oy++)
      for (guint ox = 0; ox < b->out_w; ox++)
        {
          const double *plane = d + u * hw;
          guint best = 2 * oy * b->w + 2 * ox;
          guint win[4] = { best, best + 1, best + b->w, best + b->w + 1 };

          for (guint k = 1; k < 4; k++)
            if (plane[win[k]] > plane[best])
              best = win[k];
          *sig = (*sig ^ best) * 0x100000001b3ULL;
          total += p->g_out[((gsize) u * b->out_h + oy) * b->out_w + ox] * plane[best];
        }
  return total;
}

static double
cb_loss (gpointer data, guint64 *sig)
{
  CbProblem *p = data;
  const LwConvBlock *b = p->b;
  g_autofree double *a = g_new (double, p->n * b->map);
  g_autofree double *pooled = g_new (double, p->n * b->map);
  double w_pred = 1.0, w_sim = 1.0, total = 0.0;

  ref_block_forward (b, p->x, p->n, p->nonlin, FALSE, a, sig);
  p->loss_pred = p->loss_sim = NAN;
  if (p->part == PART_GLOBAL)
    return ref_global (p, a, sig);
  ref_view (b, &b->pred_view, a, p->n, pooled);
  if (p->part == PART_PROBE)
    return ref_pred_ce (p, pooled);

  if (p->loss == LW_LOSS_PREDSIM || p->loss == LW_LOSS_PREDSIM_BPF)
    {
      w_pred = 1.0 - p->beta;
      w_sim = p->beta;
    }
  switch (p->loss)
    {
    case LW_LOSS_PRED:
      p->loss_pred = ref_pred_ce (p, pooled);
      return p->loss_pred;
    case LW_LOSS_SIM:
      p->loss_sim = ref_sim_head (p, a);
      return p->loss_sim;
    case LW_LOSS_PREDSIM:
      p->loss_pred = ref_pred_ce (p, pooled);
      p->loss_sim = ref_sim_head (p, a);
      return w_pred * p->loss_pred + w_sim * p->loss_sim;
    case LW_LOSS_PRED_BPF:
    case LW_LOSS_SIM_BPF:
    case LW_LOSS_PREDSIM_BPF:
      if (p->loss != LW_LOSS_SIM_BPF)
        {
          p->loss_pred = ref_bpf_bce (p, pooled);
          if (p->fa_g != NULL)
            for (gsize i = 0; i < (gsize) p->n * b->pred_view.dim; i++)
              total += p->fa_g[i] * pooled[i];
          else
            total += w_pred * p->loss_pred;
        }
      if (p->loss != LW_LOSS_PRED_BPF)
        {
          p->loss_sim = ref_bpf_sim (p, a);
          total += w_sim * p->loss_sim;
        }
      return total;
    case LW_LOSS_BP:
    case LW_N_LOSSES:
    default:
      g_assert_not_reached ();
    }
}

/* The error feedback alignment sends to the pooled features:
 * weight * (dBCE/dz) B, B the block's fixed feedback matrix. */
static void
ref_fa_error (CbProblem *p, double weight, double *g)
{
  const LwConvBlock *b = p->b;
  const guint n = p->n, d = b->pred_view.dim;
  g_autofree double *a = g_new (double, n * b->map);
  g_autofree double *pooled = g_new (double, n * b->map);
  g_autofree double *z = g_new (double, (gsize) n * CB_CODE);
  guint64 sig;

  ref_block_forward (b, p->x, n, p->nonlin, FALSE, a, &sig);
  ref_view (b, &b->pred_view, a, n, pooled);
  ref_linear (pooled, n, d, b->bpf.w, b->bpf.b, CB_CODE, z);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < d; k++)
      {
        double s = 0.0;
        for (guint j = 0; j < CB_CODE; j++)
          {
            double t = p->codes[p->y[i] * CB_CODE + j];
            double dz = (1.0 / (1.0 + exp (-z[i * CB_CODE + j])) - t) / ((double) n * CB_CODE);
            s += dz * b->feedback[(gsize) j * d + k];
          }
        g[(gsize) i * d + k] = weight * s;
      }
}

/* ------------------------------------------------------------------ */
/* Fixture */

typedef struct {
  LwRng rng;
  LwConvBlock b;
  float *x;
  guint8 y[CB_N];
  float onehot_table[CB_CLASSES * CB_CLASSES];
  float code_table[CB_CLASSES * CB_CLASSES];
  float codes[CB_CLASSES * CB_CODE];
  LwStepContext ctx;
  float *snapshot[LW_BLOCK_N_PARAMS];
} Fixture;

static void
fixture_init (Fixture *f, guint seed, const Case *c)
{
  const LwConvBlockShape shape = {
    .c_in = CB_C_IN, .c_out = c->c_out, .size = c->size, .kernel = c->kernel,
    .pool_after = c->pool_after, .dim_in_decoder = c->dim_in_decoder,
    .bpf_sim_dim = c->bpf_sim_dim,
  };
  const gsize nx = (gsize) CB_N * CB_C_IN * c->size * c->size;
  double proj[CB_CLASSES * CB_CODE], s[CB_CLASSES * CB_CLASSES];
  LwConvBlock *b = &f->b;

  memset (f, 0, sizeof *f);
  lw_rng_init (&f->rng, seed, 0);
  lw_conv_block_init (b, &shape, CB_CLASSES, CB_CODE, CB_N, &f->rng);

  /* The heads start at zero (docs/method.md §2), which would hide their
   * contribution to the block's gradient: give them values. */
  gc_fill_uniform (b->pred.w, b->params[LW_BLOCK_PRED_W].n, -0.6f, 0.6f, &f->rng);
  gc_fill_uniform (b->bpf.w, b->params[LW_BLOCK_BPF_W].n, -0.6f, 0.6f, &f->rng);
  gc_fill_uniform (b->bpf.b, CB_CODE, -0.3f, 0.3f, &f->rng);
  gc_fill_uniform (b->bn.gamma, c->c_out, 0.7f, 1.3f, &f->rng);
  gc_fill_uniform (b->bn.beta, c->c_out, -0.3f, 0.3f, &f->rng);
  f->x = g_new (float, nx);
  gc_fill_uniform (f->x, nx, -1.0f, 1.0f, &f->rng);
  gc_fill_labels (f->y, CB_N, CB_CLASSES, &f->rng);

  for (guint i = 0; i < CB_CLASSES; i++)
    for (guint j = 0; j < CB_CLASSES; j++)
      f->onehot_table[i * CB_CLASSES + j] = i == j ? 1.0f : -1.0f / (CB_CLASSES - 1);
  for (guint i = 0; i < CB_CLASSES * CB_CODE; i++)
    {
      proj[i] = lw_rng_uniform_in (&f->rng, -0.5f, 0.5f);
      f->codes[i] = proj[i] > 0.0 ? 1.0f : 0.0f;
    }
  gc_ref_similarity (proj, CB_CLASSES, CB_CODE, s);
  for (guint i = 0; i < CB_CLASSES * CB_CLASSES; i++)
    f->code_table[i] = (float) s[i];

  f->ctx = (LwStepContext) {
    .loss = c->loss,
    .beta = c->beta,
    .lr = 0.0f,               /* the step changes nothing: gradients can be read after it */
    .dropout = c->dropout,
    .nonlin = c->nonlin,
    .optim = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f },
    .classes = CB_CLASSES,
    .code_len = CB_CODE,
    .onehot_table = f->onehot_table,
    .code_table = f->code_table,
    .codes = f->codes,
  };

  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    f->snapshot[i] = g_memdup2 (b->params[i].w, b->params[i].n * sizeof (float));
}

static void
fixture_clear (Fixture *f)
{
  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    g_free (f->snapshot[i]);
  g_free (f->x);
  lw_conv_block_clear (&f->b);
}

static void
assert_unchanged (Fixture *f)
{
  for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
    g_assert_true (gc_bits_equal (f->b.params[i].w, f->snapshot[i], f->b.params[i].n));
}

static CbProblem
problem (Fixture *f, Part part)
{
  return (CbProblem) {
    .b = &f->b, .x = f->x, .y = f->y, .n = CB_N,
    .loss = f->ctx.loss, .beta = f->ctx.beta, .nonlin = f->ctx.nonlin,
    .onehot_table = f->onehot_table, .code_table = f->code_table, .codes = f->codes,
    .part = part,
  };
}

/* The gradient buffer of parameter slot `which`, kept before the checks
 * perturb the weights. */
static float *
grad_copy (Fixture *f, guint which)
{
  return g_memdup2 (f->b.params[which].g, f->b.params[which].n * sizeof (float));
}

static void
check_param (const char *lname, const char *what, CbProblem *p, Fixture *f, guint which,
             const float *analytic)
{
  g_autofree char *name = g_strdup_printf ("%s %s", lname, what);
  gsize n = f->b.params[which].n;
  g_autofree double *num = g_new (double, n);

  gc_numeric_gradient (cb_loss, p, f->b.params[which].w, n, 1e-5, num);
  gc_assert_gradient (name, analytic, num, n, GC_TOLERANCE);
}

static void
check_value (const char *what, float engine, double ref)
{
  g_assert_true (isfinite (engine));
  gc_assert_close (what, engine, ref, 1e-4);
}

/* The output to the next block: a, or its dropped-out copy (whole
 * channels), max-pooled when the block has the pool. */
static void
check_output (Fixture *f, const float *out)
{
  const LwConvBlock *b = &f->b;
  const gsize hw = (gsize) b->h * b->w;
  g_autofree float *d = g_new (float, CB_N * b->map);
  guint dropped = 0;

  for (gsize i = 0; i < CB_N * b->map; i++)
    d[i] = f->ctx.dropout > 0.0f ? b->a[i] * b->mask[i / hw] : b->a[i];
  if (f->ctx.dropout > 0.0f)
    {
      for (guint u = 0; u < CB_N * b->shape.c_out; u++)
        {
          g_assert_true (b->mask[u] == 0.0f || b->mask[u] == 1.0f / (1.0f - f->ctx.dropout));
          dropped += b->mask[u] == 0.0f;
        }
      g_assert_cmpuint (dropped, >, 0);
      g_assert_cmpuint (dropped, <, CB_N * b->shape.c_out);
    }
  if (!b->shape.pool_after)
    {
      g_assert_true (gc_bits_equal (out, d, CB_N * b->map));
      return;
    }
  for (guint u = 0; u < CB_N * b->shape.c_out; u++)
    for (guint oy = 0; oy < b->out_h; oy++)
      for (guint ox = 0; ox < b->out_w; ox++)
        {
          const float *pl = d + u * hw;
          guint i0 = 2 * oy * b->w + 2 * ox;
          float m = MAX (MAX (pl[i0], pl[i0 + 1]), MAX (pl[i0 + b->w], pl[i0 + b->w + 1]));

          g_assert_cmpfloat (out[((gsize) u * b->out_h + oy) * b->out_w + ox], ==, m);
        }
}

static void
check_local (const Case *c)
{
  Fixture f;
  CbProblem p;
  LwBlockStats st;
  LwRng drop_rng;
  const LwLossType loss = c->loss;
  const char *lname = lw_loss_type_to_string (loss);
  const gboolean bpf_pred = loss == LW_LOSS_PRED_BPF || loss == LW_LOSS_PREDSIM_BPF;
  g_autofree double *fa_g = NULL;
  g_autofree float *dw = NULL, *db = NULL, *dgamma = NULL, *dbeta = NULL;
  g_autofree float *pred_dw = NULL, *pred_db = NULL, *sim_dw = NULL;
  g_autofree float *bpf_dw = NULL, *bpf_db = NULL;
  double max_dw = 0.0, max_db = 0.0;
  const float *out;

  fixture_init (&f, 100 + loss, c);
  lw_rng_init (&drop_rng, 7, 0);

  out = lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, &drop_rng);
  check_output (&f, out);
  lw_conv_block_local_update (&f.b, f.x, f.y, CB_N, &f.ctx, &st);
  assert_unchanged (&f);

  dw = grad_copy (&f, LW_BLOCK_MAIN_W);
  db = grad_copy (&f, LW_BLOCK_MAIN_B);
  dgamma = grad_copy (&f, LW_BLOCK_BN_GAMMA);
  dbeta = grad_copy (&f, LW_BLOCK_BN_BETA);
  pred_dw = grad_copy (&f, LW_BLOCK_PRED_W);
  pred_db = grad_copy (&f, LW_BLOCK_PRED_B);
  sim_dw = grad_copy (&f, LW_BLOCK_SIM_W);
  bpf_dw = grad_copy (&f, LW_BLOCK_BPF_W);
  bpf_db = grad_copy (&f, LW_BLOCK_BPF_B);

  /* The reported losses are the unweighted parts, of a: the reference
   * knows nothing of dropout. */
  p = problem (&f, PART_LOCAL);
  cb_loss (&p, &(guint64) { 0 });
  if (loss == LW_LOSS_PRED || loss == LW_LOSS_PREDSIM || bpf_pred)
    check_value ("loss_pred", st.loss_pred, p.loss_pred);
  if (loss == LW_LOSS_PRED || loss == LW_LOSS_PRED_BPF)
    g_assert_true (isnan (st.loss_sim));
  else
    check_value ("loss_sim", st.loss_sim, p.loss_sim);
  if (loss == LW_LOSS_SIM || loss == LW_LOSS_SIM_BPF)
    {
      CbProblem probe = problem (&f, PART_PROBE);
      check_value ("probe loss_pred", st.loss_pred, cb_loss (&probe, &(guint64) { 0 }));
    }

  /* The block's own weights; under feedback alignment the prediction
   * part of the error is the surrogate <(dBCE/dz) B, pool(a)>. */
  if (bpf_pred)
    {
      fa_g = g_new (double, (gsize) CB_N * f.b.pred_view.dim);
      ref_fa_error (&p, loss == LW_LOSS_PREDSIM_BPF ? 1.0 - c->beta : 1.0, fa_g);
      p.fa_g = fa_g;
    }
  check_param (lname, "main dW", &p, &f, LW_BLOCK_MAIN_W, dw);
  check_param (lname, "BN dgamma", &p, &f, LW_BLOCK_BN_GAMMA, dgamma);
  check_param (lname, "BN dbeta", &p, &f, LW_BLOCK_BN_BETA, dbeta);
  /* BatchNorm removes each channel's mean: the conv bias has no gradient. */
  for (gsize i = 0; i < f.b.params[LW_BLOCK_MAIN_W].n; i++)
    max_dw = MAX (max_dw, fabsf (dw[i]));
  for (guint j = 0; j < c->c_out; j++)
    max_db = MAX (max_db, fabsf (db[j]));
  g_assert_cmpfloat (max_dw, >, 0.0);
  g_assert_cmpfloat (max_db, <=, 1e-3 * max_dw);
  p.fa_g = NULL;

  /* The heads' own gradients are true gradients. */
  if (loss == LW_LOSS_PRED || loss == LW_LOSS_PREDSIM)
    {
      check_param (lname, "pred head dW", &p, &f, LW_BLOCK_PRED_W, pred_dw);
      check_param (lname, "pred head db", &p, &f, LW_BLOCK_PRED_B, pred_db);
    }
  else
    {
      CbProblem probe = problem (&f, PART_PROBE);
      check_param (lname, "probe head dW", &probe, &f, LW_BLOCK_PRED_W, pred_dw);
      check_param (lname, "probe head db", &probe, &f, LW_BLOCK_PRED_B, pred_db);
    }
  if (loss == LW_LOSS_SIM || loss == LW_LOSS_PREDSIM)
    check_param (lname, "sim head dW", &p, &f, LW_BLOCK_SIM_W, sim_dw);
  if (bpf_pred)
    {
      check_param (lname, "bpf head dW", &p, &f, LW_BLOCK_BPF_W, bpf_dw);
      check_param (lname, "bpf head db", &p, &f, LW_BLOCK_BPF_B, bpf_db);
    }
  fixture_clear (&f);
}

/* The §3 pools the default case relies on. */
static void
test_shapes (void)
{
  Case c = default_case (LW_LOSS_PREDSIM, 0.5f, LW_NONLIN_RELU, 0.0f);
  Fixture f;
  const LwConvBlock *b = &f.b;

  fixture_init (&f, 1, &c);
  g_assert_cmpuint (b->h, ==, 6);
  g_assert_true (b->pred_view.pooled);
  g_assert_cmpuint (b->pred_view.pool.kh, ==, 4);
  g_assert_cmpuint (b->pred_view.pool.kw, ==, 4);
  g_assert_cmpuint (b->pred_view.pool.ph, ==, 2);
  g_assert_cmpuint (b->pred_view.pool.pw, ==, 2);
  g_assert_cmpuint (b->pred_view.dim, ==, 16);
  g_assert_true (b->bpf_sim_view.pooled);
  g_assert_cmpuint (b->bpf_sim_view.pool.kh, ==, 4);
  g_assert_cmpuint (b->bpf_sim_view.pool.kw, ==, 2);
  g_assert_cmpuint (b->bpf_sim_view.pool.ph, ==, 2);
  g_assert_cmpuint (b->bpf_sim_view.pool.pw, ==, 0);
  g_assert_cmpuint (b->bpf_sim_view.dim, ==, 24);
  g_assert_true (b->bpf_sim_view.std);
  g_assert_true (b->sim_std);
  g_assert_cmpuint (b->params[LW_BLOCK_PRED_W].n, ==, 16 * CB_CLASSES);
  g_assert_cmpuint (b->params[LW_BLOCK_SIM_W].n, ==, 4 * 4 * 9);
  fixture_clear (&f);

  /* The STL-10 first layer: 7x7 stride 2 pad 3 halves the map; a max pool
   * after it halves it again. */
  c.kernel = 7;
  c.size = 12;
  c.pool_after = TRUE;
  fixture_init (&f, 1, &c);
  g_assert_cmpuint (b->h, ==, 6);
  g_assert_cmpuint (b->out_h, ==, 3);
  g_assert_cmpuint (b->out_map, ==, 4 * 3 * 3);
  g_assert_cmpuint (b->params[LW_BLOCK_MAIN_W].n, ==, 4 * CB_C_IN * 49);
  fixture_clear (&f);
}

static void
test_pred (void)
{
  Case c = default_case (LW_LOSS_PRED, 0.99f, LW_NONLIN_RELU, 0.0f);
  check_local (&c);
}

/* Without pooling (D* above C*h*w) the head sees the map itself. */
static void
test_pred_unpooled (void)
{
  Case c = default_case (LW_LOSS_PRED, 0.99f, LW_NONLIN_RELU, 0.0f);

  c.dim_in_decoder = 4096;
  check_local (&c);
}

static void
test_sim (void)
{
  Case c = default_case (LW_LOSS_SIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
  check_local (&c);
}

/* Three channels: S sees the flattened sim-head map, not the std. */
static void
test_sim_flat (void)
{
  Case c = default_case (LW_LOSS_SIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);

  c.c_out = 3;
  check_local (&c);
}

/* beta 0.5 so both parts weigh; dropout on, which must not change the
 * local loss (it looks at a, docs/method.md §1); max pool after the block. */
static void
test_predsim (void)
{
  Case c = default_case (LW_LOSS_PREDSIM, 0.5f, LW_NONLIN_LEAKY_RELU, 0.3f);

  c.pool_after = TRUE;
  check_local (&c);
}

static void
test_pred_bpf (void)
{
  Case c = default_case (LW_LOSS_PRED_BPF, 0.99f, LW_NONLIN_RELU, 0.0f);
  check_local (&c);
}

static void
test_pred_bpf_unpooled (void)
{
  Case c = default_case (LW_LOSS_PRED_BPF, 0.99f, LW_NONLIN_RELU, 0.0f);

  c.dim_in_decoder = 4096;
  check_local (&c);
}

static void
test_sim_bpf (void)
{
  Case c = default_case (LW_LOSS_SIM_BPF, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
  check_local (&c);
}

/* D* 8 pools by (8, 4) with padding (4, 2) to 1x2: one row, so the
 * pooled map is flattened rather than reduced to std. */
static void
test_sim_bpf_flat (void)
{
  Case c = default_case (LW_LOSS_SIM_BPF, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
  Fixture f;

  c.bpf_sim_dim = 8;
  fixture_init (&f, 1, &c);
  g_assert_cmpuint (f.b.bpf_sim_view.pool.oh, ==, 1);
  g_assert_cmpuint (f.b.bpf_sim_view.pool.ow, ==, 2);
  g_assert_false (f.b.bpf_sim_view.std);
  fixture_clear (&f);
  check_local (&c);
}

static void
test_predsim_bpf (void)
{
  Case c = default_case (LW_LOSS_PREDSIM_BPF, 0.3f, LW_NONLIN_LEAKY_RELU, 0.2f);
  check_local (&c);
}

/* No pooling anywhere: S of the map's std, then the FA error added. */
static void
test_predsim_bpf_unpooled (void)
{
  Case c = default_case (LW_LOSS_PREDSIM_BPF, 0.3f, LW_NONLIN_LEAKY_RELU, 0.0f);

  c.dim_in_decoder = c.bpf_sim_dim = 4096;
  check_local (&c);
}

/* bp mode: the probe trains on the detached activation; the error from
 * above (b->dout, at the pooled output) goes back through the max pool,
 * dropout (the forward's channel mask), the activation, BN and the conv,
 * to the weights and to the input. */
static void
check_global (const Case *c)
{
  Fixture f;
  CbProblem p;
  LwRng drop_rng;
  LwBlockStats st;
  const gsize nx = (gsize) CB_N * CB_C_IN * c->size * c->size;
  g_autofree float *g_out = NULL, *mask = NULL, *dx = NULL, *main_dw = NULL, *probe_dw = NULL;
  g_autofree float *dw = NULL, *dgamma = NULL, *dbeta = NULL;
  g_autofree double *num_x = g_new (double, nx);

  fixture_init (&f, 77 + c->kernel, c);
  lw_rng_init (&drop_rng, 8, 0);
  g_out = g_new (float, CB_N * f.b.out_map);
  dx = g_new (float, nx);
  gc_fill_uniform (g_out, CB_N * f.b.out_map, -1.0f, 1.0f, &f.rng);

  check_output (&f, lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, &drop_rng));
  mask = g_memdup2 (f.b.mask, sizeof (float) * CB_N * c->c_out);

  main_dw = grad_copy (&f, LW_BLOCK_MAIN_W);
  lw_conv_block_probe_update (&f.b, f.y, CB_N, &f.ctx, &st, NULL);
  g_assert_true (gc_bits_equal (f.b.main.dw, main_dw, f.b.params[LW_BLOCK_MAIN_W].n));
  g_assert_true (isnan (st.loss_sim));
  probe_dw = grad_copy (&f, LW_BLOCK_PRED_W);
  p = problem (&f, PART_PROBE);
  check_value ("bp probe loss_pred", st.loss_pred, cb_loss (&p, &(guint64) { 0 }));
  check_param ("bp", "probe head dW", &p, &f, LW_BLOCK_PRED_W, probe_dw);

  memcpy (f.b.dout, g_out, sizeof (float) * CB_N * f.b.out_map);
  lw_conv_block_global_backward (&f.b, f.x, CB_N, &f.ctx, dx, NULL);
  assert_unchanged (&f);
  dw = grad_copy (&f, LW_BLOCK_MAIN_W);
  dgamma = grad_copy (&f, LW_BLOCK_BN_GAMMA);
  dbeta = grad_copy (&f, LW_BLOCK_BN_BETA);

  p = problem (&f, PART_GLOBAL);
  p.g_out = g_out;
  p.mask = c->dropout > 0.0f ? mask : NULL;
  check_param ("bp", "main dW", &p, &f, LW_BLOCK_MAIN_W, dw);
  check_param ("bp", "BN dgamma", &p, &f, LW_BLOCK_BN_GAMMA, dgamma);
  check_param ("bp", "BN dbeta", &p, &f, LW_BLOCK_BN_BETA, dbeta);
  gc_numeric_gradient (cb_loss, &p, f.x, nx, 1e-5, num_x);
  gc_assert_gradient ("bp dx", dx, num_x, nx, GC_TOLERANCE);
  fixture_clear (&f);
}

static void
test_global (void)
{
  Case c = default_case (LW_LOSS_BP, 0.99f, LW_NONLIN_RELU, 0.25f);

  c.pool_after = TRUE;
  check_global (&c);
}

static void
test_global_unpooled (void)
{
  Case c = default_case (LW_LOSS_BP, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
  check_global (&c);
}

static void
test_global_7x7 (void)
{
  Case c = default_case (LW_LOSS_BP, 0.99f, LW_NONLIN_RELU, 0.2f);

  c.kernel = 7;
  c.size = 12;
  c.pool_after = TRUE;
  check_global (&c);
}

/* A frozen block keeps its weights while its heads learn; thawed, it moves. */
static void
test_frozen (void)
{
  Case c = default_case (LW_LOSS_PREDSIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.1f);
  Fixture f;
  LwRng drop_rng;
  LwBlockStats st;

  fixture_init (&f, 55, &c);
  lw_rng_init (&drop_rng, 8, 0);
  f.ctx.lr = 1e-2f;
  f.b.frozen = TRUE;
  for (guint step = 0; step < 3; step++)
    {
      lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, &drop_rng);
      lw_conv_block_local_update (&f.b, f.x, f.y, CB_N, &f.ctx, &st);
      g_assert_true (isfinite (st.loss_pred));
      g_assert_true (isfinite (st.loss_sim));
    }
  for (guint i = LW_BLOCK_MAIN_W; i <= LW_BLOCK_BN_BETA; i++)
    g_assert_true (gc_bits_equal (f.b.params[i].w, f.snapshot[i], f.b.params[i].n));
  g_assert_false (gc_bits_equal (f.b.pred.w, f.snapshot[LW_BLOCK_PRED_W],
                                 f.b.params[LW_BLOCK_PRED_W].n));
  g_assert_false (gc_bits_equal (f.b.sim.w, f.snapshot[LW_BLOCK_SIM_W],
                                 f.b.params[LW_BLOCK_SIM_W].n));

  f.b.frozen = FALSE;
  lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, &drop_rng);
  lw_conv_block_local_update (&f.b, f.x, f.y, CB_N, &f.ctx, &st);
  g_assert_false (gc_bits_equal (f.b.main.w, f.snapshot[LW_BLOCK_MAIN_W],
                                 f.b.params[LW_BLOCK_MAIN_W].n));
  fixture_clear (&f);
}

/* Evaluation: running BN statistics, no dropout; the pred head's hits
 * against the reference's argmax; the output max-pooled. */
static void
test_eval (void)
{
  Case c = default_case (LW_LOSS_PRED, 0.99f, LW_NONLIN_RELU, 0.3f);
  Fixture f;
  LwRng drop_rng;
  const LwConvBlock *b = &f.b;
  g_autofree double *a = NULL, *pooled = NULL, *logits = NULL;
  g_autofree float *mean = NULL;
  const float *out;
  guint correct = 0, ref_correct = 0;
  guint64 sig;

  c.pool_after = TRUE;
  fixture_init (&f, 31, &c);
  lw_rng_init (&drop_rng, 8, 0);
  /* Move the running statistics away from (0, 1). */
  for (guint step = 0; step < 2; step++)
    lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, &drop_rng);
  mean = g_memdup2 (b->bn.running_mean, sizeof (float) * c.c_out);
  gc_fill_uniform (f.b.pred.w, b->params[LW_BLOCK_PRED_W].n, -3.0f, 3.0f, &f.rng);

  out = lw_conv_block_forward_eval (&f.b, f.x, f.y, CB_N, c.nonlin, &correct);
  g_assert_true (gc_bits_equal (b->bn.running_mean, mean, c.c_out));

  a = g_new (double, CB_N * b->map);
  pooled = g_new (double, CB_N * b->map);
  logits = g_new (double, CB_N * CB_CLASSES);
  ref_block_forward (b, f.x, CB_N, c.nonlin, TRUE, a, &sig);
  for (gsize i = 0; i < CB_N * b->map; i++)
    g_assert_cmpfloat_with_epsilon (b->a[i], a[i], 1e-4 * (1.0 + fabs (a[i])));
  ref_view (b, &b->pred_view, a, CB_N, pooled);
  ref_linear (pooled, CB_N, b->pred_view.dim, b->pred.w, b->pred.b, CB_CLASSES, logits);
  for (guint i = 0; i < CB_N; i++)
    {
      guint best = 0;
      for (guint k = 1; k < CB_CLASSES; k++)
        if (logits[i * CB_CLASSES + k] > logits[i * CB_CLASSES + best])
          best = k;
      ref_correct += best == f.y[i];
    }
  g_assert_cmpuint (correct, ==, ref_correct);
  /* Not a trivial count either way for this seed. */
  g_assert_cmpuint (correct, >, 0);
  g_assert_cmpuint (correct, <, CB_N);

  f.ctx.dropout = 0.0f;
  check_output (&f, out);

  /* Without correct the head is not run; the output is the same. */
  g_assert_true (lw_conv_block_forward_eval (&f.b, f.x, NULL, CB_N, c.nonlin, NULL) == b->out);
  fixture_clear (&f);
}

/* Similarity for inspection: symmetric, in [-1, 1], unit diagonal, and
 * the sim head's view for sim, the pooled view for sim-bpf. */
static void
test_similarity (void)
{
  const LwLossType losses[] = { LW_LOSS_PRED, LW_LOSS_SIM, LW_LOSS_PREDSIM, LW_LOSS_BP,
                                LW_LOSS_PRED_BPF, LW_LOSS_SIM_BPF, LW_LOSS_PREDSIM_BPF };
  Case c = default_case (LW_LOSS_SIM, 0.99f, LW_NONLIN_LEAKY_RELU, 0.0f);
  Fixture f;
  const LwConvBlock *b = &f.b;
  float s[CB_N * CB_N];
  g_autofree double *a = NULL, *h = NULL;
  double ref[CB_N * CB_N], rows[CB_N * 4];
  guint64 sig;

  fixture_init (&f, 41, &c);
  lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, NULL);
  lw_conv_block_forward_eval (&f.b, f.x, NULL, CB_N, c.nonlin, NULL);
  a = g_new (double, CB_N * b->map);
  h = g_new (double, CB_N * b->map);
  ref_block_forward (b, f.x, CB_N, c.nonlin, TRUE, a, &sig);

  for (guint t = 0; t < G_N_ELEMENTS (losses); t++)
    {
      const gsize hw = (gsize) b->h * b->w;
      gsize phw;

      lw_conv_block_similarity (&f.b, CB_N, losses[t], s);
      for (guint i = 0; i < CB_N; i++)
        {
          g_assert_cmpfloat_with_epsilon (s[i * CB_N + i], 1.0f, 1e-4);
          for (guint j = 0; j < CB_N; j++)
            {
              g_assert_cmpfloat (fabsf (s[i * CB_N + j]), <=, 1.0f);
              g_assert_cmpfloat (s[i * CB_N + j], ==, s[j * CB_N + i]);
            }
        }

      /* The reference view: per-channel std of the map S looks at. */
      if (losses[t] == LW_LOSS_SIM || losses[t] == LW_LOSS_PREDSIM)
        {
          ref_conv (a, CB_N, 4, b->h, b->w, b->sim.w, NULL, 4, 3, 1, 1, b->h, b->w, h);
          phw = hw;
        }
      else if (losses[t] == LW_LOSS_SIM_BPF || losses[t] == LW_LOSS_PREDSIM_BPF)
        {
          ref_view (b, &b->bpf_sim_view, a, CB_N, h);
          phw = b->bpf_sim_view.dim / 4;
        }
      else
        {
          memcpy (h, a, CB_N * b->map * sizeof (double));
          phw = hw;
        }
      for (guint u = 0; u < CB_N * 4; u++)
        {
          double m = 0.0, v = 0.0;
          for (gsize q = 0; q < phw; q++)
            m += h[u * phw + q];
          m /= phw;
          for (gsize q = 0; q < phw; q++)
            v += pow (h[u * phw + q] - m, 2);
          rows[u] = sqrt (v / (phw - 1));
        }
      gc_ref_similarity (rows, CB_N, 4, ref);
      for (guint i = 0; i < CB_N * CB_N; i++)
        g_assert_cmpfloat_with_epsilon (s[i], ref[i], 1e-4);
    }
  fixture_clear (&f);
}

/* Two blocks sharing one workspace compute what a block with its own does. */
static void
test_shared_workspace (void)
{
  Case c = default_case (LW_LOSS_PREDSIM_BPF, 0.5f, LW_NONLIN_LEAKY_RELU, 0.0f);
  Fixture f, g;
  g_autofree float *ws = NULL;

  fixture_init (&f, 5, &c);
  fixture_init (&g, 5, &c);
  ws = g_new0 (float, g.b.workspace_floats);
  lw_conv_block_use_workspace (&g.b, ws);
  g_assert_false (g.b.owns_workspace);
  for (guint step = 0; step < 2; step++)
    {
      f.ctx.loss = g.ctx.loss = step == 0 ? LW_LOSS_PREDSIM_BPF : LW_LOSS_PREDSIM;
      lw_conv_block_forward_train (&f.b, f.x, CB_N, &f.ctx, NULL);
      lw_conv_block_local_update (&f.b, f.x, f.y, CB_N, &f.ctx, NULL);
      lw_conv_block_forward_train (&g.b, g.x, CB_N, &g.ctx, NULL);
      lw_conv_block_local_update (&g.b, g.x, g.y, CB_N, &g.ctx, NULL);
      for (guint i = 0; i < LW_BLOCK_N_PARAMS; i++)
        g_assert_true (gc_bits_equal (f.b.params[i].g, g.b.params[i].g, f.b.params[i].n));
    }
  fixture_clear (&g);
  fixture_clear (&f);
}

static void
run_all_modes (Fixture *f, LwRng *drop_rng)
{
  const LwLossType losses[] = { LW_LOSS_PRED, LW_LOSS_SIM, LW_LOSS_PREDSIM,
                                LW_LOSS_PRED_BPF, LW_LOSS_SIM_BPF, LW_LOSS_PREDSIM_BPF };
  float s[CB_N * CB_N];
  guint correct;

  for (guint t = 0; t < G_N_ELEMENTS (losses); t++)
    {
      f->ctx.loss = losses[t];
      lw_conv_block_forward_train (&f->b, f->x, CB_N, &f->ctx, drop_rng);
      lw_conv_block_local_update (&f->b, f->x, f->y, CB_N, &f->ctx, NULL);
      lw_conv_block_similarity (&f->b, CB_N, losses[t], s);
    }
  f->ctx.loss = LW_LOSS_BP;
  lw_conv_block_forward_train (&f->b, f->x, CB_N, &f->ctx, drop_rng);
  lw_conv_block_probe_update (&f->b, f->y, CB_N, &f->ctx, NULL, NULL);
  lw_conv_block_global_backward (&f->b, f->x, CB_N, &f->ctx, NULL, NULL);
  lw_conv_block_forward_eval (&f->b, f->x, f->y, CB_N, f->ctx.nonlin, &correct);
}

static void
test_no_allocation (void)
{
  Case c = default_case (LW_LOSS_PRED, 0.5f, LW_NONLIN_LEAKY_RELU, 0.1f);
  Fixture f;
  LwRng drop_rng;

  lw_blas_set_threads (1);
  c.pool_after = TRUE;
  fixture_init (&f, 9, &c);
  f.ctx.lr = 1e-3f;
  lw_rng_init (&drop_rng, 8, 0);
  /* The first round lets the BLAS library set up its own buffers. */
  run_all_modes (&f, &drop_rng);
  alloc_counter_start ();
  run_all_modes (&f, &drop_rng);
  g_assert_cmpuint (alloc_counter_stop (), ==, 0);

  /* The counter itself works: */
  alloc_counter_start ();
  g_free (g_malloc (16));
  g_assert_cmpuint (alloc_counter_stop (), ==, 1);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/conv-block/shapes", test_shapes);
  g_test_add_func ("/engine/conv-block/pred/gradient", test_pred);
  g_test_add_func ("/engine/conv-block/pred/gradient-unpooled", test_pred_unpooled);
  g_test_add_func ("/engine/conv-block/sim/gradient", test_sim);
  g_test_add_func ("/engine/conv-block/sim/gradient-3-channels", test_sim_flat);
  g_test_add_func ("/engine/conv-block/predsim/gradient-dropout-pool", test_predsim);
  g_test_add_func ("/engine/conv-block/pred-bpf/gradient", test_pred_bpf);
  g_test_add_func ("/engine/conv-block/pred-bpf/gradient-unpooled", test_pred_bpf_unpooled);
  g_test_add_func ("/engine/conv-block/sim-bpf/gradient", test_sim_bpf);
  g_test_add_func ("/engine/conv-block/sim-bpf/gradient-one-row", test_sim_bpf_flat);
  g_test_add_func ("/engine/conv-block/predsim-bpf/gradient", test_predsim_bpf);
  g_test_add_func ("/engine/conv-block/predsim-bpf/gradient-unpooled", test_predsim_bpf_unpooled);
  g_test_add_func ("/engine/conv-block/bp/gradient", test_global);
  g_test_add_func ("/engine/conv-block/bp/gradient-no-pool", test_global_unpooled);
  g_test_add_func ("/engine/conv-block/bp/gradient-7x7", test_global_7x7);
  g_test_add_func ("/engine/conv-block/frozen", test_frozen);
  g_test_add_func ("/engine/conv-block/eval", test_eval);
  g_test_add_func ("/engine/conv-block/similarity", test_similarity);
  g_test_add_func ("/engine/conv-block/shared-workspace", test_shared_workspace);
  g_test_add_func ("/engine/conv-block/no-allocation", test_no_allocation);

  return g_test_run ();
}
