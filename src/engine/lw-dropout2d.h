/* lw-dropout2d.h: channel dropout on NCHW batches (torch's Dropout2d):
 * each (sample, channel) plane is zeroed with probability p, survivors
 * scaled by 1/(1-p). */
#pragma once

#include <glib.h>
#include "lw-rng.h"

G_BEGIN_DECLS

/* mask (n x c) receives 0 or 1/(1-p), drawn from rng in (sample, channel)
 * order; out = x * mask of its plane. x may equal out. */
void lw_dropout2d_forward  (float p, const float *x, guint n, guint c, gsize hw,
                            float *mask, float *out, LwRng *rng);
/* dx = dy * mask of its plane (or dx += when accumulate). dx may equal dy. */
void lw_dropout2d_backward (const float *mask, const float *dy, guint n, guint c, gsize hw,
                            float *dx, gboolean accumulate);

G_END_DECLS
