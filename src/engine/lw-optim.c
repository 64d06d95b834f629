/* lw-optim.c: the update rules of torch.optim.Adam and torch.optim.SGD,
 * and the check that keeps every value they write finite. */
#include "lw-optim.h"
#include "lw-target-clones.h"
#include "lw-parallel.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Bounds below this leave room for the rounding of a few float
 * operations: an update within them cannot overflow. */
#define SAFE_LIMIT ((double) FLT_MAX / 16.0)
/* Each update's rounding may exceed the exact bound by a few ulps. */
#define BOUND_SLACK (1.0 + 1e-5)
#define FLOAT_EXP_BITS 0x7f800000u      /* an infinity; above it, NaNs */

/* Baseline x86-64 (SSE2) has no packed unsigned maximum: it spends five
 * instructions on four values where AVX2 spends one, which makes the scan
 * below as slow as the Adam update itself. Where the CPU has AVX2 an
 * AVX2 copy runs instead (chosen once, at load time). */

/* The largest |x| as its bit pattern: unsigned comparison of the bits
 * without the sign orders finite values by size, then the infinity, then
 * NaNs, and compiles to vector integer code. */
LW_AVX2_CLONE static guint32
max_abs_bits_serial (const float *restrict x, gsize start, gsize end)
{
  guint32 best = 0;

  for (gsize i = start; i < end; i++)
    {
      guint32 bits;

      memcpy (&bits, &x[i], sizeof bits);
      bits &= 0x7fffffffu;
      best = bits > best ? bits : best;
    }
  return best;
}

typedef struct {
  const float *x;
  gint best;                  /* bit pattern, < 2^31 */
} MaxAbs;

static void
max_abs_range (gsize start, gsize end, gpointer data)
{
  MaxAbs *ma = data;
  gint mine = (gint) max_abs_bits_serial (ma->x, start, end);
  gint seen = g_atomic_int_get (&ma->best);

  while (mine > seen && !g_atomic_int_compare_and_exchange (&ma->best, seen, mine))
    seen = g_atomic_int_get (&ma->best);
}

static guint32
max_abs_bits (const float *x, gsize n)
{
  MaxAbs ma = { x, 0 };

  lw_parallel_for (n, LW_PARALLEL_MIN_CHUNK, max_abs_range, &ma);
  return (guint32) ma.best;
}

