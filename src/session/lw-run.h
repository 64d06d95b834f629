/* lw-run.h: one training run with no threads in it: the model, the
 * sample order, the batch buffers, evaluation and the curves. The worker
 * drives it one batch at a time. */
#pragma once

#include <glib.h>

#include "data/lw-sampler.h"
#include "engine/lw-pipeline.h"
#include "engine/lw-step.h"
#include "lw-history.h"
#include "lw-rate.h"
#include "lw-schedule-probe.h"
#include "lw-session.h"
#include "lw-recent.h"

G_BEGIN_DECLS

typedef struct {
  const LwDataset *ds;        /* not owned; outlives the run */
  LwModel *model;
  guint n_blocks, input_size, batch_size;
  guint max_epochs, eval_every, eval_samples;

  float *x;                   /* one batch, allocated once */
  guint8 *y;
  LwSampler *sampler;         /* the training batches of each epoch */
  guint32 *test_order;        /* 0 .. test.n-1 */
  LwAugment augment;
  gboolean use_augment;
  LwRng shuffle_rng, augment_rng;
  LwRng epoch_rng;            /* shuffle_rng as the epoch under way began (run files) */

  /* Similarity probe: probe_n test samples sorted by class, fixed. */
  guint probe_n;
  guint32 *probe_index;
  float *probe_x;
  guint8 *probe_y;

  /* How steps run: sequentially, or through a pipeline of stages made
   * once the first steps have measured the blocks' costs. */
  LwSchedule schedule;        /* as asked; AUTO resolved with threads */
  guint stages;               /* 0: one more than threads */
  int threads;
  LwPipeline *pipeline;       /* NULL: sequential steps */
  LwScheduleProbe probe;      /* AUTO on two threads or more: which is faster here */

  guint n_batches, batch_pos; /* batch_pos: batches of this epoch handed out */
  guint epoch;                /* 1-based, under way */
  guint64 step, samples_seen; /* finished and recorded */
  guint64 steps_pushed, samples_pushed;  /* handed out; ahead while a pipeline runs */
  gboolean finished;
  float block_lr_mult[LW_MAX_BLOCKS];
  LwLrSchedule lr_schedule;   /* applied as each epoch begins; changed live */
  float lr_base;              /* the rate before the schedule's decays: the one the run
                               * started with, or the user last set (a new run's rate) */
  float last_train_acc[LW_MAX_BLOCKS + 1];
  float last_test_acc[LW_MAX_BLOCKS + 1];
  LwDivergence diverged;      /* the first step that diverged since cleared: what == NONE if none */
  guint64 diverged_step;      /* its step number (1-based) */

  LwRecent window;
  LwRate rate;
  LwHistory *history;

  /* Stopping between blocks (lw_run_set_stop): the flag, a sequential
   * step stopped half-way, and the batch whose bookkeeping (evaluation,
   * epoch end) waits for it. */
  const LwStopFlag *stop;
  LwStepCursor cursor;
  gboolean step_open;
  guint open_count;
  gboolean open_eval_due;
  gboolean open_stopped;      /* it stopped: its time says nothing of the schedule */
  gint64 open_start;
} LwRun;

/* ds must have non-empty training and test sets. */
LwRun   *lw_run_new   (const LwDataset *ds, const LwRunSettings *settings,
                       guint run_id, GError **error);
void     lw_run_free  (LwRun *run);

/* One batch: train, record, evaluate when due. Returns TRUE when that
 * batch ended the last epoch (run->finished). Allocates nothing beyond
 * the curves' amortised growth. With a pipeline the batch is handed to
 * it and the ones it finished are recorded; it is drained before every
 * evaluation, so the curves are those of the sequential schedule. A
 * batch whose step diverged counts as seen but adds nothing to the
 * curves; the first such since the worker last looked stays in
 * run->diverged (with its step) until the worker clears it. */
gboolean lw_run_step  (LwRun *run);

/* Records every batch still in a pipeline, finishing any stopped half-way
 * (whatever the stop flag says): afterwards step and samples_seen count
 * every batch handed out, and the model is at rest. */
void     lw_run_sync  (LwRun *run);

/* Stopping a batch between two blocks, and going on. With a stop flag set
 * (it outlives the run), lw_run_step and lw_run_go_on return as soon as
 * they can once it is up: within one block's time (bp and no-detach steps
 * run whole), perhaps with a batch half trained. lw_run_stopped then says
 * so, and lw_run_go_on goes on where it stopped: the run's results are
 * those of a run never stopped, bit for bit. While stopped the model may
 * be evaluated and inspected (lw_run_hold_model), and lw_run_free simply
 * drops the half-trained batches. lw_run_halt stops the same way at the
 * caller's own request (a pipeline's batches in flight stop between
 * blocks rather than being finished) and records those already through. */
void     lw_run_set_stop   (LwRun *run, const LwStopFlag *stop);
gboolean lw_run_stopped    (const LwRun *run);
/* Like lw_run_step: TRUE when the batch that finished ended the run. */
gboolean lw_run_go_on      (LwRun *run);
void     lw_run_halt       (LwRun *run);
/* Records a pipeline's batches in flight until they are all through, or
 * the stop flag stops them. */
void     lw_run_drain      (LwRun *run);
/* While stopped: about how many seconds finishing every half-trained
 * batch would take, from the blocks' measured costs (INFINITY while some
 * block has none yet). */
double   lw_run_finish_cost (LwRun *run);
/* While stopped: the blocks the oldest batch not yet through has
 * trained, of n_blocks, and the batches handed out and not through. */
guint    lw_run_stopped_after (const LwRun *run, guint *batches);

/* The model for inspection on the caller's thread (lw_visuals_compute):
 * the pipeline drained (or halted: every stage idle) and the products on
 * every thread; release before the next step. */
LwModel *lw_run_hold_model    (LwRun *run);
void     lw_run_release_model (LwRun *run);

/* Takes effect at the next batch. */
void     lw_run_set_schedule  (LwRun *run, LwSchedule schedule, guint stages);
/* The threads the run's steps use from the next one on (a window's lanes
 * share them: lw-lockstep.h). The caller has set the process's BLAS
 * threads to match. */
void     lw_run_set_threads   (LwRun *run, int threads);
/* Stages of the pipeline running now; 0 when steps run sequentially. */
guint    lw_run_n_stages      (const LwRun *run);
/* Under AUTO: TRUE while the two schedules are being timed; ratio gets
 * pipeline samples/s over sequential once decided (0 otherwise, and when
 * AUTO had nothing to choose). */
gboolean lw_run_schedule_probing (const LwRun *run, double *ratio);

/* The schedule from now on (a live change), with a mark. FALSE, and no
 * mark, when it is the one the run has. */
gboolean lw_run_set_lr_schedule (LwRun *run, const LwLrSchedule *schedule);
/* The milestone the rate decays after next (0: none left before the run
 * ends, at its epoch limit if it has one). */
guint    lw_run_next_milestone  (const LwRun *run);

/* Title for the curves, e.g. "predsim, lr 5e-4". */
void     lw_run_update_title (LwRun *run);

G_END_DECLS
