/* alloc-counter.c: counts calls to the malloc family while counting is on.
 * Normally the test executable's malloc, calloc and realloc take the place
 * of libc's for every library (glibc symbol interposition) and forward to
 * glibc's own entry points. Under AddressSanitizer or ThreadSanitizer the
 * sanitizer owns the heap, and memory from __libc_malloc would reach its
 * free: there the sanitizer's allocation hook does the counting. */
#include "alloc-counter.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED_HEAP 1
#endif
#endif

static volatile gint allocations;
static volatile gint counting;

static inline void
count_one (void)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (&allocations);
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
  g_atomic_int_set (&counting, 1);
}

guint
alloc_counter_stop (void)
{
  g_atomic_int_set (&counting, 0);
  return (guint) g_atomic_int_get (&allocations);
}
