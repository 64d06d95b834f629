/* lw-gemm.c: every matrix product of the engine passes here. */
#include "lw-gemm.h"
#include "lw-parallel.h"

#include <cblas.h>

/* Products smaller than this (m*n*k) run on one thread: OpenBLAS would
 * split them anyway, and waking its second thread costs more than the
 * work (the 128x10x1024 head product takes twice as long on two threads;
 * far longer when another process holds the other core). */
#define SMALL_GEMM (4 * 1024 * 1024)

static GArray *recording;
static int blas_threads = 1;

void
lw_gemm (gboolean trans_a, gboolean trans_b,
         int m, int n, int k,
         float alpha, const float *a, int lda,
         const float *b, int ldb,
         float beta, float *c, int ldc)
{
  int threads;

  if (G_UNLIKELY (recording != NULL))
    {
      LwGemmCall call = { trans_a, trans_b, m, n, k, beta };
      g_array_append_val (recording, call);
    }

  threads = g_atomic_int_get (&blas_threads);
  if (threads > 1 && (gint64) m * n * k < SMALL_GEMM)
    {
      openblas_set_num_threads (1);
      cblas_sgemm (CblasRowMajor,
                   trans_a ? CblasTrans : CblasNoTrans,
                   trans_b ? CblasTrans : CblasNoTrans,
                   m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      openblas_set_num_threads (threads);
      return;
    }

  cblas_sgemm (CblasRowMajor,
               trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

typedef struct {
  gboolean trans_a, trans_b;
  int m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
  gsize stride_a, stride_b, stride_c;
} Batch;

static void
batch_range (gsize start, gsize end, gpointer data)
{
  const Batch *bt = data;

  for (gsize i = start; i < end; i++)
    cblas_sgemm (CblasRowMajor,
                 bt->trans_a ? CblasTrans : CblasNoTrans,
                 bt->trans_b ? CblasTrans : CblasNoTrans,
                 bt->m, bt->n, bt->k, bt->alpha, bt->a + i * bt->stride_a, bt->lda,
                 bt->b + i * bt->stride_b, bt->ldb, bt->beta, bt->c + i * bt->stride_c, bt->ldc);
}

void
lw_gemm_batch (gsize count, gboolean trans_a, gboolean trans_b,
               int m, int n, int k,
               float alpha, const float *a, int lda, gsize stride_a,
               const float *b, int ldb, gsize stride_b,
               float beta, float *c, int ldc, gsize stride_c)
{
  Batch bt = { trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c,
               stride_a, stride_b, stride_c };
  int threads;

  if (G_UNLIKELY (recording != NULL))
    for (gsize i = 0; i < count; i++)
      {
        LwGemmCall call = { trans_a, trans_b, m, n, k, beta };
        g_array_append_val (recording, call);
      }

  /* No thread changes the BLAS thread count inside the region. */
  threads = g_atomic_int_get (&blas_threads);
  if (threads > 1)
    openblas_set_num_threads (1);
  lw_parallel_for (count, 1, batch_range, &bt);
  if (threads > 1)
    openblas_set_num_threads (threads);
}

void
lw_blas_set_threads (int n)
{
  n = MAX (n, 1);
  /* Atomic: sessions in one process (windows, tests) share the count. */
  g_atomic_int_set (&blas_threads, n);
  openblas_set_num_threads (n);
  lw_parallel_set_threads (n);
}

int
lw_blas_get_threads (void)
{
  return g_atomic_int_get (&blas_threads);
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
