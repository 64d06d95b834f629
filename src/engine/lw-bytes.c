/* lw-bytes.c: explicit little-endian encoding, whatever the host. */
#include "lw-bytes.h"

#include <string.h>

void
lw_bytes_put_u8 (GByteArray *out, guint8 v)
{
  g_byte_array_append (out, &v, 1);
}

void
lw_bytes_put_u32 (GByteArray *out, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);

  g_byte_array_append (out, (const guint8 *) &le, 4);
}

void
lw_bytes_put_u64 (GByteArray *out, guint64 v)
{
  guint64 le = GUINT64_TO_LE (v);

  g_byte_array_append (out, (const guint8 *) &le, 8);
}

void
lw_bytes_put_f32 (GByteArray *out, float v)
{
  guint32 bits;

  memcpy (&bits, &v, 4);
  lw_bytes_put_u32 (out, bits);
}

void
lw_bytes_put_f64 (GByteArray *out, double v)
{
  guint64 bits;

  memcpy (&bits, &v, 8);
  lw_bytes_put_u64 (out, bits);
}

void
lw_bytes_put_floats (GByteArray *out, const float *v, gsize n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  g_byte_array_append (out, (const guint8 *) v, (guint) (n * sizeof (float)));
#else
  for (gsize i = 0; i < n; i++)
    lw_bytes_put_f32 (out, v[i]);
#endif
}

void
lw_bytes_put_string (GByteArray *out, const char *s)
{
  gsize n = s != NULL ? strlen (s) : 0;

  lw_bytes_put_u32 (out, (guint32) n);
  if (n > 0)
    g_byte_array_append (out, (const guint8 *) s, (guint) n);
}

void
lw_byte_reader_init (LwByteReader *r, const guint8 *data, gsize len)
{
  *r = (LwByteReader) { .data = data, .len = data != NULL ? len : 0 };
}

gboolean
lw_byte_reader_ok (const LwByteReader *r)
{
  return !r->failed;
}

gsize
lw_byte_reader_remaining (const LwByteReader *r)
{
  return r->failed ? 0 : r->len - r->pos;
}

/* The next n bytes, or NULL (and failed) when fewer are left. */
static const guint8 *
take (LwByteReader *r, gsize n)
{
  const guint8 *p;

  if (r->failed || n > r->len - r->pos)
    {
      r->failed = TRUE;
      return NULL;
    }
  p = r->data + r->pos;
  r->pos += n;
  return p;
}

guint8
lw_byte_reader_u8 (LwByteReader *r)
{
  const guint8 *p = take (r, 1);

  return p != NULL ? p[0] : 0;
}

guint32
lw_byte_reader_u32 (LwByteReader *r)
{
  const guint8 *p = take (r, 4);
  guint32 v;

  if (p == NULL)
    return 0;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

guint64
lw_byte_reader_u64 (LwByteReader *r)
{
  const guint8 *p = take (r, 8);
  guint64 v;

  if (p == NULL)
    return 0;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

float
lw_byte_reader_f32 (LwByteReader *r)
{
  guint32 bits = lw_byte_reader_u32 (r);
  float v;

  memcpy (&v, &bits, 4);
  return v;
}

double
lw_byte_reader_f64 (LwByteReader *r)
{
  guint64 bits = lw_byte_reader_u64 (r);
  double v;

  memcpy (&v, &bits, 8);
  return v;
}

gboolean
lw_byte_reader_floats (LwByteReader *r, float *out, gsize n)
{
  const guint8 *p;

  if (n > G_MAXSIZE / sizeof (float) || (p = take (r, n * sizeof (float))) == NULL)
    {
      r->failed = TRUE;
      return FALSE;
    }
  if (out == NULL)
    return TRUE;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  memcpy (out, p, n * sizeof (float));
#else
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;

      memcpy (&bits, p + 4 * i, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (&out[i], &bits, 4);
    }
#endif
  return TRUE;
}

char *
lw_byte_reader_string (LwByteReader *r, gsize max_len)
{
  guint32 n = lw_byte_reader_u32 (r);
  const guint8 *p;

  if (r->failed || n > max_len || (p = take (r, n)) == NULL
      || memchr (p, '\0', n) != NULL || !g_utf8_validate ((const char *) p, n, NULL))
    {
      r->failed = TRUE;
      return NULL;
    }
  return g_strndup ((const char *) p, n);
}
