/* lw-model-state.c: the model state in a fixed order, read in two passes
 * (check, then copy) so that a bad state never half-overwrites a model. */
#include "config.h"

#include "lw-model-state.h"
#include "lw-block.h"
#include "lw-bytes.h"
#include "lw-model-private.h"

#include <math.h>
#include <inttypes.h>
#include <glib/gi18n-lib.h>

#define STATE_MAGIC 0x534d574cu   /* "LWMS" */
/* 1: the first. 2: the live no-detach switch after dropout (a version-1
 * state keeps the model's own, from its configuration). */
#define STATE_VERSION 2u

enum { HAS_MOMENT1 = 1, HAS_MOMENT2 = 2 };

/* Which optimizer buffers carry state for this configuration. */
static guint
moment_flags (const LwModelConfig *c)
{
  if (c->optim == LW_OPTIM_ADAM)
    return HAS_MOMENT1 | HAS_MOMENT2;
  return c->momentum != 0.0f ? HAS_MOMENT1 : 0;
}

static void
write_params (GByteArray *out, const LwParam *params, guint n, guint flags)
{
  lw_bytes_put_u32 (out, n);
  for (guint k = 0; k < n; k++)
    {
      const LwParam *p = &params[k];

      lw_bytes_put_u64 (out, p->n);
      lw_bytes_put_u64 (out, p->t);
      lw_bytes_put_floats (out, p->w, p->n);
      if (flags & HAS_MOMENT1)
        lw_bytes_put_floats (out, p->m, p->n);
      if (flags & HAS_MOMENT2)
        lw_bytes_put_floats (out, p->v, p->n);
    }
}

void
lw_model_state_write (LwModel *model, GByteArray *out)
{
  const LwModelConfig *c = lw_model_get_config (model);
  guint n_blocks = lw_model_n_blocks (model), n_out;
  guint flags = moment_flags (c);
  LwParam *out_params;

  g_return_if_fail (model != NULL && out != NULL);

  lw_bytes_put_u32 (out, STATE_MAGIC);
  lw_bytes_put_u32 (out, STATE_VERSION);
  lw_bytes_put_u32 (out, n_blocks);
  lw_bytes_put_u32 (out, flags);
  lw_bytes_put_u32 (out, c->loss);
  lw_bytes_put_f32 (out, c->beta);
  lw_bytes_put_f32 (out, c->lr);
  lw_bytes_put_f32 (out, c->dropout);
  lw_bytes_put_u8 (out, c->no_detach ? 1 : 0);
  for (guint i = 0; i < n_blocks; i++)
    {
      const LwBatchNorm *bn = lw_model_block_batchnorm (model, i);
      const LwRng *rng = lw_model_block_dropout_rng (model, i);

      lw_bytes_put_f32 (out, lw_model_get_block_lr_mult (model, i));
      lw_bytes_put_u8 (out, lw_model_get_block_frozen (model, i) ? 1 : 0);
      for (guint k = 0; k < 4; k++)
        lw_bytes_put_u32 (out, rng->s[k]);
      lw_bytes_put_u32 (out, bn->d);
      lw_bytes_put_floats (out, bn->running_mean, bn->d);
      lw_bytes_put_floats (out, bn->running_var, bn->d);
      write_params (out, lw_model_block_param_slots (model, i), LW_BLOCK_N_PARAMS, flags);
    }
  out_params = lw_model_output_param_slots (model, &n_out);
  write_params (out, out_params, n_out, flags);
}

static gboolean
state_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
state_error (GError **error, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID, _("model state: %s"), msg);
  return FALSE;
}

static gboolean
short_state (GError **error)
{
  return state_error (error, _("ends early"));
}

/* where: "block 2" or "output layer" (translated), for messages. */
static gboolean
read_params (LwByteReader *r, LwParam *params, guint n, guint flags, gboolean apply,
             const char *where, GError **error)
{
  guint stored = lw_byte_reader_u32 (r);

  if (!lw_byte_reader_ok (r))
    return short_state (error);
  if (stored != n)
    return state_error (error, _("%s has %u parameter tensors, the network %u"), where, stored, n);
  for (guint k = 0; k < n; k++)
    {
      LwParam *p = &params[k];
      guint64 size = lw_byte_reader_u64 (r);
      guint64 t = lw_byte_reader_u64 (r);

      if (!lw_byte_reader_ok (r))
        return short_state (error);
      if (size != p->n)
        return state_error (error, _("%s, tensor %u has %" PRIu64 " values, the network %zu"),
                            where, k + 1, size, p->n);
      if (!lw_byte_reader_floats (r, apply ? p->w : NULL, p->n)
          || ((flags & HAS_MOMENT1) && !lw_byte_reader_floats (r, apply ? p->m : NULL, p->n))
          || ((flags & HAS_MOMENT2) && !lw_byte_reader_floats (r, apply ? p->v : NULL, p->n)))
        return short_state (error);
      if (apply)
        p->t = t;
    }
  return TRUE;
}

