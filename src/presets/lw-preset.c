/* lw-preset.c: key files in, presets out. Every value is checked, and a
 * message names the file and the line or the group and key at fault. */
#include "config.h"

#include "lw-preset.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "engine/lw-live-controls.h"
#include "lw-presets-resources.h"

#define BUILTIN_RESOURCE "/io/github/layerwise/Layerwise/presets/presets.ini"
#define MAX_HIDDEN 65536
#define MAX_BATCH 1024

struct _LwPresetList {
  GPtrArray *presets;         /* LwPreset *, in file order */
};

static const char *const known_keys[] = {
  "label", "arch", "layers", "hidden", "dataset", "data-dir", "loss", "lr", "lr-milestones",
  "lr-decay-factor", "beta", "batch-size", "seed", "dropout", "nonlin", "dim-in-decoder", "epochs",
};

G_DEFINE_QUARK (lw-preset-error-quark, lw_preset_error)

static void
preset_free (LwPreset *p)
{
  g_free (p->id);
  g_free (p->label);
  g_free (p->data_dir);
  g_free (p);
}

LwPresetList *
lw_preset_list_new (void)
{
  LwPresetList *list = g_new0 (LwPresetList, 1);

  list->presets = g_ptr_array_new_with_free_func ((GDestroyNotify) preset_free);
  return list;
}

void
lw_preset_list_free (LwPresetList *list)
{
  if (list == NULL)
    return;
  g_ptr_array_unref (list->presets);
  g_free (list);
}

/* GKeyFile says what is wrong with a line but not where: the lines are
 * checked here first, so the message can give the line number. */
static gboolean
check_lines (const char *data, gsize length, const char *where, GError **error)
{
  g_auto (GStrv) lines = NULL;
  g_autofree char *text = g_strndup (data, length);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   _("%s: not UTF-8 text"), where);
      return FALSE;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (line[0] == '[' ? line[strlen (line) - 1] == ']' && strlen (line) > 2
                         : strchr (line, '=') != NULL && line[0] != '=')
        continue;
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   _("%s, line %u: “%s” is not a [group], a key=value line or a # comment"),
                   where, i + 1, line);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bad_key (GError **error, const char *where, const char *group, const char *key,
         const char *value, const char *why)
{
  g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
               /* Translators: file, [preset], key, value, what is wrong with it. */
               _("%s: preset [%s], key %s: “%s” %s"), where, group, key, value, why);
  return FALSE;
}

static gboolean
read_uint (GKeyFile *kf, const char *where, const char *group, const char *key,
           guint64 lo, guint64 hi, guint64 *out, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, key, NULL);
  g_autofree char *range = NULL;
  char lo_text[24], hi_text[24];
  guint64 v;

  if (g_ascii_string_to_unsigned (value, 10, lo, hi, &v, NULL))
    {
      *out = v;
      return TRUE;
    }
  g_snprintf (lo_text, sizeof lo_text, "%" G_GUINT64_FORMAT, lo);
  g_snprintf (hi_text, sizeof hi_text, "%" G_GUINT64_FORMAT, hi);
  range = g_strdup_printf (_("is not a whole number from %s to %s"), lo_text, hi_text);
  return bad_key (error, where, group, key, value, range);
}

static gboolean
read_double (GKeyFile *kf, const char *where, const char *group, const char *key,
             double lo, double hi, gboolean lo_open, double *out, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, key, NULL);
  g_autofree char *range = NULL;
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (value, &end);
  if (errno == 0 && end != value && *end == '\0' && isfinite (v)
      && (lo_open ? v > lo : v >= lo) && v <= hi)
    {
      *out = v;
      return TRUE;
    }
  range = lo_open ? g_strdup_printf (_("is not a number above %g and at most %g"), lo, hi)
                  : g_strdup_printf (_("is not a number from %g to %g"), lo, hi);
  return bad_key (error, where, group, key, value, range);
}

