/* alloc-counter.h: counts heap allocations between start and stop (leaving
 * out those OpenBLAS makes inside cblas_sgemm), so a
 * test can assert that a training step allocates nothing. */
#pragma once

#include <glib.h>

void  alloc_counter_start (void);
guint alloc_counter_stop  (void);
