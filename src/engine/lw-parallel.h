/* lw-parallel.h: splits large elementwise loops (optimizer updates,
 * activations) over the cores OpenBLAS leaves idle between products.
 * Each index is handled by exactly one thread, so results do not depend
 * on the thread count. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Below this many elements a piece costs more to hand out than to do. */
#define LW_PARALLEL_MIN_CHUNK 32768

typedef void (*LwRangeFunc) (gsize start, gsize end, gpointer data);

/* Threads used by lw_parallel_for, the caller included (1 = serial). */
void lw_parallel_set_threads (int n);
int  lw_parallel_get_threads (void);

/* Calls fn over [0, n) in contiguous pieces; serial when n < min_chunk * 2.
 * Returns when every piece is done. */
void lw_parallel_for         (gsize n, gsize min_chunk, LwRangeFunc fn, gpointer data);

G_END_DECLS
