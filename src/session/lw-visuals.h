/* lw-visuals.h: the large pictures of the model (first-layer filters,
 * similarity matrices, one image's activations), computed a few times a
 * second into an immutable, reference-counted blob that every snapshot
 * published meanwhile shares. */
#pragma once

#include <glib.h>

#include "lw-run.h"

G_BEGIN_DECLS

typedef struct {
  gint ref_count;
  guint64 step;               /* the run's step it shows */
  guint filter_rows, filter_cols;
  LwMapShape filter_shape;    /* one row as an image */
  const float *filters;
  guint probe_n;
  const guint8 *probe_labels;
  const float *label_sim;     /* probe_n * probe_n */
  const float *block_sim;     /* n_blocks * probe_n * probe_n */
  const float *target_sim;    /* bpf with a label code per block: each block's target,
                               * n_blocks * probe_n * probe_n; else NULL */
  guint probe_image_index;
  guint8 probe_image_label;
  const float *probe_image;   /* input_size */
  guint n_blocks;
  guint block_width[LW_MAX_BLOCKS];
  LwMapShape block_map[LW_MAX_BLOCKS]; /* conv blocks' C x h x w, zero for FC */
  const float *activations;   /* sum of block widths */
} LwVisuals;

/* Uses the model's batch buffers: call between steps only. image_index
 * must be below the test set size. */
LwVisuals *lw_visuals_compute (LwRun *run, guint image_index);
LwVisuals *lw_visuals_ref     (LwVisuals *vis);
void       lw_visuals_unref   (LwVisuals *vis);

G_END_DECLS
