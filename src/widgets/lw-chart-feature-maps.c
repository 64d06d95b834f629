/* lw-chart-feature-maps.c: feature maps, block by block. The values turn
 * into one atlas image per data change (each group's maps in a square
 * block of tiles, a strip for a fully connected group, groups one below
 * the other); a frame only copies regions of it, scaled, into place. */
#include "config.h"

#include "lw-chart-feature-maps.h"

#include <glib/gi18n-lib.h>
#include "lw-chart-private.h"

/* Cells per strip row of a fully connected group: wide ones wrap. */
#define STRIP_MAX_CELLS 256
/* Maps are scaled so that this share of a group's values saturates. */
#define ROBUST_TAIL 0.01
#define ROBUST_BINS 256
/* A group's name and two lines of detail, at presentation factor 1. */
#define LABEL_HEIGHT ((LW_FONT_LABEL + 2.0 * LW_FONT_SMALL) * 1.4)

/* Maps, or (no shape, or one that does not match the values) a strip. */
static gboolean
is_maps (const LwFeatureGroup *g)
{
  return g->channels > 0 && g->height > 0 && g->width > 0
         && (guint64) g->channels * g->height * g->width == g->units;
}

guint
lw_feature_maps_n_shown (const LwFeatureMaps *m, guint g)
{
  guint channels;

  g_return_val_if_fail (m != NULL && g < m->n_groups, 0);
  channels = is_maps (&m->groups[g]) ? m->groups[g].channels : 0;
  return m->max_maps > 0 ? MIN (channels, m->max_maps) : channels;
}

guint
lw_feature_maps_tile_map (const LwFeatureMaps *m, guint g, guint k)
{
  guint n = lw_feature_maps_n_shown (m, g);

  g_return_val_if_fail (k < n, 0);
  return (guint) ((guint64) k * m->groups[g].channels / n);
}

/* A group's place in the atlas: cols x rows cells of cell_w x cell_h
 * pixels (a map and a one-pixel gap, or one strip cell). */
static void
group_cells (const LwFeatureMaps *m, guint g, guint *cols, guint *rows, guint *cell_w,
             guint *cell_h)
{
  const LwFeatureGroup *fg = &m->groups[g];

  if (is_maps (fg))
    {
      guint n = lw_feature_maps_n_shown (m, g);

      *cols = MAX (1, (guint) ceil (sqrt ((double) n)));
      *rows = MAX (1, (n + *cols - 1) / *cols);
      *cell_w = fg->width + 1;
      *cell_h = fg->height + 1;
    }
  else
    {
      *rows = MAX (1, (fg->units + STRIP_MAX_CELLS - 1) / STRIP_MAX_CELLS);
      *cols = MAX (1, (fg->units + *rows - 1) / *rows);
      *cell_w = *cell_h = 1;
    }
}

/* The scale of lw_activation_scale, but from the value that only the top
 * ROBUST_TAIL of the magnitudes exceed (read off a histogram): a few hot
 * pixels would otherwise leave every map pale. */
static double
robust_scale (const float *v, gsize n, float *lo)
{
  guint hist[ROBUST_BINS] = { 0 };
  double inv = lw_activation_scale (v, n, lo), top;
  gsize above = 0, allowed = (gsize) (ROBUST_TAIL * n);

  if (inv <= 0.0)
    return inv;
  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      hist[MIN ((guint) (fabsf (v[i]) * inv * ROBUST_BINS), ROBUST_BINS - 1)]++;
  for (guint b = ROBUST_BINS; b-- > 1;)
    {
      above += hist[b];
      if (above > allowed)
        {
          top = (double) (b + 1) / ROBUST_BINS;
          return inv / top;
        }
    }
  return inv * ROBUST_BINS;
}

