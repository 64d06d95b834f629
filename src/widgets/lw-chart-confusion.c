/* lw-chart-confusion.c: the cells are one small image (a pixel per cell)
 * stretched sharp; the counts are written on top where a cell can hold
 * them. */
#include "config.h"

#include "lw-chart-confusion.h"

#include <glib/gi18n-lib.h>
#include "lw-chart-private.h"

/* Cells need this many times the count's text height to show it. */
#define COUNT_ROOM 1.3
/* Names at the left take at most this share of the width (the rest are
 * cut with an ellipsis; the full names are in the window's description). */
#define NAMES_SHARE 0.25
/* A name below the matrix gets at least this text's width, a few letters
 * and the ellipsis, or every other one is left out. */
#define NAME_MIN_TEXT "Mmm\u2026"

static double
row_share (const LwConfusion *c, guint row, guint col, const guint64 *row_sums)
{
  return row_sums[row] > 0 ? (double) c->counts[(gsize) row * c->n_classes + col] / row_sums[row]
                           : 0.0;
}

static void
class_name (const LwConfusion *c, guint k, char *buf, gsize size)
{
  lw_class_label (c->class_names, c->n_class_names, k, buf, size);
}

static cairo_surface_t *
build_cells (const LwConfusion *c, const guint64 *row_sums)
{
  LwColor white = { 1.0, 1.0, 1.0 };
  cairo_surface_t *image;
  guint32 *pixels;
  int stride;

  image = lw_image_new ((int) c->n_classes, (int) c->n_classes, &pixels, &stride);
  for (guint r = 0; r < c->n_classes; r++)
    for (guint q = 0; q < c->n_classes; q++)
      {
        /* A square root, so that a few mistakes still show. */
        double t = sqrt (row_share (c, r, q, row_sums));

        pixels[(gsize) r * stride + q] = lw_color_to_pixel (lw_color_mix (white, c->color, t));
      }
  cairo_surface_mark_dirty (image);
  return image;
}

/* Every step-th class name along an edge, so that they do not overlap. */
static guint
label_step (LwText *t, const LwConfusion *c, double cell)
{
  double h;
  guint step = 1;

  lw_text_set (t, "0", LW_FONT_SMALL, FALSE, -1);
  lw_text_extent (t, NULL, &h);
  while (step * cell < h * 1.1 && step < c->n_classes)
    step = step < 5 ? step + 1 : step * 2;
  return step;
}

/* Below the matrix names run across: every step-th of them, where a few
 * letters of each fit. */
static guint
bottom_step (LwText *t, const LwConfusion *c, double cell, guint step)
{
  double w;

  if (c->class_names == NULL)
    return step;
  lw_text_set (t, NAME_MIN_TEXT, LW_FONT_SMALL, FALSE, -1);
  lw_text_extent (t, &w, NULL);
  while (step * cell < w && step < c->n_classes)
    step = step < 5 ? step + 1 : step * 2;
  return step;
}

