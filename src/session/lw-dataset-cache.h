/* lw-dataset-cache.h: one copy in memory of each dataset, shared by every
 * session that trains on it. Entries are keyed by kind, folder (NULL,
 * the usual places, counts as the folder lw_dataset_find_dir finds there)
 * and training-set limit, and counted: the copy is freed when the last session lets go. Sessions
 * only read a dataset once it is loaded (lw_dataset_limit_train runs
 * before it is shared), so the copy is const. Thread-safe. */
#pragma once

#include <glib.h>

#include "data/lw-dataset.h"

G_BEGIN_DECLS

/* The dataset, loaded now unless another session has it; a session
 * loading the same one meanwhile is waited for. NULL with the loader's
 * error when it cannot be loaded. limit_train as lw_dataset_limit_train. */
const LwDataset *lw_dataset_cache_get     (LwDatasetKind kind, const char *dir, guint limit_train,
                                           GError **error);
/* Lets go of a dataset lw_dataset_cache_get gave (NULL: nothing). */
void             lw_dataset_cache_release (const LwDataset *ds);
/* For tests: the datasets held now. */
guint            lw_dataset_cache_n_loaded (void);

G_END_DECLS
