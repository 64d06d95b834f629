/* test-data.c: dataset formats, discovery, normalisation and augmentation.
 * Tests write small files into a fresh temp folder each, so no test depends
 * on downloaded data (the Debian Fashion-MNIST test skips when absent). */
#include <string.h>
#include <math.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "data/lw-dataset.h"
#include "data/lw-data-private.h"

typedef struct {
  char *dir;
} Fixture;

/* ---- helpers ----------------------------------------------------------- */

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  GError *error = NULL;

  f->dir = g_dir_make_tmp ("lw-test-data-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  rm_rf (f->dir);
  g_free (f->dir);
}

/* A recognisable pixel value for byte k of sample i. */
static guint8
pix (guint i, gsize k)
{
  return (guint8) (i * 37u + k * 11u + 5u);
}

static void
put_be32 (GByteArray *a, gsize off, guint32 v)
{
  a->data[off] = v >> 24;
  a->data[off + 1] = v >> 16;
  a->data[off + 2] = v >> 8;
  a->data[off + 3] = v;
}

static void
remove_in (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_cmpint (g_remove (path), ==, 0);
}

static GByteArray *
idx_images (guint n, guint rows, guint cols)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_set_size (a, 16 + (gsize) n * rows * cols);
  put_be32 (a, 0, 0x803);
  put_be32 (a, 4, n);
  put_be32 (a, 8, rows);
  put_be32 (a, 12, cols);
  for (guint i = 0; i < n; i++)
    for (gsize k = 0; k < (gsize) rows * cols; k++)
      a->data[16 + i * (gsize) rows * cols + k] = pix (i, k);
  return a;
}

static GByteArray *
idx_labels (guint n)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_set_size (a, 8 + n);
  put_be32 (a, 0, 0x801);
  put_be32 (a, 4, n);
  for (guint i = 0; i < n; i++)
    a->data[8 + i] = (guint8) ((i * 3) % 10);
  return a;
}

static GBytes *
gzip_bytes (const guint8 *data, gsize len)
{
  z_stream zs = { 0 };
  gsize cap = compressBound (len) + 64;
  guint8 *out = g_malloc (cap);

  g_assert_cmpint (deflateInit2 (&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                 Z_DEFAULT_STRATEGY), ==, Z_OK);
  zs.next_in = (Bytef *) data;
  zs.avail_in = len;
  zs.next_out = out;
  zs.avail_out = cap;
  g_assert_cmpint (deflate (&zs, Z_FINISH), ==, Z_STREAM_END);
  cap = zs.total_out;
  deflateEnd (&zs);
  return g_bytes_new_take (out, cap);
}

