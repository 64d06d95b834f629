/* lw-gemm.h: the one door to cblas_sgemm (row-major), with an optional
 * recorder so bench/ can replay exactly the products a training step makes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean trans_a, trans_b;
  int m, n, k;
  float beta;
} LwGemmCall;

/* C = alpha * op(A) op(B) + beta * C, all row-major. */
void     lw_gemm              (gboolean trans_a, gboolean trans_b,
                               int m, int n, int k,
                               float alpha, const float *a, int lda,
                               const float *b, int ldb,
                               float beta, float *c, int ldc);

/* count independent products of one shape, C_i = alpha op(A_i) op(B_i)
 * + beta C_i with X_i = x + i * stride_x, spread over the lw-parallel
 * threads with one BLAS thread each: for dozens of mid-sized products
 * that beats splitting every one of them over the threads. */
void     lw_gemm_batch        (gsize count, gboolean trans_a, gboolean trans_b,
                               int m, int n, int k,
                               float alpha, const float *a, int lda, gsize stride_a,
                               const float *b, int ldb, gsize stride_b,
                               float beta, float *c, int ldc, gsize stride_c);

/* Threads for the products and the engine's loops, for the whole process
 * (the lw-parallel pool; OpenBLAS itself always runs on one thread, so
 * the results do not depend on the count). */
void     lw_blas_set_threads  (int n);
int      lw_blas_get_threads  (void);

/* Recording is for benchmarks: every lw_gemm appends its shape to calls
 * (a GArray of LwGemmCall) until recording stops. Not thread-safe. */
void     lw_gemm_record_start (GArray *calls);
void     lw_gemm_record_stop  (void);

G_END_DECLS
