/* lw-choices.h: what the window offers to build a run from: the networks
 * (the presets, built-in and the user's, which src/presets reads; loaded
 * once here and shared by the window's drop-downs and the command line's
 * --preset) and the datasets found on this machine. */
#pragma once

#include <glib.h>

#include "presets/lw-preset.h"
#include "session/lw-session.h"

G_BEGIN_DECLS

/* The presets of the window: the built-in ones and the user's, loaded at
 * the first call (main thread only). */
LwPresetList   *lw_choices_get_presets       (void);
/* What was wrong with the user's presets file when it was last read, or NULL. */
const char     *lw_choices_get_presets_error (void);
/* Reads the files again, e.g. after a preset was saved. */
void            lw_choices_reload_presets    (void);

guint           lw_choices_n_presets     (void);
const LwPreset *lw_choices_get_preset    (guint index);
/* The preset with this id, or NULL. "small" is accepted for 3x256. */
const LwPreset *lw_choices_lookup_preset (const char *id);
/* Index of the first preset matching the architecture and FC geometry, or -1. */
int             lw_choices_find_preset   (LwArch arch, guint num_layers, guint num_hidden);
/* Sets the settings' network, and whatever else the preset sets
 * (lw_preset_apply_model). */
void            lw_choices_apply_preset  (const LwPreset *preset, LwModelConfig *config);

/* A dataset the user can pick: a kind and the folder it is read from
 * (NULL: the embedded subset, or the usual places). */
typedef struct {
  LwDatasetKind kind;
  char *dir;
  char *label;
} LwDatasetChoice;

/* The embedded subset, then every kind found on this machine. */
GPtrArray      *lw_choices_find_datasets (void);
void            lw_dataset_choice_free   (LwDatasetChoice *choice);
LwDatasetChoice *lw_dataset_choice_new   (LwDatasetKind kind, const char *dir);

G_END_DECLS

G_BEGIN_DECLS
/* The kind of dataset a folder the user opened most likely holds, from its
 * files and name: CIFAR binaries, else an MNIST-format (IDX) set. */
LwDatasetKind   lw_dataset_guess_kind (const char *dir);
/* Whether a folder the user chose holds a dataset the loaders read: CIFAR
 * binaries, or the four IDX files (raw or .gz). kind: what it holds. The
 * error says what is missing, to be shown where the folder was chosen. */
gboolean        lw_dataset_folder_check (const char *dir, LwDatasetKind *kind, GError **error);
G_END_DECLS
