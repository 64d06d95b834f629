/* lw-losses.h: the losses of docs/method.md §3–§5 with their gradients. Each
 * returns the unweighted loss; gradients are multiplied by scale. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LW_SIM_EPS 1e-8f

/* Softmax cross-entropy, mean over the batch. dlogits may be NULL;
 * correct (may be NULL) receives the number of argmax hits. */
float lw_softmax_ce        (const float *logits, const guint8 *y, guint n, guint classes,
                            float scale, float *dlogits, guint *correct);

/* Binary cross-entropy with logits, mean over n x k entries, against the
 * target code of each sample's class (codes: classes x k, entries 0 or 1). */
float lw_bce_logits        (const float *z, const float *codes, const guint8 *y, guint n, guint k,
                            float scale, float *dz);

/* S(h) of docs/method.md §4 for h (n x d): rows centred and normalised into u,
 * their norms before normalising into norm, and s = u u^T (n x n), not yet
 * clamped (the loss clamps, as torch's clamp does, and masks its gradient). */
void  lw_similarity        (const float *h, guint n, guint d, float *u, float *norm, float *s);

/* mean_ij (clamp(s_ij) - table[y_i, y_j])^2, table is classes x classes.
 * gs (may be NULL) receives scale * dL/ds. */
float lw_similarity_loss   (const float *s, const float *table, guint classes, const guint8 *y,
                            guint n, float scale, float *gs);

/* dh (n x d, written over) from gs, back through the Gram product, the
 * normalisation and the centring. du is n x d scratch. */
void  lw_similarity_backward (const float *u, const float *norm, const float *gs,
                              guint n, guint d, float *du, float *dh);

/* The target table S(class vectors) (classes x classes) for class vectors
 * vecs (classes x k): one-hot rows give 1 and -1/(C-1). Allocates scratch;
 * call at set-up only. */
void  lw_similarity_table  (const float *vecs, guint classes, guint k, float *table);

G_END_DECLS
