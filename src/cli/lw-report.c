/* lw-report.c: the table fits 80 columns up to three blocks; the learning
 * rate is printed only when the schedule changes it. */
#include "lw-report.h"
#include "lw-epoch-table.h"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "lw-trainer.h"


void
lw_report_init (LwReport *r, const LwCliOptions *opts, LwMetricsCsv *csv, FILE *out,
                guint n_blocks, guint n_batches)
{
  *r = (LwReport) { .opts = opts, .csv = csv, .out = out, .n_blocks = n_blocks,
                    .n_batches = n_batches };
  lw_progress_init (&r->progress, stderr);
}

void
lw_report_print_table_header (LwReport *r)
{
  lw_epoch_table_print_header (r->out, r->n_blocks);
}

void
lw_report_begin_epoch (LwReport *r, guint epoch)
{
  const LwCliOptions *opts = r->opts;

  r->lr = lw_cli_options_lr_at_epoch (opts, epoch);
  if (epoch > 1 && r->lr != lw_cli_options_lr_at_epoch (opts, epoch - 1))
    fprintf (r->out, _("learning rate %g from epoch %u\n"), r->lr, epoch);
  if (epoch > 1 && opts->classes_per_batch > 0
      && epoch == opts->classes_per_batch_until_epoch + 1)
    fprintf (r->out, _("plain shuffled batches from epoch %u\n"), epoch);
  lw_running_stats_reset (&r->epoch_stats, r->n_blocks);
  lw_running_stats_reset (&r->window, r->n_blocks);
  r->skipped_in_epoch = 0;
  r->epoch = epoch;
  r->consumed = 0;
  r->start = g_get_monotonic_time ();
}

gboolean
lw_report_step (LwReport *r, const LwStepStats *stats, GError **error)
{
  double seconds;

  /* A step that diverged (--on-divergence skip) is counted, not averaged. */
  if (stats->diverged.what == LW_DIVERGED_NONE)
    {
      lw_running_stats_add (&r->epoch_stats, stats);
      lw_running_stats_add (&r->window, stats);
    }
  else if (r->skipped_in_epoch++ == 0)
    {
      g_autofree char *what = lw_trainer_describe_divergence (&stats->diverged, r->n_blocks);

      g_snprintf (r->first_skip, sizeof r->first_skip, _("step %" PRIu64 ": %s"), r->step + 1,
                  what);
    }
  r->step++;
  r->samples_seen += stats->count;
  r->consumed++;

  if (r->csv != NULL && (r->step % r->opts->log_every == 0 || r->consumed == r->n_batches))
    {
      LwMetricsRow row = { .kind = "step", .epoch = r->epoch, .step = r->step,
                           .samples_seen = r->samples_seen, .lr = r->lr };

      lw_metrics_row_from_stats (&row, &r->window);
      row.acc_out = lw_running_stats_acc_out (&r->window);
      if (!lw_metrics_csv_write_row (r->csv, &row, FALSE, error))
        return FALSE;
      lw_running_stats_reset (&r->window, r->n_blocks);
    }

  seconds = (g_get_monotonic_time () - r->start) / (double) G_USEC_PER_SEC;
  lw_progress_update (&r->progress, r->epoch, r->opts->epochs, r->consumed, r->n_batches,
                      seconds > 0 ? r->epoch_stats.samples / seconds : 0.0,
                      lw_running_stats_loss_out (&r->epoch_stats),
                      lw_running_stats_acc_out (&r->epoch_stats));
  return TRUE;
}

double
lw_report_end_training (LwReport *r)
{
  lw_progress_clear (&r->progress);
  return (g_get_monotonic_time () - r->start) / (double) G_USEC_PER_SEC;
}

gboolean
lw_report_end_epoch (LwReport *r, double seconds, const double *block_acc, double out_acc,
                     GError **error)
{
  const LwRunningStats *rs = &r->epoch_stats;
  double samples_per_s = seconds > 0 ? rs->samples / seconds : 0.0;

  lw_epoch_table_print_line (r->out, r->epoch, rs, block_acc, out_acc, samples_per_s, seconds);
  if (r->skipped_in_epoch > 0)
    /* The words of one process (lw-trainer.c). */
    fprintf (r->out, g_dngettext (GETTEXT_PACKAGE,
                                  "skipped %u step that diverged in epoch %u (the first, %s)\n",
                                  "skipped %u steps that diverged in epoch %u (the first, %s)\n",
                                  r->skipped_in_epoch),
             r->skipped_in_epoch, r->epoch, r->first_skip);
  fflush (r->out);

  if (r->csv != NULL)
    {
      LwMetricsRow row = { .kind = "epoch", .epoch = r->epoch, .step = r->step,
                           .samples_seen = r->samples_seen, .lr = r->lr, .acc_out = out_acc };

      lw_metrics_row_from_stats (&row, rs);
      for (guint i = 0; i < r->n_blocks; i++)
        row.acc[i] = block_acc[i];
      return lw_metrics_csv_write_row (r->csv, &row, TRUE, error);
    }
  return TRUE;
}
