/* test-cli.c: layerwise-cli as a user meets it — bad flags are refused with
 * one clear line and status 2, and a tiny real run trains, reports and
 * writes a metrics CSV that parses. */
#include <signal.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "engine/lw-live-controls.h"
#include "engine/lw-model.h"
#include "runfile/lw-run-file.h"
#include "runfile/lw-run-sections.h"
#include "lw-cli-flags.h"
#include "lw-cli-options.h"

#ifndef LW_CLI_PATH
#error "LW_CLI_PATH must name the layerwise-cli executable"
#endif
#ifndef LW_FLAG_TABLE_DOC
#error "LW_FLAG_TABLE_DOC must name the Markdown file with the flag table"
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
  /* The window's schedule takes the same rules and words (lw-lr-schedule.h). */
  { "milestones-decreasing", { "--lr-decay-milestones", "75,50", NULL },
    "--lr-decay-milestones: milestones must increase: 50 after 75" },
  { "milestones-zero", { "--lr-decay-milestones", "0", NULL },
    "--lr-decay-milestones: milestone 0 is out of range; expected 1 to 1000000" },
  { "decay-fact-above-one", { "--lr-decay-fact", "2", NULL },
    "--lr-decay-fact: learning-rate decay factor 2 is out of range: it must be above 0 and at "
    "most 1" },
  { "data-dir-missing", { "--dataset", "mnist", "--data-dir", "/nonexistent", NULL }, "/nonexistent" },
  { "metrics-unwritable", { "--metrics", "/nonexistent/dir/x.csv", NULL }, "/nonexistent/dir/x.csv" },
  { "stray-argument", { "stray", NULL }, "stray" },
  { "missing-value", { "--epochs", NULL }, "--epochs" },
  { "arch-unknown", { "--arch", "nonsense", NULL }, "nonsense" },
  { "feat-mult-zero", { "--arch", "vgg8b", "--feat-mult", "0", NULL }, "--feat-mult" },
  { "dim-in-decoder-zero", { "--dim-in-decoder", "0", NULL }, "--dim-in-decoder" },
  { "conv-too-many-blocks", { "--arch", "vgg-mini", "--num-layers", "30", NULL },
    "--num-layers 30: vgg-mini has 3 conv blocks, so at most 29 FC blocks" },
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
  { "stages-without-pipeline", { "--stages", "2", NULL }, "--stages 2: stages are those of --schedule pipeline" },
  { "stages-without-pipeline-out-of-range", { "--stages", "4", "--limit-train", "100", NULL },
    "--stages 4: stages are those of --schedule pipeline" },
  { "cutout-odd", { "--cutout", "15", NULL }, "--cutout 15: an odd side cuts a hole of side 14" },
  { "cutout-one", { "--cutout", "1", NULL }, "--cutout 1: an odd side" },
  { "distributed-with-pipeline", { "--distributed", "--schedule", "pipeline", NULL },
    "drop --schedule pipeline" },
  { "distributed-with-stages", { "--distributed", "--stages", "2", NULL }, "drop --stages" },
  { "distributed-bp", { "--distributed", "--loss", "bp", NULL }, "--loss bp cannot be split" },
  { "distributed-no-detach", { "--distributed", "--no-detach", NULL }, "--no-detach cannot be split" },
  { "distributed-save", { "--distributed", "--save", "x.lwrun", NULL }, "is not saved or resumed" },
  { "distributed-fault-alone", { "--distributed-fault", "die:3", NULL }, "needs --distributed" },
  { "distributed-fault-unknown", { "--distributed", "--distributed-fault", "melt:3", NULL },
    "melt" },
  { "checkpoint-without-save", { "--checkpoint-every", "5", NULL },
    "--checkpoint-every: 5 given without --save FILE" },
  { "save-unwritable", { "--save", "/nonexistent/dir/run.lwrun", "--limit-train", "100", NULL },
    "/nonexistent/dir/run.lwrun" },
};

/* layerwise-cli --flag value: accepted when the error is that of the
 * --dataset after it, which comes later. */
static void
run_live_flag (CliRun *run, const LwLiveControl *c, double value)
{
  g_autofree char *flag = g_strconcat ("--", c->name, NULL);
  g_autofree char *text = g_strdup_printf ("%.17g", value);
  const char *args[] = { flag, text, "--dataset", "nonsense", NULL };

  cli_run (run, args);
  g_test_message ("%s %s: %s", flag, text, run->err);
  g_assert_cmpint (run->status, ==, 2);
}

/* Each live control's flag takes exactly the range lw-live-controls.h
 * declares, the one the window's setters take (test-session's
 * /session/live-control-ranges), and refuses the rest with the same
 * message. */
