/* lw-window.c: a ring of the last LW_WINDOW_BATCHES batches' statistics.
 * Sums are taken afresh each time (a few hundred additions), so float
 * drift never builds up. */
#include "lw-window.h"

#include <math.h>
#include <string.h>

void
lw_window_init (LwWindow *w, guint n_blocks)
{
  memset (w, 0, sizeof *w);
  w->n_blocks = MIN (n_blocks, LW_MAX_BLOCKS);
}

void
lw_window_add (LwWindow *w, const LwStepStats *st)
{
  LwWindowEntry *e = &w->entries[w->head];

  e->count = st->count;
  for (guint i = 0; i < w->n_blocks; i++)
    {
      e->correct[i] = st->block[i].correct;
      e->loss_pred[i] = st->block[i].loss_pred;
      e->loss_sim[i] = st->block[i].loss_sim;
    }
  e->correct[w->n_blocks] = st->correct_out;
  e->loss_pred[w->n_blocks] = st->loss_out;
  w->head = (w->head + 1) % LW_WINDOW_BATCHES;
  w->n = MIN (w->n + 1, LW_WINDOW_BATCHES);
}

/* Weighted by batch size, so a short last batch counts for what it is. */
static float
mean_of (const LwWindow *w, gsize offset, guint index, gboolean is_count)
{
  double sum = 0.0;
  guint total = 0;

  for (guint k = 0; k < w->n; k++)
    {
      const LwWindowEntry *e = &w->entries[k];
      const char *base = (const char *) e + offset;

      total += e->count;
      if (is_count)
        sum += ((const guint *) base)[index];
      else
        sum += (double) ((const float *) base)[index] * e->count;
    }
  return total > 0 ? (float) (sum / total) : NAN;
}

float
lw_window_acc (const LwWindow *w, guint layer)
{
  g_return_val_if_fail (layer <= w->n_blocks, NAN);
  return mean_of (w, G_STRUCT_OFFSET (LwWindowEntry, correct), layer, TRUE);
}

float
lw_window_loss_pred (const LwWindow *w, guint layer)
{
  g_return_val_if_fail (layer <= w->n_blocks, NAN);
  return mean_of (w, G_STRUCT_OFFSET (LwWindowEntry, loss_pred), layer, FALSE);
}

float
lw_window_loss_sim (const LwWindow *w, guint block)
{
  g_return_val_if_fail (block < w->n_blocks, NAN);
  return mean_of (w, G_STRUCT_OFFSET (LwWindowEntry, loss_sim), block, FALSE);
}
