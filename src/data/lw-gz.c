/* lw-gz.c: reads a file whole and gunzips buffers, refusing anything that
 * would make us allocate more than the caller's limit. */
#include "config.h"

#include "lw-data-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>

/* Deflate cannot expand data by more than about 1032:1, so the compressed
 * size bounds the output size whatever the gzip trailer claims. */
#define DEFLATE_MAX_RATIO 1032
#define GUNZIP_MIN_CHUNK  ((gsize) 64 << 10)

gboolean
lw_data_is_gzip (const guint8 *data, gsize len)
{
  return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

static void
too_big (const char *name, const char *what, gsize limit, GError **error)
{
  g_autofree char *shown = g_format_size_full (limit, G_FORMAT_SIZE_IEC_UNITS);

  /* Translators: a file name, then "decompresses to" or "is", then a size
   * such as "2.0 GiB". */
  g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
               _("%s: %s more than %s, refused"), name, what, shown);
}

static gsize
initial_capacity (const guint8 *data, gsize len, gsize max_out)
{
  /* The trailer holds the size mod 2^32: a good first guess for honest
   * files, never trusted beyond the deflate bound. */
  gsize guess = GUNZIP_MIN_CHUNK;

  if (len >= 18)
    {
      const guint8 *t = data + len - 4;
      guint32 isize = t[0] | (t[1] << 8) | (t[2] << 16) | ((guint32) t[3] << 24);
      guess = MAX (guess, (gsize) isize + 1);
    }
  if (len <= G_MAXSIZE / DEFLATE_MAX_RATIO)
    guess = MIN (guess, len * DEFLATE_MAX_RATIO + 1);
  return MIN (guess, max_out + 1);
}

guint8 *
lw_data_gunzip (const char *name, const guint8 *data, gsize len, gsize max_out,
                gsize *out_len, GError **error)
{
  z_stream zs = { 0 };
  guint8 *out = NULL;
  gsize cap, used = 0;

  if (!lw_data_is_gzip (data, len))
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: not gzip data"), name);
      return NULL;
    }
  if (len > G_MAXUINT)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: compressed file too large"), name);
      return NULL;
    }
  /* 16 + MAX_WBITS: gzip wrapper only, so the CRC and length are checked. */
  if (inflateInit2 (&zs, 16 + MAX_WBITS) != Z_OK)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: cannot start gzip decoder"), name);
      return NULL;
    }

  cap = initial_capacity (data, len, max_out);
  out = g_try_malloc (cap);
  if (out == NULL)
    goto oom;

  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) len;

  for (;;)
    {
      int ret;

      if (used == cap)
        {
          guint8 *bigger;

          if (cap > max_out)
            {
              too_big (name, _("decompresses to"), max_out, error);
              goto fail;
            }
          /* One byte past the limit tells "exactly max_out" from "more". */
          cap = (cap > (max_out + 1) / 2) ? max_out + 1 : cap * 2;
          bigger = g_try_realloc (out, cap);
          if (bigger == NULL)
            goto oom;
          out = bigger;
        }
      zs.next_out = out + used;
      zs.avail_out = (uInt) MIN (cap - used, (gsize) G_MAXUINT);
      {
        uInt before = zs.avail_out;
        ret = inflate (&zs, Z_NO_FLUSH);
        used += before - zs.avail_out;
      }

      if (ret == Z_STREAM_END)
        {
          /* Concatenated members are still one valid gzip file. */
          if (lw_data_is_gzip (zs.next_in, zs.avail_in))
            {
              inflateReset (&zs);
              continue;
            }
          if (zs.avail_in > 0)
            {
              g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                           _("%s: unexpected data after the end of the gzip stream"), name);
              goto fail;
            }
          break;
        }
      if (ret == Z_OK)
        continue;
      if (ret == Z_BUF_ERROR && zs.avail_in > 0 && used == cap)
        continue;   /* only out of room: grow and go on */
      if (ret == Z_BUF_ERROR)
        {
          /* No input left but the stream has not ended. */
          g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                       _("%s: gzip data ends early (truncated file)"), name);
          goto fail;
        }
      if (ret == Z_MEM_ERROR)
        goto oom;
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_TRUNCATED,
                   /* Translators: the second %s is zlib's own (English) reason. */
                   _("%s: corrupt gzip data (%s)"), name,
                   zs.msg != NULL ? zs.msg : _("unknown zlib error"));
      goto fail;
    }

  if (used > max_out)
    {
      too_big (name, _("decompresses to"), max_out, error);
      goto fail;
    }
  inflateEnd (&zs);
  /* Give back the slack; shrinking cannot fail in practice. */
  if (used < cap)
    {
      guint8 *fit = g_try_realloc (out, MAX (used, 1));
      if (fit != NULL)
        out = fit;
    }
  *out_len = used;
  return out;

oom:
  g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
               _("%s: not enough memory to decompress"), name);
fail:
  inflateEnd (&zs);
  g_free (out);
  return NULL;
}

static guint8 *
read_raw (const char *path, gsize *out_len, GError **error)
{
  struct stat st;
  guint8 *buf;
  gsize size, got = 0;
  int fd, saved;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING,
                   "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING,
                   _("%s: not a regular file"), path);
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > LW_DATA_MAX_BYTES)
    {
      /* Translators: as in "FILE: is more than 2.0 GiB, refused". */
      too_big (path, C_("file size", "is"), LW_DATA_MAX_BYTES, error);
      close (fd);
      return NULL;
    }
  size = (gsize) st.st_size;
  buf = g_try_malloc (MAX (size, 1));
  if (buf == NULL)
    {
      g_set_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT,
                   _("%s: not enough memory to read the file"), path);
      close (fd);
      return NULL;
    }
  while (got < size)
    {
      gssize r = read (fd, buf + got, MIN (size - got, (gsize) 1 << 30));
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          saved = errno;
          g_set_error (error, LW_DATASET_ERROR, r < 0 ? LW_DATASET_ERROR_MISSING
                                                      : LW_DATASET_ERROR_TRUNCATED,
                       "%s: %s", path,
                       r < 0 ? g_strerror (saved) : _("file shrank while being read"));
          g_free (buf);
          close (fd);
          return NULL;
        }
      got += (gsize) r;
    }
  close (fd);
  *out_len = size;
  return buf;
}

guint8 *
lw_data_read_file (const char *path, gsize *out_len, GError **error)
{
  gsize len;
  guint8 *raw = read_raw (path, &len, error);
  guint8 *plain;

  if (raw == NULL)
    return NULL;
  /* Decide by content, but a .gz name must hold gzip data. */
  if (!lw_data_is_gzip (raw, len) && !g_str_has_suffix (path, ".gz"))
    {
      *out_len = len;
      return raw;
    }
  plain = lw_data_gunzip (path, raw, len, LW_DATA_MAX_BYTES, out_len, error);
  g_free (raw);
  return plain;
}
