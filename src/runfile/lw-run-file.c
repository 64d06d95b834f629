/* lw-run-file.c: the container. Sections are kept as GBytes in the order
 * added; a file is built in memory and written in one piece. */
/* O_TMPFILE */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"

#include "lw-run-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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
  guint32 version;            /* the format it was read in; LW_RUN_FILE_VERSION when new */
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
  f->version = LW_RUN_FILE_VERSION;
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

guint
lw_run_file_get_version (const LwRunFile *f)
{
  return f->version;
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

/* The file path finally names: symbolic links followed (a relative
 * target against its link's folder), so that saving through a link
 * replaces its target and the link stays. path itself when it is no link
 * or does not exist yet. */
static char *
resolve_links (const char *path)
{
  g_autofree char *current = g_strdup (path);

  for (guint hops = 0; hops < 40; hops++)
    {
      g_autofree char *target = g_file_read_link (current, NULL);
      g_autofree char *dir = NULL;

      if (target == NULL)
        break;
      if (g_path_is_absolute (target))
        {
          g_free (current);
          current = g_steal_pointer (&target);
          continue;
        }
      dir = g_path_get_dirname (current);
      g_free (current);
      current = g_build_filename (dir, target, NULL);
    }
  return g_steal_pointer (&current);
}

/* The header, the sections and the checksum to fd; FALSE with errno set. */
static gboolean
write_file (const LwRunFile *f, int fd)
{
  g_autoptr (GByteArray) header = header_bytes (f);
  guint32 crc, crc_le;
  gboolean ok;

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
  return ok && write_all (fd, (const guint8 *) &crc_le, 4) && fsync (fd) == 0;
}

/* An unnamed file in dir (O_TMPFILE): a crash before it is linked leaves
 * nothing behind. -1 where the file system cannot. */
static int
open_unnamed (const char *dir)
{
#ifdef O_TMPFILE
  return open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
#else
  errno = EOPNOTSUPP;
  return -1;
#endif
}

/* Gives the unnamed file fd a fresh name beginning with prefix; the name,
 * or NULL with errno set. */
static char *
link_unnamed (int fd, const char *prefix)
{
  g_autofree char *proc = g_strdup_printf ("/proc/self/fd/%d", fd);

  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *name = g_strdup_printf ("%s.%06x", prefix,
                                               g_random_int_range (0, 0x1000000));

      if (linkat (AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
        return g_steal_pointer (&name);
      if (errno != EEXIST)
        return NULL;
    }
  return NULL;
}

/* Written section by section (a run of a big network is hundreds of
 * megabytes: no second copy of it in memory) to a temporary file beside
 * the target, flushed to disk, then renamed over it. */
gboolean
lw_run_file_save (const LwRunFile *f, const char *path, GError **error)
{
  g_autofree char *target = NULL, *dir = NULL, *tmp = NULL;
  gboolean ok;
  int fd, saved_errno = 0;

  g_return_val_if_fail (f != NULL && path != NULL, FALSE);

  target = resolve_links (path);
  dir = g_path_get_dirname (target);
  fd = open_unnamed (dir);
  if (fd >= 0)
    {
      ok = write_file (f, fd);
      if (!ok)
        saved_errno = errno;
      else if ((tmp = link_unnamed (fd, target)) == NULL)
        {
          /* No /proc to link through: written again under a name. */
          close (fd);
          fd = -1;
        }
    }
  if (fd < 0)
    {
      /* No O_TMPFILE here: a named temporary file, removed on failure. */
      tmp = g_strconcat (target, ".XXXXXX", NULL);
      fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          saved_errno = errno;
          g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO,
                       _("cannot save run to %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      ok = write_file (f, fd);
      if (!ok)
        saved_errno = errno;
    }
  if (close (fd) != 0 && ok)
    {
      saved_errno = errno;
      ok = FALSE;
    }
  if (ok && g_rename (tmp, target) != 0)
    {
      saved_errno = errno;
      ok = FALSE;
    }
  if (!ok)
    {
      if (tmp != NULL)
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

/* The sections are slices of bytes: no second copy of a big run. */
static LwRunFile *
read_gbytes (GBytes *bytes, GError **error)
{
  g_autoptr (LwRunFile) f = NULL;
  LwByteReader r;
  guint32 version, n, stored_crc, crc;
  guint64 total, table_end;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

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
  f->version = version;
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
      lw_run_file_take_section (f, tag, g_bytes_new_from_bytes (bytes, offset, size));
    }
  return g_steal_pointer (&f);
}

LwRunFile *
lw_run_file_read_bytes (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_new (data, len);
  return read_gbytes (bytes, error);
}

/* Read, not memory-mapped: a file cut by another program while it is read
 * (a sync client, cp, rsync --inplace) then comes out short and is refused
 * as cut short, where a shared mapping would kill the program (SIGBUS).
 * Only regular files: a FIFO would block and /dev/zero never end. */
GBytes *
lw_run_file_read_contents (const char *path, GError **error)
{
  struct stat st;
  guint8 *data;
  gsize got = 0;
  int fd, saved_errno;

  g_return_val_if_fail (path != NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO, _("cannot open %s: %s"), path,
                   g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      gboolean is_dir = S_ISDIR (st.st_mode);

      close (fd);
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO,
                   is_dir ? _("%s is a folder, not a run file") : _("%s is not a regular file"),
                   path);
      return NULL;
    }
  /* What is there now; a file that grows meanwhile is read to this size. */
  data = g_try_malloc (MAX ((gsize) st.st_size, 1));
  if (data == NULL)
    {
      close (fd);
      g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO,
                   _("cannot read %s: not enough memory for %" PRId64 " bytes"), path,
                   (gint64) st.st_size);
      return NULL;
    }
  while (got < (gsize) st.st_size)
    {
      gssize n = read (fd, data + got, (gsize) st.st_size - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          close (fd);
          g_free (data);
          g_set_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO, _("cannot read %s: %s"),
                       path, g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;              /* cut meanwhile: the parser says so */
      got += (gsize) n;
    }
  close (fd);
  return g_bytes_new_take (data, got);
}

LwRunFile *
lw_run_file_load (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) bytes = NULL;
  LwRunFile *f;

  g_return_val_if_fail (path != NULL, NULL);

  bytes = lw_run_file_read_contents (path, error);
  if (bytes == NULL)
    return NULL;
  f = read_gbytes (bytes, &local);
  if (f == NULL)
    {
      g_set_error (error, LW_RUN_FILE_ERROR, local->code, "%s: %s", path, local->message);
      return NULL;
    }
  return f;
}