static void
test_live_control_ranges (void)
{
  guint n_flags = 0;

  for (guint i = 0; i < LW_N_LIVE_CONTROLS; i++)
    {
      const LwLiveControl *c = lw_live_control_get (i);
      double below = c->min_open ? c->min : c->min - 1e-6 * MAX (1.0, fabs (c->min));
      double above = c->max_open ? c->max : c->max + 1e-6 * MAX (1.0, fabs (c->max));
      double lowest = c->min_open ? c->min + 1e-6 * MAX (1.0, fabs (c->min)) : c->min;
      double highest = isinf (c->max) ? 1e30
                       : c->max_open ? nextafter (c->max, -INFINITY) : c->max;
      const double accepted[] = { lowest, highest };
      const double refused[] = { below, above };
      CliRun run;

      if (!c->cli)
        continue;
      n_flags++;
      for (guint k = 0; k < G_N_ELEMENTS (accepted); k++)
        {
          run_live_flag (&run, c, accepted[k]);
          g_assert_nonnull (strstr (run.err, "nonsense"));
          cli_run_clear (&run);
        }
      for (guint k = 0; k < G_N_ELEMENTS (refused); k++)
        {
          g_autofree char *why = NULL;
          g_autofree char *expected = NULL;

          /* An infinite bound: the largest double, then an overflow. */
          if (isinf (refused[k]))
            continue;
          why = lw_live_control_out_of_range (c, refused[k]);
          expected = g_strdup_printf ("--%s: %s", c->name, why);
          g_assert_nonnull (why);
          run_live_flag (&run, c, refused[k]);
          if (strstr (run.err, expected) == NULL)
            g_error ("--%s %.17g: \"%s\" does not say \"%s\"", c->name, refused[k], run.err,
                     expected);
          cli_run_clear (&run);
        }
    }
  g_assert_cmpuint (n_flags, ==, 3);      /* --beta, --lr, --dropout */
}

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
  for (guint i = 0; i < 13; i++)
    {
      const char *flag = (const char *[]) { "--loss", "--lr-decay-milestones", "--metrics", "--dataset",
                                            "--arch", "vgg-mini", "--feat-mult", "--dim-in-decoder",
                                            "--classes-per-batch", "--classes-per-batch-until-epoch",
                                            "--on-divergence", "3 when\ntraining diverged",
                                            "--force" }[i];

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

/* Milestone 1 quarters the learning rate from epoch 2 on (docs/method.md §6). */
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
  /* --threads twice for the sequential schedule, which takes no --stages. */
  const char *schedules[][5] = { { "sequential", "1", "--threads", "1", seq_csv },
                                 { "pipeline", "2", "--stages", "3", pipe_csv } };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (schedules); i++)
    {
      const char *args[] = { "--limit-train", "1500", "--epochs", "3", "--num-hidden", "96",
                             "--dropout", "0.1", "--lr-decay-milestones", "2",
                             "--log-every", "3", "--schedule", schedules[i][0],
                             "--threads", schedules[i][1], schedules[i][2], schedules[i][3],
                             "--metrics", schedules[i][4], NULL };
      CliRun run;

      cli_run (&run, args);
      g_test_message ("%s: %s", schedules[i][0], run.out);
      g_assert_cmpint (run.status, ==, 0);
      if (i == 1)
        g_assert_nonnull (strstr (run.out, "pipeline schedule: 3 stages on 2 threads"));
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

/* Without --schedule, two threads take the pipeline (auto), one thread and
 * bp the sequential schedule; the run saved is the same, byte for byte, as
 * --schedule sequential on one thread (two-thread products add in another
 * order, so that is the run the pipeline matches). */
static void
test_schedule_default_auto (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *auto_run = g_build_filename (dir, "auto.lwrun", NULL);
  g_autofree char *seq_run = g_build_filename (dir, "sequential.lwrun", NULL);
  g_autofree char *a = NULL, *b = NULL;
  gsize a_len, b_len;
  const char *common[] = { "--limit-train", "1200", "--epochs", "2", "--num-hidden", "96",
                           "--dropout", "0.1", NULL };
  struct {
    const char *extra[6];
    const char *save;
    gboolean pipeline;
  } runs[] = {
    { { "--threads", "2", NULL }, auto_run, TRUE },
    { { "--threads", "1", "--schedule", "sequential", NULL }, seq_run, FALSE },
    { { "--threads", "1", NULL }, NULL, FALSE },
    { { "--threads", "2", "--loss", "bp", NULL }, NULL, FALSE },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      const char *args[20];
      guint n = 0;
      CliRun run;

      for (guint k = 0; common[k] != NULL; k++)
        args[n++] = common[k];
      for (guint k = 0; runs[i].extra[k] != NULL; k++)
        args[n++] = runs[i].extra[k];
      if (runs[i].save != NULL)
        {
          args[n++] = "--save";
          args[n++] = runs[i].save;
        }
      args[n] = NULL;
      cli_run (&run, args);
      g_test_message ("run %u: %s", i, run.out);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_true ((strstr (run.out, "pipeline schedule:") != NULL) == runs[i].pipeline);
      cli_run_clear (&run);
    }
  g_assert_true (g_file_get_contents (auto_run, &a, &a_len, NULL));
  g_assert_true (g_file_get_contents (seq_run, &b, &b_len, NULL));
  g_assert_cmpuint (a_len, >, 100000);
  g_assert_true (a_len == b_len && memcmp (a, b, a_len) == 0);
  g_unlink (auto_run);
  g_unlink (seq_run);
  g_rmdir (dir);
}

static char *config_dir;       /* XDG_CONFIG_HOME of every run: the user's presets */

static void
write_user_presets (const char *text)
{
  g_autofree char *dir = g_build_filename (config_dir, "layerwise", NULL);
  g_autofree char *path = g_build_filename (dir, "presets.ini", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* --preset: a built-in network, a preset of the user's with its whole
 * recipe (flags beside it win, in any order), and the clear refusals. */
static void
test_preset (void)
{
  const char *const builtin[] = { "--preset", "vgg-mini", "--epochs", "1", "--limit-train", "64",
                                  "--limit-test", "32", "--batch-size", "32", NULL };
  const char *const mine[] = { "--seed", "9", "--preset", "mine", "--epochs", "1",
                               "--limit-train", "256", "--limit-test", "64", NULL };
  const char *const unknown[] = { "--preset", "vgg9", NULL };
  const char *const recipe[] = { "--preset", "recipe", "--limit-train", "256", "--limit-test", "64",
                                 "--threads", "1", NULL };
  CliRun run;

  write_user_presets ("# mine\n[mine]\narch=mlp\nlayers=2\nhidden=32\nloss=sim\n"
                      "lr=2e-3\nbatch-size=32\nseed=5\n");
  cli_run (&run, builtin);
  g_assert_nonnull (strstr (run.out, "model vgg-mini"));
  g_assert_nonnull (strstr (run.out, "lr 0.003"));
  cli_run_clear (&run);

  cli_run (&run, mine);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "model mlp 2x32, loss sim"));
  g_assert_nonnull (strstr (run.out, "lr 0.002, batch 32"));
  g_assert_nonnull (strstr (run.out, "seed 9"));
  cli_run_clear (&run);

  /* A recipe's dropout, non-linearity, schedule and epochs. */
  write_user_presets ("[recipe]\narch=mlp\nlayers=1\nhidden=32\nnonlin=leakyrelu\ndropout=0.05\n"
                      "lr-milestones=1\nlr-decay-factor=0.5\nepochs=2\n");
  cli_run (&run, recipe);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "leakyrelu, adam lr 0.0005, batch 128, dropout 0.05"));
  g_assert_nonnull (strstr (run.out, "2 epochs"));
  g_assert_nonnull (strstr (run.out, "learning rate 0.00025 from epoch 2"));
  cli_run_clear (&run);
  write_user_presets ("[recipe]\narch=mlp\nlr-milestones=3,2\n");
  cli_run (&run, recipe);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "[recipe], key lr-milestones: milestones must increase: 2 after 3"));
  cli_run_clear (&run);
  write_user_presets ("# mine\n[mine]\narch=mlp\nlayers=2\nhidden=32\nloss=sim\n"
                      "lr=2e-3\nbatch-size=32\nseed=5\n");

  /* An unknown name lists the presets there are, the user's too. */
  cli_run (&run, unknown);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "unknown preset 'vgg9'"));
  g_assert_nonnull (strstr (run.err, "3x1024"));
  g_assert_nonnull (strstr (run.err, "mine"));
  cli_run_clear (&run);

  /* A bad file: named, with the line or the key at fault. */
  write_user_presets ("[mine]\narch=mlp\nlr=fast\n");
  cli_run (&run, mine);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "presets.ini"));
  g_assert_nonnull (strstr (run.err, "[mine], key lr"));
  g_assert_nonnull (strstr (run.err, "fast"));
  cli_run_clear (&run);
  write_user_presets ("[mine]\narch=mlp\nlayers 2\n");
  cli_run (&run, mine);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "presets.ini, line 3"));
  cli_run_clear (&run);
  /* Without --preset the file is not read (the README says so). */
  cli_run (&run, builtin + 2);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.err, "presets.ini"));
  cli_run_clear (&run);

  write_user_presets ("");
}

/* ------------------------------------------------------------------ */
/* The flag table */

/* The text of path between its flag-table markers. */
static char *
doc_flag_table (const char *path)
{
  g_autofree char *text = NULL;
  const char *begin, *end;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  begin = strstr (text, "<!-- flag-table:begin -->\n");
  g_assert_nonnull (begin);
  begin += strlen ("<!-- flag-table:begin -->\n");
  end = strstr (begin, "<!-- flag-table:end -->");
  g_assert_nonnull (end);
  return g_strndup (begin, end - begin);
}

/* The documentation's flag table is the one lw-cli-flags.c makes: each
 * flag's default and meaning written once. */
