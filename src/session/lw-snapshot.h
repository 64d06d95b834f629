/* lw-snapshot.h: what the training worker publishes for the window to draw.
 *
 * A snapshot is immutable once published and reference counted: the UI
 * takes the newest one, draws from it as long as it likes, and drops it.
 * The worker never waits for the UI. */
#pragma once

#include <glib.h>
#include "engine/lw-lr-schedule.h"
#include "engine/lw-model.h"
#include "data/lw-dataset.h"
#include "engine/lw-pipeline.h"
#include "lw-predictions.h"

G_BEGIN_DECLS

typedef enum {
  LW_RUN_LOADING,             /* dataset loading / model being built */
  LW_RUN_PAUSED,
  LW_RUN_RUNNING,
  LW_RUN_FINISHED,            /* reached the settings' epoch limit */
  LW_RUN_FAILED,              /* could not start: see error */
} LwRunState;

/* Why a mark sits on the curves. */
typedef enum {
  LW_MARK_LR,                 /* global learning rate or a block's multiplier changed */
  LW_MARK_LOSS,               /* loss type or beta changed */
  LW_MARK_PAUSE,
  LW_MARK_RESET,
  LW_MARK_FREEZE,             /* a block frozen or thawed */
  LW_MARK_DROPOUT,
  LW_MARK_DIVERGED,           /* training diverged and paused, or went back to a good state */
  LW_MARK_DETACH,             /* local errors began or stopped reaching lower blocks (no-detach) */
  LW_MARK_FORK,               /* a fork was made here; on both runs (lw_session_new_fork) */
  LW_N_MARK_KINDS             /* run files check stored kinds against this, never a member */
} LwMarkKind;

typedef struct {
  LwMarkKind kind;
  guint64 samples;            /* samples seen when it took effect */
  char label[48];             /* short text, e.g. "lr 1e-3", "sim" */
} LwMark;

/* One curve: y against samples seen, at most LW_SERIES_MAX_POINTS points
 * (older history is thinned evenly as a run grows, so a long run still
 * fits). */
#define LW_SERIES_MAX_POINTS 2048

typedef struct {
  guint n;
  const double *x;            /* samples seen */
  const float *y;
} LwSeries;

/* Curves of one layer: index 0 .. n_blocks-1 the blocks, n_blocks the
 * output layer (its loss_sim is empty, loss_pred is its cross-entropy). */
typedef struct {
  LwSeries train_acc;         /* running training accuracy, 0..1 */
  LwSeries test_acc;          /* held-out subset every eval_every steps (more often early on), 0..1 */
  LwSeries epoch_test_acc;    /* full test set at the end of each epoch, 0..1 */
  LwSeries loss_pred;         /* local prediction loss, unweighted */
  LwSeries loss_sim;          /* local similarity loss, unweighted */
} LwLayerCurves;

/* The curves of one run: the current one, or an earlier one kept for comparison. */
typedef struct {
  guint run_id;
  char title[64];             /* e.g. "predsim, lr 5e-4" */
  guint n_layers;             /* n_blocks + 1 */
  LwLayerCurves *layers;
  guint n_marks;
  const LwMark *marks;
} LwRunCurves;

/* Runs kept for comparison; a reset beyond this drops the oldest. */
#define LW_SNAPSHOT_MAX_PREVIOUS 4

typedef struct _LwSnapshot LwSnapshot;

struct _LwSnapshot {
  /*< private >*/
  gint ref_count;

  /*< public, read-only >*/
  guint64 serial;             /* differs from one publish to the next */
  LwRunState state;
  /* RUNNING, and a pause was asked for: training stops at the next
   * boundary between blocks (published at once, by lw_session_pause). */
  gboolean pausing;
  /* PAUSED in the middle of a batch (with local losses each block's update
   * is whole on its own, so a batch may stop between blocks and go on at
   * Play): how many batches are half trained (a pipeline holds several;
   * 0: none, every batch handed out is through) and how many blocks of
   * n_blocks the oldest of them has trained. step counts whole batches. */
  guint stopped_batches;
  guint stopped_after;
  const char *error;          /* when FAILED: what went wrong, one line */

  /* The last save or open of a run file (lw_session_save_run and
   * friends): file_serial grows with each report. */
  guint64 file_serial;
  gboolean file_failed;
  const char *file_message;   /* what was done, or what went wrong; one line */
  /* Training diverged and paused: what happened (which block, what), one
   * translated line, and the engine's account; NULL and what == NONE
   * otherwise. Cleared by play, step, restore, lower lr and reset. */
  const char *divergence;
  LwDivergence diverged;
  guint64 diverged_step;      /* the step that diverged, 1-based */
  /* A good state to go back to was kept at this step (0: the start). */
  gboolean can_restore;
  guint64 checkpoint_step;