static cairo_surface_t *
build_atlas (gconstpointer data)
{
  const LwFeatureMaps *m = data;
  guint32 *pixels, empty = lw_color_to_pixel ((LwColor) { 0.95, 0.95, 0.95 });
  guint atlas_w = 1, atlas_h = 0, y0 = 0;
  cairo_surface_t *atlas;
  int stride;

  for (guint g = 0; g < m->n_groups; g++)
    {
      guint cols, rows, cw, ch;

      group_cells (m, g, &cols, &rows, &cw, &ch);
      atlas_w = MAX (atlas_w, cols * cw);
      atlas_h += rows * ch + 1;
    }
  atlas = lw_image_new ((int) atlas_w, (int) atlas_h, &pixels, &stride);

  for (guint g = 0; g < m->n_groups; g++)
    {
      const LwFeatureGroup *fg = &m->groups[g];
      LwColor layer = lw_color_layer (g);
      guint cols, rows, cw, ch;
      float lo;
      double inv = is_maps (fg) ? robust_scale (fg->values, fg->units, &lo)
                                : lw_activation_scale (fg->values, fg->units, &lo);

      group_cells (m, g, &cols, &rows, &cw, &ch);
      if (is_maps (fg))
        {
          gsize plane = (gsize) fg->height * fg->width;

          for (guint k = 0; k < lw_feature_maps_n_shown (m, g); k++)
            {
              const float *map = fg->values + lw_feature_maps_tile_map (m, g, k) * plane;
              guint ox = (k % cols) * cw, oy = y0 + (k / cols) * ch;

              for (guint y = 0; y < fg->height; y++)
                for (guint x = 0; x < fg->width; x++)
                  pixels[(gsize) (oy + y) * stride + ox + x] =
                    lw_activation_pixel (map[(gsize) y * fg->width + x], inv, lo < 0.0f, layer);
            }
        }
      else
        for (guint i = 0; i < cols * rows; i++)
          pixels[(gsize) (y0 + i / cols) * stride + i % cols] =
            i < fg->units ? lw_activation_pixel (fg->values[i], inv, lo < 0.0f, layer) : empty;
      y0 += rows * ch + 1;
    }
  cairo_surface_mark_dirty (atlas);
  return atlas;
}

static void
group_detail (const LwFeatureMaps *m, guint g, char *buf, gsize size)
{
  const LwFeatureGroup *fg = &m->groups[g];
  guint n = is_maps (fg) ? lw_feature_maps_n_shown (m, g) : 0;

  if (!is_maps (fg))
    g_snprintf (buf, size, g_dngettext (GETTEXT_PACKAGE, "%u unit", "%u units", fg->units), fg->units);
  else if (n < fg->channels)
    g_snprintf (buf, size, _("%u of %u maps %u×%u"), n, fg->channels, fg->height, fg->width);
  else
    g_snprintf (buf, size, g_dngettext (GETTEXT_PACKAGE, "%u map %u×%u", "%u maps %u×%u", fg->channels), fg->channels, fg->height, fg->width);
}

static double
active_share (const LwFeatureGroup *fg)
{
  guint active = 0;

  for (guint i = 0; i < fg->units; i++)
    active += fg->values[i] > 0.0f;
  return fg->units > 0 ? 100.0 * active / fg->units : 0.0;
}

/* The group's name and what it shows, centred on the band at the left;
 * only the name when the band is short. */
static void
draw_label (LwText *t, const LwFeatureMaps *m, guint g, double x, double y, double label_w,
            double band_h)
{
  const LwTheme *theme = lw_theme_get ();
  double name_h, small_h, f = t->factor, top;
  gboolean details;
  char detail[64], active[32];

  group_detail (m, g, detail, sizeof detail);
  g_snprintf (active, sizeof active, _("%.0f%% active"), active_share (&m->groups[g]));
  lw_text_set (t, m->groups[g].name != NULL ? m->groups[g].name : "", LW_FONT_LABEL, TRUE,
               label_w);
  lw_text_extent (t, NULL, &name_h);
  small_h = LW_FONT_SMALL * 1.4 * f;
  details = band_h >= name_h + 2.0 * small_h;
  top = y + (band_h - (details ? name_h + 2.0 * small_h : name_h)) / 2.0;

  lw_cairo_set_color (t->cr, lw_color_layer (g), 1.0);
  lw_text_show (t, x, top, 0.0, 0.0);
  if (!details)
    return;
  lw_cairo_set_color (t->cr, theme->text_dim, 1.0);
  lw_text_set (t, detail, LW_FONT_SMALL, FALSE, label_w);
  lw_text_show (t, x, top + name_h, 0.0, 0.0);
  lw_text_set (t, active, LW_FONT_SMALL, FALSE, label_w);
  lw_text_show (t, x, top + name_h + small_h, 0.0, 0.0);
}

static double
tile_gap (double f)
{
  return MAX (1.0, floor (2.0 * f));
}

/* Rounds a rectangle to whole device pixels. */
static void
snap_rect (cairo_rectangle_t *r, double sx, double sy, double ox, double oy)
{
  double x1 = round ((r->x + r->width) * sx + ox), y1 = round ((r->y + r->height) * sy + oy);
  double x0 = round (r->x * sx + ox), y0 = round (r->y * sy + oy);

  r->x = (x0 - ox) / sx;
  r->y = (y0 - oy) / sy;
  r->width = (x1 - x0) / sx;
  r->height = (y1 - y0) / sy;
}

