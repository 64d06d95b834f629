/* lw-bump.h: carving one allocation into aligned pieces, so a snapshot or
 * a shared blob is one malloc and one free. Sizes are measured first with
 * lw_bump_size, in the same order they are taken. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LW_BUMP_ALIGN 16

typedef struct {
  char *p;
  char *end;
} LwBump;

static inline gsize
lw_bump_size (gsize size)
{
  return (size + LW_BUMP_ALIGN - 1) & ~(gsize) (LW_BUMP_ALIGN - 1);
}

static inline void
lw_bump_init (LwBump *b, gpointer mem, gsize size)
{
  b->p = mem;
  b->end = (char *) mem + size;
}

static inline gpointer
lw_bump_take (LwBump *b, gsize size)
{
  char *r = b->p;

  b->p += lw_bump_size (size);
  g_assert (b->p <= b->end);
  return r;
}

G_END_DECLS
