/* lw-chart-gallery.c: drawing and hit testing share one layout, so that a
 * click lands on the image drawn there. The tiles shown become one atlas
 * image per data change. */
#include "config.h"

#include "lw-chart-gallery.h"

#include <glib/gi18n-lib.h>
#include "lw-chart-private.h"

/* Size of an image's side at presentation factor 1: the largest that
 * shows them all, within these bounds. */
#define TILE_MIN 36.0
#define TILE_MAX 96.0
#define TILE_GAP 6.0

typedef struct {
  double x0, y0;              /* first tile */
  double side;                /* an image's side */
  double pitch_x, pitch_y;    /* tile to tile, caption included */
  guint cols, n;              /* tiles per row, tiles shown */
} Layout;

/* Names take two lines under a tile, the true class and what it was
 * taken for: a tile is too narrow for both on one. */
static guint
caption_lines (const LwGallery *g)
{
  return g->class_names != NULL ? 2 : 1;
}

static double
caption_height (const LwGallery *g, double f)
{
  return ceil (LW_FONT_SMALL * f * 1.5) * caption_lines (g);
}

static gboolean
layout (const LwGallery *g, LwText *t, double f, double width, double height, Layout *l)
{
  double pad = LW_PAD * f, gap = TILE_GAP * f, cap = caption_height (g, f), top;
  double area_w, area_h;

  *l = (Layout) { 0 };
  top = lw_chart_title_row (t, f, width, g->title, g->short_title, g->caption);
  if (g->n_images == 0 || g->width == 0 || g->height == 0)
    return FALSE;
  area_w = width - 2.0 * pad;
  area_h = height - top - pad;
  for (double side = floor (TILE_MAX * f); side >= floor (TILE_MIN * f); side -= 1.0)
    {
      guint cols = (guint) MAX (0.0, floor ((area_w + gap) / (side + gap)));
      guint rows = (guint) MAX (0.0, floor ((area_h + gap) / (side + cap + gap)));

      l->side = side;
      l->cols = cols;
      l->n = MIN (g->n_images, cols * rows);
      if (l->n == g->n_images)
        break;
    }
  if (l->n == 0)
    return FALSE;
  l->pitch_x = l->side + gap;
  l->pitch_y = l->side + cap + gap;
  l->x0 = pad;
  l->y0 = floor (top);
  return TRUE;
}

/* The images shown, grey from each one's darkest to its lightest (per
 * channel for colour), in rows of the atlas. */
static cairo_surface_t *
build_atlas (gconstpointer data)
{
  const LwGallery *g = ((const LwGallery *const *) data)[0];
  guint n = GPOINTER_TO_UINT (((gconstpointer const *) data)[1]);
  gsize plane = (gsize) g->height * g->width, size = plane * g->channels;
  gboolean rgb = g->channels == 3;
  cairo_surface_t *atlas;
  guint32 *pixels;
  int stride;

  atlas = lw_image_new ((int) (n * (g->width + 1)), (int) g->height, &pixels, &stride);
  for (guint k = 0; k < n; k++)
    {
      const float *img = g->images + g->order[k] * size;
      float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;
      double inv;

      for (gsize i = 0; i < size; i++)
        {
          lo = MIN (lo, img[i]);
          hi = MAX (hi, img[i]);
        }
      inv = hi > lo ? 1.0 / (hi - lo) : 0.0;
      for (guint y = 0; y < g->height; y++)
        for (guint x = 0; x < g->width; x++)
          {
            gsize i = (gsize) y * g->width + x;
            guint32 *p = &pixels[(gsize) y * stride + k * (g->width + 1) + x];

            if (rgb)
              *p = lw_color_to_pixel ((LwColor) { (img[i] - lo) * inv,
                                                  (img[plane + i] - lo) * inv,
                                                  (img[2 * plane + i] - lo) * inv });
            else
              *p = lw_color_grey_pixel ((img[i] - lo) * inv);
          }
    }
  cairo_surface_mark_dirty (atlas);
  return atlas;
}

static int
position_of (const LwGallery *g, const Layout *l, guint index)
{
  for (guint k = 0; k < l->n; k++)
    if (g->order[k] == index)
      return (int) k;
  return -1;
}

