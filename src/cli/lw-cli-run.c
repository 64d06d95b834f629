/* lw-cli-run.c: a CLI run file's sections, written and read back. */
#include "lw-cli-run.h"

#include "config.h"

#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "engine/lw-bytes.h"
#include "engine/lw-model-state.h"
#include "runfile/lw-run-file.h"
#include "runfile/lw-run-sections.h"

#define OPTIONS_GROUP "layerwise-cli"
#define SECTION_STATS LW_RUN_TAG ('C', 'S', 'T', 'A')
#define SECTION_METRICS LW_RUN_TAG ('C', 'C', 'S', 'V')
#define MAX_METRICS_TEXT ((gsize) 1 << 30)

static void
put_stats (GByteArray *out, const LwRunningStats *rs)
{
  lw_bytes_put_u32 (out, rs->n_blocks);
  lw_bytes_put_u64 (out, rs->samples);
  lw_bytes_put_u64 (out, rs->steps);
  lw_bytes_put_f64 (out, rs->loss_out);
  lw_bytes_put_u64 (out, rs->correct_out);
  for (guint i = 0; i < rs->n_blocks; i++)
    {
      lw_bytes_put_f64 (out, rs->loss_pred[i]);
      lw_bytes_put_f64 (out, rs->loss_sim[i]);
      lw_bytes_put_u64 (out, rs->correct[i]);
    }
}

static gboolean
read_stats (LwByteReader *r, guint n_blocks, LwRunningStats *rs)
{
  guint32 n = lw_byte_reader_u32 (r);

  if (n != n_blocks)
    return FALSE;
  lw_running_stats_reset (rs, n_blocks);
  rs->samples = lw_byte_reader_u64 (r);
  rs->steps = lw_byte_reader_u64 (r);
  rs->loss_out = lw_byte_reader_f64 (r);
  rs->correct_out = lw_byte_reader_u64 (r);
  for (guint i = 0; i < n_blocks; i++)
    {
      rs->loss_pred[i] = lw_byte_reader_f64 (r);
      rs->loss_sim[i] = lw_byte_reader_f64 (r);
      rs->correct[i] = lw_byte_reader_u64 (r);
    }
  return lw_byte_reader_ok (r) && rs->correct_out <= rs->samples;
}

gboolean
lw_cli_run_save (const char *path, const LwCliOptions *opts, const LwDataset *ds,
                 LwModel *model, const LwTrainerState *st, const char *metrics_text,
                 GError **error)
{
  g_autoptr (LwRunFile) f = lw_run_file_new ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  GByteArray *model_bytes = g_byte_array_new ();
  GByteArray *stats = g_byte_array_new ();

  lw_run_config_set_writer (kf, LW_CLI_RUN_WRITER);
  lw_run_config_set_model (kf, lw_model_get_config (model));
  lw_run_config_set_dataset (kf, ds);
  lw_cli_options_to_key_file (opts, kf, OPTIONS_GROUP);
  lw_run_file_take_section (f, LW_RUN_SECTION_CONFIG, lw_run_config_to_bytes (kf));

  lw_model_state_write (model, model_bytes);
  lw_run_file_take_section (f, LW_RUN_SECTION_MODEL, g_byte_array_free_to_bytes (model_bytes));
  lw_run_file_take_section (f, LW_RUN_SECTION_POSITION, lw_run_position_to_bytes (&st->pos));
  lw_run_file_take_section (f, LW_RUN_SECTION_INTERVENTIONS,
                            lw_run_interventions_to_bytes (st->interventions));

  put_stats (stats, &st->epoch_stats);
  put_stats (stats, &st->window);
  lw_bytes_put_f64 (stats, st->last_test_acc);
  lw_run_file_take_section (f, SECTION_STATS, g_byte_array_free_to_bytes (stats));
  lw_run_file_take_section (f, SECTION_METRICS,
                            g_bytes_new (metrics_text, metrics_text ? strlen (metrics_text) : 0));
  return lw_run_file_save (f, path, error);
}

