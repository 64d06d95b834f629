/* gradcheck.h: finite-difference gradient checking for the engine tests.
 *
 * The engine computes in float; the checks evaluate a scalar loss (in
 * double wherever possible), perturb one float parameter at a time by
 * +-step and compare the central difference with the gradient the engine
 * produced. */
#pragma once

#include <glib.h>
#include "engine/lw-rng.h"

G_BEGIN_DECLS

/* Tolerance of every gradient check: relative error in float. */
#define GC_TOLERANCE 2e-2

/* A scalar loss of the current parameter values. signature (never NULL)
 * receives a fingerprint of the loss's piecewise-linear branches (e.g.
 * the sign pattern of pre-activations); a perturbation that changes it
 * crossed a kink, and that element is left out of the comparison. Losses
 * without kinks set it to 0. */
typedef double (*GcLossFunc) (gpointer user_data, guint64 *signature);

/* Central differences of loss with respect to each of the n floats of p,
 * into grad (n entries). The perturbation actually stored in float is
 * what divides the difference. Elements whose +-step crossed a kink get
 * NAN. p is restored bit for bit. Returns the number of such elements. */
guint    gc_numeric_gradient (GcLossFunc loss, gpointer user_data,
                              float *p, gsize n, double step, double *grad);

/* |a - b| / max(|a| + |b|, floor) over the whole vectors (2-norms),
 * skipping elements where numeric is NAN. */
double   gc_rel_error        (const float *analytic, const double *numeric, gsize n,
                              double floor);

/* Asserts analytic matches numeric: the norm-wise relative error and
 * every element's |a - b| / max(|a| + |b|, 0.1 * max |numeric|) are below
 * tol; at most a tenth of the elements (and never all) may have been
 * skipped for kinks. what names the check in messages. */
void     gc_assert_gradient  (const char *what, const float *analytic, const double *numeric,
                              gsize n, double tol);

/* Asserts two values agree to relative tolerance tol (floor 1e-12). */
void     gc_assert_close     (const char *what, double a, double b, double tol);

/* Uniform fill in [lo, hi). */
void     gc_fill_uniform     (float *p, gsize n, float lo, float hi, LwRng *rng);
/* Uniform magnitude in [min_abs, max_abs) with a random sign: keeps
 * values away from the kink of ReLU-like functions. */
void     gc_fill_away_from_zero (float *p, gsize n, float min_abs, float max_abs, LwRng *rng);
/* Labels 0..classes-1, each class at least twice when n >= 2 * classes,
 * in a shuffled order. */
void     gc_fill_labels      (guint8 *y, guint n, guint classes, LwRng *rng);

/* sum_i r_i a_i in double: a projection that turns a layer's output into
 * a scalar loss whose gradient with respect to a is r. */
double   gc_dot              (const float *a, const float *r, gsize n);

/* Fingerprint of the signs of v (for GcLossFunc signatures). */
guint64  gc_sign_signature   (const float *v, gsize n);
/* The same for a double vector. */
guint64  gc_sign_signature_d (const double *v, gsize n);

/* Double-precision reference formulas (docs/method.md §3–§5). */
/* Softmax cross-entropy, mean over the n samples. */
double   gc_ref_softmax_ce   (const double *logits, const guint8 *y, guint n, guint classes);
/* Binary cross-entropy with logits, mean over n x k, targets codes[y_i]. */
double   gc_ref_bce_logits   (const double *z, const float *codes, const guint8 *y,
                              guint n, guint k);
/* S(h): rows centred, divided by (norm + 1e-8), s = u u^T clamped to [-1, 1]. */
void     gc_ref_similarity   (const double *h, guint n, guint d, double *s);
/* mean_ij (S(h)_ij - table[y_i, y_j])^2. */
double   gc_ref_similarity_loss (const double *h, guint n, guint d, const float *table,
                                 guint classes, const guint8 *y);

/* True when a and b hold the same bits. */
gboolean gc_bits_equal       (const float *a, const float *b, gsize n);

G_END_DECLS