static void
test_flag_table_doc (void)
{
  g_autofree char *doc = doc_flag_table (LW_FLAG_TABLE_DOC);
  g_autofree char *table = lw_cli_flags_markdown ();

  if (!g_str_equal (doc, table))
    g_test_message ("%s: the flag table differs from lw-cli-flags.c's; paste the output of "
                    "_build/tests/print-flag-table between the markers", LW_FLAG_TABLE_DOC);
  g_assert_cmpstr (doc, ==, table);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The "--flag" names in text from after start to before stop, sorted and
 * joined by spaces. */
static char *
flags_between (const char *text, const char *start, const char *stop)
{
  const char *p = strstr (text, start), *end;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (p);
  end = strstr (p, stop);
  g_assert_nonnull (end);
  while ((p = strstr (p, "--")) != NULL && p < end)
    {
      gsize n = strspn (p + 2, "abcdefghijklmnopqrstuvwxyz-");

      g_ptr_array_add (names, g_strndup (p + 2, n));
      p += 2 + n;
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* The flags a resumed run may give, as --help and the documentation list
 * them, are those of the table's column (--resume itself aside). */
static void
test_flag_table_resume_list (void)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autofree char *expected = NULL, *help_list = NULL, *doc_list = NULL, *doc = NULL;
  const char *help_args[] = { "--help", NULL };
  CliRun run;

  for (guint i = 0; i < lw_cli_n_flags; i++)
    if (lw_cli_flags[i].resume_may_change && !g_str_equal (lw_cli_flags[i].name, "resume"))
      g_ptr_array_add (names, (gpointer) lw_cli_flags[i].name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  expected = g_strjoinv (" ", (char **) names->pdata);

  cli_run (&run, help_args);
  g_assert_cmpint (run.status, ==, 0);
  help_list = flags_between (run.out, "A resumed run keeps its settings:", "may be given");
  g_assert_cmpstr (help_list, ==, expected);
  cli_run_clear (&run);

  g_assert_true (g_file_get_contents (LW_FLAG_TABLE_DOC, &doc, NULL, NULL));
  doc_list = flags_between (doc, "A resumed run keeps its settings: with it you may give",
                            "; any other flag");
  g_assert_cmpstr (doc_list, ==, expected);
}

/* --help states the defaults in its translated sentences: each must be
 * the table's (a choice's name marked "(default)", a number after
 * "(default "). */
static void
test_flag_table_help_defaults (void)
{
  for (guint i = 0; i < lw_cli_n_flags; i++)
    {
      const LwCliFlag *f = &lw_cli_flags[i];
      g_autofree char *said = NULL;
      const char *at;

      if (f->def == NULL)
        continue;
      said = f->type == LW_CLI_FLAG_CHOICE ? g_strdup_printf ("%s (default)", f->def)
                                           : g_strdup_printf ("(default %s", f->def);
      g_test_message ("--%s: %s", f->name, said);
      at = strstr (f->help, said);
      g_assert_nonnull (at);
      /* The whole number: "(default 1)" is not "(default 12)". */
      g_assert_nonnull (strchr ("):;, ", at[strlen (said)]));
    }
}

/* layerwise-cli's options parsed in this process (no --help). */
static gboolean
parse_args (const char *const *args, LwCliOptions *opts, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  char **v;
  int argc;
  gboolean ok;

  g_ptr_array_add (argv, g_strdup ("layerwise-cli"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  /* The parser removes what it reads from the vector it is given. */
  v = g_memdup2 (argv->pdata, argv->len * sizeof (char *));
  argc = (int) argv->len - 1;
  lw_cli_options_init (opts);
  ok = lw_cli_options_parse (opts, &argc, &v, error);
  g_free (v);
  return ok;
}

/* --num-layers: at most 32 blocks with the conv blocks, refused when
 * parsed with the architecture's limit named; the limit is the model's
 * own, and --help and the documentation give it. */
static void
test_num_layers_limit (void)
{
  g_autofree char *doc = doc_flag_table (LW_FLAG_TABLE_DOC);
  const LwCliFlag *flag = lw_cli_flag_find ("num-layers");

  for (int a = 0; a < LW_N_ARCHS; a++)
    {
      const char *arch = lw_arch_to_string ((LwArch) a);
      LwModelConfig config;
      guint limit;
      g_autoptr (GError) error = NULL;
      g_autoptr (LwModel) model = NULL;
      g_autofree char *at = NULL, *above = NULL, *said = NULL, *in_help = NULL, *in_doc = NULL;
      LwCliOptions opts;

      lw_model_config_init (&config);
      config.arch = (LwArch) a;
      config.in_channels = 3;
      config.in_height = config.in_width = 32;
      config.num_layers = 0;
      limit = LW_MAX_BLOCKS - lw_model_config_n_blocks (&config);
      at = g_strdup_printf ("%u", limit);
      above = g_strdup_printf ("%u", limit + 1);

      /* The model takes the limit and refuses one more. */
      config.num_layers = limit;
      config.num_hidden = 4;
      config.dim_in_decoder = 16;
      config.batch_size = 2;
      model = lw_model_new (&config, &error);
      g_assert_no_error (error);
      g_clear_pointer (&model, lw_model_free);
      config.num_layers = limit + 1;
      g_assert_null (lw_model_new (&config, NULL));

      g_assert_true (parse_args ((const char *[]) { "--arch", arch, "--num-layers", at, NULL },
                                 &opts, &error));
      g_assert_no_error (error);
      lw_cli_options_clear (&opts);
      /* Either order. */
      g_assert_false (parse_args ((const char *[]) { "--num-layers", above, "--arch", arch, NULL },
                                  &opts, &error));
      lw_cli_options_clear (&opts);
      g_test_message ("%s", error->message);
      said = limit == LW_MAX_BLOCKS ? g_strdup_printf ("expected 1 to %u", limit)
                                    : g_strdup_printf ("so at most %u FC blocks", limit);
      g_assert_nonnull (strstr (error->message, said));

      in_help = g_strdup_printf ("%s %u", arch, limit);
      g_assert_nonnull (strstr (flag->help, in_help));
      in_doc = g_strdup_printf ("`%s` %u", arch, limit);
      g_assert_nonnull (strstr (doc, in_doc));
    }
}

/* ------------------------------------------------------------------ */
/* Runs on disk */

static char *
read_file (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* args, then --epochs epochs --metrics csv --save run; asserts success. */
static void
run_ok (const char *const *args, const char *epochs, const char *csv, const char *save,
        const char *resume)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  CliRun run;

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) "--epochs");
  g_ptr_array_add (argv, (gpointer) epochs);
  g_ptr_array_add (argv, (gpointer) "--metrics");
  g_ptr_array_add (argv, (gpointer) csv);
  if (save != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--save");
      g_ptr_array_add (argv, (gpointer) save);
    }
  if (resume != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--resume");
      g_ptr_array_add (argv, (gpointer) resume);
    }
  g_ptr_array_add (argv, NULL);
  cli_run (&run, (const char *const *) argv->pdata);
  g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
  g_assert_cmpint (run.status, ==, 0);
  cli_run_clear (&run);
}

/* The run's output in the test log, made valid UTF-8 (for TAP) where a
 * path in it is not. */
static void
log_output (const CliRun *run)
{
  g_autofree char *out = g_utf8_make_valid (run->out, -1);
  g_autofree char *err = g_utf8_make_valid (run->err, -1);

  g_test_message ("stdout: %s\nstderr: %s", out, err);
}

/* Runs the CLI on args plus the NULL-terminated further arguments; returns
 * its exit status (stdout and stderr in the test log). */
static int
run_with (const char *const *args, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list more;
  CliRun run;
  int status;

  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  va_start (more, args);
  while ((arg = va_arg (more, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (more);
  g_ptr_array_add (argv, NULL);
  cli_run (&run, (const char *const *) argv->pdata);
  log_output (&run);
  status = run.status;
  cli_run_clear (&run);
  return status;
}

/* Two epochs straight, against one epoch saved and a second resumed
 * from the file (with nothing but --epochs, --threads, --metrics given):
 * the same metrics CSV and the same final run file, byte for byte (the
 * run file holds every parameter, moment and random stream). */
static void
check_resume_identical_with (const char *const *args, const char *const *resume_args)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *straight_csv = g_build_filename (dir, "straight.csv", NULL);
  g_autofree char *straight_run = g_build_filename (dir, "straight.lwrun", NULL);
  g_autofree char *resumed_csv = g_build_filename (dir, "resumed.csv", NULL);
  g_autofree char *resumed_run = g_build_filename (dir, "resumed.lwrun", NULL);
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr (GBytes) ra = NULL, rb = NULL;

  g_assert_no_error (error);
  run_ok (args, "2", straight_csv, straight_run, NULL);
  run_ok (args, "1", resumed_csv, resumed_run, NULL);
  a = read_file (resumed_csv);
  g_assert_null (strstr (a, "epoch,2,"));
  g_free (a);
  run_ok (resume_args, "2", resumed_csv, NULL, resumed_run);

  a = read_file (straight_csv);
  b = read_file (resumed_csv);
  g_assert_nonnull (strstr (a, "epoch,2,"));
  g_assert_true (g_str_equal (b, a));
  ra = read_bytes (straight_run);
  rb = read_bytes (resumed_run);
  g_assert_cmpuint (g_bytes_get_size (ra), >, 10000);
  g_assert_true (g_bytes_equal (ra, rb));

  g_unlink (straight_csv);
  g_unlink (straight_run);
  g_unlink (resumed_csv);
  g_unlink (resumed_run);
  g_rmdir (dir);
}

static void
check_resume_identical (const char *const *args)
{
  const char *resume_args[] = { "--threads", "1", NULL };

  check_resume_identical_with (args, resume_args);
}

/* A run that stops before its first metrics row (a finished run resumed,
 * a damaged run file, a dataset that is not there) leaves an existing
 * --metrics file as it was, and creates none: it used to empty it. */
static void
test_metrics_kept (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *run_file = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *damaged = g_build_filename (dir, "damaged.lwrun", NULL);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  g_autofree char *fresh = g_build_filename (dir, "fresh.csv", NULL);
  g_autofree char *empty_dir = g_build_filename (dir, "no-data", NULL);
  g_autofree char *before = NULL;
  const char *args[] = { "--limit-train", "300", "--limit-test", "60", "--num-hidden", "16",
                         "--threads", "1", NULL };
  const char *finished[] = { "--resume", run_file, "--metrics", csv, NULL };
  const char *bad[] = { "--resume", damaged, "--metrics", csv, NULL };
  const char *no_data[] = { "--dataset", "mnist", "--data-dir", empty_dir, "--metrics", csv, NULL };
  const char *finished_fresh[] = { "--resume", run_file, "--metrics", fresh, NULL };

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (empty_dir, 0755), ==, 0);
  run_ok (args, "1", csv, run_file, NULL);
  before = read_file (csv);
  g_assert_nonnull (strstr (before, "epoch,1,"));
  g_assert_true (g_file_set_contents (damaged, "\x89LWRUN\r\n cut", -1, NULL));

  g_assert_cmpint (run_with (finished, NULL), ==, 0);
  g_assert_cmpint (run_with (bad, NULL), ==, 2);
  g_assert_cmpint (run_with (no_data, NULL), ==, 2);
  {
    g_autofree char *after = read_file (csv);

    g_assert_cmpstr (after, ==, before);
  }
  g_assert_cmpint (run_with (finished_fresh, NULL), ==, 0);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));

  g_unlink (csv);
  g_unlink (run_file);
  g_unlink (damaged);
  g_rmdir (empty_dir);
  g_rmdir (dir);
}

/* The classes-per-batch sampler resumed for epoch 2, sequentially and
 * through the pipeline: the batches of the unbroken run (they depended on
 * epoch 1's order, which a resumed run did not have). */
static void
test_resume_classes_per_batch (void)
{
  const char *args[] = { "--limit-train", "1000", "--limit-test", "100", "--num-hidden", "32",
                         "--log-every", "4", "--threads", "1", "--classes-per-batch", "3", NULL };
  const char *sequential[] = { "--threads", "1", NULL };
  const char *pipeline[] = { "--threads", "2", "--schedule", "pipeline", NULL };

  check_resume_identical_with (args, sequential);
  check_resume_identical_with (args, pipeline);
}

/* Every value of every enum a CLI run file stores, each saved and resumed
 * to the unbroken run: the seven losses (and both non-linearities), both
 * optimizers, every architecture (VGG8b and VGG11b on a few images), a
 * dataset other than the built-in one. */
static void
test_resume_every_enum (void)
{
  const char *small[] = { "--limit-train", "300", "--limit-test", "60", "--num-hidden", "16",
                          "--num-layers", "2", "--log-every", "2", "--threads", "1", NULL };
  const char *tiny_conv[] = { "--limit-train", "8", "--limit-test", "4", "--batch-size", "4",
                              "--num-hidden", "16", "--dim-in-decoder", "64", "--log-every", "1",
                              "--threads", "1", "--optim", "sgd", "--momentum", "0.5",
                              "--lr", "0.01", NULL };
  const char *losses[] = { "pred", "sim", "predsim", "bp", "pred-bpf", "sim-bpf", "predsim-bpf" };
  const char *archs[] = { "vgg8b", "vgg11b" };

  for (guint i = 0; i < G_N_ELEMENTS (losses); i++)
    {
      g_autoptr (GPtrArray) args = g_ptr_array_new ();

      for (guint k = 0; small[k] != NULL; k++)
        g_ptr_array_add (args, (gpointer) small[k]);
      g_ptr_array_add (args, (gpointer) "--loss");
      g_ptr_array_add (args, (gpointer) losses[i]);
      g_ptr_array_add (args, (gpointer) "--nonlin");
      g_ptr_array_add (args, (gpointer) (i % 2 ? "leakyrelu" : "relu"));
      g_ptr_array_add (args, (gpointer) "--optim");
      g_ptr_array_add (args, (gpointer) (i % 2 ? "sgd" : "adam"));
      if (i % 2)
        g_ptr_array_add (args, (gpointer) "--lr");
      if (i % 2)
        g_ptr_array_add (args, (gpointer) "0.01");
      g_ptr_array_add (args, NULL);
      g_test_message ("loss %s", losses[i]);
      check_resume_identical ((const char *const *) args->pdata);
    }
  for (guint i = 0; i < G_N_ELEMENTS (archs); i++)
    {
      g_autoptr (GPtrArray) args = g_ptr_array_new ();

      g_ptr_array_add (args, (gpointer) "--arch");
      g_ptr_array_add (args, (gpointer) archs[i]);
      for (guint k = 0; tiny_conv[k] != NULL; k++)
        g_ptr_array_add (args, (gpointer) tiny_conv[k]);
      g_ptr_array_add (args, NULL);
      g_test_message ("arch %s", archs[i]);
      check_resume_identical ((const char *const *) args->pdata);
    }
  if (g_file_test ("/usr/share/datasets/fashion-mnist", G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GPtrArray) args = g_ptr_array_new ();

      g_ptr_array_add (args, (gpointer) "--dataset");
      g_ptr_array_add (args, (gpointer) "fashion-mnist");
      for (guint k = 0; small[k] != NULL; k++)
        g_ptr_array_add (args, (gpointer) small[k]);
      g_ptr_array_add (args, NULL);
      check_resume_identical ((const char *const *) args->pdata);
    }
  else
    g_test_message ("no Fashion-MNIST (dataset-fashion-mnist): that dataset left out");
}

static void
test_resume_mlp (void)
{
  const char *args[] = { "--limit-train", "1000", "--limit-test", "300", "--num-hidden", "64",
                         "--dropout", "0.1", "--log-every", "3", "--lr-decay-milestones", "1",
                         "--threads", "1", NULL };

  check_resume_identical (args);
}

static void
test_resume_conv (void)
{
  const char *args[] = { "--arch", "vgg-mini", "--limit-train", "640", "--limit-test", "200",
                         "--num-hidden", "32", "--dropout", "0.1", "--log-every", "2",
                         "--optim", "sgd", "--momentum", "0.9", "--lr", "0.01",
                         "--threads", "1", NULL };

  check_resume_identical (args);
}

/* A run file of format 1 (tests/fixtures, made by make-run-fixtures.sh),
 * resumed from a copy to epochs, gives the metrics of one unbroken run of
 * the command that wrote it (args) to epochs: the keys added since take
 * the values their absence implies. */
static void
check_fixture_resumes (const char *name, const char *const *args, const char *epochs)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *fixture = g_build_filename (LW_TEST_FIXTURES_DIR, name, NULL);
  g_autofree char *copy = g_build_filename (dir, name, NULL);
  g_autofree char *straight_csv = g_build_filename (dir, "straight.csv", NULL);
  g_autofree char *resumed_csv = g_build_filename (dir, "resumed.csv", NULL);
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr (GBytes) bytes = read_bytes (fixture);
  const char *resume_args[] = { "--threads", "1", NULL };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (copy, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
  run_ok (args, epochs, straight_csv, NULL, NULL);
  run_ok (resume_args, epochs, resumed_csv, NULL, copy);
  a = read_file (straight_csv);
  b = read_file (resumed_csv);
  g_assert_cmpstr (b, ==, a);

  g_unlink (copy);
  g_unlink (straight_csv);
  g_unlink (resumed_csv);
  g_rmdir (dir);
}

static void
test_resume_fixture_mlp (void)
{
  const char *args[] = { "--limit-train", "600", "--limit-test", "100", "--num-layers", "2",
                         "--num-hidden", "32", "--threads", "1", "--log-every", "2",
                         "--classes-per-batch", "3", "--classes-per-batch-until-epoch", "1",
                         "--lr-decay-milestones", "1", NULL };

  check_fixture_resumes ("cli-mlp-v1.lwrun", args, "3");
}

static void
test_resume_fixture_conv (void)
{
  const char *args[] = { "--arch", "vgg-mini", "--num-hidden", "32", "--dim-in-decoder", "64",
                         "--limit-train", "128", "--limit-test", "64", "--batch-size", "32",
                         "--threads", "1", "--optim", "sgd", "--lr", "0.01", "--momentum", "0.9",
                         "--cutout", "14", "--log-every", "1", NULL };

  check_fixture_resumes ("cli-conv-v1.lwrun", args, "2");
}

/* A bpf run of the format-2 build, the last whose blocks shared one
 * label code (tests/fixtures/cli-mlp-bpf-v2.lwrun, written by that build
 * with bpf_fixture_args and --epochs 2 --force --save FILE), resumed to
 * epoch 3: the metrics of an unbroken run with --shared-target-proj, and
 * not those of one with a code per block; saved back, the file says so. */
static void
test_resume_fixture_bpf_shared (void)
{
  const char *bpf_fixture_args[] = { "--limit-train", "600", "--limit-test", "100",
                                     "--num-layers", "2", "--num-hidden", "32", "--threads", "1",
                                     "--log-every", "2", "--loss", "predsim-bpf", "--beta", "0.5",
                                     NULL, NULL };
  const guint shared_slot = G_N_ELEMENTS (bpf_fixture_args) - 2;
  const char *resume_args[] = { "--threads", "1", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *fixture = g_build_filename (LW_TEST_FIXTURES_DIR, "cli-mlp-bpf-v2.lwrun",
                                               NULL);
  g_autofree char *copy = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *shared_csv = g_build_filename (dir, "shared.csv", NULL);
  g_autofree char *own_csv = g_build_filename (dir, "own.csv", NULL);
  g_autofree char *resumed_csv = g_build_filename (dir, "resumed.csv", NULL);
  g_autofree char *shared = NULL, *own = NULL, *resumed = NULL;
  g_autofree char *model_key = NULL, *cli_key = NULL;
  g_autoptr (GBytes) bytes = read_bytes (fixture);
  g_autoptr (GKeyFile) kf = NULL;
  g_autoptr (LwRunFile) saved = NULL;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (copy, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
  run_ok (bpf_fixture_args, "3", own_csv, NULL, NULL);
  bpf_fixture_args[shared_slot] = "--shared-target-proj";
  run_ok (bpf_fixture_args, "3", shared_csv, NULL, NULL);
  run_ok (resume_args, "3", resumed_csv, NULL, copy);
  shared = read_file (shared_csv);
  own = read_file (own_csv);
  resumed = read_file (resumed_csv);
  g_assert_cmpstr (resumed, ==, shared);
  g_assert_cmpstr (own, !=, shared);

  saved = lw_run_file_load (copy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lw_run_file_get_version (saved), ==, LW_RUN_FILE_VERSION);
  kf = lw_run_config_from_bytes (lw_run_file_require (saved, LW_RUN_SECTION_CONFIG, &error),
                                 &error);
  g_assert_no_error (error);
  model_key = g_key_file_get_value (kf, "model", "shared_target_proj", NULL);
  cli_key = g_key_file_get_value (kf, "layerwise-cli", "shared-target-proj", NULL);
  g_assert_cmpstr (model_key, ==, "true");
  g_assert_cmpstr (cli_key, ==, "true");

  g_unlink (copy);
  g_unlink (shared_csv);
  g_unlink (own_csv);
  g_unlink (resumed_csv);
  g_rmdir (dir);
}

/* --no-batch-norm, --no-similarity-std and --no-detach: the run header
 * names them; stored in the run file's [model] and [layerwise-cli]; they
 * change what the run learns; a run saved after epoch 1 and resumed goes
 * on as the unbroken run. */
static void
test_switches (void)
{
  const char *args[] = { "--limit-train", "600", "--limit-test", "100", "--num-layers", "2",
                         "--num-hidden", "32", "--threads", "1", "--log-every", "2",
                         "--no-batch-norm", "--no-similarity-std", "--no-detach", NULL };
  const char *plain[] = { "--limit-train", "600", "--limit-test", "100", "--num-layers", "2",
                          "--num-hidden", "32", "--threads", "1", "--log-every", "2", NULL };
  const char *resume_args[] = { "--threads", "1", NULL };
  const char *keys[][2] = { { "no_batch_norm", "no-batch-norm" },
                            { "no_similarity_std", "no-similarity-std" },
                            { "no_detach", "no-detach" } };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *file = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *whole_csv = g_build_filename (dir, "whole.csv", NULL);
  g_autofree char *plain_csv = g_build_filename (dir, "plain.csv", NULL);
  g_autofree char *part_csv = g_build_filename (dir, "part.csv", NULL);
  g_autofree char *resumed_csv = g_build_filename (dir, "resumed.csv", NULL);
  g_autofree char *whole = NULL, *plain_text = NULL, *resumed = NULL;
  g_autoptr (GKeyFile) kf = NULL;
  g_autoptr (LwRunFile) saved = NULL;
  g_autoptr (GPtrArray) one_epoch = g_ptr_array_new ();
  CliRun run;

  g_assert_no_error (error);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (one_epoch, (gpointer) args[i]);
  g_ptr_array_add (one_epoch, (gpointer) "--epochs");
  g_ptr_array_add (one_epoch, (gpointer) "1");
  g_ptr_array_add (one_epoch, NULL);
  cli_run (&run, (const char *const *) one_epoch->pdata);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "loss predsim (beta 0.99), no-detach, no-batch-norm, "
                                     "no-similarity-std, relu"));
  cli_run_clear (&run);
  run_ok (args, "2", whole_csv, NULL, NULL);
  run_ok (plain, "2", plain_csv, NULL, NULL);
  run_ok (args, "1", part_csv, file, NULL);

  saved = lw_run_file_load (file, &error);
  g_assert_no_error (error);
  kf = lw_run_config_from_bytes (lw_run_file_require (saved, LW_RUN_SECTION_CONFIG, &error),
                                 &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *model_key = g_key_file_get_value (kf, "model", keys[i][0], NULL);
      g_autofree char *cli_key = g_key_file_get_value (kf, "layerwise-cli", keys[i][1], NULL);

      g_assert_cmpstr (model_key, ==, "true");
      g_assert_cmpstr (cli_key, ==, "true");
    }

  run_ok (resume_args, "2", resumed_csv, NULL, file);
  whole = read_file (whole_csv);
  plain_text = read_file (plain_csv);
  resumed = read_file (resumed_csv);
  g_assert_cmpstr (resumed, ==, whole);
  g_assert_cmpstr (plain_text, !=, whole);

  g_unlink (file);
  g_unlink (whole_csv);
  g_unlink (plain_csv);
  g_unlink (part_csv);
  g_unlink (resumed_csv);
  g_rmdir (dir);
}

/* A run file that stored an odd --cutout (refused on the command line
 * only) still opens: the conv fixture with cutout=13, its checksum made
 * right again. */
static void
test_resume_odd_cutout (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *fixture = g_build_filename (LW_TEST_FIXTURES_DIR, "cli-conv-v1.lwrun", NULL);
  g_autofree char *odd = g_build_filename (dir, "odd.lwrun", NULL);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  g_autoptr (GBytes) bytes = read_bytes (fixture);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  const char *key = "cutout=14\n";
  const char *args[] = { "--threads", "1", NULL };
  gsize at = 0;
  guint32 crc;

  g_assert_no_error (error);
  while (at + strlen (key) <= len && memcmp (data + at, key, strlen (key)) != 0)
    at++;
  g_assert_cmpuint (at + strlen (key), <=, len);
  data[at + 8] = '3';
  crc = GUINT32_TO_LE ((guint32) crc32_z (crc32_z (0L, Z_NULL, 0), data, len - 4));
  memcpy (data + len - 4, &crc, 4);
  g_assert_true (g_file_set_contents (odd, (const char *) data, (gssize) len, NULL));
  run_ok (args, "2", csv, NULL, odd);

  g_unlink (odd);
  g_unlink (csv);
  g_rmdir (dir);
}

static ino_t
inode_of (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_ino : 0;
}

/* Interrupted mid-epoch (Ctrl-C, after its first periodic checkpoint),
 * the run saves where it stopped and exits 130; resumed, it ends exactly
 * as a run that was never interrupted, through the pipeline schedule. */
static void
test_resume_interrupted (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *straight_csv = g_build_filename (dir, "straight.csv", NULL);
  g_autofree char *resumed_csv = g_build_filename (dir, "resumed.csv", NULL);
  g_autofree char *run_file = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *a = NULL, *b = NULL;
  const char *common[] = { "--limit-train", "20000", "--limit-test", "200", "--num-hidden", "512",
                           "--dropout", "0.1", "--threads", "1", "--log-every", "5", NULL };
  const char *argv[] = { LW_CLI_PATH, "--limit-train", "20000", "--limit-test", "200",
                         "--num-hidden", "512", "--dropout", "0.1", "--threads", "1",
                         "--log-every", "5", "--epochs", "1", "--metrics", resumed_csv,
                         "--save", run_file, "--checkpoint-every", "10", NULL };
  const char *resume_args[] = { "--schedule", "pipeline", "--threads", "2", NULL };
  GPid pid;
  ino_t first = 0;
  int wait_status = 0;
  gint64 deadline;
  g_autoptr (GBytes) saved = NULL;
  g_autoptr (LwRunFile) file = NULL;
  LwRunPosition pos;

  g_assert_no_error (error);
  run_ok (common, "1", straight_csv, NULL, NULL);

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  /* The save before training, then the checkpoint at step 10 replaces it. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((first = inode_of (run_file)) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  while (inode_of (run_file) == first && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  kill (pid, SIGINT);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (wait_status));
  if (WEXITSTATUS (wait_status) == 0)
    {
      g_test_skip ("the run ended before it could be interrupted");
      return;
    }
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 130);
  saved = read_bytes (run_file);
  file = lw_run_file_read_bytes (g_bytes_get_data (saved, NULL), g_bytes_get_size (saved), &error);
  g_assert_no_error (error);
  g_assert_true (lw_run_position_from_bytes (lw_run_file_get_section (file, LW_RUN_SECTION_POSITION),
                                             &pos, &error));
  g_test_message ("interrupted at epoch %u, batch %u", pos.epoch, pos.batch_pos);
  g_assert_cmpuint (pos.epoch, ==, 1);
  g_assert_cmpuint (pos.batch_pos, >=, 10);

  run_ok (resume_args, "1", resumed_csv, NULL, run_file);
  a = read_file (straight_csv);
  b = read_file (resumed_csv);
  g_assert_true (g_str_equal (b, a));

  g_unlink (straight_csv);
  g_unlink (resumed_csv);
  g_unlink (run_file);
  g_rmdir (dir);
}

/* The position saved in a run file. */
static LwRunPosition
saved_position (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) saved = read_bytes (path);
  g_autoptr (LwRunFile) file = NULL;
  LwRunPosition pos;

  file = lw_run_file_read_bytes (g_bytes_get_data (saved, NULL), g_bytes_get_size (saved), &error);
  g_assert_no_error (error);
  g_assert_true (lw_run_position_from_bytes (lw_run_file_get_section (file, LW_RUN_SECTION_POSITION),
                                             &pos, &error));
  g_assert_no_error (error);
  return pos;
}

/* --resume through a symbolic link (a relative one) saves to its target:
 * the link stays a link, and the target holds the new epoch. */
static void
test_resume_symlink (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *target = g_build_filename (dir, "target.lwrun", NULL);
  g_autofree char *link = g_build_filename (dir, "link.lwrun", NULL);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  const char *args[] = { "--limit-train", "300", "--limit-test", "100", "--num-hidden", "16",
                         "--threads", "1", NULL };
  const char *resume_args[] = { "--threads", "1", NULL };
  GStatBuf st;

  g_assert_no_error (error);
  run_ok (args, "1", csv, target, NULL);
  g_assert_cmpint (symlink ("target.lwrun", link), ==, 0);
  run_ok (resume_args, "2", csv, NULL, link);

  g_assert_cmpint (g_lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpuint (saved_position (target).epoch, ==, 3);

  g_unlink (link);
  g_unlink (target);
  g_unlink (csv);
  g_rmdir (dir);
}

/* --save does not replace a file unasked: a new run refuses any file
 * there (and says how to go on), --resume A --save B refuses a B that is
 * not A; --force lets both go ahead. The refused file is left as it was. */
static void
test_save_exists (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *run_file = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *other = g_build_filename (dir, "other.lwrun", NULL);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GBytes) before = NULL, after = NULL;
  const char *args[] = { "--limit-train", "300", "--limit-test", "100", "--num-hidden", "16",
                         "--threads", "1", "--epochs", "1", NULL };
  CliRun run;

  g_assert_no_error (error);
  g_assert_cmpint (run_with (args, "--save", run_file, NULL), ==, 0);
  before = read_bytes (run_file);
  {
    const char *again[] = { "--limit-train", "300", "--limit-test", "100", "--num-hidden", "16",
                            "--threads", "1", "--epochs", "1", "--save", run_file, NULL };

    cli_run (&run, again);
  }
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  text = g_strdup_printf ("layerwise-cli: --save %s: a file is already there (a saved run?); "
                          "resume it with --resume %s, or pass --force to start a new run over "
                          "it\n", run_file, run_file);
  g_assert_cmpstr (run.err, ==, text);
  cli_run_clear (&run);
  after = read_bytes (run_file);
  g_assert_true (g_bytes_equal (after, before));
  g_clear_pointer (&after, g_bytes_unref);

  /* Resumed to another file that is there: refused, unless --force. */
  g_assert_true (g_file_set_contents (other, "keep me\n", -1, NULL));
  {
    const char *to_other[] = { "--resume", run_file, "--epochs", "2", "--save", other, NULL };

    cli_run (&run, to_other);
  }
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--save"));
  g_assert_nonnull (strstr (run.err, "--force"));
  cli_run_clear (&run);
  g_clear_pointer (&text, g_free);
  text = read_file (other);
  g_assert_cmpstr (text, ==, "keep me\n");
  after = read_bytes (run_file);
  g_assert_true (g_bytes_equal (after, before));

  /* The file resumed itself, named again: no contradiction. */
  g_assert_cmpint (run_with (args, "--resume", run_file, "--save", run_file, "--epochs", "2",
                             NULL), ==, 0);
  g_assert_cmpuint (saved_position (run_file).epoch, ==, 3);
  g_assert_cmpint (run_with (args, "--resume", run_file, "--save", other, "--epochs", "3",
                             "--force", NULL), ==, 0);
  g_assert_cmpuint (saved_position (other).epoch, ==, 4);
  g_assert_cmpint (run_with (args, "--save", run_file, "--metrics", csv, "--force", NULL), ==, 0);
  g_assert_cmpuint (saved_position (run_file).epoch, ==, 2);

  g_unlink (run_file);
  g_unlink (other);
  g_unlink (csv);
  g_rmdir (dir);
}

/* The file with its bytes changed by edit, its checksum made right again
 * when fix_crc. */
static char *
write_variant (const char *dir, const char *name, GBytes *good, gsize keep, gsize offset,
               guint32 value, gboolean fix_crc)
{
  char *path = g_build_filename (dir, name, NULL);
  gsize len;
  g_autofree guint8 *data = g_bytes_unref_to_data (g_bytes_ref (good), &len);

  if (offset != G_MAXSIZE)
    {
      guint32 le = GUINT32_TO_LE (value);

      memcpy (data + offset, &le, 4);
    }
  if (fix_crc)
    {
      guint32 crc = GUINT32_TO_LE ((guint32) crc32_z (crc32_z (0L, Z_NULL, 0), data, len - 4));

      memcpy (data + len - 4, &crc, 4);
    }
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) MIN (keep, len), NULL));
  return path;
}

