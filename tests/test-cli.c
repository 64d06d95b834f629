/* test-cli.c: layerwise-cli as a user meets it — bad flags are refused with
 * one clear line and status 2, and a tiny real run trains, reports and
 * writes a metrics CSV that parses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <glib.h>
#include <glib/gstdio.h>

#ifndef LW_CLI_PATH
#error "LW_CLI_PATH must name the layerwise-cli executable"
#endif

typedef struct {
  char *out;
  char *err;
  int status;                   /* exit status, or -1 if it did not exit normally */
} CliRun;

static void
cli_run_clear (CliRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Runs the CLI with the given arguments (NULL-terminated). */
static void
cli_run (CliRun *run, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int wait_status = 0;

  if (!g_file_test (LW_CLI_PATH, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("layerwise-cli not built at %s", LW_CLI_PATH);

  g_ptr_array_add (argv, (gpointer) LW_CLI_PATH);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  memset (run, 0, sizeof *run);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

typedef struct {
  const char *name;
  const char *args[6];
  const char *must_mention;     /* the flag or value the message has to name */
} BadCase;

static const BadCase bad_cases[] = {
  { "unknown-flag", { "--frobnicate", NULL }, "--frobnicate" },
  { "lr-not-a-number", { "--lr", "abc", NULL }, "abc" },
  { "lr-negative", { "--lr", "-1", NULL }, "--lr" },
  { "batch-size-zero", { "--batch-size", "0", NULL }, "--batch-size" },
  { "epochs-negative", { "--epochs", "-3", NULL }, "--epochs" },
  { "beta-above-one", { "--beta", "2", NULL }, "--beta" },
  { "dropout-one", { "--dropout", "1", NULL }, "--dropout" },
  { "loss-unknown", { "--loss", "nonsense", NULL }, "nonsense" },
  { "dataset-unknown", { "--dataset", "nonsense", NULL }, "nonsense" },
  { "nonlin-unknown", { "--nonlin", "tanh", NULL }, "tanh" },
  { "milestones-bad", { "--lr-decay-milestones", "50,x", NULL }, "--lr-decay-milestones" },
  { "data-dir-missing", { "--dataset", "mnist", "--data-dir", "/nonexistent", NULL }, "/nonexistent" },
  { "metrics-unwritable", { "--metrics", "/nonexistent/dir/x.csv", NULL }, "/nonexistent/dir/x.csv" },
  { "stray-argument", { "stray", NULL }, "stray" },
  { "missing-value", { "--epochs", NULL }, "--epochs" },
  { "arch-unknown", { "--arch", "nonsense", NULL }, "nonsense" },
  { "feat-mult-zero", { "--arch", "vgg8b", "--feat-mult", "0", NULL }, "--feat-mult" },
  { "dim-in-decoder-zero", { "--dim-in-decoder", "0", NULL }, "--dim-in-decoder" },
  { "conv-too-many-blocks", { "--arch", "vgg-mini", "--num-layers", "30", NULL }, "too many blocks" },
  { "classes-per-batch-negative", { "--classes-per-batch", "-2", NULL }, "--classes-per-batch" },
  { "classes-per-batch-above-batch", { "--classes-per-batch", "9", "--batch-size", "8", NULL },
    "--classes-per-batch: 9 is more than the batch size 8" },
  { "classes-per-batch-above-classes", { "--classes-per-batch", "11", NULL },
    "--classes-per-batch: 11 is more than the 10 classes" },
  { "classes-per-batch-until-alone", { "--classes-per-batch-until-epoch", "5", NULL },
    "--classes-per-batch-until-epoch" },
  { "schedule-unknown", { "--schedule", "fast", NULL }, "fast" },
  { "on-divergence-unknown", { "--on-divergence", "maybe", NULL }, "--on-divergence: unknown choice 'maybe'" },
  { "stages-zero", { "--schedule", "pipeline", "--stages", "0", NULL }, "--stages" },
  { "stages-above-blocks", { "--schedule", "pipeline", "--stages", "4", NULL },
    "--stages 4: this model has 3 blocks" },
};

static void
test_bad_value (gconstpointer data)
{
  const BadCase *bad = data;
  CliRun run;
  const char *newline;

  cli_run (&run, bad->args);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, bad->must_mention));
  /* One line: it ends the output, and there is no other. */
  newline = strchr (run.err, '\n');
  g_assert_nonnull (newline);
  g_assert_cmpstr (newline + 1, ==, "");
  g_assert_null (strstr (run.out, "final test accuracy"));
  cli_run_clear (&run);
}

/* A folder that exists but holds no dataset: the load error names it. */
static void
test_empty_data_dir (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  const char *args[] = { "--dataset", "mnist", "--data-dir", dir, NULL };
  CliRun run;

  g_assert_no_error (error);
  cli_run (&run, args);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "train-images"));
  g_assert_cmpstr (strchr (run.err, '\n'), ==, "\n");
  cli_run_clear (&run);
  g_rmdir (dir);
}

