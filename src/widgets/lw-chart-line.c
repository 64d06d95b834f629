/* lw-chart-line.c: the line chart.
 *
 * Three stages, kept apart: the data's extents (from the model), the
 * scales and ticks that map them onto the plot (from the extents and the
 * size), and the pixels (grid, curves, marks, legend). */
#include "config.h"

#include "lw-chart-line.h"

#include <glib/gi18n-lib.h>
#include "lw-chart-private.h"

#include <string.h>

/* Series' line widths at factor 1; earlier runs are thinner as well as faint. */
#define LINE_WIDTH      1.6
#define LINE_WIDTH_DIM  1.2
#define DASH_ON         6.0
#define DASH_OFF        4.0
#define MAX_MARK_ROWS   3
/* The most of the height shared by legend and plot that the legend may
 * take (half the plot's); one that needs more is drawn compact, or not at
 * all. */
#define LEGEND_MAX_SHARE (1.0 / 3.0)

typedef struct {
  gboolean has_data;
  double x_lo, x_hi;
  double y_lo, y_hi;
} Extents;

typedef struct {
  guint series;
  double x, y;
  double name_width, value_width;
  char value[32];
} LegendEntry;

typedef struct {
  double plot_x, plot_y, plot_w, plot_h;
  LwScale xs, ys;
  guint n_xticks, n_yticks;
  double xticks[LW_MAX_TICKS], yticks[LW_MAX_TICKS];
  double x_step, y_step;
  LwTickFormat y_format;
} Frame;

/* Lines of the text a chart without data shows, before it is ellipsized. */
#define EMPTY_TEXT_MAX_LINES 6

static double
series_alpha (const LwLineSeries *s)
{
  return s->alpha > 0.0 ? MIN (s->alpha, 1.0) : 1.0;
}

/* A faded series is drawn opaque in its colour faded towards the
 * background: the same as transparency over the plain plot, but faded
 * runs that cross cover each other instead of piling up into dark knots,
 * and the rasteriser's spans become plain stores. */
static LwColor
series_color (const LwLineSeries *s)
{
  return lw_color_mix (lw_theme_get ()->background, s->color, series_alpha (s));
}

static gboolean
point_usable (const LwLineChart *chart, double x, float y)
{
  return isfinite (x) && isfinite (y) && (!chart->y_log || y > 0.0f);
}

double
lw_line_series_last_value (const LwLineSeries *series)
{
  g_return_val_if_fail (series != NULL, NAN);

  for (guint i = series->n; i > 0; i--)
    if (isfinite (series->y[i - 1]) && isfinite (series->x[i - 1]))
      return series->y[i - 1];
  return NAN;
}

static double
last_usable (const LwLineChart *chart, const LwLineSeries *series)
{
  for (guint i = series->n; i > 0; i--)
    if (point_usable (chart, series->x[i - 1], series->y[i - 1]))
      return series->y[i - 1];
  return NAN;
}

static void
find_extents (const LwLineChart *chart, Extents *e)
{
  gboolean any_negative_x = FALSE;

  e->has_data = FALSE;
  e->x_lo = e->y_lo = G_MAXDOUBLE;
  e->x_hi = e->y_hi = -G_MAXDOUBLE;

  for (guint s = 0; s < chart->n_series; s++)
    {
      const LwLineSeries *series = &chart->series[s];

      for (guint i = 0; i < series->n; i++)
        {
          double x = series->x[i];
          double y = series->y[i];

          if (!point_usable (chart, x, series->y[i]))
            continue;
          e->has_data = TRUE;
          e->x_lo = MIN (e->x_lo, x);
          e->x_hi = MAX (e->x_hi, x);
          e->y_lo = MIN (e->y_lo, y);
          e->y_hi = MAX (e->y_hi, y);
          any_negative_x |= x < 0.0;
        }
    }
  if (!e->has_data)
    return;

  for (guint m = 0; m < chart->n_marks; m++)
    if (isfinite (chart->marks[m].x))
      e->x_hi = MAX (e->x_hi, chart->marks[m].x);

  /* Curves of samples seen read best from the start of training. */
  if (!any_negative_x)
    e->x_lo = 0.0;
  if (e->x_hi <= e->x_lo)
    e->x_hi = e->x_lo + 1.0;
}

