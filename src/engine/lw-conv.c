/* lw-conv.c: convolution as im2col + lw_gemm per chunk of samples. */
#include "lw-conv.h"
#include "lw-gemm.h"
#include "lw-parallel.h"
#include "lw-winograd.h"

#include <math.h>
#include <string.h>

/* One chunk of samples [n0, n0 + nb) and the buffers it moves between. */
typedef struct {
  const LwConv2d *c;
  float *col;                 /* (c_in*k*k) x (nb*oh*ow) */
  guint n0, nb;
  const float *x;             /* im2col source; col2im target is dx */
  float *dx;
  gboolean accumulate;
  const float *src;           /* scatter/gather */
  float *dst;
} Chunk;

/* Output columns ox whose input column ox*stride - pad + kj lies in [0, w). */
static inline void
valid_range (guint out, guint in, guint stride, guint pad, guint kj, guint *lo, guint *hi)
{
  int first = (int) pad - (int) kj;
  int last = (int) in - 1 + (int) pad - (int) kj;

  *lo = first > 0 ? (guint) ((first + (int) stride - 1) / (int) stride) : 0;
  *hi = last < 0 ? 0 : MIN (out, (guint) (last / (int) stride) + 1);
  if (*lo > *hi)
    *lo = *hi;
}

/* Unit u = (sample s, input channel ci): its k*k rows of col. */
static void
im2col_range (gsize start, gsize end, gpointer data)
{
  const Chunk *ch = data;
  const LwConv2d *c = ch->c;
  const gsize p = (gsize) c->oh * c->ow, ld = ch->nb * p;

  for (gsize u = start; u < end; u++)
    {
      guint s = u / c->c_in, ci = u % c->c_in;
      const float *plane = ch->x + ((gsize) (ch->n0 + s) * c->c_in + ci) * c->ih * c->iw;

      for (guint ki = 0; ki < c->k; ki++)
        for (guint kj = 0; kj < c->k; kj++)
          {
            float *restrict dst = ch->col + ((gsize) (ci * c->k + ki) * c->k + kj) * ld + s * p;
            guint lo, hi;

            valid_range (c->ow, c->iw, c->stride, c->pad, kj, &lo, &hi);
            for (guint oy = 0; oy < c->oh; oy++, dst += c->ow)
              {
                int iy = (int) (oy * c->stride + ki) - (int) c->pad;
                const float *restrict row;

                if (iy < 0 || iy >= (int) c->ih)
                  {
                    memset (dst, 0, c->ow * sizeof (float));
                    continue;
                  }
                /* Input column of ox: ox * stride + kj - pad, in range for lo <= ox < hi. */
                row = plane + (gsize) iy * c->iw + kj;
                for (guint ox = 0; ox < lo; ox++)
                  dst[ox] = 0.0f;
                if (c->stride == 1)
                  memcpy (dst + lo, row + ((gssize) lo - (gssize) c->pad), (hi - lo) * sizeof (float));
                else
                  for (guint ox = lo; ox < hi; ox++)
                    dst[ox] = row[(gssize) ox * c->stride - (gssize) c->pad];
                for (guint ox = hi; ox < c->ow; ox++)
                  dst[ox] = 0.0f;
              }
          }
    }
}

/* The transpose of im2col, into dx: each unit owns one input plane, so
 * pieces never write to the same place. */
static void
col2im_range (gsize start, gsize end, gpointer data)
{
  const Chunk *ch = data;
  const LwConv2d *c = ch->c;
  const gsize p = (gsize) c->oh * c->ow, ld = ch->nb * p;

  for (gsize u = start; u < end; u++)
    {
      guint s = u / c->c_in, ci = u % c->c_in;
      float *plane = ch->dx + ((gsize) (ch->n0 + s) * c->c_in + ci) * c->ih * c->iw;

      if (!ch->accumulate)
        memset (plane, 0, (gsize) c->ih * c->iw * sizeof (float));
      for (guint ki = 0; ki < c->k; ki++)
        for (guint kj = 0; kj < c->k; kj++)
          {
            const float *restrict src = ch->col + ((gsize) (ci * c->k + ki) * c->k + kj) * ld + s * p;
            guint lo, hi;

            valid_range (c->ow, c->iw, c->stride, c->pad, kj, &lo, &hi);
            for (guint oy = 0; oy < c->oh; oy++, src += c->ow)
              {
                int iy = (int) (oy * c->stride + ki) - (int) c->pad;
                float *restrict row;

                if (iy < 0 || iy >= (int) c->ih)
                  continue;
                row = plane + (gsize) iy * c->iw + kj;
                for (guint ox = lo; ox < hi; ox++)
                  row[(gssize) ox * c->stride - (gssize) c->pad] += src[ox];
              }
          }
    }
}

