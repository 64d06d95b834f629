/* lw-wire.h: the messages of a distributed run, as bytes.
 *
 * One message: a fixed header, then count labels (padded to 4 bytes),
 * then count * width floats. The header carries what kind of message it
 * is, the epoch and the batch index, the live controls the batch trains
 * with (so a change applies at the same batch on every rank), and the
 * statistics of the blocks below. Two checksums, over the header and the
 * payload, and the sizes let a receiver refuse a malformed message with a
 * reason instead of training on it. Both ends run the same build on the
 * same byte order (the magic tells a wrong one). No MPI here. */
#pragma once

#include <glib.h>

#include "engine/lw-model.h"
#include "engine/lw-step.h"

G_BEGIN_DECLS

#define LW_WIRE_ERROR (lw_wire_error_quark ())
GQuark lw_wire_error_quark (void);

#define LW_WIRE_MAGIC   0x504d574cu     /* "LWMP" in memory on little-endian */
#define LW_WIRE_VERSION 2

typedef enum {
  LW_WIRE_WARMUP = 1,   /* a training batch every rank steps on whole (broadcast) */
  LW_WIRE_SPLIT,        /* the measured costs the stages are balanced on (broadcast) */
  LW_WIRE_TRAIN,        /* a training batch's activations below a stage */
  LW_WIRE_EVAL,         /* a test batch's activations below a stage */
  LW_WIRE_EPOCH_END,    /* the epoch's test pass is through */
  LW_WIRE_STOP,         /* the run ends; flags say whether it was interrupted */
  LW_WIRE_N_KINDS
} LwWireKind;

#define LW_WIRE_FLAG_INTERRUPTED 1u

typedef struct {
  guint32 magic;
  guint16 version;
  guint16 kind;
  guint32 epoch;
  guint32 count;                /* samples (labels) */
  guint64 index;                /* training step from 1, or test batch from 0 */
  guint32 width;                /* floats per sample */
  guint32 n_stats;              /* blocks whose statistics are filled */
  guint32 flags;
  /* The live controls of a training batch. */
  guint32 loss;
  float beta, lr, dropout;
  float lr_mult[LW_MAX_BLOCKS];
  guint8 frozen[LW_MAX_BLOCKS];
  /* The blocks below: a training batch's local losses and correct
   * counts, or a test batch's correct counts. */
  float loss_pred[LW_MAX_BLOCKS];
  float loss_sim[LW_MAX_BLOCKS];
  guint32 correct[LW_MAX_BLOCKS];
  /* A training batch whose step diverged below: what (LwDivergedWhat,
   * 0: none), in which block (n_blocks: the output layer), NaN or not.
   * Its activations are zeros; no rank after it trains on it. */
  guint32 diverged_what, diverged_block, diverged_nan;
  guint32 payload_sum;
  guint32 header_sum;           /* over every byte above */
} LwWireHeader;

/* Bytes of a message of count samples of width floats. */
gsize         lw_wire_size           (guint count, guint width);
/* The parts of a message buffer (aligned as g_malloc aligns). */
LwWireHeader *lw_wire_header         (void *message);
guint8       *lw_wire_labels         (void *message);
float        *lw_wire_data           (void *message, guint count);

/* Starts a header: zeroed, with magic, version, kind and sizes. */
void          lw_wire_begin          (void *message, LwWireKind kind, guint epoch, guint64 index,
                                      guint count, guint width);
void          lw_wire_put_controls   (LwWireHeader *header, const LwStepControls *controls,
                                      guint n_blocks);
/* Sets the model's live controls to the header's. */
void          lw_wire_apply_controls (const LwWireHeader *header, LwModel *model);
/* Computes the checksums once labels and data are in place. */
void          lw_wire_seal           (void *message);

/* What a receiver knows a message must look like. */
typedef struct {
  guint n_blocks;
  guint n_classes;
  guint batch_size;
  guint width;                  /* floats per sample of TRAIN and EVAL */
  guint n_stats;                /* blocks below, filled in TRAIN and EVAL */
  guint input_width;            /* floats per sample of WARMUP */
  guint max_width;              /* of any message: WARMUP carries the input, SPLIT the costs */
  guint epochs;
} LwWireExpect;

/* Checks a received message of size bytes: magic, version, kind, sizes,
 * checksums and control ranges. On failure error says what is wrong. */
gboolean      lw_wire_check          (const void *message, gsize size, const LwWireExpect *expect,
                                      GError **error);

G_END_DECLS