/* Writes name (gzipped to name.gz when gz) into dir; returns the path. */
static char *
write_file (const char *dir, const char *name, const guint8 *data, gsize len, gboolean gz)
{
  GError *error = NULL;
  g_autofree char *file = g_strconcat (name, gz ? ".gz" : "", NULL);
  char *path = g_build_filename (dir, file, NULL);

  if (gz)
    {
      g_autoptr(GBytes) z = gzip_bytes (data, len);
      gsize zlen;
      const guint8 *zdata = g_bytes_get_data (z, &zlen);
      g_file_set_contents (path, (const char *) zdata, zlen, &error);
    }
  else
    g_file_set_contents (path, (const char *) data, len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_array (const char *dir, const char *name, GByteArray *a, gboolean gz)
{
  char *path = write_file (dir, name, a->data, a->len, gz);
  g_byte_array_unref (a);
  return path;
}

#define TRAIN_IMAGES "train-images-idx3-ubyte"
#define TRAIN_LABELS "train-labels-idx1-ubyte"
#define TEST_IMAGES  "t10k-images-idx3-ubyte"
#define TEST_LABELS  "t10k-labels-idx1-ubyte"

static void
write_idx_dir (const char *dir, guint n_train, guint n_test, gboolean gz)
{
  g_free (write_array (dir, TRAIN_IMAGES, idx_images (n_train, 28, 28), gz));
  g_free (write_array (dir, TRAIN_LABELS, idx_labels (n_train), gz));
  g_free (write_array (dir, TEST_IMAGES, idx_images (n_test, 28, 28), gz));
  g_free (write_array (dir, TEST_LABELS, idx_labels (n_test), gz));
}

/* Loading fails with code and a one-line message naming path. */
static void
expect_error (LwDatasetKind kind, const char *dir, int code, const char *path)
{
  GError *error = NULL;
  LwDataset *ds = lw_dataset_load (kind, dir, &error);

  g_assert_null (ds);
  g_assert_error (error, LW_DATASET_ERROR, code);
  if (g_test_verbose ())
    g_printerr ("  message: %s\n", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
}

static LwDataset *
load_ok (LwDatasetKind kind, const char *dir)
{
  GError *error = NULL;
  LwDataset *ds = lw_dataset_load (kind, dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

static void
check_idx_set (const LwImageSet *set, guint n)
{
  g_assert_cmpuint (set->n, ==, n);
  g_assert_cmpuint (set->channels, ==, 1);
  g_assert_cmpuint (set->height, ==, 28);
  g_assert_cmpuint (set->width, ==, 28);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (set->labels[i], ==, (i * 3) % 10);
      for (gsize k = 0; k < 784; k++)
        g_assert_cmpuint (set->pixels[i * 784 + k], ==, pix (i, k));
    }
}

/* ---- kinds ------------------------------------------------------------- */

static void
test_kind_strings (void)
{
  LwDatasetKind kind;

  for (guint k = 0; k < LW_N_DATASETS; k++)
    {
      g_assert_true (lw_dataset_kind_from_string (lw_dataset_kind_to_string (k), &kind));
      g_assert_cmpint (kind, ==, k);
    }
  g_assert_cmpstr (lw_dataset_kind_to_string (LW_DATASET_MNIST_SUBSET), ==, "mnist-subset");
  g_assert_cmpstr (lw_dataset_kind_to_string (LW_DATASET_FASHION_MNIST), ==, "fashion-mnist");
  g_assert_true (lw_dataset_kind_from_string ("cifar-10", &kind));
  g_assert_cmpint (kind, ==, LW_DATASET_CIFAR10);
  g_assert_true (lw_dataset_kind_from_string ("cifar-100", &kind));
  g_assert_cmpint (kind, ==, LW_DATASET_CIFAR100);
  g_assert_true (lw_dataset_kind_from_string ("kmnist", &kind));
  g_assert_cmpint (kind, ==, LW_DATASET_KMNIST);
  g_assert_false (lw_dataset_kind_from_string ("imagenet", &kind));
  g_assert_false (lw_dataset_kind_from_string ("", &kind));
  g_assert_cmpuint (lw_dataset_kind_cutout_length (LW_DATASET_MNIST), ==, 14);
  g_assert_cmpuint (lw_dataset_kind_cutout_length (LW_DATASET_FASHION_MNIST), ==, 14);
  g_assert_cmpuint (lw_dataset_kind_cutout_length (LW_DATASET_CIFAR100), ==, 16);
}

/* Statistics and default augmentation per kind (docs/method.md §6). */
static void
test_kind_defaults (Fixture *f, gconstpointer data)
{
  static const struct {
    LwDatasetKind kind;
    float mean[3], std[3];
    guint pad;
    gboolean flip;
    guint classes;
  } want[] = {
    { LW_DATASET_MNIST, { 0.1307f }, { 0.3081f }, 2, FALSE, 10 },
    { LW_DATASET_FASHION_MNIST, { 0.286f }, { 0.353f }, 2, TRUE, 10 },
    { LW_DATASET_KMNIST, { 0.1904f }, { 0.3475f }, 0, FALSE, 10 },
  };

  write_idx_dir (f->dir, 3, 2, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autoptr(LwDataset) ds = load_ok (want[i].kind, f->dir);

      g_assert_cmpint (ds->kind, ==, want[i].kind);
      g_assert_cmpstr (ds->name, ==, lw_dataset_kind_to_string (want[i].kind));
      g_assert_cmpstr (ds->source, ==, f->dir);
      g_assert_cmpuint (ds->n_classes, ==, want[i].classes);
      g_assert_cmpuint (ds->channels, ==, 1);
      g_assert_cmpfloat (ds->mean[0], ==, want[i].mean[0]);
      g_assert_cmpfloat (ds->std[0], ==, want[i].std[0]);
      g_assert_cmpuint (ds->augment.crop_pad, ==, want[i].pad);
      g_assert_cmpint (ds->augment.hflip, ==, want[i].flip);
      g_assert_cmpuint (ds->augment.cutout, ==, 0);
    }
}

/* ---- IDX --------------------------------------------------------------- */

static void
test_idx_raw (Fixture *f, gconstpointer data)
{
  g_autoptr(LwDataset) ds = NULL;

  write_idx_dir (f->dir, 5, 3, FALSE);
  ds = load_ok (LW_DATASET_MNIST, f->dir);
  check_idx_set (&ds->train, 5);
  check_idx_set (&ds->test, 3);
  g_assert_cmpuint (ds->height, ==, 28);
  g_assert_cmpuint (ds->width, ==, 28);
}

static void
test_idx_gz (Fixture *f, gconstpointer data)
{
  g_autoptr(LwDataset) ds = NULL;

  write_idx_dir (f->dir, 5, 3, TRUE);
  ds = load_ok (LW_DATASET_FASHION_MNIST, f->dir);
  check_idx_set (&ds->train, 5);
  check_idx_set (&ds->test, 3);
}

/* Raw and .gz files may be mixed in one folder. */
static void
test_idx_mixed (Fixture *f, gconstpointer data)
{
  g_autoptr(LwDataset) ds = NULL;

  g_free (write_array (f->dir, TRAIN_IMAGES, idx_images (4, 28, 28), TRUE));
  g_free (write_array (f->dir, TRAIN_LABELS, idx_labels (4), FALSE));
  g_free (write_array (f->dir, TEST_IMAGES, idx_images (2, 28, 28), FALSE));
  g_free (write_array (f->dir, TEST_LABELS, idx_labels (2), TRUE));
  ds = load_ok (LW_DATASET_KMNIST, f->dir);
  check_idx_set (&ds->train, 4);
  check_idx_set (&ds->test, 2);
}

static void
test_idx_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *images = g_build_filename (f->dir, TRAIN_IMAGES, NULL);
  g_autofree char *labels = g_build_filename (f->dir, TEST_LABELS, NULL);
  g_autofree char *nowhere = g_build_filename (f->dir, "nowhere", NULL);
  g_autofree char *nowhere_file = g_build_filename (nowhere, TRAIN_IMAGES, NULL);

  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_MISSING, images);
  expect_error (LW_DATASET_MNIST, nowhere, LW_DATASET_ERROR_MISSING, nowhere_file);

  /* Only one file of four missing. */
  write_idx_dir (f->dir, 3, 2, FALSE);
  g_assert_cmpint (g_remove (labels), ==, 0);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_MISSING, labels);
}

/* Works as root too, where permission bits would not stop a read. */
static void
test_idx_unreadable (Fixture *f, gconstpointer data)
{
  g_autofree char *images = g_build_filename (f->dir, TRAIN_IMAGES, NULL);

  write_idx_dir (f->dir, 3, 2, FALSE);
  g_assert_cmpint (g_remove (images), ==, 0);
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_MISSING, images);
}

static void
test_idx_wrong_magic (Fixture *f, gconstpointer data)
{
  GByteArray *a;
  g_autofree char *images = NULL;
  g_autofree char *labels = NULL;

  write_idx_dir (f->dir, 3, 2, FALSE);
  a = idx_images (3, 28, 28);
  put_be32 (a, 0, 0x801);
  images = write_array (f->dir, TRAIN_IMAGES, a, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, images);

  g_free (write_array (f->dir, TRAIN_IMAGES, idx_images (3, 28, 28), FALSE));
  a = idx_labels (3);
  put_be32 (a, 0, 0x12345678);
  labels = write_array (f->dir, TRAIN_LABELS, a, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, labels);
}

