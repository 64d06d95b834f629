/* lw-winograd.c: F(4x4, 3x3) convolution, forward and backward.
 *
 * With the transforms of Lavin & Gray (B^T 6x6, G 6x3, A^T 4x6), one output
 * tile is Y = A^T [(G g G^T) . (B^T d B)] A for the 6x6 input tile d whose
 * top-left corner sits one pixel up and left of the tile (the padding).
 * Layouts in the scratch, for a chunk of T tiles (samples x tiles each):
 *   U  [36][c_out][c_in]   transformed kernels
 *   dU [36][c_out][c_in]   their gradient, summed over chunks
 *   V  [36][c_in][T]       transformed input tiles (later their gradient)
 *   M  [36][c_out][T]      transform-domain output (or output gradient)
 * so every transform point xi is one row-major product M_xi = U_xi V_xi. */
#include "lw-winograd.h"
#include "lw-target-clones.h"
#include "lw-gemm.h"
#include "lw-parallel.h"

#include <string.h>

#define TILE 4                /* output tile side */
#define IN 6                  /* input tile side */
#define POINTS (IN * IN)

/* ---- the transforms, on LANES tiles (or kernels) at once ----------
 *
 * A tile of points is float[points][LANES]: lane l holds tile l's value,
 * so each formula below is one short vector loop. A 1-D map reads its
 * inputs at in[i * is + l] and writes out[i * os + l]; a 2-D transform
 * applies its 1-D map to the columns and then to the rows. */

#define LANES 8
/* The transform loops, built for AVX2 too and picked at load time. */
#define CLONES LW_AVX2_CLONE
#define ALWAYS_INLINE static inline __attribute__ ((always_inline))
#define FOR_LANES for (guint l = 0; l < LANES; l++)
#define I(k) in[(k) * is + l]
#define O(k) out[(k) * os + l]

/* B^T d: 6 -> 6. */
ALWAYS_INLINE void
bt (const float *restrict in, gsize is, float *restrict out, gsize os)
{
  FOR_LANES
    {
      O (0) = 4.0f * I (0) - 5.0f * I (2) + I (4);
      O (1) = -4.0f * (I (1) + I (2)) + I (3) + I (4);
      O (2) = 4.0f * (I (1) - I (2)) - I (3) + I (4);
      O (3) = 2.0f * (I (3) - I (1)) - I (2) + I (4);
      O (4) = 2.0f * (I (1) - I (3)) - I (2) + I (4);
      O (5) = 4.0f * I (1) - 5.0f * I (3) + I (5);
    }
}

/* B v, the transpose of bt: 6 -> 6. */
ALWAYS_INLINE void
b (const float *restrict in, gsize is, float *restrict out, gsize os)
{
  FOR_LANES
    {
      O (0) = 4.0f * I (0);
      O (1) = 4.0f * (I (2) - I (1) + I (5)) + 2.0f * (I (4) - I (3));
      O (2) = -5.0f * I (0) - 4.0f * (I (1) + I (2)) - I (3) - I (4);
      O (3) = I (1) - I (2) + 2.0f * (I (3) - I (4)) - 5.0f * I (5);
      O (4) = I (0) + I (1) + I (2) + I (3) + I (4);
      O (5) = I (5);
    }
}

/* A^T m: 6 -> 4. */
ALWAYS_INLINE void
at (const float *restrict in, gsize is, float *restrict out, gsize os)
{
  FOR_LANES
    {
      float p12 = I (1) + I (2), m12 = I (1) - I (2);
      float p34 = I (3) + I (4), m34 = I (3) - I (4);

      O (0) = I (0) + p12 + p34;
      O (1) = m12 + 2.0f * m34;
      O (2) = p12 + 4.0f * p34;
      O (3) = m12 + 8.0f * m34 + I (5);
    }
}

/* A y, the transpose of at: 4 -> 6. */
ALWAYS_INLINE void
a (const float *restrict in, gsize is, float *restrict out, gsize os)
{
  FOR_LANES
    {
      float p02 = I (0) + I (2), p13 = I (1) + I (3);
      float q02 = I (0) + 4.0f * I (2), q13 = 2.0f * I (1) + 8.0f * I (3);

      O (0) = I (0);
      O (1) = p02 + p13;
      O (2) = p02 - p13;
      O (3) = q02 + q13;
      O (4) = q02 - q13;
      O (5) = I (3);
    }
}

/* G g: 3 -> 6. Multiplying by rounded reciprocals is within float
 * rounding of dividing. */
