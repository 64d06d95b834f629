/* lw-live-controls.h: the one declaration of the numeric live controls,
 * the values a user may change while a run trains (beta, learning rate,
 * a block's rate multiplier, dropout): each one's name, range, default,
 * where it lives in the model's configuration, its run-file key, the
 * words of its mark and of its range error. The session's command and
 * mark, the [model] run-file key, the CLI's range check and the window's
 * range check all read it, so the CLI and the window accept the same
 * values. The loss (a choice) and a block's freeze (a switch) are live
 * controls too but have no range; lw-controls.c handles them by hand.
 * docs/adding-a-live-control.md says how to add one.
 *
 * Example: the CLI's check of --dropout
 *
 *   const LwLiveControl *c = lw_live_control_find ("dropout");
 *   g_autofree char *why = lw_live_control_out_of_range (c, value);
 *   if (why != NULL)
 *     ... why is "dropout 0.97 is out of range: it must be between 0 and 0.95"
 */
#pragma once

#include <glib.h>

#include "lw-model.h"

G_BEGIN_DECLS

typedef enum {
  LW_LIVE_BETA,
  LW_LIVE_LR,
  LW_LIVE_BLOCK_LR_MULT,
  LW_LIVE_DROPOUT,
  LW_N_LIVE_CONTROLS
} LwLiveControlId;

/* No field of LwModelConfig: the control is per block (config_offset). */
#define LW_LIVE_PER_BLOCK G_MAXSIZE

typedef struct {
  LwLiveControlId id;
  const char *name;           /* its name; with cli, the CLI's flag is --name */
  gboolean cli;               /* layerwise-cli has the flag (a per-block control has none) */
  const char *key;            /* its key under [model] in a run file; NULL: not stored there */
  guint since;                /* the run-file format version that first wrote key */
  const char *label;          /* N_(): the words for it in errors, "learning rate" */
  const char *mark;           /* N_(): its mark on the curves, one %s for the value */
  double min, max;            /* the range the CLI and the window accept */
  gboolean min_open, max_open; /* TRUE: the bound itself is refused */
  float def;                  /* lw_model_config_init's value */
  gsize config_offset;        /* its float in LwModelConfig, or LW_LIVE_PER_BLOCK */
  void (*set) (LwModel *model, float value);               /* a model-wide control */
  void (*set_block) (LwModel *model, guint block, float value); /* a per-block one */
} LwLiveControl;

const LwLiveControl *lw_live_control_get   (LwLiveControlId id);
/* By name ("dropout"); NULL when there is no such control. */
const LwLiveControl *lw_live_control_find  (const char *name);
gboolean             lw_live_control_in_range (const LwLiveControl *control, double value);
/* NULL when value is in range; else the one message the CLI and the
 * window both show ("dropout 0.97 is out of range: it must be between 0
 * and 0.95"), translated, for g_free. */
char                *lw_live_control_out_of_range (const LwLiveControl *control, double value);
/* The control's value in config (a model-wide control only). */
float                lw_live_control_value (const LwLiveControl *control,
                                            const LwModelConfig *config);
void                 lw_live_control_set_config (const LwLiveControl *control,
                                                 LwModelConfig *config, float value);

G_END_DECLS
