/* test-distributed.c: layerwise-cli --distributed under mpirun on this
 * machine — K ranks write the same metrics, byte for byte, as one process
 * at --threads 1, through an lr milestone and dropout; a corrupted message
 * and a killed rank end the job with the rank named, in bounded time; and
 * a build without MPI says so. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#if !defined(LW_CLI_PATH) || !defined(LW_MPIRUN) || !defined(LW_HAVE_MPI)
#error "LW_CLI_PATH, LW_MPIRUN and LW_HAVE_MPI must be defined"
#endif

/* A hung job is a failure, not a stuck test run. */
#define JOB_TIMEOUT "150"
#define TIMED_OUT 124

typedef struct {
  char *out;
  char *err;
  int status;                   /* exit status, or -1 if it did not exit normally */
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Runs argv (not NULL-terminated yet) into run: its output and status. */
static void
spawn_into (Run *run, GPtrArray *argv, const char *what)
{
  g_autoptr (GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, NULL);
  memset (run, 0, sizeof *run);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_test_message ("%s: status %d\nstdout:\n%s\nstderr:\n%s", what, run->status, run->out,
                  run->err);
}

/* layerwise-cli with args (NULL-terminated); under mpirun -np ranks when
 * ranks > 0, with --distributed. */
static void
run_cli (Run *run, int ranks, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup ("-k"));
  g_ptr_array_add (argv, g_strdup ("10"));
  g_ptr_array_add (argv, g_strdup (JOB_TIMEOUT));
  if (ranks > 0)
    {
      g_ptr_array_add (argv, g_strdup (LW_MPIRUN));
      g_ptr_array_add (argv, g_strdup ("-np"));
      g_ptr_array_add (argv, g_strdup_printf ("%d", ranks));
      /* More ranks than this machine's cores. */
      g_ptr_array_add (argv, g_strdup ("--oversubscribe"));
    }
  g_ptr_array_add (argv, g_strdup (LW_CLI_PATH));
  if (ranks > 0)
    g_ptr_array_add (argv, g_strdup ("--distributed"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  {
    g_autofree char *what = g_strdup_printf ("-np %d", ranks);

    spawn_into (run, argv, what);
  }
}

static gboolean
can_run_mpi (void)
{
  if (!LW_HAVE_MPI)
    {
      g_test_skip ("built without MPI (meson option mpi; Debian: libopenmpi-dev)");
      return FALSE;
    }
  if (LW_MPIRUN[0] == '\0')
    {
      g_test_skip ("mpirun not found (Debian: openmpi-bin)");
      return FALSE;
    }
  return TRUE;
}

/* The epoch table's lines (an epoch number, then percentages) without
 * their two timing columns, one space between fields. */
static char *
table_without_timing (const char *out)
{
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GString *table = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit_set (lines[i], " ", -1);
      g_autoptr (GPtrArray) words = g_ptr_array_new ();
      guint64 epoch;

      for (guint f = 0; fields[f] != NULL; f++)
        if (fields[f][0] != '\0')
          g_ptr_array_add (words, fields[f]);
      if (words->len < 4 || strchr (lines[i], '%') == NULL
          || !g_ascii_string_to_unsigned (words->pdata[0], 10, 1, G_MAXUINT, &epoch, NULL))
        continue;
      for (guint w = 0; w + 2 < words->len; w++)
        g_string_append_printf (table, "%s%s", w ? " " : "", (char *) words->pdata[w]);
      g_string_append_c (table, '\n');
    }
  return g_string_free (table, FALSE);
}

typedef struct {
  const char *name;
  const char *args[20];
  int ranks[3];                 /* the rank counts to compare, 0-terminated */
} SameCase;

/* Three epochs, a milestone after the second (the rate changes at a
 * batch index every rank must agree on), dropout (each block's own
 * stream), a partial last batch, step rows every 3 steps. */
static const SameCase same_cases[] = {
  { "mlp", { "--limit-train", "1500", "--limit-test", "500", "--epochs", "3",
             "--num-hidden", "96", "--dropout", "0.1", "--lr-decay-milestones", "2",
             "--log-every", "3", NULL }, { 1, 2, 3 } },
  { "conv", { "--arch", "vgg-mini", "--limit-train", "700", "--limit-test", "200",
              "--epochs", "2", "--batch-size", "64", "--dropout", "0.1",
              "--lr-decay-milestones", "1", "--log-every", "2", NULL }, { 2, 3, 0 } },
  /* Each rank draws the label codes of every block, and trains its own
   * blocks with their own codes. */
  { "mlp-bpf", { "--limit-train", "600", "--limit-test", "200", "--epochs", "2",
                 "--num-hidden", "64", "--loss", "predsim-bpf", "--beta", "0.5",
                 "--log-every", "2", NULL }, { 3, 0, 0 } },
};

static void
test_same_metrics (gconstpointer data)
{
  const SameCase *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *seq_csv = NULL, *seq = NULL, *seq_table = NULL;
  Run run;

  if (!can_run_mpi ())
    return;
  dir = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  g_assert_no_error (error);
  seq_csv = g_build_filename (dir, "sequential.csv", NULL);

  {
    g_autoptr (GPtrArray) args = g_ptr_array_new ();

    for (guint i = 0; c->args[i] != NULL; i++)
      g_ptr_array_add (args, (gpointer) c->args[i]);
    g_ptr_array_add (args, (gpointer) "--threads");
    g_ptr_array_add (args, (gpointer) "1");
    g_ptr_array_add (args, (gpointer) "--metrics");
    g_ptr_array_add (args, seq_csv);
    g_ptr_array_add (args, NULL);
    run_cli (&run, 0, (const char *const *) args->pdata);
    g_assert_cmpint (run.status, ==, 0);
    seq_table = table_without_timing (run.out);
    run_clear (&run);
  }
  g_assert_true (g_file_get_contents (seq_csv, &seq, NULL, NULL));
  g_assert_cmpuint (strlen (seq), >, 500);
  g_assert_cmpuint (strlen (seq_table), >, 0);

  for (guint k = 0; k < G_N_ELEMENTS (c->ranks) && c->ranks[k] > 0; k++)
    {
      g_autofree char *csv = g_strdup_printf ("%s/ranks-%d.csv", dir, c->ranks[k]);
      g_autofree char *got = NULL, *table = NULL, *said = NULL;
      g_autoptr (GPtrArray) args = g_ptr_array_new ();

      for (guint i = 0; c->args[i] != NULL; i++)
        g_ptr_array_add (args, (gpointer) c->args[i]);
      g_ptr_array_add (args, (gpointer) "--metrics");
      g_ptr_array_add (args, csv);
      g_ptr_array_add (args, NULL);
      run_cli (&run, c->ranks[k], (const char *const *) args->pdata);
      g_assert_cmpint (run.status, ==, 0);
      said = g_strdup_printf ("distributed: %d rank", c->ranks[k]);
      g_assert_nonnull (strstr (run.out, said));
      g_assert_nonnull (strstr (run.out, "distributed stages: rank 0 blocks 1-"));
      if (c->ranks[k] > 1)
        g_assert_nonnull (strstr (run.out, "bytes per batch of"));
      table = table_without_timing (run.out);
      g_assert_cmpstr (table, ==, seq_table);
      run_clear (&run);

      g_assert_true (g_file_get_contents (csv, &got, NULL, NULL));
      g_assert_cmpstr (got, ==, seq);
      g_unlink (csv);
    }
  g_unlink (seq_csv);
  g_rmdir (dir);
}

/* SGD at lr 1e20 overflows within a few steps, as in test-cli. */
#define DIVERGING_ARGS "--optim", "sgd", "--lr", "1e20", "--limit-train", "1000", \
                       "--limit-test", "200", "--num-hidden", "64", "--epochs", "2", \
                       "--log-every", "2"

/* The "skipped ..." lines of a run's output, one after another. */
static char *
skipped_lines (const char *out)
{
  GString *lines = g_string_new (NULL);

  for (const char *at = strstr (out, "skipped "); at != NULL; at = strstr (at + 1, "\nskipped "))
    {
      if (*at == '\n')
        at++;
      g_string_append_len (lines, at, (gssize) strcspn (at, "\n") + 1);
    }
  g_assert_cmpuint (lines->len, >, 0);
  return g_string_free (lines, FALSE);
}

/* A step that diverges on any rank stops the whole job with status 3 and
 * the one-process message; with --on-divergence skip, two ranks drop the
 * same steps as one process and write the same metrics. */
static void
test_diverges (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *seq_csv = NULL, *dist_csv = NULL, *seq = NULL, *got = NULL;
  g_autofree char *seq_skipped = NULL, *dist_skipped = NULL;
  const char *stop_args[] = { DIVERGING_ARGS, NULL };
  Run run;

  if (!can_run_mpi ())
    return;
  run_cli (&run, 2, stop_args);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "training diverged at epoch 1 step "));
  g_assert_nonnull (strstr (run.err, "nothing non-finite was applied"));
  run_clear (&run);

  dir = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  g_assert_no_error (error);
  seq_csv = g_build_filename (dir, "sequential.csv", NULL);
  dist_csv = g_build_filename (dir, "distributed.csv", NULL);
  {
    const char *args[] = { DIVERGING_ARGS, "--on-divergence", "skip", "--threads", "1",
                           "--metrics", seq_csv, NULL };

    run_cli (&run, 0, args);
    g_assert_cmpint (run.status, ==, 0);
    seq_skipped = skipped_lines (run.out);
    run_clear (&run);
  }
  {
    const char *args[] = { DIVERGING_ARGS, "--on-divergence", "skip", "--metrics", dist_csv,
                           NULL };

    run_cli (&run, 2, args);
    g_assert_cmpint (run.status, ==, 0);
    dist_skipped = skipped_lines (run.out);
    run_clear (&run);
  }
  /* The same lines, with the first skipped step's detail. */
  g_assert_nonnull (strstr (seq_skipped, " (the first, step "));
  g_assert_cmpstr (dist_skipped, ==, seq_skipped);
  g_assert_true (g_file_get_contents (seq_csv, &seq, NULL, NULL));
  g_assert_true (g_file_get_contents (dist_csv, &got, NULL, NULL));
  g_assert_cmpstr (got, ==, seq);
  g_unlink (seq_csv);
  g_unlink (dist_csv);
  g_rmdir (dir);
}

