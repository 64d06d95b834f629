/* lw-discover.c: where a dataset lives when the user names no folder. */
#include "lw-data-private.h"

/* Debian's dataset-fashion-mnist package installs the four .gz files here. */
#define DEBIAN_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

char **
lw_dataset_candidate_dirs (LwDatasetKind kind)
{
  const char *name = lw_dataset_kind_to_string (kind);
  const char *const *system = g_get_system_data_dirs ();
  GPtrArray *dirs = g_ptr_array_new ();

  g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "layerwise",
                                           "datasets", name, NULL));
  if (kind == LW_DATASET_FASHION_MNIST)
    g_ptr_array_add (dirs, g_strdup (DEBIAN_FASHION_MNIST_DIR));
  for (guint i = 0; system[i] != NULL; i++)
    g_ptr_array_add (dirs, g_build_filename (system[i], "layerwise", "datasets", name, NULL));
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

gboolean
lw_dataset_dir_has_data (LwDatasetKind kind, const char *dir)
{
  g_autofree char *real = NULL;

  /* Look for the first file, so an empty folder does not hide a later one. */
  switch (lw_dataset_kind_format (kind))
    {
    case LW_DATA_FORMAT_IDX:
      return lw_data_source_exists (dir, "train-images-idx3-ubyte");
    case LW_DATA_FORMAT_CIFAR10:
    case LW_DATA_FORMAT_CIFAR100:
      real = lw_cifar_resolve_dir (dir, lw_dataset_kind_format (kind) == LW_DATA_FORMAT_CIFAR100);
      return real != NULL;
    default:
      return FALSE;
    }
}

char *
lw_dataset_find_dir (LwDatasetKind kind)
{
  g_auto(GStrv) dirs = NULL;

  g_return_val_if_fail (kind < LW_N_DATASETS, NULL);
  /* The subset is compiled in; it has no folder. */
  if (kind == LW_DATASET_MNIST_SUBSET)
    return NULL;
  dirs = lw_dataset_candidate_dirs (kind);
  for (guint i = 0; dirs[i] != NULL; i++)
    if (lw_dataset_dir_has_data (kind, dirs[i]))
      return g_strdup (dirs[i]);
  return NULL;
}
