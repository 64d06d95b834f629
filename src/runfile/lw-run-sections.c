/* lw-run-sections.c: position and interventions as little-endian
 * records, settings as key-file text (readable with any text viewer, and
 * extensible without a format change). */
#include "config.h"

#include "lw-run-sections.h"

#include <math.h>
#include <string.h>
#include <zlib.h>

#include "engine/lw-bytes.h"
#include "engine/lw-live-controls.h"
#include "lw-run-file.h"
#include <inttypes.h>
#include <glib/gi18n-lib.h>

#define MAX_INTERVENTIONS 1000000u
#define MAX_LABEL 1024u

static gboolean
section_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
section_error (GError **error, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT, msg);
  return FALSE;
}

static void
put_rng (GByteArray *out, const LwRng *rng)
{
  for (guint k = 0; k < 4; k++)
    lw_bytes_put_u32 (out, rng->s[k]);
}

static gboolean
read_rng (LwByteReader *r, LwRng *rng)
{
  for (guint k = 0; k < 4; k++)
    rng->s[k] = lw_byte_reader_u32 (r);
  /* xoshiro never leaves the all-zero state, nor reaches it. */
  return (rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) != 0;
}

GBytes *
lw_run_position_to_bytes (const LwRunPosition *pos)
{
  GByteArray *out = g_byte_array_new ();

  lw_bytes_put_u32 (out, pos->epoch);
  lw_bytes_put_u32 (out, pos->batch_pos);
  lw_bytes_put_u64 (out, pos->step);
  lw_bytes_put_u64 (out, pos->samples_seen);
  put_rng (out, &pos->epoch_shuffle_rng);
  put_rng (out, &pos->augment_rng);
  return g_byte_array_free_to_bytes (out);
}

gboolean
lw_run_position_from_bytes (GBytes *bytes, LwRunPosition *pos, GError **error)
{
  LwByteReader r;
  LwRunPosition p;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  gboolean rngs_ok;

  lw_byte_reader_init (&r, data, len);
  p.epoch = lw_byte_reader_u32 (&r);
  p.batch_pos = lw_byte_reader_u32 (&r);
  p.step = lw_byte_reader_u64 (&r);
  p.samples_seen = lw_byte_reader_u64 (&r);
  rngs_ok = read_rng (&r, &p.epoch_shuffle_rng);
  rngs_ok = read_rng (&r, &p.augment_rng) && rngs_ok;
  if (!lw_byte_reader_ok (&r) || lw_byte_reader_remaining (&r) != 0)
    return section_error (error, _("the run file's position is %zu bytes, "
                            "not 56"), len);
  if (p.epoch == 0 || !rngs_ok)
    return section_error (error, _("the run file's position is damaged"));
  if (p.samples_seen < p.step)
    return section_error (error, _("the run file's position is damaged (%" PRIu64
                            " steps but %" PRIu64 " samples)"), p.step, p.samples_seen);
  *pos = p;
  return TRUE;
}

static void
intervention_clear (gpointer p)
{
  LwRunIntervention *iv = p;

  g_clear_pointer (&iv->label, g_free);
}

GArray *
lw_run_interventions_new (void)
{
  GArray *list = g_array_new (FALSE, TRUE, sizeof (LwRunIntervention));

  g_array_set_clear_func (list, intervention_clear);
  return list;
}

void
lw_run_interventions_add (GArray *list, guint64 samples, guint32 kind, const char *label)
{
  LwRunIntervention iv = { .samples = samples, .kind = kind, .label = g_strdup (label) };

  g_array_append_val (list, iv);
}

GBytes *
lw_run_interventions_to_bytes (const GArray *list)
{
  GByteArray *out = g_byte_array_new ();

  lw_bytes_put_u32 (out, list->len);
  for (guint i = 0; i < list->len; i++)
    {
      const LwRunIntervention *iv = &g_array_index (list, LwRunIntervention, i);

      lw_bytes_put_u64 (out, iv->samples);
      lw_bytes_put_u32 (out, iv->kind);
      lw_bytes_put_string (out, iv->label);
    }
  return g_byte_array_free_to_bytes (out);
}

