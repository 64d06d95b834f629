/* lw-visuals.c: one allocation per refresh, laid out with LwBump. The
 * reference count uses the inline atomics (not g_atomic_rc_box), which
 * ThreadSanitizer can see. */
#include "lw-visuals.h"

#include <string.h>

LwVisuals *
lw_visuals_compute (LwRun *r, guint image_index)
{
  const LwDataset *ds = r->ds;
  guint rows, cols, total_width = 0;
  const float *weights = lw_model_first_weights (r->model, &rows, &cols);
  gsize pn = r->probe_n;
  gsize head = lw_bump_size (sizeof (LwVisuals));
  gsize size;
  LwVisuals *v;
  const LwModelConfig *cfg = lw_model_get_config (r->model);
  /* Each block's own target only where they differ. */
  gboolean per_block = lw_loss_type_is_bpf (cfg->loss) && !cfg->shared_target_proj && pn > 0;
  float *filters, *label_sim, *block_sim, *target_sim = NULL, *image, *act;
  guint8 *labels;
  guint32 index = image_index;
  LwBump mem;

  g_return_val_if_fail (image_index < ds->test.n, NULL);

  for (guint i = 0; i < r->n_blocks; i++)
    total_width += lw_model_block_width (r->model, i);

  size = head
         + lw_bump_size (sizeof (float) * rows * cols)
         + lw_bump_size (pn)
         + lw_bump_size (sizeof (float) * pn * pn)
         + lw_bump_size (sizeof (float) * r->n_blocks * pn * pn)
         + (per_block ? lw_bump_size (sizeof (float) * r->n_blocks * pn * pn) : 0)
         + lw_bump_size (sizeof (float) * r->input_size)
         + lw_bump_size (sizeof (float) * total_width);
  v = g_malloc0 (size);
  v->ref_count = 1;
  lw_bump_init (&mem, (char *) v + head, size - head);
  filters = lw_bump_take (&mem, sizeof (float) * rows * cols);
  labels = lw_bump_take (&mem, pn);
  label_sim = lw_bump_take (&mem, sizeof (float) * pn * pn);
  block_sim = lw_bump_take (&mem, sizeof (float) * r->n_blocks * pn * pn);
  if (per_block)
    target_sim = lw_bump_take (&mem, sizeof (float) * r->n_blocks * pn * pn);
  image = lw_bump_take (&mem, sizeof (float) * r->input_size);
  act = lw_bump_take (&mem, sizeof (float) * total_width);

  memcpy (filters, weights, sizeof (float) * rows * cols);
  if (pn > 0)
    {
      memcpy (labels, r->probe_y, pn);
      lw_model_similarity (r->model, r->probe_x, r->probe_y, (guint) pn, label_sim, block_sim);
      for (guint i = 0; per_block && i < r->n_blocks; i++)
        lw_model_target_similarity (r->model, i, r->probe_y, (guint) pn,
                                    target_sim + (gsize) i * pn * pn);
    }
  lw_dataset_fill_batch (ds, &ds->test, &index, 1, NULL, NULL, image, &v->probe_image_label);
  lw_model_activations (r->model, image, 1, act);

  v->step = r->step;
  v->filter_rows = rows;
  v->filter_cols = cols;
  v->filter_shape = lw_model_first_weights_shape (r->model);
  v->filters = filters;
  v->probe_n = (guint) pn;
  v->probe_labels = labels;
  v->label_sim = label_sim;
  v->block_sim = block_sim;
  v->target_sim = target_sim;
  v->probe_image_index = image_index;
  v->probe_image = image;
  v->n_blocks = r->n_blocks;
  for (guint i = 0; i < r->n_blocks; i++)
    {
      v->block_width[i] = lw_model_block_width (r->model, i);
      lw_model_block_map_shape (r->model, i, &v->block_map[i]);
    }
  v->activations = act;
  return v;
}

LwVisuals *
lw_visuals_ref (LwVisuals *v)
{
  g_atomic_int_inc (&v->ref_count);
  return v;
}

void
lw_visuals_unref (LwVisuals *v)
{
  if (g_atomic_int_dec_and_test (&v->ref_count))
    g_free (v);
}
