/* main.c: layerwise-cli — headless training with layer-wise local losses.
 * Exit status: 0 done, 2 bad flag/value/dataset, 3 training diverged,
 * 1 other failure, 130 interrupted. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-gemm.h"
#include "engine/lw-model.h"
#include "lw-cli-options.h"
#include "lw-cli-run.h"
#include "lw-metrics-csv.h"
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

static double
peak_rss_mib (void)
{
  struct rusage ru;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0.0;
  return ru.ru_maxrss / 1024.0;   /* Linux reports KiB */
}

static void
print_run_header (const LwCliOptions *opts, const LwDataset *ds, const LwModel *model)
{
  const LwModelConfig *cfg = lw_model_get_config (model);

  printf ("dataset %s (%s): %u train, %u test, %ux%ux%u, %u classes\n",
          ds->name, ds->source, ds->train.n, ds->test.n,
          ds->channels, ds->height, ds->width, ds->n_classes);
  printf ("model %s", lw_arch_to_string (cfg->arch));
  if (lw_arch_is_conv (cfg->arch))
    {
      if (cfg->feat_mult > 1)
        printf ("(%ux)", cfg->feat_mult);
      printf (" + FC");
    }
  printf (" %ux%u", cfg->num_layers, cfg->num_hidden);
  if (lw_arch_is_conv (cfg->arch))
    printf (", dim-in-decoder %u", cfg->dim_in_decoder);
  printf (", loss %s", lw_loss_type_to_string (cfg->loss));
  if (cfg->loss == LW_LOSS_PREDSIM || cfg->loss == LW_LOSS_PREDSIM_BPF)
    printf (" (beta %g)", cfg->beta);
  printf (", %s, %s lr %g, batch %u, dropout %g, %.2fM parameters (%.2fM with local heads)\n",
          lw_nonlin_to_string (cfg->nonlin), lw_optim_to_string (cfg->optim),
          opts->lr, cfg->batch_size, cfg->dropout,
          lw_model_n_params (model, FALSE) / 1e6, lw_model_n_params (model, TRUE) / 1e6);
  printf ("%u epoch%s, seed %" G_GUINT64_FORMAT ", %d BLAS thread%s\n",
          opts->epochs, opts->epochs == 1 ? "" : "s", opts->seed,
          lw_blas_get_threads (), lw_blas_get_threads () == 1 ? "" : "s");
  if (opts->pipeline)
    printf ("pipeline schedule: %u stages, one thread each\n",
            opts->stages ? opts->stages : MIN ((guint) lw_blas_get_threads (),
                                                lw_model_n_blocks (model)));
  if (opts->classes_per_batch > 0 && opts->classes_per_batch_until_epoch > 0)
    printf ("batches of at most %u classes until epoch %u, then plain\n",
            opts->classes_per_batch, opts->classes_per_batch_until_epoch);
  else if (opts->classes_per_batch > 0)
    printf ("batches of at most %u classes\n", opts->classes_per_batch);
  fflush (stdout);
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

static int
run (LwCliOptions *opts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwMetricsCsv) csv = NULL;
  g_autoptr (LwDataset) ds = NULL;
  g_autoptr (LwModel) model = NULL;
  g_autoptr (GKeyFile) resume_config = NULL;
  g_autoptr (GBytes) resume_contents = NULL;
  g_autofree char *metrics_text = NULL;
  LwModelConfig config;
  LwTrainResult result;
  LwTrainerState state = { 0 };
  SaveContext save = { .opts = opts };
  int status;

  /* A resumed run takes its settings from the file, before anything else. */
  if (opts->resume != NULL
      && !lw_cli_run_open (opts->resume, opts, &resume_config, &resume_contents, &error))
    return fail (EXIT_USAGE, NULL, error);
  if (opts->resume != NULL && opts->save == NULL)
    opts->save = g_strdup (opts->resume);

  /* Opened first, so a bad path fails before any loading. A run that is
   * saved keeps its rows, so that its CSV can go on after a resume. */
  if ((opts->metrics != NULL || opts->save != NULL)
      && (csv = lw_metrics_csv_open (opts->metrics, opts->save != NULL, &error)) == NULL)
    return fail (EXIT_USAGE, NULL, error);

  ds = lw_dataset_load (opts->dataset, opts->data_dir, &error);
  if (ds == NULL)
    {
      gboolean searched = opts->data_dir == NULL
                          && g_error_matches (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING);

      fprintf (stderr, "layerwise-cli: cannot load dataset %s: %s%s\n",
               lw_dataset_kind_to_string (opts->dataset), error->message,
               searched ? " (name the folder with --data-dir DIR)" : "");
      return EXIT_USAGE;
    }
  lw_dataset_limit_train (ds, opts->limit_train);
  lw_dataset_limit_test (ds, opts->limit_test);
  if (ds->train.n == 0 || ds->test.n == 0)
    {
      fprintf (stderr, "layerwise-cli: dataset %s (%s) has %u training and %u test samples; "
               "both must be non-empty\n", ds->name, ds->source, ds->train.n, ds->test.n);
      return EXIT_USAGE;
    }
  if (!lw_cli_options_check_dataset (opts, ds, &error))
    return fail (EXIT_USAGE, NULL, error);

  lw_cli_options_to_config (opts, ds, &config);
  model = lw_model_new (&config, &error);
  if (model == NULL)
    return fail (EXIT_USAGE, "cannot build the model", error);

  lw_trainer_state_init (&state, opts, lw_model_n_blocks (model));
  if (resume_contents != NULL)
    {
      if (!lw_cli_run_restore (resume_contents, resume_config, ds, model, &state, &metrics_text,
                               &error))
        {
          lw_trainer_state_clear (&state);
          fprintf (stderr, "layerwise-cli: --resume: %s: %s\n", opts->resume, error->message);
          return EXIT_USAGE;
        }
      if (state.pos.epoch > opts->epochs)
        {
          printf ("the run in %s has finished its %u epoch%s; give --epochs with more to go on\n",
                  opts->resume, state.pos.epoch - 1, state.pos.epoch == 2 ? "" : "s");
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

  if (opts->pipeline && opts->stages > lw_model_n_blocks (model))
    {
      fprintf (stderr, "layerwise-cli: --stages %u: this model has %u blocks, so at most %u "
               "stages\n", opts->stages, lw_model_n_blocks (model), lw_model_n_blocks (model));
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
  print_run_header (opts, ds, model);
  if (opts->resume != NULL)
    printf ("resuming %s at epoch %u, step %" G_GUINT64_FORMAT "\n", opts->resume,
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
        printf ("saved the run to %s (epoch %u, step %" G_GUINT64_FORMAT ")\n", opts->save,
                state.pos.epoch - (state.pos.batch_pos == 0 ? 1 : 0), state.pos.step);
      else
        {
          fflush (stdout);
          fprintf (stderr, "layerwise-cli: the run was not saved: %s\n", error->message);
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
      fprintf (stderr, "layerwise-cli: training diverged at epoch %u step %" G_GUINT64_FORMAT
               ": %s (learning rate %g); nothing non-finite was applied. Lower --lr, or pass "
               "--on-divergence skip to drop such steps and continue.\n",
               result.diverged_epoch, result.diverged_step, what, result.diverged_lr);
      return EXIT_DIVERGED;
    }
  if (result.interrupted)
    printf ("interrupted after %u finished epoch%s\n", result.epochs_done,
            result.epochs_done == 1 ? "" : "s");
  if (result.epochs_done > 0)
    printf ("final test accuracy %.2f%% (error %.2f%%)\n",
            100.0 * result.test_acc_out, 100.0 * (1.0 - result.test_acc_out));
  printf ("peak RSS %.1f MiB\n", peak_rss_mib ());
  return status;
}

int
main (int argc, char **argv)
{
  LwCliOptions opts;
  g_autoptr (GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");   /* '.' in every number printed, CSV included */

  lw_cli_options_init (&opts);
  if (lw_cli_options_parse (&opts, &argc, &argv, &error))
    status = run (&opts);
  else
    {
      fprintf (stderr, "layerwise-cli: %s (see --help)\n", error->message);
      status = EXIT_USAGE;
    }
  lw_cli_options_clear (&opts);
  return status;
}
