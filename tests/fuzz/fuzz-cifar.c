/* fuzz-cifar.c: libFuzzer target for the CIFAR-10 and CIFAR-100 readers.
 * Every input is read as a file of each, twice into the same set, as the
 * loader appends the five CIFAR-10 training files: an accepted file gives
 * one image per record with that record's label and pixels. */
#include "fuzz-target.h"
#include "data/lw-data-private.h"

#define CIFAR_PIXELS (3u * 32u * 32u)

static void
read_as (const uint8_t *data, size_t size, gboolean is_100)
{
  const gsize label_offset = is_100 ? 1 : 0;
  const gsize record = label_offset + 1 + CIFAR_PIXELS;
  LwImageSet set = { 0 };
  GError *error = NULL;

  for (guint pass = 0; pass < 2; pass++)
    {
      guint before = set.n;

      if (!lw_cifar_append_records ("fuzz-cifar", data, size, is_100, &set, &error))
        {
          fuzz_check_refusal (&error, "fuzz-cifar");
          g_assert_cmpuint (set.n, ==, before);
          break;
        }
      g_assert_cmpuint (size % record, ==, 0);
      g_assert_cmpuint (set.n, ==, before + size / record);
      for (gsize i = 0; i < size / record; i++)
        {
          const uint8_t *rec = data + i * record;

          g_assert_cmpuint (set.labels[before + i], ==, rec[label_offset]);
          g_assert_cmpuint (set.labels[before + i], <, is_100 ? 100 : 10);
          g_assert_cmpmem (set.pixels + (before + i) * CIFAR_PIXELS, CIFAR_PIXELS,
                           rec + label_offset + 1, CIFAR_PIXELS);
        }
    }
  lw_image_set_clear (&set);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  read_as (data, size, FALSE);
  read_as (data, size, TRUE);
  return 0;
}
