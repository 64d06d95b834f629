/* test-parallel.c: the fork-join pool that spreads elementwise loops. */
#include <glib.h>

#include "engine/lw-parallel.h"

typedef struct {
  guint *hits;
  GThread *seen_thread[2];
} Region;

static void
mark_range (gsize start, gsize end, gpointer data)
{
  Region *r = data;

  for (gsize i = start; i < end; i++)
    r->hits[i]++;
}

/* Every index is handled exactly once, for any thread count. */
static void
test_covers_each_index_once (void)
{
  const gsize n = 100003;
  g_autofree guint *hits = g_new0 (guint, n);
  Region r = { .hits = hits };

  for (int threads = 1; threads <= 4; threads++)
    {
      lw_parallel_set_threads (threads);
      g_assert_cmpint (lw_parallel_get_threads (), ==, threads);
      for (int rep = 0; rep < 20; rep++)
        lw_parallel_for (n, 1024, mark_range, &r);
    }
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (hits[i], ==, 80);
  lw_parallel_set_threads (1);
}

/* A region started right after new helpers are created must not wait for
 * a helper that missed it (this hung before the start generation was
 * handed to each helper). A hang here ends in the test's timeout. */
static void
test_region_right_after_start (void)
{
  const gsize n = 4096;
  g_autofree guint *hits = g_new0 (guint, n);
  Region r = { .hits = hits };

  for (int rep = 0; rep < 500; rep++)
    {
      lw_parallel_set_threads (2);
      lw_parallel_for (n, 512, mark_range, &r);
      lw_parallel_set_threads (1);
    }
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (hits[i], ==, 500);
}

/* Small loops stay on the caller: no hand-off costs for tiny work. */
static void
test_small_loops_stay_serial (void)
{
  g_autofree guint *hits = g_new0 (guint, 100);
  Region r = { .hits = hits };

  lw_parallel_set_threads (2);
  lw_parallel_for (100, 1024, mark_range, &r);
  lw_parallel_for (0, 1024, mark_range, &r);
  lw_parallel_set_threads (1);
  for (gsize i = 0; i < 100; i++)
    g_assert_cmpuint (hits[i], ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/parallel/covers-each-index-once", test_covers_each_index_once);
  g_test_add_func ("/parallel/region-right-after-start", test_region_right_after_start);
  g_test_add_func ("/parallel/small-loops-stay-serial", test_small_loops_stay_serial);
  return g_test_run ();
}
