/* lw-preset.h: named presets of a run (network, and optionally dataset,
 * loss, learning rate and its schedule, beta, batch size, seed, dropout,
 * non-linearity, pred-head pooling, epochs: a whole recipe of the paper),
 * read from key files: the
 * built-in ones (data/presets.ini, installed, with a compiled-in copy for
 * uninstalled builds) and the user's own, which come after them and may
 * replace them. Used by the window and by layerwise-cli; no GTK. */
#pragma once

#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-lr-schedule.h"
#include "engine/lw-model.h"

G_BEGIN_DECLS

/* The user's presets, under g_get_user_config_dir (). */
#define LW_PRESET_USER_FILE "layerwise/presets.ini"
#define LW_PRESET_DEFAULT "3x1024"

/* Which of the optional settings a preset sets. */
typedef enum {
  LW_PRESET_SETS_DATASET    = 1 << 0,
  LW_PRESET_SETS_LOSS       = 1 << 1,
  LW_PRESET_SETS_LR         = 1 << 2,
  LW_PRESET_SETS_BETA       = 1 << 3,
  LW_PRESET_SETS_BATCH_SIZE = 1 << 4,
  LW_PRESET_SETS_SEED       = 1 << 5,
  LW_PRESET_SETS_LR_SCHEDULE = 1 << 6,  /* lr-milestones and lr-decay-factor */
  LW_PRESET_SETS_DROPOUT    = 1 << 7,
  LW_PRESET_SETS_NONLIN     = 1 << 8,
  LW_PRESET_SETS_DIM_IN_DECODER = 1 << 9,
  LW_PRESET_SETS_EPOCHS     = 1 << 10,
} LwPresetSets;

typedef struct {
  char *id;                   /* the group name: --preset NAME */
  char *label;                /* in the user's language; the id when none is given */
  gboolean user;              /* from the user's file */
  LwArch arch;
  guint num_layers;           /* FC blocks (after the conv blocks of a conv net) */
  guint num_hidden;
  LwPresetSets sets;
  LwDatasetKind dataset;
  char *data_dir;             /* the dataset's folder (data-dir=), or NULL: the usual places */
  LwLossType loss;
  double lr;
  double beta;
  guint batch_size;
  guint64 seed;               /* at most LW_PRESET_SEED_MAX */
  LwLrSchedule lr_schedule;   /* either key absent: none, and 0.25 */
  double dropout;
  LwNonlin nonlin;
  guint dim_in_decoder;
  guint epochs;               /* the window's epoch limit, --epochs */
} LwPreset;

/* The largest epochs and dim-in-decoder of a preset (as --epochs and
 * --dim-in-decoder). */
#define LW_PRESET_EPOCHS_MAX 1000000
#define LW_PRESET_DIM_IN_DECODER_MAX (1u << 20)

/* The largest seed of a preset, 2^53 - 1: the window's seed box holds a
 * double, which counts every whole number exactly up to here. */
#define LW_PRESET_SEED_MAX ((G_GUINT64_CONSTANT (1) << 53) - 1)

typedef struct _LwPresetList LwPresetList;

#define LW_PRESET_ERROR (lw_preset_error_quark ())
GQuark lw_preset_error_quark (void);
typedef enum {
  LW_PRESET_ERROR_PARSE,      /* a file that is not a key file, or a bad value */
  LW_PRESET_ERROR_NAME,       /* an empty or unusable preset name */
} LwPresetError;

LwPresetList   *lw_preset_list_new        (void);
void            lw_preset_list_free       (LwPresetList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwPresetList, lw_preset_list_free)

/* The built-in presets, then the user's file if there is one. On a bad
 * user file, error says which file, line or key; the list then holds the
 * built-in presets. */
LwPresetList   *lw_preset_list_load_default (GError **error);
/* Adds the presets of a key file (replacing those of the same name).
 * where names the file in messages. Nothing is added on error. */
gboolean        lw_preset_list_add_data   (LwPresetList *list, const char *data, gsize length,
                                           const char *where, gboolean user, GError **error);
gboolean        lw_preset_list_add_file   (LwPresetList *list, const char *path,
                                           gboolean user, GError **error);

guint           lw_preset_list_count      (const LwPresetList *list);
const LwPreset *lw_preset_list_get        (const LwPresetList *list, guint index);
/* The preset of this name, or NULL. "small" is accepted for 3x256. */
const LwPreset *lw_preset_list_lookup     (const LwPresetList *list, const char *id);
/* Index of the first preset with this architecture and FC geometry, or -1. */
int             lw_preset_list_find       (const LwPresetList *list, LwArch arch,
                                           guint num_layers, guint num_hidden);
/* "1x256, 3x256, …": every name, for messages. */
char           *lw_preset_list_names      (const LwPresetList *list);

/* The longest preset name, in characters: a name fits in a drop-down and
 * a message. */
#define LW_PRESET_NAME_MAX_CHARS 64

/* Whether id can name a preset: not empty, at most
 * LW_PRESET_NAME_MAX_CHARS characters, no brackets, line breaks or spaces
 * at either end; error says why not. */
gboolean        lw_preset_name_check      (const char *id, GError **error);
/* Writes preset into the user's file at path (created with its folder
 * if missing), replacing a preset of the same name; the other presets in
 * it are kept as they were. */
gboolean        lw_preset_save            (const LwPreset *preset, const char *path,
                                           GError **error);
/* g_get_user_config_dir ()/layerwise/presets.ini */
char           *lw_preset_user_path       (void);

/* The model settings a preset sets: its network, and its loss, learning
 * rate, beta, batch size, seed, dropout, non-linearity and dim-in-decoder
 * when it sets them (the schedule and epochs are the caller's). Another
 * architecture without a rate of its own starts at its default rate. */
void            lw_preset_apply_model     (const LwPreset *preset, LwModelConfig *config);

G_END_DECLS
