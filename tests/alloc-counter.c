/* alloc-counter.c: counts calls to the malloc family while counting is on.
 * What OpenBLAS allocates inside cblas_sgemm is counted apart: its
 * small-matrix kernels for AVX-512 CPUs (0.3.21's COOPERLAKE ones, for
 * one) malloc a scratch buffer on every call, which no caller can avoid.
 * The test executable's cblas_sgemm marks the thread while the real one
 * runs (the engine is a static library, so its calls come here).
 * Normally the test executable's malloc, calloc and realloc take the place
 * of libc's for every library (glibc symbol interposition) and forward to
 * glibc's own entry points. Under AddressSanitizer or ThreadSanitizer the
 * sanitizer owns the heap, and memory from __libc_malloc would reach its
 * free: there the sanitizer's allocation hook does the counting. */
#include "alloc-counter.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <cblas.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED_HEAP 1
#endif
#endif

static volatile gint allocations;
static volatile gint blas_allocations;
static volatile gint counting;
static __thread int in_blas;

static inline void
count_one (void)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (in_blas ? &blas_allocations : &allocations);
}

typedef void (*SgemmFunc) (const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                           const enum CBLAS_TRANSPOSE, const blasint, const blasint,
                           const blasint, const float, const float *, const blasint,
                           const float *, const blasint, const float, float *, const blasint);

static SgemmFunc real_sgemm;

/* Looked up before main, while nothing counts. */
__attribute__ ((constructor)) static void
find_real_sgemm (void)
{
  real_sgemm = (SgemmFunc) dlsym (RTLD_NEXT, "cblas_sgemm");
}

void
cblas_sgemm (const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE ta,
             const enum CBLAS_TRANSPOSE tb, const blasint m, const blasint n, const blasint k,
             const float alpha, const float *a, const blasint lda, const float *b,
             const blasint ldb, const float beta, float *c, const blasint ldc)
{
  in_blas++;
  real_sgemm (order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  in_blas--;
}

#ifdef SANITIZED_HEAP

#include <sanitizer/allocator_interface.h>

static void
on_malloc (const volatile void *ptr, size_t size)
{
  count_one ();
}

static void
on_free (const volatile void *ptr)
{
}

static void
install_hooks (void)
{
  static gsize installed;

  if (g_once_init_enter (&installed))
    {
      g_assert_cmpint (__sanitizer_install_malloc_and_free_hooks (on_malloc, on_free), !=, 0);
      g_once_init_leave (&installed, 1);
    }
}

#else

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);

void *
malloc (size_t size)
{
  count_one ();
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  count_one ();
  return __libc_calloc (n, size);
}

void *
realloc (void *ptr, size_t size)
{
  count_one ();
  return __libc_realloc (ptr, size);
}

static void
install_hooks (void)
{
}

#endif

void
alloc_counter_start (void)
{
  install_hooks ();
  g_atomic_int_set (&allocations, 0);
  g_atomic_int_set (&blas_allocations, 0);
  g_atomic_int_set (&counting, 1);
}

guint
alloc_counter_stop (void)
{
  g_atomic_int_set (&counting, 0);
  if (g_atomic_int_get (&blas_allocations) > 0)
    g_test_message ("OpenBLAS itself allocated %d times inside cblas_sgemm",
                    g_atomic_int_get (&blas_allocations));
  return (guint) g_atomic_int_get (&allocations);
}
