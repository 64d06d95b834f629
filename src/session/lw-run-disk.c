/* lw-run-disk.c: a window run's sections, written and read back. */
#include "config.h"

#include "lw-run-disk.h"

#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

#include "engine/lw-bytes.h"
#include "engine/lw-live-controls.h"
#include "engine/lw-model-state.h"
#include "runfile/lw-run-sections.h"

#define SESSION_GROUP "session"
#define SECTION_HISTORY LW_RUN_TAG ('H', 'I', 'S', 'T')
#define SECTION_RECENT LW_RUN_TAG ('R', 'C', 'N', 'T')
#define SECTION_LATEST LW_RUN_TAG ('L', 'A', 'S', 'T')

/* message: a whole sentence, translated, naming what is damaged. */
static gboolean
damaged (GError **error, const char *message)
{
  g_set_error_literal (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT, message);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Settings */

/* The learning-rate schedule (format 4): the run's own, as edited live,
 * so an opened run goes on with it as an unbroken one would. */
#define LR_SCHEDULE_SINCE 4

static void
lr_schedule_to_key_file (const LwRun *r, GKeyFile *kf)
{
  g_autofree char *text = lw_lr_schedule_milestones_text (&r->lr_schedule);

  g_key_file_set_string (kf, SESSION_GROUP, "lr_milestones", text);
  g_key_file_set_double (kf, SESSION_GROUP, "lr_decay_factor", r->lr_schedule.factor);
  g_key_file_set_double (kf, SESSION_GROUP, "lr_base", r->lr_base);
}

/* The rate before the milestones passed; absent before format 4: the
 * rate the run has, as no schedule had changed it. */
static gboolean
lr_base_from_key_file (GKeyFile *kf, guint version, LwRun *r, GError **error)
{
  const LwLiveControl *c = lw_live_control_get (LW_LIVE_LR);
  g_autoptr (GError) local = NULL;
  double v;

  if (version < LR_SCHEDULE_SINCE && !g_key_file_has_key (kf, SESSION_GROUP, "lr_base", NULL))
    {
      r->lr_base = lw_model_get_config (r->model)->lr;
      return TRUE;
    }
  v = g_key_file_get_double (kf, SESSION_GROUP, "lr_base", &local);
  if (local != NULL || !lw_live_control_in_range (c, v))
    return damaged (error, _("the run file's learning-rate schedule is damaged"));
  r->lr_base = (float) v;
  return TRUE;
}

/* Absent before format 4: no milestones, which is what those runs had. */
static gboolean
lr_schedule_from_key_file (GKeyFile *kf, guint version, LwLrSchedule *s, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *why = NULL;
  g_autoptr (GError) local = NULL;

  lw_lr_schedule_init (s);
  if (version < LR_SCHEDULE_SINCE && !g_key_file_has_key (kf, SESSION_GROUP, "lr_milestones", NULL))
    return TRUE;
  text = g_key_file_get_string (kf, SESSION_GROUP, "lr_milestones", NULL);
  s->factor = g_key_file_get_double (kf, SESSION_GROUP, "lr_decay_factor", &local);
  if (text == NULL || local != NULL)
    return damaged (error, _("the run file's learning-rate schedule is missing"));
  why = lw_lr_schedule_parse_milestones (s, text);
  if (why == NULL)
    why = lw_lr_schedule_check_factor (s->factor);
  if (why != NULL)
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file's learning-rate schedule is damaged: %s"), why);
      return FALSE;
    }
  return TRUE;
}

static void
settings_to_key_file (const LwRunSettings *st, const LwModel *model, GKeyFile *kf)
{
  const LwModelConfig *live = lw_model_get_config (model);
  LwModelConfig c = st->model;

  /* The geometry comes from the dataset, as lw_run_new filled it. */
  c.in_channels = live->in_channels;
  c.in_height = live->in_height;
  c.in_width = live->in_width;
  c.n_classes = live->n_classes;
  lw_run_config_set_model (kf, &c);
  g_key_file_set_string (kf, SESSION_GROUP, "dataset", lw_dataset_kind_to_string (st->dataset));
  if (st->data_dir != NULL)
    g_key_file_set_string (kf, SESSION_GROUP, "data_dir", st->data_dir);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "limit_train", st->limit_train);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "classes_per_batch", st->classes_per_batch);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "classes_per_batch_until_epoch",
                         st->classes_per_batch_until_epoch);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "max_epochs", st->max_epochs);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "eval_every", st->eval_every);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "eval_samples", st->eval_samples);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "probe_n", st->probe_n);
  g_key_file_set_boolean (kf, SESSION_GROUP, "augment", st->augment);
  g_key_file_set_uint64 (kf, SESSION_GROUP, "data_seed", st->data_seed);
}

