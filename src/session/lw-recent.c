/* lw-recent.c: a ring of the last LW_RECENT_BATCHES batches' statistics.
 * Sums are taken afresh each time (a few hundred additions), so float
 * drift never builds up. */
#include "lw-recent.h"

#include <math.h>
#include <string.h>

void
lw_recent_init (LwRecent *w, guint n_blocks)
{
  memset (w, 0, sizeof *w);
  w->n_blocks = MIN (n_blocks, LW_MAX_BLOCKS);
}

void
lw_recent_add (LwRecent *w, const LwStepStats *st)
{
  LwRecentEntry *e = &w->entries[w->head];

  e->count = st->count;
  for (guint i = 0; i < w->n_blocks; i++)
    {
      e->correct[i] = st->block[i].correct;
      e->loss_pred[i] = st->block[i].loss_pred;
      e->loss_sim[i] = st->block[i].loss_sim;
    }
  e->correct[w->n_blocks] = st->correct_out;
  e->loss_pred[w->n_blocks] = st->loss_out;
  w->head = (w->head + 1) % LW_RECENT_BATCHES;
  w->n = MIN (w->n + 1, LW_RECENT_BATCHES);
}

/* Weighted by batch size, so a short last batch counts for what it is. */
static float
mean_of (const LwRecent *w, gsize offset, guint index, gboolean is_count)
{
  double sum = 0.0;
  guint total = 0;

  for (guint k = 0; k < w->n; k++)
    {
      const LwRecentEntry *e = &w->entries[k];
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
lw_recent_acc (const LwRecent *w, guint layer)
{
  g_return_val_if_fail (layer <= w->n_blocks, NAN);
  return mean_of (w, G_STRUCT_OFFSET (LwRecentEntry, correct), layer, TRUE);
}

float
lw_recent_loss_pred (const LwRecent *w, guint layer)
{
  g_return_val_if_fail (layer <= w->n_blocks, NAN);
  return mean_of (w, G_STRUCT_OFFSET (LwRecentEntry, loss_pred), layer, FALSE);
}

float
lw_recent_loss_sim (const LwRecent *w, guint block)
{
  g_return_val_if_fail (block < w->n_blocks, NAN);
  return mean_of (w, G_STRUCT_OFFSET (LwRecentEntry, loss_sim), block, FALSE);
}
