/* lw-activation.c: activation functions and dropout. */
#include "lw-activation.h"
#include "lw-parallel.h"

typedef struct {
  float slope;
  const float *y, *dy;
  float *x;
} Act;

static void
forward_range (gsize start, gsize end, gpointer data)
{
  const Act *a = data;
  float *restrict x = a->x;
  const float slope = a->slope;

  /* A select, not a branch (see -fno-trapping-math in meson.build): the
   * signs of activations are a coin toss for a branch predictor. */
  for (gsize i = start; i < end; i++)
    {
      float v = x[i];
      x[i] = v > 0.0f ? v : slope * v;
    }
}

static void
backward_range (gsize start, gsize end, gpointer data)
{
  const Act *a = data;
  const float *y = a->y, *dy = a->dy;
  float *dx = a->x;
  const float slope = a->slope;

  for (gsize i = start; i < end; i++)
    dx[i] = y[i] > 0.0f ? dy[i] : slope * dy[i];
}

void
lw_activation_forward (LwNonlin nonlin, float *x, gsize n)
{
  Act a = { .slope = nonlin == LW_NONLIN_LEAKY_RELU ? LW_LEAKY_SLOPE : 0.0f, .x = x };

  lw_parallel_for (n, LW_PARALLEL_MIN_CHUNK, forward_range, &a);
}

void
lw_activation_backward (LwNonlin nonlin, const float *y, const float *dy, gsize n, float *dx)
{
  Act a = { .slope = nonlin == LW_NONLIN_LEAKY_RELU ? LW_LEAKY_SLOPE : 0.0f,
            .y = y, .dy = dy, .x = dx };

  lw_parallel_for (n, LW_PARALLEL_MIN_CHUNK, backward_range, &a);
}

void
lw_dropout_forward (float p, const float *x, gsize n, float *mask, float *out, LwRng *rng)
{
  const float keep = 1.0f / (1.0f - p);

  for (gsize i = 0; i < n; i++)
    {
      mask[i] = lw_rng_uniform (rng) < p ? 0.0f : keep;
      out[i] = x[i] * mask[i];
    }
}

void
lw_dropout_backward (const float *mask, const float *dy, gsize n, float *dx, gboolean accumulate)
{
  if (accumulate)
    for (gsize i = 0; i < n; i++)
      dx[i] += dy[i] * mask[i];
  else
    for (gsize i = 0; i < n; i++)
      dx[i] = dy[i] * mask[i];
}
