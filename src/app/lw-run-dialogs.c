/* lw-run-dialogs.c: the Save Run and Open Run file choosers. */
#include "lw-run-dialogs.h"

#include <glib/gi18n.h>

#include "runfile/lw-run-file.h"

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
lw_run_dialogs_choose (GtkWindow *parent, gboolean save, LwRunFileChosen chosen, gpointer user_data)
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
