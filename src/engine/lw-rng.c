/* lw-rng.c: xoshiro128** seeded through splitmix64. */
#include "lw-rng.h"

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
lw_rng_init (LwRng *rng, guint64 seed, guint64 stream)
{
  guint64 x = seed ^ (stream * 0xd1342543de82ef95ULL);
  guint64 a = splitmix64 (&x);
  guint64 b = splitmix64 (&x);

  rng->s[0] = (guint32) a;
  rng->s[1] = (guint32) (a >> 32);
  rng->s[2] = (guint32) b;
  rng->s[3] = (guint32) (b >> 32);
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = 1;
}

static inline guint32
rotl (guint32 x, int k)
{
  return (x << k) | (x >> (32 - k));
}

guint32
lw_rng_next (LwRng *rng)
{
  guint32 *s = rng->s;
  guint32 result = rotl (s[1] * 5, 7) * 9;
  guint32 t = s[1] << 9;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 11);
  return result;
}

guint32
lw_rng_below (LwRng *rng, guint32 bound)
{
  /* Lemire's multiply-shift with rejection: unbiased for every bound. */
  guint64 m = (guint64) lw_rng_next (rng) * bound;
  guint32 low = (guint32) m;

  if (low < bound)
    {
      guint32 threshold = -bound % bound;
      while (low < threshold)
        {
          m = (guint64) lw_rng_next (rng) * bound;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

float
lw_rng_uniform (LwRng *rng)
{
  return (lw_rng_next (rng) >> 8) * (1.0f / 16777216.0f);
}

float
lw_rng_uniform_in (LwRng *rng, float lo, float hi)
{
  return lo + (hi - lo) * lw_rng_uniform (rng);
}

void
lw_rng_shuffle (LwRng *rng, guint32 *items, gsize n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = lw_rng_below (rng, (guint32) i);
      guint32 t = items[i - 1];
      items[i - 1] = items[j];
      items[j] = t;
    }
}
