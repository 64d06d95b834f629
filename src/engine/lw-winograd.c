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
#include "lw-gemm.h"
#include "lw-parallel.h"

#include <string.h>

#define TILE 4                /* output tile side */
#define IN 6                  /* input tile side */
#define POINTS (IN * IN)

/* ---- the 1-D transforms; each 2-D one applies its 1-D map to the
 * columns and then to the rows of a tile. -------------------------- */

/* B^T d: 6 -> 6. */
static inline void
bt (const float *d, float *o)
{
  o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  o[1] = -4.0f * d[1] - 4.0f * d[2] + d[3] + d[4];
  o[2] = 4.0f * d[1] - 4.0f * d[2] - d[3] + d[4];
  o[3] = -2.0f * d[1] - d[2] + 2.0f * d[3] + d[4];
  o[4] = 2.0f * d[1] - d[2] - 2.0f * d[3] + d[4];
  o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

/* B v, the transpose of bt: 6 -> 6. */
static inline void
b (const float *v, float *o)
{
  o[0] = 4.0f * v[0];
  o[1] = -4.0f * v[1] + 4.0f * v[2] - 2.0f * v[3] + 2.0f * v[4] + 4.0f * v[5];
  o[2] = -5.0f * v[0] - 4.0f * v[1] - 4.0f * v[2] - v[3] - v[4];
  o[3] = v[1] - v[2] + 2.0f * v[3] - 2.0f * v[4] - 5.0f * v[5];
  o[4] = v[0] + v[1] + v[2] + v[3] + v[4];
  o[5] = v[5];
}

/* A^T m: 6 -> 4. */
static inline void
at (const float *m, float *o)
{
  o[0] = m[0] + m[1] + m[2] + m[3] + m[4];
  o[1] = m[1] - m[2] + 2.0f * (m[3] - m[4]);
  o[2] = m[1] + m[2] + 4.0f * (m[3] + m[4]);
  o[3] = m[1] - m[2] + 8.0f * (m[3] - m[4]) + m[5];
}

/* A y, the transpose of at: 4 -> 6. */
static inline void
a (const float *y, float *o)
{
  o[0] = y[0];
  o[1] = y[0] + y[1] + y[2] + y[3];
  o[2] = y[0] - y[1] + y[2] - y[3];
  o[3] = y[0] + 2.0f * y[1] + 4.0f * y[2] + 8.0f * y[3];
  o[4] = y[0] - 2.0f * y[1] + 4.0f * y[2] - 8.0f * y[3];
  o[5] = y[3];
}

/* G g: 3 -> 6. */
static inline void
g6 (const float *g, float *o)
{
  o[0] = g[0] / 4.0f;
  o[1] = -(g[0] + g[1] + g[2]) / 6.0f;
  o[2] = -(g[0] - g[1] + g[2]) / 6.0f;
  o[3] = g[0] / 24.0f + g[1] / 12.0f + g[2] / 6.0f;
  o[4] = g[0] / 24.0f - g[1] / 12.0f + g[2] / 6.0f;
  o[5] = g[2];
}

/* G^T u, the transpose of g6: 6 -> 3. */
static inline void
gt (const float *u, float *o)
{
  o[0] = u[0] / 4.0f - (u[1] + u[2]) / 6.0f + (u[3] + u[4]) / 24.0f;
  o[1] = (u[2] - u[1]) / 6.0f + (u[3] - u[4]) / 12.0f;
  o[2] = (u[3] + u[4] - u[1] - u[2]) / 6.0f + u[5];
}

typedef void (*Map1d) (const float *in, float *out);

/* out = F in F^T: f (ni -> no values) over the columns of the ni x ni
 * tile, then over the rows, giving no x no; all row-major. */
static inline void
map2d (Map1d f, const float *in, guint ni, guint no, float *out)
{
  float col[IN], res[IN], tmp[IN * IN];

  for (guint j = 0; j < ni; j++)
    {
      for (guint i = 0; i < ni; i++)
        col[i] = in[i * ni + j];
      f (col, res);
      for (guint i = 0; i < no; i++)
        tmp[i * ni + j] = res[i];
    }
  for (guint i = 0; i < no; i++)
    f (tmp + i * ni, out + i * no);
}

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

/* Unit = one kernel (co, ci): U = G g G^T. */
static void
kernel_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const gsize pairs = (gsize) wk->c->c_out * wk->c->c_in;

  for (gsize k = start; k < end; k++)
    {
      float u[POINTS];

      map2d (g6, wk->c->w + k * 9, 3, IN, u);
      for (guint p = 0; p < POINTS; p++)
        wk->u[p * pairs + k] = u[p];
    }
}

