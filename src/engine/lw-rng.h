/* lw-rng.h: a small seeded generator, so runs repeat bit for bit. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* xoshiro128** state; cheap to copy, so each consumer owns its own stream. */
typedef struct {
  guint32 s[4];
} LwRng;

void    lw_rng_init        (LwRng *rng, guint64 seed, guint64 stream);
guint32 lw_rng_next        (LwRng *rng);
/* Uniform in [0, bound); bound > 0. */
guint32 lw_rng_below       (LwRng *rng, guint32 bound);
/* Uniform in [0, 1). */
float   lw_rng_uniform     (LwRng *rng);
/* Uniform in [lo, hi). */
float   lw_rng_uniform_in  (LwRng *rng, float lo, float hi);
void    lw_rng_shuffle     (LwRng *rng, guint32 *items, gsize n);

G_END_DECLS