/* A seed the window can show as it is (LW_PRESET_SEED_MAX). */
static gboolean
read_seed (GKeyFile *kf, const char *where, const char *group, guint64 *out, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, "seed", NULL);
  g_autofree char *why = NULL;
  char max_text[24];

  if (g_ascii_string_to_unsigned (value, 10, 0, LW_PRESET_SEED_MAX, out, NULL))
    return TRUE;
  g_snprintf (max_text, sizeof max_text, "%" G_GUINT64_FORMAT, LW_PRESET_SEED_MAX);
  /* Translators: %s is 9007199254740991. */
  why = g_strdup_printf (_("is not a whole number from 0 to %s (2^53 − 1, the largest seed "
                           "the window shows exactly)"), max_text);
  return bad_key (error, where, group, "seed", value, why);
}

/* The folder of the preset's dataset: a whole path, with the dataset key
 * saying what kind of data it holds. Whether it is there is checked when a
 * run starts, as for --data-dir. */
static gboolean
read_data_dir (GKeyFile *kf, const char *where, const char *group, LwPreset *p,
               GError **error)
{
  g_autofree char *value = g_key_file_get_string (kf, group, "data-dir", NULL);

  if (value == NULL || !g_path_is_absolute (value))
    return bad_key (error, where, group, "data-dir", value != NULL ? value : "",
                    _("is not a whole path to a folder, e.g. /home/me/digits"));
  if (!(p->sets & LW_PRESET_SETS_DATASET))
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   _("%s: preset [%s]: data-dir needs a dataset key, the kind of data in the folder"),
                   where, group);
      return FALSE;
    }
  p->data_dir = g_steal_pointer (&value);
  return TRUE;
}

/* The schedule, with the parser and messages of --lr-decay-milestones
 * and --lr-decay-fact: "file: preset [p], key lr-milestones: milestones
 * must increase: 50 after 75". */
static gboolean
read_lr_schedule (GKeyFile *kf, const char *where, const char *group, LwPreset *p,
                  GError **error)
{
  g_autofree char *why = NULL;
  g_autofree char *milestones = g_key_file_get_value (kf, group, "lr-milestones", NULL);
  const char *key = "lr-milestones";

  lw_lr_schedule_init (&p->lr_schedule);
  if (milestones != NULL)
    why = lw_lr_schedule_parse_milestones (&p->lr_schedule, milestones);
  if (why == NULL && g_key_file_has_key (kf, group, "lr-decay-factor", NULL))
    {
      g_autofree char *value = g_key_file_get_value (kf, group, "lr-decay-factor", NULL);
      char *end = NULL;

      key = "lr-decay-factor";
      p->lr_schedule.factor = g_ascii_strtod (value, &end);
      if (end == value || *end != '\0')
        return bad_key (error, where, group, key, value, _("is not a number"));
      why = lw_lr_schedule_check_factor (p->lr_schedule.factor);
    }
  if (why != NULL)
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   /* Translators: file, [preset], key, what is wrong with its value. */
                   _("%s: preset [%s], key %s: %s"), where, group, key, why);
      return FALSE;
    }
  p->sets |= LW_PRESET_SETS_LR_SCHEDULE;
  return TRUE;
}

/* The window's dropout range, and its message, as --dropout's. */
static gboolean
read_dropout (GKeyFile *kf, const char *where, const char *group, LwPreset *p, GError **error)
{
  const LwLiveControl *c = lw_live_control_get (LW_LIVE_DROPOUT);
  g_autofree char *value = g_key_file_get_value (kf, group, "dropout", NULL);
  g_autofree char *why = NULL;
  char *end = NULL;

  p->dropout = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0')
    return bad_key (error, where, group, "dropout", value, _("is not a number"));
  why = lw_live_control_out_of_range (c, p->dropout);
  if (why != NULL)
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   _("%s: preset [%s], key %s: %s"), where, group, "dropout", why);
      return FALSE;
    }
  p->sets |= LW_PRESET_SETS_DROPOUT;
  return TRUE;
}

static gboolean
known_key (const char *key)
{
  if (g_str_has_prefix (key, "label["))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (known_keys); i++)
    if (g_str_equal (key, known_keys[i]))
      return TRUE;
  return FALSE;
}

