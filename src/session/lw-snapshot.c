/* lw-snapshot.c: one allocation per snapshot (values, strings, a copy of
 * the current curves); the previous runs and the pictures are shared
 * immutable blobs, referenced rather than copied. */
#include "lw-snapshot-private.h"

#include <string.h>

typedef struct {
  LwSnapshot pub;             /* first, so the public pointer is ours */
  LwVisuals *visuals;
  LwPredictions *predictions;
  LwSnapshot *base;           /* derived: whose contents these are */
  guint n_prev;
  LwFrozenRun *prev[LW_SNAPSHOT_MAX_PREVIOUS];
} LwSnapshotPriv;

static char *
take_string (LwBump *mem, const char *s)
{
  char *d;

  if (s == NULL)
    return NULL;
  d = lw_bump_take (mem, strlen (s) + 1);
  strcpy (d, s);
  return d;
}

static gsize
string_size (const char *s)
{
  return s != NULL ? lw_bump_size (strlen (s) + 1) : 0;
}

static gsize
names_size (const char *const *names, guint n)
{
  gsize size = names != NULL ? lw_bump_size (sizeof (char *) * n) : 0;

  for (guint i = 0; names != NULL && i < n; i++)
    size += string_size (names[i]);
  return size;
}

/* The class names live in the snapshot's one block, like its strings:
 * the dataset they came from may be gone before the window drops it. */
static const char *const *
take_names (LwBump *mem, const char *const *names, guint n)
{
  const char **copy;

  if (names == NULL)
    return NULL;
  copy = lw_bump_take (mem, sizeof (char *) * n);
  for (guint i = 0; i < n; i++)
    copy[i] = take_string (mem, names[i]);
  return copy;
}

LwSnapshot *
lw_snapshot_new (const LwSnapshot *tmpl, const LwHistory *current,
                 LwFrozenRun *const *previous, guint n_previous, LwVisuals *visuals)
{
  gsize head = lw_bump_size (sizeof (LwSnapshotPriv));
  gsize size;
  LwSnapshotPriv *priv;
  LwSnapshot *snap;
  LwRunCurves *prev_array;
  LwBump mem;

  g_return_val_if_fail (n_previous <= LW_SNAPSHOT_MAX_PREVIOUS, NULL);

  size = head + string_size (tmpl->error) + string_size (tmpl->dataset_name)
         + string_size (tmpl->file_message)
         + string_size (tmpl->divergence)
         + names_size (tmpl->class_names, tmpl->n_class_names)
         + lw_bump_size (sizeof (LwRunCurves) * n_previous)
         + (current != NULL ? lw_history_copy_size (current) : 0);
  priv = g_malloc (size);
  lw_bump_init (&mem, (char *) priv + head, size - head);
  snap = &priv->pub;
  *snap = *tmpl;
  snap->ref_count = 1;
  snap->error = take_string (&mem, tmpl->error);
  snap->dataset_name = take_string (&mem, tmpl->dataset_name);
  snap->file_message = take_string (&mem, tmpl->file_message);
  snap->divergence = take_string (&mem, tmpl->divergence);
  snap->class_names = take_names (&mem, tmpl->class_names, tmpl->n_class_names);
  snap->n_class_names = snap->class_names != NULL ? tmpl->n_class_names : 0;

  prev_array = lw_bump_take (&mem, sizeof (LwRunCurves) * n_previous);
  priv->n_prev = n_previous;
  for (guint i = 0; i < n_previous; i++)
    {
      priv->prev[i] = lw_frozen_run_ref (previous[i]);
      prev_array[i] = previous[i]->curves;   /* points into the shared blob */
    }
  snap->n_previous = n_previous;
  snap->previous = n_previous > 0 ? prev_array : NULL;

  if (current != NULL)
    lw_history_copy (current, &snap->current, &mem);
  else
    memset (&snap->current, 0, sizeof snap->current);

  priv->visuals = visuals != NULL ? lw_visuals_ref (visuals) : NULL;
  if (visuals != NULL)
    {
      snap->filter_rows = visuals->filter_rows;
      snap->filter_cols = visuals->filter_cols;
      snap->filter_shape = visuals->filter_shape;
      snap->filters = visuals->filters;
      snap->probe_n = visuals->probe_n;
      snap->probe_labels = visuals->probe_labels;
      snap->label_sim = visuals->label_sim;
      snap->block_sim = visuals->block_sim;
      snap->target_sim = visuals->target_sim;
      snap->probe_image_index = visuals->probe_image_index;
      snap->probe_image_label = visuals->probe_image_label;
      snap->probe_image = visuals->probe_image;
      memcpy (snap->block_width, visuals->block_width, sizeof snap->block_width);
      memcpy (snap->block_map, visuals->block_map, sizeof snap->block_map);
      snap->activations = visuals->activations;
    }
  else
    {
      snap->filter_rows = snap->filter_cols = 0;
      snap->filter_shape = (LwMapShape) { 0 };
      snap->filters = NULL;
      snap->probe_n = 0;
      snap->probe_labels = NULL;
      snap->label_sim = snap->block_sim = snap->target_sim = NULL;
      snap->probe_image = NULL;
      snap->activations = NULL;
    }
  snap->predictions = NULL;
  priv->predictions = NULL;
  priv->base = NULL;
  return snap;
}

LwSnapshot *
lw_snapshot_derive (LwSnapshot *base)
{
  LwSnapshotPriv *priv = g_new0 (LwSnapshotPriv, 1);

  g_return_val_if_fail (base != NULL, NULL);
  priv->pub = *base;
  priv->pub.ref_count = 1;
  priv->base = lw_snapshot_ref (base);
  return &priv->pub;
}

void
lw_snapshot_set_predictions (LwSnapshot *snap, LwPredictions *preds)
{
  LwSnapshotPriv *priv = (LwSnapshotPriv *) snap;

  g_return_if_fail (snap != NULL && snap->ref_count == 1);
  g_clear_pointer (&priv->predictions, lw_predictions_unref);
  priv->predictions = preds != NULL ? lw_predictions_ref (preds) : NULL;
  snap->predictions = preds;
}

LwSnapshot *
lw_snapshot_ref (LwSnapshot *snap)
{
  g_return_val_if_fail (snap != NULL, NULL);
  g_atomic_int_inc (&snap->ref_count);
  return snap;
}

void
lw_snapshot_unref (LwSnapshot *snap)
{
  LwSnapshotPriv *priv = (LwSnapshotPriv *) snap;

  if (snap == NULL || !g_atomic_int_dec_and_test (&snap->ref_count))
    return;
  if (priv->base != NULL)
    {
      lw_snapshot_unref (priv->base);
      g_free (priv);
      return;
    }
  for (guint i = 0; i < priv->n_prev; i++)
    lw_frozen_run_unref (priv->prev[i]);
  if (priv->visuals != NULL)
    lw_visuals_unref (priv->visuals);
  lw_predictions_unref (priv->predictions);
  g_free (priv);
}

const char *
lw_run_state_to_string (LwRunState state)
{
  switch (state)
    {
    case LW_RUN_LOADING: return "loading";
    case LW_RUN_PAUSED: return "paused";
    case LW_RUN_RUNNING: return "running";
    case LW_RUN_FINISHED: return "finished";
    case LW_RUN_FAILED: return "failed";
    default: return "unknown";
    }
}
