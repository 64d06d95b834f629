/* lw-conv.h: Conv2d (k x k, stride, zero padding, optional bias) on NCHW
 * float batches, lowered to matrix products.
 *
 * Lowering: the inputs of up to `chunk` samples are unfolded (im2col)
 * into one (c_in*k*k) x (chunk*oh*ow) matrix, so a chunk costs one lw_gemm
 * with a wide N dimension; its c_out x (chunk*oh*ow) result is then
 * scattered into NCHW. Unfolding a whole batch of 128 at once would take
 * 460 MB for a 128-channel 28x28 layer (1.8 GB for vgg11b(3x)), so chunk is
 * the largest sample count whose unfolded input and product fit in
 * LW_CONV_SCRATCH_FLOATS (at least one sample): the wide early layers run
 * a product or two per few samples, already far past the width where
 * sgemm reaches its peak, and the small late layers take most or all of
 * the batch at once. Backward unfolds the input again rather than keeping
 * it from forward: unfolding reads each input k*k times, against the
 * 2*c_out*k*k flops per input value of the products it feeds. */
#pragma once

#include <glib.h>
#include "lw-linear.h"
#include "lw-rng.h"

G_BEGIN_DECLS

/* Scratch (unfolded input + product) per layer: 16 MB. */
#define LW_CONV_SCRATCH_FLOATS ((gsize) 4 << 20)

typedef struct {
  guint c_in, c_out, k, stride, pad;
  guint ih, iw;               /* input plane */
  guint oh, ow;               /* output plane: (ih + 2 pad - k) / stride + 1, floor */
  gboolean has_bias;
  float *w, *b;               /* c_out x (c_in*k*k), row (ci*k + ki)*k + kj as torch's view; c_out */
  float *dw, *db;
  guint max_n;
  guint chunk;                /* samples unfolded per product */
  float *col;                 /* (c_in*k*k) x (chunk*oh*ow) */
  float *prod;                /* c_out x (chunk*oh*ow) */
} LwConv2d;

/* init as lw_linear_init with fan_in = c_in*k*k (LW_INIT_TORCH: torch's
 * default U(-1/sqrt(fan_in), +) for W and b). Scratch is sized for
 * batches of up to max_n samples. */
void lw_conv2d_init      (LwConv2d *c, guint c_in, guint c_out, guint k, guint stride, guint pad,
                          guint ih, guint iw, guint max_n, gboolean has_bias,
                          LwInit init, LwRng *rng);
void lw_conv2d_clear     (LwConv2d *c);
/* Resizes the scratch for a given chunk (1..max_n); set-up only. */
void lw_conv2d_set_chunk (LwConv2d *c, guint chunk);

/* y (n x c_out x oh x ow) from x (n x c_in x ih x iw), n <= max_n. */
void lw_conv2d_forward   (LwConv2d *c, const float *x, guint n, float *y);
/* dW and db from dy (overwritten, not accumulated); dx when non-NULL,
 * added to (accumulate) or written over. */
void lw_conv2d_backward  (LwConv2d *c, const float *x, const float *dy, guint n,
                          float *dx, gboolean accumulate);

G_END_DECLS