/* Unit = one kernel: dW = G^T dU G. */
static void
kernel_grad_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const gsize pairs = (gsize) wk->c->c_out * wk->c->c_in;

  for (gsize k = start; k < end; k++)
    {
      float du[POINTS];

      for (guint p = 0; p < POINTS; p++)
        du[p] = wk->du[p * pairs + k];
      map2d (gt, du, IN, 3, wk->c->dw + k * 9);
    }
}

/* Unit = (sample, input channel): every tile of the plane to V. */
static void
input_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;
  const gsize point_stride = (gsize) c->c_in * wk->tiles;

  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / c->c_in, ci = unit % c->c_in;
      const float *plane = wk->x + ((gsize) (wk->n0 + s) * c->c_in + ci) * c->ih * c->iw;
      float *dst = wk->v + (gsize) ci * wk->tiles + (gsize) s * wk->th * wk->tw;

      for (guint ty = 0; ty < wk->th; ty++)
        for (guint tx = 0; tx < wk->tw; tx++, dst++)
          {
            const int y0 = (int) (ty * TILE) - 1, x0 = (int) (tx * TILE) - 1;
            float d[POINTS], v[POINTS];

            for (int i = 0; i < IN; i++)
              for (int j = 0; j < IN; j++)
                {
                  int iy = y0 + i, ix = x0 + j;

                  d[i * IN + j] = iy >= 0 && ix >= 0 && iy < (int) c->ih && ix < (int) c->iw
                                  ? plane[iy * (int) c->iw + ix] : 0.0f;
                }
            map2d (bt, d, IN, IN, v);
            for (guint p = 0; p < POINTS; p++)
              dst[p * point_stride] = v[p];
          }
    }
}

/* Unit = (sample, output channel): M back to the 4x4 tiles of y, + bias. */
static void
output_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;
  const gsize point_stride = (gsize) c->c_out * wk->tiles;

  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / c->c_out, co = unit % c->c_out;
      float *plane = wk->y + ((gsize) (wk->n0 + s) * c->c_out + co) * c->oh * c->ow;
      const float *src = wk->m + (gsize) co * wk->tiles + (gsize) s * wk->th * wk->tw;
      const float bias = c->has_bias ? c->b[co] : 0.0f;

      for (guint ty = 0; ty < wk->th; ty++)
        for (guint tx = 0; tx < wk->tw; tx++, src++)
          {
            const guint rows = MIN (TILE, c->oh - ty * TILE), cols = MIN (TILE, c->ow - tx * TILE);
            float m[POINTS], y[TILE * TILE];

            for (guint p = 0; p < POINTS; p++)
              m[p] = src[p * point_stride];
            map2d (at, m, IN, TILE, y);
            for (guint i = 0; i < rows; i++)
              for (guint j = 0; j < cols; j++)
                plane[(ty * TILE + i) * c->ow + tx * TILE + j] = y[i * TILE + j] + bias;
          }
    }
}

/* Unit = (sample, output channel): dy tiles to dM = A dy A^T (zero past
 * the plane's edge, where forward wrote nothing). */
static void
output_grad_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;
  const gsize point_stride = (gsize) c->c_out * wk->tiles;

  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / c->c_out, co = unit % c->c_out;
      const float *plane = wk->dy + ((gsize) (wk->n0 + s) * c->c_out + co) * c->oh * c->ow;
      float *dst = wk->m + (gsize) co * wk->tiles + (gsize) s * wk->th * wk->tw;

      for (guint ty = 0; ty < wk->th; ty++)
        for (guint tx = 0; tx < wk->tw; tx++, dst++)
          {
            const guint rows = MIN (TILE, c->oh - ty * TILE), cols = MIN (TILE, c->ow - tx * TILE);
            float y[TILE * TILE] = { 0 }, dm[POINTS];

            for (guint i = 0; i < rows; i++)
              for (guint j = 0; j < cols; j++)
                y[i * TILE + j] = plane[(ty * TILE + i) * c->ow + tx * TILE + j];
            map2d (a, y, TILE, IN, dm);
            for (guint p = 0; p < POINTS; p++)
              dst[p * point_stride] = dm[p];
          }
    }
}