static void
test_help (void)
{
  const char *args[] = { "--help", NULL };
  CliRun run;

  cli_run (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < 12; i++)
    {
      const char *flag = (const char *[]) { "--loss", "--lr-decay-milestones", "--metrics", "--dataset",
                                            "--arch", "vgg-mini", "--feat-mult", "--dim-in-decoder",
                                            "--classes-per-batch", "--classes-per-batch-until-epoch",
                                            "--on-divergence", "3 when\ntraining diverged" }[i];

      g_assert_nonnull (strstr (run.out, flag));
    }
  cli_run_clear (&run);
}

static double
parse_number (const char *field)
{
  char *end = NULL;
  double v = g_ascii_strtod (field, &end);

  g_assert_true (end != field && *end == '\0');
  return v;
}

static void
check_fraction (const char *field)
{
  double v = parse_number (field);

  g_assert_cmpfloat (v, >=, 0.0);
  g_assert_cmpfloat (v, <=, 1.0);
}

/* The CSV's lines, header first; fails unless every row has the header's width. */
static GStrv
read_csv (const char *path, guint *n_columns)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  GStrv lines;
  g_auto (GStrv) header = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (text, "\n"));
  text[strlen (text) - 1] = '\0';
  lines = g_strsplit (text, "\n", -1);
  g_assert_nonnull (lines[0]);
  header = g_strsplit (lines[0], ",", -1);
  *n_columns = g_strv_length (header);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, *n_columns);
    }
  return lines;
}

/* A conv architecture end to end: its blocks are the three conv blocks
 * and the FC block (the arch's default FC part, here narrowed). vgg-mini
 * has a learning rate of its own (3e-3); an --lr given before --arch
 * still wins over it. */
static void
test_tiny_conv_run (void)
{
  const char *args[] = { "--arch", "vgg-mini", "--num-hidden", "32", "--limit-train", "256",
                         "--epochs", "1", "--batch-size", "64", "--threads", "1", NULL };
  const char *args_lr[] = { "--lr", "1e-3", "--arch", "vgg-mini", "--num-hidden", "32",
                            "--limit-train", "64", "--limit-test", "64", "--epochs", "1",
                            "--batch-size", "64", "--threads", "1", NULL };
  CliRun run;

  cli_run (&run, args);
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "model vgg-mini + FC 1x32"));
  g_assert_nonnull (strstr (run.out, "adam lr 0.003,"));
  g_assert_nonnull (strstr (run.out, "test-b4"));
  g_assert_null (strstr (run.out, "test-b5"));
  g_assert_nonnull (strstr (run.out, "final test accuracy"));
  cli_run_clear (&run);

  cli_run (&run, args_lr);
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "adam lr 0.001,"));
  cli_run_clear (&run);
}