GArray *
lw_run_interventions_from_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (GArray) list = lw_run_interventions_new ();
  LwByteReader r;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  guint32 n;

  lw_byte_reader_init (&r, data, len);
  n = lw_byte_reader_u32 (&r);
  /* Each takes at least 16 bytes: a count beyond that is a lie. */
  if (!lw_byte_reader_ok (&r) || n > MAX_INTERVENTIONS || n > lw_byte_reader_remaining (&r) / 16)
    {
      section_error (error, _("the run file's list of interventions is damaged"));
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      guint64 samples = lw_byte_reader_u64 (&r);
      guint32 kind = lw_byte_reader_u32 (&r);
      g_autofree char *label = lw_byte_reader_string (&r, MAX_LABEL);

      if (label == NULL)
        {
          section_error (error, _("the run file's intervention %u is damaged"), i + 1);
          return NULL;
        }
      lw_run_interventions_add (list, samples, kind, label);
    }
  if (lw_byte_reader_remaining (&r) != 0)
    {
      section_error (error, _("the run file's list of interventions is damaged"));
      return NULL;
    }
  return g_steal_pointer (&list);
}

/* ------------------------------------------------------------------ */
/* Key file settings */

#define MODEL_GROUP "model"
#define DATASET_GROUP "dataset"
#define RUN_GROUP "run"

