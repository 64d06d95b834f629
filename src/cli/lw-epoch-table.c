/* lw-epoch-table.c: the epoch table's lines and the metrics rows' values. */
#include "lw-epoch-table.h"

#include <string.h>

void
lw_epoch_table_print_header (FILE *out, guint n_blocks)
{
  fprintf (out, "%5s  %7s  %9s ", "epoch", "loss", "train-acc");
  for (guint i = 1; i <= n_blocks; i++)
    fprintf (out, " test-b%u", i);
  fprintf (out, " %8s  %9s  %7s\n", "test-out", "samples/s", "seconds");
  fflush (out);
}

void
lw_epoch_table_print_line (FILE *out, guint epoch, const LwRunningStats *rs,
                           const double *block_acc, double out_acc,
                           double samples_per_s, double seconds)
{
  fprintf (out, "%5u  %7.4f  %8.2f%% ", epoch,
           lw_running_stats_loss_out (rs), 100.0 * lw_running_stats_acc_out (rs));
  for (guint i = 0; i < rs->n_blocks; i++)
    {
      /* As wide as its header, "test-b<i>". */
      int width = (int) strlen ("test-b") + (i + 1 < 10 ? 1 : 2);

      fprintf (out, " %*.2f%%", width - 1, 100.0 * block_acc[i]);
    }
  /* A decimal for the slow conv nets, where 37 and 37.4 differ by 1%. */
  fprintf (out, " %7.2f%%  %9.*f  %7.1f\n", 100.0 * out_acc, samples_per_s < 100.0 ? 1 : 0,
           samples_per_s, seconds);
}

void
lw_metrics_row_from_stats (LwMetricsRow *row, const LwRunningStats *rs)
{
  row->loss_out = lw_running_stats_loss_out (rs);
  for (guint i = 0; i < rs->n_blocks; i++)
    {
      row->loss_pred[i] = lw_running_stats_loss_pred (rs, i);
      row->loss_sim[i] = lw_running_stats_loss_sim (rs, i);
      row->acc[i] = lw_running_stats_acc (rs, i);
    }
}