ALWAYS_INLINE void
g6 (const float *restrict in, gsize is, float *restrict out, gsize os)
{
  const float sixth = 1.0f / 6.0f, twelfth = 1.0f / 12.0f, t24 = 1.0f / 24.0f;

  FOR_LANES
    {
      float p02 = I (0) + I (2);

      O (0) = 0.25f * I (0);
      O (1) = -sixth * (p02 + I (1));
      O (2) = -sixth * (p02 - I (1));
      O (3) = t24 * I (0) + twelfth * I (1) + sixth * I (2);
      O (4) = t24 * I (0) - twelfth * I (1) + sixth * I (2);
      O (5) = I (2);
    }
}

/* G^T u, the transpose of g6: 6 -> 3. */
ALWAYS_INLINE void
gt (const float *restrict in, gsize is, float *restrict out, gsize os)
{
  const float sixth = 1.0f / 6.0f, twelfth = 1.0f / 12.0f, t24 = 1.0f / 24.0f;

  FOR_LANES
    {
      O (0) = 0.25f * I (0) - sixth * (I (1) + I (2)) + t24 * (I (3) + I (4));
      O (1) = sixth * (I (2) - I (1)) + twelfth * (I (3) - I (4));
      O (2) = sixth * (I (3) + I (4) - I (1) - I (2)) + I (5);
    }
}

#undef I
#undef O

/* out (no x no points) = F in F^T for in (ni x ni points), F given by its
 * 1-D map; tmp holds the no x ni middle step. */
#define DEFINE_MAP2D(name, f, ni, no)                                          \
  ALWAYS_INLINE void                                                           \
  name (const float *restrict in, float *restrict out)                         \
  {                                                                            \
    float tmp[(no) * (ni) * LANES];                                            \
                                                                               \
    for (guint j = 0; j < (ni); j++)                                           \
      f (in + j * LANES, (ni) * LANES, tmp + j * LANES, (ni) * LANES);         \
    for (guint i = 0; i < (no); i++)                                           \
      f (tmp + i * (ni) * LANES, LANES, out + i * (no) * LANES, LANES);        \
  }

DEFINE_MAP2D (input_transform, bt, IN, IN)
DEFINE_MAP2D (input_transform_t, b, IN, IN)
DEFINE_MAP2D (output_transform, at, IN, TILE)
DEFINE_MAP2D (output_transform_t, a, TILE, IN)
DEFINE_MAP2D (kernel_transform, g6, 3, IN)
DEFINE_MAP2D (kernel_transform_t, gt, IN, 3)

/* ---- the work of one chunk ---------------------------------------- */

typedef struct {
  const LwConv2d *c;
  guint tw, th;               /* tiles across, down */
  gsize tiles;                /* T = nb * th * tw */
  guint n0, nb;
  const float *x;
  const float *dy;
  float *y, *dx;
  gboolean accumulate;
  float *u, *du, *v, *m;
} Work;

static gsize
min_units (gsize unit_size)
{
  return MAX (LW_PARALLEL_MIN_CHUNK / MAX (unit_size, 1), 1);
}

/* n <= LANES floats; a full group is a fixed-size copy the compiler
 * turns into vector moves. */
static inline void
copy_lanes (float *restrict dst, const float *restrict src, guint n)
{
  if (n == LANES)
    FOR_LANES
      dst[l] = src[l];
  else
    for (guint l = 0; l < n; l++)
      dst[l] = src[l];
}

static inline guint
lanes_in (gsize start, gsize total)
{
  return (guint) MIN ((gsize) LANES, total - start);
}

/* Unit = LANES kernels (co, ci) in a row: U = G g G^T. */
CLONES static void
kernel_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const gsize pairs = (gsize) wk->c->c_out * wk->c->c_in;

  for (gsize unit = start; unit < end; unit++)
    {
      const gsize k0 = unit * LANES;
      const guint lanes = lanes_in (k0, pairs);
      float g[9 * LANES] = { 0 }, u[POINTS * LANES];

      for (guint l = 0; l < lanes; l++)
        for (guint i = 0; i < 9; i++)
          g[i * LANES + l] = wk->c->w[(k0 + l) * 9 + i];
      kernel_transform (g, u);
      for (guint p = 0; p < POINTS; p++)
        copy_lanes (wk->u + p * pairs + k0, u + p * LANES, lanes);
    }
}

