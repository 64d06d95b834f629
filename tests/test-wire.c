/* test-wire.c: a distributed run's messages — what one rank packs the
 * next unpacks unchanged, and whatever is damaged on the way is refused
 * with a reason, never trained on. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "cli/lw-wire.h"
#include "engine/lw-model.h"

#define COUNT 5
#define WIDTH 7
#define N_BLOCKS 3

static const LwWireExpect expect = {
  .n_blocks = N_BLOCKS, .n_classes = 10, .batch_size = 8, .width = WIDTH, .n_stats = 1,
  .input_width = 11, .max_width = 11, .epochs = 4,
};

/* A training message of COUNT samples of WIDTH floats below block 2. */
static void *
make_train_message (gsize *size)
{
  LwStepControls controls = { 0 };
  void *m;
  LwWireHeader *h;

  *size = lw_wire_size (COUNT, WIDTH);
  m = g_malloc0 (*size);
  controls.ctx.loss = LW_LOSS_PREDSIM;
  controls.ctx.beta = 0.99f;
  controls.ctx.lr = 5e-4f;
  controls.ctx.dropout = 0.1f;
  for (guint i = 0; i < N_BLOCKS; i++)
    controls.lr_mult[i] = 1.0f + i;
  controls.frozen[2] = TRUE;

  lw_wire_begin (m, LW_WIRE_TRAIN, 2, 17, COUNT, WIDTH);
  h = lw_wire_header (m);
  lw_wire_put_controls (h, &controls, N_BLOCKS);
  h->n_stats = 1;
  h->loss_pred[0] = 2.25f;
  h->loss_sim[0] = 0.5f;
  h->correct[0] = 3;
  for (guint i = 0; i < COUNT; i++)
    lw_wire_labels (m)[i] = (guint8) (i * 2);
  for (guint i = 0; i < COUNT * WIDTH; i++)
    lw_wire_data (m, COUNT)[i] = (float) i / 3.0f;
  lw_wire_seal (m);
  return m;
}

static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  gsize size;
  g_autofree void *m = make_train_message (&size);
  const LwWireHeader *h = lw_wire_header (m);

  g_assert_true (lw_wire_check (m, size, &expect, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (h->kind, ==, LW_WIRE_TRAIN);
  g_assert_cmpuint (h->epoch, ==, 2);
  g_assert_cmpuint (h->index, ==, 17);
  g_assert_cmpuint (h->loss, ==, LW_LOSS_PREDSIM);
  g_assert_cmpfloat (h->lr, ==, 5e-4f);
  g_assert_cmpfloat (h->lr_mult[1], ==, 2.0f);
  g_assert_cmpuint (h->frozen[2], ==, 1);
  g_assert_cmpfloat (h->loss_pred[0], ==, 2.25f);
  g_assert_cmpuint (lw_wire_labels (m)[4], ==, 8);
  g_assert_cmpfloat (lw_wire_data (m, COUNT)[COUNT * WIDTH - 1], ==, (COUNT * WIDTH - 1) / 3.0f);
  /* Data starts 4-byte aligned after the labels. */
  g_assert_cmpuint ((guintptr) lw_wire_data (m, COUNT) % sizeof (float), ==, 0);
}

/* The controls a message carries become the model's. */
static void
test_controls_applied (void)
{
  g_autoptr (GError) error = NULL;
  LwModelConfig config;
  g_autoptr (LwModel) model = NULL;
  gsize size;
  g_autofree void *m = make_train_message (&size);
  LwStepControls got;

  lw_model_config_init (&config);
  config.in_channels = 1;
  config.in_height = config.in_width = 4;
  config.n_classes = 10;
  config.num_layers = N_BLOCKS;
  config.num_hidden = 8;
  config.batch_size = 8;
  config.loss = LW_LOSS_PRED;
  model = lw_model_new (&config, &error);
  g_assert_no_error (error);

  lw_wire_apply_controls (lw_wire_header (m), model);
  lw_model_capture_controls (model, &got);
  g_assert_cmpuint (got.ctx.loss, ==, LW_LOSS_PREDSIM);
  g_assert_cmpfloat (got.ctx.beta, ==, 0.99f);
  g_assert_cmpfloat (got.ctx.lr, ==, 5e-4f);
  g_assert_cmpfloat (got.ctx.dropout, ==, 0.1f);
  g_assert_cmpfloat (got.lr_mult[2], ==, 3.0f);
  g_assert_true (got.frozen[2]);
  g_assert_false (got.frozen[0]);
}

typedef struct {
  const char *name;
  void (*damage) (void *message, gsize *size);
  const char *reason;           /* what the error must say */
} Damage;

static void
flip_payload (void *m, gsize *size)
{
  ((guint8 *) lw_wire_data (m, COUNT))[13] ^= 0x10;
}

static void
flip_header (void *m, gsize *size)
{
  lw_wire_header (m)->lr *= 2.0f;
}

static void
bad_magic (void *m, gsize *size)
{
  lw_wire_header (m)->magic = 0x12345678;
}

static void
truncate_message (void *m, gsize *size)
{
  *size -= 4;
}

static void
shorter_than_header (void *m, gsize *size)
{
  *size = 10;
}

/* Resealed, so only the meaning is wrong. */
static void
label_out_of_range (void *m, gsize *size)
{
  lw_wire_labels (m)[1] = 10;
  lw_wire_seal (m);
}

static void
wrong_width (void *m, gsize *size)
{
  LwWireHeader *h = lw_wire_header (m);

  h->width = WIDTH - 1;
  *size = lw_wire_size (COUNT, WIDTH - 1);
  lw_wire_seal (m);
}

static void
negative_lr (void *m, gsize *size)
{
  lw_wire_header (m)->lr = -1.0f;
  lw_wire_seal (m);
}

static void
nan_lr_mult (void *m, gsize *size)
{
  lw_wire_header (m)->lr_mult[1] = NAN;
  lw_wire_seal (m);
}

static void
bp_loss (void *m, gsize *size)
{
  lw_wire_header (m)->loss = LW_LOSS_BP;
  lw_wire_seal (m);
}

static void
epoch_beyond_run (void *m, gsize *size)
{
  lw_wire_header (m)->epoch = 5;
  lw_wire_seal (m);
}

static void
unknown_kind (void *m, gsize *size)
{
  lw_wire_header (m)->kind = 99;
  lw_wire_seal (m);
}

static void
newer_version (void *m, gsize *size)
{
  lw_wire_header (m)->version = LW_WIRE_VERSION + 1;
  lw_wire_seal (m);
}

/* A divergence claimed for a block that is not below the stage. */
static void
divergence_above (void *m, gsize *size)
{
  lw_wire_header (m)->diverged_what = LW_DIVERGED_GRADIENT;
  lw_wire_header (m)->diverged_block = 2;
  lw_wire_seal (m);
}

static const Damage damages[] = {
  { "payload-bit", flip_payload, "payload checksum mismatch at step 17" },
  { "header-field", flip_header, "header checksum mismatch" },
  { "magic", bad_magic, "magic 0x12345678" },
  { "truncated", truncate_message, "its header says" },
  { "shorter-than-header", shorter_than_header, "shorter than a header" },
  { "label", label_out_of_range, "label 10 of sample 1" },
  { "width", wrong_width, "expected 7 floats" },
  { "lr", negative_lr, "lr -1" },
  { "lr-mult", nan_lr_mult, "block 2's controls" },
  { "bp", bp_loss, "loss 3" },
  { "epoch", epoch_beyond_run, "epoch 5 of 4" },
  { "kind", unknown_kind, "unknown kind 99" },
  { "version", newer_version, "version 3; this build speaks 2" },
  { "divergence", divergence_above, "a divergence 2 in block 3" },
};

static void
test_damage (gconstpointer data)
{
  const Damage *damage = data;
  g_autoptr (GError) error = NULL;
  gsize size;
  g_autofree void *m = make_train_message (&size);

  damage->damage (m, &size);
  g_assert_false (lw_wire_check (m, size, &expect, &error));
  g_assert_error (error, LW_WIRE_ERROR, 0);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, damage->reason));
}

