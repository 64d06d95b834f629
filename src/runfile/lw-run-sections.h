/* lw-run-sections.h: the sections both layerwise-cli and the window
 * write: where in its epochs a run stands, what the user changed on the
 * way, the model's configuration and a fingerprint of the dataset. Each
 * reader checks every value it takes from the file. */
#pragma once

#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-model.h"
#include "engine/lw-rng.h"

G_BEGIN_DECLS

/* Where a run stands. The sampler is not stored: the epoch's batches are
 * drawn again from the shuffle stream as the epoch began, and the first
 * batch_pos of them skipped, which repeats the same order exactly. */
typedef struct {
  guint epoch;                /* 1-based, the epoch under way (or just finished) */
  guint batch_pos;            /* its batches trained, 0 .. batches per epoch */
  guint64 step, samples_seen;
  LwRng epoch_shuffle_rng;    /* the shuffle stream before the epoch drew its order */
  LwRng augment_rng;          /* now */
} LwRunPosition;

GBytes   *lw_run_position_to_bytes   (const LwRunPosition *pos);
gboolean  lw_run_position_from_bytes (GBytes *bytes, LwRunPosition *pos, GError **error);

/* One change the user (or a schedule) made during the run. kind is the
 * writer's own code; the label says it in words. */
typedef struct {
  guint64 samples;            /* samples seen when it happened */
  guint32 kind;
  char *label;
} LwRunIntervention;

/* A GArray of LwRunIntervention that frees the labels. */
GArray   *lw_run_interventions_new        (void);
void      lw_run_interventions_add        (GArray *list, guint64 samples, guint32 kind,
                                           const char *label);
GBytes   *lw_run_interventions_to_bytes   (const GArray *list);
GArray   *lw_run_interventions_from_bytes (GBytes *bytes, GError **error);

/* The model's configuration under [model] of a key file. */
void      lw_run_config_set_model    (GKeyFile *kf, const LwModelConfig *config);
/* Every key the file's format version wrote must be there and in range
 * (lw_model_new checks the rest); a key added in a later version takes
 * the value its absence implied (lw-run-file.h, Compatibility). */
gboolean  lw_run_config_get_model    (GKeyFile *kf, guint version, LwModelConfig *config,
                                      GError **error);

/* The dataset under [dataset]: its name, sizes and a checksum of its
 * labels, so a run is not continued on other data. */
void      lw_run_config_set_dataset  (GKeyFile *kf, const LwDataset *ds);
/* FALSE, with a message that says what differs, when ds is not the
 * dataset of the file. */
gboolean  lw_run_config_check_dataset (GKeyFile *kf, const LwDataset *ds, GError **error);

/* The CONF section as a key file, and back. */
GBytes   *lw_run_config_to_bytes     (GKeyFile *kf);
GKeyFile *lw_run_config_from_bytes   (GBytes *bytes, GError **error);

/* [run] writer: which program wrote the file ("layerwise-cli",
 * "layerwise"); a reader refuses the other's. */
void      lw_run_config_set_writer   (GKeyFile *kf, const char *writer);
gboolean  lw_run_config_check_writer (GKeyFile *kf, const char *writer, GError **error);

G_END_DECLS
