/* lw-source.c: turns (folder, base name) into decoded bytes, trying the raw
 * name and then name.gz, for real folders and the embedded resource alike. */
#include "config.h"

#include "lw-data-private.h"
#include "lw-data-resources.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

static gboolean
is_resource (const char *dir)
{
  return g_str_has_prefix (dir, LW_DATA_RESOURCE_PREFIX);
}

static char *
join (const char *dir, const char *base, const char *suffix)
{
  g_autofree char *name = g_strconcat (base, suffix, NULL);

  if (is_resource (dir))
    return g_strconcat (dir, "/", name, NULL);
  return g_build_filename (dir, name, NULL);
}

static gboolean
exists (const char *dir, const char *path)
{
  if (is_resource (dir))
    return g_resource_get_info (lw_data_get_resource (),
                                path + strlen (LW_DATA_RESOURCE_PREFIX),
                                G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

gboolean
lw_data_source_exists (const char *dir, const char *base)
{
  g_autofree char *raw = join (dir, base, "");
  g_autofree char *gz = join (dir, base, ".gz");

  return exists (dir, raw) || exists (dir, gz);
}

static guint8 *
read_resource (const char *path, gsize *out_len, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len;

  bytes = g_resource_lookup_data (lw_data_get_resource (),
                                  path + strlen (LW_DATA_RESOURCE_PREFIX),
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING,
                   _("%s: not in the embedded resources"), path);
      return NULL;
    }
  data = g_bytes_get_data (bytes, &len);
  if (lw_data_is_gzip (data, len))
    return lw_data_gunzip (path, data, len, LW_DATA_MAX_BYTES, out_len, error);
  /* Parsers take ownership and compact in place, so hand out a copy. */
  *out_len = len;
  return g_memdup2 (data, MAX (len, 1));
}

guint8 *
lw_data_source_read (const char *dir, const char *base, char **shown,
                     gsize *out_len, GError **error)
{
  g_autofree char *raw = join (dir, base, "");
  g_autofree char *gz = join (dir, base, ".gz");
  const char *path;
  guint8 *data;

  if (exists (dir, raw))
    path = raw;
  else if (exists (dir, gz))
    path = gz;
  else
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING,
                   _("%s: no such file (nor %s.gz)"), raw, base);
      return NULL;
    }

  if (is_resource (dir))
    data = read_resource (path, out_len, error);
  else
    data = lw_data_read_file (path, out_len, error);
  if (data != NULL)
    *shown = g_strdup (path);
  return data;
}
