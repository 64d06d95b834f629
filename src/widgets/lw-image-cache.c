/* lw-image-cache.c: one kept image per chart, keyed by what built it. */
#include "lw-chart-private.h"

struct _LwImageCache {
  cairo_surface_t *surface;
  gconstpointer data;
  guint64 serial;
  guint64 params;
  guint n_builds;
};

LwImageCache *
lw_image_cache_new (void)
{
  return g_new0 (LwImageCache, 1);
}

void
lw_image_cache_clear (LwImageCache *cache)
{
  g_return_if_fail (cache != NULL);

  g_clear_pointer (&cache->surface, cairo_surface_destroy);
  cache->data = NULL;
  cache->serial = 0;
  cache->params = 0;
}

void
lw_image_cache_free (LwImageCache *cache)
{
  if (cache == NULL)
    return;
  lw_image_cache_clear (cache);
  g_free (cache);
}

guint
lw_image_cache_get_n_builds (const LwImageCache *cache)
{
  g_return_val_if_fail (cache != NULL, 0);

  return cache->n_builds;
}

cairo_surface_t *
lw_image_cache_lookup (LwImageCache *cache, gconstpointer data,
                       guint64 serial, guint64 params,
                       LwImageBuildFunc build, gconstpointer build_data)
{
  cairo_surface_t *surface;

  if (cache != NULL && serial != 0 && cache->surface != NULL &&
      cache->data == data && cache->serial == serial && cache->params == params)
    return cairo_surface_reference (cache->surface);

  surface = build (build_data);
  if (cache == NULL)
    return surface;

  cache->n_builds++;
  g_clear_pointer (&cache->surface, cairo_surface_destroy);
  if (serial != 0)
    {
      cache->surface = cairo_surface_reference (surface);
      cache->data = data;
      cache->serial = serial;
      cache->params = params;
    }
  return surface;
}
