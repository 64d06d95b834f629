/* lw-run-file.c: the container. Sections are kept as GBytes in the order
 * added; a file is built in memory and written in one piece. */
#include "config.h"

#include "lw-run-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <glib/gstdio.h>

#include "engine/lw-bytes.h"
#include <inttypes.h>
#include <glib/gi18n-lib.h>

G_DEFINE_QUARK (lw-run-file-error-quark, lw_run_file_error)

static const guint8 magic[8] = { 0x89, 'L', 'W', 'R', 'U', 'N', '\r', '\n' };

#define HEADER_SIZE 24u
#define ENTRY_SIZE 24u
#define CRC_SIZE 4u

typedef struct {
  guint32 tag;
  GBytes *data;
} Section;

struct _LwRunFile {
  GArray *sections;           /* of Section */
};

static void
section_clear (gpointer p)
{
  Section *s = p;

  g_clear_pointer (&s->data, g_bytes_unref);
}

LwRunFile *
lw_run_file_new (void)
{
  LwRunFile *f = g_new0 (LwRunFile, 1);

  f->sections = g_array_new (FALSE, TRUE, sizeof (Section));
  g_array_set_clear_func (f->sections, section_clear);
  return f;
}

void
lw_run_file_free (LwRunFile *f)
{
  if (f == NULL)
    return;
  g_array_unref (f->sections);
  g_free (f);
}

static Section *
find (const LwRunFile *f, guint32 tag)
{
  for (guint i = 0; i < f->sections->len; i++)
    if (g_array_index (f->sections, Section, i).tag == tag)
      return &g_array_index (f->sections, Section, i);
  return NULL;
}

void
lw_run_file_take_section (LwRunFile *f, guint32 tag, GBytes *data)
{
  Section *s;

  g_return_if_fail (f != NULL && data != NULL);
  s = find (f, tag);
  if (s != NULL)
    {
      g_bytes_unref (s->data);
      s->data = data;
      return;
    }
  g_return_if_fail (f->sections->len < LW_RUN_FILE_MAX_SECTIONS);
  g_array_append_val (f->sections, ((Section) { .tag = tag, .data = data }));
}

GBytes *
lw_run_file_get_section (const LwRunFile *f, guint32 tag)
{
  Section *s = find (f, tag);

  return s != NULL ? s->data : NULL;
}

static void
tag_name (guint32 tag, char out[5])
{
  for (guint i = 0; i < 4; i++)
    {
      char c = (char) ((tag >> (8 * i)) & 0xff);

      out[i] = g_ascii_isprint (c) ? c : '?';
    }
  out[4] = '\0';
}

GBytes *
lw_run_file_require (const LwRunFile *f, guint32 tag, GError **error)
{
  GBytes *data = lw_run_file_get_section (f, tag);
  char name[5];

  if (data == NULL)
    {
      tag_name (tag, name);
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT,
                   _("the run file has no %s section"), name);
    }
  return data;
}

/* Magic, version, count, length and section table. */
static GByteArray *
header_bytes (const LwRunFile *f)
{
  GByteArray *out = g_byte_array_new ();
  guint n = f->sections->len;
  guint64 offset = HEADER_SIZE + (guint64) n * ENTRY_SIZE, total = offset + CRC_SIZE;

  for (guint i = 0; i < n; i++)
    total += g_bytes_get_size (g_array_index (f->sections, Section, i).data);

  g_byte_array_append (out, magic, sizeof magic);
  lw_bytes_put_u32 (out, LW_RUN_FILE_VERSION);
  lw_bytes_put_u32 (out, n);
  lw_bytes_put_u64 (out, total);
  for (guint i = 0; i < n; i++)
    {
      const Section *s = &g_array_index (f->sections, Section, i);
      gsize len = g_bytes_get_size (s->data);

      lw_bytes_put_u32 (out, s->tag);
      lw_bytes_put_u32 (out, 0);
      lw_bytes_put_u64 (out, offset);
      lw_bytes_put_u64 (out, len);
      offset += len;
    }
  return out;
}