static void
test_tiny_run (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GRegex) final_re = NULL;
  const char *expected_header =
    "kind,epoch,step,samples_seen,lr,loss_out,acc_out,"
    "block1_loss_pred,block1_loss_sim,block1_acc,"
    "block2_loss_pred,block2_loss_sim,block2_acc";
  guint n_columns, n_steps = 0, n_epochs = 0;
  CliRun run;

  g_assert_no_error (error);
  csv = g_build_filename (dir, "metrics.csv", NULL);
  {
    const char *args[] = { "--limit-train", "512", "--epochs", "1", "--num-hidden", "64",
                           "--num-layers", "2", "--threads", "1", "--metrics", csv, NULL };
    cli_run (&run, args);
  }
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  final_re = g_regex_new ("^final test accuracy [0-9]+\\.[0-9][0-9]%", G_REGEX_MULTILINE, 0, NULL);
  g_assert_true (g_regex_match (final_re, run.out, 0, NULL));
  g_assert_nonnull (strstr (run.out, "peak RSS"));
  /* stderr is a pipe here: no progress bar. */
  g_assert_null (strchr (run.err, '\r'));

  lines = read_csv (csv, &n_columns);
  g_assert_cmpstr (lines[0], ==, expected_header);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);

      g_assert_cmpfloat (parse_number (f[4]), ==, 5e-4);     /* lr */
      parse_number (f[5]);                                    /* loss_out */
      check_fraction (f[6]);                                  /* acc_out */
      if (g_str_equal (f[0], "epoch"))
        {
          n_epochs++;
          g_assert_cmpstr (f[1], ==, "1");
          g_assert_cmpstr (f[2], ==, "4");                    /* 512 / 128 steps */
          g_assert_cmpstr (f[3], ==, "512");
          for (guint b = 0; b < 2; b++)
            {
              parse_number (f[7 + 3 * b]);                    /* predsim has both parts */
              parse_number (f[8 + 3 * b]);
              check_fraction (f[9 + 3 * b]);
            }
        }
      else
        {
          g_assert_cmpstr (f[0], ==, "step");
          n_steps++;
        }
    }
  g_assert_cmpuint (n_epochs, ==, 1);
  g_assert_cmpuint (n_steps, >=, 1);   /* at least the last step of the epoch */

  cli_run_clear (&run);
  g_unlink (csv);
  g_rmdir (dir);
}

/* Milestone 1 quarters the learning rate from epoch 2 on (method.md §6). */
static void
test_lr_schedule (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;
  guint n_columns, n_epochs = 0;
  CliRun run;

  g_assert_no_error (error);
  csv = g_build_filename (dir, "metrics.csv", NULL);
  {
    const char *args[] = { "--limit-train", "100", "--epochs", "2", "--num-hidden", "16",
                           "--num-layers", "1", "--batch-size", "50", "--lr", "0.001",
                           "--lr-decay-milestones", "1", "--threads", "1",
                           "--metrics", csv, NULL };
    cli_run (&run, args);
  }
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);

  lines = read_csv (csv, &n_columns);
  g_assert_cmpuint (n_columns, ==, 10);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      double expected = g_str_equal (f[1], "1") ? 0.001 : 0.00025;

      g_assert_cmpfloat_with_epsilon (parse_number (f[4]), expected, 1e-12);
      if (g_str_equal (f[0], "epoch"))
        n_epochs++;
    }
  g_assert_cmpuint (n_epochs, ==, 2);

  cli_run_clear (&run);
  g_unlink (csv);
  g_rmdir (dir);
}

/* Classes per batch in epoch 1 only: its 3 batches are full (150 samples
 * of 120), epoch 2 is plain again (120 samples, the last batch short). */
