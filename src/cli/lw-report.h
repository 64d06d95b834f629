/* lw-report.h: what a run tells its user — the epoch table, the metrics
 * CSV rows and the progress bar — from the statistics of its steps and
 * test passes, whichever schedule (or process) trained them. */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "engine/lw-model.h"
#include "lw-cli-options.h"
#include "lw-metrics-csv.h"
#include "lw-progress.h"
#include "lw-running-stats.h"

G_BEGIN_DECLS

typedef struct {
  const LwCliOptions *opts;
  LwMetricsCsv *csv;            /* may be NULL */
  FILE *out;
  guint n_blocks;
  guint n_batches;              /* training batches per epoch */
  guint64 step, samples_seen;

  /* The epoch in progress, as its batches' statistics come in. */
  guint epoch;
  double lr;
  guint consumed;
  guint skipped_in_epoch;       /* steps that diverged and were left out */
  char first_skip[256];         /* what the epoch's first of them did, as one process says it */
  LwRunningStats epoch_stats, window;
  gint64 start;
  LwProgress progress;
} LwReport;

void     lw_report_init               (LwReport *report, const LwCliOptions *opts,
                                       LwMetricsCsv *csv, FILE *out, guint n_blocks,
                                       guint n_batches);
void     lw_report_print_table_header (LwReport *report);
/* Says when the schedule changes the learning rate or the batches, resets
 * the epoch's statistics and starts its clock. */
void     lw_report_begin_epoch        (LwReport *report, guint epoch);
/* One finished training batch: running statistics, the CSV step row,
 * progress. FALSE on a failed write (error set). */
gboolean lw_report_step               (LwReport *report, const LwStepStats *stats,
                                       GError **error);
/* Seconds since the epoch began; clears the progress bar. */
double   lw_report_end_training       (LwReport *report);
/* The epoch's line of the table and its CSV row; block_acc holds each
 * block's test accuracy. */
gboolean lw_report_end_epoch          (LwReport *report, double seconds, const double *block_acc,
                                       double out_acc, GError **error);

G_END_DECLS
