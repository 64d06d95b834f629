/* main.c: layerwise-cli — headless training with layer-wise local losses.
 * Exit status: 0 done, 2 bad flag/value/dataset, 3 training diverged,
 * 1 other failure, 130 interrupted. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "data/lw-dataset.h"
#include "engine/lw-gemm.h"
#include "engine/lw-model.h"
#include "lw-cli-options.h"
#if LW_HAVE_MPI
#include "lw-distributed.h"
#endif
#include "lw-cli-run.h"
#include "lw-metrics-csv.h"
#include "lw-run-header.h"
#include "lw-trainer.h"

#define EXIT_USAGE 2
#define EXIT_DIVERGED 3
#define EXIT_INTERRUPTED 130

static volatile sig_atomic_t stop_requested;

static void
on_interrupt (int sig)
{
  stop_requested = 1;
}

/* The first Ctrl-C finishes the current step and writes what was measured;
 * a second one kills as usual. */
static void
install_interrupt_handler (void)
{
  struct sigaction sa = { 0 };

  sa.sa_handler = on_interrupt;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
}

static int
fail (int status, const char *what, const GError *error)
{
  fflush (stdout);
  if (what != NULL)
    fprintf (stderr, "layerwise-cli: %s: %s\n", what, error->message);
  else
    fprintf (stderr, "layerwise-cli: %s\n", error->message);
  return status;
}

typedef struct {
  const LwCliOptions *opts;
  const LwDataset *ds;
  LwModel *model;
  LwMetricsCsv *csv;
} SaveContext;

static gboolean
save_run (const LwTrainerState *state, gpointer data, GError **error)
{
  SaveContext *c = data;

  return lw_cli_run_save (c->opts->save, c->opts, c->ds, c->model, state,
                          lw_metrics_csv_text (c->csv), error);
}

/* --save must not replace a file unasked (a checkpoint, when a user runs
 * the original command again instead of --resume): a new run refuses any
 * file there, a resumed one any file but the one it resumes. */
static gboolean
check_save_target (const LwCliOptions *opts, GError **error)
{
  GStatBuf there, resumed;
  g_autofree char *save = NULL;

  if (opts->save == NULL || opts->force || g_stat (opts->save, &there) != 0)
    return TRUE;
  save = g_filename_display_name (opts->save);
  if (opts->resume == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                   _("--save %s: a file is already there (a saved run?); resume it with "
                     "--resume %s, or pass --force to start a new run over it"), save, save);
      return FALSE;
    }
  if (g_stat (opts->resume, &resumed) == 0 && resumed.st_dev == there.st_dev
      && resumed.st_ino == there.st_ino)
    return TRUE;
  {
    g_autofree char *resume = g_filename_display_name (opts->resume);

    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                 _("--save %s: a file is already there, and it is not %s, the run resumed; "
                   "name another file, or pass --force to replace it"), save, resume);
  }
  return FALSE;
}

