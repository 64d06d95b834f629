/* test-model-state.c: a model saved and read back trains on exactly as one
 * that never stopped, and a state that does not fit is refused with the
 * model left as it was. */
#include <string.h>

#include <glib.h>

#include "engine/lw-model.h"
#include "engine/lw-model-private.h"
#include "engine/lw-model-state.h"
#include "engine/lw-rng.h"

#define CLASSES 4

typedef struct {
  guint n, count, input;
  float *x;
  guint8 *y;
} Batches;

static void
batches_init (Batches *b, const LwModelConfig *c, guint n)
{
  LwRng rng;

  b->n = n;
  b->count = c->batch_size;
  b->input = c->in_channels * c->in_height * c->in_width;
  b->x = g_new (float, (gsize) n * b->count * b->input);
  b->y = g_new (guint8, (gsize) n * b->count);
  lw_rng_init (&rng, 7, 1);
  for (gsize i = 0; i < (gsize) n * b->count; i++)
    {
      b->y[i] = (guint8) lw_rng_below (&rng, c->n_classes);
      for (guint k = 0; k < b->input; k++)
        b->x[i * b->input + k] = lw_rng_uniform_in (&rng, -1.0f, 1.0f) + 0.5f * b->y[i];
    }
}

static void
batches_clear (Batches *b)
{
  g_free (b->x);
  g_free (b->y);
}

static void
train (LwModel *m, const Batches *b, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    lw_model_train_step (m, b->x + (gsize) i * b->count * b->input, b->y + (gsize) i * b->count,
                         b->count, NULL);
}

static float *
params_of (const LwModel *m, gsize *n)
{
  float *p;

  *n = lw_model_copy_params (m, NULL);
  p = g_new (float, *n);
  lw_model_copy_params (m, p);
  return p;
}

/* Evaluation reads the BatchNorm running statistics. */
static guint
eval_correct (LwModel *m, const Batches *b)
{
  guint block[LW_MAX_BLOCKS] = { 0 }, out = 0;

  lw_model_evaluate (m, b->x, b->y, b->count, block, &out);
  return out * 1000 + block[0];
}

static void
mlp_config (LwModelConfig *c)
{
  lw_model_config_init (c);
  c->in_channels = 1;
  c->in_height = c->in_width = 6;
  c->n_classes = CLASSES;
  c->num_layers = 2;
  c->num_hidden = 8;
  c->batch_size = 8;
  c->target_proj_size = 4;
  c->dropout = 0.2f;
  c->lr = 1e-2f;
}

static void
conv_config (LwModelConfig *c)
{
  lw_model_config_init (c);
  c->arch = LW_ARCH_VGG_MINI;
  c->in_channels = 1;
  c->in_height = c->in_width = 8;
  c->n_classes = CLASSES;
  c->num_layers = 1;
  c->num_hidden = 16;
  c->batch_size = 8;
  c->target_proj_size = 4;
  c->dropout = 0.1f;
  c->optim = LW_OPTIM_SGD;
  c->momentum = 0.9f;
  c->lr = 1e-2f;
}

/* The bpf losses with each block's own label code (the codes are not in
 * the state: the fresh model draws them again from the seed), and with
 * the one shared code of run files before format 3. */
static void
mlp_bpf_config (LwModelConfig *c)
{
  mlp_config (c);
  c->loss = LW_LOSS_PREDSIM_BPF;
  c->beta = 0.3f;
}

static void
mlp_bpf_shared_config (LwModelConfig *c)
{
  mlp_bpf_config (c);
  c->shared_target_proj = TRUE;
}

static void
conv_bpf_config (LwModelConfig *c)
{
  conv_config (c);
  c->loss = LW_LOSS_PREDSIM_BPF;
  c->beta = 0.3f;
}

/* The reference's switches: no BatchNorm (empty BN state), similarities
 * on flattened maps, the local losses not detached. */
static void
mlp_switches_config (LwModelConfig *c)
{
  mlp_config (c);
  c->no_batch_norm = TRUE;
  c->no_detach = TRUE;
}

static void
conv_switches_config (LwModelConfig *c)
{
  conv_config (c);
  c->no_batch_norm = TRUE;
  c->no_similarity_std = TRUE;
  c->no_detach = TRUE;
}

/* k steps, save, build a fresh model, read, k more steps: the same
 * parameters and running statistics, bit for bit, as 2k steps straight,
 * with live controls changed before the save. */
