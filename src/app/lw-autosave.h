/* lw-autosave.h: where the window's autosave goes, and how a crash is
 * noticed (a marker file that only a clean exit removes), so the next
 * start can offer the run the crash interrupted. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Autosave every this many seconds of training that changed the run. */
#define LW_AUTOSAVE_INTERVAL_S 180

/* $XDG_DATA_HOME/layerwise/autosave.lwrun */
char  *lw_autosave_path  (void);

/* Marks a window as running. When the last one did not end cleanly and
 * left an autosave, that file is moved aside (so this session's
 * autosaves do not overwrite it) and its new path returned; else NULL.
 * Temporaries of the autosave and of that file left by a save cut short
 * (autosave.lwrun.XXXXXX, recovered.lwrun.XXXXXX) are removed. */
char  *lw_autosave_begin (void);
/* A clean end: the marker and the autosave go. */
void   lw_autosave_end   (void);

G_END_DECLS
