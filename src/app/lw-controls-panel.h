/* lw-controls-panel.h: the sidebar: live controls (loss, beta, learning
 * rate, dropout, no-detach, each block's multiplier and freeze) and the
 * settings of the next run (dataset, network, batch size, seed, batch
 * norm, the conv similarity's std). Every change goes
 * out as a window action; the panel shows what the engine reports back. */
#pragma once

#include <gtk/gtk.h>

#include "session/lw-session.h"

G_BEGIN_DECLS

typedef enum {
  LW_FIELD_BETA,
  LW_FIELD_LR,
  LW_FIELD_DROPOUT,
  LW_FIELD_LR_MILESTONES,     /* the schedule's milestones and factor: one error label */
  LW_FIELD_LR_DECAY,
  LW_N_FIELDS
} LwField;

#define LW_TYPE_CONTROLS_PANEL (lw_controls_panel_get_type ())
G_DECLARE_FINAL_TYPE (LwControlsPanel, lw_controls_panel, LW, CONTROLS_PANEL, GtkBox)

/* The schedule as the sidebar says it under the learning rate: "×0.25
 * after epochs 50, 75, 89, 94; next after 50", or that there is none.
 * epoch: the one under way; next: the snapshot's lr_next_milestone. */
char     *lw_controls_panel_describe_schedule (const LwLrSchedule *schedule, guint epoch,
                                               guint next);
/* That text as shown now. */
const char *lw_controls_panel_get_schedule_text (LwControlsPanel *self);

/* The live values the engine applies, from the newest snapshot. */
void      lw_controls_panel_update       (LwControlsPanel *self, const LwSnapshot *snap);
/* The settings the next reset will use. */
/* preset_id: the preset last chosen, shown when settings still have its
 * network (may be NULL: the first preset of that network). */
void      lw_controls_panel_show_pending (LwControlsPanel *self, const LwRunSettings *settings,
                                          const char *preset_id);
/* The network drop-down again from lw_choices_get_presets (after a save). */
void      lw_controls_panel_reload_presets (LwControlsPanel *self);
/* A refused value: message shown where it was typed; NULL clears. */
void      lw_controls_panel_show_error   (LwControlsPanel *self, LwField field, const char *message);
void      lw_controls_panel_show_block_error (LwControlsPanel *self, guint block,
                                              const char *message);
GtkEntry *lw_controls_panel_get_entry    (LwControlsPanel *self, LwField field);
/* The New Run network drop-down, in lw_choices_get_preset() order. */
GtkDropDown *lw_controls_panel_get_preset_dropdown (LwControlsPanel *self);
/* What "Open folder…" does with the folder chosen: checked, then chosen
 * as the dataset, or refused with the reason under the drop-down. */
gboolean     lw_controls_panel_choose_folder (LwControlsPanel *self, const char *path);
/* The reason the last folder was refused, or NULL. */
const char  *lw_controls_panel_get_dataset_error (LwControlsPanel *self);

G_END_DECLS