void
lw_confusion_draw (const LwConfusion *c, cairo_t *cr, double width, double height)
{
  const LwTheme *theme = lw_theme_get ();
  g_autofree guint64 *row_sums = NULL;
  double f, pad, top, left, bottom, labels_w = 0.0, label_h, axis_h, cell, mx, my;
  cairo_surface_t *cells;
  guint C, step, below;
  char buf[LW_CLASS_NAME_BUF];
  LwText t;

  g_return_if_fail (c != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (c->n_classes == 0 || c->counts != NULL);

  f = lw_chart_factor (c->scale);
  pad = LW_PAD * f;
  C = c->n_classes;

  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, f);
  top = lw_chart_title_row (&t, f, width, c->title, c->short_title, c->caption);
  if (C == 0)
    goto out;

  row_sums = g_new0 (guint64, C);
  for (guint r = 0; r < C; r++)
    for (guint q = 0; q < C; q++)
      row_sums[r] += c->counts[(gsize) r * C + q];

  for (guint k = 0; k < C; k++)
    {
      double w;

      class_name (c, k, buf, sizeof buf);
      lw_text_set (&t, buf, LW_FONT_SMALL, FALSE, -1);
      lw_text_extent (&t, &w, &label_h);
      labels_w = MAX (labels_w, w);
    }
  labels_w = MIN (labels_w, MAX (width * NAMES_SHARE, 24.0 * f));
  lw_text_set (&t, _("true class"), LW_FONT_LABEL, FALSE, -1);
  lw_text_extent (&t, NULL, &axis_h);

  /* Room: the axis names and class labels at the left and below. */
  left = pad + axis_h + 6.0 * f + labels_w + 6.0 * f;
  bottom = label_h + 4.0 * f + axis_h + pad;
  cell = MIN ((width - pad - left) / C, (height - top - bottom) / C);
  if (cell <= 0.0)
    goto out;
  /* Whole pixels per cell keep every row as thick as the next. */
  if (cell >= 1.0)
    cell = floor (cell);
  mx = floor (left + (width - pad - left - cell * C) / 2.0);
  my = floor (top);

  cells = build_cells (c, row_sums);
  lw_chart_paint_image (cr, cells, mx, my, cell * C, cell * C);
  cairo_surface_destroy (cells);

  cairo_set_line_width (cr, MAX (1.0, round (f)));
  lw_cairo_set_color (cr, theme->frame, 1.0);
  cairo_rectangle (cr, mx - 0.5, my - 0.5, ceil (cell * C) + 1.0, ceil (cell * C) + 1.0);
  cairo_stroke (cr);

  /* Counts, in the cells' contrast colour, where they fit. */
  lw_text_set (&t, "000", LW_FONT_SMALL, FALSE, -1);
  {
    double count_w, count_h;

    lw_text_extent (&t, &count_w, &count_h);
    if (cell >= COUNT_ROOM * count_h && cell >= count_w * 1.1)
      for (guint r = 0; r < C; r++)
        for (guint q = 0; q < C; q++)
          {
            guint32 n = c->counts[(gsize) r * C + q];
            double share = sqrt (row_share (c, r, q, row_sums));

            if (n == 0)
              continue;
            g_snprintf (buf, sizeof buf, "%u", n);
            lw_text_set (&t, buf, LW_FONT_SMALL, r == q, -1);
            if (share > 0.6)
              cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
            else
              cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
            lw_text_show (&t, mx + (q + 0.5) * cell, my + (r + 0.5) * cell, 0.5, 0.5);
          }
  }

  /* Class names: true classes at the left, predicted ones below, each
   * cut to its room. */
  step = label_step (&t, c, cell);
  below = bottom_step (&t, c, cell, step);
  lw_cairo_set_color (cr, theme->text_dim, 1.0);
  for (guint k = 0; k < C; k++)
    {
      if (k % step != 0 && k % below != 0)
        continue;
      class_name (c, k, buf, sizeof buf);
      if (k % step == 0)
        {
          lw_text_set (&t, buf, LW_FONT_SMALL, FALSE, labels_w);
          lw_text_show (&t, mx - 6.0 * f, my + (k + 0.5) * cell, 1.0, 0.5);
        }
      if (k % below == 0)
        {
          lw_text_set (&t, buf, LW_FONT_SMALL, FALSE,
                       c->class_names != NULL ? MAX (below * cell - 4.0 * f, 1.0) : -1.0);
          lw_text_show (&t, mx + (k + 0.5) * cell, my + C * cell + 4.0 * f, 0.5, 0.0);
        }
    }

  lw_cairo_set_color (cr, theme->text, 1.0);
  lw_text_set (&t, _("predicted class"), LW_FONT_LABEL, FALSE, cell * C);
  lw_text_show (&t, mx + C * cell / 2.0, my + C * cell + 4.0 * f + label_h + 2.0 * f, 0.5, 0.0);
  cairo_save (cr);
  cairo_translate (cr, pad, my + C * cell / 2.0);
  cairo_rotate (cr, -G_PI / 2.0);
  lw_text_set (&t, _("true class"), LW_FONT_LABEL, FALSE, cell * C);
  lw_text_show (&t, 0.0, 0.0, 0.5, 0.0);
  cairo_restore (cr);

out:
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_confusion_draw_func (gconstpointer confusion, cairo_t *cr, double width, double height)
{
  lw_confusion_draw (confusion, cr, width, height);
}
