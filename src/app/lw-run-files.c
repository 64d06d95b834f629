/* lw-run-files.c: run-file dialogs and the crash marker. */
#include "lw-run-files.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "runfile/lw-run-file.h"

#define AUTOSAVE_NAME "autosave" LW_RUN_FILE_EXTENSION
#define RECOVERED_NAME "recovered" LW_RUN_FILE_EXTENSION
/* lw_run_file_save writes PATH.XXXXXX (g_mkstemp: six letters or digits)
 * and renames it to PATH. */
#define TEMPORARY_SUFFIX_LEN 6

typedef struct {
  LwRunFileChosen chosen;
  gpointer user_data;
} Choice;

static void
on_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  Choice *choice = data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        choice->chosen (file, choice->user_data);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_free (choice);
}

void
lw_run_files_choose (GtkWindow *parent, gboolean save, LwRunFileChosen chosen, gpointer user_data)
{
  GtkFileChooserNative *dialog;
  g_autoptr (GtkFileFilter) runs = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();
  Choice *choice = g_new (Choice, 1);

  *choice = (Choice) { .chosen = chosen, .user_data = user_data };
  dialog = gtk_file_chooser_native_new (save ? _("Save Run") : _("Open Run"), parent,
                                        save ? GTK_FILE_CHOOSER_ACTION_SAVE
                                             : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        save ? _("_Save") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_filter_set_name (runs, _("Layerwise runs"));
  gtk_file_filter_add_pattern (runs, "*" LW_RUN_FILE_EXTENSION);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), runs);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  if (save)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "run" LW_RUN_FILE_EXTENSION);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), choice);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static char *
state_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "layerwise", NULL);
}

char *
lw_run_files_autosave_path (void)
{
  g_autofree char *dir = state_dir ();

  return g_build_filename (dir, AUTOSAVE_NAME, NULL);
}

static char *
marker_path (void)
{
  g_autofree char *dir = state_dir ();

  return g_build_filename (dir, "running", NULL);
}

/* name is base's temporary: base, a dot, six letters or digits. */
static gboolean
is_temporary_of (const char *name, const char *base)
{
  gsize n = strlen (base);

  if (strncmp (name, base, n) != 0 || name[n] != '.'
      || strlen (name + n + 1) != TEMPORARY_SUFFIX_LEN)
    return FALSE;
  for (const char *c = name + n + 1; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;
  return TRUE;
}

/* A save killed between writing and renaming leaves a run-sized
 * temporary behind; after a few crashes they would pile up. */
static void
remove_stale_temporaries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (is_temporary_of (name, AUTOSAVE_NAME) || is_temporary_of (name, RECOVERED_NAME))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_unlink (path);
      }
}

char *
lw_run_files_begin (void)
{
  g_autofree char *dir = state_dir ();
  g_autofree char *marker = marker_path ();
  g_autofree char *autosave = lw_run_files_autosave_path ();
  g_autofree char *recovered = g_build_filename (dir, RECOVERED_NAME, NULL);
  g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());
  gboolean crashed = g_file_test (marker, G_FILE_TEST_EXISTS);
  char *offer = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return NULL;
  remove_stale_temporaries (dir);
  if (crashed && g_file_test (autosave, G_FILE_TEST_IS_REGULAR)
      && g_rename (autosave, recovered) == 0)
    offer = g_steal_pointer (&recovered);
  /* Without a marker a crash goes unnoticed next time: nothing worse. */
  g_file_set_contents (marker, pid, -1, NULL);
  return offer;
}

void
lw_run_files_end (void)
{
  g_autofree char *marker = marker_path ();
  g_autofree char *autosave = lw_run_files_autosave_path ();

  g_unlink (autosave);
  g_unlink (marker);
}
