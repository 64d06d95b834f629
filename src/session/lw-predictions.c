/* lw-predictions.c: one allocation per refresh, laid out with LwBump, as
 * lw-visuals.c does; the images are copied once per run. */
#include "lw-predictions.h"

#include <string.h>

#include "lw-bump.h"

LwTestImages *
lw_test_images_new (const LwDataset *ds, guint n)
{
  gsize size = (gsize) ds->channels * ds->height * ds->width;
  g_autofree guint32 *indices = NULL;
  g_autofree guint8 *labels = NULL;
  LwTestImages *im;

  g_return_val_if_fail (n <= ds->test.n, NULL);

  im = g_new0 (LwTestImages, 1);
  im->ref_count = 1;
  im->n = n;
  im->channels = ds->channels;
  im->height = ds->height;
  im->width = ds->width;
  im->data = g_new (float, MAX (1, n * size));
  indices = g_new (guint32, MAX (1, n));
  labels = g_new (guint8, MAX (1, n));
  for (guint i = 0; i < n; i++)
    indices[i] = i;
  if (n > 0)
    lw_dataset_fill_batch (ds, &ds->test, indices, n, NULL, NULL, im->data, labels);
  return im;
}

LwTestImages *
lw_test_images_ref (LwTestImages *im)
{
  g_atomic_int_inc (&im->ref_count);
  return im;
}

void
lw_test_images_unref (LwTestImages *im)
{
  if (im != NULL && g_atomic_int_dec_and_test (&im->ref_count))
    {
      g_free (im->data);
      g_free (im);
    }
}

LwPredictions *
lw_predictions_compute (LwModel *model, const LwDataset *ds, LwTestImages *images,
                        float *x, guint8 *y, guint batch_size, guint64 step)
{
  guint n = images->n;
  guint n_blocks = lw_model_n_blocks (model);
  guint L = n_blocks + 1;
  guint C = ds->n_classes;
  gsize head = lw_bump_size (sizeof (LwPredictions));
  gsize size = head
               + lw_bump_size (n)
               + lw_bump_size ((gsize) L * n)
               + lw_bump_size (sizeof (guint32) * L * C * C)
               + lw_bump_size (sizeof (guint) * L)
               + lw_bump_size ((gsize) n_blocks * batch_size);
  guint8 *labels, *predicted, *block_batch;
  guint32 *confusion;
  guint *correct;
  LwPredictions *p;
  LwBump mem;

  g_return_val_if_fail (n <= ds->test.n && batch_size > 0, NULL);

  p = g_malloc0 (size);
  lw_bump_init (&mem, (char *) p + head, size - head);
  labels = lw_bump_take (&mem, n);
  predicted = lw_bump_take (&mem, (gsize) L * n);
  confusion = lw_bump_take (&mem, sizeof (guint32) * L * C * C);
  correct = lw_bump_take (&mem, sizeof (guint) * L);
  /* The blocks' answers for one batch, before they go to their rows. */
  block_batch = lw_bump_take (&mem, (gsize) n_blocks * batch_size);

  memcpy (labels, ds->test.labels, n);
  for (guint off = 0; off < n; off += batch_size)
    {
      guint count = MIN (batch_size, n - off);
      gsize image = (gsize) images->channels * images->height * images->width;

      memcpy (x, images->data + off * image, sizeof (float) * count * image);
      memcpy (y, labels + off, count);
      lw_model_predict (model, x, y, count, block_batch, predicted + (gsize) n_blocks * n + off);
      for (guint b = 0; b < n_blocks; b++)
        memcpy (predicted + (gsize) b * n + off, block_batch + (gsize) b * count, count);
    }

  for (guint l = 0; l < L; l++)
    {
      guint32 *m = confusion + (gsize) l * C * C;

      for (guint i = 0; i < n; i++)
        m[(gsize) labels[i] * C + predicted[(gsize) l * n + i]]++;
      for (guint c = 0; c < C; c++)
        correct[l] += m[(gsize) c * C + c];
    }

  p->ref_count = 1;
  p->step = step;
  p->n = n;
  p->n_layers = L;
  p->n_classes = C;
  p->labels = labels;
  p->predicted = predicted;
  p->confusion = confusion;
  p->correct = correct;
  p->images = lw_test_images_ref (images);
  return p;
}

LwPredictions *
lw_predictions_ref (LwPredictions *p)
{
  g_atomic_int_inc (&p->ref_count);
  return p;
}

void
lw_predictions_unref (LwPredictions *p)
{
  if (p != NULL && g_atomic_int_dec_and_test (&p->ref_count))
    {
      lw_test_images_unref (p->images);
      g_free (p);
    }
}

void
lw_predictions_order (const LwPredictions *p, guint layer, guint32 *order)
{
  guint k = 0;

  g_return_if_fail (p != NULL && order != NULL && layer < p->n_layers);

  for (guint i = 0; i < p->n; i++)
    if (lw_predictions_get (p, layer, i) != p->labels[i])
      order[k++] = i;
  for (guint i = 0; i < p->n; i++)
    if (lw_predictions_get (p, layer, i) == p->labels[i])
      order[k++] = i;
}
