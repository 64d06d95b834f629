/* lw-presets.c: architecture presets and dataset discovery for the window. */
#include "lw-presets.h"

#include <string.h>
#include <glib/gi18n.h>

/* The conv nets keep their architecture's FC part (lw_arch_default_fc). */
static const LwPreset presets[] = {
  { "1x256",  N_("MLP 1 block × 256 units"), LW_ARCH_MLP, 1, 256 },
  { "3x256",  N_("MLP 3 blocks × 256 units"), LW_ARCH_MLP, 3, 256 },
  { "3x512",  N_("MLP 3 blocks × 512 units"), LW_ARCH_MLP, 3, 512 },
  { "3x1024", N_("MLP 3 blocks × 1024 units (paper)"), LW_ARCH_MLP, 3, 1024 },
  { "6x256",  N_("MLP 6 blocks × 256 units"), LW_ARCH_MLP, 6, 256 },
  { "vgg-mini", N_("Conv VGG-mini: 16, 32, 64 channels"), LW_ARCH_VGG_MINI, 1, 256 },
  { "vgg8b",  N_("Conv VGG8b (paper, slow)"), LW_ARCH_VGG8B, 1, 1024 },
};

guint
lw_presets_count (void)
{
  return G_N_ELEMENTS (presets);
}

const LwPreset *
lw_presets_get (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (presets), NULL);
  return &presets[index];
}

const LwPreset *
lw_presets_lookup (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  if (g_str_equal (id, "small"))
    id = "3x256";
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].id, id))
      return &presets[i];
  return NULL;
}

int
lw_presets_find (LwArch arch, guint num_layers, guint num_hidden)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (presets[i].arch == arch && presets[i].num_layers == num_layers
        && presets[i].num_hidden == num_hidden)
      return (int) i;
  return -1;
}

void
lw_preset_apply (const LwPreset *preset, LwModelConfig *config)
{
  g_return_if_fail (preset != NULL && config != NULL);
  /* Another architecture trains at its own rate (vgg-mini's is higher). */
  if (config->arch != preset->arch)
    config->lr = lw_arch_default_lr (preset->arch);
  config->arch = preset->arch;
  config->num_layers = preset->num_layers;
  config->num_hidden = preset->num_hidden;
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
lw_dataset_choices_find (void)
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
