/* lw-parallel.c: a small fork-join pool of persistent threads.
 *
 * Helpers spin briefly before sleeping: the regions are short and come
 * in quick succession within a training step, so a futex wake-up per
 * region would cost more than the work it spreads. */
#include "lw-parallel.h"

#define MAX_THREADS 16
#define SPIN_ITERATIONS 500

typedef struct {
  GThread *thread;
  guint index;
  gint seen;                  /* the last generation this helper has handled */
} Helper;

static GMutex pool_lock;       /* one region at a time, from any caller */
static GMutex wake_lock;
static GCond wake_cond;
static Helper helpers[MAX_THREADS];
static int n_helpers;          /* threads beyond the caller */
static int active_helpers;     /* helpers taking part in the current region */

static volatile gint generation;
static volatile gint pending;
static volatile gint quitting;
static LwRangeFunc region_fn;
static gpointer region_data;
static gsize region_n;

static void
run_piece (guint index, guint pieces)
{
  gsize start = region_n * index / pieces;
  gsize end = region_n * (index + 1) / pieces;

  if (start < end)
    region_fn (start, end, region_data);
}

static gpointer
helper_main (gpointer user_data)
{
  Helper *self = user_data;
  gint seen = self->seen;

  for (;;)
    {
      gint now = g_atomic_int_get (&generation);

      for (int spin = 0; now == seen && spin < SPIN_ITERATIONS; spin++)
        now = g_atomic_int_get (&generation);
      if (now == seen)
        {
          g_mutex_lock (&wake_lock);
          while ((now = g_atomic_int_get (&generation)) == seen)
            g_cond_wait (&wake_cond, &wake_lock);
          g_mutex_unlock (&wake_lock);
        }
      seen = now;
      if (g_atomic_int_get (&quitting))
        return NULL;
      if ((int) self->index <= active_helpers)
        {
          run_piece (self->index, active_helpers + 1);
          g_atomic_int_dec_and_test (&pending);
        }
    }
}

static void
stop_helpers (void)
{
  g_mutex_lock (&wake_lock);
  g_atomic_int_set (&quitting, 1);
  g_atomic_int_inc (&generation);
  g_cond_broadcast (&wake_cond);
  g_mutex_unlock (&wake_lock);
  for (int i = 0; i < n_helpers; i++)
    g_thread_join (helpers[i].thread);
  n_helpers = 0;
  g_atomic_int_set (&quitting, 0);
}

void
lw_parallel_set_threads (int n)
{
  n = CLAMP (n, 1, MAX_THREADS);
  g_mutex_lock (&pool_lock);
  if (n - 1 != n_helpers)
    {
      stop_helpers ();
      for (int i = 0; i < n - 1; i++)
        {
          helpers[i].index = i + 1;
          /* Taken here, not when the thread first runs: a region may
           * start before then, and the helper must take part in it. */
          helpers[i].seen = g_atomic_int_get (&generation);
          helpers[i].thread = g_thread_new ("lw-parallel", helper_main, &helpers[i]);
        }
      n_helpers = n - 1;
    }
  g_mutex_unlock (&pool_lock);
}

int
lw_parallel_get_threads (void)
{
  return n_helpers + 1;
}

void
lw_parallel_for (gsize n, gsize min_chunk, LwRangeFunc fn, gpointer data)
{
  int pieces;

  if (n == 0)
    return;
  g_mutex_lock (&pool_lock);
  pieces = (int) MIN ((gsize) n_helpers + 1, n / MAX (min_chunk, 1));
  if (pieces <= 1)
    {
      g_mutex_unlock (&pool_lock);
      fn (0, n, data);
      return;
    }

  region_fn = fn;
  region_data = data;
  region_n = n;
  active_helpers = pieces - 1;
  g_atomic_int_set (&pending, pieces - 1);

  g_mutex_lock (&wake_lock);
  g_atomic_int_inc (&generation);
  g_cond_broadcast (&wake_cond);
  g_mutex_unlock (&wake_lock);

  run_piece (0, pieces);
  /* Yield once the wait gets long: on a busy machine the helper may be
   * waiting for this very core. */
  for (int spin = 0; g_atomic_int_get (&pending) > 0; spin++)
    if (spin > SPIN_ITERATIONS)
      g_thread_yield ();
  g_mutex_unlock (&pool_lock);
}