static void
test_idx_short (Fixture *f, gconstpointer data)
{
  GByteArray *a;
  g_autofree char *images = NULL;

  write_idx_dir (f->dir, 3, 2, FALSE);
  /* Empty file. */
  images = write_file (f->dir, TRAIN_IMAGES, (const guint8 *) "", 0, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, images);
  /* Header cut short. */
  a = idx_images (3, 28, 28);
  g_byte_array_set_size (a, 10);
  g_free (write_array (f->dir, TRAIN_IMAGES, a, FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, images);
  /* Data cut short: header says 3 images, file holds 2.5. */
  a = idx_images (3, 28, 28);
  g_byte_array_set_size (a, 16 + 784 * 2 + 392);
  g_free (write_array (f->dir, TRAIN_IMAGES, a, FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, images);
  /* Labels cut short. */
  g_free (write_array (f->dir, TRAIN_IMAGES, idx_images (3, 28, 28), FALSE));
  a = idx_labels (3);
  g_byte_array_set_size (a, 10);
  g_free (write_array (f->dir, TRAIN_LABELS, a, FALSE));
  {
    g_autofree char *labels = g_build_filename (f->dir, TRAIN_LABELS, NULL);
    expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, labels);
  }
}

static void
test_idx_extra (Fixture *f, gconstpointer data)
{
  GByteArray *a;
  g_autofree char *images = NULL;

  write_idx_dir (f->dir, 3, 2, FALSE);
  a = idx_images (3, 28, 28);
  put_be32 (a, 4, 2);   /* says 2, holds 3 */
  images = write_array (f->dir, TRAIN_IMAGES, a, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, images);
}

static void
test_idx_empty_count (Fixture *f, gconstpointer data)
{
  g_autofree char *images = NULL;
  g_autofree char *labels = NULL;

  write_idx_dir (f->dir, 3, 2, FALSE);
  images = write_array (f->dir, TEST_IMAGES, idx_images (0, 28, 28), FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, images);
  g_free (write_array (f->dir, TEST_IMAGES, idx_images (2, 28, 28), FALSE));
  labels = write_array (f->dir, TEST_LABELS, idx_labels (0), FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, labels);
}

static void
test_idx_absurd_dims (Fixture *f, gconstpointer data)
{
  static const guint32 dims[][3] = {
    { 3, 0, 28 }, { 3, 28, 0 }, { 3, 5000, 28 }, { 3, 28, 100000 },
    { 0xffffffffu, 4096, 4096 },   /* would be 2^56 bytes: must not be allocated */
    { 0x40000000u, 2048, 2048 },
  };
  g_autofree char *images = g_build_filename (f->dir, TRAIN_IMAGES, NULL);

  write_idx_dir (f->dir, 3, 2, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (dims); i++)
    {
      GByteArray *a = idx_images (3, 28, 28);
      put_be32 (a, 4, dims[i][0]);
      put_be32 (a, 8, dims[i][1]);
      put_be32 (a, 12, dims[i][2]);
      g_free (write_array (f->dir, TRAIN_IMAGES, a, FALSE));
      /* Zero or huge sides: format; a huge count: the file is too short. */
      expect_error (LW_DATASET_MNIST, f->dir,
                    dims[i][1] == 0 || dims[i][2] == 0 || dims[i][1] > 4096 || dims[i][2] > 4096
                    ? LW_DATASET_ERROR_FORMAT : LW_DATASET_ERROR_TRUNCATED, images);
    }
  /* Sane but not this dataset's size. */
  g_free (write_array (f->dir, TRAIN_IMAGES, idx_images (3, 32, 32), FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, images);
}

static void
test_idx_count_mismatch (Fixture *f, gconstpointer data)
{
  g_autofree char *images = g_build_filename (f->dir, TRAIN_IMAGES, NULL);
  g_autofree char *labels = NULL;
  GError *error = NULL;

  write_idx_dir (f->dir, 5, 2, FALSE);
  labels = write_array (f->dir, TRAIN_LABELS, idx_labels (4), FALSE);
  g_assert_null (lw_dataset_load (LW_DATASET_MNIST, f->dir, &error));
  g_assert_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, images));
  g_assert_nonnull (strstr (error->message, labels));
  g_error_free (error);
}

static void
test_idx_label_range (Fixture *f, gconstpointer data)
{
  GByteArray *a;
  g_autofree char *labels = NULL;

  write_idx_dir (f->dir, 5, 2, FALSE);
  a = idx_labels (2);
  a->data[8 + 1] = 10;
  labels = write_array (f->dir, TEST_LABELS, a, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_LABEL, labels);
}

/* ---- gzip -------------------------------------------------------------- */

static GBytes *
gz_of_images (guint n)
{
  GByteArray *a = idx_images (n, 28, 28);
  GBytes *z = gzip_bytes (a->data, a->len);

  g_byte_array_unref (a);
  return z;
}

static void
test_gz_truncated (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) z = gz_of_images (20);
  gsize len;
  const guint8 *d = g_bytes_get_data (z, &len);
  g_autofree char *path = NULL;

  write_idx_dir (f->dir, 3, 2, FALSE);
  remove_in (f->dir, TRAIN_IMAGES);
  /* Cut in the middle of the deflate data, then just before the trailer. */
  path = write_file (f->dir, TRAIN_IMAGES ".gz", d, len / 2, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, path);
  g_free (write_file (f->dir, TRAIN_IMAGES ".gz", d, len - 3, FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, path);
  g_free (write_file (f->dir, TRAIN_IMAGES ".gz", d, 5, FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, path);
}

static void
test_gz_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) z = gz_of_images (20);
  gsize len = g_bytes_get_size (z);
  g_autofree guint8 *d = g_memdup2 (g_bytes_get_data (z, NULL), len);
  g_autofree char *raw = g_build_filename (f->dir, TRAIN_IMAGES, NULL);
  g_autofree char *path = NULL;

  write_idx_dir (f->dir, 3, 2, FALSE);
  g_assert_cmpint (g_remove (raw), ==, 0);
  /* Damage the stored CRC: every byte decodes, the check fails. */
  d[len - 6] ^= 0xff;
  path = write_file (f->dir, TRAIN_IMAGES ".gz", d, len, FALSE);
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, path);
  /* Damage the deflate data. */
  d[len - 6] ^= 0xff;
  for (gsize i = 12; i < len - 8; i += 7)
    d[i] ^= 0x5a;
  g_free (write_file (f->dir, TRAIN_IMAGES ".gz", d, len, FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_TRUNCATED, path);
  /* A .gz name holding something else. */
  g_free (write_file (f->dir, TRAIN_IMAGES ".gz", (const guint8 *) "hello, world", 12, FALSE));
  expect_error (LW_DATASET_MNIST, f->dir, LW_DATASET_ERROR_FORMAT, path);
}

/* Concatenated gzip members are one valid gzip file. */
static void
test_gz_multi_member (Fixture *f, gconstpointer data)
{
  GByteArray *a = idx_images (4, 28, 28);
  g_autoptr(GBytes) z1 = gzip_bytes (a->data, 1000);
  g_autoptr(GBytes) z2 = gzip_bytes (a->data + 1000, a->len - 1000);
  GByteArray *both = g_byte_array_new ();
  g_autoptr(LwDataset) ds = NULL;

  g_byte_array_append (both, g_bytes_get_data (z1, NULL), g_bytes_get_size (z1));
  g_byte_array_append (both, g_bytes_get_data (z2, NULL), g_bytes_get_size (z2));
  g_byte_array_unref (a);
  write_idx_dir (f->dir, 4, 2, FALSE);
  remove_in (f->dir, TRAIN_IMAGES);
  g_free (write_array (f->dir, TRAIN_IMAGES ".gz", both, FALSE));
  ds = load_ok (LW_DATASET_MNIST, f->dir);
  check_idx_set (&ds->train, 4);
}

