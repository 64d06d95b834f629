/* lw-trainer.h: the epoch loop of layerwise-cli. */
#pragma once

#include <signal.h>
#include <stdio.h>
#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-model.h"
#include "lw-cli-options.h"
#include "lw-metrics-csv.h"
#include "lw-running-stats.h"
#include "runfile/lw-run-sections.h"

G_BEGIN_DECLS

/* Sequential steps before the stages of a pipeline (or of a distributed
 * run) are drawn, so they balance on measured costs. */
#define LW_TRAINER_WARMUP_STEPS 3

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
  guint64 skipped;              /* steps that diverged: counted, their statistics left out */
} LwTrainResult;

/* "the gradient of block 2 is NaN", "the loss of the output layer is infinite", ...
 * (blocks 1-based, as in the epoch table). */
char    *lw_trainer_describe_divergence (const LwDivergence *div, guint n_blocks);

/* Where a run stands besides its model: what a run file keeps of it. */
typedef struct {
  LwRunPosition pos;
  LwRunningStats epoch_stats;   /* of pos.epoch's batches so far */
  LwRunningStats window;        /* since the last step row */
  double last_test_acc;         /* output layer after the last finished epoch */
  GArray *interventions;        /* of LwRunIntervention: the lr schedule's changes */
} LwTrainerState;

/* Kinds of LwRunIntervention the CLI records (0 is none). A run file's
 * kinds are checked against LW_CLI_N_INTERVENTIONS, never a member. */
enum {
  LW_CLI_INTERVENTION_LR = 1,
  LW_CLI_INTERVENTION_PLAIN_BATCHES = 2,
  LW_CLI_N_INTERVENTIONS
};

/* A new run's state: epoch 1, nothing trained, streams seeded from opts. */
void     lw_trainer_state_init  (LwTrainerState *state, const LwCliOptions *opts,
                                 guint n_blocks);
void     lw_trainer_state_clear (LwTrainerState *state);

/* Saves the run (state as it stands, the model consistent with it);
 * FALSE with error set when it could not. */
typedef gboolean (*LwTrainerSaveFunc) (const LwTrainerState *state, gpointer data,
                                       GError **error);

/* Trains from state (a new run, or one read back from a run file) until
 * opts->epochs are done, printing an epoch line to out after each test
 * pass; csv may be NULL. Every opts->checkpoint_every steps save is
 * called (when not NULL); a failed checkpoint is reported on stderr and
 * training goes on. Stops early, with result->interrupted, once *stop
 * becomes non-zero, and with result->diverged at a step that diverged
 * unless opts->skip_divergence: that step is counted as skip mode counts
 * it, and so are the pipeline's batches then in flight, which are
 * finished. state is left where the run stopped, consistent with model.
 * FALSE only when the metrics file cannot be written. */
gboolean lw_trainer_run (const LwCliOptions *opts, const LwDataset *ds, LwModel *model,
                         LwTrainerState *state, LwMetricsCsv *csv,
                         LwTrainerSaveFunc save, gpointer save_data,
                         const volatile sig_atomic_t *stop, FILE *out,
                         LwTrainResult *result, GError **error);

G_END_DECLS