/* A file that cannot be resumed is refused with one line saying why, exit
 * status 2, nothing trained, and the file left as it was. */
static void
test_resume_bad (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *good = g_build_filename (dir, "good.lwrun", NULL);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.lwrun", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.lwrun", NULL);
  g_autofree char *fifo = g_build_filename (dir, "pipe.lwrun", NULL);
  g_autofree char *cut = NULL, *flipped = NULL, *newer = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const char *args[] = { "--limit-train", "300", "--limit-test", "100", "--num-hidden", "16",
                         "--threads", "1", NULL };
  gsize len;

  g_assert_no_error (error);
  run_ok (args, "1", csv, good, NULL);
  bytes = read_bytes (good);
  len = g_bytes_get_size (bytes);
  cut = write_variant (dir, "cut.lwrun", bytes, len / 2, G_MAXSIZE, 0, FALSE);
  flipped = write_variant (dir, "flipped.lwrun", bytes, len, len / 3, 0x12345678u, FALSE);
  newer = write_variant (dir, "newer.lwrun", bytes, len, 8, 99, TRUE);
  g_assert_true (g_file_set_contents (text, "just some notes\n", -1, NULL));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);

  {
    const struct { const char *args[8]; const char *must_mention; } cases[] = {
      { { "--resume", good, "--arch", "vgg-mini", "--epochs", "2", NULL },
        "--arch vgg-mini: the run in" },
      { { "--resume", good, "--num-hidden", "32", "--epochs", "2", NULL },
        "trained with --num-hidden 16" },
      { { "--resume", good, "--preset", "vgg-mini", "--epochs", "2", NULL },
        "--preset vgg-mini sets --arch vgg-mini: the run in" },
      { { "--resume", good, "--preset", "3x256", "--epochs", "2", NULL },
        "--preset 3x256 sets --num-hidden 256: the run in" },
      { { "--resume", good, "--stages", "2", NULL }, "--stages 2: stages are those of" },
      { { "--resume", cut, NULL }, "cut short" },
      { { "--resume", flipped, NULL }, "checksum mismatch" },
      { { "--resume", newer, NULL }, "newer Layerwise" },
      { { "--resume", text, NULL }, "not a Layerwise run file" },
      { { "--resume", missing, NULL }, "missing.lwrun" },
      /* Neither blocks nor reads for ever. */
      { { "--resume", fifo, NULL }, "pipe.lwrun is not a regular file" },
      { { "--resume", "/dev/zero", NULL }, "/dev/zero is not a regular file" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        CliRun run;
        const char *newline;
        g_autoptr (GBytes) after = NULL;

        cli_run (&run, cases[i].args);
        g_test_message ("stderr: %s", run.err);
        g_assert_cmpint (run.status, ==, 2);
        g_assert_nonnull (strstr (run.err, cases[i].must_mention));
        newline = strchr (run.err, '\n');
        g_assert_nonnull (newline);
        g_assert_cmpstr (newline + 1, ==, "");
        g_assert_null (strstr (run.out, "final test accuracy"));
        cli_run_clear (&run);
        after = read_bytes (good);
        g_assert_true (g_bytes_equal (after, bytes));
      }
  }
  /* The same values as the file's are no contradiction, from a preset
   * (what it sets, or a flag beside it) too. */
  write_user_presets ("[same]\narch=mlp\nlayers=3\nhidden=32\n");
  {
    const char *same[] = { "--resume", good, "--num-hidden", "16", "--lr", "0.0005",
                           "--preset", "same", "--epochs", "2", "--threads", "1", NULL };
    CliRun run;

    cli_run (&run, same);
    g_test_message ("stderr: %s", run.err);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "resuming"));
    cli_run_clear (&run);
  }
  write_user_presets ("");

  g_unlink (good);
  g_unlink (csv);
  g_unlink (cut);
  g_unlink (flipped);
  g_unlink (newer);
  g_unlink (fifo);
  g_unlink (text);
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
                                         "the (loss|gradient) of (block [1-3]|the output layer) "
                                         "is (NaN|infinite) \\(learning rate 1e\\+20\\); nothing "
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