/* The output cap holds whatever the data or its trailer claims. */
static void
test_gz_bomb (void)
{
  gsize n = 4 << 20, out_len = 0;
  g_autofree guint8 *zeros = g_malloc0 (n);
  g_autoptr(GBytes) z = gzip_bytes (zeros, n);
  gsize len;
  const guint8 *d = g_bytes_get_data (z, &len);
  GError *error = NULL;
  guint8 *out;

  out = lw_data_gunzip ("bomb.gz", d, len, 1 << 20, &out_len, &error);
  g_assert_null (out);
  g_assert_error (error, LW_DATASET_ERROR, LW_DATASET_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "bomb.gz"));
  g_clear_error (&error);

  /* Exactly at the cap is fine. */
  out = lw_data_gunzip ("ok.gz", d, len, n, &out_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out_len, ==, n);
  g_assert_true (memcmp (out, zeros, n) == 0);
  g_free (out);
}

/* ---- CIFAR ------------------------------------------------------------- */

static guint8
cifar_label (guint file, guint i, guint n_classes)
{
  return (guint8) ((file * 7 + i * 3) % n_classes);
}

/* n records; for CIFAR-100 the coarse byte is deliberately not the label. */
static GByteArray *
cifar_file (guint file, guint n, gboolean is_100)
{
  GByteArray *a = g_byte_array_new ();
  gsize rec = is_100 ? 3074 : 3073;

  g_byte_array_set_size (a, n * rec);
  for (guint i = 0; i < n; i++)
    {
      guint8 *r = a->data + i * rec;
      if (is_100)
        *r++ = 19 - (i % 20);
      *r++ = cifar_label (file, i, is_100 ? 100 : 10);
      for (gsize k = 0; k < 3072; k++)
        r[k] = pix (file * 100 + i, k);
    }
  return a;
}

static void
write_cifar10 (const char *dir, guint per_file)
{
  for (guint b = 1; b <= 5; b++)
    {
      g_autofree char *name = g_strdup_printf ("data_batch_%u.bin", b);
      g_free (write_array (dir, name, cifar_file (b, per_file, FALSE), FALSE));
    }
  g_free (write_array (dir, "test_batch.bin", cifar_file (0, 3, FALSE), FALSE));
}

static void
write_cifar100 (const char *dir)
{
  g_free (write_array (dir, "train.bin", cifar_file (1, 4, TRUE), FALSE));
  g_free (write_array (dir, "test.bin", cifar_file (0, 3, TRUE), FALSE));
}

static void
check_cifar_set (const LwImageSet *set, const guint *files, guint n_files,
                 guint per_file, guint n_classes)
{
  g_assert_cmpuint (set->n, ==, n_files * per_file);
  g_assert_cmpuint (set->channels, ==, 3);
  g_assert_cmpuint (set->height, ==, 32);
  g_assert_cmpuint (set->width, ==, 32);
  for (guint f = 0; f < n_files; f++)
    for (guint i = 0; i < per_file; i++)
      {
        guint s = f * per_file + i;
        g_assert_cmpuint (set->labels[s], ==, cifar_label (files[f], i, n_classes));
        for (gsize k = 0; k < 3072; k++)
          g_assert_cmpuint (set->pixels[s * 3072 + k], ==, pix (files[f] * 100 + i, k));
      }
}

static void
test_cifar10 (Fixture *f, gconstpointer data)
{
  static const guint train_files[] = { 1, 2, 3, 4, 5 }, test_files[] = { 0 };
  g_autoptr(LwDataset) ds = NULL;

  write_cifar10 (f->dir, 2);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  check_cifar_set (&ds->train, train_files, 5, 2, 10);
  check_cifar_set (&ds->test, test_files, 1, 3, 10);
  g_assert_cmpuint (ds->n_classes, ==, 10);
  g_assert_cmpuint (ds->channels, ==, 3);
  g_assert_cmpstr (ds->source, ==, f->dir);
  g_assert_cmpfloat (ds->mean[0], ==, 0.424f);
  g_assert_cmpfloat (ds->mean[2], ==, 0.384f);
  g_assert_cmpfloat (ds->std[1], ==, 0.278f);
  g_assert_cmpuint (ds->augment.crop_pad, ==, 4);
  g_assert_true (ds->augment.hflip);
  g_assert_cmpuint (ds->augment.cutout, ==, 0);
}

static void
test_cifar10_folder_above (Fixture *f, gconstpointer data)
{
  static const guint train_files[] = { 1, 2, 3, 4, 5 };
  g_autofree char *inner = g_build_filename (f->dir, "cifar-10-batches-bin", NULL);
  g_autoptr(LwDataset) ds = NULL;

  g_assert_cmpint (g_mkdir (inner, 0755), ==, 0);
  write_cifar10 (inner, 1);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  check_cifar_set (&ds->train, train_files, 5, 1, 10);
  g_assert_cmpstr (ds->source, ==, inner);
}

static void
test_cifar100 (Fixture *f, gconstpointer data)
{
  static const guint train_files[] = { 1 }, test_files[] = { 0 };
  g_autofree char *inner = g_build_filename (f->dir, "cifar-100-binary", NULL);
  g_autoptr(LwDataset) ds = NULL;
  g_autoptr(LwDataset) above = NULL;

  write_cifar100 (f->dir);
  ds = load_ok (LW_DATASET_CIFAR100, f->dir);
  check_cifar_set (&ds->train, train_files, 1, 4, 100);
  check_cifar_set (&ds->test, test_files, 1, 3, 100);
  g_assert_cmpuint (ds->n_classes, ==, 100);
  g_assert_cmpfloat (ds->mean[1], ==, 0.418f);
  g_assert_cmpfloat (ds->std[2], ==, 0.294f);

  g_assert_cmpint (g_mkdir (inner, 0755), ==, 0);
  write_cifar100 (inner);
  remove_in (f->dir, "train.bin");
  above = load_ok (LW_DATASET_CIFAR100, f->dir);
  g_assert_cmpstr (above->source, ==, inner);
  check_cifar_set (&above->train, train_files, 1, 4, 100);
}

