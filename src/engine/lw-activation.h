/* lw-activation.h: ReLU / LeakyReLU(0.01) and dropout, elementwise. */
#pragma once

#include <glib.h>
#include "lw-model.h"
#include "lw-rng.h"

G_BEGIN_DECLS

#define LW_LEAKY_SLOPE 0.01f

void lw_activation_forward  (LwNonlin nonlin, float *x, gsize n);
/* dx = dy * act'(.) where y = act(x); the sign of y tells the branch, so
 * the pre-activation need not be kept. dx may equal dy. */
void lw_activation_backward (LwNonlin nonlin, const float *y, const float *dy, gsize n, float *dx);

/* Inverted dropout: out = x * mask, mask 0 or 1/(1-p), drawn from rng. */
void lw_dropout_forward     (float p, const float *x, gsize n, float *mask, float *out, LwRng *rng);
/* dx = dy * mask (or dx += when accumulate). */
void lw_dropout_backward    (const float *mask, const float *dy, gsize n, float *dx, gboolean accumulate);

G_END_DECLS