static LwPreset *
read_preset (GKeyFile *kf, const char *where, const char *group, gboolean user, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  g_autofree char *arch_name = NULL;
  LwPreset *p;
  guint64 u;

  if (!lw_preset_name_check (group, &local))
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE, "%s: %s", where, local->message);
      return NULL;
    }
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!known_key (keys[i]))
      {
        g_autofree char *known = g_strjoinv (", ", (char **) known_keys);

        g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                     _("%s: preset [%s]: unknown key %s (known: %s)"), where, group, keys[i], known);
        return NULL;
      }
  arch_name = g_key_file_get_value (kf, group, "arch", NULL);
  if (arch_name == NULL)
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   _("%s: preset [%s] has no arch key (mlp, vgg8b, vgg11b or vgg-mini)"),
                   where, group);
      return NULL;
    }

  p = g_new0 (LwPreset, 1);
  p->id = g_strdup (group);
  p->user = user;
  if (!lw_arch_from_string (arch_name, &p->arch))
    {
      bad_key (error, where, group, "arch", arch_name,
               _("is not an architecture (mlp, vgg8b, vgg11b or vgg-mini)"));
      goto fail;
    }
  lw_arch_default_fc (p->arch, &p->num_layers, &p->num_hidden);
  p->label = g_key_file_get_locale_string (kf, group, "label", NULL, NULL);
  if (p->label == NULL)
    p->label = g_strdup (group);

  if (g_key_file_has_key (kf, group, "layers", NULL))
    {
      if (!read_uint (kf, where, group, "layers", 1, LW_MAX_BLOCKS, &u, error))
        goto fail;
      p->num_layers = (guint) u;
    }
  if (g_key_file_has_key (kf, group, "hidden", NULL))
    {
      if (!read_uint (kf, where, group, "hidden", 1, MAX_HIDDEN, &u, error))
        goto fail;
      p->num_hidden = (guint) u;
    }
  if (g_key_file_has_key (kf, group, "dataset", NULL))
    {
      g_autofree char *v = g_key_file_get_value (kf, group, "dataset", NULL);

      if (!lw_dataset_kind_from_string (v, &p->dataset))
        {
          bad_key (error, where, group, "dataset", v,
                   _("is not a dataset (mnist-subset, mnist, fashion-mnist, kmnist, cifar10, cifar100)"));
          goto fail;
        }
      p->sets |= LW_PRESET_SETS_DATASET;
    }
  if (g_key_file_has_key (kf, group, "data-dir", NULL) && !read_data_dir (kf, where, group, p, error))
    goto fail;
  if (g_key_file_has_key (kf, group, "loss", NULL))
    {
      g_autofree char *v = g_key_file_get_value (kf, group, "loss", NULL);

      if (!lw_loss_type_from_string (v, &p->loss))
        {
          bad_key (error, where, group, "loss", v,
                   _("is not a loss type (pred, sim, predsim, bp, pred-bpf, sim-bpf, predsim-bpf)"));
          goto fail;
        }
      p->sets |= LW_PRESET_SETS_LOSS;
    }
  if (g_key_file_has_key (kf, group, "lr", NULL))
    {
      if (!read_double (kf, where, group, "lr", 0.0, 10.0, TRUE, &p->lr, error))
        goto fail;
      p->sets |= LW_PRESET_SETS_LR;
    }
  if ((g_key_file_has_key (kf, group, "lr-milestones", NULL)
       || g_key_file_has_key (kf, group, "lr-decay-factor", NULL))
      && !read_lr_schedule (kf, where, group, p, error))
    goto fail;
  if (g_key_file_has_key (kf, group, "beta", NULL))
    {
      if (!read_double (kf, where, group, "beta", 0.0, 1.0, FALSE, &p->beta, error))
        goto fail;
      p->sets |= LW_PRESET_SETS_BETA;
    }
  if (g_key_file_has_key (kf, group, "batch-size", NULL))
    {
      if (!read_uint (kf, where, group, "batch-size", 1, MAX_BATCH, &u, error))
        goto fail;
      p->batch_size = (guint) u;
      p->sets |= LW_PRESET_SETS_BATCH_SIZE;
    }
  if (g_key_file_has_key (kf, group, "seed", NULL))
    {
      if (!read_seed (kf, where, group, &p->seed, error))
        goto fail;
      p->sets |= LW_PRESET_SETS_SEED;
    }
  if (g_key_file_has_key (kf, group, "dropout", NULL) && !read_dropout (kf, where, group, p, error))
    goto fail;
  if (g_key_file_has_key (kf, group, "nonlin", NULL))
    {
      g_autofree char *v = g_key_file_get_value (kf, group, "nonlin", NULL);

      if (!lw_nonlin_from_string (v, &p->nonlin))
        {
          bad_key (error, where, group, "nonlin", v, _("is not a non-linearity (relu, leakyrelu)"));
          goto fail;
        }
      p->sets |= LW_PRESET_SETS_NONLIN;
    }
  if (g_key_file_has_key (kf, group, "dim-in-decoder", NULL))
    {
      if (!read_uint (kf, where, group, "dim-in-decoder", 1, LW_PRESET_DIM_IN_DECODER_MAX, &u,
                      error))
        goto fail;
      p->dim_in_decoder = (guint) u;
      p->sets |= LW_PRESET_SETS_DIM_IN_DECODER;
    }
  if (g_key_file_has_key (kf, group, "epochs", NULL))
    {
      if (!read_uint (kf, where, group, "epochs", 1, LW_PRESET_EPOCHS_MAX, &u, error))
        goto fail;
      p->epochs = (guint) u;
      p->sets |= LW_PRESET_SETS_EPOCHS;
    }
  return p;