/* Floats as the exact bits' shortest decimal: %.9g reads back the same. */
static void
set_float (GKeyFile *kf, const char *group, const char *key, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_key_file_set_value (kf, group, key, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

static void
set_u64 (GKeyFile *kf, const char *group, const char *key, guint64 v)
{
  g_key_file_set_uint64 (kf, group, key, v);
}

static gboolean
get_u64 (GKeyFile *kf, const char *group, const char *key, guint64 max, guint64 *out,
         GError **error)
{
  g_autofree char *s = g_key_file_get_value (kf, group, key, NULL);
  char *end = NULL;
  guint64 v;

  if (s == NULL)
    return section_error (error, _("the run file's settings lack [%s] %s"), group, key);
  v = g_ascii_strtoull (s, &end, 10);
  if (!g_ascii_isdigit (s[0]) || *end != '\0' || v > max)
    return section_error (error, _("the run file's setting [%s] %s = %s is not a whole number "
                            "up to %" PRIu64), group, key, s, max);
  *out = v;
  return TRUE;
}

static gboolean
get_uint (GKeyFile *kf, const char *group, const char *key, guint *out, GError **error)
{
  guint64 v;

  if (!get_u64 (kf, group, key, G_MAXUINT, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
get_float (GKeyFile *kf, const char *group, const char *key, float *out, GError **error)
{
  g_autofree char *s = g_key_file_get_value (kf, group, key, NULL);
  char *end = NULL;
  double v;

  if (s == NULL)
    return section_error (error, _("the run file's settings lack [%s] %s"), group, key);
  v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (v))
    return section_error (error, _("the run file's setting [%s] %s = %s is not a number"),
                          group, key, s);
  *out = (float) v;
  return TRUE;
}

/* "true" or "false", as g_key_file_set_boolean writes them. */
static gboolean
get_bool (GKeyFile *kf, const char *group, const char *key, gboolean *out, GError **error)
{
  g_autofree char *s = g_key_file_get_value (kf, group, key, NULL);

  if (s == NULL)
    return section_error (error, _("the run file's settings lack [%s] %s"), group, key);
  if (!g_str_equal (s, "true") && !g_str_equal (s, "false"))
    return section_error (error, _("the run file's setting [%s] %s = %s is neither true nor "
                            "false"), group, key, s);
  *out = g_str_equal (s, "true");
  return TRUE;
}

/* A name one of the *_from_string functions knows. */
static gboolean
get_name (GKeyFile *kf, const char *group, const char *key,
          gboolean (*from_string) (const char *, gpointer), gpointer out, GError **error)
{
  g_autofree char *s = g_key_file_get_value (kf, group, key, NULL);

  if (s == NULL)
    return section_error (error, _("the run file's settings lack [%s] %s"), group, key);
  if (!from_string (s, out))
    return section_error (error, _("the run file's setting [%s] %s = %s is unknown to this "
                            "version of Layerwise"), group, key, s);
  return TRUE;
}

/* The engine's name parsers, each behind one signature. */
static gboolean
arch_from (const char *s, gpointer out)
{
  return lw_arch_from_string (s, out);
}

static gboolean
loss_from (const char *s, gpointer out)
{
  return lw_loss_type_from_string (s, out);
}

static gboolean
nonlin_from (const char *s, gpointer out)
{
  return lw_nonlin_from_string (s, out);
}

static gboolean
optim_from (const char *s, gpointer out)
{
  return lw_optim_from_string (s, out);
}

void
lw_run_config_set_model (GKeyFile *kf, const LwModelConfig *c)
{
  g_key_file_set_string (kf, MODEL_GROUP, "arch", lw_arch_to_string (c->arch));
  g_key_file_set_uint64 (kf, MODEL_GROUP, "in_channels", c->in_channels);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "in_height", c->in_height);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "in_width", c->in_width);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "n_classes", c->n_classes);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "num_layers", c->num_layers);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "num_hidden", c->num_hidden);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "feat_mult", c->feat_mult);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "dim_in_decoder", c->dim_in_decoder);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "batch_size", c->batch_size);
  g_key_file_set_string (kf, MODEL_GROUP, "loss", lw_loss_type_to_string (c->loss));
  /* The live controls with a key, as lw-live-controls.h declares them. */
  for (guint i = 0; i < LW_N_LIVE_CONTROLS; i++)
    {
      const LwLiveControl *l = lw_live_control_get (i);

      if (l->key != NULL)
        set_float (kf, MODEL_GROUP, l->key, lw_live_control_value (l, c));
    }
  g_key_file_set_string (kf, MODEL_GROUP, "nonlin", lw_nonlin_to_string (c->nonlin));
  g_key_file_set_string (kf, MODEL_GROUP, "optim", lw_optim_to_string (c->optim));
  set_float (kf, MODEL_GROUP, "momentum", c->momentum);
  set_float (kf, MODEL_GROUP, "weight_decay", c->weight_decay);
  g_key_file_set_uint64 (kf, MODEL_GROUP, "target_proj_size", c->target_proj_size);
  g_key_file_set_boolean (kf, MODEL_GROUP, "shared_target_proj", c->shared_target_proj);
  g_key_file_set_boolean (kf, MODEL_GROUP, "no_batch_norm", c->no_batch_norm);
  g_key_file_set_boolean (kf, MODEL_GROUP, "no_similarity_std", c->no_similarity_std);
  g_key_file_set_boolean (kf, MODEL_GROUP, "no_detach", c->no_detach);
  set_u64 (kf, MODEL_GROUP, "seed", c->seed);
}

typedef enum {
  KEY_UINT,
  KEY_U64,
  KEY_FLOAT,
  KEY_BOOL,
  KEY_ARCH,
  KEY_LOSS,
  KEY_NONLIN,
  KEY_OPTIM,
} KeyType;

/* A setting of [model]: since is the first format version that wrote it.
 * In an older file it is absent and takes absent, as the key's text, what
 * that version implied (NULL: lw_model_config_init's value); a file of its
 * version or later must have it. */
typedef struct {
  const char *key;
  KeyType type;
  gsize offset;
  guint since;
  const char *absent;
} ModelKey;

#define MODEL_KEY(name, type, field, since) \
  { name, type, G_STRUCT_OFFSET (LwModelConfig, field), since, NULL }
#define MODEL_KEY_ABSENT(name, type, field, since, absent) \
  { name, type, G_STRUCT_OFFSET (LwModelConfig, field), since, absent }

/* The live controls' keys (beta, lr, dropout) are not here: they come
 * from lw-live-controls.h. */