/* The y range and ticks for a plot of the given height. */
static void
y_axis (const LwLineChart *chart, const Extents *e, double plot_h, double f,
        double *lo, double *hi, Frame *frame)
{
  double target = MAX (2.0, plot_h / (44.0 * f));

  frame->y_format = chart->y_log ? LW_TICK_LOG
                  : chart->y_percent ? LW_TICK_PERCENT : LW_TICK_NUMBER;

  if (chart->y_log)
    {
      if (chart->y_fixed && chart->y_min > 0.0 && chart->y_max > chart->y_min)
        {
          *lo = chart->y_min;
          *hi = chart->y_max;
        }
      else
        {
          *lo = pow (10.0, floor (log10 (e->y_lo) + 1e-9));
          *hi = pow (10.0, ceil (log10 (e->y_hi) - 1e-9));
          if (*hi <= *lo)
            *hi = *lo * 10.0;
        }
      frame->y_step = 0.0;
      frame->n_yticks = lw_ticks_log (*lo, *hi, frame->yticks, LW_MAX_TICKS);
      return;
    }

  if (chart->y_fixed && chart->y_max > chart->y_min)
    {
      *lo = chart->y_min;
      *hi = chart->y_max;
      frame->y_step = lw_nice_step (*hi - *lo, target);
    }
  else
    {
      double y_lo = e->y_lo, y_hi = e->y_hi;

      /* A single value sits in the middle of a small range around it. */
      if (y_hi <= y_lo)
        {
          double d = fabs (y_hi) > 0.0 ? fabs (y_hi) * 0.1 : 1.0;

          y_lo -= d;
          y_hi += d;
        }
      frame->y_step = lw_nice_step (y_hi - y_lo, target);
      *lo = floor (y_lo / frame->y_step + 1e-9) * frame->y_step;
      *hi = ceil (y_hi / frame->y_step - 1e-9) * frame->y_step;
      if (*hi <= *lo)
        {
          *lo -= frame->y_step;
          *hi += frame->y_step;
        }
      /* Accuracy never leaves 0..100 %, so neither does its auto range. */
      if (chart->y_percent)
        {
          if (e->y_lo >= 0.0)
            *lo = MAX (*lo, 0.0);
          if (e->y_hi <= 1.0)
            *hi = MIN (*hi, 1.0);
        }
    }
  frame->n_yticks = lw_ticks_linear (*lo, *hi, frame->y_step, frame->yticks, LW_MAX_TICKS);
}

static void
format_value (const LwLineChart *chart, double v, char *buf, gsize size)
{
  if (isnan (v))
    g_strlcpy (buf, "–", size);
  else if (chart->y_percent)
    g_snprintf (buf, size, "%.1f%%", v * 100.0);
  else
    g_snprintf (buf, size, "%.3g", v);
}

/* A legend's sizes at factor 1: full, or compact, where a full one would
 * crowd the plot out of a small chart. */
typedef struct {
  double font, swatch, gap, spacing, row_gap;
} LegendStyle;

static LegendStyle
legend_style (gboolean compact, double f)
{
  if (compact)
    return (LegendStyle) { LW_FONT_SMALL, 10.0 * f, 6.0 * f, 10.0 * f, 1.0 * f };
  return (LegendStyle) { LW_FONT_LABEL, 18.0 * f, 6.0 * f, 18.0 * f, 4.0 * f };
}

