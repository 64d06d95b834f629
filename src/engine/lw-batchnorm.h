/* lw-batchnorm.h: BatchNorm1d over row-major N x D batches. The parameters
 * and running statistics are also those of BatchNorm2d (lw-batchnorm2d.h),
 * whose features are channels spanning hw positions each. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  union {
    guint d;
    guint c;                  /* the same count, named as BatchNorm2d's channels */
  };
  gsize hw;                   /* positions per feature: 1 here, H*W for BatchNorm2d */
  float momentum, eps;        /* 0.1, 1e-5, as torch */
  float *gamma, *beta;
  float *dgamma, *dbeta;
  float *running_mean, *running_var;
  float *inv_std;             /* of the last training batch, for backward */
  float *mean;                /* scratch */
} LwBatchNorm;

void lw_batchnorm_init           (LwBatchNorm *bn, guint d);
void lw_batchnorm_clear          (LwBatchNorm *bn);
/* Training: batch statistics; writes xhat (N x D, kept for backward) and
 * y = gamma * xhat + beta; updates the running statistics. x may equal y. */
void lw_batchnorm_forward_train  (LwBatchNorm *bn, const float *x, guint n, float *xhat, float *y);
void lw_batchnorm_forward_eval   (LwBatchNorm *bn, const float *x, guint n, float *y);
/* dgamma, dbeta, and dx (may equal dy). */
void lw_batchnorm_backward       (LwBatchNorm *bn, const float *xhat, const float *dy, guint n, float *dx);

G_END_DECLS
