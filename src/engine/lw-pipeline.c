/* lw-pipeline.c: stages of blocks run by a few threads, batches through
 * a ring of slots.
 *
 * Slot k % depth carries batch k: its input, the controls it was pushed
 * with, each stage boundary's activations and the step's statistics.
 * done[s] counts the batches stage s has finished; stage s is ready for
 * batch k once stage s-1 has finished it (stage 0: once it is pushed) and
 * no thread is running it. A free thread takes the ready stage nearest the
 * output, so batches leave as soon as they can and their slots come free;
 * with one stage more than threads, a thread whose stage is waiting finds
 * another, and uneven blocks still keep every thread busy. A slot is
 * reused once its batch has been popped. One mutex and condition guard
 * the counters; the work itself runs unlocked, each stage on its own
 * blocks, which only one thread at a time runs. */
#include "config.h"

#include "lw-pipeline.h"
#include "lw-gemm.h"
#include "lw-step.h"

#include <string.h>
#include <glib/gi18n-lib.h>

typedef struct {
  guint count;
  float *x;
  guint8 *y;
  float *h[LW_PIPELINE_MAX_STAGES];   /* stage s's output, s < n_stages - 1 */
  LwStepControls controls;
  LwStepStats stats;
  gboolean whole;                     /* a bp or no-detach step, run by the caller */
} Slot;

typedef struct {
  guint index;
  guint first, last;                  /* blocks [first, last) */
  double share;                       /* of the measured step cost */
  gboolean busy;                      /* a thread runs it (under the lock) */
  guint worker;                       /* whose conv workspace its blocks use */
  /* Stopped between two of its blocks: where its batch (done[index])
   * goes on, and that block's input, kept. */
  guint resume_at;                    /* 0: from first */
  float *resume_h;                    /* allocated at the first stop */
} Stage;

typedef struct {
  LwPipeline *p;
  guint index;
  float *workspace;                   /* conv scratch; worker 0 uses the model's */
  GThread *thread;
} Worker;

struct _LwPipeline {
  LwModel *model;
  guint n_stages, n_workers, depth;
  Stage stages[LW_PIPELINE_MAX_STAGES];
  Worker workers[LW_PIPELINE_MAX_STAGES];
  Slot *slots;
  int saved_threads;

  GMutex lock;
  GCond cond;
  guint64 pushed, popped;
  guint64 done[LW_PIPELINE_MAX_STAGES];
  gboolean quit;

  /* Stopping between blocks (lw_pipeline_set_stop). halted (under the
   * lock): no stage starts until lw_pipeline_resume. A running stage
   * stops at its next block boundary when the caller asked for a halt,
   * or the stop flag is up while stops are allowed (not while finishing
   * to the end). */
  const LwStopFlag *stop;
  gboolean halted;
  guint n_busy;
  atomic_bool halt_asked;
  atomic_bool stoppable;
};

static const char *const schedule_names[LW_N_SCHEDULES] = { "auto", "sequential", "pipeline" };

const char *
lw_schedule_to_string (LwSchedule schedule)
{
  g_return_val_if_fail (schedule < LW_N_SCHEDULES, NULL);
  return schedule_names[schedule];
}

gboolean
lw_schedule_from_string (const char *name, LwSchedule *schedule)
{
  for (guint i = 0; i < LW_N_SCHEDULES; i++)
    if (g_strcmp0 (name, schedule_names[i]) == 0)
      {
        *schedule = i;
        return TRUE;
      }
  return FALSE;
}

guint
lw_pipeline_default_stages (guint n_blocks, int threads)
{
  guint want = (guint) MAX (threads, 1) + 1;

  return MAX (1, MIN (MIN (want, n_blocks), LW_PIPELINE_MAX_STAGES));
}

guint
lw_pipeline_default_threads (guint n_stages, int threads)
{
  return CLAMP ((guint) MAX (threads, 1), 1, MAX (n_stages, 1));
}