/* docs/cli.md quotes what `layerwise-cli --optim sgd --lr 1e20` prints when
 * it diverges: the quote is that line, word for word. */
static void
test_diverged_doc_quote (void)
{
  g_autofree char *readme_path = g_test_build_filename (G_TEST_DIST, "..", "docs", "cli.md", NULL);
  g_autofree char *readme = NULL;
  g_auto (GStrv) lines = NULL;
  const char *quote = NULL;
  const char *args[] = { "--optim", "sgd", "--lr", "1e20", "--epochs", "1", NULL };
  CliRun run;

  g_assert_true (g_file_get_contents (readme_path, &readme, NULL, NULL));
  lines = g_strsplit (readme, "\n", -1);
  for (guint i = 0; lines[i] != NULL && quote == NULL; i++)
    if (g_str_has_prefix (lines[i], "layerwise-cli: training diverged at "))
      quote = lines[i];
  g_assert_nonnull (quote);
  cli_run (&run, args);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_true (g_str_has_suffix (run.err, "\n"));
  run.err[strlen (run.err) - 1] = '\0';
  g_assert_cmpstr (run.err, ==, quote);
  cli_run_clear (&run);
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

/* SGD at lr 1e5: step 13 of 20 diverges in block 3, after blocks 1 and 2
 * applied it and while the pipeline has later batches in flight. */
#define LATE_DIVERGING_ARGS "--optim", "sgd", "--lr", "1e5", "--limit-train", "1000", \
                            "--limit-test", "100", "--num-hidden", "64", "--batch-size", "50", \
                            "--log-every", "3", "--epochs", "2"

/* A run stopped by a divergence and saved holds exactly what its position
 * says: resumed with --on-divergence skip, it ends with the metrics and
 * the run file of one unbroken run with --on-divergence skip, in both
 * schedules (and the schedules agree). */
static void
test_diverged_resume (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  /* --threads twice for the sequential schedule, which takes no --stages. */
  const char *schedules[][6] = {
    { "--schedule", "sequential", "--threads", "1", "--threads", "1" },
    { "--schedule", "pipeline", "--threads", "2", "--stages", "3" },
  };
  g_autoptr (GBytes) first_run = NULL;
  g_autofree char *first_csv = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (schedules); i++)
    {
      const char *const *sch = schedules[i];
      const char *args[] = { LATE_DIVERGING_ARGS, sch[0], sch[1], sch[2], sch[3], sch[4], sch[5],
                             NULL };
      g_autofree char *straight_csv = g_build_filename (dir, "straight.csv", NULL);
      g_autofree char *straight_run = g_build_filename (dir, "straight.lwrun", NULL);
      g_autofree char *stopped_csv = g_build_filename (dir, "stopped.csv", NULL);
      g_autofree char *stopped_run = g_build_filename (dir, "stopped.lwrun", NULL);
      g_autofree char *a = NULL, *b = NULL;
      g_autoptr (GBytes) ra = NULL, rb = NULL;
      CliRun run;

      g_test_message ("schedule %s", sch[1]);
      g_assert_cmpint (run_with (args, "--on-divergence", "skip", "--metrics", straight_csv,
                                 "--save", straight_run, NULL), ==, 0);
      {
        const char *stop_args[] = { LATE_DIVERGING_ARGS, sch[0], sch[1], sch[2], sch[3], sch[4],
                                    sch[5], "--metrics", stopped_csv, "--save", stopped_run,
                                    NULL };

        cli_run (&run, stop_args);
      }
      g_test_message ("stdout: %s\nstderr: %s", run.out, run.err);
      g_assert_cmpint (run.status, ==, 3);
      g_assert_nonnull (strstr (run.err, "training diverged at epoch 1 step 13: the loss of "
                                         "block 3 is NaN"));
      cli_run_clear (&run);
      g_assert_cmpint (run_with (args, "--on-divergence", "skip", "--metrics", stopped_csv,
                                 "--resume", stopped_run, NULL), ==, 0);

      a = read_file (straight_csv);
      b = read_file (stopped_csv);
      g_assert_nonnull (strstr (a, "\nepoch,2,"));
      g_assert_cmpstr (b, ==, a);
      ra = read_bytes (straight_run);
      rb = read_bytes (stopped_run);
      g_assert_true (g_bytes_equal (rb, ra));
      if (i == 0)
        {
          first_csv = g_steal_pointer (&a);
          first_run = g_bytes_ref (ra);
        }
      else
        {
          g_assert_cmpstr (a, ==, first_csv);
          g_assert_true (g_bytes_equal (ra, first_run));
        }
      g_unlink (straight_csv);
      g_unlink (straight_run);
      g_unlink (stopped_csv);
      g_unlink (stopped_run);
    }
  g_rmdir (dir);
}