/* Lays the legend out in rows under the title; returns its height. */
static double
layout_legend (const LwLineChart *chart, LwText *t, double f, gboolean compact, double left,
               double top, double max_width, LegendEntry *entries, guint *n_entries)
{
  LegendStyle st = legend_style (compact, f);
  double swatch = st.swatch, gap = st.gap, spacing = st.spacing;
  double row_h = 0.0, x = left, y = top;
  guint n = 0;

  for (guint s = 0; s < chart->n_series; s++)
    {
      const LwLineSeries *series = &chart->series[s];
      LegendEntry *e;
      double w, h;

      if (series->name == NULL)
        continue;
      e = &entries[n++];
      e->series = s;
      format_value (chart, last_usable (chart, series), e->value, sizeof e->value);

      lw_text_set (t, series->name, st.font, FALSE, -1);
      lw_text_extent (t, &e->name_width, &h);
      lw_text_set (t, e->value, st.font, TRUE, -1);
      lw_text_extent (t, &e->value_width, NULL);
      row_h = MAX (row_h, h);

      w = swatch + gap + e->name_width + 0.5 * gap + e->value_width;
      if (x > left && x + w > left + max_width)
        {
          x = left;
          y += row_h + st.row_gap;
        }
      e->x = x;
      e->y = y;
      x += w + spacing;
    }
  *n_entries = n;
  return n > 0 ? y - top + row_h : 0.0;
}

static void
draw_legend (const LwLineChart *chart, LwText *t, double f, gboolean compact,
             const LegendEntry *entries, guint n_entries)
{
  const LwTheme *theme = lw_theme_get ();
  LegendStyle st = legend_style (compact, f);
  double swatch = st.swatch, gap = st.gap;

  for (guint i = 0; i < n_entries; i++)
    {
      const LegendEntry *e = &entries[i];
      const LwLineSeries *series = &chart->series[e->series];
      double h;

      lw_text_set (t, series->name, st.font, FALSE, -1);
      lw_text_extent (t, NULL, &h);

      cairo_save (t->cr);
      cairo_set_line_width (t->cr, 2.5 * f);
      cairo_set_line_cap (t->cr, CAIRO_LINE_CAP_BUTT);
      if (series->dashed)
        {
          double dashes[] = { 4.0 * f, 2.5 * f };
          cairo_set_dash (t->cr, dashes, 2, 0.0);
        }
      lw_cairo_set_color (t->cr, series_color (series), 1.0);
      cairo_move_to (t->cr, e->x, e->y + h / 2.0);
      cairo_line_to (t->cr, e->x + swatch, e->y + h / 2.0);
      cairo_stroke (t->cr);
      cairo_restore (t->cr);

      lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
      lw_text_show (t, e->x + swatch + gap, e->y, 0.0, 0.0);
      lw_text_set (t, e->value, st.font, TRUE, -1);
      lw_cairo_set_color (t->cr, theme->text, 1.0);
      lw_text_show (t, e->x + swatch + gap + e->name_width + 0.5 * gap, e->y, 0.0, 0.0);
    }
}

/* A one-pixel line centred on a pixel row or column, for crisp grids. */
static double
crisp (double v)
{
  return floor (v) + 0.5;
}

