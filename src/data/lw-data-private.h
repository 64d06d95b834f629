/* lw-data-private.h: helpers shared between the files of src/data/.
 *
 * A -private.h is included only by the files of its own folder (here
 * src/data/) and by the tests of that code, never from another folder. */
#pragma once

#include "lw-dataset.h"

G_BEGIN_DECLS

/* Largest file we read or gunzip: far above CIFAR-10's 180 MB, far below
 * what would hurt, so a gzip bomb or a stray huge file is refused early. */
#define LW_DATA_MAX_BYTES ((gsize) 2 << 30)

/* The embedded subset, addressed like a folder so one code path reads both. */
#define LW_DATA_RESOURCE_PREFIX "resource://"
#define LW_DATA_EMBEDDED_DIR \
  LW_DATA_RESOURCE_PREFIX "/io/github/layerwise/Layerwise/datasets/mnist-subset"

typedef enum {
  LW_DATA_FORMAT_IDX,
  LW_DATA_FORMAT_CIFAR10,
  LW_DATA_FORMAT_CIFAR100,
} LwDataFormat;

/* lw-gz.c: whole-buffer I/O. Every returned buffer is g_malloc'd and owned
 * by the caller; name is only used in error messages. */
gboolean  lw_data_is_gzip     (const guint8 *data, gsize len);
guint8   *lw_data_gunzip      (const char *name, const guint8 *data, gsize len,
                               gsize max_out, gsize *out_len, GError **error);
guint8   *lw_data_read_file   (const char *path, gsize *out_len, GError **error);

/* lw-source.c: finds base or base.gz in dir (a folder or the embedded
 * resource folder) and returns its decoded bytes; *shown gets the name to
 * use in messages. */
gboolean  lw_data_source_exists (const char *dir, const char *base);
guint8   *lw_data_source_read   (const char *dir, const char *base, char **shown,
                                 gsize *out_len, GError **error);

/* lw-idx.c: parsers take ownership of buf (freed on error too). */
gboolean  lw_idx_take_images  (const char *name, guint8 *buf, gsize len,
                               LwImageSet *set, GError **error);
gboolean  lw_idx_take_labels  (const char *name, guint8 *buf, gsize len,
                               guint8 **labels, guint *n, GError **error);
gboolean  lw_idx_load_split   (const char *dir, const char *images_base,
                               const char *labels_base, guint height, guint width,
                               guint n_classes, LwImageSet *set, GError **error);

/* lw-cifar.c. append_records parses one file's bytes (name only for
 * messages) and appends its records to set; buf stays the caller's. On
 * failure set->n is unchanged and set is only fit for lw_image_set_clear. */
char     *lw_cifar_resolve_dir (const char *dir, gboolean cifar100);
gboolean  lw_cifar_append_records (const char *name, const guint8 *buf, gsize len,
                                   gboolean cifar100, LwImageSet *set, GError **error);
gboolean  lw_cifar_load        (const char *dir, gboolean cifar100, LwImageSet *train,
                                LwImageSet *test, char **used_dir, GError **error);
/* The class names of the meta text file in dir (the folder the .bin files
 * were read from): batches.meta.txt, fine_label_names.txt for CIFAR-100.
 * NULL when it is absent or does not hold one name a line for each class. */
char    **lw_cifar_load_names  (const char *dir, gboolean cifar100);
/* Parses such a file's bytes: n_classes non-empty lines of UTF-8 (blank
 * lines skipped, CR LF accepted, names over LW_CLASS_NAME_MAX characters
 * cut). NULL when the count or the encoding is wrong. */
char    **lw_class_names_parse (const char *text, gsize len, guint n_classes);

/* A class name's longest kept length, in characters. */
#define LW_CLASS_NAME_MAX 64

/* lw-dataset.c */
LwDataFormat lw_dataset_kind_format (LwDatasetKind kind);
gboolean  lw_data_check_labels (const char *name, const guint8 *labels, guint n,
                                guint n_classes, GError **error);
void      lw_image_set_clear   (LwImageSet *set);

/* lw-discover.c: every folder searched for kind, in order (NULL-terminated). */
char    **lw_dataset_candidate_dirs (LwDatasetKind kind);
gboolean  lw_dataset_dir_has_data   (LwDatasetKind kind, const char *dir);

G_END_DECLS