static void
test_cifar_bad (Fixture *f, gconstpointer data)
{
  g_autofree char *batch3 = g_build_filename (f->dir, "data_batch_3.bin", NULL);
  g_autofree char *test = g_build_filename (f->dir, "test_batch.bin", NULL);
  g_autofree char *first = g_build_filename (f->dir, "data_batch_1.bin", NULL);
  g_autofree char *train100 = g_build_filename (f->dir, "train.bin", NULL);
  GByteArray *a;

  /* Nothing there. */
  expect_error (LW_DATASET_CIFAR10, f->dir, LW_DATASET_ERROR_MISSING, first);
  expect_error (LW_DATASET_CIFAR100, f->dir, LW_DATASET_ERROR_MISSING, train100);

  write_cifar10 (f->dir, 2);
  /* Not a whole number of records. */
  a = cifar_file (3, 2, FALSE);
  g_byte_array_set_size (a, a->len - 100);
  g_free (write_array (f->dir, "data_batch_3.bin", a, FALSE));
  expect_error (LW_DATASET_CIFAR10, f->dir, LW_DATASET_ERROR_TRUNCATED, batch3);
  /* Empty. */
  g_free (write_file (f->dir, "data_batch_3.bin", (const guint8 *) "", 0, FALSE));
  expect_error (LW_DATASET_CIFAR10, f->dir, LW_DATASET_ERROR_TRUNCATED, batch3);
  /* Label out of range. */
  a = cifar_file (3, 2, FALSE);
  a->data[3073] = 10;
  g_free (write_array (f->dir, "data_batch_3.bin", a, FALSE));
  expect_error (LW_DATASET_CIFAR10, f->dir, LW_DATASET_ERROR_LABEL, batch3);
  /* Test file missing. */
  g_free (write_array (f->dir, "data_batch_3.bin", cifar_file (3, 2, FALSE), FALSE));
  g_assert_cmpint (g_remove (test), ==, 0);
  expect_error (LW_DATASET_CIFAR10, f->dir, LW_DATASET_ERROR_MISSING, test);

  /* CIFAR-100: fine label 100 is out of range; a coarse byte is not checked as fine. */
  write_cifar100 (f->dir);
  a = cifar_file (1, 4, TRUE);
  a->data[3074 * 2 + 1] = 100;
  g_free (write_array (f->dir, "train.bin", a, FALSE));
  expect_error (LW_DATASET_CIFAR100, f->dir, LW_DATASET_ERROR_LABEL, train100);
  /* A CIFAR-10 sized file is not CIFAR-100 (3073 * 4 is not a multiple of 3074). */
  g_free (write_array (f->dir, "train.bin", cifar_file (1, 4, FALSE), FALSE));
  expect_error (LW_DATASET_CIFAR100, f->dir, LW_DATASET_ERROR_TRUNCATED, train100);
}

/* ---- class names ------------------------------------------------------- */

/* NULL-terminated, for g_strjoinv. */
static const char *const cifar10_names[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", NULL,
};

static void
write_text (const char *dir, const char *name, const char *text, gboolean gz)
{
  g_free (write_file (dir, name, (const guint8 *) text, strlen (text), gz));
}

static void
assert_names (const LwDataset *ds, const char *const *want, guint n)
{
  g_assert_nonnull (ds->class_names);
  g_assert_cmpuint (g_strv_length (ds->class_names), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (ds->class_names[i], ==, want[i]);
}

/* CIFAR-10's names come from batches.meta.txt beside the .bin files (the
 * official file ends in a blank line), raw or gzipped, with CR LF too;
 * without it, or with a line missing, the classes stay numbers. */
static void
test_cifar10_names (Fixture *f, gconstpointer data)
{
  g_autofree char *joined = g_strjoinv ("\n", (char **) cifar10_names);
  g_autofree char *meta = g_strconcat (joined, "\n\n", NULL);
  g_autofree char *crlf = g_strjoinv ("\r\n", (char **) cifar10_names);
  g_autofree char *nine = g_strjoinv ("\n", (char **) cifar10_names + 1);
  g_autofree char *inner = g_build_filename (f->dir, "cifar-10-batches-bin", NULL);
  LwDataset *ds;

  write_cifar10 (f->dir, 1);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  g_assert_null (ds->class_names);
  lw_dataset_free (ds);

  write_text (f->dir, "batches.meta.txt", meta, FALSE);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  assert_names (ds, cifar10_names, 10);
  lw_dataset_free (ds);

  write_text (f->dir, "batches.meta.txt", crlf, FALSE);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  assert_names (ds, cifar10_names, 10);
  lw_dataset_free (ds);

  write_text (f->dir, "batches.meta.txt", nine, FALSE);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  g_assert_null (ds->class_names);
  lw_dataset_free (ds);

  /* Not UTF-8: numbers, not mojibake. */
  write_text (f->dir, "batches.meta.txt", "a\n\xff\nc\nd\ne\nf\ng\nh\ni\nj\n", FALSE);
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  g_assert_null (ds->class_names);
  lw_dataset_free (ds);

  /* In the archive's folder, gzipped. */
  g_assert_cmpint (g_mkdir (inner, 0755), ==, 0);
  write_cifar10 (inner, 1);
  write_text (inner, "batches.meta.txt", meta, TRUE);
  remove_in (f->dir, "data_batch_1.bin");
  ds = load_ok (LW_DATASET_CIFAR10, f->dir);
  g_assert_cmpstr (ds->source, ==, inner);
  assert_names (ds, cifar10_names, 10);
  lw_dataset_free (ds);
}

/* CIFAR-100's binary version names its fine classes in
 * fine_label_names.txt; the coarse names are not the labels'. A name
 * longer than LW_CLASS_NAME_MAX characters is cut there. */
static void
test_cifar100_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *long_name = g_strnfill (100, 'x');
  char *want[100];
  LwDataset *ds;

  write_cifar100 (f->dir);
  write_text (f->dir, "coarse_label_names.txt", "aquatic_mammals\nfish\n", FALSE);
  ds = load_ok (LW_DATASET_CIFAR100, f->dir);
  g_assert_null (ds->class_names);
  lw_dataset_free (ds);

  for (guint i = 0; i < 100; i++)
    {
      want[i] = i == 42 ? g_strnfill (64, 'x') : g_strdup_printf ("class_%u", i);
      g_string_append_printf (text, "%s\n", i == 42 ? long_name : want[i]);
    }
  write_text (f->dir, "fine_label_names.txt", text->str, FALSE);
  ds = load_ok (LW_DATASET_CIFAR100, f->dir);
  assert_names (ds, (const char *const *) want, 100);
  lw_dataset_free (ds);
  for (guint i = 0; i < 100; i++)
    g_free (want[i]);
}

/* Fashion-MNIST's names are built in (English without a translation);
 * MNIST's digits have none. */
static void
test_fashion_names (Fixture *f, gconstpointer data)
{
  static const char *const want[] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  };
  g_autoptr(LwDataset) fashion = NULL;
  g_autoptr(LwDataset) mnist = NULL;

  write_idx_dir (f->dir, 5, 3, FALSE);
  fashion = load_ok (LW_DATASET_FASHION_MNIST, f->dir);
  assert_names (fashion, want, 10);
  mnist = load_ok (LW_DATASET_MNIST, f->dir);
  g_assert_null (mnist->class_names);
}

/* ---- embedded subset --------------------------------------------------- */

