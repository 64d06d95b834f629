/* lw-wire.c: the checksum is FNV-1a over 32-bit words in four lanes, so
 * it keeps up with the network: a byte flipped anywhere changes it. */
#include "config.h"

#include "lw-wire.h"

#include <math.h>
#include <string.h>
#include <inttypes.h>
#include <glib/gi18n-lib.h>

G_DEFINE_QUARK (lw-wire-error-quark, lw_wire_error)

#define HEADER_BYTES (sizeof (LwWireHeader))

static gsize
labels_bytes (guint count)
{
  return ((gsize) count + 3) / 4 * 4;
}

gsize
lw_wire_size (guint count, guint width)
{
  return HEADER_BYTES + labels_bytes (count) + (gsize) count * width * sizeof (float);
}

LwWireHeader *
lw_wire_header (void *message)
{
  return message;
}

guint8 *
lw_wire_labels (void *message)
{
  return (guint8 *) message + HEADER_BYTES;
}

float *
lw_wire_data (void *message, guint count)
{
  return (float *) (lw_wire_labels (message) + labels_bytes (count));
}

static guint32
checksum (const void *bytes, gsize n)
{
  const guint8 *p = bytes;
  guint32 lane[4] = { 2166136261u, 2166136261u ^ 1, 2166136261u ^ 2, 2166136261u ^ 3 };
  gsize words = n / 4, i = 0;
  guint32 sum = 0;

  for (; i + 4 <= words; i += 4)
    for (guint k = 0; k < 4; k++)
      {
        guint32 w;

        memcpy (&w, p + 4 * (i + k), 4);
        lane[k] = (lane[k] ^ w) * 16777619u;
      }
  for (; i < words; i++)
    {
      guint32 w;

      memcpy (&w, p + 4 * i, 4);
      lane[0] = (lane[0] ^ w) * 16777619u;
    }
  for (gsize b = words * 4; b < n; b++)
    lane[1] = (lane[1] ^ p[b]) * 16777619u;
  for (guint k = 0; k < 4; k++)
    sum = (sum ^ lane[k]) * 16777619u;
  return sum;
}

void
lw_wire_begin (void *message, LwWireKind kind, guint epoch, guint64 index, guint count,
               guint width)
{
  LwWireHeader *h = message;

  memset (h, 0, HEADER_BYTES);
  h->magic = LW_WIRE_MAGIC;
  h->version = LW_WIRE_VERSION;
  h->kind = kind;
  h->epoch = epoch;
  h->index = index;
  h->count = count;
  h->width = width;
  /* The padding after the labels is part of the checksum. */
  memset (lw_wire_labels (message), 0, labels_bytes (count));
}

void
lw_wire_put_controls (LwWireHeader *h, const LwStepControls *c, guint n_blocks)
{
  h->loss = c->ctx.loss;
  h->beta = c->ctx.beta;
  h->lr = c->ctx.lr;
  h->dropout = c->ctx.dropout;
  for (guint i = 0; i < n_blocks; i++)
    {
      h->lr_mult[i] = c->lr_mult[i];
      h->frozen[i] = c->frozen[i] ? 1 : 0;
    }
}

void
lw_wire_apply_controls (const LwWireHeader *h, LwModel *model)
{
  lw_model_set_loss (model, h->loss);
  lw_model_set_beta (model, h->beta);
  lw_model_set_lr (model, h->lr);
  lw_model_set_dropout (model, h->dropout);
  for (guint i = 0; i < lw_model_n_blocks (model); i++)
    {
      lw_model_set_block_lr_mult (model, i, h->lr_mult[i]);
      lw_model_set_block_frozen (model, i, h->frozen[i]);
    }
}

void
lw_wire_seal (void *message)
{
  LwWireHeader *h = message;

  h->payload_sum = checksum (lw_wire_labels (message),
                             lw_wire_size (h->count, h->width) - HEADER_BYTES);
  h->header_sum = checksum (h, offsetof (LwWireHeader, header_sum));
}

