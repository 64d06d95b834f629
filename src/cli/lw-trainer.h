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

/* Sequential steps before the stages of a pipeline (or of a distributed
 * run) are drawn, so they balance on measured costs. */
#define LW_TRAINER_WARMUP_STEPS 3

typedef struct {
  guint epochs_done;
  double test_acc_out;          /* output layer after the last finished epoch */
  gboolean interrupted;
} LwTrainResult;

/* Trains for opts->epochs, printing an epoch line to out after each test
 * pass; csv may be NULL. Stops early, with result->interrupted, once *stop
 * becomes non-zero. FALSE only when the metrics file cannot be written. */
gboolean lw_trainer_run (const LwCliOptions *opts, const LwDataset *ds, LwModel *model,
                         LwMetricsCsv *csv, const volatile sig_atomic_t *stop, FILE *out,
                         LwTrainResult *result, GError **error);

G_END_DECLS