static int
run (LwCliOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwMetricsCsv) csv = NULL;
  g_autoptr (LwDataset) ds = NULL;
  g_autoptr (LwModel) model = NULL;
  g_autoptr (GKeyFile) resume_config = NULL;
  g_autoptr (LwRunFile) resume_file = NULL;
  g_autofree char *metrics_text = NULL;
  LwModelConfig config;
  LwTrainResult result;
  LwTrainerState state = { 0 };
  SaveContext save = { .opts = opts };
  int status;

  /* A resumed run takes its settings from the file, before anything else. */
  if (opts->resume != NULL
      && !lw_cli_run_open (opts->resume, opts, &resume_config, &resume_file, &error))
    return fail (EXIT_USAGE, NULL, error);
  if (opts->resume != NULL && opts->save == NULL)
    opts->save = g_strdup (opts->resume);
  if (!check_save_target (opts, &error))
    return fail (EXIT_USAGE, NULL, error);

  /* Opened first, so a bad path fails before any loading. A run that is
   * saved keeps its rows, so that its CSV can go on after a resume. */
  if ((opts->metrics != NULL || opts->save != NULL)
      && (csv = lw_metrics_csv_open (opts->metrics, opts->save != NULL, &error)) == NULL)
    return fail (EXIT_USAGE, NULL, error);

  ds = lw_cli_options_load_dataset (opts, &error);
  if (ds == NULL)
    return fail (EXIT_USAGE, NULL, error);

  lw_cli_options_to_config (opts, ds, &config);
  model = lw_model_new (&config, &error);
  if (model == NULL)
    return fail (EXIT_USAGE, _("cannot build the model"), error);

  lw_trainer_state_init (&state, opts, lw_model_n_blocks (model));
  if (resume_file != NULL)
    {
      if (!lw_cli_run_restore (resume_file, resume_config, ds, model, &state, &metrics_text,
                               &error))
        {
          lw_trainer_state_clear (&state);
          /* Translators: the run file, then what is wrong with it. */
          fprintf (stderr, _("layerwise-cli: --resume: %s: %s\n"), opts->resume, error->message);
          return EXIT_USAGE;
        }
      if (state.pos.epoch > opts->epochs)
        {
          printf (g_dngettext (GETTEXT_PACKAGE,
                               "the run in %s has finished its %u epoch; give --epochs with more to go on\n",
                               "the run in %s has finished its %u epochs; give --epochs with more to go on\n",
                               state.pos.epoch - 1),
                  opts->resume, state.pos.epoch - 1);
          lw_trainer_state_clear (&state);
          return EXIT_SUCCESS;
        }
    }
  if (csv != NULL
      && !(metrics_text != NULL
           ? lw_metrics_csv_continue (csv, metrics_text, lw_model_n_blocks (model), &error)
           : lw_metrics_csv_write_header (csv, lw_model_n_blocks (model), &error)))
    {
      lw_trainer_state_clear (&state);
      return fail (EXIT_FAILURE, NULL, error);
    }

  lw_cli_options_resolve_schedule (opts, lw_model_n_blocks (model));
  if (opts->pipeline && opts->stages > lw_model_n_blocks (model))
    {
      fprintf (stderr, _("layerwise-cli: --stages %u: this model has %u blocks, so at most %u "
                         "stages\n"), opts->stages, lw_model_n_blocks (model), lw_model_n_blocks (model));
      lw_trainer_state_clear (&state);
      return EXIT_USAGE;
    }
  save = (SaveContext) { .opts = opts, .ds = ds, .model = model, .csv = csv };
  /* Saved once before training, so an unwritable path fails now rather
   * than after hours. */
  if (opts->save != NULL && !save_run (&state, &save, &error))
    {
      lw_trainer_state_clear (&state);
      return fail (EXIT_USAGE, "--save", error);
    }

  lw_blas_set_threads ((int) opts->threads);
  lw_print_run_header (stdout, opts, ds, model);
  if (opts->resume != NULL)
    printf (_("resuming %s at epoch %u, step %" PRIu64 "\n"), opts->resume,
            state.pos.epoch, state.pos.step);
  install_interrupt_handler ();

  if (!lw_trainer_run (opts, ds, model, &state, csv, opts->save != NULL ? save_run : NULL, &save,
                       &stop_requested, stdout, &result, &error))
    {
      lw_trainer_state_clear (&state);
      return fail (EXIT_FAILURE, NULL, error);
    }
  status = result.interrupted ? EXIT_INTERRUPTED : EXIT_SUCCESS;
  /* Interrupted or not, what was learned is kept. */
  if (opts->save != NULL)
    {
      if (save_run (&state, &save, &error))
        printf (_("saved the run to %s (epoch %u, step %" PRIu64 ")\n"), opts->save,
                state.pos.epoch - (state.pos.batch_pos == 0 ? 1 : 0), state.pos.step);
      else
        {
          fflush (stdout);
          fprintf (stderr, _("layerwise-cli: the run was not saved: %s\n"), error->message);
          g_clear_error (&error);
          status = EXIT_FAILURE;
        }
    }
  lw_trainer_state_clear (&state);
  if (!lw_metrics_csv_close (g_steal_pointer (&csv), &error))
    return fail (EXIT_FAILURE, NULL, error);

  if (result.diverged)
    {
      g_autofree char *what = lw_trainer_describe_divergence (&result.divergence,
                                                              lw_model_n_blocks (model));

      fflush (stdout);
      /* Translators: epoch, step, what diverged (e.g. "the loss of block 2 is NaN"), the
       * learning rate. */
      fprintf (stderr, _("layerwise-cli: training diverged at epoch %u step %" PRIu64
                         ": %s (learning rate %g); nothing non-finite was applied. Lower --lr, "
                         "or pass --on-divergence skip to drop such steps and continue.\n"),
               result.diverged_epoch, result.diverged_step, what, result.diverged_lr);
      return EXIT_DIVERGED;
    }
  if (result.interrupted)
    printf (g_dngettext (GETTEXT_PACKAGE, "interrupted after %u finished epoch\n",
                         "interrupted after %u finished epochs\n", result.epochs_done),
            result.epochs_done);
  if (result.epochs_done > 0)
    printf (_("final test accuracy %.2f%% (error %.2f%%)\n"),
            100.0 * result.test_acc_out, 100.0 * (1.0 - result.test_acc_out));
  /* Not translated: bench/ reads it. */
  printf ("peak RSS %.1f MiB\n", lw_peak_rss_mib ());
  return status;
}

/* This process's rank under mpirun, read before MPI is started; NULL
 * when not under mpirun. */
static const char *
mpi_rank (void)
{
  return g_getenv ("OMPI_COMM_WORLD_RANK");
}

/* Under mpirun every rank parses the same command line, so only rank 0
 * says what is wrong with it; what is wrong with a file of a rank's own
 * host each rank says, naming itself. */
static void
say_parse_error (const GError *error)
{
  const char *rank = mpi_rank ();

  if (rank == NULL || g_str_equal (rank, "0"))
    fprintf (stderr, _("layerwise-cli: %s (see --help)\n"), error->message);
  else if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED))
    /* Translators: the rank, then the message. */
    fprintf (stderr, _("layerwise-cli: rank %s: %s\n"), rank, error->message);
}

static int
run_distributed (const LwCliOptions *opts)
{
#if LW_HAVE_MPI
  install_interrupt_handler ();
  return lw_distributed_run (opts, &stop_requested);
#else
  fprintf (stderr, _("layerwise-cli: --distributed: built without MPI (install Open MPI, "
                     "e.g. Debian's libopenmpi-dev, and build again)\n"));
  return EXIT_USAGE;
#endif
}

int
main (int argc, char **argv)
{
  LwCliOptions opts;
  g_autoptr (GError) error = NULL;
  int status;

  const char *localedir = g_getenv ("LAYERWISE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* '.' in every number printed: scripts read the table and the CSV. */
  setlocale (LC_NUMERIC, "C");
  /* An uninstalled build finds its translations through
   * LAYERWISE_LOCALEDIR (./run.sh and meson devenv set it). */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  lw_cli_options_init (&opts);
  if (!lw_cli_options_parse (&opts, &argc, &argv, &error))
    {
      say_parse_error (error);
      status = EXIT_USAGE;
    }
  else if (opts.distributed)
    status = run_distributed (&opts);
  else
    status = run (&opts);
  lw_cli_options_clear (&opts);
  return status;
}
