/* lw-rate.h: running time (pauses excluded) and samples per second over
 * the last LW_RATE_WINDOW_S seconds of it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LW_RATE_CHECKPOINTS 16
#define LW_RATE_WINDOW_S 2.0

typedef struct {
  double elapsed_base;        /* running seconds before the current stretch */
  gint64 stretch_start;       /* monotonic µs; 0 when stopped */
  guint head, n;              /* ring of checkpoints, one per window/CHECKPOINTS */
  double t[LW_RATE_CHECKPOINTS];
  guint64 samples[LW_RATE_CHECKPOINTS];
} LwRate;

void   lw_rate_init    (LwRate *r);
void   lw_rate_start   (LwRate *r, gint64 now, guint64 samples);
void   lw_rate_stop    (LwRate *r, gint64 now);
double lw_rate_elapsed (const LwRate *r, gint64 now);
/* After a step: records a checkpoint when the last one is old enough. */
void   lw_rate_add     (LwRate *r, gint64 now, guint64 samples);
double lw_rate_per_s   (const LwRate *r, gint64 now, guint64 samples);

G_END_DECLS