GBytes *
lw_run_file_to_bytes (const LwRunFile *f)
{
  GByteArray *out = header_bytes (f);
  guint32 crc;

  for (guint i = 0; i < f->sections->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_array_index (f->sections, Section, i).data, &len);

      if (len > 0)
        g_byte_array_append (out, data, (guint) len);
    }
  crc = (guint32) crc32_z (crc32_z (0L, Z_NULL, 0), out->data, out->len);
  lw_bytes_put_u32 (out, crc);
  return g_byte_array_free_to_bytes (out);
}

static gboolean
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* path with the symbolic links of its last component followed (at most
 * 40, as the kernel does; a relative target against its link's folder),
 * so that a save through a link replaces the target, not the link. */
static char *
resolve_links (const char *path)
{
  char *current = g_strdup (path);

  for (int i = 0; i < 40; i++)
    {
      g_autofree char *target = g_file_read_link (current, NULL);
      g_autofree char *dir = NULL;

      if (target == NULL)
        break;
      dir = g_path_get_dirname (current);
      g_free (current);
      current = g_path_is_absolute (target) ? g_steal_pointer (&target)
                                            : g_build_filename (dir, target, NULL);
    }
  return current;
}

/* Written section by section (a run of a big network is hundreds of
 * megabytes: no second copy of it in memory), to a temporary file beside
 * path (its target when path is a symbolic link), flushed to disk, then
 * renamed over it. */
gboolean
lw_run_file_save (const LwRunFile *f, const char *path, GError **error)
{
  g_autoptr (GByteArray) header = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *real = NULL;
  gboolean ok;
  guint32 crc, crc_le;
  int fd, saved_errno = 0;

  g_return_val_if_fail (f != NULL && path != NULL, FALSE);

  real = resolve_links (path);
  tmp = g_strconcat (real, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY, 0644);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO, _("cannot save run to %s: %s"),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  header = header_bytes (f);
  crc = (guint32) crc32_z (crc32_z (0L, Z_NULL, 0), header->data, header->len);
  ok = write_all (fd, header->data, header->len);
  for (guint i = 0; i < f->sections->len && ok; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_array_index (f->sections, Section, i).data, &len);

      crc = (guint32) crc32_z (crc, data, len);
      ok = write_all (fd, data, len);
    }
  crc_le = GUINT32_TO_LE (crc);
  ok = ok && write_all (fd, (const guint8 *) &crc_le, 4) && fsync (fd) == 0;
  if (!ok)
    saved_errno = errno;
  if (close (fd) != 0 && ok)
    {
      saved_errno = errno;
      ok = FALSE;
    }
  if (ok && g_rename (tmp, real) != 0)
    {
      saved_errno = errno;
      ok = FALSE;
    }
  if (!ok)
    {
      g_unlink (tmp);
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO, _("cannot save run to %s: %s"),
                   path, g_strerror (saved_errno));
    }
  return ok;
}

static LwRunFile *
read_error (GError **error, LwRunFileError code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static LwRunFile *
read_error (GError **error, LwRunFileError code, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, LW_RUN_FILE_ERROR, code, msg);
  return NULL;
}