/* --on-divergence is kept in the run file: a resume without it goes on
 * skipping, and one that gives it again may change it. */
static void
test_resume_keeps_on_divergence (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
  g_autofree char *csv = g_build_filename (dir, "m.csv", NULL);
  g_autofree char *saved = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *copy = g_build_filename (dir, "copy.lwrun", NULL);
  g_autoptr (GBytes) epoch1 = NULL;
  const char *args[] = { LATE_DIVERGING_ARGS, "--threads", "1", NULL };
  const char *resume[] = { "--threads", "1", "--epochs", "2", "--metrics", csv, NULL };

  g_assert_no_error (error);
  g_assert_cmpint (run_with (args, "--on-divergence", "skip", "--epochs", "1", "--save", saved,
                             NULL), ==, 0);
  epoch1 = read_bytes (saved);
  g_assert_true (g_file_set_contents (copy, g_bytes_get_data (epoch1, NULL),
                                      (gssize) g_bytes_get_size (epoch1), NULL));
  /* Epoch 2 diverges too. */
  g_assert_cmpint (run_with (resume, "--resume", saved, NULL), ==, 0);
  g_assert_cmpint (run_with (resume, "--resume", copy, "--on-divergence", "stop", NULL), ==, 3);

  g_unlink (csv);
  g_unlink (saved);
  g_unlink (copy);
  g_rmdir (dir);
}

