/* lw-spatial-std.h: the reduction in front of a conv sim head (docs/method.md
 * §4): each (sample, channel) plane of P = h*w values becomes its
 * unbiased standard deviation, so an n x c x h x w map becomes n x c. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* s and mean (both n x c) from z (n x c x hw), hw >= 2. */
void lw_spatial_std_forward  (const float *z, guint n, guint c, gsize hw,
                              float *s, float *mean);
/* dz (n x c x hw) from ds (n x c): ds_k (z_kp - mean_k) / ((P-1) s_k);
 * a constant plane (s_k = 0) has no gradient. Written over, or added to
 * when accumulate. */
void lw_spatial_std_backward (const float *z, const float *s, const float *mean,
                              const float *ds, guint n, guint c, gsize hw,
                              float *dz, gboolean accumulate);

G_END_DECLS