static const char *const fault_args[] = {
  "--limit-train", "1500", "--limit-test", "500", "--epochs", "2", "--num-hidden", "96",
  NULL, NULL, NULL,
};

static void
run_fault (Run *run, const char *fault)
{
  const char *args[G_N_ELEMENTS (fault_args)];

  memcpy (args, fault_args, sizeof args);
  args[8] = "--distributed-fault";
  args[9] = fault;
  run_cli (run, 3, args);
}

/* Rank 1 alters one float after sealing step 5: rank 2 refuses it, names
 * both ranks, and the job ends. */
static void
test_corrupted_message (void)
{
  Run run;

  if (!can_run_mpi ())
    return;
  run_fault (&run, "corrupt:5");
  g_assert_cmpint (run.status, !=, 0);
  g_assert_cmpint (run.status, !=, TIMED_OUT);
  g_assert_nonnull (strstr (run.err, "layerwise-cli: rank 2: malformed message from rank 1 "
                                     "(payload checksum mismatch at step 5)"));
  g_assert_null (strstr (run.out, "final test accuracy"));
  run_clear (&run);
}

/* Rank 1 is killed at step 5: the others do not wait for it forever, and
 * the job's output names it. */
static void
test_killed_rank (void)
{
  Run run;

  if (!can_run_mpi ())
    return;
  run_fault (&run, "die:5");
  g_assert_cmpint (run.status, !=, 0);
  g_assert_cmpint (run.status, !=, TIMED_OUT);
  g_assert_nonnull (strstr (run.err, "rank 1"));
  g_assert_null (strstr (run.out, "final test accuracy"));
  run_clear (&run);
}