LwSchedule
lw_schedule_resolve (LwSchedule schedule, guint n_blocks, int threads)
{
  if (schedule != LW_SCHEDULE_AUTO)
    return schedule;
  return threads >= 2 && n_blocks >= 2 ? LW_SCHEDULE_PIPELINE : LW_SCHEDULE_SEQUENTIAL;
}

void
lw_pipeline_balance (const double *cost, guint n, guint k, guint *first)
{
  double prefix[LW_MAX_BLOCKS + 2] = { 0 };
  double best[LW_PIPELINE_MAX_STAGES + 1][LW_MAX_BLOCKS + 1];
  guint cut[LW_PIPELINE_MAX_STAGES + 1][LW_MAX_BLOCKS + 1];

  g_return_if_fail (n <= LW_MAX_BLOCKS && k >= 1 && k <= MIN (n, LW_PIPELINE_MAX_STAGES));

  for (guint i = 0; i < n; i++)
    prefix[i + 1] = prefix[i] + cost[i];
  /* best[s][j]: the blocks [0, j) in s stages. */
  for (guint j = 0; j <= n; j++)
    best[1][j] = prefix[j], cut[1][j] = 0;
  for (guint s = 2; s <= k; s++)
    for (guint j = s; j <= n; j++)
      {
        best[s][j] = G_MAXDOUBLE;
        for (guint i = s - 1; i < j; i++)
          {
            double worst = MAX (best[s - 1][i], prefix[j] - prefix[i]
                                + (j == n && s == k ? cost[n] : 0.0));
            if (worst < best[s][j])
              best[s][j] = worst, cut[s][j] = i;
          }
      }
  for (guint s = k, j = n; s >= 1; j = cut[s][j], s--)
    first[s - 1] = cut[s][j];
}

static gboolean
stop_asked (LwPipeline *p, const LwStopFlag *stop)
{
  return atomic_load (&p->halt_asked)
         || (stop != NULL && atomic_load (&p->stoppable) && atomic_load (stop) != 0);
}

/* Keeps a stage's place before block next of its batch: next's input. */
static void
keep_position (LwPipeline *p, Stage *st, guint next, const float *h, guint count)
{
  LwModel *m = p->model;

  if (st->resume_h == NULL)
    {
      gsize most = 0;

      for (guint i = st->first; i + 1 < st->last; i++)
        most = MAX (most, lw_model_block_out_floats (m, i));
      st->resume_h = g_new (float, most * lw_model_get_config (m)->batch_size);
    }
  memcpy (st->resume_h, h, count * lw_model_block_out_floats (m, next - 1) * sizeof (float));
  st->resume_at = next;
}

/* TRUE when the stage is through with the batch; FALSE when it stopped
 * between two of its blocks (after one at least), its place kept. */
static gboolean
run_stage (LwPipeline *p, Stage *st, Slot *sl, const LwStopFlag *stop)
{
  LwModel *m = p->model;
  const float *h = st->index == 0 ? sl->x : sl->h[st->index - 1];
  guint from = st->first;

  /* As in lw_model_train_step, a block that diverged ends the batch's
   * step: the stages after it pass the slot on untouched. */
  if (sl->stats.diverged.what != LW_DIVERGED_NONE)
    return TRUE;
  if (st->resume_at > st->first)
    {
      from = st->resume_at;
      h = st->resume_h;
      st->resume_at = 0;
    }
  for (guint i = from; i < st->last; i++)
    {
      if (i > from && stop_asked (p, stop))
        {
          keep_position (p, st, i, h, sl->count);
          return FALSE;
        }
      h = lw_model_block_train (m, i, h, sl->y, sl->count, &sl->controls, &sl->stats.block[i]);
      if (h == NULL)
        {
          sl->stats.diverged = sl->stats.block[i].diverged;
          return TRUE;
        }
    }
  if (st->index + 1 == p->n_stages)
    lw_model_output_train (m, h, sl->y, sl->count, &sl->controls, &sl->stats);
  else
    memcpy (sl->h[st->index], h,
            sl->count * lw_model_block_out_floats (m, st->last - 1) * sizeof (float));
  return TRUE;
}