static const ModelKey model_keys[] = {
  MODEL_KEY ("arch", KEY_ARCH, arch, 1),
  MODEL_KEY ("in_channels", KEY_UINT, in_channels, 1),
  MODEL_KEY ("in_height", KEY_UINT, in_height, 1),
  MODEL_KEY ("in_width", KEY_UINT, in_width, 1),
  MODEL_KEY ("n_classes", KEY_UINT, n_classes, 1),
  MODEL_KEY ("num_layers", KEY_UINT, num_layers, 1),
  MODEL_KEY ("num_hidden", KEY_UINT, num_hidden, 1),
  MODEL_KEY ("feat_mult", KEY_UINT, feat_mult, 1),
  MODEL_KEY ("dim_in_decoder", KEY_UINT, dim_in_decoder, 1),
  MODEL_KEY ("batch_size", KEY_UINT, batch_size, 1),
  MODEL_KEY ("loss", KEY_LOSS, loss, 1),
  MODEL_KEY ("nonlin", KEY_NONLIN, nonlin, 1),
  MODEL_KEY ("optim", KEY_OPTIM, optim, 1),
  MODEL_KEY ("momentum", KEY_FLOAT, momentum, 1),
  MODEL_KEY ("weight_decay", KEY_FLOAT, weight_decay, 1),
  MODEL_KEY ("target_proj_size", KEY_UINT, target_proj_size, 1),
  /* Before format 3 every block shared one label projection. */
  MODEL_KEY_ABSENT ("shared_target_proj", KEY_BOOL, shared_target_proj, 3, "true"),
  /* The reference's switches came in format 4; before, all were off. */
  MODEL_KEY_ABSENT ("no_batch_norm", KEY_BOOL, no_batch_norm, 4, "false"),
  MODEL_KEY_ABSENT ("no_similarity_std", KEY_BOOL, no_similarity_std, 4, "false"),
  MODEL_KEY_ABSENT ("no_detach", KEY_BOOL, no_detach, 4, "false"),
  MODEL_KEY ("seed", KEY_U64, seed, 1),
};

static gboolean
get_model_key (GKeyFile *kf, const ModelKey *k, LwModelConfig *c, GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (c, k->offset);

  switch (k->type)
    {
    case KEY_UINT:
      return get_uint (kf, MODEL_GROUP, k->key, field, error);
    case KEY_U64:
      return get_u64 (kf, MODEL_GROUP, k->key, G_MAXUINT64, field, error);
    case KEY_FLOAT:
      return get_float (kf, MODEL_GROUP, k->key, field, error);
    case KEY_BOOL:
      return get_bool (kf, MODEL_GROUP, k->key, field, error);
    case KEY_ARCH:
      return get_name (kf, MODEL_GROUP, k->key, arch_from, field, error);
    case KEY_LOSS:
      return get_name (kf, MODEL_GROUP, k->key, loss_from, field, error);
    case KEY_NONLIN:
      return get_name (kf, MODEL_GROUP, k->key, nonlin_from, field, error);
    case KEY_OPTIM:
      return get_name (kf, MODEL_GROUP, k->key, optim_from, field, error);
    default:
      g_return_val_if_reached (FALSE);
    }
}

gboolean
lw_run_config_get_model (GKeyFile *kf, guint version, LwModelConfig *out, GError **error)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  for (guint i = 0; i < G_N_ELEMENTS (model_keys); i++)
    {
      const ModelKey *k = &model_keys[i];

      if (k->since > version && !g_key_file_has_key (kf, MODEL_GROUP, k->key, NULL))
        {
          if (k->absent != NULL)
            {
              g_autoptr (GKeyFile) implied = g_key_file_new ();

              g_key_file_set_value (implied, MODEL_GROUP, k->key, k->absent);
              if (!get_model_key (implied, k, &c, error))
                g_return_val_if_reached (FALSE);
            }
          continue;
        }
      if (!get_model_key (kf, k, &c, error))
        return FALSE;
    }
  for (guint i = 0; i < LW_N_LIVE_CONTROLS; i++)
    {
      const LwLiveControl *l = lw_live_control_get (i);
      ModelKey k = { l->key, KEY_FLOAT, l->config_offset, l->since };

      if (l->key == NULL
          || (k.since > version && !g_key_file_has_key (kf, MODEL_GROUP, k.key, NULL)))
        continue;
      if (!get_model_key (kf, &k, &c, error))
        return FALSE;
    }
  *out = c;
  return TRUE;
}

