/* lw-pool.h: pooling on NCHW float batches. MaxPool 2x2 stride 2 between
 * conv blocks, and the average pool in front of a conv block's prediction
 * head, sized by the rule of docs/method.md §3. Both in floor mode. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint c, h, w;              /* input planes */
  guint oh, ow;               /* h / 2, w / 2 */
  guint max_n;
  guint32 *argmax;            /* max_n x c x oh x ow: index of the maximum in its input plane */
} LwMaxPool;

void lw_maxpool_init     (LwMaxPool *p, guint c, guint h, guint w, guint max_n);
void lw_maxpool_clear    (LwMaxPool *p);
/* y (n x c x oh x ow); keeps the argmax for backward. The first maximum
 * of a window wins ties, as in torch. */
void lw_maxpool_forward  (LwMaxPool *p, const float *x, guint n, float *y);
/* dx (n x c x h x w) = dy routed to each window's argmax, added to
 * (accumulate) or written over. */
void lw_maxpool_backward (const LwMaxPool *p, const float *dy, guint n, float *dx,
                          gboolean accumulate);

/* Kernel (kh, kw), stride = kernel, zero padding (ph, pw) that counts in
 * the divisor kh*kw, output (oh, ow). */
typedef struct {
  guint kh, kw, ph, pw;
  guint oh, ow;
} LwPoolShape;

/* The §3 rule for a pred head after C channels of S x S at most
 * dim_in_decoder features: returns FALSE when no pooling is needed (then
 * shape is the identity: kernel 1, no padding, S x S). */
gboolean lw_pool_shape_for_head (guint c, guint s, guint dim_in_decoder, LwPoolShape *shape);

typedef struct {
  guint c, h, w;              /* input planes */
  guint kh, kw, ph, pw;
  guint oh, ow;               /* (h + 2 ph - kh) / kh + 1, and so for w */
} LwAvgPool;

/* Padding at most half the kernel, as torch requires. */
void lw_avgpool_init     (LwAvgPool *p, guint c, guint h, guint w,
                          guint kh, guint kw, guint ph, guint pw);
void lw_avgpool_forward  (const LwAvgPool *p, const float *x, guint n, float *y);
void lw_avgpool_backward (const LwAvgPool *p, const float *dy, guint n, float *dx,
                          gboolean accumulate);

G_END_DECLS
