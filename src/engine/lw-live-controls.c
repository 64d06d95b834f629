/* lw-live-controls.c: the table of numeric live controls (see the header). */
#include "config.h"

#include "lw-live-controls.h"

#include <glib/gi18n-lib.h>

#include <float.h>
#include <math.h>

#define GLOBAL(field) G_STRUCT_OFFSET (LwModelConfig, field)

/* Ordered by id. Dropout stops at 0.95 although the model takes up to
 * 1 (exclusive), which run files of older versions may hold: above 0.95
 * hardly anything reaches the next layer. */
static const LwLiveControl controls[LW_N_LIVE_CONTROLS] = {
  {
    .id = LW_LIVE_BETA, .name = "beta", .cli = TRUE, .key = "beta", .since = 1,
    .label = N_("beta"), .mark = N_("beta %s"),
    .min = 0.0, .max = 1.0, .def = 0.99f,
    .config_offset = GLOBAL (beta), .set = lw_model_set_beta,
  },
  {
    .id = LW_LIVE_LR, .name = "lr", .cli = TRUE, .key = "lr", .since = 1,
    .label = N_("learning rate"), .mark = N_("lr %s"),
    .min = 0.0, .min_open = TRUE, .max = INFINITY, .def = 5e-4f,
    .config_offset = GLOBAL (lr), .set = lw_model_set_lr,
  },
  {
    .id = LW_LIVE_BLOCK_LR_MULT, .name = "block-lr-mult", .key = NULL,
    .label = N_("learning rate multiplier"), .mark = N_("b%u lr×%s"),
    .min = 0.0, .max = 100.0, .def = 1.0f,
    .config_offset = LW_LIVE_PER_BLOCK, .set_block = lw_model_set_block_lr_mult,
  },
  {
    .id = LW_LIVE_DROPOUT, .name = "dropout", .cli = TRUE, .key = "dropout", .since = 1,
    .label = N_("dropout"), .mark = N_("dropout %s"),
    .min = 0.0, .max = 0.95, .def = 0.0f,
    .config_offset = GLOBAL (dropout), .set = lw_model_set_dropout,
  },
};

const LwLiveControl *
lw_live_control_get (LwLiveControlId id)
{
  g_return_val_if_fail (id < LW_N_LIVE_CONTROLS, NULL);
  g_assert (controls[id].id == id);
  return &controls[id];
}

const LwLiveControl *
lw_live_control_find (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < LW_N_LIVE_CONTROLS; i++)
    if (g_str_equal (controls[i].name, name))
      return &controls[i];
  return NULL;
}

gboolean
lw_live_control_in_range (const LwLiveControl *c, double v)
{
  g_return_val_if_fail (c != NULL, FALSE);
  /* The model holds a float. */
  if (!isfinite (v) || !isfinite ((float) v))
    return FALSE;
  if (c->min_open ? v <= c->min : v < c->min)
    return FALSE;
  return c->max_open ? v < c->max : v <= c->max;
}

char *
lw_live_control_out_of_range (const LwLiveControl *c, double v)
{
  const char *label;

  g_return_val_if_fail (c != NULL, NULL);
  if (lw_live_control_in_range (c, v))
    return NULL;
  label = _(c->label);
  /* An open-ended range still ends where a float does: say that bound to
   * a value past it, not "above 0" to 1e300. */
  if (isinf (c->max) && isfinite (v) && v > c->min && !isfinite ((float) v))
    return c->min_open
      ? g_strdup_printf (_("%s %g is out of range: it must be above %g and at most %g"),
                         label, v, c->min, (double) FLT_MAX)
      : g_strdup_printf (_("%s %g is out of range: it must be between %g and %g"),
                         label, v, c->min, (double) FLT_MAX);
  /* The shapes the table's ranges take; %s is the control's label. */
  if (isinf (c->max))
    return c->min_open
      ? g_strdup_printf (_("%s %g is out of range: it must be above %g"), label, v, c->min)
      : g_strdup_printf (_("%s %g is out of range: it must be at least %g"), label, v, c->min);
  if (c->max_open)
    return g_strdup_printf (_("%s %g is out of range: it must be at least %g and below %g"),
                            label, v, c->min, c->max);
  if (c->min_open)
    return g_strdup_printf (_("%s %g is out of range: it must be above %g and at most %g"),
                            label, v, c->min, c->max);
  return g_strdup_printf (_("%s %g is out of range: it must be between %g and %g"),
                          label, v, c->min, c->max);
}

float
lw_live_control_value (const LwLiveControl *c, const LwModelConfig *config)
{
  g_return_val_if_fail (c != NULL && c->config_offset != LW_LIVE_PER_BLOCK, 0.0f);
  return G_STRUCT_MEMBER (float, config, c->config_offset);
}

void
lw_live_control_set_config (const LwLiveControl *c, LwModelConfig *config, float value)
{
  g_return_if_fail (c != NULL && c->config_offset != LW_LIVE_PER_BLOCK);
  G_STRUCT_MEMBER (float, config, c->config_offset) = value;
}
