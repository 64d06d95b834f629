/* lw-chart-common.c: theme, text, scales, ticks and image painting shared
 * by the charts. */
#include "lw-chart-private.h"

#include <stdio.h>
#include <string.h>

static const LwTheme light_theme = {
  .background = { 1.0, 1.0, 1.0 },
  .grid       = { 0.925, 0.925, 0.925 },
  .axis       = { 0.70, 0.70, 0.69 },
  .text       = { 0.14, 0.12, 0.19 },
  .text_dim   = { 0.37, 0.36, 0.39 },
  .frame      = { 0.82, 0.82, 0.80 },
};

const LwTheme *
lw_theme_get (void)
{
  return &light_theme;
}

double
lw_chart_factor (double scale)
{
  if (!(scale > 0.0))
    return 1.0;
  return CLAMP (scale, 0.5, 4.0);
}

void
lw_chart_fill_background (cairo_t *cr, double width, double height)
{
  lw_cairo_set_color (cr, lw_theme_get ()->background, 1.0);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

/* Text. */

void
lw_text_begin (LwText *t, cairo_t *cr, double factor)
{
  PangoAttrList *attrs = pango_attr_list_new ();

  t->cr = cr;
  t->factor = factor;
  t->layout = pango_cairo_create_layout (cr);
  t->font = pango_font_description_from_string ("Cantarell, Noto Sans, DejaVu Sans, Sans");
  /* Tabular digits keep live numbers from jittering as they change. */
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (t->layout, attrs);
  pango_attr_list_unref (attrs);
}

void
lw_text_end (LwText *t)
{
  g_clear_object (&t->layout);
  g_clear_pointer (&t->font, pango_font_description_free);
}

void
lw_text_set (LwText *t, const char *text, double size, gboolean bold,
             double max_width)
{
  pango_font_description_set_absolute_size (t->font, size * t->factor * PANGO_SCALE);
  pango_font_description_set_weight (t->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (t->layout, t->font);
  if (max_width >= 0.0)
    {
      pango_layout_set_width (t->layout, (int) (MAX (max_width, 1.0) * PANGO_SCALE));
      pango_layout_set_ellipsize (t->layout, PANGO_ELLIPSIZE_END);
    }
  else
    {
      pango_layout_set_width (t->layout, -1);
      pango_layout_set_ellipsize (t->layout, PANGO_ELLIPSIZE_NONE);
    }
  pango_layout_set_height (t->layout, -1);
  pango_layout_set_wrap (t->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (t->layout, text != NULL ? text : "", -1);
}

void
lw_text_set_wrapped (LwText *t, const char *text, double size, gboolean bold,
                     double max_width, int max_lines)
{
  lw_text_set (t, text, size, bold, max_width);
  pango_layout_set_height (t->layout, -MAX (max_lines, 1));
}

/* Whether t's text, wrapped at max_width, takes at most two lines and
 * breaks no word (a word wider than the line overflows under WRAP_WORD). */
static gboolean
fits_two_lines (LwText *t, const char *text, double size, double max_width)
{
  double w;

  lw_text_set (t, text, size, TRUE, max_width);
  pango_layout_set_ellipsize (t->layout, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_wrap (t->layout, PANGO_WRAP_WORD);
  lw_text_extent (t, &w, NULL);
  return pango_layout_get_line_count (t->layout) <= 2 && w <= max_width + 0.5;
}

void
lw_text_set_title (LwText *t, const char *title, const char *short_title, double size,
                   double max_width)
{
  const char *text = title;

  if (short_title != NULL && !fits_two_lines (t, title, size, max_width))
    text = short_title;
  lw_text_set (t, text, size, TRUE, max_width);
  pango_layout_set_ellipsize (t->layout, PANGO_ELLIPSIZE_NONE);
}

double
lw_text_natural_width (LwText *t, const char *text, double size, gboolean bold)
{
  double w;

  lw_text_set (t, text, size, bold, -1);
  lw_text_extent (t, &w, NULL);
  return w;
}

void
lw_text_extent (LwText *t, double *width, double *height)
{
  PangoRectangle logical;

  pango_layout_get_extents (t->layout, NULL, &logical);
  if (width != NULL)
    *width = (double) logical.width / PANGO_SCALE;
  if (height != NULL)
    *height = (double) logical.height / PANGO_SCALE;
}

void
lw_text_show (LwText *t, double x, double y, double align_x, double align_y)
{
  double w, h;

  lw_text_extent (t, &w, &h);
  cairo_move_to (t->cr, x - align_x * w, y - align_y * h);
  pango_cairo_show_layout (t->cr, t->layout);
}

/* Scales and ticks. */

void
lw_scale_init (LwScale *s, double d0, double d1, double r0, double r1, gboolean log)
{
  g_assert (d1 > d0);
  g_assert (!log || d0 > 0.0);

  s->d0 = d0;
  s->d1 = d1;
  s->r0 = r0;
  s->r1 = r1;
  s->log = log;
}

double
lw_nice_step (double span, double target_count)
{
  double raw, magnitude, norm;

  if (!(span > 0.0) || !isfinite (span))
    return 1.0;
  raw = span / MAX (target_count, 1.0);
  magnitude = pow (10.0, floor (log10 (raw)));
  norm = raw / magnitude;
  if (norm < 1.5)
    return magnitude;
  if (norm < 3.0)
    return 2.0 * magnitude;
  if (norm < 7.0)
    return 5.0 * magnitude;
  return 10.0 * magnitude;
}

guint
lw_ticks_linear (double lo, double hi, double step, double *ticks, guint max)
{
  double first = ceil (lo / step - 1e-9);
  guint n = 0;

  for (guint i = 0; n < max; i++)
    {
      double v = (first + i) * step;

      if (v > hi + step * 1e-9)
        break;
      if (fabs (v) < step * 1e-9)
        v = 0.0;
      ticks[n++] = v;
    }
  return n;
}

guint
lw_ticks_log (double lo, double hi, double *ticks, guint max)
{
  static const double mantissas[] = { 1.0, 2.0, 5.0 };
  int e0 = (int) floor (log10 (lo) + 1e-9);
  int e1 = (int) ceil (log10 (hi) - 1e-9);
  int decades = MAX (e1 - e0, 1);
  int every = MAX (1, (decades + 7) / 8);
  guint n_mantissas = decades <= 2 ? 3 : 1;
  guint n = 0;

  for (int e = e0; e <= e1 && n < max; e++)
    {
      if ((e - e0) % every != 0)
        continue;
      for (guint m = 0; m < n_mantissas && n < max; m++)
        {
          double v = mantissas[m] * pow (10.0, e);

          if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
            ticks[n++] = v;
        }
    }
  return n;
}

static int
decimals_for (double step)
{
  if (!(step > 0.0))
    return 0;
  return CLAMP ((int) -floor (log10 (step) + 1e-9), 0, 6);
}

static void
strip_zeros (char *buf)
{
  char *dot = strchr (buf, '.');
  char *end;

  if (dot == NULL)
    return;
  end = buf + strlen (buf);
  while (end > dot + 1 && end[-1] == '0')
    *--end = '\0';
  if (end == dot + 1)
    *dot = '\0';
}

void
lw_format_tick (char *buf, gsize size, double v, double step, LwTickFormat format)
{
  switch (format)
    {
    case LW_TICK_PERCENT:
      g_snprintf (buf, size, "%.*f%%", decimals_for (step * 100.0), v * 100.0);
      break;

    case LW_TICK_SI:
      {
        static const struct { double unit; const char *suffix; } units[] = {
          { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
        };
        double unit = 1.0;
        const char *suffix = "";

        for (guint i = 0; i < G_N_ELEMENTS (units); i++)
          if (fabs (v) >= units[i].unit)
            {
              unit = units[i].unit;
              suffix = units[i].suffix;
              break;
            }
        g_snprintf (buf, size, "%.*f", decimals_for (step / unit), v / unit);
        strip_zeros (buf);
        g_strlcat (buf, suffix, size);
      }
      break;

    case LW_TICK_LOG:
      if (v >= 1e-3 && v < 1e5)
        g_snprintf (buf, size, "%g", v);
      else
        {
          int e = (int) floor (log10 (v) + 1e-9);
          double m = v / pow (10.0, e);

          if (fabs (m - 1.0) < 1e-6)
            g_snprintf (buf, size, "1e%d", e);
          else
            g_snprintf (buf, size, "%.0fe%d", m, e);
        }
      break;

    case LW_TICK_NUMBER:
    default:
      /* A true minus sign, as wide as a digit and level with a plus. Huge
       * values (the loss of a run that blew up) in powers of ten: "5e28",
       * not 29 digits across the plot. */
      if (fabs (v) >= 1e5 && step > 0.0)
        {
          int e = (int) floor (log10 (fabs (v)) + 1e-9);
          int digits = CLAMP (e - (int) floor (log10 (step) + 1e-9), 0, 3);

          g_snprintf (buf, size, "%s%.*f", v < 0.0 ? "\u2212" : "", digits,
                      fabs (v) / pow (10.0, e));
          strip_zeros (buf);
          g_snprintf (buf + strlen (buf), size - strlen (buf), "e%d", e);
        }
      else
        g_snprintf (buf, size, "%s%.*f", v < 0.0 ? "\u2212" : "", decimals_for (step), fabs (v));
      break;
    }
}

/* Images. */

gboolean
lw_chart_target_is_vector (cairo_t *cr)
{
  switch (cairo_surface_get_type (cairo_get_group_target (cr)))
    {
    case CAIRO_SURFACE_TYPE_SVG:
    case CAIRO_SURFACE_TYPE_PDF:
    case CAIRO_SURFACE_TYPE_PS:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
lw_chart_pixel_transform (cairo_t *cr, double *sx, double *sy, double *ox, double *oy)
{
  cairo_surface_t *target = cairo_get_group_target (cr);
  cairo_matrix_t m;
  double dsx, dsy, dox, doy;

  cairo_get_matrix (cr, &m);
  if (m.xy != 0.0 || m.yx != 0.0 || !(m.xx > 0.0) || !(m.yy > 0.0))
    return FALSE;
  cairo_surface_get_device_scale (target, &dsx, &dsy);
  cairo_surface_get_device_offset (target, &dox, &doy);
  *sx = m.xx * dsx;
  *sy = m.yy * dsy;
  *ox = m.x0 * dsx + dox;
  *oy = m.y0 * dsy + doy;
  return TRUE;
}

cairo_surface_t *
lw_image_new (int width, int height, guint32 **pixels, int *stride_px)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                         MAX (width, 1), MAX (height, 1));

  cairo_surface_flush (surface);
  *pixels = (guint32 *) cairo_image_surface_get_data (surface);
  *stride_px = cairo_image_surface_get_stride (surface) / 4;
  return surface;
}

/* image enlarged by an integer factor, each pixel a factor x factor block. */
static cairo_surface_t *
enlarge_image (cairo_surface_t *image, int factor)
{
  int w = cairo_image_surface_get_width (image);
  int h = cairo_image_surface_get_height (image);
  const guint32 *src;
  int src_stride = cairo_image_surface_get_stride (image) / 4;
  guint32 *dst;
  int dst_stride;
  cairo_surface_t *big = lw_image_new (w * factor, h * factor, &dst, &dst_stride);

  cairo_surface_flush (image);
  src = (const guint32 *) cairo_image_surface_get_data (image);
  for (int y = 0; y < h * factor; y++)
    for (int x = 0; x < w * factor; x++)
      dst[y * dst_stride + x] = src[(y / factor) * src_stride + x / factor];
  cairo_surface_mark_dirty (big);
  return big;
}

cairo_surface_t *
lw_chart_image_for_target (cairo_t *cr, cairo_surface_t *image, double max_zoom,
                           int *factor)
{
  int iw = cairo_image_surface_get_width (image);
  int ih = cairo_image_surface_get_height (image);
  int cap = MAX (1, 4096 / MAX (MAX (iw, ih), 1));
  int k;

  *factor = 1;
  if (!lw_chart_target_is_vector (cr))
    return cairo_surface_reference (image);

  /* At twice the output size a viewer's smoothing stays within a sliver
   * at each cell edge. */
  k = CLAMP ((int) ceil (2.0 * max_zoom), 1, cap);
  if (k == 1)
    return cairo_surface_reference (image);
  *factor = k;
  return enlarge_image (image, k);
}

void
lw_chart_paint_region (cairo_t *cr, cairo_surface_t *display, int factor, gboolean sharp,
                       double src_x, double src_y, double src_w, double src_h,
                       double x, double y, double width, double height)
{
  cairo_filter_t filter = CAIRO_FILTER_NEAREST;
  cairo_pattern_t *pattern;
  cairo_matrix_t m;
  double sx, sy, ox, oy;

  if (src_w <= 0.0 || src_h <= 0.0 || width <= 0.0 || height <= 0.0)
    return;

  /* Blocks of uneven size would show at small fractional zooms. */
  if (!sharp && factor == 1 && lw_chart_pixel_transform (cr, &sx, &sy, &ox, &oy))
    {
      double zoom = MIN (width / src_w * sx, height / src_h * sy);

      if (zoom < 4.0 && fabs (zoom - round (zoom)) > 0.01)
        filter = CAIRO_FILTER_GOOD;
    }

  pattern = cairo_pattern_create_for_surface (display);
  cairo_matrix_init_translate (&m, src_x * factor, src_y * factor);
  cairo_matrix_scale (&m, src_w * factor / width, src_h * factor / height);
  cairo_matrix_translate (&m, -x, -y);
  cairo_pattern_set_matrix (pattern, &m);
  cairo_pattern_set_filter (pattern, filter);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, x, y, width, height);
  cairo_fill (cr);
  cairo_pattern_destroy (pattern);
}

void
lw_chart_paint_image (cairo_t *cr, cairo_surface_t *image,
                      double x, double y, double width, double height)
{
  int iw = cairo_image_surface_get_width (image);
  int ih = cairo_image_surface_get_height (image);
  cairo_surface_t *display;
  int factor;

  if (iw <= 0 || ih <= 0 || width <= 0.0 || height <= 0.0)
    return;
  display = lw_chart_image_for_target (cr, image, MAX (width / iw, height / ih), &factor);
  lw_chart_paint_region (cr, display, factor, TRUE, 0, 0, iw, ih, x, y, width, height);
  cairo_surface_destroy (display);
}

/* Titles and activations. */

/* Both on one row where they fit; else the title over the caption, the
 * caption wrapped to two lines, so that a long translation is read, not cut. */
static double
title_row (LwText *t, double f, double width, const char *title, const char *short_title,
           const char *caption, gboolean draw)
{
  const LwTheme *theme = lw_theme_get ();
  double pad = LW_PAD * f, avail = width - 2.0 * pad, gap = 8.0 * f;
  double title_w = 0.0, caption_w = 0.0, y = pad, h;

  if (title == NULL && caption == NULL)
    return pad;
  if (title != NULL)
    title_w = lw_text_natural_width (t, title, LW_FONT_TITLE, TRUE);
  if (caption != NULL)
    caption_w = lw_text_natural_width (t, caption, LW_FONT_SMALL, FALSE);

  if (title != NULL && caption != NULL && title_w + gap + caption_w <= avail)
    {
      if (draw)
        {
          lw_text_set (t, caption, LW_FONT_SMALL, FALSE, -1);
          lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
          lw_text_show (t, width - pad, pad + 1.0 * f, 1.0, 0.0);
        }
      lw_text_set (t, title, LW_FONT_TITLE, TRUE, -1);
      lw_text_extent (t, NULL, &h);
      if (draw)
        {
          lw_cairo_set_color (t->cr, theme->text, 1.0);
          lw_text_show (t, pad, pad, 0.0, 0.0);
        }
      return pad + h + gap;
    }
  if (title != NULL)
    {
      lw_text_set_title (t, title, short_title, LW_FONT_TITLE, avail);
      lw_text_extent (t, NULL, &h);
      if (draw)
        {
          lw_cairo_set_color (t->cr, theme->text, 1.0);
          lw_text_show (t, pad, y, 0.0, 0.0);
        }
      y += h + 2.0 * f;
    }
  if (caption != NULL)
    {
      lw_text_set_wrapped (t, caption, LW_FONT_SMALL, FALSE, avail, 2);
      lw_text_extent (t, NULL, &h);
      if (draw)
        {
          lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
          lw_text_show (t, pad, y, 0.0, 0.0);
        }
      y += h;
    }
  return y + gap;
}

double
lw_chart_title_row (LwText *t, double f, double width, const char *title,
                    const char *short_title, const char *caption)
{
  return title_row (t, f, width, title, short_title, caption, TRUE);
}

double
lw_chart_title_row_height (LwText *t, double f, double width, const char *title,
                           const char *short_title, const char *caption)
{
  return title_row (t, f, width, title, short_title, caption, FALSE);
}

double
lw_activation_scale (const float *v, gsize n, float *lo_out)
{
  float lo = 0.0f, hi = 0.0f;

  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        lo = MIN (lo, v[i]);
        hi = MAX (hi, v[i]);
      }
  *lo_out = lo;
  return lo < 0.0f ? 1.0 / MAX (hi, -lo) : hi > 0.0f ? 1.0 / hi : 0.0;
}

guint32
lw_activation_pixel (float v, double inv, gboolean diverging, LwColor layer)
{
  static const LwColor white = { 1.0, 1.0, 1.0 };

  if (diverging)
    return lw_color_diverging_pixel (v * inv);
  return lw_color_to_pixel (lw_color_mix (white, layer, isfinite (v) ? CLAMP (v * inv, 0.0, 1.0)
                                                                     : 0.0));
}

double
lw_tile_layout (guint n, double tile_w, double tile_h, double area_w, double area_h,
                double gap, guint *cols_out)
{
  double best = 0.0;

  *cols_out = 1;
  for (guint cols = 1; cols <= n; cols++)
    {
      guint rows = (n + cols - 1) / cols;
      double s = MIN ((area_w - (cols - 1) * gap) / (cols * tile_w),
                      (area_h - (rows - 1) * gap) / (rows * tile_h));

      if (s > best)
        {
          best = s;
          *cols_out = cols;
        }
    }
  return best;
}
