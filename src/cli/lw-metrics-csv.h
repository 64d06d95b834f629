/* lw-metrics-csv.h: the --metrics file, one row per logged step and per epoch. */
#pragma once

#include <glib.h>

#include "engine/lw-model.h"

G_BEGIN_DECLS

typedef struct _LwMetricsCsv LwMetricsCsv;

/* One row. A NAN field is written empty (no such quantity, e.g. the local
 * classifiers of --loss bp). */
typedef struct {
  const char *kind;             /* "step" or "epoch" */
  guint epoch;
  guint64 step;
  guint64 samples_seen;
  double lr;
  double loss_out;
  double acc_out;
  double loss_pred[LW_MAX_BLOCKS];
  double loss_sim[LW_MAX_BLOCKS];
  double acc[LW_MAX_BLOCKS];
} LwMetricsRow;

/* Creates (truncates) path; the error names the file. path NULL: no
 * file. keep_text: everything written is also kept, for a run file. */
LwMetricsCsv *lw_metrics_csv_open         (const char *path, gboolean keep_text, GError **error);
gboolean      lw_metrics_csv_write_header (LwMetricsCsv *csv, guint n_blocks, GError **error);
/* A resumed run: the header and rows written so far, as kept in its run
 * file, in place of the header. */
gboolean      lw_metrics_csv_continue     (LwMetricsCsv *csv, const char *text, guint n_blocks,
                                           GError **error);
/* Everything written so far, when kept; else NULL. */
const char   *lw_metrics_csv_text         (const LwMetricsCsv *csv);
gboolean      lw_metrics_csv_write_row    (LwMetricsCsv *csv, const LwMetricsRow *row,
                                           gboolean flush, GError **error);
/* Closes and frees; FALSE if anything written was lost. */
gboolean      lw_metrics_csv_close        (LwMetricsCsv *csv, GError **error);
/* Closes without reporting errors (for failure paths). */
void          lw_metrics_csv_free         (LwMetricsCsv *csv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwMetricsCsv, lw_metrics_csv_free)

G_END_DECLS
