/* lw-window-files.c: the window's banners and run files: news of a run
 * saved or opened (an error stays until dismissed), the offer of the run a
 * crash left behind, autosaves, and a presets file of the user's that could
 * not be read. The dialogs that choose the files are lw-run-files.c's. */
#include "config.h"

#include "lw-window-private.h"

#include <glib/gi18n.h>

#include "lw-autosave.h"
#include "lw-run-dialogs.h"

static gboolean
hide_banner (gpointer data)
{
  LwWindow *self = data;

  self->banner_timeout_id = 0;
  gtk_revealer_set_reveal_child (self->file_banner, FALSE);
  return G_SOURCE_REMOVE;
}

/* An error stays until dismissed; news goes by itself. */
static void
show_banner (LwWindow *self, const char *text, gboolean failed, gboolean offer_restore)
{
  g_clear_handle_id (&self->banner_timeout_id, g_source_remove);
  gtk_label_set_text (self->file_banner_label, text);
  if (failed)
    gtk_widget_add_css_class (self->file_banner_box, "error");
  else
    gtk_widget_remove_css_class (self->file_banner_box, "error");
  gtk_widget_set_visible (self->file_banner_restore, offer_restore);
  gtk_revealer_set_reveal_child (self->file_banner, TRUE);
  if (!failed && !offer_restore)
    self->banner_timeout_id = g_timeout_add_seconds (6, hide_banner, self);
}

void
lw_window_dismiss_banner (LwWindow *self)
{
  g_clear_pointer (&self->recovered_path, g_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-recovered", FALSE);
  hide_banner (self);
}

void
lw_window_update_file_banner (LwWindow *self, const LwSnapshot *snap)
{
  if (snap->file_serial == self->shown_file_serial || snap->file_message == NULL)
    return;
  self->shown_file_serial = snap->file_serial;
  show_banner (self, snap->file_message, snap->file_failed, FALSE);
}

void
lw_window_save_run_to (LwWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      show_banner (self, _("Runs can only be saved to local files"), TRUE, FALSE);
      return;
    }
  lw_session_save_run (self->session, path);
}

void
lw_window_open_run_from (LwWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      show_banner (self, _("Runs can only be opened from local files"), TRUE, FALSE);
      return;
    }
  lw_session_open_run (self->session, path);
}

/* Autosaves, and the offer of what a crash left behind. */
void
lw_window_start_run_files (LwWindow *self)
{
  g_autofree char *autosave = lw_autosave_path ();

  self->owns_run_files = TRUE;
  self->recovered_path = lw_autosave_begin ();
  lw_session_set_autosave (self->session, autosave, LW_AUTOSAVE_INTERVAL_S);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.restore-recovered",
                                 self->recovered_path != NULL);
  if (self->recovered_path != NULL)
    show_banner (self, _("Layerwise did not close properly last time. Restore the run it "
                         "saved last?"), FALSE, TRUE);
}

const char *
lw_window_get_banner (LwWindow *self, gboolean *offers_restore)
{
  g_return_val_if_fail (LW_IS_WINDOW (self), NULL);
  if (offers_restore != NULL)
    *offers_restore = gtk_widget_get_visible (self->file_banner_restore);
  if (!gtk_revealer_get_reveal_child (self->file_banner))
    return NULL;
  return gtk_label_get_text (self->file_banner_label);
}

/* A bad presets file of the user's is said in a banner of its own, so
 * that run-file news never hides it; the built-in presets still work. */
void
lw_window_show_presets_problem (LwWindow *self)
{
  const char *problem = lw_choices_get_presets_error ();
  g_autofree char *text = NULL;

  if (problem != NULL)
    {
      /* Translators: %s says which file, and the line or the preset and key at fault. */
      text = g_strdup_printf (_("Your presets were not read: %s. The built-in presets are "
                                "there; correct the file and press Read Again, or remove it."),
                              problem);
      gtk_label_set_text (self->presets_banner_label, text);
    }
  gtk_revealer_set_reveal_child (self->presets_banner, problem != NULL);
}

void
lw_window_dismiss_presets_banner (LwWindow *self)
{
  gtk_revealer_set_reveal_child (self->presets_banner, FALSE);
}

void
lw_window_read_presets_again (LwWindow *self)
{
  lw_choices_reload_presets ();
  lw_controls_panel_reload_presets (self->controls);
  lw_window_show_pending (self);
  lw_window_show_presets_problem (self);
}
