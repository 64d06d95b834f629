/* lw-running-stats.c: the engine reports per-batch means; a partial last
 * batch must weigh less, so sums are kept weighted by the batch size. */
#include "lw-running-stats.h"

#include <math.h>
#include <string.h>

void
lw_running_stats_reset (LwRunningStats *rs, guint n_blocks)
{
  g_assert (n_blocks <= LW_MAX_BLOCKS);
  memset (rs, 0, sizeof *rs);
  rs->n_blocks = n_blocks;
}

void
lw_running_stats_add (LwRunningStats *rs, const LwStepStats *stats)
{
  double n = stats->count;

  rs->samples += stats->count;
  rs->steps++;
  rs->loss_out += n * stats->loss_out;
  rs->correct_out += stats->correct_out;
  for (guint i = 0; i < rs->n_blocks && i < stats->n_blocks; i++)
    {
      rs->loss_pred[i] += n * stats->block[i].loss_pred;
      rs->loss_sim[i] += n * stats->block[i].loss_sim;
      rs->correct[i] += stats->block[i].correct;
    }
}

/* No trained batch (every one diverged and was dropped): no value, which
 * the metrics CSV leaves empty. */
static double
mean (const LwRunningStats *rs, double sum)
{
  return rs->samples ? sum / (double) rs->samples : NAN;
}

double
lw_running_stats_loss_out (const LwRunningStats *rs)
{
  return mean (rs, rs->loss_out);
}

double
lw_running_stats_acc_out (const LwRunningStats *rs)
{
  return mean (rs, (double) rs->correct_out);
}

double
lw_running_stats_loss_pred (const LwRunningStats *rs, guint block)
{
  g_assert (block < rs->n_blocks);
  return mean (rs, rs->loss_pred[block]);
}

double
lw_running_stats_loss_sim (const LwRunningStats *rs, guint block)
{
  g_assert (block < rs->n_blocks);
  return mean (rs, rs->loss_sim[block]);
}

double
lw_running_stats_acc (const LwRunningStats *rs, guint block)
{
  g_assert (block < rs->n_blocks);
  return mean (rs, (double) rs->correct[block]);
}