static void
check_resume (void (*make_config) (LwModelConfig *))
{
  LwModelConfig c;
  g_autoptr (LwModel) straight = NULL, first = NULL, resumed = NULL;
  g_autoptr (GByteArray) state = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree float *p_straight = NULL, *p_resumed = NULL;
  gsize n_straight, n_resumed;
  LwLossType after;
  Batches b;

  make_config (&c);
  after = lw_loss_type_is_bpf (c.loss) ? LW_LOSS_SIM_BPF : LW_LOSS_PRED;
  batches_init (&b, &c, 12);
  straight = lw_model_new (&c, &error);
  first = lw_model_new (&c, NULL);
  resumed = lw_model_new (&c, NULL);
  g_assert_no_error (error);

  for (guint k = 0; k < 2; k++)
    {
      LwModel *m = k == 0 ? straight : first;

      train (m, &b, 0, 6);
      lw_model_set_loss (m, after);
      lw_model_set_block_lr_mult (m, 0, 0.5f);
      lw_model_set_block_frozen (m, 1, TRUE);
      lw_model_set_dropout (m, 0.3f);
    }
  lw_model_state_write (first, state);
  g_assert_true (lw_model_state_read (resumed, state->data, state->len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lw_model_get_config (resumed)->loss, ==, after);
  g_assert_true (lw_model_get_block_frozen (resumed, 1));
  g_assert_cmpfloat (lw_model_get_block_lr_mult (resumed, 0), ==, 0.5f);

  train (straight, &b, 6, 12);
  train (resumed, &b, 6, 12);
  p_straight = params_of (straight, &n_straight);
  p_resumed = params_of (resumed, &n_resumed);
  g_assert_cmpuint (n_straight, ==, n_resumed);
  g_assert_cmpmem (p_straight, n_straight * sizeof (float), p_resumed, n_resumed * sizeof (float));
  g_assert_cmpuint (eval_correct (straight, &b), ==, eval_correct (resumed, &b));
  batches_clear (&b);
}

static void
test_resume_mlp (void)
{
  check_resume (mlp_config);
}

static void
test_resume_conv (void)
{
  check_resume (conv_config);
}

static void
test_resume_mlp_bpf (void)
{
  check_resume (mlp_bpf_config);
}

static void
test_resume_mlp_bpf_shared (void)
{
  check_resume (mlp_bpf_shared_config);
}

static void
test_resume_switches (void)
{
  check_resume (mlp_switches_config);
  check_resume (conv_switches_config);
}

static void
test_resume_conv_bpf (void)
{
  check_resume (conv_bpf_config);
}

/* The parameters, their moments and the controls did not move. */
static void
assert_unchanged (LwModel *m, const GByteArray *before)
{
  g_autoptr (GByteArray) now = g_byte_array_new ();

  lw_model_state_write (m, now);
  g_assert_cmpmem (now->data, now->len, before->data, before->len);
}

/* Every prefix of a state is refused, and leaves the model as it was. */
static void
test_truncated (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) source = NULL, target = NULL;
  g_autoptr (GByteArray) state = g_byte_array_new ();
  g_autoptr (GByteArray) before = g_byte_array_new ();
  Batches b;

  mlp_config (&c);
  batches_init (&b, &c, 2);
  source = lw_model_new (&c, NULL);
  target = lw_model_new (&c, NULL);
  train (source, &b, 0, 2);
  lw_model_state_write (source, state);
  lw_model_state_write (target, before);

  for (gsize len = 0; len < state->len; len++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (lw_model_state_read (target, state->data, len, &error));
      g_assert_error (error, LW_MODEL_ERROR, LW_MODEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "model state"));
    }
  assert_unchanged (target, before);
  batches_clear (&b);
}

/* A state of another network says which part does not fit. */
static void
test_other_shape (void)
{
  LwModelConfig c, wider;
  g_autoptr (LwModel) source = NULL, target = NULL;
  g_autoptr (GByteArray) state = g_byte_array_new ();
  g_autoptr (GByteArray) before = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  mlp_config (&c);
  wider = c;
  wider.num_hidden = 9;
  source = lw_model_new (&wider, NULL);
  target = lw_model_new (&c, NULL);
  lw_model_state_write (source, state);
  lw_model_state_write (target, before);
  g_assert_false (lw_model_state_read (target, state->data, state->len, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "block 1 has 9 BatchNorm features, the network 8"));
  assert_unchanged (target, before);

  /* Conv against MLP: another number of blocks. */
  g_clear_error (&error);
  g_clear_pointer (&source, lw_model_free);
  conv_config (&wider);
  source = lw_model_new (&wider, NULL);
  g_byte_array_set_size (state, 0);
  lw_model_state_write (source, state);
  g_assert_false (lw_model_state_read (target, state->data, state->len, &error));
  g_assert_nonnull (strstr (error->message, "4 blocks, the network 2"));
  assert_unchanged (target, before);
}

