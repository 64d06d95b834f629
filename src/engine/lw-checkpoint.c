/* lw-checkpoint.c: the model's state, visited in its fixed order
 * (lw_model_visit_state), copied into one buffer and back. */
#include "lw-checkpoint.h"
#include "lw-model-private.h"

#include <string.h>

struct _LwCheckpoint {
  float *values;
  guint64 *steps;             /* each tensor's t */
  gsize n_values, n_steps;
  gboolean taken;
};

typedef struct {
  LwCheckpoint *c;
  gsize value_pos, step_pos;
  enum { MEASURE, TAKE, RESTORE } mode;
} Walk;

static void
walk (float *values, gsize n, guint64 *t, gpointer data)
{
  Walk *wk = data;
  LwCheckpoint *c = wk->c;

  switch (wk->mode)
    {
    case MEASURE:
      break;
    case TAKE:
      /* A tensor may be empty (no BatchNorm: NULL, 0 values); memcpy
       * may not be given NULL even then. */
      if (n > 0)
        memcpy (c->values + wk->value_pos, values, n * sizeof (float));
      if (t != NULL)
        c->steps[wk->step_pos] = *t;
      break;
    case RESTORE:
      if (n > 0)
        memcpy (values, c->values + wk->value_pos, n * sizeof (float));
      if (t != NULL)
        *t = c->steps[wk->step_pos];
      break;
    }
  wk->value_pos += n;
  wk->step_pos += t != NULL;
}

LwCheckpoint *
lw_checkpoint_new (LwModel *model)
{
  LwCheckpoint *c = g_new0 (LwCheckpoint, 1);
  Walk wk = { c, 0, 0, MEASURE };

  g_return_val_if_fail (model != NULL, NULL);
  lw_model_visit_state (model, walk, &wk);
  c->n_values = wk.value_pos;
  c->n_steps = wk.step_pos;
  c->values = g_new (float, c->n_values);
  c->steps = g_new (guint64, c->n_steps);
  return c;
}

void
lw_checkpoint_free (LwCheckpoint *c)
{
  if (c == NULL)
    return;
  g_free (c->values);
  g_free (c->steps);
  g_free (c);
}

void
lw_checkpoint_take (LwCheckpoint *c, LwModel *model)
{
  Walk wk = { c, 0, 0, TAKE };

  g_return_if_fail (c != NULL && model != NULL);
  lw_model_visit_state (model, walk, &wk);
  g_assert (wk.value_pos == c->n_values && wk.step_pos == c->n_steps);
  c->taken = TRUE;
}

gboolean
lw_checkpoint_restore (const LwCheckpoint *c, LwModel *model)
{
  Walk wk = { (LwCheckpoint *) c, 0, 0, RESTORE };

  g_return_val_if_fail (c != NULL && model != NULL, FALSE);
  if (!c->taken)
    return FALSE;
  lw_model_visit_state (model, walk, &wk);
  g_assert (wk.value_pos == c->n_values && wk.step_pos == c->n_steps);
  lw_model_state_changed (model);
  return TRUE;
}

gboolean
lw_checkpoint_is_empty (const LwCheckpoint *c)
{
  return !c->taken;
}
