/* alloc-counter.c: the test executable's malloc family takes the place of
 * libc's for every library (glibc symbol interposition) and forwards to
 * glibc's own entry points, counting calls while counting is on. */
#include "alloc-counter.h"

#include <stdlib.h>

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);

static volatile gint allocations;
static volatile gint counting;

void *
malloc (size_t size)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (&allocations);
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (&allocations);
  return __libc_calloc (n, size);
}

void *
realloc (void *ptr, size_t size)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (&allocations);
  return __libc_realloc (ptr, size);
}

void
alloc_counter_start (void)
{
  g_atomic_int_set (&allocations, 0);
  g_atomic_int_set (&counting, 1);
}

guint
alloc_counter_stop (void)
{
  g_atomic_int_set (&counting, 0);
  return (guint) g_atomic_int_get (&allocations);
}
