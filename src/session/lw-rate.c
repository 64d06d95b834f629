/* lw-rate.c: a clock that only runs while training, and a ring of
 * (running time, samples seen) checkpoints to measure the recent rate. */
#include "lw-rate.h"

#include <string.h>

#define CHECKPOINT_GAP_S (LW_RATE_WINDOW_S / LW_RATE_CHECKPOINTS)

void
lw_rate_init (LwRate *r)
{
  memset (r, 0, sizeof *r);
}

double
lw_rate_elapsed (const LwRate *r, gint64 now)
{
  double t = r->elapsed_base;

  if (r->stretch_start != 0)
    t += (now - r->stretch_start) / (double) G_USEC_PER_SEC;
  return t;
}

static void
checkpoint (LwRate *r, double t, guint64 samples)
{
  r->t[r->head] = t;
  r->samples[r->head] = samples;
  r->head = (r->head + 1) % LW_RATE_CHECKPOINTS;
  r->n = MIN (r->n + 1, LW_RATE_CHECKPOINTS);
}

void
lw_rate_start (LwRate *r, gint64 now, guint64 samples)
{
  if (r->stretch_start != 0)
    return;
  r->stretch_start = MAX (now, 1);
  /* The origin of the first measurement. */
  if (r->n == 0)
    checkpoint (r, r->elapsed_base, samples);
}

void
lw_rate_stop (LwRate *r, gint64 now)
{
  if (r->stretch_start == 0)
    return;
  r->elapsed_base = lw_rate_elapsed (r, now);
  r->stretch_start = 0;
}

void
lw_rate_add (LwRate *r, gint64 now, guint64 samples)
{
  double t = lw_rate_elapsed (r, now);
  guint newest = (r->head + LW_RATE_CHECKPOINTS - 1) % LW_RATE_CHECKPOINTS;

  if (r->n == 0 || t - r->t[newest] >= CHECKPOINT_GAP_S)
    checkpoint (r, t, samples);
}

double
lw_rate_per_s (const LwRate *r, gint64 now, guint64 samples)
{
  guint oldest = (r->head + LW_RATE_CHECKPOINTS - r->n) % LW_RATE_CHECKPOINTS;
  double dt;

  if (r->n == 0)
    return 0.0;
  dt = lw_rate_elapsed (r, now) - r->t[oldest];
  return dt > 0.0 ? (samples - r->samples[oldest]) / dt : 0.0;
}