/* Unit = LANES kernels: dW = G^T dU G. */
CLONES static void
kernel_grad_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const gsize pairs = (gsize) wk->c->c_out * wk->c->c_in;

  for (gsize unit = start; unit < end; unit++)
    {
      const gsize k0 = unit * LANES;
      const guint lanes = lanes_in (k0, pairs);
      float du[POINTS * LANES] = { 0 }, dw[9 * LANES];

      for (guint p = 0; p < POINTS; p++)
        copy_lanes (du + p * LANES, wk->du + p * pairs + k0, lanes);
      kernel_transform_t (du, dw);
      for (guint l = 0; l < lanes; l++)
        for (guint i = 0; i < 9; i++)
          wk->c->dw[(k0 + l) * 9 + i] = dw[i * LANES + l];
    }
}

/* The planes of a unit are copied to or from a zero-bordered local
 * copy, so the tile loops below run without bounds checks: a ring of one
 * pixel (the padding) and whatever the last row and column of tiles
 * hang over the plane's edge. */
typedef struct {
  guint h, w;                 /* the plane */
  guint stride;               /* row length of the padded copy */
  float data[LW_WINOGRAD_MAX_PADDED];
} Padded;

static void
padded_init (Padded *pd, guint h, guint w, guint rows, guint cols)
{
  pd->h = h;
  pd->w = w;
  pd->stride = cols;
  memset (pd->data, 0, (gsize) rows * cols * sizeof (float));
}

/* plane -> padded copy, at offset (off, off). */
static void
padded_load (Padded *pd, const float *plane, guint off)
{
  for (guint i = 0; i < pd->h; i++)
    memcpy (pd->data + (i + off) * pd->stride + off, plane + (gsize) i * pd->w,
            pd->w * sizeof (float));
}

/* Lane l of a side x side tile of points from the copy at (y, x). */
static inline void
tile_load (const Padded *pd, guint y, guint x, guint side, float *t, guint l)
{
  for (guint i = 0; i < side; i++)
    {
      const float *row = pd->data + (y + i) * pd->stride + x;

      for (guint j = 0; j < side; j++)
        t[(i * side + j) * LANES + l] = row[j];
    }
}

/* The tiles of one sample's plane, LANES at a time: tile t0 + l sits at
 * tile row (t0 + l) / tw, column (t0 + l) % tw. */
#define FOR_TILE_GROUPS(wk, t0, lanes)                                         \
  for (guint t0 = 0, lanes; t0 < (wk)->th * (wk)->tw; t0 += LANES)             \
    if ((lanes = (guint) lanes_in (t0, (gsize) (wk)->th * (wk)->tw)), TRUE)

typedef void (*TileMap) (const float *restrict in, float *restrict out);

/* Every tile of each (sample, channel) plane of src in [start, end), read
 * side x side from the plane's copy with a zero ring of ring pixels before
 * it, through map, into the 36 point rows of dst. */
ALWAYS_INLINE void
planes_to_points (const Work *wk, gsize start, gsize end, const float *src, guint channels,
                  guint h, guint w, guint ring, guint side, TileMap map, float *dst)
{
  const gsize point_stride = (gsize) channels * wk->tiles;
  Padded pd;

  padded_init (&pd, h, w, wk->th * TILE + 2 * ring, wk->tw * TILE + 2 * ring);
  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / channels, ch = unit % channels;
      const float *plane = src + ((gsize) (wk->n0 + s) * channels + ch) * h * w;
      float *out = dst + (gsize) ch * wk->tiles + (gsize) s * wk->th * wk->tw;

      padded_load (&pd, plane, ring);
      FOR_TILE_GROUPS (wk, t0, lanes)
        {
          float t[POINTS * LANES] = { 0 }, v[POINTS * LANES];

          for (guint l = 0; l < lanes; l++)
            tile_load (&pd, (t0 + l) / wk->tw * TILE, (t0 + l) % wk->tw * TILE, side, t, l);
          map (t, v);
          for (guint p = 0; p < POINTS; p++)
            copy_lanes (out + p * point_stride + t0, v + p * LANES, lanes);
        }
    }
}

/* Unit = (sample, input channel): every 6x6 tile of the plane, padding
 * included, to V = B^T d B. */
CLONES static void
input_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;

  planes_to_points (wk, start, end, wk->x, c->c_in, c->ih, c->iw, 1, IN, input_transform, wk->v);
}

