/* lw-schedule-probe.h: what the AUTO schedule means, measured. A run on
 * two threads or more times some sequential steps, then some pipelined
 * ones, and keeps the faster: which one wins depends on how evenly the
 * blocks split into stages and on how well the products use the threads,
 * which only the machine can say (bench/bench-pipeline.sh). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  LW_PROBE_SEQUENTIAL,        /* timing sequential steps */
  LW_PROBE_PIPELINE,          /* timing pipelined steps */
  LW_PROBE_DONE,              /* decided */
} LwProbePhase;

typedef struct {
  LwProbePhase phase;
  guint skip;                 /* steps of this phase not timed (warm-up, pipeline fill) */
  guint steps;                /* timed in this phase */
  double seconds[2];          /* sequential, pipeline */
  guint64 samples[2];
  gboolean pipeline_won;
} LwScheduleProbe;

/* Starts over: the first warmup steps are not timed. */
void     lw_schedule_probe_start         (LwScheduleProbe *probe, guint warmup);
/* Whether the next step runs through a pipeline: while probing, the
 * phase's schedule; afterwards, the faster. */
gboolean lw_schedule_probe_wants_pipeline (const LwScheduleProbe *probe);
/* One step of the current phase took seconds for samples; fill is how many
 * steps the pipeline takes to fill (not timed when its phase begins). */
void     lw_schedule_probe_add           (LwScheduleProbe *probe, guint samples,
                                          double seconds, guint fill);
/* Pipeline samples/s over sequential samples/s once decided, else 0. */
double   lw_schedule_probe_ratio         (const LwScheduleProbe *probe);

G_END_DECLS
