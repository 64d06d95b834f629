/* lw-dataset-cache.c: the process-wide table of shared datasets. */
#include "config.h"

#include "lw-dataset-cache.h"

#include <pthread.h>

typedef struct {
  LwDatasetKind kind;
  char *dir;
  guint limit_train;
  LwDataset *ds;              /* NULL while one caller loads it */
  guint refs;                 /* callers holding it (the loader, while it loads) */
} Entry;

/* pthreads, not GMutex, so that ThreadSanitizer sees the hand-over. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_loaded = PTHREAD_COND_INITIALIZER;
static GPtrArray *entries;    /* of Entry *, under cache_lock */

static Entry *
find (LwDatasetKind kind, const char *dir, guint limit_train)
{
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);

      if (e->kind == kind && g_strcmp0 (e->dir, dir) == 0 && e->limit_train == limit_train)
        return e;
    }
  return NULL;
}

static void
drop (Entry *e)
{
  g_ptr_array_remove_fast (entries, e);
  lw_dataset_free (e->ds);
  g_free (e->dir);
  g_free (e);
}

const LwDataset *
lw_dataset_cache_get (LwDatasetKind kind, const char *dir, guint limit_train, GError **error)
{
  /* The folder a search finds is the one named: one copy for both. */
  g_autofree char *found = dir == NULL ? lw_dataset_find_dir (kind) : NULL;
  const char *key = dir != NULL ? dir : found;
  Entry *e;
  LwDataset *ds;

  g_return_val_if_fail (kind < LW_N_DATASETS, NULL);

  pthread_mutex_lock (&cache_lock);
  for (;;)
    {
      e = find (kind, key, limit_train);
      if (e == NULL)
        break;
      if (e->ds != NULL)
        {
          e->refs++;
          pthread_mutex_unlock (&cache_lock);
          return e->ds;
        }
      /* Another caller is loading it: its copy, or (if that fails) a try of our own. */
      pthread_cond_wait (&cache_loaded, &cache_lock);
    }
  if (entries == NULL)
    entries = g_ptr_array_new ();
  e = g_new0 (Entry, 1);
  e->kind = kind;
  e->dir = g_strdup (key);
  e->limit_train = limit_train;
  e->refs = 1;
  g_ptr_array_add (entries, e);
  pthread_mutex_unlock (&cache_lock);

  /* Outside the lock: loading full MNIST takes a while, and other datasets
   * must not wait for it. */
  ds = lw_dataset_load (kind, dir, error);
  if (ds != NULL)
    lw_dataset_limit_train (ds, limit_train);

  pthread_mutex_lock (&cache_lock);
  if (ds != NULL)
    e->ds = ds;
  else
    drop (e);
  pthread_cond_broadcast (&cache_loaded);
  pthread_mutex_unlock (&cache_lock);
  return ds;
}

void
lw_dataset_cache_release (const LwDataset *ds)
{
  if (ds == NULL)
    return;
  pthread_mutex_lock (&cache_lock);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);

      if (e->ds == ds)
        {
          if (--e->refs == 0)
            drop (e);
          pthread_mutex_unlock (&cache_lock);
          return;
        }
    }
  pthread_mutex_unlock (&cache_lock);
  g_critical ("%s: dataset %p is not one the cache gave", G_STRFUNC, (gconstpointer) ds);
}

guint
lw_dataset_cache_n_loaded (void)
{
  guint n = 0;

  pthread_mutex_lock (&cache_lock);
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    if (((Entry *) g_ptr_array_index (entries, i))->ds != NULL)
      n++;
  pthread_mutex_unlock (&cache_lock);
  return n;
}