static void
draw_group_maps (cairo_t *cr, const LwFeatureMaps *m, guint g, cairo_surface_t *display,
                 int factor, double atlas_y, double x0, double y0, double area_w, double band_h,
                 double f, gboolean snap, double sx, double sy, double ox, double oy)
{
  const LwFeatureGroup *fg = &m->groups[g];
  guint n = lw_feature_maps_n_shown (m, g), cols, acols, arows, cw, ch;
  double gap = tile_gap (f), s, tile_w, tile_h, grid_h, line;
  g_autofree cairo_rectangle_t *rects = g_new (cairo_rectangle_t, n);

  s = lw_tile_layout (n, fg->width, fg->height, area_w, band_h, gap, &cols);
  if (s <= 0.0)
    return;
  if (snap)
    {
      /* Whole pixels per map pixel, when that costs little of the size. */
      double whole = floor (s * MIN (sx, sy));

      if (whole >= 1.0 && whole >= 0.8 * s * MIN (sx, sy))
        s = whole / MIN (sx, sy);
    }
  tile_w = fg->width * s;
  tile_h = fg->height * s;
  grid_h = ((n + cols - 1) / cols) * (tile_h + gap) - gap;
  y0 += MAX (0.0, (band_h - grid_h) / 2.0);

  group_cells (m, g, &acols, &arows, &cw, &ch);
  for (guint k = 0; k < n; k++)
    {
      cairo_rectangle_t *r = &rects[k];

      *r = (cairo_rectangle_t) {
        x0 + (k % cols) * (tile_w + gap), y0 + (k / cols) * (tile_h + gap), tile_w, tile_h
      };
      if (snap)
        snap_rect (r, sx, sy, ox, oy);
      lw_chart_paint_region (cr, display, factor, FALSE, (k % acols) * (double) cw,
                             atlas_y + (k / acols) * (double) ch, fg->width, fg->height,
                             r->x, r->y, r->width, r->height);
    }

  /* A hairline frame: a silent map is as white as the background. */
  line = snap ? 1.0 / sx : 0.75;
  cairo_set_line_width (cr, line);
  for (guint k = 0; k < n; k++)
    cairo_rectangle (cr, rects[k].x - line / 2.0, rects[k].y - line / 2.0,
                     rects[k].width + line, rects[k].height + line);
  lw_cairo_set_color (cr, lw_theme_get ()->frame, 1.0);
  cairo_stroke (cr);
}

/* Height of group g's maps, in rows of as many as fit in area_w, at a
 * size of t: tiles t * sqrt (map height) high, so the larger maps of the
 * first blocks get more room and pooling shows as tiles shrinking down
 * the blocks, less than the maps do. */
static double
maps_height (const LwFeatureMaps *m, guint g, double t, double area_w, double gap)
{
  const LwFeatureGroup *fg = &m->groups[g];
  double tile_h = t * sqrt ((double) fg->height), tile_w = tile_h * fg->width / fg->height;
  guint n = lw_feature_maps_n_shown (m, g);
  guint cols = MAX (1, (guint) floor ((area_w + gap) / (tile_w + gap)));

  return ((n + cols - 1) / cols) * (tile_h + gap) - gap;
}

/* Bands of the map groups: the largest size at which every group's maps
 * fit into avail together (each band at least min_h, for its label), the
 * rest shared out evenly. */
static void
map_bands (const LwFeatureMaps *m, double area_w, double avail, double min_h, double gap,
           double *band_h)
{
  double lo = 0.0, hi = avail, used = 0.0;
  guint n_maps = 0;

  for (int i = 0; i < 40; i++)
    {
      double t = (lo + hi) / 2.0, total = 0.0;

      for (guint g = 0; g < m->n_groups; g++)
        if (is_maps (&m->groups[g]))
          total += MAX (maps_height (m, g, t, area_w, gap), min_h);
      if (total <= avail)
        lo = t;
      else
        hi = t;
    }
  for (guint g = 0; g < m->n_groups; g++)
    if (is_maps (&m->groups[g]))
      {
        band_h[g] = MAX (maps_height (m, g, lo, area_w, gap), min_h);
        used += band_h[g];
        n_maps++;
      }
  for (guint g = 0; g < m->n_groups; g++)
    if (is_maps (&m->groups[g]))
      band_h[g] += MAX (0.0, avail - used) / n_maps;
}