static void
draw_grid_and_axes (const LwLineChart *chart, LwText *t, double f, const Frame *fr,
                    double chart_width)
{
  const LwTheme *theme = lw_theme_get ();
  double bottom = fr->plot_y + fr->plot_h;
  char buf[32];

  cairo_save (t->cr);
  cairo_set_line_width (t->cr, 1.0);
  lw_cairo_set_color (t->cr, theme->grid, 1.0);
  for (guint i = 0; i < fr->n_yticks; i++)
    {
      double y = crisp (lw_scale_map (&fr->ys, fr->yticks[i]));

      cairo_move_to (t->cr, fr->plot_x, y);
      cairo_line_to (t->cr, fr->plot_x + fr->plot_w, y);
    }
  for (guint i = 0; i < fr->n_xticks; i++)
    {
      double x = crisp (lw_scale_map (&fr->xs, fr->xticks[i]));

      cairo_move_to (t->cr, x, fr->plot_y);
      cairo_line_to (t->cr, x, bottom);
    }
  cairo_stroke (t->cr);

  lw_cairo_set_color (t->cr, theme->axis, 1.0);
  cairo_move_to (t->cr, fr->plot_x, crisp (bottom));
  cairo_line_to (t->cr, fr->plot_x + fr->plot_w, crisp (bottom));
  for (guint i = 0; i < fr->n_xticks; i++)
    {
      double x = crisp (lw_scale_map (&fr->xs, fr->xticks[i]));

      cairo_move_to (t->cr, x, crisp (bottom));
      cairo_line_to (t->cr, x, crisp (bottom) + 4.0 * f);
    }
  cairo_stroke (t->cr);
  cairo_restore (t->cr);

  lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
  for (guint i = 0; i < fr->n_yticks; i++)
    {
      lw_format_tick (buf, sizeof buf, fr->yticks[i], fr->y_step, fr->y_format);
      lw_text_set (t, buf, LW_FONT_TICK, FALSE, -1);
      lw_text_show (t, fr->plot_x - 8.0 * f, lw_scale_map (&fr->ys, fr->yticks[i]), 1.0, 0.5);
    }
  for (guint i = 0; i < fr->n_xticks; i++)
    {
      double x = lw_scale_map (&fr->xs, fr->xticks[i]);
      double w;

      lw_format_tick (buf, sizeof buf, fr->xticks[i], fr->x_step, LW_TICK_SI);
      lw_text_set (t, buf, LW_FONT_TICK, FALSE, -1);
      lw_text_extent (t, &w, NULL);
      /* Keep the last label inside the chart rather than centred on its tick. */
      x = MIN (x, chart_width - LW_PAD * f - w / 2.0);
      lw_text_show (t, x, bottom + 6.0 * f, 0.5, 0.0);
    }
}