/* More ranks than blocks: every rank leaves with status 2 and one of them
 * says why. */
static void
test_too_many_ranks (void)
{
  const char *args[] = { "--limit-train", "300", "--epochs", "1", NULL };
  Run run;

  if (!can_run_mpi ())
    return;
  run_cli (&run, 4, args);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--distributed: 4 ranks, but this model splits into at "
                                     "most 3 stages"));
  run_clear (&run);
}

/* The last rank cannot create the metrics file: all ranks stop before
 * training, the message names the file. */
static void
test_metrics_unwritable (void)
{
  const char *args[] = { "--limit-train", "300", "--epochs", "1",
                         "--metrics", "/nonexistent/dir/x.csv", NULL };
  Run run;

  if (!can_run_mpi ())
    return;
  run_cli (&run, 2, args);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "rank 1: --metrics: cannot create '/nonexistent/dir/x.csv'"));
  g_assert_null (strstr (run.out, "epoch"));
  run_clear (&run);
}

/* Every rank parses the same bad flag; the user reads about it once. */
static void
test_bad_flag_said_once (void)
{
  const char *args[] = { "--lr", "abc", NULL };
  Run run;
  const char *first;

  if (!can_run_mpi ())
    return;
  run_cli (&run, 2, args);
  g_assert_cmpint (run.status, ==, 2);
  first = strstr (run.err, "layerwise-cli: --lr");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "layerwise-cli: --lr"));
  run_clear (&run);
}