/* Unit u = (sample s, output channel co): prod (c_out x nb*P) -> y (NCHW),
 * plus the bias. */
static void
scatter_range (gsize start, gsize end, gpointer data)
{
  const Chunk *ch = data;
  const LwConv2d *c = ch->c;
  const gsize p = (gsize) c->oh * c->ow, ld = ch->nb * p;

  for (gsize u = start; u < end; u++)
    {
      guint s = u / c->c_out, co = u % c->c_out;
      const float *restrict src = ch->src + co * ld + s * p;
      float *restrict dst = ch->dst + ((gsize) (ch->n0 + s) * c->c_out + co) * p;
      float bias = c->has_bias ? c->b[co] : 0.0f;

      for (gsize i = 0; i < p; i++)
        dst[i] = src[i] + bias;
    }
}

/* The other way: dy (NCHW) -> prod layout. */
static void
gather_range (gsize start, gsize end, gpointer data)
{
  const Chunk *ch = data;
  const LwConv2d *c = ch->c;
  const gsize p = (gsize) c->oh * c->ow, ld = ch->nb * p;

  for (gsize u = start; u < end; u++)
    {
      guint s = u / c->c_out, co = u % c->c_out;

      memcpy (ch->dst + co * ld + s * p, ch->src + ((gsize) (ch->n0 + s) * c->c_out + co) * p,
              p * sizeof (float));
    }
}

static gsize
min_units (gsize unit_size)
{
  return MAX (LW_PARALLEL_MIN_CHUNK / MAX (unit_size, 1), 1);
}

static gsize
im2col_scratch_floats (const LwConv2d *c, guint chunk)
{
  return ((gsize) c->c_in * c->k * c->k + c->c_out) * c->oh * c->ow * chunk;
}

static gboolean
winograd_applies (const LwConv2d *c)
{
  return c->k == 3 && c->stride == 1 && c->pad == 1 && lw_winograd_fits (c);
}

gsize
lw_conv2d_scratch_floats (const LwConv2d *c)
{
  if (c->lowering == LW_CONV_WINOGRAD)
    return lw_winograd_scratch_floats (c, c->chunk);
  return im2col_scratch_floats (c, c->chunk);
}

static void
own_scratch (LwConv2d *c)
{
  if (c->owns_scratch)
    g_free (c->scratch);
  c->scratch = g_new (float, lw_conv2d_scratch_floats (c));
  c->owns_scratch = TRUE;
}

void
lw_conv2d_use_scratch (LwConv2d *c, float *scratch)
{
  g_return_if_fail (scratch != NULL);

  if (c->owns_scratch)
    g_free (c->scratch);
  c->scratch = scratch;
  c->owns_scratch = FALSE;
}

void
lw_conv2d_set_chunk (LwConv2d *c, guint chunk)
{
  g_return_if_fail (chunk >= 1 && chunk <= c->max_n);

  c->chunk = chunk;
  own_scratch (c);
}

/* The largest chunk whose per-sample part fits the budget. */
static guint
fitting_chunk (const LwConv2d *c)
{
  gsize fixed, per_sample;

  if (c->lowering == LW_CONV_WINOGRAD)
    {
      fixed = lw_winograd_scratch_floats (c, 0);
      per_sample = lw_winograd_scratch_floats (c, 1) - fixed;
    }
  else
    per_sample = im2col_scratch_floats (c, 1);
  return (guint) CLAMP (LW_CONV_SCRATCH_FLOATS / per_sample, 1, c->max_n);
}

void
lw_conv2d_set_lowering (LwConv2d *c, LwConvLowering lowering)
{
  g_return_if_fail (lowering == LW_CONV_IM2COL || winograd_applies (c));

  c->lowering = lowering;
  c->chunk = fitting_chunk (c);
  own_scratch (c);
}

void
lw_conv2d_init (LwConv2d *c, guint c_in, guint c_out, guint k, guint stride, guint pad,
                guint ih, guint iw, guint max_n, gboolean has_bias,
                LwInit init, LwRng *rng)
{
  gsize fan_in = (gsize) c_in * k * k;
  float bound = 1.0f / sqrtf ((float) fan_in);

  g_return_if_fail (c_in > 0 && c_out > 0 && k > 0 && stride > 0 && max_n > 0);
  g_return_if_fail (ih + 2 * pad >= k && iw + 2 * pad >= k);

  memset (c, 0, sizeof *c);
  c->c_in = c_in;
  c->c_out = c_out;
  c->k = k;
  c->stride = stride;
  c->pad = pad;
  c->ih = ih;
  c->iw = iw;
  c->oh = (ih + 2 * pad - k) / stride + 1;
  c->ow = (iw + 2 * pad - k) / stride + 1;
  c->has_bias = has_bias;
  c->max_n = max_n;
  c->w = g_new0 (float, fan_in * c_out);
  c->dw = g_new0 (float, fan_in * c_out);
  c->b = has_bias ? g_new0 (float, c_out) : NULL;
  c->db = has_bias ? g_new0 (float, c_out) : NULL;

  if (init == LW_INIT_TORCH)
    lw_fill_uniform (c->w, fan_in * c_out, bound, rng);
  if (has_bias && init != LW_INIT_ZERO)
    lw_fill_uniform (c->b, c_out, bound, rng);

  lw_conv2d_set_lowering (c, winograd_applies (c) && c_in >= LW_WINOGRAD_MIN_CHANNELS
                             && c_out >= LW_WINOGRAD_MIN_CHANNELS
                          ? LW_CONV_WINOGRAD : LW_CONV_IM2COL);
}