/* Unit = (sample, input channel): dV back to the plane of dx, B dV B^T per
 * tile; neighbouring tiles overlap by two pixels and add up, the padding
 * ring is dropped. One unit owns its plane, so no two threads meet. */
static void
input_grad_range (gsize start, gsize end, gpointer data)
{
  const Work *wk = data;
  const LwConv2d *c = wk->c;
  const gsize point_stride = (gsize) c->c_in * wk->tiles;

  for (gsize unit = start; unit < end; unit++)
    {
      guint s = unit / c->c_in, ci = unit % c->c_in;
      float *plane = wk->dx + ((gsize) (wk->n0 + s) * c->c_in + ci) * c->ih * c->iw;
      const float *src = wk->v + (gsize) ci * wk->tiles + (gsize) s * wk->th * wk->tw;

      if (!wk->accumulate)
        memset (plane, 0, (gsize) c->ih * c->iw * sizeof (float));
      for (guint ty = 0; ty < wk->th; ty++)
        for (guint tx = 0; tx < wk->tw; tx++, src++)
          {
            const int y0 = (int) (ty * TILE) - 1, x0 = (int) (tx * TILE) - 1;
            float dv[POINTS], dd[POINTS];

            for (guint p = 0; p < POINTS; p++)
              dv[p] = src[p * point_stride];
            map2d (b, dv, IN, IN, dd);
            for (int i = 0; i < IN; i++)
              {
                int iy = y0 + i;

                if (iy < 0 || iy >= (int) c->ih)
                  continue;
                for (int j = 0; j < IN; j++)
                  {
                    int ix = x0 + j;

                    if (ix >= 0 && ix < (int) c->iw)
                      plane[iy * (int) c->iw + ix] += dd[i * IN + j];
                  }
              }
          }
    }
}

/* ---- driving the chunks ------------------------------------------- */

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

static void
transform_kernels (Work *wk)
{
  const LwConv2d *c = wk->c;

  lw_parallel_for ((gsize) c->c_out * c->c_in, min_units (9 * POINTS), kernel_range, wk);
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
      for (guint p = 0; p < POINTS; p++)
        lw_gemm (FALSE, FALSE, c->c_out, (int) wk.tiles, c->c_in,
                 1.0f, wk.u + p * pairs, c->c_in,
                 wk.v + p * c->c_in * wk.tiles, (int) wk.tiles,
                 0.0f, wk.m + p * c->c_out * wk.tiles, (int) wk.tiles);
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
      for (guint p = 0; p < POINTS; p++)
        lw_gemm (FALSE, TRUE, c->c_out, c->c_in, (int) wk.tiles,
                 1.0f, wk.m + p * c->c_out * wk.tiles, (int) wk.tiles,
                 wk.v + p * c->c_in * wk.tiles, (int) wk.tiles,
                 n0 == 0 ? 0.0f : 1.0f, wk.du + p * pairs, c->c_in);
      if (dx == NULL)
        continue;
      /* V is spent: it takes dV_p = U_p^T dM_p. */
      for (guint p = 0; p < POINTS; p++)
        lw_gemm (TRUE, FALSE, c->c_in, (int) wk.tiles, c->c_out,
                 1.0f, wk.u + p * pairs, c->c_in,
                 wk.m + p * c->c_out * wk.tiles, (int) wk.tiles,
                 0.0f, wk.v + p * c->c_in * wk.tiles, (int) wk.tiles);
      lw_parallel_for ((gsize) wk.nb * c->c_in, plane_units, input_grad_range, &wk);
    }
  lw_parallel_for (pairs, min_units (9 * POINTS), kernel_grad_range, &wk);
}
