/* lw-metrics-csv.c: plain CSV (no quoting needed: every field is a word or
 * a number), numbers always with '.' whatever the locale. */
#include "lw-metrics-csv.h"

#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gstdio.h>

struct _LwMetricsCsv {
  FILE *file;                   /* NULL: kept in text only */
  char *path;
  gboolean started;             /* the file emptied for this run's rows */
  gboolean created;             /* not there before open: removed if never started */
  guint n_blocks;
  GString *line;                /* the line being written, reused */
  GString *text;                /* everything written, for a run file; or NULL */
};

static gboolean
write_failed (LwMetricsCsv *csv, GError **error)
{
  int saved = errno;
  g_autofree char *name = g_filename_display_name (csv->path);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("cannot write metrics file '%s': %s"), name, g_strerror (saved));
  return FALSE;
}

/* Opened without emptying it, so that a bad path fails at once but a run
 * that stops before its first row (a bad run file, a finished run, a
 * missing dataset) leaves an existing metrics file as it was. */
LwMetricsCsv *
lw_metrics_csv_open (const char *path, gboolean keep_text, GError **error)
{
  LwMetricsCsv *csv;
  gboolean existed = path != NULL && g_file_test (path, G_FILE_TEST_EXISTS);
  FILE *file = path != NULL ? fopen (path, "a") : NULL;

  if (path != NULL && file == NULL)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("--metrics: cannot create '%s': %s"), name, g_strerror (saved));
      return NULL;
    }
  csv = g_new0 (LwMetricsCsv, 1);
  csv->file = file;
  csv->created = file != NULL && !existed;
  csv->path = g_strdup (path);
  csv->line = g_string_new (NULL);
  csv->text = keep_text ? g_string_new (NULL) : NULL;
  return csv;
}

/* Puts out the line built in csv->line; the first empties the file. */
static gboolean
put_line (LwMetricsCsv *csv, gboolean flush, GError **error)
{
  if (csv->text != NULL)
    g_string_append_len (csv->text, csv->line->str, csv->line->len);
  if (csv->file == NULL)
    return TRUE;
  if (!csv->started)
    {
      if (fflush (csv->file) != 0 || ftruncate (fileno (csv->file), 0) != 0)
        return write_failed (csv, error);
      csv->started = TRUE;
    }
  if (fwrite (csv->line->str, 1, csv->line->len, csv->file) != csv->line->len
      || (flush && fflush (csv->file) != 0) || ferror (csv->file))
    return write_failed (csv, error);
  return TRUE;
}

gboolean
lw_metrics_csv_write_header (LwMetricsCsv *csv, guint n_blocks, GError **error)
{
  g_return_val_if_fail (n_blocks <= LW_MAX_BLOCKS, FALSE);

  csv->n_blocks = n_blocks;
  g_string_assign (csv->line, "kind,epoch,step,samples_seen,lr,loss_out,acc_out");
  for (guint i = 1; i <= n_blocks; i++)
    g_string_append_printf (csv->line, ",block%u_loss_pred,block%u_loss_sim,block%u_acc", i, i, i);
  g_string_append_c (csv->line, '\n');
  return put_line (csv, TRUE, error);
}

gboolean
lw_metrics_csv_continue (LwMetricsCsv *csv, const char *text, guint n_blocks, GError **error)
{
  g_return_val_if_fail (n_blocks <= LW_MAX_BLOCKS, FALSE);
  csv->n_blocks = n_blocks;
  g_string_assign (csv->line, text);
  return put_line (csv, TRUE, error);
}

const char *
lw_metrics_csv_text (const LwMetricsCsv *csv)
{
  return csv->text != NULL ? csv->text->str : NULL;
}

static void
put_number (GString *line, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (line, ',');
  if (!isnan (v))
    g_string_append (line, g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

gboolean
lw_metrics_csv_write_row (LwMetricsCsv *csv, const LwMetricsRow *row, gboolean flush,
                          GError **error)
{
  g_string_printf (csv->line, "%s,%u,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT,
                   row->kind, row->epoch, row->step, row->samples_seen);
  put_number (csv->line, row->lr);
  put_number (csv->line, row->loss_out);
  put_number (csv->line, row->acc_out);
  for (guint i = 0; i < csv->n_blocks; i++)
    {
      put_number (csv->line, row->loss_pred[i]);
      put_number (csv->line, row->loss_sim[i]);
      put_number (csv->line, row->acc[i]);
    }
  g_string_append_c (csv->line, '\n');
  return put_line (csv, flush, error);
}

gboolean
lw_metrics_csv_close (LwMetricsCsv *csv, GError **error)
{
  gboolean ok = TRUE;

  if (csv == NULL)
    return TRUE;
  if (csv->file != NULL && (ferror (csv->file) || fflush (csv->file) != 0))
    ok = write_failed (csv, error);
  if (csv->file != NULL && fclose (csv->file) != 0 && ok)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot write metrics file '%s': %s"), csv->path, g_strerror (saved));
      ok = FALSE;
    }
  /* Nothing was written: an empty file of ours would only mislead. */
  if (csv->file != NULL && !csv->started && csv->created)
    g_unlink (csv->path);
  g_free (csv->path);
  g_string_free (csv->line, TRUE);
  if (csv->text != NULL)
    g_string_free (csv->text, TRUE);
  g_free (csv);
  return ok;
}

void
lw_metrics_csv_free (LwMetricsCsv *csv)
{
  lw_metrics_csv_close (csv, NULL);
}