static void
test_classes_per_batch (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;
  guint n_columns, n_epochs = 0;
  CliRun run;

  g_assert_no_error (error);
  csv = g_build_filename (dir, "metrics.csv", NULL);
  {
    const char *args[] = { "--limit-train", "120", "--limit-test", "100", "--epochs", "2",
                           "--num-hidden", "16", "--num-layers", "1", "--batch-size", "50",
                           "--classes-per-batch", "2", "--classes-per-batch-until-epoch", "1",
                           "--threads", "1", "--metrics", csv, NULL };
    cli_run (&run, args);
  }
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "batches of at most 2 classes until epoch 1, then plain\n"));
  g_assert_nonnull (strstr (run.out, "plain shuffled batches from epoch 2\n"));

  lines = read_csv (csv, &n_columns);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);

      if (!g_str_equal (f[0], "epoch"))
        continue;
      n_epochs++;
      g_assert_cmpstr (f[2], ==, n_epochs == 1 ? "3" : "6");           /* step */
      g_assert_cmpstr (f[3], ==, n_epochs == 1 ? "150" : "270");       /* samples_seen */
    }
  g_assert_cmpuint (n_epochs, ==, 2);

  cli_run_clear (&run);
  g_unlink (csv);
  g_rmdir (dir);
}

/* bp has no similarity loss: its CSV fields are empty, not 0 or nan. */
static void
test_bp_empty_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;
  guint n_columns, n_epochs = 0;
  CliRun run;

  g_assert_no_error (error);
  csv = g_build_filename (dir, "metrics.csv", NULL);
  {
    const char *args[] = { "--loss", "bp", "--limit-train", "128", "--epochs", "1",
                           "--num-hidden", "16", "--num-layers", "1", "--threads", "1",
                           "--metrics", csv, NULL };
    cli_run (&run, args);
  }
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);

  lines = read_csv (csv, &n_columns);
  g_assert_cmpuint (n_columns, ==, 10);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);

      parse_number (f[5]);
      g_assert_cmpstr (f[8], ==, "");                         /* block1_loss_sim */
      check_fraction (f[9]);                                  /* the probe's accuracy */
      if (g_str_equal (f[0], "epoch"))
        n_epochs++;
    }
  g_assert_cmpuint (n_epochs, ==, 1);

  cli_run_clear (&run);
  g_unlink (csv);
  g_rmdir (dir);
}

/* The pipeline schedule writes the same metrics, byte for byte, as the
 * sequential one on one thread: 3 epochs with dropout and an lr milestone. */
static void
test_pipeline_same_metrics (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *seq_csv = g_build_filename (dir, "sequential.csv", NULL);
  g_autofree char *pipe_csv = g_build_filename (dir, "pipeline.csv", NULL);
  g_autofree char *seq = NULL, *pipe = NULL;
  const char *schedules[][4] = { { "sequential", "1", "1", seq_csv },
                                 { "pipeline", "2", "3", pipe_csv } };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (schedules); i++)
    {
      const char *args[] = { "--limit-train", "1500", "--epochs", "3", "--num-hidden", "96",
                             "--dropout", "0.1", "--lr-decay-milestones", "2",
                             "--log-every", "3", "--schedule", schedules[i][0],
                             "--threads", schedules[i][1], "--stages", schedules[i][2],
                             "--metrics", schedules[i][3], NULL };
      CliRun run;

      cli_run (&run, args);
      g_test_message ("%s: %s", schedules[i][0], run.out);
      g_assert_cmpint (run.status, ==, 0);
      if (i == 1)
        g_assert_nonnull (strstr (run.out, "pipeline schedule: 3 stages"));
      cli_run_clear (&run);
    }
  g_assert_true (g_file_get_contents (seq_csv, &seq, NULL, NULL));
  g_assert_true (g_file_get_contents (pipe_csv, &pipe, NULL, NULL));
  g_assert_cmpuint (strlen (seq), >, 1000);
  g_assert_cmpstr (pipe, ==, seq);
  g_unlink (seq_csv);
  g_unlink (pipe_csv);
  g_rmdir (dir);
}

/* No field of the CSV holds a NaN or an infinity (a value that is not
 * there is an empty field). */
