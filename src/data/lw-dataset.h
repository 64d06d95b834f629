/* lw-dataset.h: image classification datasets kept as bytes, turned into
 * normalised float batches on demand (uint8 storage keeps peak RSS low). */
#pragma once

#include <glib.h>
#include "engine/lw-rng.h"

G_BEGIN_DECLS

#define LW_DATASET_ERROR (lw_dataset_error_quark ())
GQuark lw_dataset_error_quark (void);

typedef enum {
  LW_DATASET_ERROR_MISSING,     /* file or folder not there / unreadable */
  LW_DATASET_ERROR_FORMAT,      /* wrong magic, bad header, absurd dimensions */
  LW_DATASET_ERROR_TRUNCATED,   /* file shorter than its header says, bad gzip */
  LW_DATASET_ERROR_MISMATCH,    /* images and labels disagree */
  LW_DATASET_ERROR_LABEL,       /* label out of range */
} LwDatasetError;

typedef enum {
  LW_DATASET_MNIST_SUBSET,      /* embedded default, compiled into the program */
  LW_DATASET_MNIST,
  LW_DATASET_FASHION_MNIST,
  LW_DATASET_KMNIST,
  LW_DATASET_CIFAR10,
  LW_DATASET_CIFAR100,
  LW_N_DATASETS
} LwDatasetKind;

/* Training-time augmentation, docs/method.md §6. */
typedef struct {
  guint crop_pad;     /* random crop back to size from an image zero-padded by this many pixels (0 = off) */
  gboolean hflip;     /* random horizontal flip with probability 1/2 */
  guint cutout;       /* side of one square hole set to 0 after normalisation (0 = off) */
} LwAugment;

typedef struct {
  guint n;                      /* samples */
  guint channels, height, width;
  guint8 *pixels;               /* n * channels * height * width, CHW per sample */
  guint8 *labels;               /* n, each < n_classes */
} LwImageSet;

typedef struct {
  LwDatasetKind kind;
  char *name;                   /* "mnist", "fashion-mnist", … */
  char *source;                 /* folder or "embedded", for messages */
  guint n_classes;
  /* n_classes names (NULL-terminated), or NULL: the classes are numbers.
   * Fashion-MNIST's are built in and translated; CIFAR's come from the
   * meta text file of its folder. */
  char **class_names;
  guint channels, height, width;
  float mean[3], std[3];        /* per channel, applied after scaling to [0,1] */
  LwAugment augment;            /* the dataset's default training augmentation */
  LwImageSet train;
  LwImageSet test;
} LwDataset;

const char   *lw_dataset_kind_to_string   (LwDatasetKind kind);
gboolean      lw_dataset_kind_from_string (const char *name, LwDatasetKind *kind);
/* Side of the cutout hole for kind (14 MNIST family, 16 CIFAR), to set
 * augment.cutout when the user turns cutout on. */
guint         lw_dataset_kind_cutout_length (LwDatasetKind kind);

/* Loads a dataset. dir may be NULL: then the usual places are searched
 * (see lw_dataset_find_dir); for LW_DATASET_MNIST_SUBSET it means the
 * embedded copy. Errors name the file and what is wrong. */
LwDataset    *lw_dataset_load             (LwDatasetKind kind, const char *dir, GError **error);
void          lw_dataset_free             (LwDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwDataset, lw_dataset_free)

/* The folder where kind's files are found when the user names none:
 * $XDG_DATA_HOME/layerwise/datasets/<name>, then system places such as
 * /usr/share/datasets/fashion-mnist. Returns NULL when there is none
 * (always for the embedded subset, which has no folder). */
char         *lw_dataset_find_dir         (LwDatasetKind kind);

/* Keeps only the first n training samples (n = 0 or n >= size: all). */
void          lw_dataset_limit_train      (LwDataset *ds, guint n);
void          lw_dataset_limit_test       (LwDataset *ds, guint n);

/* Writes count samples (indices into set) as normalised floats, CHW per
 * sample, into x (count * C*H*W) and their labels into y. aug may be NULL
 * (test batches); rng is used only when aug is non-NULL. Allocates nothing. */
void          lw_dataset_fill_batch       (const LwDataset  *ds,
                                           const LwImageSet *set,
                                           const guint32    *indices,
                                           guint             count,
                                           const LwAugment  *aug,
                                           LwRng            *rng,
                                           float            *x,
                                           guint8           *y);

G_END_DECLS