  /* The run's settings as they are now. */
  const char *dataset_name;
  /* The dataset's class names, n_class_names of them (its classes), or
   * NULL and 0: the classes are numbers. */
  guint n_class_names;
  const char *const *class_names;
  LwArch arch;
  guint n_blocks;
  LwLossType loss;
  gboolean shared_target_proj; /* bpf: one label code for every block (files before format 3) */
  /* The reference's switches: live (no_detach), fixed when the run was
   * built (the other two). */
  gboolean no_detach;
  gboolean no_batch_norm;
  gboolean no_similarity_std;
  float beta;
  float lr;
  LwLrSchedule lr_schedule;   /* the run's, as edited live */
  guint lr_next_milestone;    /* the rate decays after this epoch next; 0: none before the end */
  float lr_base;              /* lr before the milestones passed (the user's last, or
                               * the start's): what a new run starts at */
  float dropout;
  float block_lr_mult[LW_MAX_BLOCKS];
  gboolean block_frozen[LW_MAX_BLOCKS];
  guint batch_size;
  guint64 data_seed;          /* the sample order's and augmentation's (the weights': model's seed) */
  LwSchedule schedule;        /* as asked (AUTO may run either) */
  guint n_stages;             /* pipeline stages running now; 0: sequential */
  guint n_stage_threads;      /* the threads that run them */
  gboolean schedule_probing;  /* AUTO is timing both schedules to choose */
  double schedule_ratio;      /* AUTO chose: pipeline / sequential samples/s (0: no choice made) */
  guint stage_end[LW_PIPELINE_MAX_STAGES];  /* stage s: blocks [stage_end[s-1], stage_end[s]) */

  /* In a window's lanes (lw-lanes.h): playing, but waiting for the lane
   * whose id is lockstep_waiting_for, which has handed out
   * lockstep_waiting_at steps, to catch up (lw-lockstep.h). */
  gboolean lockstep_waiting;
  guint lockstep_waiting_for;
  guint64 lockstep_waiting_at;

  /* Progress. */
  guint epoch;                /* 1-based epoch under way */
  guint max_epochs;           /* where the run stops (a preset's epochs); 0: never */
  guint64 step;               /* steps done in this run */
  guint64 samples_seen;
  guint train_size;
  guint test_size;            /* 0 until the dataset is loaded */
  double samples_per_s;       /* over the last second or so of running */
  double elapsed_s;           /* running time of this run, pauses excluded */

  /* Latest values, for the legend and status. */
  float last_train_acc[LW_MAX_BLOCKS + 1];  /* NAN before the first step */
  float last_test_acc[LW_MAX_BLOCKS + 1];   /* NAN until first evaluation */

  LwRunCurves current;
  guint n_previous;           /* earlier runs of this window (after resets), oldest
                               * first, at most LW_SNAPSHOT_MAX_PREVIOUS */
  const LwRunCurves *previous;

  /* Filters: the first block's weights, rows x cols, and how to show one
   * row as an image: the input's shape for an MLP (a hidden unit's input
   * weights), C_in x k x k for a conv net (a kernel). */
  guint filter_rows, filter_cols;
  LwMapShape filter_shape;
  const float *filters;
  /* The dataset's images: channels x height x width. */
  guint image_channels, image_height, image_width;

  /* Similarity: probe_n test samples sorted by class, their labels, the
   * label similarity matrix (under a bpf loss block 1's target) and each
   * block's (probe_n x probe_n each). */
  guint probe_n;
  const guint8 *probe_labels;
  const float *label_sim;
  const float *block_sim;     /* n_blocks * probe_n * probe_n */
  /* A bpf loss with a label code per block: each block's own target,
   * n_blocks * probe_n * probe_n; NULL when label_sim is every block's. */
  const float *target_sim;

  /* Activations of every block for the probe image the user picked. */
  guint probe_image_index;    /* index in the test set */
  guint8 probe_image_label;
  const float *probe_image;   /* image_channels * image_height * image_width, normalised */
  guint block_width[LW_MAX_BLOCKS];
  /* A conv block's activation as C feature maps of h x w (C * h * w ==
   * block_width); zero for a fully connected block. */
  LwMapShape block_map[LW_MAX_BLOCKS];
  const float *activations;   /* concatenated, block_width[i] values per block */

  /* Every layer's answers for the held-out test images, a few seconds
   * old at most while training; NULL without a run. */
  const LwPredictions *predictions;
};

LwSnapshot *lw_snapshot_ref   (LwSnapshot *snap);
void        lw_snapshot_unref (LwSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwSnapshot, lw_snapshot_unref)

const char *lw_run_state_to_string (LwRunState state);

G_END_DECLS
