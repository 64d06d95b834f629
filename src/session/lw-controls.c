/* lw-controls.c: the one place that changes a live control of a run
 * (lw_model_set_* through the table of lw-live-controls.h). */
#include "config.h"

#include "lw-controls.h"

#include <glib/gi18n-lib.h>

#include "lw-label.h"

/* Which mark each numeric live control leaves on the curves (the mark's
 * kind picks its colour and legend; lw-snapshot.h). */
static const LwMarkKind control_marks[LW_N_LIVE_CONTROLS] = {
  [LW_LIVE_BETA] = LW_MARK_LOSS,
  [LW_LIVE_LR] = LW_MARK_LR,
  [LW_LIVE_BLOCK_LR_MULT] = LW_MARK_LR,
  [LW_LIVE_DROPOUT] = LW_MARK_DROPOUT,
};

static gboolean
set_value (LwRun *r, const LwCommand *cmd, guint64 at)
{
  const LwLiveControl *c = lw_live_control_get (cmd->control);
  float v = (float) cmd->value;
  char num[32];

  g_return_val_if_fail (c != NULL, FALSE);
  lw_label_number (num, sizeof num, v);
  if (c->config_offset == LW_LIVE_PER_BLOCK)
    {
      /* The run keeps each block's value for the snapshot. */
      g_assert (cmd->control == LW_LIVE_BLOCK_LR_MULT);
      if (cmd->block >= r->n_blocks || v == r->block_lr_mult[cmd->block])
        return FALSE;
      c->set_block (r->model, cmd->block, v);
      r->block_lr_mult[cmd->block] = v;
      lw_history_add_mark (r->history, control_marks[c->id], at, _(c->mark), cmd->block + 1, num);
      return TRUE;
    }
  if (v == lw_live_control_value (c, lw_model_get_config (r->model)))
    return FALSE;
  c->set (r->model, v);
  /* A rate the user sets is where a new run starts, milestones or not. */
  if (c->id == LW_LIVE_LR)
    r->lr_base = v;
  lw_history_add_mark (r->history, control_marks[c->id], at, _(c->mark), num);
  return TRUE;
}

gboolean
lw_controls_apply (LwRun *r, const LwCommand *cmd)
{
  const LwModelConfig *cfg = lw_model_get_config (r->model);
  LwHistory *h = r->history;
  /* From the next batch handed out (a pipeline may still hold some). */
  guint64 at = r->samples_pushed;

  switch (cmd->kind)
    {
    case LW_CMD_SET_LOSS:
      if (cmd->loss == cfg->loss)
        return FALSE;
      lw_model_set_loss (r->model, cmd->loss);
      lw_history_add_mark (h, LW_MARK_LOSS, at, "%s", lw_loss_type_to_string (cmd->loss));
      return TRUE;

    case LW_CMD_SET_VALUE:
      return set_value (r, cmd, at);

    case LW_CMD_SET_BLOCK_FROZEN:
      if (cmd->block >= r->n_blocks
          || !cmd->frozen == !lw_model_get_block_frozen (r->model, cmd->block))
        return FALSE;
      lw_model_set_block_frozen (r->model, cmd->block, cmd->frozen);
      lw_history_add_mark (h, LW_MARK_FREEZE, at,
                           cmd->frozen ? _("freeze b%u") : _("thaw b%u"), cmd->block + 1);
      return TRUE;

    case LW_CMD_SET_NO_DETACH:
      if (!cmd->no_detach == !cfg->no_detach)
        return FALSE;
      lw_model_set_no_detach (r->model, cmd->no_detach);
      lw_history_add_mark (h, LW_MARK_DETACH, at, "%s",
                           /* Translators: marks on the curves where local errors began (or
                            * stopped) reaching the blocks below: the reference's --no-detach. */
                           cmd->no_detach ? _("no detach") : _("detach"));
      return TRUE;

    default:
      g_return_val_if_reached (FALSE);
    }
}
