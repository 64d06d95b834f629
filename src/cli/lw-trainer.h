/* lw-trainer.h: the epoch loop of layerwise-cli. */
#pragma once

#include <signal.h>
#include <stdio.h>
#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-model.h"
#include "lw-cli-options.h"
#include "lw-metrics-csv.h"

G_BEGIN_DECLS

typedef struct {
  guint epochs_done;
  double test_acc_out;          /* output layer after the last finished epoch */
  gboolean interrupted;
  /* Stopped on a step that diverged (not with --on-divergence skip). */
  gboolean diverged;
  guint diverged_epoch;
  guint64 diverged_step;        /* global, 1-based, as in the metrics CSV */
  double diverged_lr;
  LwDivergence divergence;
  guint64 skipped;              /* steps dropped with --on-divergence skip */
} LwTrainResult;

/* "block 2 gradient is NaN", "the output layer loss is infinite", ...
 * (blocks 1-based, as in the epoch table). */
char    *lw_trainer_describe_divergence (const LwDivergence *div, guint n_blocks);

/* Trains for opts->epochs, printing an epoch line to out after each test
 * pass; csv may be NULL. Stops early, with result->interrupted, once *stop
 * becomes non-zero, and with result->diverged at a step that diverged
 * unless opts->skip_divergence. FALSE only when the metrics file cannot be
 * written. */
gboolean lw_trainer_run (const LwCliOptions *opts, const LwDataset *ds, LwModel *model,
                         LwMetricsCsv *csv, const volatile sig_atomic_t *stop, FILE *out,
                         LwTrainResult *result, GError **error);

G_END_DECLS
