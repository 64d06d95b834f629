/* lw-run-header.c: the lines before the epoch table. */
#include "lw-run-header.h"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include <sys/resource.h>

#include "engine/lw-gemm.h"
#include "engine/lw-pipeline.h"

double
lw_peak_rss_mib (void)
{
  struct rusage ru;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0.0;
  return ru.ru_maxrss / 1024.0;   /* Linux reports KiB */
}

void
lw_print_run_header (FILE *out, const LwCliOptions *opts, const LwDataset *ds,
                     const LwModel *model)
{
  const LwModelConfig *cfg = lw_model_get_config (model);

  /* Translators: name (source): training and test samples, channels x height
   * x width, classes. */
  fprintf (out, _("dataset %s (%s): %u train, %u test, %ux%ux%u, %u classes\n"),
           ds->name, ds->source, ds->train.n, ds->test.n,
           ds->channels, ds->height, ds->width, ds->n_classes);
  fprintf (out, _("model %s"), lw_arch_to_string (cfg->arch));
  if (lw_arch_is_conv (cfg->arch))
    {
      if (cfg->feat_mult > 1)
        fprintf (out, "(%ux)", cfg->feat_mult);
      fprintf (out, " + FC");
    }
  fprintf (out, " %ux%u", cfg->num_layers, cfg->num_hidden);
  if (lw_arch_is_conv (cfg->arch))
    fprintf (out, ", dim-in-decoder %u", cfg->dim_in_decoder);
  fprintf (out, _(", loss %s"), lw_loss_type_to_string (cfg->loss));
  if (cfg->loss == LW_LOSS_PREDSIM || cfg->loss == LW_LOSS_PREDSIM_BPF)
    fprintf (out, " (beta %g)", cfg->beta);
  /* Each block draws its own label code since format 3 of run files. */
  if (lw_loss_type_is_bpf (cfg->loss) && cfg->shared_target_proj)
    fprintf (out, _(", one label code for every block (as before 2026-12)"));
  /* The reference's switches, by their flags' names, when on. */
  if (cfg->no_detach)
    fprintf (out, ", no-detach");
  if (cfg->no_batch_norm)
    fprintf (out, ", no-batch-norm");
  if (cfg->no_similarity_std)
    fprintf (out, ", no-similarity-std");
  /* Translators: nonlinearity, optimizer, then its settings; M is million. */
  fprintf (out, _(", %s, %s lr %g, batch %u, dropout %g, %.2fM parameters (%.2fM with local heads)\n"),
           lw_nonlin_to_string (cfg->nonlin), lw_optim_to_string (cfg->optim),
           opts->lr, cfg->batch_size, cfg->dropout,
           lw_model_n_params (model, FALSE) / 1e6, lw_model_n_params (model, TRUE) / 1e6);
  fprintf (out, g_dngettext (GETTEXT_PACKAGE, "%u epoch", "%u epochs", opts->epochs), opts->epochs);
  fprintf (out, _(", seed %" PRIu64), opts->seed);
  fprintf (out, g_dngettext (GETTEXT_PACKAGE, ", %d BLAS thread\n", ", %d BLAS threads\n",
                             (gulong) lw_blas_get_threads ()),
           lw_blas_get_threads ());
  if (opts->pipeline)
    {
      guint stages = opts->stages ? opts->stages
                                  : lw_pipeline_default_stages (lw_model_n_blocks (model),
                                                                lw_blas_get_threads ());
      guint threads = lw_pipeline_default_threads (stages, lw_blas_get_threads ());

      fprintf (out, g_dngettext (GETTEXT_PACKAGE, "pipeline schedule: %u stages on %u thread\n",
                                 "pipeline schedule: %u stages on %u threads\n", threads),
               stages, threads);
    }
  if (opts->classes_per_batch > 0 && opts->classes_per_batch_until_epoch > 0)
    fprintf (out, _("batches of at most %u classes until epoch %u, then plain\n"),
             opts->classes_per_batch, opts->classes_per_batch_until_epoch);
  else if (opts->classes_per_batch > 0)
    fprintf (out, _("batches of at most %u classes\n"), opts->classes_per_batch);
  fflush (out);
}

