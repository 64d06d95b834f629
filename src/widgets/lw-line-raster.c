/* lw-line-raster.c: polylines drawn as one vertical span per pixel column.
 *
 * On screen a curve of 2048 points across a few hundred columns is, in
 * each column, the vertical extent of the segments that cross it,
 * thickened by the line width. Collecting that extent is linear in the
 * points and filling it is linear in the covered pixels, which keeps a
 * chart of a hundred dense, noisy curves within a frame; Cairo strokes
 * each segment as a polygon and needs tens of times longer. Span ends are
 * antialiased; a steep segment keeps the column's hard sides, which at one
 * pixel wide is not visible. */
#include "lw-chart-private.h"

/* Spans are blended into a column-major buffer, where each span is
 * contiguous memory, and turned into the row-major surface once at the end. */
struct _LwRaster {
  cairo_surface_t *surface;
  guint32 *columns;            /* width x height, column by column */
  int width, height;
  int used_min, used_max;      /* columns any polyline touched */
  double *lo, *hi, *lo2, *hi2;
};

LwRaster *
lw_raster_new (int width, int height)
{
  LwRaster *r = g_new0 (LwRaster, 1);

  r->width = MAX (width, 1);
  r->height = MAX (height, 1);
  r->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, r->width, r->height);
  r->columns = g_new0 (guint32, (gsize) r->width * r->height);
  r->used_min = r->width;
  r->used_max = -1;
  r->lo = g_new (double, r->width);
  r->hi = g_new (double, r->width);
  r->lo2 = g_new (double, r->width);
  r->hi2 = g_new (double, r->width);
  return r;
}

void
lw_raster_free (LwRaster *r)
{
  if (r == NULL)
    return;
  cairo_surface_destroy (r->surface);
  g_free (r->columns);
  g_free (r->lo);
  g_free (r->hi);
  g_free (r->lo2);
  g_free (r->hi2);
  g_free (r);
}

cairo_surface_t *
lw_raster_get_surface (LwRaster *r)
{
  enum { BLOCK = 32 };
  guint32 *pixels;
  int stride;

  cairo_surface_flush (r->surface);
  pixels = (guint32 *) cairo_image_surface_get_data (r->surface);
  stride = cairo_image_surface_get_stride (r->surface) / 4;
  /* Transposed in blocks, so that both sides stay in cache. */
  for (int c0 = MAX (r->used_min, 0); c0 <= r->used_max; c0 += BLOCK)
    for (int j0 = 0; j0 < r->height; j0 += BLOCK)
      for (int c = c0; c < MIN (c0 + BLOCK, r->used_max + 1); c++)
        {
          const guint32 *col = r->columns + (gsize) c * r->height;

          for (int j = j0; j < MIN (j0 + BLOCK, r->height); j++)
            pixels[(gsize) j * stride + c] = col[j];
        }
  cairo_surface_mark_dirty (r->surface);
  return r->surface;
}

static inline void
extend_column (LwRaster *r, int c, double y0, double y1)
{
  double a = y0 < y1 ? y0 : y1;
  double b = y0 < y1 ? y1 : y0;

  r->lo[c] = a < r->lo[c] ? a : r->lo[c];
  r->hi[c] = b > r->hi[c] ? b : r->hi[c];
}

static void
add_segment (LwRaster *r, double x0, double y0, double x1, double y1,
             int *used_min, int *used_max)
{
  double slope;
  int c0, c1;

  if (x0 > x1)
    {
      double tx = x0, ty = y0;
      x0 = x1; y0 = y1;
      x1 = tx; y1 = ty;
    }
  if (x1 < 0.0 || x0 >= r->width)
    return;

  c0 = MAX (0, (int) floor (x0));
  c1 = MIN (r->width - 1, (int) floor (x1));
  *used_min = MIN (*used_min, c0);
  *used_max = MAX (*used_max, c1);

  /* Dense curves have several points per column: most segments stay
   * within one. */
  if (c0 == c1 || x1 - x0 < 1e-9)
    {
      extend_column (r, c0, y0, y1);
      return;
    }

  slope = (y1 - y0) / (x1 - x0);
  for (int c = c0; c <= c1; c++)
    {
      double xa = MAX (x0, (double) c);
      double xb = MIN (x1, (double) c + 1.0);

      extend_column (r, c, y0 + slope * (xa - x0), y0 + slope * (xb - x0));
    }
}

static void
add_dot (LwRaster *r, double x, double y, double radius, int *used_min, int *used_max)
{
  int c0 = MAX (0, (int) floor (x - radius));
  int c1 = MIN (r->width - 1, (int) floor (x + radius));

  for (int c = c0; c <= c1; c++)
    {
      double dx = CLAMP (x, (double) c, (double) c + 1.0) - x;
      double half = sqrt (MAX (radius * radius - dx * dx, 0.0));

      extend_column (r, c, y - half, y + half);
    }
  if (c0 <= c1)
    {
      *used_min = MIN (*used_min, c0);
      *used_max = MAX (*used_max, c1);
    }
}

