/* lw-model-state.h: everything a model needs to go on training exactly as
 * if it had never stopped, as bytes: every parameter with its optimizer
 * moments and step count, the BatchNorm running statistics, each block's
 * dropout stream, and the live controls (loss, beta, lr, dropout, the
 * no-detach switch, each block's lr multiplier and frozen switch).
 *
 * What the configuration fixes (shapes, the random label codes and
 * feedback matrices drawn from the seed) is not stored: the state is read
 * into a model built from the same configuration. */
#pragma once

#include <glib.h>

#include "lw-model.h"

G_BEGIN_DECLS

/* Appends the state to out (explicit little-endian). */
void     lw_model_state_write (LwModel *model, GByteArray *out);

/* Reads a state written by lw_model_state_write into model. Everything is
 * checked first (every shape against the model's, every control against
 * its range, no bytes short or left over): on error model is unchanged
 * and error says what does not fit. */
gboolean lw_model_state_read  (LwModel *model, const guint8 *data, gsize len, GError **error);

G_END_DECLS
