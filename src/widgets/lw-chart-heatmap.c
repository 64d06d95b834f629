/* lw-chart-heatmap.c: the heatmap. The cells become one image per data
 * change, then every frame only scales it. */
#include "lw-chart-heatmap.h"
#include "lw-chart-private.h"

/* The colour scale's bar, in user units at presentation factor 1. */
#define BAR_WIDTH 12.0

static double
heatmap_limit (const LwHeatmap *h)
{
  return h->limit > 0.0 ? h->limit : 1.0;
}

static cairo_surface_t *
build_cells (gconstpointer data)
{
  const LwHeatmap *h = data;
  double inv = 1.0 / heatmap_limit (h);
  cairo_surface_t *image;
  guint32 *pixels;
  int stride;

  image = lw_image_new ((int) h->cols, (int) h->rows, &pixels, &stride);
  for (guint r = 0; r < h->rows; r++)
    for (guint c = 0; c < h->cols; c++)
      pixels[(gsize) r * stride + c] =
        lw_color_diverging_pixel (h->values[(gsize) r * h->cols + c] * inv);
  cairo_surface_mark_dirty (image);
  return image;
}

static void
class_name (const LwHeatmap *h, guint8 label, char *buf, gsize size)
{
  if (h->class_names != NULL && label < h->n_class_names && h->class_names[label] != NULL)
    g_strlcpy (buf, h->class_names[label], size);
  else
    g_snprintf (buf, size, "%u", label);
}

static void
bar_label (char *buf, gsize size, double v)
{
  g_snprintf (buf, size, "%s%g", v < 0.0 ? "\u2212" : "", fabs (v));
}

static void
draw_scale_bar (const LwHeatmap *h, LwText *t, double f, double x, double y,
                double w, double height)
{
  const LwTheme *theme = lw_theme_get ();
  double limit = heatmap_limit (h);
  cairo_pattern_t *gradient = cairo_pattern_create_linear (0, y + height, 0, y);
  double label_h;
  guint step;
  char buf[32];

  /* The map is piecewise linear, so stops at its knots reproduce it. */
  for (guint i = 0; i <= 4; i++)
    {
      LwColor c = lw_color_diverging (i / 2.0 - 1.0);
      cairo_pattern_add_color_stop_rgb (gradient, i / 4.0, c.r, c.g, c.b);
    }
  cairo_rectangle (t->cr, x, y, w, height);
  cairo_set_source (t->cr, gradient);
  cairo_fill (t->cr);
  cairo_pattern_destroy (gradient);

  cairo_set_line_width (t->cr, 1.0);
  lw_cairo_set_color (t->cr, theme->frame, 1.0);
  cairo_rectangle (t->cr, floor (x) + 0.5, floor (y) + 0.5, floor (w), floor (height));
  cairo_stroke (t->cr);

  /* Five ticks where they have room, else the ends and zero. */
  lw_text_set (t, "0", LW_FONT_TICK, FALSE, -1);
  lw_text_extent (t, NULL, &label_h);
  step = height >= 8.0 * label_h ? 1 : 2;
  for (guint i = 0; i <= 4; i += step)
    {
      double v = limit * (i / 2.0 - 1.0);
      double ty = y + height - height * i / 4.0;

      lw_cairo_set_color (t->cr, theme->axis, 1.0);
      cairo_move_to (t->cr, x + w, floor (ty) + 0.5);
      cairo_line_to (t->cr, x + w + 3.0 * f, floor (ty) + 0.5);
      cairo_stroke (t->cr);
      bar_label (buf, sizeof buf, v);
      lw_text_set (t, buf, LW_FONT_TICK, FALSE, -1);
      lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
      lw_text_show (t, x + w + 5.0 * f, ty, 0.0, 0.5);
    }
}

/* Lines between classes and the class names along the left edge. */
static void
draw_classes (const LwHeatmap *h, LwText *t, double f, gboolean names, double mx, double my,
              double cell_w, double cell_h)
{
  const LwTheme *theme = lw_theme_get ();
  gboolean square = h->rows == h->cols;
  double label_h;
  char buf[64];
  guint start = 0;

  cairo_save (t->cr);
  cairo_set_line_width (t->cr, 1.0);
  cairo_set_source_rgba (t->cr, 0.0, 0.0, 0.0, 0.35);
  for (guint r = 1; r < h->rows; r++)
    {
      if (h->labels[r] == h->labels[r - 1])
        continue;
      cairo_move_to (t->cr, mx, floor (my + r * cell_h) + 0.5);
      cairo_line_to (t->cr, mx + h->cols * cell_w, floor (my + r * cell_h) + 0.5);
      if (square)
        {
          cairo_move_to (t->cr, floor (mx + r * cell_w) + 0.5, my);
          cairo_line_to (t->cr, floor (mx + r * cell_w) + 0.5, my + h->rows * cell_h);
        }
    }
  cairo_stroke (t->cr);
  cairo_restore (t->cr);
  if (!names)
    return;

  lw_text_set (t, "0", LW_FONT_SMALL, FALSE, -1);
  lw_text_extent (t, NULL, &label_h);
  lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
  for (guint r = 1; r <= h->rows; r++)
    {
      if (r < h->rows && h->labels[r] == h->labels[start])
        continue;
      /* A name is shown only where its class is tall enough to hold it. */
      if ((r - start) * cell_h >= label_h * 0.8)
        {
          class_name (h, h->labels[start], buf, sizeof buf);
          lw_text_set (t, buf, LW_FONT_SMALL, FALSE, -1);
          lw_text_show (t, mx - 4.0 * f, my + (start + r) * cell_h / 2.0, 1.0, 0.5);
        }
      start = r;
    }
}

