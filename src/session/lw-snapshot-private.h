/* lw-snapshot-private.h: how the worker makes a snapshot.
 *
 * A -private.h is included only by the files of its own folder (here
 * src/session/) and by the tests of that code, never from another folder. */
#pragma once

#include "lw-history.h"
#include "lw-snapshot.h"
#include "lw-visuals.h"

G_BEGIN_DECLS

/* A new snapshot (reference count 1) with tmpl's values; tmpl's strings
 * and current's curves are copied, the previous runs and the visuals
 * (both may be NULL/0) are shared by reference. */
LwSnapshot *lw_snapshot_new (const LwSnapshot *tmpl,
                             const LwHistory *current,
                             LwFrozenRun *const *previous, guint n_previous,
                             LwVisuals *visuals);

/* A new snapshot (reference count 1) with every value of base, sharing
 * base's contents (it keeps a reference to base): for changing a field or
 * two from another thread than the worker's. */
LwSnapshot *lw_snapshot_derive (LwSnapshot *base);

/* Gives a snapshot not yet published a reference to preds (may be NULL). */
void        lw_snapshot_set_predictions (LwSnapshot *snap, LwPredictions *preds);

G_END_DECLS
