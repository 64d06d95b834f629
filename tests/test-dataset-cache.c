/* test-dataset-cache.c: sessions on the same dataset share one copy of it
 * (lw-dataset-cache.h), one per kind, folder and training-set limit,
 * freed with the last session on it. */
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "session/lw-dataset-cache.h"
#include "session/lw-session.h"
#include "session-helpers.h"

static gboolean
is_loaded (const LwSnapshot *snap, gpointer data)
{
  return snap->state != LW_RUN_LOADING;
}

static LwSession *
new_session (const LwRunSettings *st)
{
  LwSession *s = lw_session_new (st, NULL, NULL);
  g_autoptr (LwSnapshot) snap = wait_for (s, is_loaded, NULL);

  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  return s;
}

static void
test_get_release (void)
{
  g_autoptr (GError) error = NULL;
  const LwDataset *a, *b, *c;

  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);
  a = lw_dataset_cache_get (LW_DATASET_MNIST_SUBSET, NULL, 500, &error);
  g_assert_no_error (error);
  b = lw_dataset_cache_get (LW_DATASET_MNIST_SUBSET, NULL, 500, &error);
  c = lw_dataset_cache_get (LW_DATASET_MNIST_SUBSET, NULL, 400, &error);
  g_assert_true (a == b);
  g_assert_true (a != c);
  g_assert_cmpuint (a->train.n, ==, 500);
  g_assert_cmpuint (c->train.n, ==, 400);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 2);
  lw_dataset_cache_release (a);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 2);
  lw_dataset_cache_release (b);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  lw_dataset_cache_release (c);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);

  /* A dataset that cannot be loaded: the loader's error, nothing kept. */
  g_assert_null (lw_dataset_cache_get (LW_DATASET_MNIST, "/nonexistent/layerwise-cache", 0,
                                       &error));
  g_assert_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);
}

/* A folder named, and the same folder found by a search of the usual
 * places (here $XDG_DATA_HOME, set by main): one copy. */
static void
test_found_dir (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = lw_dataset_find_dir (LW_DATASET_MNIST);
  const LwDataset *named, *searched;

  g_assert_nonnull (dir);
  named = lw_dataset_cache_get (LW_DATASET_MNIST, dir, 100, &error);
  g_assert_no_error (error);
  searched = lw_dataset_cache_get (LW_DATASET_MNIST, NULL, 100, &error);
  g_assert_no_error (error);
  g_assert_true (named == searched);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  lw_dataset_cache_release (named);
  lw_dataset_cache_release (searched);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);
}

#define N_THREADS 4

static gpointer
get_subset (gpointer data)
{
  return (gpointer) lw_dataset_cache_get (LW_DATASET_MNIST_SUBSET, NULL, 300, NULL);
}

/* Many at once: one load, one copy for all. */
static void
test_concurrent (void)
{
  GThread *threads[N_THREADS];
  const LwDataset *got[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("get", get_subset, NULL);
  for (guint i = 0; i < N_THREADS; i++)
    got[i] = g_thread_join (threads[i]);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_assert_nonnull (got[i]);
      g_assert_true (got[i] == got[0]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    lw_dataset_cache_release (got[i]);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);
}

/* Two sessions on the same dataset: one copy; a third on another limit:
 * a second; a fork shares its source's; freeing them all frees both. */
static void
test_sessions (void)
{
  g_autoptr (GError) error = NULL;
  LwRunSettings st, other;
  LwSession *a, *b, *c, *f;

  small_settings (&st);
  small_settings (&other);
  other.limit_train = 1024;
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);
  a = new_session (&st);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  b = new_session (&st);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  c = new_session (&other);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 2);
  f = lw_session_new_fork (a, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (LwSnapshot) snap = wait_for (f, is_loaded, NULL);
  g_assert_cmpint (snap->state, ==, LW_RUN_PAUSED);
  g_assert_cmpuint (snap->train_size, ==, 2048);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 2);

  lw_session_free (a);
  lw_session_free (c);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  /* A reset onto the other limit lets go of the first copy. */
  lw_session_reset (b, &other);
  g_assert_true (lw_session_sync (b, SESSION_TIMEOUT_MS));
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 2);
  lw_session_free (f);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 1);
  lw_session_free (b);
  g_assert_cmpuint (lw_dataset_cache_n_loaded (), ==, 0);
  lw_run_settings_clear (&st);
  lw_run_settings_clear (&other);
}

int
main (int argc, char **argv)
{
  g_autofree char *home = g_dir_make_tmp ("test-dataset-cache-XXXXXX", NULL);
  g_autofree char *datasets = g_build_filename (home, "layerwise", "datasets", NULL);
  g_autofree char *mnist = g_build_filename (datasets, "mnist", NULL);
  g_autofree char *layerwise = g_build_filename (home, "layerwise", NULL);
  g_autofree char *subset = NULL;
  int status;

  /* Full MNIST's usual place holds the subset's files (its format). */
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_test_init (&argc, &argv, NULL);
  subset = g_test_build_filename (G_TEST_DIST, "..", "data", "mnist-subset", NULL);
  g_assert_cmpint (g_mkdir_with_parents (datasets, 0700), ==, 0);
  g_assert_cmpint (symlink (subset, mnist), ==, 0);
  g_test_add_func ("/dataset-cache/get-release", test_get_release);
  g_test_add_func ("/dataset-cache/concurrent", test_concurrent);
  g_test_add_func ("/dataset-cache/sessions", test_sessions);
  g_test_add_func ("/dataset-cache/found-dir", test_found_dir);
  status = g_test_run ();
  g_unlink (mnist);
  g_rmdir (datasets);
  g_rmdir (layerwise);
  g_rmdir (home);
  return status;
}
