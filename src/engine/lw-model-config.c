/* lw-model-config.c: what a model is made from (LwModelConfig, declared
 * in lw-model.h): its defaults, the check that it makes a model, and the
 * names of its losses, activations and optimizers as the CLI, the run
 * files and the presets write them. */
#include "config.h"

#include "lw-model.h"
#include "lw-live-controls.h"
#include "lw-model-private.h"

#include <math.h>
#include <glib/gi18n-lib.h>

static const char *const loss_names[LW_N_LOSSES] = {
  [LW_LOSS_PRED] = "pred",
  [LW_LOSS_SIM] = "sim",
  [LW_LOSS_PREDSIM] = "predsim",
  [LW_LOSS_BP] = "bp",
  [LW_LOSS_PRED_BPF] = "pred-bpf",
  [LW_LOSS_SIM_BPF] = "sim-bpf",
  [LW_LOSS_PREDSIM_BPF] = "predsim-bpf",
};

const char *
lw_loss_type_to_string (LwLossType loss)
{
  g_return_val_if_fail (loss < LW_N_LOSSES, NULL);
  return loss_names[loss];
}

gboolean
lw_loss_type_from_string (const char *name, LwLossType *loss)
{
  for (guint i = 0; i < LW_N_LOSSES && name != NULL; i++)
    if (g_str_equal (name, loss_names[i]))
      {
        *loss = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
lw_loss_type_is_bpf (LwLossType loss)
{
  return loss == LW_LOSS_PRED_BPF || loss == LW_LOSS_SIM_BPF || loss == LW_LOSS_PREDSIM_BPF;
}

/* Names by value: a name's index is what it parses to. */
static const char *const nonlin_names[LW_N_NONLINS] = {
  [LW_NONLIN_RELU] = "relu",
  [LW_NONLIN_LEAKY_RELU] = "leakyrelu",
};

static const char *const optim_names[LW_N_OPTIMS] = {
  [LW_OPTIM_ADAM] = "adam",
  [LW_OPTIM_SGD] = "sgd",
};

/* The index of name among n names, or -1. */
static int
name_index (const char *const *names, guint n, const char *name)
{
  for (guint i = 0; i < n && name != NULL; i++)
    if (g_str_equal (name, names[i]))
      return (int) i;
  return -1;
}

const char *
lw_nonlin_to_string (LwNonlin nonlin)
{
  g_return_val_if_fail (nonlin < LW_N_NONLINS, NULL);
  return nonlin_names[nonlin];
}

gboolean
lw_nonlin_from_string (const char *name, LwNonlin *nonlin)
{
  int i = name_index (nonlin_names, LW_N_NONLINS, name);

  if (i < 0)
    return FALSE;
  *nonlin = (LwNonlin) i;
  return TRUE;
}

const char *
lw_optim_to_string (LwOptimKind optim)
{
  g_return_val_if_fail (optim < LW_N_OPTIMS, NULL);
  return optim_names[optim];
}

gboolean
lw_optim_from_string (const char *name, LwOptimKind *optim)
{
  int i = name_index (optim_names, LW_N_OPTIMS, name);

  if (i < 0)
    return FALSE;
  *optim = (LwOptimKind) i;
  return TRUE;
}

void
lw_model_config_init (LwModelConfig *config)
{
  *config = (LwModelConfig) {
    .arch = LW_ARCH_MLP,
    .in_channels = 1, .in_height = 28, .in_width = 28,
    .n_classes = 10,
    .num_layers = 3,
    .num_hidden = 1024,
    .feat_mult = 1,
    .dim_in_decoder = LW_CONV_BLOCK_BPF_SIM_DIM,
    .batch_size = 128,
    .loss = LW_LOSS_PREDSIM,
    .nonlin = LW_NONLIN_RELU,
    .optim = LW_OPTIM_ADAM,
    .momentum = 0.0f,
    .weight_decay = 0.0f,
    .target_proj_size = 128,
    .seed = 1,
  };
  /* The live controls' defaults are declared with their ranges. */
  for (guint i = 0; i < LW_N_LIVE_CONTROLS; i++)
    {
      const LwLiveControl *c = lw_live_control_get (i);

      if (c->config_offset != LW_LIVE_PER_BLOCK)
        lw_live_control_set_config (c, config, c->def);
    }
}

gboolean
lw_model_config_check (const LwModelConfig *c, GError **error)
{
  g_autofree char *owned = NULL;  /* a message with a number in it */
  const char *what = NULL;
  LwConvBlockShape shapes[LW_ARCH_MAX_LAYOUT];

  if (c->arch >= LW_N_ARCHS)
    what = _("unknown architecture");
  else if (c->nonlin != LW_NONLIN_RELU && c->nonlin != LW_NONLIN_LEAKY_RELU)
    what = _("unknown activation function");
  else if (c->optim != LW_OPTIM_ADAM && c->optim != LW_OPTIM_SGD)
    what = _("unknown optimizer");
  else if (c->in_channels == 0 || c->in_height == 0 || c->in_width == 0)
    what = _("input size must be positive");
  else if ((guint64) c->in_channels * c->in_height * c->in_width > (1u << 24))
    what = _("input is too large");
  else if (c->n_classes < 2 || c->n_classes > 256)
    what = _("number of classes must be between 2 and 256");
  else if (c->num_layers < 1 || c->num_layers > LW_MAX_BLOCKS)
    what = owned = g_strdup_printf (_("number of layers must be between 1 and %u"), LW_MAX_BLOCKS);
  else if (c->num_hidden < 1 || c->num_hidden > 65536)
    what = _("hidden units must be between 1 and 65536");
  else if (c->batch_size < 1 || c->batch_size > 65536)
    what = _("batch size must be between 1 and 65536");
  else if (c->loss >= LW_N_LOSSES)
    what = _("unknown loss type");
  else if (!(c->beta >= 0.0f && c->beta <= 1.0f))
    what = _("beta must be between 0 and 1");
  else if (!(c->lr >= 0.0f && isfinite (c->lr)))
    what = _("learning rate must be a non-negative number");
  else if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
    what = _("dropout must be at least 0 and below 1");
  else if (!(c->momentum >= 0.0f && c->momentum < 1.0f))
    what = _("momentum must be at least 0 and below 1");
  else if (!(c->weight_decay >= 0.0f && isfinite (c->weight_decay)))
    what = _("weight decay must be a non-negative number");
  else if (c->target_proj_size < 1 || c->target_proj_size > 4096)
    what = _("target projection size must be between 1 and 4096");
  else if (lw_arch_is_conv (c->arch))
    {
      guint n_conv;

      if (c->feat_mult < 1 || c->feat_mult > 16)
        what = _("feature multiplier must be between 1 and 16");
      else if (c->dim_in_decoder < 1 || c->dim_in_decoder > (1u << 20))
        what = _("decoder input size must be between 1 and 1048576");
      else if (c->in_height != c->in_width)
        what = _("conv architectures need square inputs");
      else if ((n_conv = lw_arch_conv_shapes (c, shapes, &what)) > 0
               && n_conv + c->num_layers > LW_MAX_BLOCKS)
        what = _("too many blocks");
    }

  if (what != NULL)
    {
      g_set_error_literal (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID, what);
      return FALSE;
    }
  return TRUE;
}