/* Out-of-range controls and trailing bytes are refused. */
static void
test_bad_values (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) m = NULL;
  g_autoptr (GByteArray) state = g_byte_array_new ();
  g_autoptr (GByteArray) before = g_byte_array_new ();
  /* Offsets of the header fields: magic, version, blocks, flags, loss,
   * beta, lr, dropout, no-detach (one byte, checked before the bytes
   * after it); then block 1's lr multiplier. */
  const struct { gsize offset; guint32 value; const char *message; } cases[] = {
    { 0, 0x12345678u, "not a model state" },
    { 4, 99, "version 99" },
    { 16, 7, "unknown loss type 7" },
    { 20, 0x40000000u /* 2.0f */, "beta 2" },
    { 24, 0x7fc00000u /* NaN */, "learning rate" },
    { 28, 0x3f800000u /* 1.0f */, "dropout 1" },
    { 32, 0x00000002u, "no-detach switch is 2" },
    { 33, 0xbf800000u /* -1.0f */, "block 1: lr multiplier -1" },
  };

  mlp_config (&c);
  m = lw_model_new (&c, NULL);
  lw_model_state_write (m, before);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      guint32 le = GUINT32_TO_LE (cases[i].value);

      g_byte_array_set_size (state, 0);
      g_byte_array_append (state, before->data, before->len);
      memcpy (state->data + cases[i].offset, &le, 4);
      g_assert_false (lw_model_state_read (m, state->data, state->len, &error));
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
  g_byte_array_set_size (state, 0);
  g_byte_array_append (state, before->data, before->len);
  g_byte_array_append (state, (const guint8 *) "x", 1);
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (lw_model_state_read (m, state->data, state->len, &error));
    g_assert_nonnull (strstr (error->message, "1 bytes left over"));
  }
  assert_unchanged (m, before);
}

/* The live no-detach switch: a version-2 state sets it (turned on after
 * the model was built); a version-1 state, which has no byte for it,
 * leaves the model's own, from its configuration. */
static void
test_no_detach_versions (void)
{
  LwModelConfig c;
  g_autoptr (LwModel) source = NULL, target = NULL;
  g_autoptr (GByteArray) state = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  const guint32 v1 = GUINT32_TO_LE (1);

  mlp_config (&c);
  source = lw_model_new (&c, NULL);
  target = lw_model_new (&c, NULL);
  lw_model_set_no_detach (source, TRUE);
  lw_model_state_write (source, state);
  g_assert_cmpuint (state->data[32], ==, 1);
  g_assert_true (lw_model_state_read (target, state->data, state->len, &error));
  g_assert_no_error (error);
  g_assert_true (lw_model_get_config (target)->no_detach);

  /* As version 1 wrote it: no byte after dropout. */
  memcpy (state->data + 4, &v1, 4);
  g_byte_array_remove_index (state, 32);
  g_assert_true (lw_model_state_read (target, state->data, state->len, &error));
  g_assert_no_error (error);
  g_assert_true (lw_model_get_config (target)->no_detach);
  lw_model_set_no_detach (target, FALSE);
  g_assert_true (lw_model_state_read (target, state->data, state->len, &error));
  g_assert_no_error (error);
  g_assert_false (lw_model_get_config (target)->no_detach);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-state/resume/mlp", test_resume_mlp);
  g_test_add_func ("/model-state/resume/conv", test_resume_conv);
  g_test_add_func ("/model-state/resume/mlp-bpf", test_resume_mlp_bpf);
  g_test_add_func ("/model-state/resume/mlp-bpf-shared", test_resume_mlp_bpf_shared);
  g_test_add_func ("/model-state/resume/conv-bpf", test_resume_conv_bpf);
  g_test_add_func ("/model-state/resume/switches", test_resume_switches);
  g_test_add_func ("/model-state/no-detach-versions", test_no_detach_versions);
  g_test_add_func ("/model-state/bad/truncated", test_truncated);
  g_test_add_func ("/model-state/bad/other-shape", test_other_shape);
  g_test_add_func ("/model-state/bad/values", test_bad_values);
  return g_test_run ();
}
