/* lw-colors.c: layer palette and the diverging map. */
#include "lw-colors.h"

#include <math.h>

/* Okabe-Ito, reordered so the first five are the most distinct on white;
 * their yellow is too faint for thin lines on white and is left out. */
static const guint32 layer_palette[] = {
  0x0072b2,   /* blue */
  0xd55e00,   /* vermillion */
  0x009e73,   /* bluish green */
  0xcc79a7,   /* reddish purple */
  0xe69f00,   /* orange */
  0x56b4e9,   /* sky blue */
  0x3d3846,   /* near black */
};

static const guint32 mark_palette[] = {
  0x613583,   /* learning rate */
  0x865e3c,   /* loss */
  0x77767b,   /* pause */
  0xc01c28,   /* reset */
  0x1a5fb4,   /* freeze */
  0x26a269,   /* dropout */
  0x5e5c64,   /* diverged */
  0xc64600,   /* no-detach switched */
  0x0c7a86,   /* forked */
};

/* Stops of the diverging map at -1, -0.5, 0, 0.5, 1: darker ends keep the
 * sign readable at small magnitudes, a near-white middle marks zero. */
static const guint32 diverging_stops[] = {
  0x053061, 0x4393c3, 0xf7f7f7, 0xd6604d, 0x67001f,
};

#define DIVERGING_TABLE_SIZE 513

static guint32 diverging_table[DIVERGING_TABLE_SIZE];

LwColor
lw_color_from_hex (guint32 rgb)
{
  return (LwColor) {
    ((rgb >> 16) & 0xff) / 255.0,
    ((rgb >> 8) & 0xff) / 255.0,
    (rgb & 0xff) / 255.0,
  };
}

LwColor
lw_color_layer (guint layer)
{
  return lw_color_from_hex (layer_palette[layer % G_N_ELEMENTS (layer_palette)]);
}

LwColor
lw_color_mark (guint kind)
{
  if (kind >= G_N_ELEMENTS (mark_palette))
    return lw_color_from_hex (0x5e5c64);
  return lw_color_from_hex (mark_palette[kind]);
}

LwColor
lw_color_mix (LwColor a, LwColor b, double t)
{
  return (LwColor) {
    a.r + (b.r - a.r) * t,
    a.g + (b.g - a.g) * t,
    a.b + (b.b - a.b) * t,
  };
}

LwColor
lw_color_diverging (double v)
{
  double pos;
  guint i;

  if (isnan (v))
    v = 0.0;
  v = CLAMP (v, -1.0, 1.0);
  pos = (v + 1.0) * 2.0;
  i = MIN ((guint) pos, G_N_ELEMENTS (diverging_stops) - 2);
  return lw_color_mix (lw_color_from_hex (diverging_stops[i]),
                       lw_color_from_hex (diverging_stops[i + 1]),
                       pos - i);
}

guint32
lw_color_to_pixel (LwColor c)
{
  guint r = (guint) lround (CLAMP (c.r, 0.0, 1.0) * 255.0);
  guint g = (guint) lround (CLAMP (c.g, 0.0, 1.0) * 255.0);
  guint b = (guint) lround (CLAMP (c.b, 0.0, 1.0) * 255.0);

  return 0xff000000u | (r << 16) | (g << 8) | b;
}

static gpointer
fill_diverging_table (gpointer unused)
{
  for (guint i = 0; i < DIVERGING_TABLE_SIZE; i++)
    diverging_table[i] = lw_color_to_pixel (
      lw_color_diverging (2.0 * i / (DIVERGING_TABLE_SIZE - 1) - 1.0));
  return NULL;
}

guint32
lw_color_diverging_pixel (double v)
{
  static GOnce once = G_ONCE_INIT;
  double pos;

  g_once (&once, fill_diverging_table, NULL);
  if (isnan (v))
    v = 0.0;
  pos = (CLAMP (v, -1.0, 1.0) + 1.0) * 0.5 * (DIVERGING_TABLE_SIZE - 1);
  return diverging_table[(guint) lround (pos)];
}

guint32
lw_color_grey_pixel (double t)
{
  guint v;

  if (isnan (t))
    t = 0.0;
  v = (guint) lround (CLAMP (t, 0.0, 1.0) * 255.0);
  return 0xff000000u | (v << 16) | (v << 8) | v;
}

void
lw_cairo_set_color (cairo_t *cr, LwColor c, double alpha)
{
  if (alpha >= 1.0)
    cairo_set_source_rgb (cr, c.r, c.g, c.b);
  else
    cairo_set_source_rgba (cr, c.r, c.g, c.b, alpha);
}
