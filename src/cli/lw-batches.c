/* lw-batches.c: a sampler and two random streams over a loaded dataset. */
#include "lw-batches.h"

#include "data/lw-sampler.h"

/* Separate streams, so turning augmentation off keeps the sample order. */
enum {
  STREAM_SHUFFLE = 1,
  STREAM_AUGMENT = 2,
};

struct _LwBatches {
  const LwDataset *ds;
  guint batch_size;
  LwSampler *sampler;
  guint32 *test_index;          /* 0 .. n_test-1 */
  LwAugment augment;
  gboolean use_augment;
  LwRng shuffle_rng, augment_rng;
};

LwBatches *
lw_batches_new (const LwCliOptions *opts, const LwDataset *ds)
{
  const LwImageSet *train = &ds->train;
  LwBatches *b;

  g_return_val_if_fail (train->n > 0 && ds->test.n > 0, NULL);

  b = g_new0 (LwBatches, 1);
  b->ds = ds;
  b->batch_size = opts->batch_size;
  b->sampler = lw_sampler_new (train->labels, train->n, ds->n_classes, opts->batch_size,
                               opts->classes_per_batch, opts->classes_per_batch_until_epoch);
  b->test_index = g_new (guint32, ds->test.n);
  for (guint i = 0; i < ds->test.n; i++)
    b->test_index[i] = i;

  b->augment = ds->augment;
  if (opts->no_augment)
    {
      b->augment.crop_pad = 0;
      b->augment.hflip = FALSE;
    }
  if (opts->cutout > 0)
    b->augment.cutout = opts->cutout;
  b->use_augment = b->augment.crop_pad > 0 || b->augment.hflip || b->augment.cutout > 0;
  lw_rng_init (&b->shuffle_rng, lw_cli_options_data_seed (opts), STREAM_SHUFFLE);
  lw_rng_init (&b->augment_rng, lw_cli_options_data_seed (opts), STREAM_AUGMENT);
  return b;
}

void
lw_batches_free (LwBatches *b)
{
  if (b == NULL)
    return;
  lw_sampler_free (b->sampler);
  g_free (b->test_index);
  g_free (b);
}

guint
lw_batches_n_train (const LwBatches *b)
{
  return lw_sampler_n_batches (b->sampler);
}

guint
lw_batches_n_test (const LwBatches *b)
{
  return (b->ds->test.n + b->batch_size - 1) / b->batch_size;
}

void
lw_batches_begin_epoch (LwBatches *b, guint epoch)
{
  lw_sampler_begin_epoch (b->sampler, epoch, &b->shuffle_rng);
}

guint
lw_batches_next_train (LwBatches *b, float *x, guint8 *y)
{
  const guint32 *indices;
  guint count = lw_sampler_next_batch (b->sampler, &b->shuffle_rng, &indices);

  lw_dataset_fill_batch (b->ds, &b->ds->train, indices, count,
                         b->use_augment ? &b->augment : NULL, &b->augment_rng, x, y);
  return count;
}

guint
lw_batches_test (const LwBatches *b, guint index, float *x, guint8 *y)
{
  const LwImageSet *test = &b->ds->test;
  guint off = index * b->batch_size;
  guint count;

  g_return_val_if_fail (off < test->n, 0);
  count = MIN (b->batch_size, test->n - off);
  lw_dataset_fill_batch (b->ds, test, b->test_index + off, count, NULL, NULL, x, y);
  return count;
}