static gboolean
read_state (LwModel *model, const guint8 *data, gsize len, gboolean apply, GError **error)
{
  const LwModelConfig *c = lw_model_get_config (model);
  guint n_blocks = lw_model_n_blocks (model), n_out;
  guint expected_flags = moment_flags (c);
  LwByteReader r;
  guint32 magic, version, stored_blocks, flags, loss;
  float beta, lr, dropout;
  guint8 no_detach = c->no_detach;
  LwParam *out_params;

  lw_byte_reader_init (&r, data, len);
  magic = lw_byte_reader_u32 (&r);
  version = lw_byte_reader_u32 (&r);
  stored_blocks = lw_byte_reader_u32 (&r);
  flags = lw_byte_reader_u32 (&r);
  loss = lw_byte_reader_u32 (&r);
  beta = lw_byte_reader_f32 (&r);
  lr = lw_byte_reader_f32 (&r);
  dropout = lw_byte_reader_f32 (&r);
  if (!lw_byte_reader_ok (&r))
    return short_state (error);
  if (magic != STATE_MAGIC)
    return state_error (error, _("not a model state"));
  if (version < 1 || version > STATE_VERSION)
    return state_error (error, _("version %u; this program reads versions 1 to %u"), version,
                        STATE_VERSION);
  if (version >= 2)
    no_detach = lw_byte_reader_u8 (&r);
  if (!lw_byte_reader_ok (&r))
    return short_state (error);
  if (stored_blocks != n_blocks)
    return state_error (error, _("%u blocks, the network %u"), stored_blocks, n_blocks);
  if (flags != expected_flags)
    return state_error (error, _("optimizer state of another optimizer"));
  if (loss >= LW_N_LOSSES)
    return state_error (error, _("unknown loss type %u"), loss);
  if (!(beta >= 0.0f && beta <= 1.0f))
    return state_error (error, _("beta %g is outside 0 to 1"), beta);
  if (!(lr >= 0.0f && isfinite (lr)))
    return state_error (error, _("learning rate %g is not a non-negative number"), lr);
  if (!(dropout >= 0.0f && dropout < 1.0f))
    return state_error (error, _("dropout %g is outside 0 to below 1"), dropout);
  if (no_detach > 1)
    return state_error (error, _("no-detach switch is %u"), no_detach);
  if (apply)
    {
      lw_model_set_no_detach (model, no_detach);
      lw_model_set_loss (model, loss);
      lw_model_set_beta (model, beta);
      lw_model_set_lr (model, lr);
      lw_model_set_dropout (model, dropout);
    }

  for (guint i = 0; i < n_blocks; i++)
    {
      LwBatchNorm *bn = lw_model_block_batchnorm (model, i);
      float mult = lw_byte_reader_f32 (&r);
      guint8 frozen = lw_byte_reader_u8 (&r);
      LwRng rng;
      guint32 bn_d;
      char where[32];

      for (guint k = 0; k < 4; k++)
        rng.s[k] = lw_byte_reader_u32 (&r);
      bn_d = lw_byte_reader_u32 (&r);
      if (!lw_byte_reader_ok (&r))
        return short_state (error);
      if (!(mult >= 0.0f && isfinite (mult)))
        return state_error (error, _("block %u: lr multiplier %g is not a non-negative number"),
                            i + 1, mult);
      if (frozen > 1)
        return state_error (error, _("block %u: frozen switch is %u"), i + 1, frozen);
      if ((rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]) == 0)
        return state_error (error, _("block %u: dropout generator state is all zero"), i + 1);
      if (bn_d != bn->d)
        return state_error (error, _("block %u has %u BatchNorm features, the network %u"),
                            i + 1, bn_d, bn->d);
      if (!lw_byte_reader_floats (&r, apply ? bn->running_mean : NULL, bn->d)
          || !lw_byte_reader_floats (&r, apply ? bn->running_var : NULL, bn->d))
        return short_state (error);
      if (apply)
        {
          lw_model_set_block_lr_mult (model, i, mult);
          lw_model_set_block_frozen (model, i, frozen);
          *lw_model_block_dropout_rng (model, i) = rng;
        }
      g_snprintf (where, sizeof where, _("block %u"), i + 1);
      if (!read_params (&r, lw_model_block_param_slots (model, i), LW_BLOCK_N_PARAMS, flags,
                        apply, where, error))
        return FALSE;
    }
  out_params = lw_model_output_param_slots (model, &n_out);
  if (!read_params (&r, out_params, n_out, flags, apply, _("output layer"), error))
    return FALSE;
  if (lw_byte_reader_remaining (&r) != 0)
    return state_error (error, _("%zu bytes left over after the output layer"),
                        lw_byte_reader_remaining (&r));
  return TRUE;
}

gboolean
lw_model_state_read (LwModel *model, const guint8 *data, gsize len, GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_state (model, data, len, FALSE, error) || !read_state (model, data, len, TRUE, NULL))
    return FALSE;
  /* The divergence guard's bounds on the weights start afresh. */
  lw_model_state_changed (model);
  return TRUE;
}