/* The keyboard's place: a band behind the tile and its caption, outlined,
 * unlike the frames that mark mistakes and the probe image. */
static void
draw_cursor (const LwGallery *g, const Layout *l, cairo_t *cr, double f)
{
  const LwColor band = { 0.10, 0.45, 0.95 };
  int k = position_of (g, l, g->cursor);
  double margin = 4.0 * f, x, y;

  if (k < 0)
    return;
  x = l->x0 + (k % l->cols) * l->pitch_x - margin;
  y = l->y0 + (k / l->cols) * l->pitch_y - margin;
  cairo_rectangle (cr, x, y, l->side + 2.0 * margin, l->side + caption_height (g, f) + 2.0 * margin);
  lw_cairo_set_color (cr, band, 0.25);
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 2.0 * f);
  lw_cairo_set_color (cr, lw_theme_get ()->text, 1.0);
  cairo_stroke (cr);
}

/* The true class under tile (x, y), and what the layer said when it was
 * wrong: after an arrow with numbers, on a second line with names. Each
 * line keeps clear of the neighbouring captions. */
static void
draw_caption (const LwGallery *g, const Layout *l, LwText *t, double f, guint i,
              double x, double y)
{
  gboolean right = g->labels[i] == g->predicted[i];
  double room = l->side + (l->pitch_x - l->side) / 2.0, line = ceil (LW_FONT_SMALL * f * 1.5);
  char truth[LW_CLASS_NAME_BUF], said[LW_CLASS_NAME_BUF], buf[2 * LW_CLASS_NAME_BUF + 8];

  lw_class_label (g->class_names, g->n_class_names, g->labels[i], truth, sizeof truth);
  lw_class_label (g->class_names, g->n_class_names, g->predicted[i], said, sizeof said);
  if (right || g->class_names != NULL)
    g_strlcpy (buf, truth, sizeof buf);
  else
    g_snprintf (buf, sizeof buf, "%s \u2192 %s", truth, said);
  lw_text_set (t, buf, LW_FONT_SMALL, !right, room);
  lw_text_show (t, x + l->side / 2.0, y + l->side + 2.0 * f, 0.5, 0.0);
  if (right || g->class_names == NULL)
    return;
  g_snprintf (buf, sizeof buf, "\u2192 %s", said);
  lw_text_set (t, buf, LW_FONT_SMALL, TRUE, room);
  lw_text_show (t, x + l->side / 2.0, y + l->side + 2.0 * f + line, 0.5, 0.0);
}

