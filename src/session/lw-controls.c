/* lw-controls.c: the one place that calls lw_model_set_*. */
#include "config.h"

#include "lw-controls.h"

#include <glib/gi18n-lib.h>

#include "lw-label.h"

gboolean
lw_controls_apply (LwRun *r, const LwCommand *cmd)
{
  const LwModelConfig *cfg = lw_model_get_config (r->model);
  LwHistory *h = r->history;
  /* From the next batch handed out (a pipeline may still hold some). */
  guint64 at = r->samples_pushed;
  float v = (float) cmd->value;
  char num[32];

  switch (cmd->kind)
    {
    case LW_CMD_SET_LOSS:
      if (cmd->loss == cfg->loss)
        return FALSE;
      lw_model_set_loss (r->model, cmd->loss);
      lw_history_add_mark (h, LW_MARK_LOSS, at, "%s", lw_loss_type_to_string (cmd->loss));
      return TRUE;

    case LW_CMD_SET_BETA:
      if (v == cfg->beta)
        return FALSE;
      lw_model_set_beta (r->model, v);
      lw_history_add_mark (h, LW_MARK_LOSS, at, _("beta %s"), lw_label_number (num, sizeof num, v));
      return TRUE;

    case LW_CMD_SET_LR:
      if (v == cfg->lr)
        return FALSE;
      lw_model_set_lr (r->model, v);
      lw_history_add_mark (h, LW_MARK_LR, at, _("lr %s"), lw_label_number (num, sizeof num, v));
      return TRUE;

    case LW_CMD_SET_BLOCK_LR_MULT:
      if (cmd->block >= r->n_blocks || v == r->block_lr_mult[cmd->block])
        return FALSE;
      lw_model_set_block_lr_mult (r->model, cmd->block, v);
      r->block_lr_mult[cmd->block] = v;
      lw_history_add_mark (h, LW_MARK_LR, at, _("b%u lr×%s"), cmd->block + 1,
                           lw_label_number (num, sizeof num, v));
      return TRUE;

    case LW_CMD_SET_BLOCK_FROZEN:
      if (cmd->block >= r->n_blocks
          || !cmd->frozen == !lw_model_get_block_frozen (r->model, cmd->block))
        return FALSE;
      lw_model_set_block_frozen (r->model, cmd->block, cmd->frozen);
      lw_history_add_mark (h, LW_MARK_FREEZE, at,
                           cmd->frozen ? _("freeze b%u") : _("thaw b%u"), cmd->block + 1);
      return TRUE;

    case LW_CMD_SET_DROPOUT:
      if (v == cfg->dropout)
        return FALSE;
      lw_model_set_dropout (r->model, v);
      lw_history_add_mark (h, LW_MARK_DROPOUT, at, _("dropout %s"),
                           lw_label_number (num, sizeof num, v));
      return TRUE;

    default:
      g_return_val_if_reached (FALSE);
    }
}
