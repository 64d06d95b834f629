/* lw-run-header.h: what a run says before it trains, and its peak memory
 * after. */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-model.h"
#include "lw-cli-options.h"

G_BEGIN_DECLS

/* The dataset, the model, the epochs, seed and threads, the schedule. */
void   lw_print_run_header (FILE *out, const LwCliOptions *opts, const LwDataset *ds,
                            const LwModel *model);
/* This process's peak resident memory. */
double lw_peak_rss_mib     (void);

G_END_DECLS