static void
test_embedded (void)
{
  g_autoptr(LwDataset) ds = load_ok (LW_DATASET_MNIST_SUBSET, NULL);
  guint counts[10] = { 0 };
  guint64 sum = 0;
  guint8 lo = 255, hi = 0;

  g_assert_cmpuint (ds->kind, ==, LW_DATASET_MNIST_SUBSET);
  g_assert_cmpstr (ds->name, ==, "mnist-subset");
  g_assert_cmpstr (ds->source, ==, "embedded");
  g_assert_cmpuint (ds->n_classes, ==, 10);
  g_assert_cmpuint (ds->channels, ==, 1);
  g_assert_cmpuint (ds->height, ==, 28);
  g_assert_cmpuint (ds->width, ==, 28);
  g_assert_cmpuint (ds->train.n, ==, 30000);
  g_assert_cmpuint (ds->test.n, ==, 2000);
  g_assert_cmpuint (ds->train.height, ==, 28);
  g_assert_cmpfloat (ds->mean[0], ==, 0.1307f);
  g_assert_cmpfloat (ds->std[0], ==, 0.3081f);
  g_assert_cmpuint (ds->augment.crop_pad, ==, 2);
  g_assert_false (ds->augment.hflip);
  g_assert_cmpuint (ds->augment.cutout, ==, 0);

  /* The first MNIST training digit is a 5, the first test digit a 7. */
  g_assert_cmpuint (ds->train.labels[0], ==, 5);
  g_assert_cmpuint (ds->test.labels[0], ==, 7);
  for (guint i = 0; i < ds->train.n; i++)
    counts[ds->train.labels[i]]++;
  for (guint c = 0; c < 10; c++)
    g_assert_cmpuint (counts[c], >, 800);
  for (gsize k = 0; k < (gsize) ds->train.n * 784; k++)
    {
      guint8 p = ds->train.pixels[k];
      sum += p;
      lo = MIN (lo, p);
      hi = MAX (hi, p);
    }
  /* MNIST's mean ink is 0.1307 of full scale. */
  g_assert_cmpfloat_with_epsilon (sum / (ds->train.n * 784.0) / 255.0, 0.1307, 0.01);
  g_assert_cmpuint (lo, ==, 0);
  g_assert_cmpuint (hi, ==, 255);
  /* Corners of a digit image are background. */
  g_assert_cmpuint (ds->test.pixels[0], ==, 0);
  g_assert_cmpuint (ds->test.pixels[783], ==, 0);
  g_assert_null (lw_dataset_find_dir (LW_DATASET_MNIST_SUBSET));
}

/* ---- batches and augmentation ------------------------------------------ */

/* n images of channels x side x side built in memory, no pixel 0. */
static LwDataset *
memory_dataset (guint n, guint channels, guint side)
{
  LwDataset *ds = g_new0 (LwDataset, 1);
  gsize sample = (gsize) channels * side * side;

  ds->kind = channels == 1 ? LW_DATASET_MNIST : LW_DATASET_CIFAR10;
  ds->name = g_strdup ("memory");
  ds->source = g_strdup ("memory");
  ds->n_classes = 10;
  ds->channels = channels;
  ds->height = ds->width = side;
  for (guint c = 0; c < 3; c++)
    {
      ds->mean[c] = 0.1f + 0.2f * c;
      ds->std[c] = 0.3f + 0.05f * c;
    }
  ds->train.n = n;
  ds->train.channels = channels;
  ds->train.height = ds->train.width = side;
  ds->train.pixels = g_malloc (n * sample);
  ds->train.labels = g_malloc (n);
  for (guint i = 0; i < n; i++)
    {
      ds->train.labels[i] = i % 10;
      for (gsize k = 0; k < sample; k++)
        ds->train.pixels[i * sample + k] = 1 + (pix (i, k) % 254);   /* never 0 */
    }
  return ds;
}

static float
norm (const LwDataset *ds, guint c, guint8 p)
{
  return ((float) p / 255.0f - ds->mean[c]) / ds->std[c];
}

static void
test_batch_plain (void)
{
  g_autoptr(LwDataset) ds = memory_dataset (6, 3, 8);
  const guint32 idx[] = { 4, 0, 5 };
  const gsize sample = 3 * 64;
  float x[3 * 3 * 64 + 1];
  guint8 y[3];

  x[3 * sample] = 12345.0f;   /* guard: nothing written past the batch */
  lw_dataset_fill_batch (ds, &ds->train, idx, 3, NULL, NULL, x, y);
  g_assert_cmpfloat (x[3 * sample], ==, 12345.0f);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (y[i], ==, idx[i] % 10);
      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 64; k++)
          {
            guint8 p = ds->train.pixels[idx[i] * sample + c * 64 + k];
            g_assert_cmpfloat_with_epsilon (x[i * sample + c * 64 + k],
                                            (p / 255.0f - ds->mean[c]) / ds->std[c], 1e-6);
          }
    }
}

/* A known pixel of the embedded subset, through the real statistics. */
static void
test_batch_known_pixel (void)
{
  g_autoptr(LwDataset) ds = load_ok (LW_DATASET_MNIST_SUBSET, NULL);
  const guint32 idx[] = { 0 };
  float x[784];
  guint8 y[1];
  gsize k;

  lw_dataset_fill_batch (ds, &ds->test, idx, 1, NULL, NULL, x, y);
  g_assert_cmpuint (y[0], ==, 7);
  g_assert_cmpfloat_with_epsilon (x[0], -0.1307f / 0.3081f, 1e-6);
  for (k = 0; k < 784 && ds->test.pixels[k] != 255; k++)
    ;
  if (k < 784)
    g_assert_cmpfloat_with_epsilon (x[k], (1.0f - 0.1307f) / 0.3081f, 1e-6);
}

/* Each output must be the source shifted by (dy, dx) in [-pad, pad], with
 * raw 0 (normalised) where the shift runs off the image. */
static gboolean
matches_shift (const LwDataset *ds, const guint8 *src, const float *out, guint side,
               guint channels, int dy, int dx, gboolean flip)
{
  for (guint c = 0; c < channels; c++)
    for (guint yy = 0; yy < side; yy++)
      for (guint xx = 0; xx < side; xx++)
        {
          int sy = (int) yy + dy;
          int sx = (int) (flip ? side - 1 - xx : xx) + dx;
          guint8 p = (sy < 0 || sx < 0 || sy >= (int) side || sx >= (int) side)
                     ? 0 : src[(c * side + sy) * side + sx];
          if (fabsf (out[(c * side + yy) * side + xx] - norm (ds, c, p)) > 1e-6f)
            return FALSE;
        }
  return TRUE;
}

