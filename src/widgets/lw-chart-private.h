/* lw-chart-private.h: what the charts share: theme, text, scales, ticks,
 * image helpers and the curve rasteriser.
 *
 * A -private.h is included only by the files of its own folder (here
 * src/widgets/) and by the tests of that code, never from another folder. */
#pragma once

#include <math.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "lw-colors.h"
#include "lw-image-cache.h"

G_BEGIN_DECLS

/* Sizes in user units at presentation factor 1. */
#define LW_FONT_TITLE 13.0
#define LW_FONT_LABEL 12.0
#define LW_FONT_TICK  11.0
#define LW_FONT_SMALL 10.0
#define LW_PAD        12.0

typedef struct {
  LwColor background;
  LwColor grid;
  LwColor axis;
  LwColor text;
  LwColor text_dim;
  LwColor frame;
} LwTheme;

const LwTheme *lw_theme_get (void);

/* A presentation factor from a model's field: 0 (unset) means 1. */
double lw_chart_factor (double scale);

void lw_chart_fill_background (cairo_t *cr, double width, double height);

/* Text through Pango, so translated labels get shaping and font fallback. */
typedef struct {
  cairo_t *cr;
  PangoLayout *layout;
  PangoFontDescription *font;
  double factor;
} LwText;

void lw_text_begin  (LwText *t, cairo_t *cr, double factor);
void lw_text_end    (LwText *t);
/* size at factor 1; max_width < 0: no limit, else ellipsized. */
void lw_text_set    (LwText *t, const char *text, double size, gboolean bold,
                     double max_width);
/* The same, wrapped at max_width to at most max_lines, the last ellipsized. */
void lw_text_set_wrapped (LwText *t, const char *text, double size, gboolean bold,
                          double max_width, int max_lines);
/* A chart's title, bold, at max_width: whole where it takes at most two
 * lines with no word broken; else short_title (may be NULL), wrapped
 * likewise, on as many lines as it needs. Never
 * ellipsized: a cut title can say the opposite of the whole one. */
void lw_text_set_title (LwText *t, const char *title, const char *short_title,
                        double size, double max_width);
void lw_text_extent (LwText *t, double *width, double *height);
/* The width text takes on one line, unlimited. */
double lw_text_natural_width (LwText *t, const char *text, double size, gboolean bold);
/* Draws the current text with the current source; (align_x, align_y) is
 * the point of its box placed at (x, y): 0 left/top, 1 right/bottom. */
void lw_text_show   (LwText *t, double x, double y, double align_x, double align_y);

/* Scales: a domain interval mapped onto a pixel interval. */
typedef struct {
  double d0, d1;
  double r0, r1;
  gboolean log;
} LwScale;

void lw_scale_init (LwScale *s, double d0, double d1, double r0, double r1,
                    gboolean log);

static inline double
lw_scale_map (const LwScale *s, double v)
{
  if (s->log)
    return s->r0 + (log10 (v) - log10 (s->d0)) / (log10 (s->d1) - log10 (s->d0)) * (s->r1 - s->r0);
  return s->r0 + (v - s->d0) / (s->d1 - s->d0) * (s->r1 - s->r0);
}

/* Ticks. */
typedef enum {
  LW_TICK_NUMBER,
  LW_TICK_PERCENT,             /* fractions shown as 0..100% */
  LW_TICK_SI,                  /* 500, 10k, 1.2M */
  LW_TICK_LOG,
} LwTickFormat;

#define LW_MAX_TICKS 32

double lw_nice_step     (double span, double target_count);
guint  lw_ticks_linear  (double lo, double hi, double step, double *ticks, guint max);
guint  lw_ticks_log     (double lo, double hi, double *ticks, guint max);
void   lw_format_tick   (char *buf, gsize size, double v, double step, LwTickFormat format);

/* The title (bold, left) and caption (small, dim, right) at the top of a
 * chart, or the caption under the title where both do not fit on a row;
 * the title as lw_text_set_title() sets it;
 * returns the height they take, padding included. */
double lw_chart_title_row (LwText *t, double f, double width, const char *title,
                           const char *short_title, const char *caption);
