/* lw-dataset.c: what each dataset kind is (shape, statistics, default
 * augmentation), loading one from a folder or the embedded subset, and the
 * few operations on a loaded dataset. */
#include "config.h"

#include "lw-data-private.h"
#include <glib/gi18n-lib.h>

G_DEFINE_QUARK (lw-dataset-error-quark, lw_dataset_error)

typedef struct {
  const char *name;
  LwDataFormat format;
  guint n_classes, channels, height, width;
  float mean[3], std[3];       /* docs/method.md §6 */
  LwAugment augment;           /* default training augmentation, cutout off */
  guint cutout_length;         /* hole side when cutout is switched on */
} KindInfo;

static const KindInfo kinds[LW_N_DATASETS] = {
  [LW_DATASET_MNIST_SUBSET] = {
    "mnist-subset", LW_DATA_FORMAT_IDX, 10, 1, 28, 28,
    { 0.1307f }, { 0.3081f }, { 2, FALSE, 0 }, 14 },
  [LW_DATASET_MNIST] = {
    "mnist", LW_DATA_FORMAT_IDX, 10, 1, 28, 28,
    { 0.1307f }, { 0.3081f }, { 2, FALSE, 0 }, 14 },
  [LW_DATASET_FASHION_MNIST] = {
    "fashion-mnist", LW_DATA_FORMAT_IDX, 10, 1, 28, 28,
    { 0.286f }, { 0.353f }, { 2, TRUE, 0 }, 14 },
  [LW_DATASET_KMNIST] = {
    "kmnist", LW_DATA_FORMAT_IDX, 10, 1, 28, 28,
    { 0.1904f }, { 0.3475f }, { 0, FALSE, 0 }, 14 },
  [LW_DATASET_CIFAR10] = {
    "cifar10", LW_DATA_FORMAT_CIFAR10, 10, 3, 32, 32,
    { 0.424f, 0.415f, 0.384f }, { 0.283f, 0.278f, 0.284f }, { 4, TRUE, 0 }, 16 },
  [LW_DATASET_CIFAR100] = {
    "cifar100", LW_DATA_FORMAT_CIFAR100, 100, 3, 32, 32,
    { 0.438f, 0.418f, 0.377f }, { 0.300f, 0.287f, 0.294f }, { 4, TRUE, 0 }, 16 },
};

const char *
lw_dataset_kind_to_string (LwDatasetKind kind)
{
  g_return_val_if_fail (kind < LW_N_DATASETS, NULL);
  return kinds[kind].name;
}

gboolean
lw_dataset_kind_from_string (const char *name, LwDatasetKind *kind)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint k = 0; k < LW_N_DATASETS; k++)
    if (g_ascii_strcasecmp (name, kinds[k].name) == 0)
      {
        *kind = (LwDatasetKind) k;
        return TRUE;
      }
  /* The spelling of the official archives. */
  if (g_ascii_strcasecmp (name, "cifar-10") == 0)
    {
      *kind = LW_DATASET_CIFAR10;
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "cifar-100") == 0)
    {
      *kind = LW_DATASET_CIFAR100;
      return TRUE;
    }
  return FALSE;
}

guint
lw_dataset_kind_cutout_length (LwDatasetKind kind)
{
  g_return_val_if_fail (kind < LW_N_DATASETS, 0);
  return kinds[kind].cutout_length;
}

LwDataFormat
lw_dataset_kind_format (LwDatasetKind kind)
{
  g_return_val_if_fail (kind < LW_N_DATASETS, LW_DATA_FORMAT_IDX);
  return kinds[kind].format;
}

gboolean
lw_data_check_labels (const char *name, const guint8 *labels, guint n,
                      guint n_classes, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (labels[i] >= n_classes)
      {
        g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_LABEL,
                     _("%s: label %u at index %u is out of range (%u classes)"),
                     name, labels[i], i, n_classes);
        return FALSE;
      }
  return TRUE;
}

/* Fashion-MNIST's classes, in label order (its README). */
static const char *const fashion_names[] = {
  NC_("Fashion-MNIST class", "T-shirt/top"), NC_("Fashion-MNIST class", "Trouser"),
  NC_("Fashion-MNIST class", "Pullover"), NC_("Fashion-MNIST class", "Dress"),
  NC_("Fashion-MNIST class", "Coat"), NC_("Fashion-MNIST class", "Sandal"),
  NC_("Fashion-MNIST class", "Shirt"), NC_("Fashion-MNIST class", "Sneaker"),
  NC_("Fashion-MNIST class", "Bag"), NC_("Fashion-MNIST class", "Ankle boot"),
};

/* The names of kind's classes as loaded from dir, or NULL: MNIST's and
 * KMNIST's stay numbers. */
