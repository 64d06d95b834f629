/* lw-choices.c: the networks and datasets the window offers for a run:
 * the presets (src/presets reads them; loaded once here) and dataset
 * discovery for the window. */
#include "lw-choices.h"

#include <string.h>
#include <glib/gi18n.h>

static LwPresetList *presets;
static char *load_error;

static void
load (void)
{
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&presets, lw_preset_list_free);
  g_clear_pointer (&load_error, g_free);
  presets = lw_preset_list_load_default (&error);
  /* Said where the user looks: the window's banner, the command line's error. */
  if (error != NULL)
    load_error = g_strdup (error->message);
}

LwPresetList *
lw_choices_get_presets (void)
{
  if (presets == NULL)
    load ();
  return presets;
}

const char *
lw_choices_get_presets_error (void)
{
  lw_choices_get_presets ();
  return load_error;
}

void
lw_choices_reload_presets (void)
{
  load ();
}

guint
lw_choices_n_presets (void)
{
  return lw_preset_list_count (lw_choices_get_presets ());
}

const LwPreset *
lw_choices_get_preset (guint index)
{
  return lw_preset_list_get (lw_choices_get_presets (), index);
}

const LwPreset *
lw_choices_lookup_preset (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return lw_preset_list_lookup (lw_choices_get_presets (), id);
}

int
lw_choices_find_preset (LwArch arch, guint num_layers, guint num_hidden)
{
  return lw_preset_list_find (lw_choices_get_presets (), arch, num_layers, num_hidden);
}

void
lw_choices_apply_preset (const LwPreset *preset, LwModelConfig *config)
{
  lw_preset_apply_model (preset, config);
}

static const char *
dataset_title (LwDatasetKind kind)
{
  switch (kind)
    {
    case LW_DATASET_MNIST_SUBSET: return _("MNIST subset (built in)");
    case LW_DATASET_MNIST:        return _("MNIST");
    case LW_DATASET_FASHION_MNIST: return _("Fashion-MNIST");
    case LW_DATASET_KMNIST:       return _("Kuzushiji-MNIST");
    case LW_DATASET_CIFAR10:      return _("CIFAR-10");
    case LW_DATASET_CIFAR100:     return _("CIFAR-100");
    case LW_N_DATASETS:           break;
    }
  g_return_val_if_reached (NULL);
}

LwDatasetChoice *
lw_dataset_choice_new (LwDatasetKind kind, const char *dir)
{
  LwDatasetChoice *choice = g_new0 (LwDatasetChoice, 1);

  choice->kind = kind;
  choice->dir = g_strdup (dir);
  if (dir != NULL && kind != LW_DATASET_MNIST_SUBSET)
    {
      g_autofree char *base = g_path_get_basename (dir);
      choice->label = g_strdup_printf ("%s (%s)", dataset_title (kind), base);
    }
  else
    choice->label = g_strdup (dataset_title (kind));
  return choice;
}

void
lw_dataset_choice_free (LwDatasetChoice *choice)
{
  if (choice == NULL)
    return;
  g_free (choice->dir);
  g_free (choice->label);
  g_free (choice);
}

GPtrArray *
lw_choices_find_datasets (void)
{
  GPtrArray *choices = g_ptr_array_new_with_free_func ((GDestroyNotify) lw_dataset_choice_free);

  g_ptr_array_add (choices, lw_dataset_choice_new (LW_DATASET_MNIST_SUBSET, NULL));
  for (int kind = LW_DATASET_MNIST; kind < LW_N_DATASETS; kind++)
    {
      g_autofree char *dir = lw_dataset_find_dir ((LwDatasetKind) kind);

      if (dir != NULL)
        g_ptr_array_add (choices, lw_dataset_choice_new ((LwDatasetKind) kind, NULL));
    }
  return choices;
}

static gboolean
has_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

LwDatasetKind
lw_dataset_guess_kind (const char *dir)
{
  g_autofree char *name = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (dir != NULL, LW_DATASET_MNIST);
  if (has_file (dir, "data_batch_1.bin") || has_file (dir, "cifar-10-batches-bin"))
    return LW_DATASET_CIFAR10;
  if (has_file (dir, "train.bin") || has_file (dir, "cifar-100-binary"))
    return LW_DATASET_CIFAR100;
  name = g_path_get_basename (dir);
  base = g_ascii_strdown (name, -1);
  if (strstr (base, "fashion") != NULL)
    return LW_DATASET_FASHION_MNIST;
  if (strstr (base, "kmnist") != NULL || strstr (base, "kuzushiji") != NULL)
    return LW_DATASET_KMNIST;
  return LW_DATASET_MNIST;
}

/* name or name.gz, as the IDX reader takes either. */
static gboolean
has_idx_file (const char *dir, const char *name)
{
  g_autofree char *gz = g_strconcat (name, ".gz", NULL);

  return has_file (dir, name) || has_file (dir, gz);
}

gboolean
lw_dataset_folder_check (const char *dir, LwDatasetKind *kind, GError **error)
{
  static const char *const idx_files[] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
  };
  g_autofree char *name = NULL;

  g_return_val_if_fail (dir != NULL && kind != NULL, FALSE);
  *kind = lw_dataset_guess_kind (dir);
  if (*kind == LW_DATASET_CIFAR10 || *kind == LW_DATASET_CIFAR100)
    return TRUE;
  name = g_path_get_basename (dir);
  for (guint i = 0; i < G_N_ELEMENTS (idx_files); i++)
    if (!has_idx_file (dir, idx_files[i]))
      {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                     /* Translators: %s is the folder's name, then a file name. */
                     _("“%s” holds no dataset: %s is not in it. Choose a folder with the four "
                       "IDX files of MNIST’s format (raw or .gz) or CIFAR binary files."),
                     name, idx_files[i]);
        return FALSE;
      }
  return TRUE;
}
