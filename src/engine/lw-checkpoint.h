/* lw-checkpoint.h: a copy of everything a model learned (weights,
 * optimizer state, BatchNorm statistics), kept in memory so a run can go
 * back to it, e.g. to the last good state before training diverged. The
 * buffer is allocated once; taking and restoring allocate nothing. */
#pragma once

#include <glib.h>
#include "lw-model.h"

G_BEGIN_DECLS

typedef struct _LwCheckpoint LwCheckpoint;

/* Sized for model (and any model of the same configuration); empty. */
LwCheckpoint *lw_checkpoint_new      (LwModel *model);
void          lw_checkpoint_free     (LwCheckpoint *checkpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwCheckpoint, lw_checkpoint_free)

void          lw_checkpoint_take     (LwCheckpoint *checkpoint, LwModel *model);
/* FALSE, changing nothing, when none was taken. */
gboolean      lw_checkpoint_restore  (const LwCheckpoint *checkpoint, LwModel *model);
gboolean      lw_checkpoint_is_empty (const LwCheckpoint *checkpoint);

G_END_DECLS