/* Premultiplied src over dst, where src is a colour at opacity a
 * (0..255): two channels per multiply, each rounded as x / 255. */
static inline guint32
scale_pixel (guint32 p, guint a)
{
  guint32 rb = (p & 0x00ff00ffu) * a + 0x00800080u;
  guint32 ag = ((p >> 8) & 0x00ff00ffu) * a + 0x00800080u;

  rb = ((rb + ((rb >> 8) & 0x00ff00ffu)) >> 8) & 0x00ff00ffu;
  ag = (ag + ((ag >> 8) & 0x00ff00ffu)) & 0xff00ff00u;
  return rb | ag;
}

/* An antialiased span end: opacity in 0..1. */
static inline void
blend_partial (guint32 *dst, guint32 opaque_src, double opacity)
{
  guint a = (guint) (CLAMP (opacity, 0.0, 1.0) * 255.0 + 0.5);

  if (a > 0)
    *dst = scale_pixel (opaque_src, a) + scale_pixel (*dst, 255 - a);
}

void
lw_raster_polyline (LwRaster *r, const double *x, const double *y, guint n,
                    LwColor color, double alpha, double line_width,
                    double dash_on, double dash_off)
{
  guint32 src = lw_color_to_pixel (color), src_full;
  guint full;
  double half = line_width / 2.0;
  int spread = (int) floor ((line_width - 1.0) / 2.0 + 0.25);
  int on = (int) MAX (1.0, round (dash_on)), period = 0;
  int used_min = r->width, used_max = -1;
  const double *lo, *hi;

  if (dash_on > 0.0 && dash_off > 0.0)
    period = on + (int) MAX (1.0, round (dash_off));
  alpha = CLAMP (alpha, 0.0, 1.0);
  for (int c = 0; c < r->width; c++)
    {
      r->lo[c] = G_MAXDOUBLE;
      r->hi[c] = -G_MAXDOUBLE;
    }

  for (guint i = 0; i < n; i++)
    {
      gboolean valid = isfinite (x[i]) && isfinite (y[i]);
      gboolean prev = i > 0 && isfinite (x[i - 1]) && isfinite (y[i - 1]);
      gboolean next = i + 1 < n && isfinite (x[i + 1]) && isfinite (y[i + 1]);

      if (!valid)
        continue;
      if (prev)
        add_segment (r, x[i - 1], y[i - 1], x[i], y[i], &used_min, &used_max);
      else if (!next)
        /* A point between gaps would vanish as a zero-length line. */
        add_dot (r, x[i], y[i], MAX (line_width * 1.3, 1.5) - half, &used_min, &used_max);
    }
  if (used_max < used_min)
    return;

  lo = r->lo;
  hi = r->hi;
  if (spread > 0)
    {
      /* A thick line must be thick across steep segments too. */
      for (int c = used_min; c <= used_max; c++)
        {
          double l = G_MAXDOUBLE, h = -G_MAXDOUBLE;

          for (int k = MAX (used_min, c - spread); k <= MIN (used_max, c + spread); k++)
            {
              l = MIN (l, r->lo[k]);
              h = MAX (h, r->hi[k]);
            }
          r->lo2[c] = l;
          r->hi2[c] = h;
        }
      lo = r->lo2;
      hi = r->hi2;
    }

  r->used_min = MIN (r->used_min, used_min);
  r->used_max = MAX (r->used_max, used_max);
  full = (guint) (alpha * 255.0 + 0.5);
  src_full = scale_pixel (src, full);
  for (int c = used_min; c <= used_max; c++)
    {
      guint32 *col = r->columns + (gsize) c * r->height;
      double top, bottom;
      int j0, j1;

      if (hi[c] < lo[c])
        continue;
      if (period > 0 && (c - used_min) % period >= on)
        continue;

      top = MAX (lo[c] - half, 0.0);
      bottom = MIN (hi[c] + half, (double) r->height);
      if (bottom <= top)
        continue;
      j0 = (int) top;
      j1 = MIN ((int) ceil (bottom), r->height) - 1;
      if (j0 == j1)
        {
          blend_partial (&col[j0], src, (bottom - top) * alpha);
          continue;
        }
      blend_partial (&col[j0], src, (j0 + 1.0 - top) * alpha);
      if (full == 255)
        for (int j = j0 + 1; j < j1; j++)
          col[j] = src;
      else
        for (int j = j0 + 1; j < j1; j++)
          col[j] = src_full + scale_pixel (col[j], 255 - full);
      blend_partial (&col[j1], src, (bottom - j1) * alpha);
    }
}
