/* lw-run-disk.h: the window's runs on disk, in the run-file format of
 * src/runfile. Besides the common sections (settings, model state,
 * position, interventions = the curves' marks) a window run keeps its
 * curves, its recent-batch window and its latest accuracies, so an opened
 * run looks and trains on as it did when saved. */
#pragma once

#include <glib.h>

#include "lw-run.h"
#include "lw-session.h"
#include "runfile/lw-run-file.h"

G_BEGIN_DECLS

#define LW_SESSION_RUN_WRITER "layerwise"

/* The run as a run file held in memory, as lw_run_disk_save writes it
 * (the pipeline drained first). */
LwRunFile *lw_run_disk_image   (LwRun *run, const LwRunSettings *settings);

/* Atomic: path holds the old file or the new one, whole. */
gboolean   lw_run_disk_save    (LwRun *run, const LwRunSettings *settings, const char *path,
                                GError **error);

/* Reads path and its settings into settings (initialised here; the
 * caller clears them); the file is returned for lw_run_disk_restore. */
LwRunFile *lw_run_disk_open    (const char *path, LwRunSettings *settings, GError **error);

/* Fills a run just built by lw_run_new from the file's settings: checks
 * the dataset is the run's, then restores model, position, curves. On
 * error the run is half-restored and must be dropped. */
gboolean   lw_run_disk_restore (LwRun *run, LwRunFile *file, GError **error);

G_END_DECLS