/* The data seed (format 5): the sample order's and augmentation's, apart
 * from the weights'. */
#define DATA_SEED_SINCE 5

/* A whole-number setting of [session]; since is the first format version
 * that wrote it. In an older file it is absent and keeps
 * lw_run_settings_init's value, what that version implied (lw-run-file.h,
 * Compatibility); a file of its version or later must have it. */
typedef struct {
  const char *key;
  guint max;
  gsize offset;
  guint since;
} SettingKey;

#define SETTING(name, max, field, since) \
  { name, max, G_STRUCT_OFFSET (LwRunSettings, field), since }

static const SettingKey setting_keys[] = {
  SETTING ("limit_train", G_MAXUINT, limit_train, 1),
  SETTING ("classes_per_batch", 65536, classes_per_batch, 1),
  SETTING ("classes_per_batch_until_epoch", 1000000, classes_per_batch_until_epoch, 1),
  SETTING ("max_epochs", 1000000, max_epochs, 1),
  SETTING ("eval_every", G_MAXUINT, eval_every, 1),
  SETTING ("eval_samples", G_MAXUINT, eval_samples, 1),
  SETTING ("probe_n", 4096, probe_n, 1),
};

static gboolean
get_uint (GKeyFile *kf, const char *key, guint max, guint *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  guint64 v = g_key_file_get_uint64 (kf, SESSION_GROUP, key, &local);

  if (local != NULL || v > max)
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file's setting [%s] %s is missing or out of range"), SESSION_GROUP,
                   key);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