void
lw_feature_maps_draw (const LwFeatureMaps *m, cairo_t *cr, double width, double height)
{
  double f, pad, top, gap, label_w = 0.0, area_x, area_w, avail, strip_h, y;
  g_autofree double *band_h = NULL;
  double sx = 1.0, sy = 1.0, ox = 0.0, oy = 0.0, atlas_y = 0.0, max_zoom = 1.0;
  guint n_maps = 0, n_strips;
  guint64 params = 0;
  cairo_surface_t *atlas, *display;
  gboolean snap;
  int factor;
  LwText t;

  g_return_if_fail (m != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (m->n_groups == 0 || m->groups != NULL);

  f = lw_chart_factor (m->scale);
  pad = LW_PAD * f;

  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, f);
  top = lw_chart_title_row (&t, f, width, m->title, m->short_title, NULL);
  for (guint g = 0; g < m->n_groups; g++)
    if (m->groups[g].units > 0 && m->groups[g].values == NULL)
      goto out;
  if (m->n_groups == 0)
    goto out;

  for (guint g = 0; g < m->n_groups; g++)
    {
      const LwFeatureGroup *fg = &m->groups[g];
      char detail[64];
      double w;

      lw_text_set (&t, fg->name != NULL ? fg->name : "", LW_FONT_LABEL, TRUE, -1);
      lw_text_extent (&t, &w, NULL);
      label_w = MAX (label_w, w);
      group_detail (m, g, detail, sizeof detail);
      lw_text_set (&t, detail, LW_FONT_SMALL, FALSE, -1);
      lw_text_extent (&t, &w, NULL);
      label_w = MAX (label_w, w);
      n_maps += is_maps (fg);
      params = params * 1000003u + ((guint64) fg->channels << 40 ^ (guint64) fg->height << 20
                                    ^ fg->width ^ (guint64) fg->units << 8);
    }
  params = params * 1000003u + m->max_maps;
  n_strips = m->n_groups - n_maps;
  label_w = MIN (label_w, 0.3 * width);
  area_x = pad + label_w + 10.0 * f;
  area_w = width - pad - area_x;
  gap = 10.0 * f;
  avail = height - top - pad - (m->n_groups - 1) * gap;
  if (area_w <= 0.0 || avail <= 0.0)
    goto out;
  /* A strip reads at any height; the maps take what is left. */
  strip_h = MIN (44.0 * f, avail / m->n_groups);
  band_h = g_new0 (double, m->n_groups);
  if (n_maps > 0)
    map_bands (m, area_w, avail - n_strips * strip_h,
               MIN (LABEL_HEIGHT * f, avail / m->n_groups), tile_gap (f), band_h);

  for (guint g = 0; g < m->n_groups; g++)
    {
      const LwFeatureGroup *fg = &m->groups[g];
      guint cols, rows, cw, ch;

      group_cells (m, g, &cols, &rows, &cw, &ch);
      if (is_maps (fg))
        max_zoom = MAX (max_zoom, lw_tile_layout (lw_feature_maps_n_shown (m, g), fg->width,
                                                  fg->height, area_w, band_h[g], 1.0, &cols));
      else
        max_zoom = MAX (max_zoom, MAX (area_w / cols, strip_h / rows));
    }

  snap = !lw_chart_target_is_vector (cr) && lw_chart_pixel_transform (cr, &sx, &sy, &ox, &oy);
  atlas = lw_image_cache_lookup (m->cache, m->groups[0].values, m->serial, params,
                                 build_atlas, m);
  display = lw_chart_image_for_target (cr, atlas, max_zoom, &factor);

  y = top;
  for (guint g = 0; g < m->n_groups; g++)
    {
      const LwFeatureGroup *fg = &m->groups[g];
      double h = is_maps (fg) ? band_h[g] : strip_h;
      guint cols, rows, cw, ch;

      draw_label (&t, m, g, pad, y, label_w, h);
      group_cells (m, g, &cols, &rows, &cw, &ch);
      if (is_maps (fg))
        draw_group_maps (cr, m, g, display, factor, atlas_y, area_x, y, area_w, h, f,
                         snap, sx, sy, ox, oy);
      else
        {
          lw_chart_paint_region (cr, display, factor, TRUE, 0, atlas_y, cols, rows,
                                 area_x, y, area_w, h);
          cairo_set_line_width (cr, 1.0);
          lw_cairo_set_color (cr, lw_theme_get ()->frame, 1.0);
          cairo_rectangle (cr, floor (area_x) - 0.5, floor (y) - 0.5,
                           ceil (area_w) + 1.0, ceil (h) + 1.0);
          cairo_stroke (cr);
        }
      atlas_y += rows * ch + 1;
      y += h + gap;
    }
  cairo_surface_destroy (display);
  cairo_surface_destroy (atlas);

out:
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_feature_maps_draw_func (gconstpointer maps, cairo_t *cr, double width, double height)
{
  lw_feature_maps_draw (maps, cr, width, height);
}
