/* lw-export-dialog.c: asks where to export a chart or the series, and
 * writes the file. */
#include "lw-export-dialog.h"

#include <glib/gi18n.h>

typedef struct {
  GtkWindow *parent;
  LwCharts *charts;
  LwChartId id;
  LwExportFormat format;
} ExportJob;

const char *
lw_export_format_extension (LwExportFormat format)
{
  switch (format)
    {
    case LW_EXPORT_PNG: return "png";
    case LW_EXPORT_SVG: return "svg";
    case LW_EXPORT_CSV: return "csv";
    }
  g_return_val_if_reached (NULL);
}

void
lw_export_default_size (LwChartId id, int *width, int *height)
{
  static const int sizes[LW_N_CHARTS][2] = {
    [LW_CHART_ACCURACY]   = { 1200, 700 },
    [LW_CHART_LOSS]       = { 1200, 700 },
    [LW_CHART_FILTERS]    = { 1000, 1000 },
    [LW_CHART_PROBE]      = { 1200, 360 },
    [LW_CHART_SIMILARITY] = { 1600, 460 },
    [LW_CHART_CONFUSION]  = { 800, 700 },
    [LW_CHART_GALLERY]    = { 1200, 800 },
  };

  g_return_if_fail (id < LW_N_CHARTS);
  *width = sizes[id][0];
  *height = sizes[id][1];
}

gboolean
lw_export_chart (LwCharts *charts, LwChartId id, LwExportFormat format,
                 const char *path, int width, int height, GError **error)
{
  gconstpointer data;
  LwChartDrawFunc draw;

  g_return_val_if_fail (charts != NULL && path != NULL, FALSE);
  g_return_val_if_fail (format == LW_EXPORT_PNG || format == LW_EXPORT_SVG, FALSE);

  if (width <= 0 || height <= 0)
    lw_export_default_size (id, &width, &height);
  draw = lw_charts_get_draw (charts, id, &data);
  if (format == LW_EXPORT_PNG)
    return lw_chart_render_png (draw, data, width, height, path, error);
  return lw_chart_render_svg (draw, data, width, height, path, error);
}

static void
show_error (GtkWindow *parent, const char *path, const GError *error)
{
  g_autofree char *name = g_filename_display_basename (path);
  GtkWidget *dialog = gtk_message_dialog_new (parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                              _("Could not save “%s”"), name);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", error->message);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ExportJob *job = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      gboolean ok;

      if (path != NULL)
        {
          if (job->format == LW_EXPORT_CSV)
            ok = lw_charts_write_csv (job->charts, path, &error);
          else
            ok = lw_export_chart (job->charts, job->id, job->format, path, 0, 0, &error);
          if (!ok)
            show_error (job->parent, path, error);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (job->parent);
  g_free (job);
}

void
lw_export_dialog_run (GtkWindow *parent, LwCharts *charts, LwChartId id, LwExportFormat format)
{
  ExportJob *job;
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (GTK_IS_WINDOW (parent) && charts != NULL);

  if (format == LW_EXPORT_CSV)
    {
      name = g_strdup ("layerwise-series.csv");
      title = g_strdup (_("Export Every Series as CSV"));
    }
  else
    {
      name = g_strdup_printf ("layerwise-%s.%s", lw_chart_id_to_string (id),
                              lw_export_format_extension (format));
      title = g_strdup_printf (_("Export %s as %s"), lw_chart_id_title (id),
                               format == LW_EXPORT_PNG ? "PNG" : "SVG");
    }

  dialog = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);

  job = g_new0 (ExportJob, 1);
  job->parent = g_object_ref (parent);
  job->charts = charts;
  job->id = id;
  job->format = format;
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}