/* The labels in order: the same data in the same order gives the same sum. */
static guint32
labels_crc (const LwImageSet *set)
{
  return (guint32) crc32_z (crc32_z (0L, Z_NULL, 0), set->labels, set->n);
}

void
lw_run_config_set_dataset (GKeyFile *kf, const LwDataset *ds)
{
  g_key_file_set_string (kf, DATASET_GROUP, "name", ds->name);
  g_key_file_set_uint64 (kf, DATASET_GROUP, "train", ds->train.n);
  g_key_file_set_uint64 (kf, DATASET_GROUP, "test", ds->test.n);
  g_key_file_set_uint64 (kf, DATASET_GROUP, "train_labels_crc32", labels_crc (&ds->train));
  g_key_file_set_uint64 (kf, DATASET_GROUP, "test_labels_crc32", labels_crc (&ds->test));
}

gboolean
lw_run_config_check_dataset (GKeyFile *kf, const LwDataset *ds, GError **error)
{
  g_autofree char *name = g_key_file_get_string (kf, DATASET_GROUP, "name", NULL);
  guint train, test;
  guint64 train_crc, test_crc;

  if (name == NULL)
    return section_error (error, _("the run file's settings lack [%s] name"), DATASET_GROUP);
  if (!get_uint (kf, DATASET_GROUP, "train", &train, error)
      || !get_uint (kf, DATASET_GROUP, "test", &test, error)
      || !get_u64 (kf, DATASET_GROUP, "train_labels_crc32", G_MAXUINT32, &train_crc, error)
      || !get_u64 (kf, DATASET_GROUP, "test_labels_crc32", G_MAXUINT32, &test_crc, error))
    return FALSE;
  if (!g_str_equal (name, ds->name) || train != ds->train.n || test != ds->test.n
      || train_crc != labels_crc (&ds->train) || test_crc != labels_crc (&ds->test))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_INCOMPATIBLE,
                   _("the run was trained on %s with %u training and %u test samples; the "
                     "dataset found (%s, %s) has %u and %u%s"), name, train, test, ds->name,
                   ds->source, ds->train.n, ds->test.n,
                   train == ds->train.n && test == ds->test.n ? _(", with other labels") : "");
      return FALSE;
    }
  return TRUE;
}

GBytes *
lw_run_config_to_bytes (GKeyFile *kf)
{
  gsize len;
  char *text = g_key_file_to_data (kf, &len, NULL);

  return g_bytes_new_take (text, len);
}

GKeyFile *
lw_run_config_from_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);

  if (len == 0 || memchr (text, '\0', len) != NULL
      || !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, &local))
    {
      section_error (error, _("the run file's settings are damaged%s%s"),
                     local != NULL ? ": " : "", local != NULL ? local->message : "");
      return NULL;
    }
  return g_steal_pointer (&kf);
}

void
lw_run_config_set_writer (GKeyFile *kf, const char *writer)
{
  g_key_file_set_string (kf, RUN_GROUP, "writer", writer);
}

gboolean
lw_run_config_check_writer (GKeyFile *kf, const char *writer, GError **error)
{
  g_autofree char *stored = g_key_file_get_string (kf, RUN_GROUP, "writer", NULL);

  if (stored == NULL)
    return section_error (error, _("the run file's settings lack [%s] writer"), RUN_GROUP);
  if (!g_str_equal (stored, writer))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_INCOMPATIBLE,
                   _("the run was saved by %s, which alone can go on with it (this is %s)"),
                   stored, writer);
      return FALSE;
    }
  return TRUE;
}
