/* lw-colors.h: the colours every chart shares.
 *
 * A layer keeps one colour in every view (curves, legends, activation
 * strips), taken from the Okabe-Ito palette so that the first five stay
 * apart for colour-blind readers too. Signed values (weights,
 * similarities) use one diverging map: blue below zero, white at zero,
 * red above. */
#pragma once

#include <glib.h>
#include <cairo.h>

G_BEGIN_DECLS

typedef struct {
  double r, g, b;
} LwColor;

/* Layer i: blocks 0 .. n-1, then the output layer; cycles after 7. */
LwColor  lw_color_layer            (guint layer);
/* A mark's colour by kind, numbered as LwMarkKind in session/lw-snapshot.h. */
LwColor  lw_color_mark             (guint kind);
/* a + (b - a) * t, channel by channel. */
LwColor  lw_color_mix              (LwColor a, LwColor b, double t);
LwColor  lw_color_from_hex         (guint32 rgb);

/* The diverging map at v in [-1, 1] (clamped; NaN is white). */
LwColor  lw_color_diverging        (double v);
/* The same as an opaque CAIRO_FORMAT_ARGB32 pixel, from a table. */
guint32  lw_color_diverging_pixel  (double v);
/* Grey from black (0) to white (1), clamped, as an ARGB32 pixel. */
guint32  lw_color_grey_pixel       (double t);
guint32  lw_color_to_pixel         (LwColor c);

void     lw_cairo_set_color        (cairo_t *cr, LwColor c, double alpha);

G_END_DECLS
