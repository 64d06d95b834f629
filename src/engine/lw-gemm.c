/* lw-gemm.c: every matrix product of the engine passes here.
 *
 * OpenBLAS always runs on one thread: its own threaded sgemm rounds
 * differently from its single-threaded one, so a run's bits would depend
 * on the thread count. A large product is cut instead into slabs chosen
 * from its shape alone, which the lw-parallel threads share out; on one
 * thread the same slabs run one after another, so every thread count
 * makes the same single-threaded calls on the same pieces. */
#include "lw-gemm.h"
#include "lw-parallel.h"

#include <cblas.h>

/* Products smaller than this (m*n*k) stay whole: splitting them costs
 * more than the work (the 128x10x1024 head product runs slower split). */
#define SMALL_GEMM (4 * 1024 * 1024)
/* Slabs per large product: even over 1, 2 and 4 threads. */
#define PIECES 4
/* Slab widths are multiples of this, so every slab fills OpenBLAS's
 * register tiles (16 and 32 on the kernels it picks here). */
#define ALIGN 32
/* Thinner slabs lose more than they gain: on one thread, 128x128x1024 in
 * four slabs of 32 rows takes 1.6 times as long as whole, in two of 64
 * 1.2 times; the MLP's 1024-wide products in four lose 1-5%. */
#define MIN_SLAB 64

static GArray *recording;
static int blas_threads = 1;

typedef struct {
  CBLAS_TRANSPOSE ta, tb;
  int m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
  gboolean split_m;             /* slabs of rows of C, else of columns */
  int slab;                     /* rows or columns per slab; the last may be short */
} Plan;

/* OpenBLAS starts with as many threads as cores; set it to one before
 * the first product, whoever makes it (tests need not set threads). */
static void
blas_single_thread (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      openblas_set_num_threads (1);
      g_once_init_leave (&done, 1);
    }
}

static void
piece_range (gsize start, gsize end, gpointer data)
{
  const Plan *p = data;

  for (gsize i = start; i < end; i++)
    {
      int from = (int) i * p->slab;
      int size = MIN (p->slab, (p->split_m ? p->m : p->n) - from);
      const float *a = p->a, *b = p->b;
      float *c = p->c;

      if (p->split_m)
        {
          /* Rows from..from+size of op(A) and of C. */
          a += p->ta == CblasNoTrans ? (gsize) from * p->lda : (gsize) from;
          c += (gsize) from * p->ldc;
          cblas_sgemm (CblasRowMajor, p->ta, p->tb, size, p->n, p->k, p->alpha,
                       a, p->lda, b, p->ldb, p->beta, c, p->ldc);
        }
      else
        {
          /* Columns from..from+size of op(B) and of C. */
          b += p->tb == CblasNoTrans ? (gsize) from : (gsize) from * p->ldb;
          c += from;
          cblas_sgemm (CblasRowMajor, p->ta, p->tb, p->m, size, p->k, p->alpha,
                       a, p->lda, b, p->ldb, p->beta, c, p->ldc);
        }
    }
}

void
lw_gemm (gboolean trans_a, gboolean trans_b,
         int m, int n, int k,
         float alpha, const float *a, int lda,
         const float *b, int ldb,
         float beta, float *c, int ldc)
{
  Plan p = { trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
             m, n, k, lda, ldb, ldc, alpha, beta, a, b, c, m >= n, 0 };
  int along, pieces;

  if (G_UNLIKELY (recording != NULL))
    {
      LwGemmCall call = { trans_a, trans_b, m, n, k, beta };
      g_array_append_val (recording, call);
    }

  blas_single_thread ();
  along = p.split_m ? m : n;
  /* The slabs depend on the shape only, never on the thread count. */
  p.slab = (along + PIECES - 1) / PIECES;
  p.slab = MAX ((p.slab + ALIGN - 1) / ALIGN * ALIGN, MIN_SLAB);
  pieces = along > 0 ? (along + p.slab - 1) / p.slab : 1;
  if ((gint64) m * n * k < SMALL_GEMM || pieces <= 1)
    {
      cblas_sgemm (CblasRowMajor, p.ta, p.tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
  lw_parallel_for ((gsize) pieces, 1, piece_range, &p);
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

  if (G_UNLIKELY (recording != NULL))
    for (gsize i = 0; i < count; i++)
      {
        LwGemmCall call = { trans_a, trans_b, m, n, k, beta };
        g_array_append_val (recording, call);
      }

  /* Each product whole on one thread: which thread does not change it. */
  blas_single_thread ();
  lw_parallel_for (count, 1, batch_range, &bt);
}

void
lw_blas_set_threads (int n)
{
  n = MAX (n, 1);
  blas_single_thread ();
  /* Atomic: sessions in one process (windows, tests) share the count. */
  g_atomic_int_set (&blas_threads, n);
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
