/* synthetic-data.h: batches of noisy class prototypes for the engine's
 * tests, so every loss has something to learn and the statistics move. */
#pragma once

#include <glib.h>

#define SYNTHETIC_CLASSES 10

typedef struct {
  guint in, batch, n_batches;
  float *x;                   /* n_batches * batch rows of in floats */
  guint8 *y;
} Data;

/* Prototypes and labels from seed; each sample is its class's prototype
 * (uniform in [-1, 1]) plus uniform noise in [-noise, noise]. */
Data        *data_new  (guint in, guint batch, guint n_batches, guint64 seed, float noise);
void         data_free (Data *d);