/* The ready stage nearest the output, or NULL; under the lock. A stop
 * asked for halts the pipeline here, once (waking lw_pipeline_pop). */
static Stage *
next_ready (LwPipeline *p, guint64 *batch)
{
  if (p->halted)
    return NULL;
  if (stop_asked (p, p->stop))
    {
      p->halted = TRUE;
      g_cond_broadcast (&p->cond);
      return NULL;
    }
  for (guint s = p->n_stages; s-- > 0;)
    {
      guint64 k = p->done[s];

      if (!p->stages[s].busy && (s == 0 ? p->pushed > k : p->done[s - 1] > k))
        {
          *batch = k;
          return &p->stages[s];
        }
    }
  return NULL;
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  LwPipeline *p = w->p;

  for (;;)
    {
      Stage *st;
      Slot *sl;
      guint64 k = 0;
      const LwStopFlag *stop;
      gboolean through = TRUE;

      g_mutex_lock (&p->lock);
      while ((st = next_ready (p, &k)) == NULL && !p->quit)
        g_cond_wait (&p->cond, &p->lock);
      if (st != NULL)
        {
          st->busy = TRUE;
          p->n_busy++;
        }
      stop = p->stop;
      g_mutex_unlock (&p->lock);
      if (st == NULL)
        return NULL;

      sl = &p->slots[k % p->depth];
      if (!sl->whole)
        {
          /* Conv scratch is only used within a call: the blocks borrow
           * their thread's. */
          if (st->worker != w->index)
            for (guint i = st->first; i < st->last; i++)
              lw_model_block_use_workspace (p->model, i, w->workspace);
          st->worker = w->index;
          through = run_stage (p, st, sl, stop);
        }

      g_mutex_lock (&p->lock);
      if (through)
        p->done[st->index] = k + 1;
      else if (stop_asked (p, stop))
        p->halted = TRUE;
      st->busy = FALSE;
      p->n_busy--;
      g_cond_broadcast (&p->cond);
      g_mutex_unlock (&p->lock);
    }
}

LwPipeline *
lw_pipeline_new (LwModel *model, guint n_stages, guint n_threads, GError **error)
{
  const LwModelConfig *config;
  guint n_blocks, first[LW_PIPELINE_MAX_STAGES];
  double cost[LW_MAX_BLOCKS + 1], total = 0.0;
  gsize ws = 0;
  gboolean measured = FALSE;
  LwPipeline *p;

  g_return_val_if_fail (model != NULL, NULL);
  config = lw_model_get_config (model);
  n_blocks = lw_model_n_blocks (model);
  if (n_stages < 1 || n_stages > MIN (n_blocks, LW_PIPELINE_MAX_STAGES))
    {
      g_set_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID,
                   _("a pipeline of this model has 1 to %u stages (one per block at most), not %u"),
                   MIN (n_blocks, LW_PIPELINE_MAX_STAGES), n_stages);
      return NULL;
    }
  if (n_threads < 1 || n_threads > n_stages)
    {
      g_set_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID,
                   _("a pipeline of %u stages runs on 1 to %u threads, not %u"),
                   n_stages, n_stages, n_threads);
      return NULL;
    }

  /* Measured costs, or, before any step, equal blocks. */
  lw_model_block_costs (model, cost);
  for (guint i = 0; i <= n_blocks; i++)
    measured |= cost[i] > 0.0;
  if (!measured)
    for (guint i = 0; i <= n_blocks; i++)
      cost[i] = i < n_blocks ? 1.0 : 0.1;
  lw_pipeline_balance (cost, n_blocks, n_stages, first);

  p = g_new0 (LwPipeline, 1);
  p->model = model;
  p->n_stages = n_stages;
  p->n_workers = n_threads;
  /* One batch per stage at work and one being filled. */
  p->depth = n_stages + 1;
  atomic_init (&p->halt_asked, FALSE);
  atomic_init (&p->stoppable, TRUE);
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->saved_threads = lw_blas_get_threads ();
  lw_blas_set_threads (1);

  p->slots = g_new0 (Slot, p->depth);
  for (guint k = 0; k < p->depth; k++)
    {
      Slot *sl = &p->slots[k];

      sl->x = g_new (float, (gsize) config->batch_size * lw_model_input_size (model));
      sl->y = g_new (guint8, config->batch_size);
      for (guint s = 0; s + 1 < n_stages; s++)
        sl->h[s] = g_new (float, (gsize) config->batch_size
                                 * lw_model_block_out_floats (model, first[s + 1] - 1));
    }

  for (guint s = 0; s < n_stages; s++)
    {
      Stage *st = &p->stages[s];

      st->index = s;
      st->first = first[s];
      st->last = s + 1 < n_stages ? first[s + 1] : n_blocks;
      for (guint i = st->first; i < st->last; i++)
        st->share += cost[i];
      if (s + 1 == n_stages)
        st->share += cost[n_blocks];
      total += st->share;
    }
  for (guint s = 0; s < n_stages; s++)
    p->stages[s].share /= total;

  /* Every block uses the model's conv workspace now, worker 0's. */
  for (guint i = 0; i < n_blocks; i++)
    ws = MAX (ws, lw_model_block_workspace_floats (model, i));
  for (guint w = 0; w < n_threads; w++)
    {
      Worker *wk = &p->workers[w];

      wk->p = p;
      wk->index = w;
      if (w > 0 && ws > 0)
        wk->workspace = g_new0 (float, ws);
    }
  for (guint w = 0; w < n_threads; w++)
    p->workers[w].thread = g_thread_new ("lw-stage", worker_main, &p->workers[w]);
  return p;
}