/* A dataset rank 0 cannot load: every rank stops before training, with
 * status 2 and the reason said once. */
static void
test_dataset_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  const char *args[] = { "--dataset", "mnist", "--data-dir", dir, NULL };
  Run run;
  const char *first;

  g_assert_no_error (error);
  if (!can_run_mpi ())
    {
      g_rmdir (dir);
      return;
    }
  run_cli (&run, 2, args);
  g_assert_cmpint (run.status, ==, 2);
  first = strstr (run.err, "layerwise-cli: cannot load dataset mnist");
  g_assert_nonnull (first);
  g_assert_nonnull (strstr (first, dir));
  g_assert_null (strstr (first + 1, "layerwise-cli: cannot load"));
  g_assert_null (strstr (run.out, "epoch"));
  run_clear (&run);
  g_rmdir (dir);
}

/* Two ranks, each started by env with its own env_args (a working
 * folder, a variable: what another host would have), then the CLI with
 * --distributed and args. */
static void
run_two_hosts (Run *run, const char *const *env_args0, const char *const *env_args1,
               const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *const *env_args[2] = { env_args0, env_args1 };
  static const char *const timeout[] = { "timeout", "-k", "10", JOB_TIMEOUT };

  for (guint i = 0; i < G_N_ELEMENTS (timeout); i++)
    g_ptr_array_add (argv, g_strdup (timeout[i]));
  g_ptr_array_add (argv, g_strdup (LW_MPIRUN));
  g_ptr_array_add (argv, g_strdup ("--oversubscribe"));
  for (guint r = 0; r < 2; r++)
    {
      if (r > 0)
        g_ptr_array_add (argv, g_strdup (":"));
      g_ptr_array_add (argv, g_strdup ("-np"));
      g_ptr_array_add (argv, g_strdup ("1"));
      g_ptr_array_add (argv, g_strdup ("env"));
      for (guint i = 0; env_args[r][i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (env_args[r][i]));
      g_ptr_array_add (argv, g_strdup (LW_CLI_PATH));
      g_ptr_array_add (argv, g_strdup ("--distributed"));
      for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (args[i]));
    }
  spawn_into (run, argv, "two hosts");
}

/* Only rank 0's host needs the dataset's files: rank 1 starts in a folder
 * where the relative --data-dir is not, and the run trains. */