void
lw_gallery_draw (const LwGallery *g, cairo_t *cr, double width, double height)
{
  const LwColor wrong = { 0.84, 0.15, 0.16 };
  /* The probe image: a blue no layer uses, seen on white and black alike. */
  const LwColor selected = { 0.10, 0.45, 0.95 };
  const LwTheme *theme = lw_theme_get ();
  cairo_surface_t *atlas, *display;
  gconstpointer build_data[2];
  double f;
  int factor;
  Layout l;
  LwText t;

  g_return_if_fail (g != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (g->n_images == 0
                    || (g->images != NULL && g->labels != NULL && g->predicted != NULL
                        && g->order != NULL));

  f = lw_chart_factor (g->scale);
  cairo_save (cr);
  lw_chart_fill_background (cr, width, height);
  lw_text_begin (&t, cr, f);
  if (!layout (g, &t, f, width, height, &l))
    goto out;

  build_data[0] = g;
  build_data[1] = GUINT_TO_POINTER (l.n);
  atlas = lw_image_cache_lookup (g->cache, g->order, g->serial,
                                 ((guint64) l.n << 32) ^ ((guint64) g->width << 16)
                                 ^ ((guint64) g->height << 4) ^ g->channels,
                                 build_atlas, build_data);
  display = lw_chart_image_for_target (cr, atlas, l.side / g->width, &factor);
  if (g->show_cursor)
    draw_cursor (g, &l, cr, f);
  for (guint k = 0; k < l.n; k++)
    {
      guint i = g->order[k];
      gboolean right = g->labels[i] == g->predicted[i];
      double x = l.x0 + (k % l.cols) * l.pitch_x, y = l.y0 + (k / l.cols) * l.pitch_y;

      lw_chart_paint_region (cr, display, factor, FALSE, k * (g->width + 1.0), 0,
                             g->width, g->height, x, y, l.side, l.side);
      if (!right || i == g->selected)
        {
          double line = i == g->selected ? 3.0 * f : 2.0 * f;

          cairo_set_line_width (cr, line);
          lw_cairo_set_color (cr, i == g->selected ? selected : wrong, 1.0);
          cairo_rectangle (cr, x - line / 2.0, y - line / 2.0, l.side + line, l.side + line);
          cairo_stroke (cr);
        }

      lw_cairo_set_color (cr, right ? theme->text_dim : wrong, 1.0);
      draw_caption (g, &l, &t, f, i, x, y);
    }
  cairo_surface_destroy (display);
  cairo_surface_destroy (atlas);

out:
  lw_text_end (&t);
  cairo_restore (cr);
}

void
lw_gallery_draw_func (gconstpointer gallery, cairo_t *cr, double width, double height)
{
  lw_gallery_draw (gallery, cr, width, height);
}

/* The title row's height depends on text, so hit testing lays the title
 * out on a scratch surface, as drawing does. */
static gboolean
measured_layout (const LwGallery *g, double width, double height, Layout *l)
{
  cairo_surface_t *scratch = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (scratch);
  gboolean ok;
  LwText t;

  lw_text_begin (&t, cr, lw_chart_factor (g->scale));
  ok = layout (g, &t, lw_chart_factor (g->scale), width, height, l);
  lw_text_end (&t);
  cairo_destroy (cr);
  cairo_surface_destroy (scratch);
  return ok;
}

guint
lw_gallery_n_shown (const LwGallery *g, double width, double height)
{
  Layout l;

  g_return_val_if_fail (g != NULL, 0);
  return measured_layout (g, width, height, &l) ? l.n : 0;
}

int
lw_gallery_hit (const LwGallery *g, double width, double height, double x, double y)
{
  Layout l;
  double col, row;
  guint k;

  g_return_val_if_fail (g != NULL, -1);
  if (!measured_layout (g, width, height, &l))
    return -1;
  col = floor ((x - l.x0) / l.pitch_x);
  row = floor ((y - l.y0) / l.pitch_y);
  if (col < 0 || row < 0 || col >= l.cols)
    return -1;
  /* Only the image itself, not the gap or the caption below it. */
  if (x - l.x0 - col * l.pitch_x > l.side || y - l.y0 - row * l.pitch_y > l.side)
    return -1;
  k = (guint) row * l.cols + (guint) col;
  return k < l.n ? (int) g->order[k] : -1;
}

int
lw_gallery_position (const LwGallery *g, double width, double height, guint index)
{
  Layout l;

  g_return_val_if_fail (g != NULL, -1);
  if (!measured_layout (g, width, height, &l))
    return -1;
  return position_of (g, &l, index);
}

int
lw_gallery_move (const LwGallery *g, double width, double height, guint from,
                 LwGalleryMove move)
{
  Layout l;
  int k, n, cols;

  g_return_val_if_fail (g != NULL, -1);
  if (!measured_layout (g, width, height, &l))
    return -1;
  k = position_of (g, &l, from);
  if (k < 0)
    return (int) g->order[0];
  n = (int) l.n;
  cols = (int) l.cols;
  switch (move)
    {
    case LW_GALLERY_MOVE_LEFT:  k = MAX (k - 1, 0); break;
    case LW_GALLERY_MOVE_RIGHT: k = MIN (k + 1, n - 1); break;
    case LW_GALLERY_MOVE_UP:    k = k >= cols ? k - cols : k; break;
    /* Down from a row above the last, partial row lands on its last tile. */
    case LW_GALLERY_MOVE_DOWN:  k = k / cols < (n - 1) / cols ? MIN (k + cols, n - 1) : k; break;
    case LW_GALLERY_MOVE_FIRST: k = 0; break;
    case LW_GALLERY_MOVE_LAST:  k = n - 1; break;
    }
  return (int) g->order[k];
}