/* Until the last stage has finished every pushed batch. */
static void
wait_idle (LwPipeline *p)
{
  g_mutex_lock (&p->lock);
  while (p->done[p->n_stages - 1] < p->pushed)
    g_cond_wait (&p->cond, &p->lock);
  g_mutex_unlock (&p->lock);
}

void
lw_pipeline_free (LwPipeline *p)
{
  gboolean halted;

  if (p == NULL)
    return;
  g_mutex_lock (&p->lock);
  halted = p->halted;
  g_mutex_unlock (&p->lock);
  /* Halted, what is in flight is abandoned. */
  if (!halted)
    wait_idle (p);
  g_mutex_lock (&p->lock);
  p->quit = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  for (guint w = 0; w < p->n_workers; w++)
    g_thread_join (p->workers[w].thread);
  /* The blocks go back to the model's workspace before the others go. */
  for (guint i = 0; i < lw_model_n_blocks (p->model); i++)
    lw_model_block_use_workspace (p->model, i, NULL);
  for (guint w = 0; w < p->n_workers; w++)
    g_free (p->workers[w].workspace);
  for (guint s = 0; s < p->n_stages; s++)
    g_free (p->stages[s].resume_h);
  for (guint k = 0; k < p->depth; k++)
    {
      g_free (p->slots[k].x);
      g_free (p->slots[k].y);
      for (guint s = 0; s + 1 < p->n_stages; s++)
        g_free (p->slots[k].h[s]);
    }
  g_free (p->slots);
  lw_blas_set_threads (p->saved_threads);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}

guint
lw_pipeline_n_stages (const LwPipeline *p)
{
  return p->n_stages;
}

guint
lw_pipeline_n_threads (const LwPipeline *p)
{
  return p->n_workers;
}

void
lw_pipeline_stage_blocks (const LwPipeline *p, guint stage, guint *first, guint *last)
{
  g_return_if_fail (stage < p->n_stages);
  *first = p->stages[stage].first;
  *last = p->stages[stage].last;
}

double
lw_pipeline_stage_share (const LwPipeline *p, guint stage)
{
  g_return_val_if_fail (stage < p->n_stages, 0.0);
  return p->stages[stage].share;
}

