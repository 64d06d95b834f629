/* lw-idx.c: the IDX format of MNIST, Fashion-MNIST and Kuzushiji-MNIST.
 * Big-endian header: magic (0x0803 images, 0x0801 labels), counts, then
 * unsigned bytes. Every header field is checked against the buffer size
 * before it sizes anything. */
#include "config.h"

#include "lw-data-private.h"

#include <string.h>
#include <inttypes.h>
#include <glib/gi18n-lib.h>

#define IDX_IMAGES_MAGIC 0x00000803u
#define IDX_LABELS_MAGIC 0x00000801u
#define IDX_MAX_SIDE     4096u

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Checks size and magic; on failure frees buf. */
static gboolean
check_header (const char *name, guint8 *buf, gsize len, gsize header_len,
              guint32 want, const char *what, GError **error)
{
  guint32 magic;

  if (len == 0)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                   _("%s: file is empty"), name);
      g_free (buf);
      return FALSE;
    }
  if (len < header_len)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                   /* Translators: the last %s is "image" or "label". */
                   _("%s: %zu bytes, too short for an IDX %s header"),
                   name, len, what);
      g_free (buf);
      return FALSE;
    }
  magic = be32 (buf);
  if (magic != want)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   /* Translators: the second %s is "image" or "label". */
                   _("%s: not an IDX %s file (magic number 0x%08x, expected 0x%08x)"),
                   name, what, magic, want);
      g_free (buf);
      return FALSE;
    }
  return TRUE;
}

/* The payload must be exactly what the header announces. */
static gboolean
check_payload (const char *name, guint8 *buf, gsize len, gsize header_len,
               guint64 need, const char *announced, GError **error)
{
  gsize have = len - header_len;

  if (need > have)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                   /* Translators: the second %s is, e.g., "60000 images of 28x28". */
                   _("%s: header announces %s (%" PRIu64 " bytes) but only %zu bytes follow"),
                   name, announced, need, have);
      g_free (buf);
      return FALSE;
    }
  if (need < have)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: header announces %s (%" PRIu64 " bytes) but %zu bytes follow"),
                   name, announced, need, have);
      g_free (buf);
      return FALSE;
    }
  return TRUE;
}

/* Drops the header in place so the pixels need no second copy. */
static guint8 *
strip_header (guint8 *buf, gsize header_len, gsize payload)
{
  guint8 *fit;

  memmove (buf, buf + header_len, payload);
  fit = g_try_realloc (buf, payload);
  return fit != NULL ? fit : buf;
}

gboolean
lw_idx_take_images (const char *name, guint8 *buf, gsize len,
                    LwImageSet *set, GError **error)
{
  guint32 n, rows, cols;
  guint64 need;

  if (!check_header (name, buf, len, 16, IDX_IMAGES_MAGIC, C_("IDX file kind", "image"), error))
    return FALSE;
  n = be32 (buf + 4);
  rows = be32 (buf + 8);
  cols = be32 (buf + 12);
  if (n == 0)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: holds no images"), name);
      g_free (buf);
      return FALSE;
    }
  if (rows == 0 || cols == 0 || rows > IDX_MAX_SIDE || cols > IDX_MAX_SIDE)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: absurd image size %ux%u"), name, rows, cols);
      g_free (buf);
      return FALSE;
    }
  /* < 2^32 * 2^24: cannot overflow 64 bits. */
  need = (guint64) n * rows * cols;
  {
    g_autofree char *announced = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image of %ux%u",
                                                                "%u images of %ux%u", n),
                                                   n, rows, cols);
    if (!check_payload (name, buf, len, 16, need, announced, error))
      return FALSE;
  }

  set->n = n;
  set->channels = 1;
  set->height = rows;
  set->width = cols;
  set->pixels = strip_header (buf, 16, (gsize) need);
  return TRUE;
}

gboolean
lw_idx_take_labels (const char *name, guint8 *buf, gsize len,
                    guint8 **labels, guint *n_out, GError **error)
{
  guint32 n;

  if (!check_header (name, buf, len, 8, IDX_LABELS_MAGIC, C_("IDX file kind", "label"), error))
    return FALSE;
  n = be32 (buf + 4);
  if (n == 0)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: holds no labels"), name);
      g_free (buf);
      return FALSE;
    }
  {
    g_autofree char *announced = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u label",
                                                                "%u labels", n), n);
    if (!check_payload (name, buf, len, 8, n, announced, error))
      return FALSE;
  }
  *n_out = n;
  *labels = strip_header (buf, 8, n);
  return TRUE;
}

gboolean
lw_idx_load_split (const char *dir, const char *images_base, const char *labels_base,
                   guint height, guint width, guint n_classes,
                   LwImageSet *set, GError **error)
{
  g_autofree char *images_path = NULL;
  g_autofree char *labels_path = NULL;
  LwImageSet got = { 0 };
  guint8 *buf;
  gsize len;
  guint n_labels;

  buf = lw_data_source_read (dir, images_base, &images_path, &len, error);
  if (buf == NULL || !lw_idx_take_images (images_path, buf, len, &got, error))
    return FALSE;
  if (got.height != height || got.width != width)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: images are %ux%u, this dataset has %ux%u"),
                   images_path, got.height, got.width, height, width);
      lw_image_set_clear (&got);
      return FALSE;
    }

  buf = lw_data_source_read (dir, labels_base, &labels_path, &len, error);
  if (buf == NULL || !lw_idx_take_labels (labels_path, buf, len, &got.labels, &n_labels, error))
    {
      lw_image_set_clear (&got);
      return FALSE;
    }
  if (n_labels != got.n)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISMATCH,
                   /* Translators: labels file, count, images file, count. */
                   _("%s: %u labels, but %s holds %u images"),
                   labels_path, n_labels, images_path, got.n);
      lw_image_set_clear (&got);
      return FALSE;
    }
  if (!lw_data_check_labels (labels_path, got.labels, got.n, n_classes, error))
    {
      lw_image_set_clear (&got);
      return FALSE;
    }
  *set = got;
  return TRUE;
}
