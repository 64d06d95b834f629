/* lw-activation.c: activation functions and dropout. */
#include "lw-activation.h"

void
lw_activation_forward (LwNonlin nonlin, float *x, gsize n)
{
  const float slope = nonlin == LW_NONLIN_LEAKY_RELU ? LW_LEAKY_SLOPE : 0.0f;

  for (gsize i = 0; i < n; i++)
    x[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

void
lw_activation_backward (LwNonlin nonlin, const float *y, const float *dy, gsize n, float *dx)
{
  const float slope = nonlin == LW_NONLIN_LEAKY_RELU ? LW_LEAKY_SLOPE : 0.0f;

  for (gsize i = 0; i < n; i++)
    dx[i] = y[i] > 0.0f ? dy[i] : slope * dy[i];
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
