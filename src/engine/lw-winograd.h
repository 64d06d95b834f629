/* lw-winograd.h: the 3x3, stride 1, pad 1 convolution by Winograd's
 * minimal filtering F(4x4, 3x3) (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016).
 *
 * Each 6x6 input tile (stride 4) and each 3x3 kernel are taken to a
 * 36-point transform domain, where the convolution of a chunk of samples
 * becomes 36 independent products (c_out x c_in) . (c_in x tiles) through
 * lw_gemm, and each 36-point result goes back to a 4x4 output tile: 36
 * multiplications per output quad of a channel pair instead of 144. The
 * backward pass runs the transposes of the same linear maps, so dW and dx
 * are the exact gradients of what forward computes; in exact arithmetic
 * that is the convolution itself, in float it differs by rounding (about
 * 1e-6 relative on unit-scale data, checked against the direct form in
 * tests/test-conv.c). */
#pragma once

#include "lw-conv.h"

G_BEGIN_DECLS

/* Planes are tiled in a zero-bordered copy on the stack of this many
 * floats: up to 64x64 outputs (the 32-px CIFAR planes, the 48-px planes
 * after STL-10's first layer). */
#define LW_WINOGRAD_MAX_PADDED (66 * 66)

/* Whether the layer's planes fit LW_WINOGRAD_MAX_PADDED. */
gboolean lw_winograd_fits       (const LwConv2d *c);
/* Output tiles (4x4) per sample: ceil(oh/4) * ceil(ow/4). */
gsize lw_winograd_tiles         (const LwConv2d *c);
/* Scratch for a chunk of samples: transformed kernels and their gradient
 * (2 x 36 x c_out x c_in), transformed inputs and outputs
 * (36 x (c_in + c_out) x tiles x chunk). */
gsize lw_winograd_scratch_floats (const LwConv2d *c, guint chunk);

/* As lw_conv2d_forward and lw_conv2d_backward (dW, and dx when non-NULL;
 * the caller computes db). */
void  lw_winograd_forward       (LwConv2d *c, const float *x, guint n, float *y);
void  lw_winograd_backward      (LwConv2d *c, const float *x, const float *dy, guint n,
                                 float *dx, gboolean accumulate);

G_END_DECLS