/* Unit = (sample, output channel): M back to the 4x4 tiles of y, + bias. */
CLONES static void
output_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;
  const gsize point_stride = (gsize) c->c_out * wk->tiles;
  Padded pd;

  padded_init (&pd, c->oh, c->ow, wk->th * TILE, wk->tw * TILE);
  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / c->c_out, co = unit % c->c_out;
      float *plane = wk->y + ((gsize) (wk->n0 + s) * c->c_out + co) * c->oh * c->ow;
      const float *src = wk->m + (gsize) co * wk->tiles + (gsize) s * wk->th * wk->tw;
      const float bias = c->has_bias ? c->b[co] : 0.0f;

      FOR_TILE_GROUPS (wk, t0, lanes)
        {
          float m[POINTS * LANES] = { 0 }, y[TILE * TILE * LANES];

          for (guint p = 0; p < POINTS; p++)
            copy_lanes (m + p * LANES, src + p * point_stride + t0, lanes);
          output_transform (m, y);
          for (guint l = 0; l < lanes; l++)
            {
              float *o = pd.data + (t0 + l) / wk->tw * TILE * pd.stride + (t0 + l) % wk->tw * TILE;

              for (guint i = 0; i < TILE; i++)
                for (guint j = 0; j < TILE; j++)
                  o[i * pd.stride + j] = y[(i * TILE + j) * LANES + l];
            }
        }
      for (guint i = 0; i < c->oh; i++)
        {
          const float *row = pd.data + i * pd.stride;
          float *out = plane + (gsize) i * c->ow;

          for (guint j = 0; j < c->ow; j++)
            out[j] = row[j] + bias;
        }
    }
}

/* Unit = (sample, output channel): dy tiles to dM = A dy A^T (zero past
 * the plane's edge, where forward wrote nothing). */
CLONES static void
output_grad_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;

  planes_to_points (wk, start, end, wk->dy, c->c_out, c->oh, c->ow, 0, TILE, output_transform_t,
                    wk->m);
}

/* Unit = (sample, input channel): dV back to the plane of dx, B dV B^T per
 * tile; neighbouring tiles overlap by two pixels and add up, the padding
 * ring is dropped. One unit owns its plane, so no two threads meet. */
CLONES static void
input_grad_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;
  const gsize point_stride = (gsize) c->c_in * wk->tiles;
  const guint rows = wk->th * TILE + 2, cols = wk->tw * TILE + 2;
  Padded pd;

  padded_init (&pd, c->ih, c->iw, rows, cols);
  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / c->c_in, ci = unit % c->c_in;
      float *plane = wk->dx + ((gsize) (wk->n0 + s) * c->c_in + ci) * c->ih * c->iw;
      const float *src = wk->v + (gsize) ci * wk->tiles + (gsize) s * wk->th * wk->tw;

      memset (pd.data, 0, (gsize) rows * cols * sizeof (float));
      FOR_TILE_GROUPS (wk, t0, lanes)
        {
          float dv[POINTS * LANES] = { 0 }, dd[POINTS * LANES];

          for (guint p = 0; p < POINTS; p++)
            copy_lanes (dv + p * LANES, src + p * point_stride + t0, lanes);
          input_transform_t (dv, dd);
          for (guint l = 0; l < lanes; l++)
            {
              float *o = pd.data + (t0 + l) / wk->tw * TILE * cols + (t0 + l) % wk->tw * TILE;

              for (guint i = 0; i < IN; i++)
                for (guint j = 0; j < IN; j++)
                  o[i * cols + j] += dd[(i * IN + j) * LANES + l];
            }
        }
      for (guint i = 0; i < c->ih; i++)
        {
          const float *row = pd.data + (i + 1) * cols + 1;
          float *out = plane + (gsize) i * c->iw;

          if (wk->accumulate)
            for (guint j = 0; j < c->iw; j++)
              out[j] += row[j];
          else
            memcpy (out, row, c->iw * sizeof (float));
        }
    }
}

/* ---- driving the chunks ------------------------------------------- */

gboolean
lw_winograd_fits (const LwConv2d *c)
{
  return (gsize) ((c->oh + TILE - 1) / TILE * TILE + 2) * ((c->ow + TILE - 1) / TILE * TILE + 2)
         <= LW_WINOGRAD_MAX_PADDED;
}

gsize
lw_winograd_tiles (const LwConv2d *c)
{
  return (gsize) ((c->oh + TILE - 1) / TILE) * ((c->ow + TILE - 1) / TILE);
}

gsize
lw_winograd_scratch_floats (const LwConv2d *c, guint chunk)
{
  const gsize pairs = (gsize) c->c_out * c->c_in;

  return 2 * POINTS * pairs + (gsize) POINTS * (c->c_in + c->c_out) * lw_winograd_tiles (c) * chunk;
}

