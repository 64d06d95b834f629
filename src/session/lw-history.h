/* lw-history.h: the curves and marks of one run as the worker records
 * them. Each series keeps at most LW_SERIES_MAX_POINTS points: when one is
 * full, every other point goes and the series records half as often, so a
 * run of any length fits in a fixed size with even coverage. */
#pragma once

#include <glib.h>

#include "lw-bump.h"
#include "lw-snapshot.h"

G_BEGIN_DECLS

typedef enum {
  LW_CURVE_TRAIN_ACC,
  LW_CURVE_TEST_ACC,
  LW_CURVE_EPOCH_TEST_ACC,
  LW_CURVE_LOSS_PRED,
  LW_CURVE_LOSS_SIM,
  LW_N_CURVES
} LwCurve;

typedef struct {
  guint n, cap;
  guint stride;               /* records every stride-th value offered */
  guint64 offered;
  double *x;
  float *y;
} LwHistSeries;

void lw_hist_series_add   (LwHistSeries *s, double x, float y);
void lw_hist_series_clear (LwHistSeries *s);

typedef struct {
  guint run_id;
  char title[64];
  guint n_layers;
  LwHistSeries *series;       /* n_layers * LW_N_CURVES, layer-major */
  GArray *marks;              /* of LwMark */
} LwHistory;

LwHistory    *lw_history_new      (guint run_id, guint n_layers);
void          lw_history_free     (LwHistory *h);
void          lw_history_add      (LwHistory *h, guint layer, LwCurve curve, double x, float y);
void          lw_history_add_mark (LwHistory *h, LwMarkKind kind, guint64 samples,
                                   const char *format, ...) G_GNUC_PRINTF (4, 5);
const LwHistSeries *lw_history_series (const LwHistory *h, guint layer, LwCurve curve);

/* A copy as LwRunCurves: lw_history_copy_size bytes taken from mem. */
gsize         lw_history_copy_size (const LwHistory *h);
void          lw_history_copy      (const LwHistory *h, LwRunCurves *out, LwBump *mem);

/* An immutable, reference-counted copy (for previous runs, which many
 * snapshots share). */
typedef struct {
  gint ref_count;
  LwRunCurves curves;
} LwFrozenRun;

LwFrozenRun  *lw_history_freeze    (const LwHistory *h);
LwFrozenRun  *lw_frozen_run_ref    (LwFrozenRun *run);
void          lw_frozen_run_unref  (LwFrozenRun *run);

G_END_DECLS
