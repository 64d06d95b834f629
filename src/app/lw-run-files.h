/* lw-run-files.h: the window's runs on disk: the Save Run and Open Run
 * dialogs, where autosaves go, and how a crash is noticed (a marker file
 * that only a clean exit removes). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Autosave every this many seconds of training that changed the run. */
#define LW_AUTOSAVE_INTERVAL_S 180

typedef void (*LwRunFileChosen) (GFile *file, gpointer user_data);

/* A file chooser for saving (save) or opening a run; chosen is called
 * with the file the user picked, not at all when cancelled. */
void   lw_run_files_choose         (GtkWindow *parent, gboolean save, LwRunFileChosen chosen,
                                    gpointer user_data);

/* $XDG_DATA_HOME/layerwise/autosave.lwrun */
char  *lw_run_files_autosave_path  (void);

/* Marks a window as running. When the last one did not end cleanly and
 * left an autosave, that file is moved aside (so this session's
 * autosaves do not overwrite it) and its new path returned; else NULL.
 * Temporaries of the autosave and of that file left by a save cut short
 * (autosave.lwrun.XXXXXX, recovered.lwrun.XXXXXX) are removed. */
char  *lw_run_files_begin          (void);
/* A clean end: the marker and the autosave go. */
void   lw_run_files_end            (void);

G_END_DECLS
