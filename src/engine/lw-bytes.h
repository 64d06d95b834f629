/* lw-bytes.h: little-endian values into a growing buffer, and a reader
 * that never trusts a length it is given.
 *
 * The reader fails sticky: once a read runs past the end every later read
 * fails too and yields zeros, so a parser can read a whole record and
 * check lw_byte_reader_ok () once. Counts read from the data are checked
 * against what is left before anything is allocated or looped over. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     lw_bytes_put_u8      (GByteArray *out, guint8 v);
void     lw_bytes_put_u32     (GByteArray *out, guint32 v);
void     lw_bytes_put_u64     (GByteArray *out, guint64 v);
void     lw_bytes_put_f32     (GByteArray *out, float v);
void     lw_bytes_put_f64     (GByteArray *out, double v);
void     lw_bytes_put_floats  (GByteArray *out, const float *v, gsize n);
/* A u32 length, then the bytes (no terminator). */
void     lw_bytes_put_string  (GByteArray *out, const char *s);

typedef struct {
  const guint8 *data;
  gsize len, pos;
  gboolean failed;
} LwByteReader;

void     lw_byte_reader_init      (LwByteReader *r, const guint8 *data, gsize len);
gboolean lw_byte_reader_ok        (const LwByteReader *r);
gsize    lw_byte_reader_remaining (const LwByteReader *r);

guint8   lw_byte_reader_u8        (LwByteReader *r);
guint32  lw_byte_reader_u32       (LwByteReader *r);
guint64  lw_byte_reader_u64       (LwByteReader *r);
float    lw_byte_reader_f32       (LwByteReader *r);
double   lw_byte_reader_f64       (LwByteReader *r);
/* n floats into out, or skipped when out is NULL; FALSE (and failed)
 * when fewer than n are left. */
gboolean lw_byte_reader_floats    (LwByteReader *r, float *out, gsize n);
/* A string of lw_bytes_put_string, at most max_len bytes and valid
 * UTF-8 without NULs; NULL (and failed) otherwise. */
char    *lw_byte_reader_string    (LwByteReader *r, gsize max_len);

G_END_DECLS
