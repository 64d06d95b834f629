/* lw-fork.h: how a forked session gets its run from the session it forks.
 *
 * The source's worker, at a batch boundary, gives a run-file image of its
 * run (held in memory, never written) with its settings; the fork's
 * worker takes it when it starts and builds its run from it, as Open Run
 * does from a file. Either side may go first: the fork's worker waits. The
 * source may fail instead (its run is gone, or it closes first), and the
 * fork may be closed before it got anything. */
#pragma once

#include <glib.h>

#include "lw-session.h"
#include "runfile/lw-run-file.h"

G_BEGIN_DECLS

typedef struct _LwForkHandoff LwForkHandoff;

LwForkHandoff *lw_fork_handoff_new   (void);
LwForkHandoff *lw_fork_handoff_ref   (LwForkHandoff *h);
void           lw_fork_handoff_unref (LwForkHandoff *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwForkHandoff, lw_fork_handoff_unref)

/* The source's side: the image (taken) and the source's settings (for how
 * to run: threads, schedule), or why there is none. Only the first of
 * these counts. */
void       lw_fork_handoff_give   (LwForkHandoff *h, LwRunFile *image,
                                   const LwRunSettings *settings, guint probe_image);
void       lw_fork_handoff_fail   (LwForkHandoff *h, const char *message);
/* The fork's side: closing it, nothing is wanted any more. */
void       lw_fork_handoff_cancel (LwForkHandoff *h);

/* Waits for the source; the image, with settings filled (cleared by the
 * caller) and the probe image, or NULL with message (freed by the caller)
 * once the source failed or the fork was cancelled. */
LwRunFile *lw_fork_handoff_take   (LwForkHandoff *h, LwRunSettings *settings,
                                   guint *probe_image, char **message);

G_END_DECLS
