/* lw-gemm.c: every matrix product of the engine passes here. */
#include "lw-gemm.h"
#include "lw-parallel.h"

#include <cblas.h>

static GArray *recording;

void
lw_gemm (gboolean trans_a, gboolean trans_b,
         int m, int n, int k,
         float alpha, const float *a, int lda,
         const float *b, int ldb,
         float beta, float *c, int ldc)
{
  if (G_UNLIKELY (recording != NULL))
    {
      LwGemmCall call = { trans_a, trans_b, m, n, k, beta };
      g_array_append_val (recording, call);
    }

  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
lw_blas_set_threads (int n)
{
  openblas_set_num_threads (MAX (n, 1));
  lw_parallel_set_threads (n);
}

int
lw_blas_get_threads (void)
{
  return openblas_get_num_threads ();
}

void
lw_gemm_record_start (GArray *calls)
{
  recording = calls;
}

void
lw_gemm_record_stop (void)
{
  recording = NULL;
}
