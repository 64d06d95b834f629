/* fuzz-gz.c: libFuzzer target for the gzip path (lw_data_gunzip, then the
 * IDX reader on what it gives, as for train-images-idx3-ubyte.gz). The
 * reader grows its buffer and walks concatenated members; a plain zlib
 * decode into one buffer of the limit's size must agree with it on every
 * input, byte for byte. */
#include "fuzz-target.h"
#include "data/lw-data-private.h"

#include <zlib.h>

/* Small, so bombs reach it quickly; deflate can expand 1032:1. */
#define LIMIT ((gsize) 256 << 10)

static gboolean
starts_gzip (const Bytef *p, uInt len)
{
  return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* NULL when the input is not whole, valid gzip of at most LIMIT bytes. */
static guint8 *
reference_gunzip (const uint8_t *data, size_t size, gsize *out_len)
{
  z_stream zs = { 0 };
  guint8 *out;
  gboolean ok = FALSE;
  int ret;

  if (!starts_gzip (data, (uInt) MIN (size, 2)))
    return NULL;
  out = g_malloc (LIMIT + 1);
  g_assert_cmpint (inflateInit2 (&zs, 16 + MAX_WBITS), ==, Z_OK);
  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) size;
  zs.next_out = out;
  zs.avail_out = (uInt) (LIMIT + 1);
  while ((ret = inflate (&zs, Z_FINISH)) == Z_OK || ret == Z_STREAM_END)
    {
      if (ret == Z_OK)
        continue;
      if (!starts_gzip (zs.next_in, zs.avail_in))
        {
          ok = zs.avail_in == 0;
          break;
        }
      inflateReset (&zs);
    }
  inflateEnd (&zs);
  *out_len = LIMIT + 1 - zs.avail_out;
  if (!ok || *out_len > LIMIT)
    g_clear_pointer (&out, g_free);
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  LwImageSet set = { 0 };
  GError *error = NULL;
  gsize len = 0, want_len = 0;
  guint8 *plain = lw_data_gunzip ("fuzz.gz", data, size, LIMIT, &len, &error);
  g_autofree guint8 *want = reference_gunzip (data, size, &want_len);

  if (plain == NULL)
    {
      fuzz_check_refusal (&error, "fuzz.gz");
      g_assert_null (want);
      return 0;
    }
  g_assert_nonnull (want);
  g_assert_cmpmem (plain, len, want, want_len);

  if (lw_idx_take_images ("fuzz.gz", plain, len, &set, &error))
    lw_image_set_clear (&set);
  else
    fuzz_check_refusal (&error, "fuzz.gz");
  return 0;
}
