/* lw-conv.h: Conv2d (k x k, stride, zero padding, optional bias) on NCHW
 * float batches, lowered to matrix products in one of two ways.
 *
 * Winograd (lw-winograd.h), for the 3x3 stride-1 pad-1 layers of the
 * conv blocks and their sim heads when both channel counts reach
 * LW_WINOGRAD_MIN_CHANNELS: F(4x4, 3x3) turns a chunk into 36 products
 * with 4x fewer multiplications than a direct convolution.
 *
 * im2col, for everything else (the 7x7/2 first layer, narrow layers):
 * the inputs of up to `chunk` samples are unfolded into one
 * (c_in*k*k) x (chunk*oh*ow) matrix, so a chunk costs one lw_gemm with a
 * wide N dimension; its c_out x (chunk*oh*ow) result is then scattered
 * into NCHW. Backward unfolds the input again rather than keeping it from
 * forward: unfolding reads each input k*k times, against the
 * 2*c_out*k*k flops per input value of the products it feeds.
 *
 * Either way a whole batch at once would not fit (im2col of a 128-channel
 * 28x28 layer: 460 MB for 128 samples), so chunk is the largest sample
 * count whose per-sample scratch fits LW_CONV_SCRATCH_FLOATS (at least
 * one): the wide early layers run a few samples per product, already far
 * past the width where sgemm reaches its peak, the small late layers the
 * whole batch. The scratch holds nothing between calls, so the layers of
 * a model share one (lw_conv2d_use_scratch). */
#pragma once

#include <glib.h>
#include "lw-linear.h"
#include "lw-rng.h"

G_BEGIN_DECLS

/* Per-sample scratch of a chunk: 32 MB. */
#define LW_CONV_SCRATCH_FLOATS ((gsize) 8 << 20)
/* Narrower layers run as im2col: a transform-domain product with K of a
 * few channels is all overhead. */
#define LW_WINOGRAD_MIN_CHANNELS 16

typedef enum {
  LW_CONV_IM2COL,
  LW_CONV_WINOGRAD,
} LwConvLowering;

typedef struct {
  guint c_in, c_out, k, stride, pad;
  guint ih, iw;               /* input plane */
  guint oh, ow;               /* output plane: (ih + 2 pad - k) / stride + 1, floor */
  gboolean has_bias;
  float *w, *b;               /* c_out x (c_in*k*k), row (ci*k + ki)*k + kj as torch's view; c_out */
  float *dw, *db;
  guint max_n;
  LwConvLowering lowering;
  guint chunk;                /* samples per product */
  float *scratch;             /* lw_conv2d_scratch_floats (), own or shared */
  gboolean owns_scratch;
} LwConv2d;

/* init as lw_linear_init with fan_in = c_in*k*k (LW_INIT_TORCH: torch's
 * default U(-1/sqrt(fan_in), +) for W and b). Scratch is sized for
 * batches of up to max_n samples. */
void lw_conv2d_init      (LwConv2d *c, guint c_in, guint c_out, guint k, guint stride, guint pad,
                          guint ih, guint iw, guint max_n, gboolean has_bias,
                          LwInit init, LwRng *rng);
void lw_conv2d_clear     (LwConv2d *c);
/* Set-up only, on a layer with its own scratch: samples per product
 * (1..max_n), and the lowering (Winograd only where it applies: k = 3,
 * stride 1, pad 1); both resize the scratch. */
void lw_conv2d_set_chunk    (LwConv2d *c, guint chunk);
void lw_conv2d_set_lowering (LwConv2d *c, LwConvLowering lowering);
/* Floats of scratch the layer needs, and a buffer of at least that many
 * to use instead of its own (owned by the caller, outliving the layer's
 * use of it). */
gsize lw_conv2d_scratch_floats (const LwConv2d *c);
void  lw_conv2d_use_scratch    (LwConv2d *c, float *scratch);

/* y (n x c_out x oh x ow) from x (n x c_in x ih x iw), n <= max_n. */
void lw_conv2d_forward   (LwConv2d *c, const float *x, guint n, float *y);
/* dW and db from dy (overwritten, not accumulated); dx when non-NULL,
 * added to (accumulate) or written over. */
void lw_conv2d_backward  (LwConv2d *c, const float *x, const float *dy, guint n,
                          float *dx, gboolean accumulate);

G_END_DECLS