void
lw_pipeline_push (LwPipeline *p, const float *x, const guint8 *y, guint count)
{
  LwModel *m = p->model;
  Slot *sl;

  g_return_if_fail (count >= 1 && count <= lw_model_get_config (m)->batch_size);

  g_mutex_lock (&p->lock);
  while (p->pushed - p->popped >= p->depth)
    g_cond_wait (&p->cond, &p->lock);
  g_mutex_unlock (&p->lock);

  /* The slot is free: its last batch was popped. */
  sl = &p->slots[p->pushed % p->depth];
  sl->count = count;
  memcpy (sl->x, x, (gsize) count * lw_model_input_size (m) * sizeof (float));
  memcpy (sl->y, y, count);
  lw_model_capture_controls (m, &sl->controls);
  lw_step_stats_init (&sl->stats, lw_model_n_blocks (m), count);
  /* Their error crosses every block: no stage can run alone. */
  sl->whole = sl->controls.ctx.loss == LW_LOSS_BP || sl->controls.ctx.no_detach;
  if (sl->whole)
    {
      /* Every earlier batch through, the stages idle: one ordinary step,
       * which cannot stop, so neither can they before it. The stages
       * then pass the slot on untouched. */
      lw_pipeline_resume (p, TRUE);
      wait_idle (p);
      lw_model_train_step (m, sl->x, sl->y, count, &sl->stats);
    }

  g_mutex_lock (&p->lock);
  atomic_store (&p->stoppable, TRUE);
  /* A halt with nothing stopped half-way is over. */
  if (p->pushed == p->popped)
    {
      atomic_store (&p->halt_asked, FALSE);
      p->halted = FALSE;
    }
  p->pushed++;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

gboolean
lw_pipeline_pop (LwPipeline *p, LwStepStats *stats)
{
  g_mutex_lock (&p->lock);
  if (p->popped == p->pushed)
    {
      g_mutex_unlock (&p->lock);
      return FALSE;
    }
  while (p->done[p->n_stages - 1] <= p->popped)
    {
      if (p->halted && p->n_busy == 0)
        {
          g_mutex_unlock (&p->lock);
          return FALSE;
        }
      g_cond_wait (&p->cond, &p->lock);
    }
  if (stats != NULL)
    *stats = p->slots[p->popped % p->depth].stats;
  p->popped++;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return TRUE;
}

guint
lw_pipeline_in_flight (const LwPipeline *p)
{
  return (guint) (p->pushed - p->popped);
}

void
lw_pipeline_set_stop (LwPipeline *p, const LwStopFlag *stop)
{
  g_mutex_lock (&p->lock);
  p->stop = stop;
  g_mutex_unlock (&p->lock);
}

void
lw_pipeline_halt (LwPipeline *p)
{
  atomic_store (&p->halt_asked, TRUE);
  g_mutex_lock (&p->lock);
  p->halted = TRUE;
  while (p->n_busy > 0)
    g_cond_wait (&p->cond, &p->lock);
  g_mutex_unlock (&p->lock);
}

gboolean
lw_pipeline_halted (LwPipeline *p)
{
  gboolean halted;

  g_mutex_lock (&p->lock);
  /* Halted means every stage idle: those at work stop within a block. */
  while (p->halted && p->n_busy > 0)
    g_cond_wait (&p->cond, &p->lock);
  halted = p->halted && p->pushed > p->popped && p->done[p->n_stages - 1] <= p->popped;
  g_mutex_unlock (&p->lock);
  return halted;
}

void
lw_pipeline_resume (LwPipeline *p, gboolean to_the_end)
{
  g_mutex_lock (&p->lock);
  atomic_store (&p->halt_asked, FALSE);
  atomic_store (&p->stoppable, !to_the_end);
  p->halted = FALSE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

guint
lw_pipeline_oldest_progress (LwPipeline *p)
{
  guint blocks = 0;

  g_mutex_lock (&p->lock);
  if (p->pushed > p->popped)
    for (guint s = 0; s < p->n_stages; s++)
      {
        const Stage *st = &p->stages[s];

        if (p->done[s] > p->popped)
          blocks = st->last;
        else
          {
            /* A stage at work writes its place unlocked: only an idle
             * one's is read. */
            if (!st->busy && st->resume_at > st->first)
              blocks = st->resume_at;
            break;
          }
      }
  g_mutex_unlock (&p->lock);
  return blocks;
}