fail:
  preset_free (p);
  return NULL;
}

static int
index_of (const LwPresetList *list, const char *id)
{
  for (guint i = 0; i < list->presets->len; i++)
    if (g_str_equal (((LwPreset *) g_ptr_array_index (list->presets, i))->id, id))
      return (int) i;
  return -1;
}

gboolean
lw_preset_list_add_data (LwPresetList *list, const char *data, gsize length, const char *where,
                         gboolean user, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GPtrArray) read = g_ptr_array_new_with_free_func ((GDestroyNotify) preset_free);
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;

  g_return_val_if_fail (list != NULL && data != NULL && where != NULL, FALSE);

  if (!check_lines (data, length, where, error))
    return FALSE;
  if (!g_key_file_load_from_data (kf, data, length, G_KEY_FILE_KEEP_TRANSLATIONS, &local))
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE, "%s: %s", where, local->message);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      LwPreset *p = read_preset (kf, where, groups[i], user, error);

      if (p == NULL)
        return FALSE;
      g_ptr_array_add (read, p);
    }
  /* All or nothing: a file with one bad preset adds none. From here on
   * the list owns them. */
  g_ptr_array_set_free_func (read, NULL);
  for (guint i = 0; i < read->len; i++)
    {
      LwPreset *p = g_ptr_array_index (read, i);
      int old = index_of (list, p->id);

      if (old >= 0)
        {
          preset_free (g_ptr_array_index (list->presets, old));
          g_ptr_array_index (list->presets, old) = p;
        }
      else
        g_ptr_array_add (list->presets, p);
    }
  return TRUE;
}

gboolean
lw_preset_list_add_file (LwPresetList *list, const char *path, gboolean user, GError **error)
{
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (list != NULL && path != NULL, FALSE);
  if (!g_file_get_contents (path, &data, &length, error))
    return FALSE;
  return lw_preset_list_add_data (list, data, length, path, user, error);
}

char *
lw_preset_user_path (void)
{
  return g_build_filename (g_get_user_config_dir (), LW_PRESET_USER_FILE, NULL);
}

