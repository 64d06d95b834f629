/* lw-linear.h: y = x W^T + b on row-major batches, W stored out x in. */
#pragma once

#include <glib.h>
#include "lw-rng.h"

G_BEGIN_DECLS

typedef enum {
  LW_INIT_TORCH,              /* U(-1/sqrt(in), 1/sqrt(in)) for W and b, torch's default */
  LW_INIT_ZERO_WEIGHT,        /* W = 0, b as torch (local heads, docs/method.md §2) */
  LW_INIT_ZERO,               /* W = 0, b = 0 (bpf prediction head) */
} LwInit;

typedef struct {
  guint in, out;
  gboolean has_bias;
  float *w, *b;
  float *dw, *db;
} LwLinear;

void lw_linear_init     (LwLinear *l, guint in, guint out, gboolean has_bias,
                         LwInit init, LwRng *rng);
void lw_linear_clear    (LwLinear *l);
/* Fills w with U(-bound, bound). */
void lw_fill_uniform    (float *w, gsize n, float bound, LwRng *rng);

void lw_linear_forward  (const LwLinear *l, const float *x, guint n, float *y);
/* dW and db from dy (overwritten, not accumulated); dx when non-NULL,
 * added to (accumulate) or written over. */
void lw_linear_backward (LwLinear *l, const float *x, const float *dy, guint n,
                         float *dx, gboolean accumulate);
/* dx only, through a fixed matrix b (out x in) in place of W: feedback alignment. */
void lw_feedback_backward (const float *b, guint in, guint out, const float *dy, guint n,
                           float *dx, gboolean accumulate);

G_END_DECLS