static char **
class_names (LwDatasetKind kind, const char *dir)
{
  char **names;

  switch (kind)
    {
    case LW_DATASET_FASHION_MNIST:
      names = g_new0 (char *, G_N_ELEMENTS (fashion_names) + 1);
      for (guint i = 0; i < G_N_ELEMENTS (fashion_names); i++)
        names[i] = g_strdup (g_dpgettext2 (GETTEXT_PACKAGE, "Fashion-MNIST class",
                                           fashion_names[i]));
      return names;
    case LW_DATASET_CIFAR10:
    case LW_DATASET_CIFAR100:
      return lw_cifar_load_names (dir, kind == LW_DATASET_CIFAR100);
    default:
      return NULL;
    }
}

void
lw_image_set_clear (LwImageSet *set)
{
  g_clear_pointer (&set->pixels, g_free);
  g_clear_pointer (&set->labels, g_free);
  set->n = 0;
}

static char *
not_found_message (LwDatasetKind kind)
{
  g_auto(GStrv) dirs = lw_dataset_candidate_dirs (kind);
  g_autofree char *list = g_strjoinv (", ", dirs);

  /* Translators: a dataset name (mnist, cifar10, ...), then a list of folders. */
  return g_strdup_printf (_("No %s dataset found; looked in %s"), kinds[kind].name, list);
}

LwDataset *
lw_dataset_load (LwDatasetKind kind, const char *dir, GError **error)
{
  g_autoptr(LwDataset) ds = NULL;
  g_autofree char *found = NULL;
  g_autofree char *used = NULL;
  const KindInfo *info;

  g_return_val_if_fail (kind < LW_N_DATASETS, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  info = &kinds[kind];

  if (dir == NULL && kind == LW_DATASET_MNIST_SUBSET)
    dir = LW_DATA_EMBEDDED_DIR;
  else if (dir == NULL)
    {
      found = lw_dataset_find_dir (kind);
      if (found == NULL)
        {
          g_autofree char *msg = not_found_message (kind);
          g_set_error_literal (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING, msg);
          return NULL;
        }
      dir = found;
    }

  ds = g_new0 (LwDataset, 1);
  ds->kind = kind;
  ds->name = g_strdup (info->name);
  ds->n_classes = info->n_classes;
  ds->channels = info->channels;
  ds->height = info->height;
  ds->width = info->width;
  for (guint c = 0; c < 3; c++)
    {
      ds->mean[c] = info->mean[c];
      ds->std[c] = c < info->channels ? info->std[c] : 1.0f;
    }
  ds->augment = info->augment;

  switch (info->format)
    {
    case LW_DATA_FORMAT_IDX:
      if (!lw_idx_load_split (dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                              info->height, info->width, info->n_classes, &ds->train, error)
          || !lw_idx_load_split (dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                 info->height, info->width, info->n_classes, &ds->test, error))
        return NULL;
      used = g_strdup (dir);
      break;
    case LW_DATA_FORMAT_CIFAR10:
    case LW_DATA_FORMAT_CIFAR100:
      if (!lw_cifar_load (dir, info->format == LW_DATA_FORMAT_CIFAR100,
                          &ds->train, &ds->test, &used, error))
        return NULL;
      break;
    default:
      g_assert_not_reached ();
    }

  ds->class_names = class_names (kind, used);
  ds->source = g_str_equal (used, LW_DATA_EMBEDDED_DIR) ? g_strdup ("embedded")
                                                        : g_steal_pointer (&used);
  return g_steal_pointer (&ds);
}

void
lw_dataset_free (LwDataset *ds)
{
  if (ds == NULL)
    return;
  lw_image_set_clear (&ds->train);
  lw_image_set_clear (&ds->test);
  g_free (ds->name);
  g_free (ds->source);
  g_strfreev (ds->class_names);
  g_free (ds);
}

static void
image_set_limit (LwImageSet *set, guint n)
{
  gsize sample;
  gpointer fit;

  if (n == 0 || n >= set->n)
    return;
  sample = (gsize) set->channels * set->height * set->width;
  set->n = n;
  /* Give the memory back; a failed shrink just keeps the old block. */
  if ((fit = g_try_realloc (set->pixels, n * sample)) != NULL)
    set->pixels = fit;
  if ((fit = g_try_realloc (set->labels, n)) != NULL)
    set->labels = fit;
}

void
lw_dataset_limit_train (LwDataset *ds, guint n)
{
  g_return_if_fail (ds != NULL);
  image_set_limit (&ds->train, n);
}

void
lw_dataset_limit_test (LwDataset *ds, guint n)
{
  g_return_if_fail (ds != NULL);
  image_set_limit (&ds->test, n);
}