static void
assert_csv_finite (const char *path)
{
  guint n_columns;
  g_auto (GStrv) lines = read_csv (path, &n_columns);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ",", -1);

      for (guint k = 1; k < n_columns; k++)
        if (fields[k][0] != '\0')
          g_assert_true (isfinite (parse_number (fields[k])));
    }
}

/* SGD at lr 1e20 overflows within two steps. */
#define DIVERGING_ARGS "--optim", "sgd", "--lr", "1e20", "--limit-train", "1000", \
                       "--limit-test", "200", "--num-hidden", "64", "--epochs", "2", "--log-every", "2"

/* A run that diverges stops with one line naming the epoch, step, block,
 * what happened and the rate, and how to go on; status 3; the metrics
 * written so far hold only finite numbers. */
static void
test_diverged_stops (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  const char *args[] = { DIVERGING_ARGS, "--threads", "1", "--metrics", csv, NULL };
  g_autoptr (GRegex) line = g_regex_new ("^layerwise-cli: training diverged at epoch 1 step [0-9]+: "
                                         "(block [1-3]|the output layer) (loss|gradient) is "
                                         "(NaN|infinite) \\(learning rate 1e\\+20\\); nothing "
                                         "non-finite was applied\\. Lower --lr, or pass "
                                         "--on-divergence skip to drop such steps and continue\\.\n$",
                                         0, 0, &error);
  CliRun run;

  g_assert_no_error (error);
  cli_run (&run, args);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_true (g_regex_match (line, run.err, 0, NULL));
  g_assert_null (strstr (run.out, "final test accuracy"));
  assert_csv_finite (csv);
  cli_run_clear (&run);
  g_unlink (csv);
  g_rmdir (dir);
}

/* --on-divergence skip: the run goes to its end, says after each epoch
 * how many steps it dropped, and exits 0; the pipeline drops the same
 * steps. */
static void
test_diverged_skip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  char *skipped[2] = { NULL, NULL };
  char *text = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      const char *args[] = { DIVERGING_ARGS, "--on-divergence", "skip", "--metrics", csv,
                             "--threads", i == 0 ? "1" : "2",
                             "--schedule", i == 0 ? "sequential" : "pipeline", NULL };
      CliRun run;
      const char *at;

      cli_run (&run, args);
      g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "final test accuracy"));
      at = strstr (run.out, "skipped ");
      g_assert_nonnull (at);
      g_assert_nonnull (strstr (at, " that diverged in epoch 1 (the first, step "));
      skipped[i] = g_strndup (at, strcspn (at, "\n"));
      assert_csv_finite (csv);
      g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
      g_assert_nonnull (strstr (text, "\nepoch,2,"));
      g_clear_pointer (&text, g_free);
      cli_run_clear (&run);
    }
  g_assert_cmpstr (skipped[0], ==, skipped[1]);
  g_free (skipped[0]);
  g_free (skipped[1]);
  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/help", test_help);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/bad/%s", bad_cases[i].name);

      g_test_add_data_func (path, &bad_cases[i], test_bad_value);
    }
  g_test_add_func ("/cli/bad/data-dir-empty", test_empty_data_dir);
  g_test_add_func ("/cli/run/tiny", test_tiny_run);
  g_test_add_func ("/cli/run/tiny-conv", test_tiny_conv_run);
  g_test_add_func ("/cli/run/lr-schedule", test_lr_schedule);
  g_test_add_func ("/cli/run/bp-empty-fields", test_bp_empty_fields);
  g_test_add_func ("/cli/run/classes-per-batch", test_classes_per_batch);
  g_test_add_func ("/cli/run/pipeline-same-metrics", test_pipeline_same_metrics);
  g_test_add_func ("/cli/run/diverged-stops", test_diverged_stops);
  g_test_add_func ("/cli/run/diverged-skip", test_diverged_skip);

  return g_test_run ();
}
