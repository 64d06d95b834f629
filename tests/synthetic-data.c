/* synthetic-data.c: see synthetic-data.h. */
#include "synthetic-data.h"

#include "engine/lw-rng.h"

Data *
data_new (guint in, guint batch, guint n_batches, guint64 seed, float noise)
{
  Data *d = g_new0 (Data, 1);
  g_autofree float *protos = g_new (float, (gsize) SYNTHETIC_CLASSES * in);
  LwRng rng;

  lw_rng_init (&rng, seed, 0);
  for (gsize i = 0; i < (gsize) SYNTHETIC_CLASSES * in; i++)
    protos[i] = lw_rng_uniform_in (&rng, -1.0f, 1.0f);
  *d = (Data) { in, batch, n_batches, g_new (float, (gsize) n_batches * batch * in),
                g_new (guint8, (gsize) n_batches * batch) };
  for (gsize i = 0; i < (gsize) n_batches * batch; i++)
    {
      guint8 c = (guint8) lw_rng_below (&rng, SYNTHETIC_CLASSES);

      d->y[i] = c;
      for (guint k = 0; k < in; k++)
        d->x[i * in + k] = protos[c * in + k] + lw_rng_uniform_in (&rng, -noise, noise);
    }
  return d;
}

void
data_free (Data *d)
{
  if (d == NULL)
    return;
  g_free (d->x);
  g_free (d->y);
  g_free (d);
}
