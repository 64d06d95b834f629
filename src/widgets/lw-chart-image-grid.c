/* lw-chart-image-grid.c: image tiles and activation strips. Both turn
 * their values into one atlas image per data change; a frame only copies
 * regions of it, scaled, into place. */
#include "config.h"

#include "lw-chart-image-grid.h"

#include <glib/gi18n-lib.h>
#include "lw-chart-private.h"

/* Activation cells per strip row: wide blocks wrap into several rows. */
#define STRIP_MAX_CELLS 256

static guint
grid_n_tiles (const LwImageGrid *g)
{
  return g->max_tiles > 0 ? MIN (g->n_images, g->max_tiles) : g->n_images;
}

guint
lw_image_grid_tile_image (const LwImageGrid *g, guint k, guint n_tiles)
{
  g_return_val_if_fail (g != NULL, 0);
  g_return_val_if_fail (n_tiles > 0 && k < n_tiles, 0);

  return (guint) ((guint64) k * g->n_images / n_tiles);
}

/* Tiles sit in the atlas with a one-pixel gap, so that no scaling can
 * bleed one tile into the next. */
static void
atlas_shape (guint n_tiles, guint *cols, guint *rows)
{
  *cols = MAX (1, (guint) ceil (sqrt ((double) n_tiles)));
  *rows = (n_tiles + *cols - 1) / *cols;
}

static guint32
rgb_pixel (double r, double g, double b)
{
  return lw_color_to_pixel ((LwColor) { r, g, b });
}

static cairo_surface_t *
build_tiles (gconstpointer data)
{
  const LwImageGrid *g = data;
  guint n = grid_n_tiles (g), ac, ar;
  gsize plane = (gsize) g->height * g->width;
  gboolean rgb = g->channels == 3;
  cairo_surface_t *atlas;
  guint32 *pixels;
  int stride;

  atlas_shape (n, &ac, &ar);
  atlas = lw_image_new ((int) (ac * (g->width + 1)), (int) (ar * (g->height + 1)),
                        &pixels, &stride);
  for (guint k = 0; k < n; k++)
    {
      const float *img = g->data + lw_image_grid_tile_image (g, k, n) * plane * g->channels;
      gsize count = plane * (rgb ? 3 : 1);
      guint ox = (k % ac) * (g->width + 1), oy = (k / ac) * (g->height + 1);
      float lo = G_MAXFLOAT, hi = -G_MAXFLOAT, abs_max = 0.0f;
      double inv, offset;

      for (gsize i = 0; i < count; i++)
        if (isfinite (img[i]))
          {
            lo = MIN (lo, img[i]);
            hi = MAX (hi, img[i]);
            abs_max = MAX (abs_max, fabsf (img[i]));
          }
      if (g->coloring == LW_IMAGE_COLORING_GREY)
        {
          inv = hi > lo ? 1.0 / (hi - lo) : 0.0;
          offset = hi > lo ? -lo * inv : 0.5;
        }
      else
        {
          /* Symmetric around zero, so that white (or grey) means zero. */
          inv = abs_max > 0.0f ? 1.0 / abs_max : 0.0;
          offset = 0.0;
        }

      for (guint y = 0; y < g->height; y++)
        for (guint x = 0; x < g->width; x++)
          {
            gsize i = (gsize) y * g->width + x;
            guint32 *p = &pixels[(gsize) (oy + y) * stride + ox + x];

            if (rgb && g->coloring == LW_IMAGE_COLORING_GREY)
              *p = rgb_pixel (img[i] * inv + offset, img[plane + i] * inv + offset,
                              img[2 * plane + i] * inv + offset);
            else if (rgb)
              *p = rgb_pixel (0.5 + 0.5 * img[i] * inv, 0.5 + 0.5 * img[plane + i] * inv,
                              0.5 + 0.5 * img[2 * plane + i] * inv);
            else if (g->coloring == LW_IMAGE_COLORING_GREY)
              *p = lw_color_grey_pixel (img[i] * inv + offset);
            else
              *p = lw_color_diverging_pixel (img[i] * inv);
          }
    }
  cairo_surface_mark_dirty (atlas);
  return atlas;
}

