/* lw-schedule-probe.c: time each schedule for a while, keep the faster. */
#include "lw-schedule-probe.h"

/* A phase times at least MIN_STEPS steps and MIN_SECONDS, or MAX_STEPS
 * steps: long enough to see past a step's jitter, short enough for the
 * slow conv nets (VGG8b: seconds a step). */
#define MIN_STEPS 8
#define MAX_STEPS 64
#define MIN_SECONDS 1.0

void
lw_schedule_probe_start (LwScheduleProbe *p, guint warmup)
{
  *p = (LwScheduleProbe) { .phase = LW_PROBE_SEQUENTIAL, .skip = warmup };
}

gboolean
lw_schedule_probe_wants_pipeline (const LwScheduleProbe *p)
{
  return p->phase == LW_PROBE_PIPELINE || (p->phase == LW_PROBE_DONE && p->pipeline_won);
}

void
lw_schedule_probe_add (LwScheduleProbe *p, guint samples, double seconds, guint fill)
{
  guint i = p->phase == LW_PROBE_PIPELINE;

  if (p->phase == LW_PROBE_DONE)
    return;
  if (p->skip > 0)
    {
      p->skip--;
      return;
    }
  p->seconds[i] += seconds;
  p->samples[i] += samples;
  p->steps++;
  if (p->steps < MAX_STEPS && (p->steps < MIN_STEPS || p->seconds[i] < MIN_SECONDS))
    return;

  p->steps = 0;
  if (p->phase == LW_PROBE_SEQUENTIAL)
    {
      p->phase = LW_PROBE_PIPELINE;
      p->skip = fill;
      return;
    }
  p->phase = LW_PROBE_DONE;
  p->pipeline_won = lw_schedule_probe_ratio (p) > 1.0;
}

double
lw_schedule_probe_ratio (const LwScheduleProbe *p)
{
  double seq, pipe;

  if (p->phase != LW_PROBE_DONE)
    return 0.0;
  if (p->seconds[0] <= 0.0 || p->seconds[1] <= 0.0 || p->samples[1] == 0)
    return 0.0;
  seq = p->samples[0] / p->seconds[0];
  pipe = p->samples[1] / p->seconds[1];
  return pipe / seq;
}