LwRunFile *
lw_run_file_read_bytes (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (LwRunFile) f = NULL;
  LwByteReader r;
  guint32 version, n, stored_crc, crc;
  guint64 total, table_end;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len == 0)
    return read_error (error, LW_RUN_FILE_ERROR_TRUNCATED, _("the file is empty"));
  if (len < sizeof magic || memcmp (data, magic, sizeof magic) != 0)
    {
      /* A prefix of the magic is a run file cut short, not a foreign one. */
      if (len < sizeof magic && memcmp (data, magic, len) == 0)
        return read_error (error, LW_RUN_FILE_ERROR_TRUNCATED,
                           _("the run file is cut short: %zu bytes"), len);
      return read_error (error, LW_RUN_FILE_ERROR_FOREIGN, _("not a Layerwise run file"));
    }
  if (len < HEADER_SIZE)
    return read_error (error, LW_RUN_FILE_ERROR_TRUNCATED,
                       _("the run file is cut short: %zu bytes"), len);

  lw_byte_reader_init (&r, data + sizeof magic, len - sizeof magic);
  version = lw_byte_reader_u32 (&r);
  n = lw_byte_reader_u32 (&r);
  total = lw_byte_reader_u64 (&r);
  if (version == 0)
    return read_error (error, LW_RUN_FILE_ERROR_CORRUPT, _("the run file is damaged (version 0)"));
  if (version > LW_RUN_FILE_VERSION)
    return read_error (error, LW_RUN_FILE_ERROR_VERSION,
                       _("the run file was written by a newer Layerwise (format %u; this one "
                         "reads up to %u)"), version, LW_RUN_FILE_VERSION);
  if (total > len)
    return read_error (error, LW_RUN_FILE_ERROR_TRUNCATED,
                       _("the run file is cut short: %zu of %" PRIu64
                         " bytes"), len, total);
  if (total < len)
    return read_error (error, LW_RUN_FILE_ERROR_CORRUPT,
                       _("the run file is damaged: %" PRIu64 " bytes expected, %zu found"),
                       total, len);
  if (len < HEADER_SIZE + CRC_SIZE)
    return read_error (error, LW_RUN_FILE_ERROR_CORRUPT, _("the run file is damaged (too short)"));

  crc = (guint32) crc32_z (crc32_z (0L, Z_NULL, 0), data, len - CRC_SIZE);
  memcpy (&stored_crc, data + len - CRC_SIZE, 4);
  if (GUINT32_FROM_LE (stored_crc) != crc)
    return read_error (error, LW_RUN_FILE_ERROR_CORRUPT,
                       _("the run file is damaged (checksum mismatch)"));

  if (n > LW_RUN_FILE_MAX_SECTIONS)
    return read_error (error, LW_RUN_FILE_ERROR_CORRUPT,
                       _("the run file is damaged (%u sections)"), n);
  table_end = HEADER_SIZE + (guint64) n * ENTRY_SIZE;
  if (table_end > len - CRC_SIZE)
    return read_error (error, LW_RUN_FILE_ERROR_CORRUPT,
                       _("the run file is damaged (section table past the end)"));

  f = lw_run_file_new ();
  for (guint i = 0; i < n; i++)
    {
      guint32 tag = lw_byte_reader_u32 (&r);
      guint32 reserved = lw_byte_reader_u32 (&r);
      guint64 offset = lw_byte_reader_u64 (&r);
      guint64 size = lw_byte_reader_u64 (&r);
      char name[5];

      g_assert (lw_byte_reader_ok (&r));  /* within table_end, checked above */
      tag_name (tag, name);
      if (reserved != 0 || offset < table_end || offset > len - CRC_SIZE
          || size > len - CRC_SIZE - offset)
        return read_error (error, LW_RUN_FILE_ERROR_CORRUPT,
                           _("the run file is damaged (section %s out of bounds)"), name);
      if (find (f, tag) != NULL)
        return read_error (error, LW_RUN_FILE_ERROR_CORRUPT,
                           _("the run file is damaged (section %s twice)"), name);
      lw_run_file_take_section (f, tag, g_bytes_new (data + offset, size));
    }
  return g_steal_pointer (&f);
}

LwRunFile *
lw_run_file_load (const char *path, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GError) local = NULL;
  LwRunFile *f;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO,
                   _("%s is a folder, not a run file"), path);
      return NULL;
    }
  mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    {
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO, "%s", local->message);
      return NULL;
    }
  f = lw_run_file_read_bytes ((const guint8 *) g_mapped_file_get_contents (mapped),
                              g_mapped_file_get_length (mapped), &local);
  if (f == NULL)
    {
      g_set_error (error, LW_RUN_FILE_ERROR, local->code, "%s: %s", path, local->message);
      return NULL;
    }
  return f;
}