gboolean
lw_cli_run_open (const char *path, LwCliOptions *opts, GKeyFile **config, LwRunFile **file,
                 GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LwRunFile) f = NULL;
  g_autoptr (GKeyFile) kf = NULL;
  g_autoptr (GBytes) contents = NULL;
  GBytes *conf;

  /* Only a regular file: --resume of a FIFO or /dev/zero is refused. */
  contents = lw_run_file_read_contents (path, &local);
  if (contents == NULL)
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO, "--resume: %s",
                   local->message);
      return FALSE;
    }
  f = lw_run_file_read_bytes (g_bytes_get_data (contents, NULL), g_bytes_get_size (contents),
                              &local);
  g_clear_pointer (&contents, g_bytes_unref);
  if (f == NULL || (conf = lw_run_file_require (f, LW_RUN_SECTION_CONFIG, &local)) == NULL
      || (kf = lw_run_config_from_bytes (conf, &local)) == NULL
      || !lw_run_config_check_writer (kf, LW_CLI_RUN_WRITER, &local))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, local->code, "--resume: %s: %s", path,
                   local->message);
      return FALSE;
    }
  if (!lw_cli_options_resume (opts, kf, OPTIONS_GROUP, path, error))
    return FALSE;
  *config = g_steal_pointer (&kf);
  *file = g_steal_pointer (&f);
  return TRUE;
}

gboolean
lw_cli_run_restore (LwRunFile *f, GKeyFile *config, const LwDataset *ds, LwModel *model,
                    LwTrainerState *st, char **metrics_text, GError **error)
{
  g_autoptr (GArray) interventions = NULL;
  LwRunPosition pos;
  LwRunningStats epoch_stats, window;
  guint n_blocks = lw_model_n_blocks (model);
  GBytes *model_bytes, *position, *intv, *stats, *metrics;
  LwByteReader r;
  double last_test_acc;
  gsize len;
  const guint8 *data;

  if (!lw_run_config_check_dataset (config, ds, error)
      || (model_bytes = lw_run_file_require (f, LW_RUN_SECTION_MODEL, error)) == NULL
      || (position = lw_run_file_require (f, LW_RUN_SECTION_POSITION, error)) == NULL
      || (intv = lw_run_file_require (f, LW_RUN_SECTION_INTERVENTIONS, error)) == NULL
      || (stats = lw_run_file_require (f, SECTION_STATS, error)) == NULL
      || (metrics = lw_run_file_require (f, SECTION_METRICS, error)) == NULL
      || !lw_run_position_from_bytes (position, &pos, error)
      || (interventions = lw_run_interventions_from_bytes (intv, error)) == NULL)
    return FALSE;

  {
    const LwModelConfig *c = lw_model_get_config (model);
    guint n_batches = (guint) (((guint64) ds->train.n + c->batch_size - 1) / c->batch_size);

    if (pos.batch_pos > n_batches || pos.epoch > 1000001)
      {
        g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                     _("the run file's position (epoch %u, batch %u) is past the %u batches of "
                       "an epoch"), pos.epoch, pos.batch_pos, n_batches);
        return FALSE;
      }
  }

  for (guint i = 0; i < interventions->len; i++)
    {
      guint32 kind = g_array_index (interventions, LwRunIntervention, i).kind;

      if (kind == 0 || kind >= LW_CLI_N_INTERVENTIONS)
        {
          g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                       _("the run file's intervention %u is of an unknown kind (%u)"), i + 1,
                       kind);
          return FALSE;
        }
    }

  data = g_bytes_get_data (stats, &len);
  lw_byte_reader_init (&r, data, len);
  if (!read_stats (&r, n_blocks, &epoch_stats) || !read_stats (&r, n_blocks, &window))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file's running statistics are damaged"));
      return FALSE;
    }
  last_test_acc = lw_byte_reader_f64 (&r);
  if (!lw_byte_reader_ok (&r) || lw_byte_reader_remaining (&r) != 0
      || !(last_test_acc >= 0.0 && last_test_acc <= 1.0))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file's running statistics are damaged"));
      return FALSE;
    }

  data = g_bytes_get_data (metrics, &len);
  if (len > MAX_METRICS_TEXT || memchr (data, '\0', len) != NULL
      || !g_utf8_validate ((const char *) data, len, NULL))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file's metrics are damaged"));
      return FALSE;
    }

  /* Last, as it is the one step that changes anything. */
  if (!lw_model_state_read (model, g_bytes_get_data (model_bytes, NULL),
                            g_bytes_get_size (model_bytes), error))
    return FALSE;

  st->pos = pos;
  st->epoch_stats = epoch_stats;
  st->window = window;
  st->last_test_acc = last_test_acc;
  g_clear_pointer (&st->interventions, g_array_unref);
  st->interventions = g_steal_pointer (&interventions);
  *metrics_text = g_strndup ((const char *) data, len);
  return TRUE;
}
