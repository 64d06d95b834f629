/* lw-cifar.c: the CIFAR-10 / CIFAR-100 "binary version". No header: fixed
 * records of label byte(s) then 3072 pixel bytes (3x32x32, CHW), so the
 * file size alone gives the count. */
#include "config.h"

#include "lw-data-private.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#define CIFAR_SIDE   32u
#define CIFAR_PIXELS (3u * CIFAR_SIDE * CIFAR_SIDE)

typedef struct {
  const char *subdir;         /* folder inside the official archive */
  const char *train[6];       /* NULL-terminated */
  const char *test;
  guint label_offset;         /* CIFAR-100: coarse byte, then the fine one */
  guint n_classes;
  const char *names;          /* the meta text file: one class name a line */
} CifarLayout;

static const CifarLayout cifar10 = {
  "cifar-10-batches-bin",
  { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", NULL },
  "test_batch.bin", 0, 10, "batches.meta.txt",
};

static const CifarLayout cifar100 = {
  "cifar-100-binary", { "train.bin", NULL }, "test.bin", 1, 100, "fine_label_names.txt",
};

/* Meta files hold a few hundred bytes: anything far larger is not one. */
#define NAMES_MAX_BYTES (64u * 1024u)

char *
lw_cifar_resolve_dir (const char *dir, gboolean is_100)
{
  const CifarLayout *layout = is_100 ? &cifar100 : &cifar10;
  g_autofree char *inner = NULL;

  /* Accept the folder holding the .bin files or the one above it. */
  if (lw_data_source_exists (dir, layout->train[0]))
    return g_strdup (dir);
  inner = g_build_filename (dir, layout->subdir, NULL);
  if (lw_data_source_exists (inner, layout->train[0]))
    return g_steal_pointer (&inner);
  return NULL;
}

gboolean
lw_cifar_append_records (const char *name, const guint8 *buf, gsize len,
                         gboolean is_100, LwImageSet *set, GError **error)
{
  const CifarLayout *layout = is_100 ? &cifar100 : &cifar10;
  const gsize record = layout->label_offset + 1 + CIFAR_PIXELS;
  guint8 *pixels, *labels;
  gsize n;

  if (len == 0)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                   _("%s: file is empty"), name);
      return FALSE;
    }
  if (len % record != 0)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                   _("%s: size %zu is not a multiple of the %zu-byte CIFAR record"),
                   name, len, record);
      return FALSE;
    }
  n = len / record;
  /* Files are capped at 2 GiB, so set->n + n stays far below G_MAXUINT. */
  pixels = g_try_realloc (set->pixels, (set->n + n) * CIFAR_PIXELS);
  if (pixels == NULL)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: not enough memory for %zu images"), name, n);
      return FALSE;
    }
  set->pixels = pixels;
  labels = g_try_realloc (set->labels, set->n + n);
  if (labels == NULL)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: not enough memory for %zu labels"), name, n);
      return FALSE;
    }
  set->labels = labels;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *rec = buf + i * record;
      guint8 label = rec[layout->label_offset];

      if (label >= layout->n_classes)
        {
          g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_LABEL,
                       _("%s: label %u of record %zu is out of range "
                         "(%u classes)"), name, label, i, layout->n_classes);
          return FALSE;
        }
      labels[set->n + i] = label;
      memcpy (pixels + (set->n + i) * CIFAR_PIXELS, rec + layout->label_offset + 1,
              CIFAR_PIXELS);
    }
  set->n += (guint) n;
  return TRUE;
}

/* Appends the records of one file to set. */
static gboolean
append_file (const char *dir, const char *base, gboolean is_100,
             LwImageSet *set, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree guint8 *buf = NULL;
  gsize len;

  buf = lw_data_source_read (dir, base, &path, &len, error);
  if (buf == NULL)
    return FALSE;
  return lw_cifar_append_records (path, buf, len, is_100, set, error);
}

static gboolean
load_split (const char *dir, const char *const *files, gboolean is_100,
            LwImageSet *set, GError **error)
{
  set->channels = 3;
  set->height = CIFAR_SIDE;
  set->width = CIFAR_SIDE;
  for (guint i = 0; files[i] != NULL; i++)
    if (!append_file (dir, files[i], is_100, set, error))
      {
        lw_image_set_clear (set);
        return FALSE;
      }
  return TRUE;
}

gboolean
lw_cifar_load (const char *dir, gboolean is_100, LwImageSet *train,
               LwImageSet *test, char **used_dir, GError **error)
{
  const CifarLayout *layout = is_100 ? &cifar100 : &cifar10;
  const char *test_files[] = { layout->test, NULL };
  g_autofree char *real = lw_cifar_resolve_dir (dir, is_100);

  if (real == NULL)
    {
      g_autofree char *want = g_build_filename (dir, layout->train[0], NULL);
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING,
                   /* Translators: a file name, then a folder name. */
                   _("%s: no such file (nor in the %s subfolder)"), want, layout->subdir);
      return FALSE;
    }
  if (!load_split (real, layout->train, is_100, train, error))
    return FALSE;
  if (!load_split (real, test_files, is_100, test, error))
    {
      lw_image_set_clear (train);
      return FALSE;
    }
  *used_dir = g_steal_pointer (&real);
  return TRUE;
}

/* A name cut to LW_CLASS_NAME_MAX characters, so a stray long line stays
 * a label. */
static char *
take_name (const char *line)
{
  if (g_utf8_strlen (line, -1) <= LW_CLASS_NAME_MAX)
    return g_strdup (line);
  return g_utf8_substring (line, 0, LW_CLASS_NAME_MAX);
}

char **
lw_class_names_parse (const char *text, gsize len, guint n_classes)
{
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *names;

  if (len > NAMES_MAX_BYTES || !g_utf8_validate_len (text, len, NULL))
    return NULL;
  copy = g_strndup (text, len);
  lines = g_strsplit (copy, "\n", -1);
  names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);   /* CR of CR LF too */

      if (line[0] != '\0')
        g_ptr_array_add (names, take_name (line));
    }
  if (names->len != n_classes)
    {
      g_ptr_array_unref (names);
      return NULL;
    }
  g_ptr_array_set_free_func (names, NULL);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

char **
lw_cifar_load_names (const char *dir, gboolean is_100)
{
  const CifarLayout *layout = is_100 ? &cifar100 : &cifar10;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree guint8 *buf = NULL;
  char **names;
  gsize len;

  /* Names are a nicety: without them the classes are numbers. */
  if (!lw_data_source_exists (dir, layout->names))
    return NULL;
  buf = lw_data_source_read (dir, layout->names, &path, &len, &error);
  if (buf == NULL)
    {
      g_debug ("class names: %s", error->message);
      return NULL;
    }
  names = lw_class_names_parse ((const char *) buf, len, layout->n_classes);
  if (names == NULL)
    g_debug ("%s: not one class name a line for %u classes; numbers instead",
             path, layout->n_classes);
  return names;
}