void
lw_image_grid_draw (const LwImageGrid *g, cairo_t *cr, double width, double height)
{
  double f, pad, top, gap, s, tile_w, tile_h, x0, y0, sx = 1.0, sy = 1.0, ox = 0.0, oy = 0.0;
  g_autofree char *caption = NULL;
  g_autofree cairo_rectangle_t *rects = NULL;
  cairo_surface_t *atlas, *display;
  gboolean snap;
  guint n, cols, ac, ar;
  int factor;
  LwText t;

  g_return_if_fail (g != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (g->n_images == 0 || g->data != NULL);

  f = lw_chart_factor (g->scale);
  pad = LW_PAD * f;
  n = grid_n_tiles (g);
  if (g->caption != NULL)
    caption = g_strdup (g->caption);
  else if (n < g->n_images)
    caption = g_strdup_printf (_("%u of %u"), n, g->n_images);

  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, f);
  top = lw_chart_title_row (&t, f, width, g->title, g->short_title, caption);
  if (n == 0 || g->width == 0 || g->height == 0 || g->channels == 0)
    goto out;

  gap = MAX (1.0, floor (3.0 * f));
  s = lw_tile_layout (n, g->width, g->height, width - 2.0 * pad, height - pad - top, gap, &cols);
  if (s <= 0.0)
    goto out;
  x0 = pad;
  y0 = top;
  snap = !lw_chart_target_is_vector (cr) && lw_chart_pixel_transform (cr, &sx, &sy, &ox, &oy);
  if (snap)
    {
      /* Whole pixels per image pixel keep every tile's pixels even, when
       * that costs little of the tiles' size. */
      double whole = floor (s * MIN (sx, sy));

      if (whole >= 1.0 && whole >= 0.8 * s * MIN (sx, sy))
        s = whole / MIN (sx, sy);
      gap = MAX (1.0, round (gap * sx)) / sx;
      x0 = (round (x0 * sx + ox) - ox) / sx;
      y0 = (round (y0 * sy + oy) - oy) / sy;
    }
  tile_w = g->width * s;
  tile_h = g->height * s;

  atlas = lw_image_cache_lookup (g->cache, g->data, g->serial,
                                 ((guint64) n << 48) ^ ((guint64) g->width << 32) ^
                                 ((guint64) g->height << 16) ^ ((guint64) g->channels << 4) ^
                                 (guint64) g->coloring,
                                 build_tiles, g);
  display = lw_chart_image_for_target (cr, atlas, s, &factor);
  atlas_shape (n, &ac, &ar);
  rects = g_new (cairo_rectangle_t, n);
  for (guint k = 0; k < n; k++)
    {
      cairo_rectangle_t *r = &rects[k];

      r->x = x0 + (k % cols) * (tile_w + gap);
      r->y = y0 + (k / cols) * (tile_h + gap);
      r->width = tile_w;
      r->height = tile_h;
      if (snap)
        {
          /* Whole pixels: no tile edge is a blend with the background. */
          r->width = (round ((r->x + tile_w) * sx + ox) - round (r->x * sx + ox)) / sx;
          r->height = (round ((r->y + tile_h) * sy + oy) - round (r->y * sy + oy)) / sy;
          r->x = (round (r->x * sx + ox) - ox) / sx;
          r->y = (round (r->y * sy + oy) - oy) / sy;
        }
      lw_chart_paint_region (cr, display, factor, FALSE,
                             (k % ac) * (g->width + 1.0), (k / ac) * (g->height + 1.0),
                             g->width, g->height, r->x, r->y, r->width, r->height);
    }
  cairo_surface_destroy (display);
  cairo_surface_destroy (atlas);

  /* A hairline frame: a tile near zero is as white as the background. */
  if (g->coloring == LW_IMAGE_COLORING_DIVERGING)
    {
      double line = snap ? 1.0 / sx : 0.75;

      cairo_set_line_width (cr, line);
      for (guint k = 0; k < n; k++)
        cairo_rectangle (cr, rects[k].x - line / 2.0, rects[k].y - line / 2.0,
                         rects[k].width + line, rects[k].height + line);
      lw_cairo_set_color (cr, lw_theme_get ()->frame, 1.0);
      cairo_stroke (cr);
    }

out:
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_image_grid_draw_func (gconstpointer grid, cairo_t *cr, double width, double height)
{
  lw_image_grid_draw (grid, cr, width, height);
}

/* Activation strips. */

static void
strip_shape (guint units, guint *cols, guint *rows)
{
  guint r = MAX (1, (units + STRIP_MAX_CELLS - 1) / STRIP_MAX_CELLS);

  *rows = r;
  *cols = MAX (1, (units + r - 1) / r);
}

static cairo_surface_t *
build_strips (gconstpointer data)
{
  const LwActivationStrips *a = data;
  const float *v = a->values;
  guint width = 1, height = 0;
  cairo_surface_t *atlas;
  guint32 *pixels, empty = lw_color_to_pixel ((LwColor) { 0.95, 0.95, 0.95 });
  int stride;

  for (guint b = 0; b < a->n_blocks; b++)
    {
      guint cols, rows;

      strip_shape (a->widths[b], &cols, &rows);
      width = MAX (width, cols);
      height += rows + 1;
    }
  atlas = lw_image_new ((int) width, (int) height, &pixels, &stride);

  for (guint b = 0, y0 = 0; b < a->n_blocks; b++)
    {
      guint units = a->widths[b], cols, rows;
      LwColor layer = lw_color_layer (b);
      float lo;
      double inv = lw_activation_scale (v, units, &lo);

      strip_shape (units, &cols, &rows);
      for (guint i = 0; i < cols * rows; i++)
        {
          guint32 *p = &pixels[(gsize) (y0 + i / cols) * stride + i % cols];

          *p = i < units ? lw_activation_pixel (v[i], inv, lo < 0.0f, layer) : empty;
        }
      v += units;
      y0 += rows + 1;
    }
  cairo_surface_mark_dirty (atlas);
  return atlas;
}

/* Strips at their tallest, the gaps at their widest. */
#define STRIP_ROW_MAX 44.0
#define STRIP_GAP_MAX 8.0

double
lw_activation_strips_natural_height (const LwActivationStrips *a, cairo_t *cr, double width)
{
  double f, top;
  LwText t;

  g_return_val_if_fail (a != NULL && cr != NULL, 0.0);

  f = lw_chart_factor (a->scale);
  lw_text_begin (&t, cr, f);
  top = lw_chart_title_row_height (&t, f, width, a->title, a->short_title, NULL);
  lw_text_end (&t);
  if (a->n_blocks == 0)
    return top;
  return top + a->n_blocks * STRIP_ROW_MAX * f + (a->n_blocks - 1) * STRIP_GAP_MAX * f
         + LW_PAD * f;
}

void
lw_activation_strips_draw (const LwActivationStrips *a, cairo_t *cr, double width, double height)
{
  const LwTheme *theme = lw_theme_get ();
  double f, pad, top, gap, row_h, name_w = 0.0, stats_w, strip_x, strip_w, max_zoom = 1.0;
  cairo_surface_t *atlas, *display;
  const float *v;
  guint64 params = 0;
  guint y0 = 0;
  int factor;
  LwText t;
  char buf[64];

  g_return_if_fail (a != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (a->n_blocks == 0 || (a->widths != NULL && a->values != NULL));

  f = lw_chart_factor (a->scale);
  pad = LW_PAD * f;

  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, f);
  top = lw_chart_title_row (&t, f, width, a->title, a->short_title, NULL);
  if (a->n_blocks == 0)
    goto out;

  for (guint b = 0; b < a->n_blocks; b++)
    {
      double w;

      if (a->names != NULL && a->names[b] != NULL)
        g_strlcpy (buf, a->names[b], sizeof buf);
      else
        g_snprintf (buf, sizeof buf, C_("short for block", "b%u"), b + 1);
      lw_text_set (&t, buf, LW_FONT_LABEL, TRUE, -1);
      lw_text_extent (&t, &w, NULL);
      name_w = MAX (name_w, w);
      params = params * 1000003u + a->widths[b];
    }
  g_snprintf (buf, sizeof buf, _("%.0f%% active"), 100.0);
  lw_text_set (&t, buf, LW_FONT_SMALL, FALSE, -1);
  lw_text_extent (&t, &stats_w, NULL);

  /* On a short chart the gaps give way before the strips do. */
  gap = a->n_blocks > 1 ? CLAMP ((height - pad - top - a->n_blocks * 12.0 * f) / (a->n_blocks - 1),
                                 2.0 * f, STRIP_GAP_MAX * f)
                        : STRIP_GAP_MAX * f;
  row_h = CLAMP ((height - pad - top - (a->n_blocks - 1) * gap) / a->n_blocks, 12.0 * f,
                 STRIP_ROW_MAX * f);
  strip_x = pad + name_w + 10.0 * f;
  strip_w = width - pad - stats_w - 10.0 * f - strip_x;
  if (strip_w <= 0.0)
    goto out;

  atlas = lw_image_cache_lookup (a->cache, a->values, a->serial, params, build_strips, a);
  for (guint b = 0; b < a->n_blocks; b++)
    {
      guint cols, rows;

      strip_shape (a->widths[b], &cols, &rows);
      max_zoom = MAX (max_zoom, MAX (strip_w / cols, row_h / rows));
    }
  display = lw_chart_image_for_target (cr, atlas, max_zoom, &factor);

  v = a->values;
  for (guint b = 0; b < a->n_blocks; b++)
    {
      double y = top + b * (row_h + gap);
      guint units = a->widths[b], cols, rows, active = 0;

      strip_shape (units, &cols, &rows);
      for (guint i = 0; i < units; i++)
        active += v[i] > 0.0f;
      v += units;

      if (a->names != NULL && a->names[b] != NULL)
        g_strlcpy (buf, a->names[b], sizeof buf);
      else
        g_snprintf (buf, sizeof buf, C_("short for block", "b%u"), b + 1);
      lw_text_set (&t, buf, LW_FONT_LABEL, TRUE, -1);
      lw_cairo_set_color (cr, lw_color_layer (b), 1.0);
      lw_text_show (&t, pad, y + row_h / 2.0, 0.0, 0.5);

      lw_chart_paint_region (cr, display, factor, TRUE, 0, y0, cols, rows,
                             strip_x, y, strip_w, row_h);
      cairo_set_line_width (cr, 1.0);
      lw_cairo_set_color (cr, theme->frame, 1.0);
      cairo_rectangle (cr, floor (strip_x) - 0.5, floor (y) - 0.5,
                       ceil (strip_w) + 1.0, ceil (row_h) + 1.0);
      cairo_stroke (cr);

      g_snprintf (buf, sizeof buf, _("%.0f%% active"), units > 0 ? 100.0 * active / units : 0.0);
      lw_text_set (&t, buf, LW_FONT_SMALL, FALSE, -1);
      lw_cairo_set_color (cr, theme->text_dim, 1.0);
      lw_text_show (&t, width - pad, y + row_h / 2.0, 1.0, 0.5);
      y0 += rows + 1;
    }
  cairo_surface_destroy (display);
  cairo_surface_destroy (atlas);

out:
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_activation_strips_draw_func (gconstpointer strips, cairo_t *cr, double width, double height)
{
  lw_activation_strips_draw (strips, cr, width, height);
}
