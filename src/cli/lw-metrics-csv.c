/* lw-metrics-csv.c: plain CSV (no quoting needed: every field is a word or
 * a number), numbers always with '.' whatever the locale. */
#include "lw-metrics-csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

struct _LwMetricsCsv {
  FILE *file;
  char *path;
  guint n_blocks;
};

static gboolean
write_failed (LwMetricsCsv *csv, GError **error)
{
  int saved = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "cannot write metrics file '%s': %s", csv->path, g_strerror (saved));
  return FALSE;
}

LwMetricsCsv *
lw_metrics_csv_open (const char *path, GError **error)
{
  LwMetricsCsv *csv;
  FILE *file = fopen (path, "w");

  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "--metrics: cannot create '%s': %s", path, g_strerror (saved));
      return NULL;
    }
  csv = g_new0 (LwMetricsCsv, 1);
  csv->file = file;
  csv->path = g_strdup (path);
  return csv;
}

gboolean
lw_metrics_csv_write_header (LwMetricsCsv *csv, guint n_blocks, GError **error)
{
  g_return_val_if_fail (n_blocks <= LW_MAX_BLOCKS, FALSE);

  csv->n_blocks = n_blocks;
  fputs ("kind,epoch,step,samples_seen,lr,loss_out,acc_out", csv->file);
  for (guint i = 1; i <= n_blocks; i++)
    fprintf (csv->file, ",block%u_loss_pred,block%u_loss_sim,block%u_acc", i, i, i);
  if (fputc ('\n', csv->file) == EOF || fflush (csv->file) != 0)
    return write_failed (csv, error);
  return TRUE;
}

static void
put_number (FILE *file, double v)
{
  fputc (',', file);
  if (!isnan (v))
    fprintf (file, "%.6g", v);
}

gboolean
lw_metrics_csv_write_row (LwMetricsCsv *csv, const LwMetricsRow *row, gboolean flush,
                          GError **error)
{
  fprintf (csv->file, "%s,%u,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT,
           row->kind, row->epoch, row->step, row->samples_seen);
  put_number (csv->file, row->lr);
  put_number (csv->file, row->loss_out);
  put_number (csv->file, row->acc_out);
  for (guint i = 0; i < csv->n_blocks; i++)
    {
      put_number (csv->file, row->loss_pred[i]);
      put_number (csv->file, row->loss_sim[i]);
      put_number (csv->file, row->acc[i]);
    }
  if (fputc ('\n', csv->file) == EOF || (flush && fflush (csv->file) != 0) || ferror (csv->file))
    return write_failed (csv, error);
  return TRUE;
}

gboolean
lw_metrics_csv_close (LwMetricsCsv *csv, GError **error)
{
  gboolean ok = TRUE;

  if (csv == NULL)
    return TRUE;
  if (ferror (csv->file) || fflush (csv->file) != 0)
    ok = write_failed (csv, error);
  if (fclose (csv->file) != 0 && ok)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot write metrics file '%s': %s", csv->path, g_strerror (saved));
      ok = FALSE;
    }
  g_free (csv->path);
  g_free (csv);
  return ok;
}

void
lw_metrics_csv_free (LwMetricsCsv *csv)
{
  lw_metrics_csv_close (csv, NULL);
}