/* The costs the stages are drawn from: finite and not negative, one per
 * block and one for the output layer. */
static void
test_split_costs (void)
{
  gsize size = lw_wire_size (1, N_BLOCKS + 1);
  g_autofree void *m = g_malloc0 (size);
  const float good[N_BLOCKS + 1] = { 0.01f, 0.02f, 0.02f, 0.001f };

  for (guint bad = 0; bad <= 2; bad++)
    {
      g_autoptr (GError) error = NULL;
      float *costs;

      lw_wire_begin (m, LW_WIRE_SPLIT, 1, 3, 1, N_BLOCKS + 1);
      costs = lw_wire_data (m, 1);
      memcpy (costs, good, sizeof good);
      if (bad == 1)
        costs[2] = NAN;
      else if (bad == 2)
        costs[0] = -1.0f;
      lw_wire_seal (m);
      g_assert_cmpint (lw_wire_check (m, size, &expect, &error), ==, bad == 0);
      if (bad > 0)
        g_assert_nonnull (strstr (error->message, bad == 1 ? "cost nan of part 3"
                                                           : "cost -1 of part 1"));
    }
}

/* EPOCH_END and STOP carry no samples and still check out. */
static void
test_markers (void)
{
  g_autoptr (GError) error = NULL;
  gsize size = lw_wire_size (0, 0);
  g_autofree void *m = g_malloc0 (size);

  lw_wire_begin (m, LW_WIRE_STOP, 4, 99, 0, 0);
  lw_wire_header (m)->flags = LW_WIRE_FLAG_INTERRUPTED;
  lw_wire_seal (m);
  g_assert_true (lw_wire_check (m, size, &expect, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, sizeof (LwWireHeader));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wire/round-trip", test_round_trip);
  g_test_add_func ("/wire/controls-applied", test_controls_applied);
  g_test_add_func ("/wire/markers", test_markers);
  g_test_add_func ("/wire/split-costs", test_split_costs);
  for (guint i = 0; i < G_N_ELEMENTS (damages); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wire/damaged/%s", damages[i].name);

      g_test_add_data_func (path, &damages[i], test_damage);
    }
  return g_test_run ();
}