/* Measures in t, which lw_heatmap_draw then goes on using. */
static void
measure_margins (const LwHeatmap *h, LwText *t, LwHeatmapMargins *m)
{
  double f = t->factor, pad = LW_PAD * f;

  *m = (LwHeatmapMargins) { pad, pad, pad, pad, 0.0, 0.0, 0.0 };
  if (h->title != NULL)
    {
      double th;

      lw_text_set (t, h->title, LW_FONT_TITLE, TRUE, -1);
      lw_text_extent (t, NULL, &th);
      m->top += th + 8.0 * f;
    }
  if (!h->hide_scale_bar)
    {
      double w = 0.0;
      char buf[32];

      for (guint i = 0; i <= 4; i++)
        {
          double tw;

          bar_label (buf, sizeof buf, heatmap_limit (h) * (i / 2.0 - 1.0));
          lw_text_set (t, buf, LW_FONT_TICK, FALSE, -1);
          lw_text_extent (t, &tw, NULL);
          w = MAX (w, tw);
        }
      /* Gap, bar, tick and its label. */
      m->bar = 12.0 * f + BAR_WIDTH * f + 5.0 * f + w;
    }
  if (h->labels != NULL)
    {
      double labels_w = 0.0;
      char buf[64];

      for (guint r = 0; r < h->rows; r++)
        if (r == 0 || h->labels[r] != h->labels[r - 1])
          {
            double w;

            class_name (h, h->labels[r], buf, sizeof buf);
            lw_text_set (t, buf, LW_FONT_SMALL, FALSE, -1);
            lw_text_extent (t, &w, NULL);
            labels_w = MAX (labels_w, w + 4.0 * f);
          }
      m->names = labels_w;
      lw_text_set (t, "0", LW_FONT_SMALL, FALSE, -1);
      lw_text_extent (t, NULL, &m->name_h);
    }
}

gboolean
lw_heatmap_names_fit (const LwHeatmap *h, const LwHeatmapMargins *m, double cell)
{
  guint classes = 1;

  g_return_val_if_fail (h != NULL && m != NULL, FALSE);

  if (h->labels == NULL || h->rows == 0 || m->names <= 0.0)
    return FALSE;
  for (guint r = 1; r < h->rows; r++)
    classes += h->labels[r] != h->labels[r - 1];
  return (double) h->rows / classes * cell >= 0.8 * m->name_h;
}

void
lw_heatmap_margins (const LwHeatmap *h, cairo_t *cr, LwHeatmapMargins *margins)
{
  LwText t;

  g_return_if_fail (h != NULL && cr != NULL && margins != NULL);

  lw_text_begin (&t, cr, lw_chart_factor (h->scale));
  measure_margins (h, &t, margins);
  lw_text_end (&t);
}

guint
lw_heatmap_margins_union (const LwHeatmap *heatmaps, guint n, cairo_t *cr,
                          LwHeatmapMargins *margins)
{
  guint named = 0;
  LwText t;

  g_return_val_if_fail (heatmaps != NULL && n > 0 && cr != NULL && margins != NULL, 0);

  /* One text layout for all: measuring is most of what this costs. */
  lw_text_begin (&t, cr, lw_chart_factor (heatmaps[0].scale));
  for (guint i = 0; i < n; i++)
    {
      LwHeatmapMargins m;

      t.factor = lw_chart_factor (heatmaps[i].scale);
      measure_margins (&heatmaps[i], &t, &m);
      if (i == 0)
        *margins = m;
      margins->left = MAX (margins->left, m.left);
      margins->top = MAX (margins->top, m.top);
      margins->right = MAX (margins->right, m.right);
      margins->bottom = MAX (margins->bottom, m.bottom);
      margins->bar = MAX (margins->bar, m.bar);
      if (m.names > margins->names)
        {
          margins->names = m.names;
          margins->name_h = m.name_h;
          named = i;
        }
    }
  lw_text_end (&t);
  return named;
}