static double
bits_to_double (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

void
lw_param_rescan (LwParam *p)
{
  p->w_bound = bits_to_double (max_abs_bits (p->w, p->n)) * BOUND_SLACK;
  p->m_bound = bits_to_double (max_abs_bits (p->m, p->n)) * BOUND_SLACK;
  p->v_bound = bits_to_double (max_abs_bits (p->v, p->n)) * BOUND_SLACK;
}

void
lw_param_init (LwParam *p, float *w, float *g, gsize n)
{
  memset (p, 0, sizeof *p);
  p->w = w;
  p->g = g;
  p->n = n;
  p->m = g_new0 (float, n);
  p->v = g_new0 (float, n);
  lw_param_rescan (p);
}

void
lw_param_clear (LwParam *p)
{
  g_clear_pointer (&p->m, g_free);
  g_clear_pointer (&p->v, g_free);
}

/* One update over a contiguous range, so large tensors can be split
 * over threads. */
typedef struct {
  LwParam *p;
  float b1, b2, eps, wd, mu;
  float step;                 /* Adam: lr / bias correction 1; SGD: lr */
  float inv_sqrt_bc2;
  gboolean first;
  double bc1, bc2;
} Update;

static void
prepare (Update *u, LwParam *p, const LwOptimSettings *s, float lr)
{
  guint64 t = p->t + 1;

  *u = (Update) {
    .p = p, .b1 = s->beta1, .b2 = s->beta2, .eps = s->eps, .wd = s->weight_decay,
    .mu = s->momentum, .step = lr, .first = p->t == 0,
  };
  if (s->kind == LW_OPTIM_ADAM)
    {
      u->bc1 = 1.0 - pow (s->beta1, (double) t);
      u->bc2 = 1.0 - pow (s->beta2, (double) t);
      u->step = (float) (lr / u->bc1);
      u->inv_sqrt_bc2 = (float) (1.0 / sqrt (u->bc2));
    }
}

/* The rules for one element, shared by the update and its dry run. */
static inline void
adam_element (const Update *u, float w, float g, float *m, float *v, float *w_out)
{
  float gi = g + u->wd * w;
  float mi = u->b1 * *m + (1.0f - u->b1) * gi;
  float vi = u->b2 * *v + (1.0f - u->b2) * gi * gi;

  *m = mi;
  *v = vi;
  *w_out = w - u->step * mi / (sqrtf (vi) * u->inv_sqrt_bc2 + u->eps);
}

static inline void
sgd_element (const Update *u, float w, float g, float *buf, float *w_out)
{
  float gi = g + u->wd * w;

  if (u->mu != 0.0f)
    {
      *buf = u->first ? gi : u->mu * *buf + gi;
      gi = *buf;
    }
  *w_out = w - u->step * gi;
}

static void
adam_range (gsize start, gsize end, gpointer data)
{
  const Update *u = data;
  float *restrict w = u->p->w, *restrict m = u->p->m, *restrict v = u->p->v;
  const float *restrict g = u->p->g;

  for (gsize i = start; i < end; i++)
    adam_element (u, w[i], g[i], &m[i], &v[i], &w[i]);
}

static void
sgd_range (gsize start, gsize end, gpointer data)
{
  const Update *u = data;
  float *restrict w = u->p->w, *restrict buf = u->p->m;
  const float *restrict g = u->p->g;

  for (gsize i = start; i < end; i++)
    sgd_element (u, w[i], g[i], &buf[i], &w[i]);
}

/* Whether every value the update writes stays finite, by running it
 * without storing; with commit, stores what is finite (all of it, after
 * a dry run passed). */
static gboolean
guarded_pass (const Update *u, gboolean adam, gboolean commit, gboolean *nan)
{
  LwParam *p = u->p;
  gboolean ok = TRUE;

  *nan = FALSE;
  for (gsize i = 0; i < p->n; i++)
    {
      float m = p->m[i], v = adam ? p->v[i] : 0.0f, w;

      if (adam)
        adam_element (u, p->w[i], p->g[i], &m, &v, &w);
      else
        sgd_element (u, p->w[i], p->g[i], &m, &w);
      if (isfinite (m) && isfinite (v) && isfinite (w))
        {
          if (commit)
            {
              p->m[i] = m;
              p->w[i] = w;
              if (adam)
                p->v[i] = v;
            }
          continue;
        }
      ok = FALSE;
      *nan |= isnan (m) || isnan (v) || isnan (w);
    }
  return ok;
}

/* The bounds after the update, from the gradient's largest magnitude;
 * FALSE when they leave no room (a value might overflow). */
static gboolean
bound_update (LwParam *p, const Update *u, gboolean adam, double g_max, double lr)
{
  double gi = g_max + (double) u->wd * p->w_bound;
  double step_max;

  if (adam)
    {
      double b1 = u->b1, b2 = u->b2;
      double m = b1 * p->m_bound + (1.0 - b1) * gi;
      double v = b2 * p->v_bound + (1.0 - b2) * gi * gi;

      /* |step m / (sqrt (v) c + eps)| <= step |m| / eps always; and when
       * b1^2 < b2, |m| <= C sqrt (v) (Cauchy-Schwarz over the moments'
       * sums), which bounds the step by a few lr whatever the gradient. */
      step_max = u->step * m / u->eps;
      if (b1 * b1 < b2)
        {
          double c = (1.0 - b1) / sqrt ((1.0 - b2) * (1.0 - b1 * b1 / b2));

          step_max = MIN (step_max, 2.0 * c * lr * sqrt (u->bc2) / u->bc1);
        }
      if (!(u->eps > 0.0f) || !(gi * gi < SAFE_LIMIT) || !(u->step * m < SAFE_LIMIT))
        return FALSE;
      p->next_m_bound = m * BOUND_SLACK;
      p->next_v_bound = v * BOUND_SLACK;
    }
  else
    {
      double buf = u->mu == 0.0f ? gi : u->first ? gi : u->mu * p->m_bound + gi;

      step_max = lr * buf;
      p->next_m_bound = u->mu == 0.0f ? p->m_bound : buf * BOUND_SLACK;
      p->next_v_bound = p->v_bound;
    }
  p->next_w_bound = (p->w_bound + step_max) * BOUND_SLACK;
  return p->next_w_bound < SAFE_LIMIT && p->next_m_bound < SAFE_LIMIT
         && p->next_v_bound < SAFE_LIMIT && step_max < SAFE_LIMIT;
}

LwDivergedWhat
lw_param_check_finite (LwParam *p, const LwOptimSettings *s, float lr, gboolean *nan)
{
  gboolean adam = s->kind == LW_OPTIM_ADAM;
  guint32 g_bits = max_abs_bits (p->g, p->n);
  Update u;

  *nan = FALSE;
  if (g_bits >= FLOAT_EXP_BITS)
    {
      *nan = g_bits > FLOAT_EXP_BITS;
      return LW_DIVERGED_GRADIENT;
    }
  prepare (&u, p, s, lr);
  p->checked_by_dry_run = !bound_update (p, &u, adam, bits_to_double (g_bits), lr);
  if (p->checked_by_dry_run && !guarded_pass (&u, adam, FALSE, nan))
    return LW_DIVERGED_WEIGHT;
  return LW_DIVERGED_NONE;
}

void
lw_param_apply (LwParam *p, const LwOptimSettings *s, float lr)
{
  gboolean adam = s->kind == LW_OPTIM_ADAM;
  gboolean nan;
  Update u;

  prepare (&u, p, s, lr);
  p->t++;
  if (p->checked_by_dry_run)
    {
      /* Rare: values near the float range. The dry run passed, so this
       * stores every element. */
      guarded_pass (&u, adam, TRUE, &nan);
      lw_param_rescan (p);
      return;
    }
  lw_parallel_for (p->n, LW_PARALLEL_MIN_CHUNK, adam ? adam_range : sgd_range, &u);
  p->w_bound = p->next_w_bound;
  p->m_bound = p->next_m_bound;
  p->v_bound = p->next_v_bound;
}

gboolean
lw_param_step (LwParam *p, const LwOptimSettings *s, float lr)
{
  gboolean nan;

  if (lw_param_check_finite (p, s, lr, &nan) != LW_DIVERGED_NONE)
    return FALSE;
  lw_param_apply (p, s, lr);
  return TRUE;
}

void
lw_update_add (LwUpdate *u, LwParam *p, float lr)
{
  g_assert (u->n < LW_UPDATE_MAX_PARAMS);
  u->param[u->n] = p;
  u->lr[u->n] = lr;
  u->n++;
}

gboolean
lw_update_check_all_finite (LwUpdate *u, const LwOptimSettings *s, LwDivergence *div)
{
  for (guint i = 0; i < u->n; i++)
    {
      gboolean nan;
      LwDivergedWhat what = lw_param_check_finite (u->param[i], s, u->lr[i], &nan);

      if (what != LW_DIVERGED_NONE)
        {
          div->what = what;
          div->nan = nan;
          return FALSE;
        }
    }
  return TRUE;
}

void
lw_update_apply (LwUpdate *u, const LwOptimSettings *s)
{
  for (guint i = 0; i < u->n; i++)
    lw_param_apply (u->param[i], s, u->lr[i]);
}

gboolean
lw_update_commit (LwUpdate *u, const LwOptimSettings *s, LwDivergence *div)
{
  if (!lw_update_check_all_finite (u, s, div))
    return FALSE;
  lw_update_apply (u, s);
  return TRUE;
}

gboolean
lw_loss_check (float loss, LwDivergence *div)
{
  if (isfinite (loss))
    return TRUE;
  div->what = LW_DIVERGED_LOSS;
  div->nan = isnan (loss);
  return FALSE;
}
