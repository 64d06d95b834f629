/* lw-export-dialog.h: the window's Export dialogs: a chart to PNG or SVG
 * (drawn by widgets/lw-chart-export.c with the same routines the window
 * paints with, at a size chosen here) and every series to CSV. */
#pragma once

#include <gtk/gtk.h>

#include "lw-charts.h"

G_BEGIN_DECLS

typedef enum {
  LW_EXPORT_PNG,
  LW_EXPORT_SVG,
  LW_EXPORT_CSV,
} LwExportFormat;

const char *lw_export_format_extension (LwExportFormat format);

/* The size a chart is exported at when no size is given. */
void     lw_export_default_size (LwChartId id, int *width, int *height);

/* Writes chart id (width, height <= 0: its default size) as PNG or SVG. */
gboolean lw_export_chart (LwCharts *charts, LwChartId id, LwExportFormat format,
                          const char *path, int width, int height, GError **error);

/* Asks where to save, then writes; failures go to a message dialog. The
 * window must stay alive while the dialog is open (it is modal). chart is
 * ignored for CSV. */
void     lw_export_dialog_run (GtkWindow *parent, LwCharts *charts, LwChartId id,
                               LwExportFormat format);

G_END_DECLS