static void
compute_layout (const LwHeatmap *h, cairo_t *cr, const LwHeatmapMargins *m,
                double width, double height, LwHeatmapLayout *l)
{
  double area_w = width - m->left - m->right - m->bar;
  double area_h = height - m->top - m->bottom;
  double sx, sy, ox, oy;

  l->margins = *m;
  l->x = m->left;
  l->y = m->top;
  l->cell = 0.0;
  l->sharp = TRUE;
  l->names_shown = FALSE;
  if (h->rows == 0 || h->cols == 0 || area_w <= 0.0 || area_h <= 0.0)
    return;
  l->cell = MIN (area_w / h->cols, area_h / h->rows);
  /* Names too small to read would only take room from the matrix. */
  if (lw_heatmap_names_fit (h, m, l->cell))
    {
      l->names_shown = TRUE;
      l->x += m->names;
      l->cell = MIN (MAX (area_w - m->names, 0.0) / h->cols, area_h / h->rows);
    }
  if (!lw_chart_target_is_vector (cr) && lw_chart_pixel_transform (cr, &sx, &sy, &ox, &oy))
    {
      double s = MIN (sx, sy), px = l->cell * s, whole = floor (px);

      /* A whole number of pixels a cell keeps every row and column as
       * thick as the next, where that costs little of the size; else
       * the matrix fills its room, smoothly scaled. */
      l->sharp = whole >= 1.0 && whole >= 0.8 * px;
      if (l->sharp)
        l->cell = whole / s;
      l->x = (round (l->x * sx + ox) - ox) / sx;
      l->y = (round (l->y * sy + oy) - oy) / sy;
    }
}

void
lw_heatmap_layout (const LwHeatmap *h, cairo_t *cr, double width, double height,
                   LwHeatmapLayout *layout)
{
  LwHeatmapMargins m;

  g_return_if_fail (h != NULL && cr != NULL && layout != NULL);

  lw_heatmap_margins (h, cr, &m);
  compute_layout (h, cr, &m, width, height, layout);
}

void
lw_heatmap_draw (const LwHeatmap *h, cairo_t *cr, double width, double height)
{
  const LwTheme *theme = lw_theme_get ();
  double f, pad, mx, my, cell;
  cairo_surface_t *cells, *display;
  LwHeatmapMargins m;
  LwHeatmapLayout l;
  int factor;
  LwText t;

  g_return_if_fail (h != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (h->rows == 0 || h->cols == 0 || h->values != NULL);

  f = lw_chart_factor (h->scale);
  pad = LW_PAD * f;

  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, f);
  measure_margins (h, &t, &m);
  compute_layout (h, cr, &m, width, height, &l);

  if (h->title != NULL)
    {
      const char *title = h->title;
      double avail = width - 2.0 * pad, size = LW_FONT_TITLE, w;

      /* A small matrix keeps a name that can be read whole: "b3", not "bloc…". */
      if (h->short_title != NULL
          && lw_text_natural_width (&t, h->title, LW_FONT_TITLE, TRUE) > avail)
        title = h->short_title;
      /* Smaller type rather than a cut name, which can be misread ("bloc…"
       * could be any block); the margins' room holds it the more. */
      w = lw_text_natural_width (&t, title, size, TRUE);
      if (w > avail && avail > 0.0)
        size *= 0.98 * avail / w;
      lw_text_set (&t, title, size, TRUE, -1);
      lw_cairo_set_color (cr, theme->text, 1.0);
      lw_text_show (&t, pad, pad, 0.0, 0.0);
    }
  if (l.cell <= 0.0)
    goto out;
  mx = l.x;
  my = l.y;
  cell = l.cell;

  cells = lw_image_cache_lookup (h->cache, h->values, h->serial,
                                 ((guint64) h->rows << 40) ^ ((guint64) h->cols << 16) ^
                                 (guint64) (heatmap_limit (h) * 1e4),
                                 build_cells, h);
  display = lw_chart_image_for_target (cr, cells, cell, &factor);
  lw_chart_paint_region (cr, display, factor, l.sharp, 0, 0, h->cols, h->rows,
                         mx, my, h->cols * cell, h->rows * cell);
  cairo_surface_destroy (display);
  cairo_surface_destroy (cells);

  cairo_set_line_width (cr, MAX (1.0, round (f)));
  lw_cairo_set_color (cr, theme->frame, 1.0);
  cairo_rectangle (cr, floor (mx) - 0.5, floor (my) - 0.5,
                   ceil (h->cols * cell) + 1.0, ceil (h->rows * cell) + 1.0);
  cairo_stroke (cr);

  if (h->labels != NULL)
    draw_classes (h, &t, f, l.names_shown, mx, my, cell, cell);
  if (!h->hide_scale_bar)
    draw_scale_bar (h, &t, f, mx + h->cols * cell + 12.0 * f, my, BAR_WIDTH * f,
                    h->rows * cell);

out:
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_heatmap_draw_func (gconstpointer heatmap, cairo_t *cr, double width, double height)
{
  lw_heatmap_draw (heatmap, cr, width, height);
}
