/* lw-run-dialogs.h: the Save Run and Open Run dialogs (the file format is
 * src/runfile's, what a window run holds src/session/lw-run-disk.c's). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*LwRunFileChosen) (GFile *file, gpointer user_data);

/* A file chooser for saving (save) or opening a run; chosen is called
 * with the file the user picked, not at all when cancelled. */
void   lw_run_dialogs_choose (GtkWindow *parent, gboolean save, LwRunFileChosen chosen,
                              gpointer user_data);

G_END_DECLS