LwPresetList *
lw_preset_list_load_default (GError **error)
{
  g_autoptr (LwPresetList) list = lw_preset_list_new ();
  g_autoptr (GBytes) builtin = NULL;
  g_autofree char *installed = g_build_filename (LW_PKGDATADIR, "presets.ini", NULL);
  g_autofree char *user = lw_preset_user_path ();
  gsize length;
  const char *data;

  /* The installed file, when there is one: a packager may change it. An
   * uninstalled build, and an installed one that lost it, use the copy
   * compiled in. */
  if (!g_file_test (installed, G_FILE_TEST_IS_REGULAR)
      || !lw_preset_list_add_file (list, installed, FALSE, NULL))
    {
      builtin = g_resource_lookup_data (lw_presets_get_resource (), BUILTIN_RESOURCE,
                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (builtin != NULL);
      data = g_bytes_get_data (builtin, &length);
      if (!lw_preset_list_add_data (list, data, length, _("built-in presets"), FALSE, NULL))
        g_assert_not_reached ();
    }
  /* A bad user file leaves the built-in presets usable; error says why. */
  if (g_file_test (user, G_FILE_TEST_EXISTS))
    lw_preset_list_add_file (list, user, TRUE, error);
  return g_steal_pointer (&list);
}

guint
lw_preset_list_count (const LwPresetList *list)
{
  g_return_val_if_fail (list != NULL, 0);
  return list->presets->len;
}

const LwPreset *
lw_preset_list_get (const LwPresetList *list, guint index)
{
  g_return_val_if_fail (list != NULL && index < list->presets->len, NULL);
  return g_ptr_array_index (list->presets, index);
}

const LwPreset *
lw_preset_list_lookup (const LwPresetList *list, const char *id)
{
  int i;

  g_return_val_if_fail (list != NULL && id != NULL, NULL);
  i = index_of (list, id);
  if (i < 0 && g_str_equal (id, "small"))
    i = index_of (list, "3x256");
  return i >= 0 ? g_ptr_array_index (list->presets, i) : NULL;
}

int
lw_preset_list_find (const LwPresetList *list, LwArch arch, guint num_layers, guint num_hidden)
{
  g_return_val_if_fail (list != NULL, -1);
  for (guint i = 0; i < list->presets->len; i++)
    {
      const LwPreset *p = g_ptr_array_index (list->presets, i);

      if (p->arch == arch && p->num_layers == num_layers && p->num_hidden == num_hidden)
        return (int) i;
    }
  return -1;
}

char *
lw_preset_list_names (const LwPresetList *list)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (list != NULL, NULL);
  for (guint i = 0; i < list->presets->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
                            ((LwPreset *) g_ptr_array_index (list->presets, i))->id);
  return g_string_free (s, FALSE);
}

gboolean
lw_preset_name_check (const char *id, GError **error)
{
  g_return_val_if_fail (id != NULL, FALSE);
  if (id[0] == '\0')
    {
      g_set_error_literal (error, LW_PRESET_ERROR, LW_PRESET_ERROR_NAME,
                           _("A preset needs a name"));
      return FALSE;
    }
  if (g_utf8_validate (id, -1, NULL) && g_utf8_strlen (id, -1) > LW_PRESET_NAME_MAX_CHARS)
    {
      /* The name itself is left out: it would be longer than the message. */
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_NAME,
                   _("A preset name has at most %u characters; this one has %ld"),
                   (guint) LW_PRESET_NAME_MAX_CHARS, g_utf8_strlen (id, -1));
      return FALSE;
    }
  if (!g_utf8_validate (id, -1, NULL) || strpbrk (id, "[]\n\r\t") != NULL
      || g_ascii_isspace (id[0]) || g_ascii_isspace (id[strlen (id) - 1]))
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_NAME,
                   _("“%s” cannot name a preset: no brackets, tabs or line breaks, "
                     "and no spaces at either end"), id);
      return FALSE;
    }
  return TRUE;
}

