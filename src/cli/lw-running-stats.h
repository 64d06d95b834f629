/* lw-running-stats.h: sample-weighted means of LwStepStats over many steps. */
#pragma once

#include <glib.h>

#include "engine/lw-model.h"

G_BEGIN_DECLS

typedef struct {
  guint n_blocks;
  guint64 samples;
  guint64 steps;
  double loss_out;              /* sums of count * per-batch mean */
  guint64 correct_out;
  double loss_pred[LW_MAX_BLOCKS];
  double loss_sim[LW_MAX_BLOCKS];
  guint64 correct[LW_MAX_BLOCKS];
} LwRunningStats;

void   lw_running_stats_reset     (LwRunningStats *rs, guint n_blocks);
void   lw_running_stats_add       (LwRunningStats *rs, const LwStepStats *stats);

/* Means over the samples added since the last reset (0 when none). */
double lw_running_stats_loss_out  (const LwRunningStats *rs);
double lw_running_stats_acc_out   (const LwRunningStats *rs);
double lw_running_stats_loss_pred (const LwRunningStats *rs, guint block);
double lw_running_stats_loss_sim  (const LwRunningStats *rs, guint block);
double lw_running_stats_acc       (const LwRunningStats *rs, guint block);

G_END_DECLS
