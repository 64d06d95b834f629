/* lw-progress.h: a one-line progress bar for a terminal; silent on a pipe. */
#pragma once

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  FILE *out;
  gboolean enabled;
  gboolean shown;               /* a line is on screen and must be cleared */
  gint64 last_draw_us;
  guint width;                  /* terminal columns */
} LwProgress;

/* Enabled only when out is a terminal. */
void lw_progress_init   (LwProgress *p, FILE *out);
/* Redraws at most ten times a second. */
void lw_progress_update (LwProgress *p, guint epoch, guint n_epochs, guint batch, guint n_batches,
                         double samples_per_s, double loss, double acc);
/* Removes the line so ordinary output can follow. */
void lw_progress_clear  (LwProgress *p);

G_END_DECLS
