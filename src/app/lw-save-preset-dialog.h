/* lw-save-preset-dialog.h: "Save Current Settings as Preset…": a name,
 * checked as it is typed in (empty, unusable, a built-in preset's), a
 * confirmation before a preset of the user's is replaced, and the save
 * into the user's presets file. */
#pragma once

#include <gtk/gtk.h>

#include "presets/lw-preset.h"

G_BEGIN_DECLS

#define LW_TYPE_SAVE_PRESET_DIALOG (lw_save_preset_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LwSavePresetDialog, lw_save_preset_dialog, LW, SAVE_PRESET_DIALOG, GtkWindow)

/* settings: what to save (its id and label are replaced by the name the
 * user gives); presets: the names taken now; path: the user's file. The
 * dialog emits "saved" with the name and closes after a save. */
LwSavePresetDialog *lw_save_preset_dialog_new (GtkWindow *parent, const LwPreset *settings,
                                               const LwPresetList *presets, const char *path);

/* For tests: the name entry, and what the Save button does. Returns TRUE
 * when the preset was written. */
GtkEditable *lw_save_preset_dialog_get_entry (LwSavePresetDialog *self);
gboolean     lw_save_preset_dialog_save      (LwSavePresetDialog *self);
/* What the preset holds, in words, as the dialog says it. */
const char  *lw_save_preset_dialog_get_summary (LwSavePresetDialog *self);
/* The message shown under the entry, or NULL when there is none. */
const char  *lw_save_preset_dialog_get_message (LwSavePresetDialog *self);

G_END_DECLS
