/* lw-image-cache.h: keeps a chart's pixels between frames.
 *
 * Heatmaps and image grids turn their values into an image once per data
 * change and then only scale it. The caller owns one cache per chart and
 * tells a change by a new serial (or new data pointer) in the chart's
 * model; a serial of 0 means "do not cache". Main thread only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LwImageCache LwImageCache;

LwImageCache *lw_image_cache_new   (void);
void          lw_image_cache_free  (LwImageCache *cache);
/* Forgets the kept image, e.g. to free its memory while hidden. */
void          lw_image_cache_clear (LwImageCache *cache);
/* How many images were built (for tests and profiling). */
guint         lw_image_cache_get_n_builds (const LwImageCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwImageCache, lw_image_cache_free)

G_END_DECLS