void
lw_conv2d_clear (LwConv2d *c)
{
  g_clear_pointer (&c->w, g_free);
  g_clear_pointer (&c->dw, g_free);
  g_clear_pointer (&c->b, g_free);
  g_clear_pointer (&c->db, g_free);
  if (c->owns_scratch)
    g_free (c->scratch);
  c->scratch = NULL;
  c->owns_scratch = FALSE;
}

static void
unfold (LwConv2d *c, Chunk *ch)
{
  lw_parallel_for ((gsize) ch->nb * c->c_in,
                   min_units ((gsize) c->k * c->k * c->oh * c->ow), im2col_range, ch);
}

void
lw_conv2d_forward (LwConv2d *c, const float *x, guint n, float *y)
{
  const gsize p = (gsize) c->oh * c->ow, fan_in = (gsize) c->c_in * c->k * c->k;

  g_return_if_fail (n <= c->max_n);

  if (c->lowering == LW_CONV_WINOGRAD)
    {
      lw_winograd_forward (c, x, n, y);
      return;
    }
  for (guint n0 = 0; n0 < n; n0 += c->chunk)
    {
      Chunk ch = { .c = c, .col = c->scratch, .n0 = n0, .nb = MIN (c->chunk, n - n0), .x = x,
                   .dst = y };
      int cols = (int) (ch.nb * p);
      float *prod = ch.col + fan_in * cols;

      ch.src = prod;
      unfold (c, &ch);
      lw_gemm (FALSE, FALSE, c->c_out, cols, fan_in, 1.0f, c->w, fan_in, ch.col, cols,
               0.0f, prod, cols);
      lw_parallel_for ((gsize) ch.nb * c->c_out, min_units (p), scatter_range, &ch);
    }
}

void
lw_conv2d_backward (LwConv2d *c, const float *x, const float *dy, guint n,
                    float *dx, gboolean accumulate)
{
  const gsize p = (gsize) c->oh * c->ow, fan_in = (gsize) c->c_in * c->k * c->k;

  g_return_if_fail (n <= c->max_n);

  if (c->has_bias)
    for (guint co = 0; co < c->c_out; co++)
      {
        double sum = 0.0;
        for (guint i = 0; i < n; i++)
          {
            const float *plane = dy + ((gsize) i * c->c_out + co) * p;
            float s = 0.0f;
            for (gsize j = 0; j < p; j++)
              s += plane[j];
            sum += s;
          }
        c->db[co] = (float) sum;
      }

  if (n == 0)
    memset (c->dw, 0, fan_in * c->c_out * sizeof (float));
  if (c->lowering == LW_CONV_WINOGRAD)
    {
      lw_winograd_backward (c, x, dy, n, dx, accumulate);
      return;
    }

  for (guint n0 = 0; n0 < n; n0 += c->chunk)
    {
      Chunk ch = { .c = c, .col = c->scratch, .n0 = n0, .nb = MIN (c->chunk, n - n0), .x = x,
                   .dx = dx, .accumulate = accumulate, .src = dy };
      int cols = (int) (ch.nb * p);
      float *prod = ch.col + fan_in * cols;

      ch.dst = prod;
      unfold (c, &ch);
      lw_parallel_for ((gsize) ch.nb * c->c_out, min_units (p), gather_range, &ch);
      lw_gemm (FALSE, TRUE, c->c_out, fan_in, cols, 1.0f, prod, cols, ch.col, cols,
               n0 == 0 ? 0.0f : 1.0f, c->dw, fan_in);
      if (dx == NULL)
        continue;
      /* The unfolded input is spent: its buffer takes d(col). */
      lw_gemm (TRUE, FALSE, fan_in, cols, c->c_out, 1.0f, c->w, fan_in, prod, cols,
               0.0f, ch.col, cols);
      lw_parallel_for ((gsize) ch.nb * c->c_in,
                       min_units ((gsize) c->k * c->k * p), col2im_range, &ch);
    }
}
