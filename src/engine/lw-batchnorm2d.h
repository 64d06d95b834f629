/* lw-batchnorm2d.h: BatchNorm2d on NCHW batches: per channel, statistics
 * over the N x H x W values of that channel. */
#pragma once

#include <glib.h>

#include "lw-batchnorm.h"

G_BEGIN_DECLS

/* The parameters, their gradients and the running statistics are
 * BatchNorm1d's, one per channel (d = c); only the statistics differ,
 * taken over the N x hw values of a channel. */
typedef LwBatchNorm LwBatchNorm2d;

/* lw_batchnorm_init (bn, c) with hw positions per plane. */
void lw_batchnorm2d_init          (LwBatchNorm2d *bn, guint c, gsize hw);
void lw_batchnorm2d_clear         (LwBatchNorm2d *bn);
/* Training: batch statistics (biased variance for normalising, the
 * unbiased one into the running estimate); writes xhat (kept for
 * backward) and y = gamma * xhat + beta. x may equal y. */
void lw_batchnorm2d_forward_train (LwBatchNorm2d *bn, const float *x, guint n, float *xhat, float *y);
void lw_batchnorm2d_forward_eval  (LwBatchNorm2d *bn, const float *x, guint n, float *y);
/* dgamma, dbeta (written over), and dx (may equal dy). */
void lw_batchnorm2d_backward      (LwBatchNorm2d *bn, const float *xhat, const float *dy, guint n,
                                   float *dx);

G_END_DECLS