static void
test_data_on_rank_0_only (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *with = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  g_autofree char *without = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  g_autofree char *link = g_build_filename (with, "data", NULL);
  g_autofree char *subset = g_test_build_filename (G_TEST_DIST, "..", "data", "mnist-subset",
                                                   NULL);
  const char *env0[] = { "-C", with, NULL };
  const char *env1[] = { "-C", without, NULL };
  const char *args[] = { "--dataset", "mnist", "--data-dir", "data", "--limit-train", "300",
                         "--limit-test", "100", "--epochs", "1", "--num-hidden", "16", NULL };
  g_autofree char *table = NULL;
  Run run;

  g_assert_no_error (error);
  g_assert_cmpint (symlink (subset, link), ==, 0);
  if (can_run_mpi ())
    {
      run_two_hosts (&run, env0, env1, args);
      g_assert_cmpint (run.status, ==, 0);
      table = table_without_timing (run.out);
      g_assert_true (g_str_has_prefix (table, "1 "));
      g_assert_nonnull (strstr (run.out, "final test accuracy"));
      run_clear (&run);
    }
  g_unlink (link);
  g_rmdir (with);
  g_rmdir (without);
}

/* What is wrong on one host is said by its rank, named: here a presets
 * file that does not load on rank 1's host only. */
static void
test_host_error_said (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *good = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  g_autofree char *bad = g_dir_make_tmp ("test-distributed-XXXXXX", &error);
  g_autofree char *bad_dir = g_build_filename (bad, "layerwise", NULL);
  g_autofree char *bad_file = g_build_filename (bad_dir, "presets.ini", NULL);
  g_autofree char *env0_var = g_strconcat ("XDG_CONFIG_HOME=", good, NULL);
  g_autofree char *env1_var = g_strconcat ("XDG_CONFIG_HOME=", bad, NULL);
  const char *env0[] = { env0_var, NULL };
  const char *env1[] = { env1_var, NULL };
  const char *args[] = { "--preset", "1x256", "--limit-train", "300", "--limit-test", "100",
                         "--epochs", "1", NULL };
  const char *said;
  Run run;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (bad_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (bad_file, "[mine]\narch=mlp\nlayers 2\n", -1, NULL));
  if (can_run_mpi ())
    {
      run_two_hosts (&run, env0, env1, args);
      g_assert_cmpint (run.status, ==, 2);
      said = strstr (run.err, "layerwise-cli: rank 1: --preset: ");
      g_assert_nonnull (said);
      g_assert_nonnull (strstr (said, "presets.ini, line 3"));
      g_assert_null (strstr (run.out, "final test accuracy"));
      run_clear (&run);
    }
  g_unlink (bad_file);
  g_rmdir (bad_dir);
  g_rmdir (bad);
  g_rmdir (good);
}

/* Without MPI the flag is refused in one line, status 2. */
static void
test_without_mpi (void)
{
  const char *args[] = { "--distributed", NULL };
  Run run;

  if (LW_HAVE_MPI)
    {
      g_test_skip ("built with MPI");
      return;
    }
  run_cli (&run, 0, args);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "built without MPI"));
  g_assert_cmpuint (strchr (run.err, '\n') - run.err + 1, ==, strlen (run.err));
  run_clear (&run);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* mpirun refuses root unless told; CI runs as root. */
  g_setenv ("OMPI_ALLOW_RUN_AS_ROOT", "1", TRUE);
  g_setenv ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (same_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/distributed/same-metrics/%s",
                                               same_cases[i].name);

      g_test_add_data_func (path, &same_cases[i], test_same_metrics);
    }
  g_test_add_func ("/distributed/diverges", test_diverges);
  g_test_add_func ("/distributed/corrupted-message", test_corrupted_message);
  g_test_add_func ("/distributed/killed-rank", test_killed_rank);
  g_test_add_func ("/distributed/too-many-ranks", test_too_many_ranks);
  g_test_add_func ("/distributed/metrics-unwritable", test_metrics_unwritable);
  g_test_add_func ("/distributed/bad-flag-said-once", test_bad_flag_said_once);
  g_test_add_func ("/distributed/dataset-missing", test_dataset_missing);
  g_test_add_func ("/distributed/data-on-rank-0-only", test_data_on_rank_0_only);
  g_test_add_func ("/distributed/host-error-said", test_host_error_said);
  g_test_add_func ("/distributed/without-mpi", test_without_mpi);
  return g_test_run ();
}
