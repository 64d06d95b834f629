/* lw-controls.h: live controls applied to a run between two batches,
 * each change leaving a mark on the curves. */
#pragma once

#include "lw-command.h"
#include "lw-run.h"

G_BEGIN_DECLS

/* Applies a SET_LOSS, SET_VALUE, SET_BLOCK_FROZEN or SET_NO_DETACH command.
 * Returns TRUE when it changed something (then a mark was added); a value
 * equal to the current one, or a block the model does not have, changes
 * nothing. */
gboolean lw_controls_apply (LwRun *run, const LwCommand *cmd);

G_END_DECLS