static gboolean
settings_from_key_file (GKeyFile *kf, guint version, LwRunSettings *st, GError **error)
{
  g_autofree char *dataset = g_key_file_get_string (kf, SESSION_GROUP, "dataset", NULL);
  g_autoptr (GError) local = NULL;

  if (dataset == NULL || !lw_dataset_kind_from_string (dataset, &st->dataset))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_INCOMPATIBLE,
                   _("the run file's dataset '%s' is unknown to this version of Layerwise"),
                   dataset != NULL ? dataset : "");
      return FALSE;
    }
  st->data_dir = g_key_file_get_string (kf, SESSION_GROUP, "data_dir", NULL);
  if (!lw_run_config_get_model (kf, version, &st->model, error)
      || !lr_schedule_from_key_file (kf, version, &st->lr_schedule, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (setting_keys); i++)
    {
      const SettingKey *k = &setting_keys[i];

      if (k->since > version && !g_key_file_has_key (kf, SESSION_GROUP, k->key, NULL))
        continue;
      if (!get_uint (kf, k->key, k->max, G_STRUCT_MEMBER_P (st, k->offset), error))
        return FALSE;
    }
  st->augment = g_key_file_get_boolean (kf, SESSION_GROUP, "augment", &local);
  if (local != NULL)
    return damaged (error, _("the run file's settings are damaged"));
  /* Before format 5 the weights' seed drew the batches too: 0 says so. */
  if (version >= DATA_SEED_SINCE || g_key_file_has_key (kf, SESSION_GROUP, "data_seed", NULL))
    {
      st->data_seed = g_key_file_get_uint64 (kf, SESSION_GROUP, "data_seed", &local);
      if (local != NULL)
        return damaged (error, _("the run file's settings are damaged"));
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Curves, recent window, latest values */

static GBytes *
history_to_bytes (const LwHistory *h)
{
  GByteArray *out = g_byte_array_new ();

  lw_bytes_put_u32 (out, h->n_layers);
  for (guint i = 0; i < h->n_layers * LW_N_CURVES; i++)
    {
      const LwHistSeries *s = &h->series[i];

      lw_bytes_put_u32 (out, s->n);
      lw_bytes_put_u32 (out, s->stride);
      lw_bytes_put_u64 (out, s->offered);
      for (guint k = 0; k < s->n; k++)
        lw_bytes_put_f64 (out, s->x[k]);
      lw_bytes_put_floats (out, s->y, s->n);
    }
  return g_byte_array_free_to_bytes (out);
}

static gboolean
history_from_bytes (GBytes *bytes, LwHistory *h, GError **error)
{
  LwByteReader r;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  lw_byte_reader_init (&r, data, len);
  if (lw_byte_reader_u32 (&r) != h->n_layers)
    return damaged (error, _("the run file's curves are damaged"));
  for (guint i = 0; i < h->n_layers * LW_N_CURVES; i++)
    {
      LwHistSeries *s = &h->series[i];
      guint32 n = lw_byte_reader_u32 (&r);
      guint32 stride = lw_byte_reader_u32 (&r);
      guint64 offered = lw_byte_reader_u64 (&r);

      if (!lw_byte_reader_ok (&r) || n > LW_SERIES_MAX_POINTS || (n > 0 && stride == 0)
          || n > offered || (gsize) n * 12 > lw_byte_reader_remaining (&r))
        return damaged (error, _("the run file's curves are damaged"));
      lw_hist_series_clear (s);
      s->n = s->cap = n;
      s->stride = stride;
      s->offered = offered;
      s->x = g_new (double, MAX (n, 1));
      s->y = g_new (float, MAX (n, 1));
      for (guint k = 0; k < n; k++)
        s->x[k] = lw_byte_reader_f64 (&r);
      lw_byte_reader_floats (&r, s->y, n);
    }
  if (!lw_byte_reader_ok (&r) || lw_byte_reader_remaining (&r) != 0)
    return damaged (error, _("the run file's curves are damaged"));
  return TRUE;
}

static GBytes *
recent_to_bytes (const LwRecent *w)
{
  GByteArray *out = g_byte_array_new ();

  lw_bytes_put_u32 (out, w->n_blocks);
  lw_bytes_put_u32 (out, w->head);
  lw_bytes_put_u32 (out, w->n);
  for (guint e = 0; e < LW_RECENT_BATCHES; e++)
    {
      const LwRecentEntry *en = &w->entries[e];

      lw_bytes_put_u32 (out, en->count);
      for (guint l = 0; l <= w->n_blocks; l++)
        {
          lw_bytes_put_u32 (out, en->correct[l]);
          lw_bytes_put_f32 (out, en->loss_pred[l]);
          if (l < w->n_blocks)
            lw_bytes_put_f32 (out, en->loss_sim[l]);
        }
    }
  return g_byte_array_free_to_bytes (out);
}

static gboolean
recent_from_bytes (GBytes *bytes, LwRecent *w, GError **error)
{
  LwByteReader r;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  LwRecent back;

  lw_byte_reader_init (&r, data, len);
  lw_recent_init (&back, w->n_blocks);
  if (lw_byte_reader_u32 (&r) != w->n_blocks)
    return damaged (error, _("the run file's recent batches are damaged"));
  back.head = lw_byte_reader_u32 (&r);
  back.n = lw_byte_reader_u32 (&r);
  if (back.head >= LW_RECENT_BATCHES || back.n > LW_RECENT_BATCHES)
    return damaged (error, _("the run file's recent batches are damaged"));
  for (guint e = 0; e < LW_RECENT_BATCHES; e++)
    {
      LwRecentEntry *en = &back.entries[e];

      en->count = lw_byte_reader_u32 (&r);
      for (guint l = 0; l <= w->n_blocks; l++)
        {
          en->correct[l] = lw_byte_reader_u32 (&r);
          en->loss_pred[l] = lw_byte_reader_f32 (&r);
          if (l < w->n_blocks)
            en->loss_sim[l] = lw_byte_reader_f32 (&r);
        }
    }
  if (!lw_byte_reader_ok (&r) || lw_byte_reader_remaining (&r) != 0)
    return damaged (error, _("the run file's recent batches are damaged"));
  *w = back;
  return TRUE;
}

static GBytes *
latest_to_bytes (const LwRun *r)
{
  GByteArray *out = g_byte_array_new ();

  lw_bytes_put_u32 (out, r->n_blocks);
  lw_bytes_put_floats (out, r->last_train_acc, r->n_blocks + 1);
  lw_bytes_put_floats (out, r->last_test_acc, r->n_blocks + 1);
  lw_bytes_put_u8 (out, r->finished ? 1 : 0);
  return g_byte_array_free_to_bytes (out);
}

static gboolean
latest_from_bytes (GBytes *bytes, LwRun *run, GError **error)
{
  LwByteReader r;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  float train[LW_MAX_BLOCKS + 1], test[LW_MAX_BLOCKS + 1];
  guint8 finished;

  lw_byte_reader_init (&r, data, len);
  if (lw_byte_reader_u32 (&r) != run->n_blocks)
    return damaged (error, _("the run file's latest values are damaged"));
  lw_byte_reader_floats (&r, train, run->n_blocks + 1);
  lw_byte_reader_floats (&r, test, run->n_blocks + 1);
  finished = lw_byte_reader_u8 (&r);
  if (!lw_byte_reader_ok (&r) || lw_byte_reader_remaining (&r) != 0 || finished > 1)
    return damaged (error, _("the run file's latest values are damaged"));
  memcpy (run->last_train_acc, train, (run->n_blocks + 1) * sizeof (float));
  memcpy (run->last_test_acc, test, (run->n_blocks + 1) * sizeof (float));
  run->finished = finished;
  return TRUE;
}

/* ------------------------------------------------------------------ */

LwRunFile *
lw_run_disk_image (LwRun *r, const LwRunSettings *settings)
{
  LwRunFile *f = lw_run_file_new ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GArray) marks = lw_run_interventions_new ();
  GByteArray *model;
  LwRunPosition pos;

  /* Every batch handed out trained and counted: the model at rest. */
  lw_run_sync (r);
  model = g_byte_array_new ();
  pos = (LwRunPosition) {
    .epoch = r->epoch, .batch_pos = r->batch_pos, .step = r->step,
    .samples_seen = r->samples_seen, .augment_rng = r->augment_rng,
    /* Between epochs the next one starts from the stream as it is. */
    .epoch_shuffle_rng = r->batch_pos > 0 ? r->epoch_rng : r->shuffle_rng,
  };

  lw_run_config_set_writer (kf, LW_SESSION_RUN_WRITER);
  settings_to_key_file (settings, r->model, kf);
  lr_schedule_to_key_file (r, kf);
  lw_run_config_set_dataset (kf, r->ds);
  lw_run_file_take_section (f, LW_RUN_SECTION_CONFIG, lw_run_config_to_bytes (kf));

  lw_model_state_write (r->model, model);
  lw_run_file_take_section (f, LW_RUN_SECTION_MODEL, g_byte_array_free_to_bytes (model));
  lw_run_file_take_section (f, LW_RUN_SECTION_POSITION, lw_run_position_to_bytes (&pos));
  for (guint i = 0; i < r->history->marks->len; i++)
    {
      const LwMark *m = &g_array_index (r->history->marks, LwMark, i);

      lw_run_interventions_add (marks, m->samples, m->kind, m->label);
    }
  lw_run_file_take_section (f, LW_RUN_SECTION_INTERVENTIONS,
                            lw_run_interventions_to_bytes (marks));
  lw_run_file_take_section (f, SECTION_HISTORY, history_to_bytes (r->history));
  lw_run_file_take_section (f, SECTION_RECENT, recent_to_bytes (&r->window));
  lw_run_file_take_section (f, SECTION_LATEST, latest_to_bytes (r));
  return f;
}

gboolean
lw_run_disk_save (LwRun *r, const LwRunSettings *settings, const char *path, GError **error)
{
  g_autoptr (LwRunFile) f = lw_run_disk_image (r, settings);

  return lw_run_file_save (f, path, error);
}

LwRunFile *
lw_run_disk_open (const char *path, LwRunSettings *settings, GError **error)
{
  g_autoptr (LwRunFile) f = NULL;
  g_autoptr (GKeyFile) kf = NULL;
  GBytes *conf;

  lw_run_settings_init (settings);
  f = lw_run_file_load (path, error);
  if (f == NULL || (conf = lw_run_file_require (f, LW_RUN_SECTION_CONFIG, error)) == NULL
      || (kf = lw_run_config_from_bytes (conf, error)) == NULL
      || !lw_run_config_check_writer (kf, LW_SESSION_RUN_WRITER, error)
      || !settings_from_key_file (kf, lw_run_file_get_version (f), settings, error))
    return NULL;
  return g_steal_pointer (&f);
}

gboolean
lw_run_disk_restore (LwRun *r, LwRunFile *f, GError **error)
{
  g_autoptr (GKeyFile) kf = NULL;
  g_autoptr (GArray) marks = NULL;
  GBytes *conf, *model, *position, *intv, *history, *recent, *latest;
  LwRunPosition pos;

  if ((conf = lw_run_file_require (f, LW_RUN_SECTION_CONFIG, error)) == NULL
      || (kf = lw_run_config_from_bytes (conf, error)) == NULL
      || !lw_run_config_check_dataset (kf, r->ds, error)
      || (model = lw_run_file_require (f, LW_RUN_SECTION_MODEL, error)) == NULL
      || (position = lw_run_file_require (f, LW_RUN_SECTION_POSITION, error)) == NULL
      || (intv = lw_run_file_require (f, LW_RUN_SECTION_INTERVENTIONS, error)) == NULL
      || (history = lw_run_file_require (f, SECTION_HISTORY, error)) == NULL
      || (recent = lw_run_file_require (f, SECTION_RECENT, error)) == NULL
      || (latest = lw_run_file_require (f, SECTION_LATEST, error)) == NULL
      || !lw_run_position_from_bytes (position, &pos, error)
      || (marks = lw_run_interventions_from_bytes (intv, error)) == NULL)
    return FALSE;
  if (pos.batch_pos > r->n_batches || (pos.batch_pos == r->n_batches && pos.batch_pos > 0
                                       && !(r->max_epochs > 0 && pos.epoch >= r->max_epochs)))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file's position (epoch %u, batch %u) does not fit epochs of %u "
                     "batches"), pos.epoch, pos.batch_pos, r->n_batches);
      return FALSE;
    }
  for (guint i = 0; i < marks->len; i++)
    {
      const LwRunIntervention *iv = &g_array_index (marks, LwRunIntervention, i);

      if (iv->kind >= LW_N_MARK_KINDS)
        return damaged (error, _("the run file's marks are damaged"));
    }
  if (!lw_model_state_read (r->model, g_bytes_get_data (model, NULL), g_bytes_get_size (model),
                            error)
      || !history_from_bytes (history, r->history, error)
      || !recent_from_bytes (recent, &r->window, error)
      || !latest_from_bytes (latest, r, error))
    return FALSE;

  g_array_set_size (r->history->marks, 0);
  for (guint i = 0; i < marks->len; i++)
    {
      const LwRunIntervention *iv = &g_array_index (marks, LwRunIntervention, i);

      lw_history_add_mark (r->history, iv->kind, iv->samples, "%s", iv->label);
    }
  for (guint i = 0; i < r->n_blocks; i++)
    r->block_lr_mult[i] = lw_model_get_block_lr_mult (r->model, i);
  if (!lr_base_from_key_file (kf, lw_run_file_get_version (f), r, error))
    return FALSE;

  r->epoch = pos.epoch;
  r->batch_pos = pos.batch_pos;
  r->step = r->steps_pushed = pos.step;
  r->samples_seen = r->samples_pushed = pos.samples_seen;
  r->augment_rng = pos.augment_rng;
  r->shuffle_rng = r->epoch_rng = pos.epoch_shuffle_rng;
  /* Mid-epoch: the epoch's order drawn again, its trained batches skipped. */
  if (r->batch_pos > 0)
    {
      const guint32 *indices;

      lw_sampler_begin_epoch (r->sampler, r->epoch, &r->shuffle_rng);
      for (guint b = 0; b < r->batch_pos; b++)
        lw_sampler_next_batch (r->sampler, &r->shuffle_rng, &indices);
    }
  lw_run_update_title (r);
  return TRUE;
}
