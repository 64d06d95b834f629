/* lw-pipeline.h: layer-parallel training on one machine.
 *
 * No gradient crosses a block boundary in local learning, so block l can
 * train on batch t+1 while block l+1 trains on batch t: block l's output
 * for batch t is the same either way. A pipeline splits the blocks into
 * contiguous stages (balanced by the costs lw_model_train_step measured),
 * runs them on a few threads with one BLAS thread each (a thread takes
 * whichever stage is ready; one stage runs on one thread at a time), and
 * passes the detached activations and labels of each batch forward
 * through a ring of slots. Each step runs with the live controls captured when its batch
 * was pushed, and each block draws its own dropout stream, so a pipeline
 * gives bit-identical weights and statistics to lw_model_train_step on
 * the same batches.
 *
 * A batch that diverges in some block (LwStepStats.diverged) goes no
 * further, as in lw_model_train_step, and the batches behind it train on:
 * the same results as sequential steps that drop it. A caller that stops
 * at a divergence should know that the blocks before the one that
 * diverged may already have trained on the batches pushed after it.
 *
 * bp steps cannot be split (the error crosses every block): a batch pushed
 * while the loss is bp waits for the batches before it and then runs as
 * one ordinary step on the caller's thread.
 *
 * While batches are in flight the model belongs to the pipeline: the
 * caller may change the live controls (lw_model_set_*) between pushes, and
 * nothing else. Once every pushed batch is popped the stages are idle and
 * the caller may evaluate and inspect the model on its own thread.
 * The pipeline sets the process's BLAS threads to 1 and restores them when
 * freed; a caller that raises them for its own work while the pipeline is
 * idle sets them back to 1 before the next push. */
#pragma once

#include <glib.h>
#include "lw-model.h"
#include "lw-step.h"

G_BEGIN_DECLS

#define LW_PIPELINE_MAX_STAGES 8

/* How training steps are run. */
typedef enum {
  LW_SCHEDULE_AUTO,           /* whichever is faster for the threads given */
  LW_SCHEDULE_SEQUENTIAL,     /* blocks one after another, products on every thread */
  LW_SCHEDULE_PIPELINE,       /* stages of blocks on threads of their own */
  LW_N_SCHEDULES
} LwSchedule;

const char *lw_schedule_to_string   (LwSchedule schedule);
gboolean    lw_schedule_from_string (const char *name, LwSchedule *schedule);
/* What AUTO means for n_blocks blocks on threads threads: a pipeline
 * once there are two threads and two blocks to give them, else
 * sequential. (The window measures both and keeps the faster.) */
LwSchedule  lw_schedule_resolve     (LwSchedule schedule, guint n_blocks, int threads);
/* One stage more than threads, so a thread whose next stage waits for
 * its input finds another; at most one per block. */
guint       lw_pipeline_default_stages (guint n_blocks, int threads);
/* The threads given, at most one per stage. */
guint       lw_pipeline_default_threads (guint n_stages, int threads);

typedef struct _LwPipeline LwPipeline;

/* Contiguous stages of the n blocks minimising the largest stage's cost;
 * cost has n + 1 entries, the last the output layer's, which rides with
 * the last stage. first[s] is stage s's first block; k is 1 .. MIN (n,
 * LW_PIPELINE_MAX_STAGES). The same costs give the same stages anywhere. */
void        lw_pipeline_balance      (const double *cost, guint n, guint k, guint *first);

/* n_stages: 1 .. MIN (blocks, LW_PIPELINE_MAX_STAGES); n_threads:
 * 1 .. n_stages. */
LwPipeline *lw_pipeline_new          (LwModel *model, guint n_stages, guint n_threads,
                                      GError **error);
void        lw_pipeline_free         (LwPipeline *pipeline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwPipeline, lw_pipeline_free)

guint       lw_pipeline_n_stages     (const LwPipeline *pipeline);
guint       lw_pipeline_n_threads    (const LwPipeline *pipeline);
/* Blocks [first, last) of a stage; the last stage also trains the
 * output layer. */
void        lw_pipeline_stage_blocks (const LwPipeline *pipeline, guint stage,
                                      guint *first, guint *last);

/* The stage's share of the step's measured cost when the pipeline was
 * made (0..1; equal blocks before any measured step). */
double      lw_pipeline_stage_share  (const LwPipeline *pipeline, guint stage);

/* Hands one batch (copied) to the first stage; waits while every slot is
 * in use. */
void        lw_pipeline_push         (LwPipeline *pipeline, const float *x, const guint8 *y,
                                      guint count);
/* Statistics of the oldest batch not yet popped, waiting until it is
 * through; FALSE when no batch is in flight. */
gboolean    lw_pipeline_pop          (LwPipeline *pipeline, LwStepStats *stats);
/* Batches pushed and not yet popped. */
guint       lw_pipeline_in_flight    (const LwPipeline *pipeline);

/* Stopping between blocks. With a stop flag (lw-step.h; it outlives the
 * pipeline), once it is up no stage starts and every running stage stops
 * at its next block boundary, its place kept: the pipeline halts within
 * one block's time, and lw_pipeline_pop returns FALSE for a batch not yet
 * through instead of waiting. Halted, the stages are idle: the model may
 * be evaluated and inspected, as when nothing is in flight, and
 * lw_pipeline_free abandons the batches in flight. lw_pipeline_resume
 * goes on exactly where each stage stopped (bit for bit the results of a
 * pipeline that never stopped); with to_the_end, the flag is ignored
 * until the next push, so that the batches in flight can be finished.
 * lw_pipeline_halt stops the same way at the caller's own request, and
 * returns once every stage is idle. */
void        lw_pipeline_set_stop     (LwPipeline *pipeline, const LwStopFlag *stop);
void        lw_pipeline_halt         (LwPipeline *pipeline);
void        lw_pipeline_resume       (LwPipeline *pipeline, gboolean to_the_end);
/* Halted with the oldest batch in flight not yet through (once halted,
 * waits until every stage is idle). */
gboolean    lw_pipeline_halted       (LwPipeline *pipeline);
/* The blocks the oldest batch in flight has trained (0: none in flight). */
guint       lw_pipeline_oldest_progress (LwPipeline *pipeline);

G_END_DECLS
