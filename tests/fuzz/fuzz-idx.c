/* fuzz-idx.c: libFuzzer target for the IDX reader (MNIST and its kin).
 * Every input is read as an image file and as a label file. An accepted
 * file must hold exactly what its header announces; a label file's range
 * check must agree with the labels themselves. */
#include "fuzz-target.h"
#include "data/lw-data-private.h"

static guint32
be32 (const uint8_t *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
read_as_images (const uint8_t *data, size_t size)
{
  LwImageSet set = { 0 };
  GError *error = NULL;

  if (!lw_idx_take_images ("fuzz-images", fuzz_copy (data, size), size, &set, &error))
    {
      fuzz_check_refusal (&error, "fuzz-images");
      return;
    }
  g_assert_cmpuint (set.n, ==, be32 (data + 4));
  g_assert_cmpuint (set.height, ==, be32 (data + 8));
  g_assert_cmpuint (set.width, ==, be32 (data + 12));
  g_assert_cmpuint (set.channels, ==, 1);
  g_assert_cmpuint (16 + (gsize) set.n * set.height * set.width, ==, size);
  /* Reading every pixel lets ASan check the buffer is that long. */
  g_assert_cmpmem (set.pixels, size - 16, data + 16, size - 16);
  lw_image_set_clear (&set);
}

static void
read_as_labels (const uint8_t *data, size_t size)
{
  guint8 *labels = NULL;
  guint n = 0;
  GError *error = NULL;
  gboolean in_range = TRUE;

  if (!lw_idx_take_labels ("fuzz-labels", fuzz_copy (data, size), size, &labels, &n, &error))
    {
      fuzz_check_refusal (&error, "fuzz-labels");
      return;
    }
  g_assert_cmpuint (n, ==, be32 (data + 4));
  g_assert_cmpuint (8 + (gsize) n, ==, size);
  g_assert_cmpmem (labels, n, data + 8, n);

  for (guint i = 0; i < n; i++)
    in_range = in_range && labels[i] < 10;
  if (lw_data_check_labels ("fuzz-labels", labels, n, 10, &error))
    g_assert_true (in_range);
  else
    {
      g_assert_false (in_range);
      fuzz_check_refusal (&error, "fuzz-labels");
    }
  g_free (labels);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  read_as_images (data, size);
  read_as_labels (data, size);
  return 0;
}