static void
work_init (Work *wk, LwConv2d *c)
{
  const gsize pairs = (gsize) c->c_out * c->c_in;

  memset (wk, 0, sizeof *wk);
  wk->c = c;
  wk->tw = (c->ow + TILE - 1) / TILE;
  wk->th = (c->oh + TILE - 1) / TILE;
  wk->u = c->scratch;
  wk->du = wk->u + POINTS * pairs;
  wk->v = wk->du + POINTS * pairs;
}

static void
work_chunk (Work *wk, guint n0, guint n)
{
  const LwConv2d *c = wk->c;

  wk->n0 = n0;
  wk->nb = MIN (c->chunk, n - n0);
  wk->tiles = (gsize) wk->nb * wk->th * wk->tw;
  /* M follows this chunk's V, so both stay dense for the products. */
  wk->m = wk->v + (gsize) POINTS * c->c_in * wk->tiles;
}

static gsize
kernel_groups (const LwConv2d *c)
{
  return ((gsize) c->c_out * c->c_in + LANES - 1) / LANES;
}

static void
transform_kernels (Work *wk)
{
  const LwConv2d *c = wk->c;

  lw_parallel_for (kernel_groups (c), min_units (9 * POINTS * LANES), kernel_range, wk);
}

void
lw_winograd_forward (LwConv2d *c, const float *x, guint n, float *y)
{
  const gsize pairs = (gsize) c->c_out * c->c_in;
  const gsize plane_units = min_units ((gsize) c->oh * c->ow * 9);
  Work wk;

  if (n == 0)
    return;
  work_init (&wk, c);
  wk.x = x;
  wk.y = y;
  transform_kernels (&wk);
  for (guint n0 = 0; n0 < n; n0 += c->chunk)
    {
      work_chunk (&wk, n0, n);
      lw_parallel_for ((gsize) wk.nb * c->c_in, plane_units, input_range, &wk);
      lw_gemm_batch (POINTS, FALSE, FALSE, c->c_out, (int) wk.tiles, c->c_in,
                     1.0f, wk.u, c->c_in, pairs,
                     wk.v, (int) wk.tiles, c->c_in * wk.tiles,
                     0.0f, wk.m, (int) wk.tiles, c->c_out * wk.tiles);
      lw_parallel_for ((gsize) wk.nb * c->c_out, plane_units, output_range, &wk);
    }
}

void
lw_winograd_backward (LwConv2d *c, const float *x, const float *dy, guint n,
                      float *dx, gboolean accumulate)
{
  const gsize pairs = (gsize) c->c_out * c->c_in;
  const gsize plane_units = min_units ((gsize) c->oh * c->ow * 9);
  Work wk;

  if (n == 0)
    return;
  work_init (&wk, c);
  wk.x = x;
  wk.dy = dy;
  wk.dx = dx;
  wk.accumulate = accumulate;
  if (dx != NULL)
    transform_kernels (&wk);
  for (guint n0 = 0; n0 < n; n0 += c->chunk)
    {
      work_chunk (&wk, n0, n);
      lw_parallel_for ((gsize) wk.nb * c->c_in, plane_units, input_range, &wk);
      lw_parallel_for ((gsize) wk.nb * c->c_out, plane_units, output_grad_range, &wk);
      /* dU_p += dM_p V_p^T, summed over the chunks. */
      lw_gemm_batch (POINTS, FALSE, TRUE, c->c_out, c->c_in, (int) wk.tiles,
                     1.0f, wk.m, (int) wk.tiles, c->c_out * wk.tiles,
                     wk.v, (int) wk.tiles, c->c_in * wk.tiles,
                     n0 == 0 ? 0.0f : 1.0f, wk.du, c->c_in, pairs);
      if (dx == NULL)
        continue;
      /* V is spent: it takes dV_p = U_p^T dM_p. */
      lw_gemm_batch (POINTS, TRUE, FALSE, c->c_in, (int) wk.tiles, c->c_out,
                     1.0f, wk.u, c->c_in, pairs,
                     wk.m, (int) wk.tiles, c->c_out * wk.tiles,
                     0.0f, wk.v, (int) wk.tiles, c->c_in * wk.tiles);
      lw_parallel_for ((gsize) wk.nb * c->c_in, plane_units, input_grad_range, &wk);
    }
  lw_parallel_for (kernel_groups (c), min_units (9 * POINTS * LANES), kernel_grad_range, &wk);
}