static void
test_augment_crop (void)
{
  g_autoptr(LwDataset) ds = memory_dataset (1, 1, 28);
  const LwAugment aug = { 2, FALSE, 0 };
  const guint32 idx[] = { 0 };
  gboolean seen[5][5] = { { FALSE } };
  float x[784 + 1];
  guint8 y[1];
  LwRng rng;

  lw_rng_init (&rng, 7, 0);
  for (guint t = 0; t < 200; t++)
    {
      gboolean found = FALSE;

      x[784] = -999.0f;
      lw_dataset_fill_batch (ds, &ds->train, idx, 1, &aug, &rng, x, y);
      g_assert_cmpfloat (x[784], ==, -999.0f);
      for (int dy = -2; dy <= 2 && !found; dy++)
        for (int dx = -2; dx <= 2 && !found; dx++)
          if (matches_shift (ds, ds->train.pixels, x, 28, 1, dy, dx, FALSE))
            {
              seen[dy + 2][dx + 2] = TRUE;
              found = TRUE;
            }
      g_assert_true (found);
    }
  /* All 25 offsets turn up in 200 draws, the far corners included. */
  for (guint i = 0; i < 5; i++)
    for (guint j = 0; j < 5; j++)
      g_assert_true (seen[i][j]);
}

static void
test_augment_flip (void)
{
  g_autoptr(LwDataset) ds = memory_dataset (1, 3, 32);
  const LwAugment aug = { 0, TRUE, 0 };
  const guint32 idx[] = { 0 };
  guint n_flip = 0, n_same = 0;
  float x[3072];
  guint8 y[1];
  LwRng rng;

  lw_rng_init (&rng, 3, 0);
  for (guint t = 0; t < 100; t++)
    {
      lw_dataset_fill_batch (ds, &ds->train, idx, 1, &aug, &rng, x, y);
      if (matches_shift (ds, ds->train.pixels, x, 32, 3, 0, 0, FALSE))
        n_same++;
      else if (matches_shift (ds, ds->train.pixels, x, 32, 3, 0, 0, TRUE))
        n_flip++;
      else
        g_assert_not_reached ();
    }
  g_assert_cmpuint (n_flip, >, 25);
  g_assert_cmpuint (n_same, >, 25);
}

static void
test_augment_crop_flip (void)
{
  g_autoptr(LwDataset) ds = memory_dataset (1, 3, 32);
  const LwAugment aug = { 4, TRUE, 0 };
  const guint32 idx[] = { 0 };
  float x[3072];
  guint8 y[1];
  LwRng rng;

  lw_rng_init (&rng, 11, 0);
  for (guint t = 0; t < 30; t++)
    {
      gboolean found = FALSE;

      lw_dataset_fill_batch (ds, &ds->train, idx, 1, &aug, &rng, x, y);
      for (int dy = -4; dy <= 4 && !found; dy++)
        for (int dx = -4; dx <= 4 && !found; dx++)
          found = matches_shift (ds, ds->train.pixels, x, 32, 3, dy, dx, FALSE)
                  || matches_shift (ds, ds->train.pixels, x, 32, 3, dy, dx, TRUE);
      g_assert_true (found);
    }
}

static void
test_augment_cutout (void)
{
  g_autoptr(LwDataset) ds = memory_dataset (1, 3, 32);
  const LwAugment aug = { 0, FALSE, 16 };
  const guint32 idx[] = { 0 };
  gboolean full = FALSE, clipped = FALSE;
  float x[3072];
  guint8 y[1];
  LwRng rng;

  lw_rng_init (&rng, 5, 0);
  for (guint t = 0; t < 100; t++)
    {
      guint y0 = 32, y1 = 0, x0 = 32, x1 = 0, zeros = 0;

      lw_dataset_fill_batch (ds, &ds->train, idx, 1, &aug, &rng, x, y);
      /* Pixels are never 0, so only the hole is exactly 0. */
      for (guint yy = 0; yy < 32; yy++)
        for (guint xx = 0; xx < 32; xx++)
          {
            gboolean hole = x[yy * 32 + xx] == 0.0f;
            for (guint c = 0; c < 3; c++)
              {
                float v = x[(c * 32 + yy) * 32 + xx];
                if (hole)
                  g_assert_cmpfloat (v, ==, 0.0f);
                else
                  g_assert_cmpfloat_with_epsilon (v, norm (ds, c, ds->train.pixels[(c * 32 + yy) * 32 + xx]), 1e-6);
              }
            if (hole)
              {
                zeros++;
                y0 = MIN (y0, yy); y1 = MAX (y1, yy + 1);
                x0 = MIN (x0, xx); x1 = MAX (x1, xx + 1);
              }
          }
      /* One axis-aligned rectangle, at most 16x16. */
      g_assert_cmpuint (zeros, >, 0);
      g_assert_cmpuint (zeros, ==, (y1 - y0) * (x1 - x0));
      g_assert_cmpuint (y1 - y0, <=, 16);
      g_assert_cmpuint (x1 - x0, <=, 16);
      if (y1 - y0 == 16 && x1 - x0 == 16)
        full = TRUE;
      else
        clipped = TRUE;
    }
  g_assert_true (full);
  g_assert_true (clipped);
}

static void
test_augment_deterministic (void)
{
  g_autoptr(LwDataset) ds = memory_dataset (8, 3, 32);
  const LwAugment aug = { 4, TRUE, 16 };
  const guint32 idx[] = { 7, 1, 3, 3, 0 };
  g_autofree float *a = g_new (float, 5 * 3072);
  g_autofree float *b = g_new (float, 5 * 3072);
  guint8 ya[5], yb[5];
  LwRng r1, r2;

  lw_rng_init (&r1, 42, 1);
  lw_rng_init (&r2, 42, 1);
  for (guint step = 0; step < 3; step++)
    {
      lw_dataset_fill_batch (ds, &ds->train, idx, 5, &aug, &r1, a, ya);
      lw_dataset_fill_batch (ds, &ds->train, idx, 5, &aug, &r2, b, yb);
      g_assert_true (memcmp (a, b, 5 * 3072 * sizeof (float)) == 0);
      g_assert_true (memcmp (ya, yb, 5) == 0);
      g_assert_true (memcmp (&r1, &r2, sizeof r1) == 0);
    }
  lw_rng_init (&r2, 43, 1);
  lw_dataset_fill_batch (ds, &ds->train, idx, 5, &aug, &r2, b, yb);
  g_assert_false (memcmp (a, b, 5 * 3072 * sizeof (float)) == 0);

  /* No augmentation: the rng is left alone. */
  lw_rng_init (&r1, 42, 1);
  r2 = r1;
  lw_dataset_fill_batch (ds, &ds->train, idx, 5, NULL, &r1, a, ya);
  g_assert_true (memcmp (&r1, &r2, sizeof r1) == 0);
}

static void
test_limit_train (Fixture *f, gconstpointer data)
{
  g_autoptr(LwDataset) ds = NULL;

  write_idx_dir (f->dir, 10, 4, FALSE);
  ds = load_ok (LW_DATASET_MNIST, f->dir);
  lw_dataset_limit_train (ds, 0);
  g_assert_cmpuint (ds->train.n, ==, 10);
  lw_dataset_limit_train (ds, 25);
  g_assert_cmpuint (ds->train.n, ==, 10);
  lw_dataset_limit_train (ds, 6);
  check_idx_set (&ds->train, 6);
  check_idx_set (&ds->test, 4);
  lw_dataset_limit_train (ds, 2);
  check_idx_set (&ds->train, 2);
}