/* The same height, nothing drawn. */
double lw_chart_title_row_height (LwText *t, double f, double width, const char *title,
                                  const char *short_title, const char *caption);

/* Activations, as the strips and feature maps colour them: white at 0,
 * the layer's colour at the largest value; the diverging map instead when
 * some values are negative. lw_activation_scale returns the factor that
 * maps n values into [0, 1] (or [-1, 1]) and their minimum (at most 0). */
double  lw_activation_scale (const float *v, gsize n, float *lo);
guint32 lw_activation_pixel (float v, double inv, gboolean diverging, LwColor layer);

/* n tiles of tile_w x tile_h in rows of *cols, gap apart, as large as the
 * area allows; returns the scale of one tile pixel. */
double lw_tile_layout (guint n, double tile_w, double tile_h, double area_w, double area_h,
                       double gap, guint *cols);

/* Images. */
gboolean lw_chart_target_is_vector (cairo_t *cr);
/* The user-to-pixel mapping of the surface being drawn: pixel = user * s + o.
 * FALSE when the transformation rotates, skews or flips. */
gboolean lw_chart_pixel_transform  (cairo_t *cr, double *sx, double *sy,
                                    double *ox, double *oy);
/* Paints image stretched over the rectangle, cells kept sharp: nearest
 * filter on raster targets, an enlarged copy on vector ones (SVG viewers
 * would blur a small image). */
void     lw_chart_paint_image      (cairo_t *cr, cairo_surface_t *image,
                                    double x, double y, double width, double height);
/* An opaque ARGB32 surface of width x height and its pixels. */
cairo_surface_t *lw_image_new      (int width, int height, guint32 **pixels, int *stride_px);
/* image as it should be handed to lw_chart_paint_region() on cr's target:
 * itself on raster targets, enlarged by *factor on vector ones. Make it
 * once per draw: SVG output then holds it once however often it is used. */
cairo_surface_t *lw_chart_image_for_target (cairo_t *cr, cairo_surface_t *image,
                                            double max_zoom, int *factor);
/* The source rectangle (in image pixels) of display's original, stretched
 * over the destination rectangle: cells as sharp blocks when sharp, or
 * when the zoom is whole or large; smoothly otherwise. */
void     lw_chart_paint_region     (cairo_t *cr, cairo_surface_t *display, int factor,
                                    gboolean sharp,
                                    double src_x, double src_y, double src_w, double src_h,
                                    double x, double y, double width, double height);

typedef cairo_surface_t *(*LwImageBuildFunc) (gconstpointer build_data);

/* The image for (data, serial, params) from cache, or built now (and kept
 * when serial != 0). cache may be NULL. Returns a new reference. */
cairo_surface_t *lw_image_cache_lookup (LwImageCache *cache, gconstpointer data,
                                        guint64 serial, guint64 params,
                                        LwImageBuildFunc build, gconstpointer build_data);

/* Room for a class label: names are at most 64 characters. */
#define LW_CLASS_NAME_BUF 260

/* Class k's label: its name when names holds one, else its number. */
static inline void
lw_class_label (const char *const *names, guint n_names, guint k, char *buf, gsize size)
{
  if (names != NULL && k < n_names && names[k] != NULL)
    g_strlcpy (buf, names[k], size);
  else
    g_snprintf (buf, size, "%u", k);
}

/* Curve rasteriser: polylines drawn column by column into a transparent
 * pixel layer, so that tens of thousands of points cost microseconds
 * rather than Cairo's per-segment stroking. Coordinates are in the
 * layer's pixels; NaN starts a gap. */
typedef struct _LwRaster LwRaster;

LwRaster        *lw_raster_new      (int width, int height);
void             lw_raster_free     (LwRaster *raster);
void             lw_raster_polyline (LwRaster *raster, const double *x, const double *y,
                                     guint n, LwColor color, double alpha,
                                     double line_width, double dash_on, double dash_off);
cairo_surface_t *lw_raster_get_surface (LwRaster *raster);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwRaster, lw_raster_free)

G_END_DECLS
