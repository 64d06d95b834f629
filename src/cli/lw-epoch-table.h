/* lw-epoch-table.h: the epoch table and the metrics rows, as the
 * one-process trainer and the distributed run both print them. The table
 * stays in English with '.' decimals: bench/ and the tests read its
 * columns. It fits 80 columns up to three blocks. */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "lw-metrics-csv.h"
#include "lw-running-stats.h"

G_BEGIN_DECLS

void lw_epoch_table_print_header (FILE *out, guint n_blocks);
/* One epoch: training loss and accuracy from rs, each block's and the
 * output's test accuracy, the training speed and time. */
void lw_epoch_table_print_line   (FILE *out, guint epoch, const LwRunningStats *rs,
                                  const double *block_acc, double out_acc,
                                  double samples_per_s, double seconds);
/* The losses and accuracies of a metrics row from running statistics. */
void lw_metrics_row_from_stats   (LwMetricsRow *row, const LwRunningStats *rs);

G_END_DECLS