/* ---- discovery --------------------------------------------------------- */

/* G_TEST_OPTION_ISOLATE_DIRS gives each test its own empty XDG folders. */
static void
test_discover_user_dir (void)
{
  g_autofree char *mnist = g_build_filename (g_get_user_data_dir (), "layerwise",
                                             "datasets", "mnist", NULL);
  g_autofree char *kmnist = g_build_filename (g_get_user_data_dir (), "layerwise",
                                              "datasets", "kmnist", NULL);
  g_autofree char *cifar = g_build_filename (g_get_user_data_dir (), "layerwise",
                                             "datasets", "cifar10", NULL);
  g_autofree char *cifar_inner = g_build_filename (cifar, "cifar-10-batches-bin", NULL);
  g_autofree char *found = NULL;
  g_autofree char *found_cifar = NULL;
  g_autoptr(LwDataset) ds = NULL;

  g_assert_null (lw_dataset_find_dir (LW_DATASET_MNIST));
  expect_error (LW_DATASET_MNIST, NULL, LW_DATASET_ERROR_MISSING, mnist);

  g_assert_cmpint (g_mkdir_with_parents (mnist, 0755), ==, 0);
  write_idx_dir (mnist, 3, 2, TRUE);
  found = lw_dataset_find_dir (LW_DATASET_MNIST);
  g_assert_cmpstr (found, ==, mnist);
  ds = load_ok (LW_DATASET_MNIST, NULL);
  g_assert_cmpstr (ds->source, ==, mnist);
  check_idx_set (&ds->train, 3);

  /* An empty folder does not count. */
  g_assert_cmpint (g_mkdir_with_parents (kmnist, 0755), ==, 0);
  g_assert_null (lw_dataset_find_dir (LW_DATASET_KMNIST));
  expect_error (LW_DATASET_KMNIST, NULL, LW_DATASET_ERROR_MISSING, kmnist);

  /* CIFAR may sit one folder down, as the archive unpacks. */
  g_assert_cmpint (g_mkdir_with_parents (cifar_inner, 0755), ==, 0);
  write_cifar10 (cifar_inner, 1);
  found_cifar = lw_dataset_find_dir (LW_DATASET_CIFAR10);
  g_assert_cmpstr (found_cifar, ==, cifar);
  g_clear_pointer (&ds, lw_dataset_free);
  ds = load_ok (LW_DATASET_CIFAR10, NULL);
  g_assert_cmpstr (ds->source, ==, cifar_inner);
}

static void
test_discover_system_dir (void)
{
  const char *const *system = g_get_system_data_dirs ();
  g_autofree char *dir = NULL;
  g_autofree char *found = NULL;

  g_assert_nonnull (system[0]);
  dir = g_build_filename (system[0], "layerwise", "datasets", "kmnist", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_idx_dir (dir, 3, 2, FALSE);
  found = lw_dataset_find_dir (LW_DATASET_KMNIST);
  g_assert_cmpstr (found, ==, dir);
}

static void
test_fashion_debian (void)
{
  g_autoptr(LwDataset) ds = NULL;
  GError *error = NULL;

  if (!g_file_test ("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                    G_FILE_TEST_EXISTS))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  ds = lw_dataset_load (LW_DATASET_FASHION_MNIST, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds->source, ==, "/usr/share/datasets/fashion-mnist");
  g_assert_cmpuint (ds->train.n, ==, 60000);
  g_assert_cmpuint (ds->test.n, ==, 10000);
  g_assert_cmpuint (ds->n_classes, ==, 10);
  g_assert_cmpfloat (ds->mean[0], ==, 0.286f);
  g_assert_true (ds->augment.hflip);
  g_assert_nonnull (ds->class_names);
  g_assert_cmpstr (ds->class_names[9], ==, "Ankle boot");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD_F(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  g_test_add_func ("/data/kind/strings", test_kind_strings);
  ADD_F ("/data/kind/defaults", test_kind_defaults);

  ADD_F ("/data/idx/raw", test_idx_raw);
  ADD_F ("/data/idx/gz", test_idx_gz);
  ADD_F ("/data/idx/mixed-raw-gz", test_idx_mixed);
  ADD_F ("/data/idx/missing", test_idx_missing);
  ADD_F ("/data/idx/unreadable", test_idx_unreadable);
  ADD_F ("/data/idx/wrong-magic", test_idx_wrong_magic);
  ADD_F ("/data/idx/short", test_idx_short);
  ADD_F ("/data/idx/extra-data", test_idx_extra);
  ADD_F ("/data/idx/empty-count", test_idx_empty_count);
  ADD_F ("/data/idx/absurd-dims", test_idx_absurd_dims);
  ADD_F ("/data/idx/count-mismatch", test_idx_count_mismatch);
  ADD_F ("/data/idx/label-range", test_idx_label_range);

  ADD_F ("/data/gz/truncated", test_gz_truncated);
  ADD_F ("/data/gz/corrupt", test_gz_corrupt);
  ADD_F ("/data/gz/multi-member", test_gz_multi_member);
  g_test_add_func ("/data/gz/bomb", test_gz_bomb);

  ADD_F ("/data/cifar10/load", test_cifar10);
  ADD_F ("/data/cifar10/folder-above", test_cifar10_folder_above);
  ADD_F ("/data/cifar100/load", test_cifar100);
  ADD_F ("/data/cifar/bad", test_cifar_bad);
  ADD_F ("/data/cifar10/class-names", test_cifar10_names);
  ADD_F ("/data/cifar100/class-names", test_cifar100_names);
  ADD_F ("/data/fashion-mnist/class-names", test_fashion_names);

  g_test_add_func ("/data/embedded/subset", test_embedded);

  g_test_add_func ("/data/batch/plain", test_batch_plain);
  g_test_add_func ("/data/batch/known-pixel", test_batch_known_pixel);
  g_test_add_func ("/data/augment/crop", test_augment_crop);
  g_test_add_func ("/data/augment/flip", test_augment_flip);
  g_test_add_func ("/data/augment/crop-flip", test_augment_crop_flip);
  g_test_add_func ("/data/augment/cutout", test_augment_cutout);
  g_test_add_func ("/data/augment/deterministic", test_augment_deterministic);
  ADD_F ("/data/dataset/limit-train", test_limit_train);

  g_test_add_func ("/data/discover/user-dir", test_discover_user_dir);
  g_test_add_func ("/data/discover/system-dir", test_discover_system_dir);
  g_test_add_func ("/data/discover/fashion-debian", test_fashion_debian);
#undef ADD_F

  return g_test_run ();
}