/* Paths are bytes: under the C locale a non-ASCII UTF-8 name, and one
 * that is not UTF-8 at all, work for --save, --resume, --metrics and
 * --data-dir (not "Invalid byte sequence in conversion input"). */
static void
test_file_names (void)
{
  const char *names[] = { "r\xc3\xa9sum\xc3\xa9", "bad\xff" };
  const char *args[] = { "--limit-train", "200", "--limit-test", "100", "--num-hidden", "16",
                         "--num-layers", "1", "--threads", "1", NULL };

  g_setenv ("LC_ALL", "C", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("test-cli-XXXXXX", &error);
      g_autofree char *sub = g_build_filename (dir, names[i], NULL);
      g_autofree char *base = g_strconcat (names[i], ".lwrun", NULL);
      g_autofree char *save = g_build_filename (sub, base, NULL);
      g_autofree char *csv = g_strconcat (save, ".csv", NULL);
      g_autofree char *text = NULL;
      const char *data_args[] = { "--dataset", "mnist", "--data-dir", sub, NULL };
      CliRun run;

      g_assert_no_error (error);
      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      g_assert_cmpint (run_with (args, "--epochs", "1", "--metrics", csv, "--save", save, NULL),
                       ==, 0);
      g_assert_cmpint (run_with (args, "--epochs", "2", "--metrics", csv, "--resume", save, NULL),
                       ==, 0);
      text = read_file (csv);
      g_assert_nonnull (strstr (text, "\nepoch,2,"));

      /* Accepted, and searched: no dataset there. */
      cli_run (&run, data_args);
      log_output (&run);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "train-images"));
      cli_run_clear (&run);

      g_unlink (csv);
      g_unlink (save);
      g_rmdir (sub);
      g_rmdir (dir);
    }
  g_unsetenv ("LC_ALL");
}