static gboolean
malformed (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
malformed (GError **error, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  if (error != NULL)
    *error = g_error_new_valist (LW_WIRE_ERROR, 0, fmt, args);
  va_end (args);
  return FALSE;
}

static gboolean
check_controls (const LwWireHeader *h, guint n_blocks, GError **error)
{
  if (h->loss >= LW_N_LOSSES || h->loss == LW_LOSS_BP)
    return malformed (error, _("loss %u at step %" PRIu64), h->loss, h->index);
  if (!(h->beta >= 0.0f && h->beta <= 1.0f) || !(h->lr >= 0.0f && isfinite (h->lr))
      || !(h->dropout >= 0.0f && h->dropout < 1.0f))
    return malformed (error, _("beta %g, lr %g, dropout %g at step %" PRIu64),
                      h->beta, h->lr, h->dropout, h->index);
  for (guint i = 0; i < n_blocks; i++)
    if (!(h->lr_mult[i] >= 0.0f && isfinite (h->lr_mult[i])) || h->frozen[i] > 1)
      return malformed (error, _("block %u's controls at step %" PRIu64), i + 1, h->index);
  return TRUE;
}

gboolean
lw_wire_check (const void *message, gsize size, const LwWireExpect *e, GError **error)
{
  LwWireHeader h;
  gboolean activations;

  if (size < HEADER_BYTES)
    return malformed (error, _("%zu bytes, shorter than a header of %zu"), size, HEADER_BYTES);
  memcpy (&h, message, HEADER_BYTES);
  if (h.magic != LW_WIRE_MAGIC)
    return malformed (error, _("magic 0x%08x, not 0x%08x"), h.magic, LW_WIRE_MAGIC);
  if (h.version != LW_WIRE_VERSION)
    return malformed (error, _("version %u; this build speaks %u"), h.version, LW_WIRE_VERSION);
  if (h.header_sum != checksum (message, offsetof (LwWireHeader, header_sum)))
    return malformed (error, _("header checksum mismatch"));
  if (h.kind < LW_WIRE_WARMUP || h.kind >= LW_WIRE_N_KINDS)
    return malformed (error, _("unknown kind %u"), h.kind);
  if (h.count > e->batch_size || h.width > e->max_width)
    return malformed (error, _("%u samples of %u floats; at most %u of %u"), h.count, h.width,
                      e->batch_size, e->max_width);
  if (lw_wire_size (h.count, h.width) != size)
    return malformed (error, _("%zu bytes, its header says %zu"),
                      size, lw_wire_size (h.count, h.width));
  if (h.payload_sum != checksum ((const guint8 *) message + HEADER_BYTES, size - HEADER_BYTES))
    return malformed (error, _("payload checksum mismatch at step %" PRIu64), h.index);
  if (h.epoch < 1 || h.epoch > e->epochs)
    return malformed (error, _("epoch %u of %u"), h.epoch, e->epochs);

  activations = h.kind == LW_WIRE_TRAIN || h.kind == LW_WIRE_EVAL;
  if (activations && (h.count == 0 || h.width != e->width || h.n_stats != e->n_stats))
    return malformed (error, _("%u samples of %u floats with %u blocks' statistics; "
                        "expected %u floats and %u blocks"), h.count, h.width, h.n_stats,
                      e->width, e->n_stats);
  if (h.kind != LW_WIRE_SPLIT)
    for (guint i = 0; i < h.count; i++)
      if (((const guint8 *) message)[HEADER_BYTES + i] >= e->n_classes)
        return malformed (error, _("label %u of sample %u at step %" PRIu64
                            " (%u classes)"), ((const guint8 *) message)[HEADER_BYTES + i], i,
                          h.index, e->n_classes);
  if (h.kind == LW_WIRE_WARMUP && (h.count == 0 || h.width != e->input_width))
    return malformed (error, _("a warm-up batch of %u samples of %u floats; expected %u floats"),
                      h.count, h.width, e->input_width);
  if (h.kind == LW_WIRE_SPLIT && (h.count != 1 || h.width != e->n_blocks + 1))
    return malformed (error, _("%u costs for %u blocks and the output layer"), h.width,
                      e->n_blocks);
  if (h.kind == LW_WIRE_SPLIT)
    for (guint i = 0; i < h.width; i++)
      {
        float cost = lw_wire_data ((void *) message, 1)[i];

        if (!(cost >= 0.0f && isfinite (cost)))
          return malformed (error, _("cost %g of part %u"), cost, i + 1);
      }
  if ((h.kind == LW_WIRE_TRAIN || h.kind == LW_WIRE_WARMUP)
      && !check_controls (&h, e->n_blocks, error))
    return FALSE;
  /* A divergence comes from a block below (or none), on a training batch. */
  if (h.diverged_what != LW_DIVERGED_NONE
      && (h.kind != LW_WIRE_TRAIN || h.diverged_what > LW_DIVERGED_WEIGHT
          || h.diverged_block >= e->n_stats || h.diverged_nan > 1))
    return malformed (error, _("a divergence %u in block %u at step %" PRIu64),
                      h.diverged_what, h.diverged_block + 1, h.index);
  return TRUE;
}
