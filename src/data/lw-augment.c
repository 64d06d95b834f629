/* lw-augment.c: bytes to normalised float batches, with the training-time
 * augmentation of docs/method.md §6. Runs every step, so it allocates nothing:
 * a per-channel lookup table on the stack does the normalisation. */
#include "lw-data-private.h"

#include <string.h>

/* Keeps 2 * pad + 1 far from overflow; real pads are 2 or 4. */
#define MAX_PAD 4096u

typedef float Lut[3][256];

static void
plain_sample (const Lut lut, const guint8 *src, guint channels, gsize plane, float *dst)
{
  for (guint c = 0; c < channels; c++)
    for (gsize i = 0; i < plane; i++)
      dst[c * plane + i] = lut[c][src[c * plane + i]];
}

/* Random crop back to size from the image zero-padded by pad (padding is raw
 * 0, as torchvision pads the PIL image before ToTensor/Normalize), then a
 * random horizontal flip, then cutout on the normalised values. The rng is
 * drawn in that order: crop row, crop column, flip, hole row, hole column. */
static void
augment_sample (const Lut lut, const guint8 *src, guint channels, guint height,
                guint width, const LwAugment *aug, LwRng *rng, float *dst)
{
  const guint pad = MIN (aug->crop_pad, MAX_PAD);
  const gsize plane = (gsize) height * width;
  int dy = 0, dx = 0;
  gboolean flip = FALSE;

  if (pad > 0)
    {
      dy = (int) lw_rng_below (rng, 2 * pad + 1) - (int) pad;
      dx = (int) lw_rng_below (rng, 2 * pad + 1) - (int) pad;
    }
  if (aug->hflip)
    flip = lw_rng_below (rng, 2) == 1;

  for (guint c = 0; c < channels; c++)
    {
      const guint8 *in = src + c * plane;
      float *out = dst + c * plane;
      const float zero = lut[c][0];

      for (guint y = 0; y < height; y++)
        {
          int sy = (int) y + dy;
          float *row = out + (gsize) y * width;

          if (sy < 0 || sy >= (int) height)
            {
              for (guint x = 0; x < width; x++)
                row[x] = zero;
              continue;
            }
          for (guint x = 0; x < width; x++)
            {
              /* Flipping the crop = reading the source column mirrored. */
              int sx = (int) (flip ? width - 1 - x : x) + dx;
              row[x] = (sx < 0 || sx >= (int) width)
                       ? zero : lut[c][in[(gsize) sy * width + (guint) sx]];
            }
        }
    }

  if (aug->cutout > 0)
    {
      /* Centre uniform over the image, hole [c - L/2, c + L/2) clipped. */
      const int half = (int) (aug->cutout / 2);
      const int cy = (int) lw_rng_below (rng, height);
      const int cx = (int) lw_rng_below (rng, width);
      const guint y0 = (guint) MAX (cy - half, 0), y1 = (guint) MIN (cy + half, (int) height);
      const guint x0 = (guint) MAX (cx - half, 0), x1 = (guint) MIN (cx + half, (int) width);

      for (guint c = 0; c < channels; c++)
        for (guint y = y0; y < y1; y++)
          for (guint x = x0; x < x1; x++)
            dst[c * plane + (gsize) y * width + x] = 0.0f;
    }
}

void
lw_dataset_fill_batch (const LwDataset  *ds,
                       const LwImageSet *set,
                       const guint32    *indices,
                       guint             count,
                       const LwAugment  *aug,
                       LwRng            *rng,
                       float            *x,
                       guint8           *y)
{
  const gsize plane = (gsize) set->height * set->width;
  const gsize sample = set->channels * plane;
  gboolean active;
  Lut lut;

  g_return_if_fail (ds != NULL && set != NULL && x != NULL && y != NULL);
  g_return_if_fail (set->channels >= 1 && set->channels <= 3);
  g_return_if_fail (count == 0 || indices != NULL);

  active = aug != NULL && (aug->crop_pad > 0 || aug->hflip || aug->cutout > 0);
  g_return_if_fail (!active || rng != NULL);

  for (guint c = 0; c < set->channels; c++)
    for (guint v = 0; v < 256; v++)
      lut[c][v] = ((float) v / 255.0f - ds->mean[c]) / ds->std[c];

  for (guint i = 0; i < count; i++)
    {
      const guint32 idx = indices[i];
      const guint8 *src;
      float *dst = x + (gsize) i * sample;

      g_return_if_fail (idx < set->n);
      src = set->pixels + (gsize) idx * sample;
      y[i] = set->labels[idx];
      if (active)
        augment_sample ((const float (*)[256]) lut, src, set->channels, set->height,
                        set->width, aug, rng, dst);
      else
        plain_sample ((const float (*)[256]) lut, src, set->channels, plane, dst);
    }
}
