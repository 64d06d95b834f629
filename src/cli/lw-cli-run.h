/* lw-cli-run.h: layerwise-cli's runs on disk (--save, --checkpoint-every,
 * --resume), in the run-file format of src/runfile. Besides the common
 * sections a CLI run keeps its flags, its running statistics and the
 * metrics CSV so far, so a resumed run writes the same CSV as one that
 * never stopped. */
#pragma once

#include <glib.h>

#include "runfile/lw-run-file.h"

#include "data/lw-dataset.h"
#include "engine/lw-model.h"
#include "lw-cli-options.h"
#include "lw-trainer.h"

G_BEGIN_DECLS

#define LW_CLI_RUN_WRITER "layerwise-cli"

/* Saves atomically: path is either the old file or the new one, whole. */
gboolean  lw_cli_run_save     (const char *path, const LwCliOptions *opts, const LwDataset *ds,
                               LwModel *model, const LwTrainerState *state,
                               const char *metrics_text, GError **error);

/* Reads path and, for --resume, replaces the run's settings in opts by
 * the file's (lw_cli_options_resume). The file is kept for
 * lw_cli_run_restore. */
gboolean  lw_cli_run_open     (const char *path, LwCliOptions *opts, GKeyFile **config,
                               LwRunFile **file, GError **error);

/* Once the dataset is loaded and model built from the file's settings:
 * checks the dataset is the run's, then restores the model, the state
 * (initialised by lw_trainer_state_init) and the metrics text. Nothing is
 * changed on error. */
gboolean  lw_cli_run_restore  (LwRunFile *file, GKeyFile *config, const LwDataset *ds,
                               LwModel *model, LwTrainerState *state, char **metrics_text,
                               GError **error);

G_END_DECLS