static void
draw_mark_lines (const LwLineChart *chart, const Frame *fr, double f, cairo_t *cr)
{
  cairo_save (cr);
  cairo_set_line_width (cr, MAX (1.0, f));
  for (guint m = 0; m < chart->n_marks; m++)
    {
      const LwLineMark *mark = &chart->marks[m];
      double x;

      if (!isfinite (mark->x) || mark->x < fr->xs.d0 || mark->x > fr->xs.d1)
        continue;
      x = crisp (lw_scale_map (&fr->xs, mark->x));
      lw_cairo_set_color (cr, lw_color_mark (mark->kind), 0.55);
      cairo_move_to (cr, x, fr->plot_y);
      cairo_line_to (cr, x, fr->plot_y + fr->plot_h);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

/* Where a mark's label of width w (padding included) starts: right of
 * its line, on the left of it near the plot's right edge, and never out
 * of the plot, whose right edge would clip it. */
static double
mark_label_x (const Frame *fr, double x, double w)
{
  double right = fr->plot_x + fr->plot_w;
  double lx = x + 1.0;

  if (lx + w > right)
    lx = x - 1.0 - w;
  return CLAMP (lx, fr->plot_x + 1.0, MAX (right - w, fr->plot_x + 1.0));
}

/* Labels at the top of the marks, stacked in a few rows where they would
 * collide. */
static void
draw_mark_labels (const LwLineChart *chart, LwText *t, double f, const Frame *fr)
{
  double row_end[MAX_MARK_ROWS];
  double pad = 3.0 * f;

  for (guint r = 0; r < MAX_MARK_ROWS; r++)
    row_end[r] = -G_MAXDOUBLE;

  for (guint m = 0; m < chart->n_marks; m++)
    {
      const LwLineMark *mark = &chart->marks[m];
      double x, w, h, lx, ly;
      guint row = 0;

      if (mark->label == NULL || mark->label[0] == '\0' || !isfinite (mark->x) ||
          mark->x < fr->xs.d0 || mark->x > fr->xs.d1)
        continue;
      x = crisp (lw_scale_map (&fr->xs, mark->x));
      /* A label wider than the plot is cut to it. */
      lw_text_set (t, mark->label, LW_FONT_SMALL, FALSE, MAX (fr->plot_w - 2.0 * pad - 2.0, 1.0));
      lw_text_extent (t, &w, &h);
      lx = mark_label_x (fr, x, w + 2.0 * pad);
      while (row < MAX_MARK_ROWS && lx < row_end[row] + 2.0 * f)
        row++;
      if (row == MAX_MARK_ROWS)
        continue;
      row_end[row] = lx + w + 2.0 * pad;
      ly = fr->plot_y + 2.0 * f + row * (h + 3.0 * f);

      cairo_rectangle (t->cr, lx, ly, w + 2.0 * pad, h);
      lw_cairo_set_color (t->cr, lw_theme_get ()->background, 0.85);
      cairo_fill (t->cr);
      lw_cairo_set_color (t->cr, lw_color_mark (mark->kind), 1.0);
      lw_text_show (t, lx + pad, ly, 0.0, 0.0);
    }
}

static void
draw_series_raster (const LwLineChart *chart, cairo_t *cr, const Frame *fr, double f,
                    double sx, double sy, double ox, double oy)
{
  double margin = 4.0 * f;
  double left = floor ((fr->plot_x - margin) * sx + ox + 0.5);
  double top = floor ((fr->plot_y - margin) * sy + oy + 0.5);
  double right = floor ((fr->plot_x + fr->plot_w + margin) * sx + ox + 0.5);
  double bottom = floor ((fr->plot_y + fr->plot_h + margin) * sy + oy + 0.5);
  guint max_n = 0;
  g_autoptr(LwRaster) raster = NULL;
  g_autofree double *px = NULL;
  g_autofree double *py = NULL;
  cairo_surface_t *layer;

  if (right <= left || bottom <= top)
    return;
  for (guint s = 0; s < chart->n_series; s++)
    max_n = MAX (max_n, chart->series[s].n);
  raster = lw_raster_new ((int) (right - left), (int) (bottom - top));
  px = g_new (double, MAX (max_n, 1));
  py = g_new (double, MAX (max_n, 1));

  for (guint pass = 0; pass < 2; pass++)
    for (guint s = 0; s < chart->n_series; s++)
      {
        const LwLineSeries *series = &chart->series[s];
        double alpha = series_alpha (series);
        gboolean dim = alpha < 1.0;
        double lw = (dim ? LINE_WIDTH_DIM : LINE_WIDTH) * f * sy;

        if (dim != (pass == 0))
          continue;
        for (guint i = 0; i < series->n; i++)
          {
            if (point_usable (chart, series->x[i], series->y[i]))
              {
                px[i] = lw_scale_map (&fr->xs, series->x[i]) * sx + ox - left;
                py[i] = lw_scale_map (&fr->ys, series->y[i]) * sy + oy - top;
              }
            else
              px[i] = py[i] = NAN;
          }
        lw_raster_polyline (raster, px, py, series->n, series_color (series), 1.0, lw,
                            series->dashed ? DASH_ON * f * sx : 0.0,
                            series->dashed ? DASH_OFF * f * sx : 0.0);
      }

  layer = lw_raster_get_surface (raster);
  cairo_surface_set_device_scale (layer, sx, sy);
  cairo_save (cr);
  cairo_set_source_surface (cr, layer, (left - ox) / sx, (top - oy) / sy);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

/* Vector curves for SVG and PDF, where the file should hold real paths. */
static void
draw_series_vector (const LwLineChart *chart, cairo_t *cr, const Frame *fr, double f)
{
  double margin = 4.0 * f;

  cairo_save (cr);
  cairo_rectangle (cr, fr->plot_x - margin, fr->plot_y - margin,
                   fr->plot_w + 2.0 * margin, fr->plot_h + 2.0 * margin);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint pass = 0; pass < 2; pass++)
    for (guint s = 0; s < chart->n_series; s++)
      {
        const LwLineSeries *series = &chart->series[s];
        double alpha = series_alpha (series);
        gboolean dim = alpha < 1.0;
        double lw = (dim ? LINE_WIDTH_DIM : LINE_WIDTH) * f;
        gboolean pen_down = FALSE;

        if (dim != (pass == 0))
          continue;
        cairo_new_path (cr);
        for (guint i = 0; i < series->n; i++)
          {
            gboolean usable = point_usable (chart, series->x[i], series->y[i]);
            gboolean next = i + 1 < series->n &&
                            point_usable (chart, series->x[i + 1], series->y[i + 1]);
            double x, y;

            if (!usable)
              {
                pen_down = FALSE;
                continue;
              }
            x = lw_scale_map (&fr->xs, series->x[i]);
            y = lw_scale_map (&fr->ys, series->y[i]);
            if (pen_down)
              cairo_line_to (cr, x, y);
            else if (next)
              cairo_move_to (cr, x, y);
            else
              {
                cairo_new_sub_path (cr);
                cairo_arc (cr, x, y, lw * 0.8, 0, 2 * G_PI);
                cairo_new_sub_path (cr);
              }
            pen_down = next;
          }
        lw_cairo_set_color (cr, series_color (series), 1.0);
        cairo_set_line_width (cr, lw);
        if (series->dashed)
          {
            double dashes[] = { DASH_ON * f, DASH_OFF * f };
            cairo_set_dash (cr, dashes, 2, 0.0);
          }
        else
          cairo_set_dash (cr, NULL, 0, 0.0);
        cairo_stroke (cr);
      }
  cairo_restore (cr);
}

static void
draw_empty (const LwLineChart *chart, LwText *t, double f, double x, double y,
            double w, double h)
{
  const LwTheme *theme = lw_theme_get ();
  double text_h;

  cairo_save (t->cr);
  cairo_set_line_width (t->cr, 1.0);
  lw_cairo_set_color (t->cr, theme->axis, 1.0);
  cairo_move_to (t->cr, x, crisp (y + h));
  cairo_line_to (t->cr, x + w, crisp (y + h));
  cairo_stroke (t->cr);
  cairo_restore (t->cr);

  lw_text_set (t, chart->empty_text != NULL ? chart->empty_text : _("No data yet"),
               LW_FONT_LABEL, FALSE, w);
  /* What went wrong and what to do takes a few lines, centred. */
  pango_layout_set_height (t->layout, -EMPTY_TEXT_MAX_LINES);
  pango_layout_set_alignment (t->layout, PANGO_ALIGN_CENTER);
  lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
  /* Centred within the layout's width w, which starts at x. */
  lw_text_extent (t, NULL, &text_h);
  cairo_move_to (t->cr, x, y + (h - text_h) / 2.0);
  pango_cairo_show_layout (t->cr, t->layout);
  pango_layout_set_height (t->layout, -1);
  pango_layout_set_alignment (t->layout, PANGO_ALIGN_LEFT);
}

typedef struct {
  double f, pad;
  double title_h;
  LegendEntry *entries;
  guint n_entries;
  gboolean compact_legend;
  char *y_label;
  double y_label_top;
  double top, bottom, right;
  gboolean fits;               /* room for a plot at all */
  Extents ext;
  Frame fr;                    /* set when fits and ext.has_data */
} Layout;

static void
layout_clear (Layout *l)
{
  g_clear_pointer (&l->entries, g_free);
  g_clear_pointer (&l->y_label, g_free);
}

/* The legend as it fits over a plot that keeps most of the room they
 * share (room): full, compact, or none; the values stay in the views'
 * accessible descriptions. Returns its height, spacing included. */
static double
fit_legend (const LwLineChart *chart, LwText *t, Layout *l, double top, double width,
            double room)
{
  for (int compact = 0; compact <= 1; compact++)
    {
      double h = layout_legend (chart, t, l->f, compact, l->pad, top, width,
                                l->entries, &l->n_entries);

      if (l->n_entries == 0)
        return 0.0;
      h += 8.0 * l->f;
      if (h <= LEGEND_MAX_SHARE * room)
        {
          l->compact_legend = compact;
          return h;
        }
    }
  l->n_entries = 0;
  return 0.0;
}

/* Everything but pixels: where the parts go, and the scales. */
static void
layout_chart (const LwLineChart *chart, LwText *t, double width, double height, Layout *l)
{
  double f = lw_chart_factor (chart->scale);
  double pad = LW_PAD * f, top = pad, tick_h, x_label_h = 0.0, y_label_h = 0.0;
  double y_lo, y_hi, label_w = 0.0;
  Frame *fr = &l->fr;
  char buf[32];

  memset (l, 0, sizeof *l);
  l->f = f;
  l->pad = pad;

  if (chart->title != NULL)
    {
      lw_text_set_title (t, chart->title, chart->short_title, LW_FONT_TITLE, width - 2.0 * pad);
      lw_text_extent (t, NULL, &l->title_h);
      top += l->title_h + 6.0 * f;
    }

  if (chart->y_label != NULL)
    {
      l->y_label = chart->y_unit != NULL
                 ? g_strdup_printf ("%s (%s)", chart->y_label, chart->y_unit)
                 : g_strdup (chart->y_label);
      lw_text_set (t, l->y_label, LW_FONT_TICK, FALSE, width - 2.0 * pad);
      lw_text_extent (t, NULL, &y_label_h);
      y_label_h += 6.0 * f;
    }

  lw_text_set (t, "0", LW_FONT_TICK, FALSE, -1);
  lw_text_extent (t, NULL, &tick_h);
  if (chart->x_label != NULL)
    {
      lw_text_set (t, chart->x_label, LW_FONT_LABEL, FALSE, -1);
      lw_text_extent (t, NULL, &x_label_h);
      x_label_h += 4.0 * f;
    }
  l->bottom = height - pad - x_label_h - tick_h - 6.0 * f;

  l->entries = g_new0 (LegendEntry, MAX (chart->n_series, 1));
  top += fit_legend (chart, t, l, top, width - 2.0 * pad, l->bottom - top - y_label_h);
  l->y_label_top = top;
  l->top = top + y_label_h;
  l->right = width - pad - 8.0 * f;
  l->fits = l->bottom - l->top >= 8.0 * f && l->right - pad >= 16.0 * f;

  find_extents (chart, &l->ext);
  if (!l->fits || !l->ext.has_data)
    return;

  /* y first, since its tick labels set the plot's left edge. */
  y_axis (chart, &l->ext, l->bottom - l->top, f, &y_lo, &y_hi, fr);
  for (guint i = 0; i < fr->n_yticks; i++)
    {
      double w;

      lw_format_tick (buf, sizeof buf, fr->yticks[i], fr->y_step, fr->y_format);
      lw_text_set (t, buf, LW_FONT_TICK, FALSE, -1);
      lw_text_extent (t, &w, NULL);
      label_w = MAX (label_w, w);
    }
  fr->plot_x = pad + label_w + 8.0 * f;
  fr->plot_y = l->top;
  fr->plot_w = l->right - fr->plot_x;
  fr->plot_h = l->bottom - l->top;
  if (fr->plot_w < 16.0 * f)
    {
      l->fits = FALSE;
      return;
    }
  lw_scale_init (&fr->ys, y_lo, y_hi, fr->plot_y + fr->plot_h, fr->plot_y, chart->y_log);
  lw_scale_init (&fr->xs, l->ext.x_lo, l->ext.x_hi, fr->plot_x, fr->plot_x + fr->plot_w, FALSE);
  fr->x_step = lw_nice_step (l->ext.x_hi - l->ext.x_lo, MAX (2.0, fr->plot_w / (90.0 * f)));
  fr->n_xticks = lw_ticks_linear (l->ext.x_lo, l->ext.x_hi, fr->x_step, fr->xticks, LW_MAX_TICKS);
}

gboolean
lw_line_chart_get_area (const LwLineChart *chart, cairo_t *cr, double width, double height,
                        LwLineChartArea *area)
{
  Layout l;
  LwText t;
  gboolean ok;

  g_return_val_if_fail (chart != NULL, FALSE);
  g_return_val_if_fail (cr != NULL, FALSE);
  g_return_val_if_fail (area != NULL, FALSE);

  lw_text_begin (&t, cr, lw_chart_factor (chart->scale));
  layout_chart (chart, &t, width, height, &l);
  ok = l.fits && l.ext.has_data;
  if (ok)
    *area = (LwLineChartArea) {
      .x = l.fr.plot_x, .y = l.fr.plot_y, .width = l.fr.plot_w, .height = l.fr.plot_h,
      .x_min = l.fr.xs.d0, .x_max = l.fr.xs.d1,
      .y_min = l.fr.ys.d0, .y_max = l.fr.ys.d1,
      .y_log = l.fr.ys.log,
    };
  layout_clear (&l);
  lw_text_end (&t);
  return ok;
}

void
lw_line_chart_draw (const LwLineChart *chart, cairo_t *cr, double width, double height)
{
  const LwTheme *theme = lw_theme_get ();
  double sx, sy, ox, oy, plot_x;
  Layout l;
  LwText t;

  g_return_if_fail (chart != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (chart->n_series == 0 || chart->series != NULL);
  g_return_if_fail (chart->n_marks == 0 || chart->marks != NULL);

  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, lw_chart_factor (chart->scale));
  layout_chart (chart, &t, width, height, &l);

  if (chart->title != NULL)
    {
      lw_text_set_title (&t, chart->title, chart->short_title, LW_FONT_TITLE,
                         width - 2.0 * l.pad);
      lw_cairo_set_color (cr, theme->text, 1.0);
      lw_text_show (&t, l.pad, l.pad, 0.0, 0.0);
    }
  draw_legend (chart, &t, l.f, l.compact_legend, l.entries, l.n_entries);
  if (l.y_label != NULL)
    {
      lw_text_set (&t, l.y_label, LW_FONT_TICK, FALSE, width - 2.0 * l.pad);
      lw_cairo_set_color (cr, theme->text_dim, 1.0);
      lw_text_show (&t, l.pad, l.y_label_top, 0.0, 0.0);
    }
  if (!l.fits)
    goto out;

  if (l.ext.has_data)
    {
      draw_grid_and_axes (chart, &t, l.f, &l.fr, width);
      draw_mark_lines (chart, &l.fr, l.f, cr);
      if (!lw_chart_target_is_vector (cr) && lw_chart_pixel_transform (cr, &sx, &sy, &ox, &oy))
        draw_series_raster (chart, cr, &l.fr, l.f, sx, sy, ox, oy);
      else
        draw_series_vector (chart, cr, &l.fr, l.f);
      draw_mark_labels (chart, &t, l.f, &l.fr);
      plot_x = l.fr.plot_x;
    }
  else
    {
      draw_empty (chart, &t, l.f, l.pad, l.top, l.right - l.pad, l.bottom - l.top);
      plot_x = l.pad;
    }

  if (chart->x_label != NULL)
    {
      lw_text_set (&t, chart->x_label, LW_FONT_LABEL, FALSE, l.right - plot_x);
      lw_cairo_set_color (cr, theme->text_dim, 1.0);
      lw_text_show (&t, (plot_x + l.right) / 2.0, height - l.pad, 0.5, 1.0);
    }

out:
  layout_clear (&l);
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_line_chart_draw_func (gconstpointer chart, cairo_t *cr, double width, double height)
{
  lw_line_chart_draw (chart, cr, width, height);
}