gboolean
lw_preset_save (const LwPreset *p, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  gsize length;

  g_return_val_if_fail (p != NULL && path != NULL, FALSE);
  if (!lw_preset_name_check (p->id, error))
    return FALSE;
  if ((p->sets & LW_PRESET_SETS_SEED) && p->seed > LW_PRESET_SEED_MAX)
    {
      char seed[24], max[24];

      g_snprintf (seed, sizeof seed, "%" G_GUINT64_FORMAT, p->seed);
      g_snprintf (max, sizeof max, "%" G_GUINT64_FORMAT, LW_PRESET_SEED_MAX);
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                   _("the seed %s is above %s, the largest a preset keeps"), seed, max);
      return FALSE;
    }
  /* What the file holds already stays, comments included. */
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local)
      && !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE, "%s: %s", path, local->message);
      return FALSE;
    }
  g_key_file_remove_group (kf, p->id, NULL);
  if (p->label != NULL && !g_str_equal (p->label, p->id))
    g_key_file_set_string (kf, p->id, "label", p->label);
  g_key_file_set_string (kf, p->id, "arch", lw_arch_to_string (p->arch));
  g_key_file_set_uint64 (kf, p->id, "layers", p->num_layers);
  g_key_file_set_uint64 (kf, p->id, "hidden", p->num_hidden);
  if (p->sets & LW_PRESET_SETS_DATASET)
    g_key_file_set_string (kf, p->id, "dataset", lw_dataset_kind_to_string (p->dataset));
  if ((p->sets & LW_PRESET_SETS_DATASET) && p->data_dir != NULL)
    g_key_file_set_string (kf, p->id, "data-dir", p->data_dir);
  if (p->sets & LW_PRESET_SETS_LOSS)
    g_key_file_set_string (kf, p->id, "loss", lw_loss_type_to_string (p->loss));
  if (p->sets & LW_PRESET_SETS_LR)
    g_key_file_set_string (kf, p->id, "lr", g_ascii_formatd (number, sizeof number, "%.6g", p->lr));
  if (p->sets & LW_PRESET_SETS_BETA)
    g_key_file_set_string (kf, p->id, "beta",
                           g_ascii_formatd (number, sizeof number, "%.6g", p->beta));
  if (p->sets & LW_PRESET_SETS_BATCH_SIZE)
    g_key_file_set_uint64 (kf, p->id, "batch-size", p->batch_size);
  if (p->sets & LW_PRESET_SETS_SEED)
    g_key_file_set_uint64 (kf, p->id, "seed", p->seed);
  if (p->sets & LW_PRESET_SETS_LR_SCHEDULE)
    {
      g_autofree char *milestones = lw_lr_schedule_milestones_text (&p->lr_schedule);

      g_key_file_set_string (kf, p->id, "lr-milestones", milestones);
      g_key_file_set_string (kf, p->id, "lr-decay-factor",
                             g_ascii_formatd (number, sizeof number, "%.6g", p->lr_schedule.factor));
    }
  if (p->sets & LW_PRESET_SETS_DROPOUT)
    g_key_file_set_string (kf, p->id, "dropout",
                           g_ascii_formatd (number, sizeof number, "%.6g", p->dropout));
  if (p->sets & LW_PRESET_SETS_NONLIN)
    g_key_file_set_string (kf, p->id, "nonlin", lw_nonlin_to_string (p->nonlin));
  if (p->sets & LW_PRESET_SETS_DIM_IN_DECODER)
    g_key_file_set_uint64 (kf, p->id, "dim-in-decoder", p->dim_in_decoder);
  if (p->sets & LW_PRESET_SETS_EPOCHS)
    g_key_file_set_uint64 (kf, p->id, "epochs", p->epochs);

  /* Never write what the next read would refuse, which would cost the
   * user every preset of the file (a window run may have a rate above a
   * preset's range, e.g. one sent high on purpose to see it diverge). */
  {
    g_autoptr (GError) refused = NULL;
    LwPreset *back = read_preset (kf, path, p->id, TRUE, &refused);

    if (back == NULL)
      {
        g_set_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE,
                     _("this preset cannot be kept: %s"), refused->message);
        return FALSE;
      }
    preset_free (back);
  }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  data = g_key_file_to_data (kf, &length, NULL);
  return g_file_set_contents (path, data, length, error);
}

void
lw_preset_apply_model (const LwPreset *p, LwModelConfig *config)
{
  g_return_if_fail (p != NULL && config != NULL);
  /* Another architecture trains at its own rate (vgg-mini's is higher). */
  if (config->arch != p->arch)
    config->lr = lw_arch_default_lr (p->arch);
  config->arch = p->arch;
  config->num_layers = p->num_layers;
  config->num_hidden = p->num_hidden;
  if (p->sets & LW_PRESET_SETS_LOSS)
    config->loss = p->loss;
  if (p->sets & LW_PRESET_SETS_LR)
    config->lr = (float) p->lr;
  if (p->sets & LW_PRESET_SETS_BETA)
    config->beta = (float) p->beta;
  if (p->sets & LW_PRESET_SETS_BATCH_SIZE)
    config->batch_size = p->batch_size;
  if (p->sets & LW_PRESET_SETS_SEED)
    config->seed = p->seed;
  if (p->sets & LW_PRESET_SETS_DROPOUT)
    config->dropout = (float) p->dropout;
  if (p->sets & LW_PRESET_SETS_NONLIN)
    config->nonlin = p->nonlin;
  if (p->sets & LW_PRESET_SETS_DIM_IN_DECODER)
    config->dim_in_decoder = p->dim_in_decoder;
}
