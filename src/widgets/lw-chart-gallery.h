/* lw-chart-gallery.h: test images in a given order (mistakes first), each
 * with its true and predicted class; the images a layer gets wrong framed
 * in red. A click maps back to an image through lw_gallery_hit; the
 * keyboard moves a cursor from tile to tile through lw_gallery_move. */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "lw-image-cache.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title takes more than two lines */
  const char *caption;            /* right of the title; may be NULL */
  guint n_images;
  guint channels, height, width;  /* one image: channels x height x width values */
  const float *images;            /* n_images, one after another */
  const guint8 *labels;           /* n_images true classes */
  const guint8 *predicted;        /* n_images predicted classes */
  const guint32 *order;           /* n_images indices: the order to show them in */
  const char *const *class_names; /* NULL: class numbers; names get two caption */
  guint n_class_names;            /* lines, each cut to its tile's width */
  guint selected;                 /* an image index drawn highlighted; G_MAXUINT: none */
  gboolean show_cursor;           /* whether to draw the keyboard's cursor ... */
  guint cursor;                   /* ... around this image index's tile */
  double scale;                   /* presentation factor; 0 means 1 */
  guint64 serial;                 /* 0: no caching */
  LwImageCache *cache;            /* may be NULL */
} LwGallery;

void lw_gallery_draw      (const LwGallery *gallery, cairo_t *cr, double width, double height);
void lw_gallery_draw_func (gconstpointer gallery, cairo_t *cr, double width, double height);
/* How many of the images fit at width x height: the first ones of order. */
guint lw_gallery_n_shown  (const LwGallery *gallery, double width, double height);
/* The image index under (x, y) of a gallery drawn at width x height, or
 * -1 for none. */
int   lw_gallery_hit      (const LwGallery *gallery, double width, double height,
                           double x, double y);

typedef enum {
  LW_GALLERY_MOVE_LEFT,
  LW_GALLERY_MOVE_RIGHT,
  LW_GALLERY_MOVE_UP,
  LW_GALLERY_MOVE_DOWN,
  LW_GALLERY_MOVE_FIRST,
  LW_GALLERY_MOVE_LAST,
} LwGalleryMove;

/* The image index of the tile one move away from image from's tile, in
 * the gallery drawn at width x height; from a tile not shown, the first
 * tile. Moves stop at the edges. -1 when no tile is shown. */
int   lw_gallery_move     (const LwGallery *gallery, double width, double height,
                           guint from, LwGalleryMove move);
/* Where image index lies in the tiles shown: 0 for the first, or -1. */
int   lw_gallery_position (const LwGallery *gallery, double width, double height,
                           guint index);

G_END_DECLS