/* Runs the CLI in German: LANGUAGE=de under C.UTF-8 (LANGUAGE is ignored
 * under C), with the build's catalogue, so no German locale is needed. */
static void
cli_run_german (CliRun *run, const char *const *args)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_setenv ("LAYERWISE_LOCALEDIR", LW_TEST_LOCALEDIR, TRUE);
  cli_run (run, args);
  g_unsetenv ("LANGUAGE");
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LAYERWISE_LOCALEDIR");
}

/* Messages and --help in German; what scripts read (the epoch table and
 * the metrics CSV) byte for byte as in English, '.' decimals included. */
static void
test_german (void)
{
  g_autofree char *dir = g_dir_make_tmp ("layerwise-cli-de-XXXXXX", NULL);
  g_autofree char *csv_c = g_build_filename (dir, "c.csv", NULL);
  g_autofree char *csv_de = g_build_filename (dir, "de.csv", NULL);
  g_autofree char *text_c = NULL, *text_de = NULL;
  g_autofree char *garbage = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  const char *bad[] = { "--lr", "abc", NULL };
  const char *bad_data[] = { "--dataset", "mnist", "--data-dir", dir, NULL };
  const char *help[] = { "--help", NULL };
  const char *train_c[] = { "--epochs", "2", "--limit-train", "300", "--limit-test", "200",
                            "--num-layers", "1", "--num-hidden", "16", "--threads", "1",
                            "--metrics", csv_c, NULL };
  const char *train_de[] = { "--epochs", "2", "--limit-train", "300", "--limit-test", "200",
                             "--num-layers", "1", "--num-hidden", "16", "--threads", "1",
                             "--metrics", csv_de, NULL };
  CliRun run, run_c;
  const char *table_c, *table_de;

  cli_run_german (&run, bad);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.err, ==, "layerwise-cli: --lr: 'abc' ist keine Zahl (siehe --help)\n");
  cli_run_clear (&run);

  /* The data loader's reason comes out German too, not just the CLI's frame. */
  g_assert_true (g_file_set_contents (garbage, "garbage garbage!", -1, NULL));
  cli_run_german (&run, bad_data);
  g_test_message ("stderr: %s", run.err);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "layerwise-cli: Datensatz mnist kann nicht geladen werden: "));
  g_assert_nonnull (strstr (run.err, "train-images-idx3-ubyte: keine IDX-Bild-Datei "
                                     "(Kennzahl 0x67617262, erwartet 0x00000803)\n"));
  g_assert_null (strstr (run.err, "not an IDX"));
  cli_run_clear (&run);
  g_unlink (garbage);

  cli_run_german (&run, help);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Ein neuronales Netz mit schichtweisen lokalen"));
  g_assert_nonnull (strstr (run.out, "Lernrate (Standard 5e-4; vgg-mini 3e-3)"));
  g_assert_nonnull (strstr (run.out, "Exit-Status: 0 bei Erfolg"));
  g_assert_nonnull (strstr (run.out, "--lr-decay-milestones"));     /* flag names stay */
  g_assert_null (strstr (run.out, "Learning rate (default"));
  cli_run_clear (&run);

  cli_run (&run_c, train_c);
  cli_run_german (&run, train_de);
  g_assert_cmpint (run_c.status, ==, 0);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "endgültige Testgenauigkeit "));
  g_assert_nonnull (strstr (run.out, "\npeak RSS "));
  g_assert_null (strstr (run.out, "final test accuracy"));
  /* The table: from its header to the line after the last epoch. */
  table_c = strstr (run_c.out, "epoch     loss");
  table_de = strstr (run.out, "epoch     loss");
  g_assert_nonnull (table_c);
  g_assert_nonnull (table_de);
  g_assert_cmpint (strstr (table_c, "final") - table_c, ==,
                   strstr (table_de, "endgültige") - table_de);
  /* Columns but the last two (speed and seconds vary run to run). */
  {
    g_auto (GStrv) lines_c = g_strsplit (table_c, "\n", 4);
    g_auto (GStrv) lines_de = g_strsplit (table_de, "\n", 4);

    g_assert_cmpstr (lines_c[0], ==, lines_de[0]);
    for (int i = 1; i <= 2; i++)
      {
        g_assert_nonnull (strstr (lines_de[i], "%"));
        g_assert_null (strchr (lines_de[i], ','));
        g_assert_cmpint (strncmp (lines_c[i], lines_de[i], strlen ("    1   2.3233      6.64%    9.65%    9.30%")),
                         ==, 0);
      }
  }
  g_assert_true (g_file_get_contents (csv_c, &text_c, NULL, NULL));
  g_assert_true (g_file_get_contents (csv_de, &text_de, NULL, NULL));
  g_assert_cmpstr (text_c, ==, text_de);
  g_assert_nonnull (strstr (text_de, "kind,epoch,step,samples_seen,lr,"));
  g_assert_nonnull (strstr (text_de, ",0.0005,"));
  cli_run_clear (&run);
  cli_run_clear (&run_c);
  g_unlink (csv_c);
  g_unlink (csv_de);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* The runs read presets from here, never from the user's own. */
  config_dir = g_dir_make_tmp ("layerwise-cli-config-XXXXXX", NULL);
  g_assert_nonnull (config_dir);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/german", test_german);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli/bad/%s", bad_cases[i].name);

      g_test_add_data_func (path, &bad_cases[i], test_bad_value);
    }
  g_test_add_func ("/cli/bad/data-dir-empty", test_empty_data_dir);
  g_test_add_func ("/cli/live-control-ranges", test_live_control_ranges);
  g_test_add_func ("/cli/run/file-names", test_file_names);
  g_test_add_func ("/cli/run/tiny", test_tiny_run);
  g_test_add_func ("/cli/run/tiny-conv", test_tiny_conv_run);
  g_test_add_func ("/cli/run/lr-schedule", test_lr_schedule);
  g_test_add_func ("/cli/run/bp-empty-fields", test_bp_empty_fields);
  g_test_add_func ("/cli/run/classes-per-batch", test_classes_per_batch);
  g_test_add_func ("/cli/run/pipeline-same-metrics", test_pipeline_same_metrics);
  g_test_add_func ("/cli/run/schedule-default-auto", test_schedule_default_auto);
  g_test_add_func ("/cli/preset", test_preset);
  g_test_add_func ("/cli/flag-table/doc", test_flag_table_doc);
  g_test_add_func ("/cli/flag-table/resume-list", test_flag_table_resume_list);
  g_test_add_func ("/cli/flag-table/num-layers-limit", test_num_layers_limit);
  g_test_add_func ("/cli/flag-table/help-defaults", test_flag_table_help_defaults);
  g_test_add_func ("/cli/resume/mlp", test_resume_mlp);
  g_test_add_func ("/cli/resume/conv", test_resume_conv);
  g_test_add_func ("/cli/resume/interrupted", test_resume_interrupted);
  g_test_add_func ("/cli/resume/fixture-mlp-v1", test_resume_fixture_mlp);
  g_test_add_func ("/cli/resume/fixture-conv-v1", test_resume_fixture_conv);
  g_test_add_func ("/cli/resume/fixture-bpf-v2-shared", test_resume_fixture_bpf_shared);
  g_test_add_func ("/cli/resume/switches", test_switches);
  g_test_add_func ("/cli/resume/bad-files", test_resume_bad);
  g_test_add_func ("/cli/resume/classes-per-batch", test_resume_classes_per_batch);
  g_test_add_func ("/cli/resume/every-enum", test_resume_every_enum);
  g_test_add_func ("/cli/resume/metrics-kept", test_metrics_kept);
  g_test_add_func ("/cli/resume/symlink", test_resume_symlink);
  g_test_add_func ("/cli/save-exists", test_save_exists);
  g_test_add_func ("/cli/resume/odd-cutout", test_resume_odd_cutout);
  g_test_add_func ("/cli/run/diverged-stops", test_diverged_stops);
  g_test_add_func ("/cli/run/diverged-doc-quote", test_diverged_doc_quote);
  g_test_add_func ("/cli/run/diverged-skip", test_diverged_skip);
  g_test_add_func ("/cli/resume/diverged", test_diverged_resume);
  g_test_add_func ("/cli/resume/keeps-on-divergence", test_resume_keeps_on_divergence);

  status = g_test_run ();
  {
    g_autofree char *file = g_build_filename (config_dir, "layerwise", "presets.ini", NULL);
    g_autofree char *dir = g_build_filename (config_dir, "layerwise", NULL);

    g_unlink (file);
    g_rmdir (dir);
    g_rmdir (config_dir);
  }
  g_free (config_dir);
  return status;
}
