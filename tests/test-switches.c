/* test-switches.c: the reference's switches --no-detach, --no-batch-norm
 * and --no-similarity-std (docs/method.md §2, §4) in the engine. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "engine/lw-checkpoint.h"
#include "engine/lw-conv-block.h"
#include "engine/lw-model-private.h"
#include "engine/lw-rng.h"
#include "gradcheck.h"

enum { IN = 10, HIDDEN = 8, CLASSES = 3, BATCH = 12, N_BLOCKS = 3 };

typedef struct {
  LwModel *m;
  float x[BATCH * IN];
  guint8 y[BATCH];
  LwStepStats st;
} Fixture;

static LwModelConfig
fc_config (LwLossType loss, gboolean no_detach)
{
  LwModelConfig c;

  lw_model_config_init (&c);
  c.in_channels = 1;
  c.in_height = 1;
  c.in_width = IN;
  c.n_classes = CLASSES;
  c.num_layers = N_BLOCKS;
  c.num_hidden = HIDDEN;
  c.batch_size = BATCH;
  c.loss = loss;
  c.beta = 0.5f;
  c.lr = 1e-2f;
  c.dropout = 0.0f;
  c.nonlin = LW_NONLIN_RELU;
  c.no_detach = no_detach;
  c.seed = 7;
  return c;
}

static void
fixture_init (Fixture *f, const LwModelConfig *c)
{
  g_autoptr (GError) error = NULL;
  LwRng rng;

  f->m = lw_model_new (c, &error);
  g_assert_no_error (error);
  lw_rng_init (&rng, 11, 0);
  gc_fill_uniform (f->x, BATCH * IN, -1.0f, 1.0f, &rng);
  gc_fill_labels (f->y, BATCH, CLASSES, &rng);
  /* Move the heads and the output layer off their zero start, so every
   * part of the loss has a gradient. */
  for (guint i = 0; i < 5; i++)
    lw_model_train_step (f->m, f->x, f->y, BATCH, &f->st);
  g_assert_cmpint (f->st.diverged.what, ==, LW_DIVERGED_NONE);
  /* From here on a step computes gradients and changes no weight. */
  lw_model_set_lr (f->m, 0.0f);
}

/* The loss a no-detach step descends (predsim): every block's local
 * losses and the output's weighted cross-entropy. */
static double
joint_loss (gpointer data, guint64 *signature)
{
  Fixture *f = data;
  double total;

  lw_model_train_step (f->m, f->x, f->y, BATCH, &f->st);
  total = 0.5 * f->st.loss_out;
  for (guint i = 0; i < N_BLOCKS; i++)
    total += 0.5 * f->st.block[i].loss_pred + 0.5 * f->st.block[i].loss_sim;
  /* ReLU outputs are zero exactly where the pre-activation is not positive. */
  *signature = 0;
  for (guint i = 0; i < N_BLOCKS; i++)
    *signature ^= gc_sign_signature (lw_model_block_fed (f->m, i), BATCH * HIDDEN) + i;
  return total;
}

/* Block `block`'s Linear weight: the engine's gradient after a step, and
 * the numeric gradient of the joint loss. */
static void
block_gradients (Fixture *f, guint block, float **analytic, double **numeric, gsize *n)
{
  LwParam *p = &lw_model_block_param_slots (f->m, block)[LW_BLOCK_MAIN_W];
  guint64 sig;

  joint_loss (f, &sig);
  *n = p->n;
  *analytic = g_memdup2 (p->g, p->n * sizeof (float));
  *numeric = g_new (double, p->n);
  gc_numeric_gradient (joint_loss, f, p->w, p->n, 1e-3, *numeric);
}

/* gc_assert_gradient on the elements whose perturbation crossed no kink,
 * at least min_checked of them: with BatchNorm every weight moves every
 * sample's pre-activations, and a small batch has many near zero. */
static void
assert_gradient_off_kinks (const char *what, const float *a, const double *num, gsize n,
                           gsize min_checked)
{
  g_autofree float *ka = g_new (float, n);
  g_autofree double *knum = g_new (double, n);
  gsize k = 0;

  for (gsize i = 0; i < n; i++)
    if (!isnan (num[i]))
      {
        ka[k] = a[i];
        knum[k++] = num[i];
      }
  g_assert_cmpuint (k, >=, min_checked);
  gc_assert_gradient (what, ka, knum, k, GC_TOLERANCE);
}

/* The norm-wise part of gc_assert_gradient only, on the elements off the
 * kinks: the conv model's float losses over thousands of activations give
 * small elements a noise floor of several percent at a step small enough
 * to miss the kinks, while a missing or wrong path (the gradient from
 * above dropped) is off by most of the norm. */
static void
assert_norm_off_kinks (const char *what, const float *a, const double *num, gsize n,
                       gsize min_checked)
{
  double max_num = 0.0, rel;
  gsize k = 0;

  for (gsize i = 0; i < n; i++)
    if (!isnan (num[i]))
      {
        k++;
        max_num = MAX (max_num, fabs (num[i]));
      }
  g_assert_cmpuint (k, >=, min_checked);
  g_assert_cmpfloat (max_num, >, 1e-9);
  rel = gc_rel_error (a, num, n, 1e-12);
  g_test_message ("%s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " elements off the kinks, "
                  "rel error %.2e", what, k, n, rel);
  g_assert_cmpfloat (rel, <, GC_TOLERANCE);
}

/* No detach: each block's gradient is that of every local loss above it
 * and of the output's cross-entropy, through all blocks in between. */
static void
check_no_detach_gradient (gboolean batch_norm)
{
  LwModelConfig c = fc_config (LW_LOSS_PREDSIM, TRUE);
  Fixture f;

  c.no_batch_norm = !batch_norm;
  fixture_init (&f, &c);
  for (guint i = 0; i < N_BLOCKS; i++)
    {
      g_autofree float *a = NULL;
      g_autofree double *num = NULL;
      g_autofree char *what = g_strdup_printf ("no-detach block %u%s", i,
                                               batch_norm ? " (BN)" : "");
      gsize n;

      block_gradients (&f, i, &a, &num, &n);
      if (batch_norm)
        assert_gradient_off_kinks (what, a, num, n, 8);
      else
        gc_assert_gradient (what, a, num, n, GC_TOLERANCE);
    }
  /* The output layer learns from the cross-entropy alone. */
  {
    guint n_out;
    LwParam *p = &lw_model_output_param_slots (f.m, &n_out)[0];
    g_autofree double *num = g_new (double, p->n);
    g_autofree float *a = NULL;
    guint64 sig;

    joint_loss (&f, &sig);
    a = g_memdup2 (p->g, p->n * sizeof (float));
    gc_numeric_gradient (joint_loss, &f, p->w, p->n, 1e-2, num);
    assert_gradient_off_kinks ("no-detach output", a, num, p->n, 8);
  }
  lw_model_free (f.m);
}

static void
test_no_detach_gradient (void)
{
  check_no_detach_gradient (FALSE);
}

static void
test_no_detach_gradient_bn (void)
{
  check_no_detach_gradient (TRUE);
}

/* The same through conv blocks: vgg-mini (three conv blocks, each with a
 * max pool) and one FC block on 8x8 inputs, without BatchNorm so that a
 * step's forward is the evaluation forward, whose activations give the
 * kinks: the ReLU's signs and each max pool's winners. A prefix of each
 * block's weights is checked. */
enum { CV_SIDE = 8, CV_BATCH = 6, CV_CHECKED = 24 };

typedef struct {
  LwModel *m;
  float x[CV_BATCH * CV_SIDE * CV_SIDE];
  guint8 y[CV_BATCH];
  LwStepStats st;
  float *act;
} ConvFixture;

static guint64
conv_kinks (ConvFixture *f)
{
  guint n = lw_model_n_blocks (f->m);
  guint64 sig = 0;
  const float *a = f->act;

  lw_model_activations (f->m, f->x, CV_BATCH, f->act);
  for (guint i = 0; i < n; i++)
    {
      gsize width = lw_model_block_width (f->m, i);
      LwMapShape shape;

      sig = sig * 31 + gc_sign_signature (a, CV_BATCH * width);
      if (lw_model_block_map_shape (f->m, i, &shape))
        for (guint s = 0; s < CV_BATCH; s++)
          for (guint c = 0; c < shape.channels; c++)
            for (guint r = 0; r + 1 < shape.height; r += 2)
              for (guint q = 0; q + 1 < shape.width; q += 2)
                {
                  const float *p = a + s * width + ((gsize) c * shape.height + r) * shape.width + q;
                  float v[4] = { p[0], p[1], p[shape.width], p[shape.width + 1] };
                  guint best = 0;

                  for (guint k = 1; k < 4; k++)
                    if (v[k] > v[best])
                      best = k;
                  sig = sig * 5 + best;
                }
      a += CV_BATCH * width;
    }
  return sig;
}

static double
conv_joint_loss (gpointer data, guint64 *signature)
{
  ConvFixture *f = data;
  guint n = lw_model_n_blocks (f->m);
  double total;

  lw_model_train_step (f->m, f->x, f->y, CV_BATCH, &f->st);
  total = 0.5 * f->st.loss_out;
  for (guint i = 0; i < n; i++)
    total += 0.5 * f->st.block[i].loss_pred + 0.5 * f->st.block[i].loss_sim;
  *signature = conv_kinks (f);
  return total;
}

static void
test_no_detach_gradient_conv (void)
{
  g_autoptr (GError) error = NULL;
  ConvFixture f;
  LwModelConfig c;
  gsize total_width = 0;
  LwRng rng;

  lw_model_config_init (&c);
  c.arch = LW_ARCH_VGG_MINI;
  c.in_channels = 1;
  c.in_height = c.in_width = CV_SIDE;
  c.n_classes = CLASSES;
  c.num_layers = 1;
  c.num_hidden = HIDDEN;
  c.dim_in_decoder = 64;
  c.batch_size = CV_BATCH;
  c.loss = LW_LOSS_PREDSIM;
  c.beta = 0.5f;
  c.lr = 1e-2f;
  c.no_batch_norm = TRUE;
  c.no_detach = TRUE;
  c.seed = 3;
  f.m = lw_model_new (&c, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < lw_model_n_blocks (f.m); i++)
    total_width += lw_model_block_width (f.m, i);
  f.act = g_new (float, CV_BATCH * total_width);
  lw_rng_init (&rng, 13, 0);
  gc_fill_uniform (f.x, G_N_ELEMENTS (f.x), -1.0f, 1.0f, &rng);
  gc_fill_labels (f.y, CV_BATCH, CLASSES, &rng);
  for (guint i = 0; i < 5; i++)
    lw_model_train_step (f.m, f.x, f.y, CV_BATCH, &f.st);
  g_assert_cmpint (f.st.diverged.what, ==, LW_DIVERGED_NONE);
  lw_model_set_lr (f.m, 0.0f);

  for (guint i = 0; i < lw_model_n_blocks (f.m); i++)
    {
      LwParam *p = &lw_model_block_param_slots (f.m, i)[LW_BLOCK_MAIN_W];
      g_autofree char *what = g_strdup_printf ("no-detach conv model, block %u", i);
      double num[CV_CHECKED];
      float a[CV_CHECKED];
      guint64 sig;

      conv_joint_loss (&f, &sig);
      memcpy (a, p->g, sizeof a);
      gc_numeric_gradient (conv_joint_loss, &f, p->w, CV_CHECKED, 5e-4, num);
      assert_norm_off_kinks (what, a, num, CV_CHECKED, CV_CHECKED / 2);
    }
  g_free (f.act);
  lw_model_free (f.m);
}

/* The default detaches: block 0's gradient is that of its own losses, so
 * it misses what the losses above would send, which the joint loss has. */
static void
test_detach_default (void)
{
  LwModelConfig c = fc_config (LW_LOSS_PREDSIM, FALSE);
  g_autofree float *a = NULL;
  g_autofree double *num = NULL;
  Fixture f;
  gsize n;

  fixture_init (&f, &c);
  block_gradients (&f, 0, &a, &num, &n);
  g_assert_cmpfloat (gc_rel_error (a, num, n, 1e-6), >, 0.1);
  lw_model_free (f.m);
}

/* Two models that differ only in block 2's sim head, so only block 2's
 * local loss differs; blocks 1 and 2 do not learn. Whether block 0's
 * first update differs between them: only when block 2's local loss
 * reaches it (the output layer starts at zero, so the global
 * cross-entropy sends nothing down on the first step). */
static gboolean
block0_depends_on_block2 (gboolean no_detach)
{
  LwModelConfig c = fc_config (LW_LOSS_PREDSIM, no_detach);
  float x[BATCH * IN];
  guint8 y[BATCH];
  LwModel *m[2];
  gboolean same;
  LwRng rng;

  lw_rng_init (&rng, 11, 0);
  gc_fill_uniform (x, BATCH * IN, -1.0f, 1.0f, &rng);
  gc_fill_labels (y, BATCH, CLASSES, &rng);
  for (guint k = 0; k < 2; k++)
    {
      g_autoptr (GError) error = NULL;

      m[k] = lw_model_new (&c, &error);
      g_assert_no_error (error);
      if (k == 1)
        {
          LwParam *p = &lw_model_block_param_slots (m[k], 2)[LW_BLOCK_SIM_W];

          for (gsize j = 0; j < p->n; j++)
            p->w[j] = -0.5f * p->w[j];
          lw_model_state_changed (m[k]);
        }
      lw_model_set_block_lr_mult (m[k], 1, 0.0f);
      lw_model_set_block_lr_mult (m[k], 2, 0.0f);
      lw_model_train_step (m[k], x, y, BATCH, NULL);
    }
  same = memcmp (lw_model_first_weights (m[0], NULL, NULL), lw_model_first_weights (m[1], NULL, NULL),
                 IN * HIDDEN * sizeof (float)) == 0;
  lw_model_free (m[0]);
  lw_model_free (m[1]);
  return !same;
}

static void
test_no_detach_reaches_lower_blocks (void)
{
  g_assert_false (block0_depends_on_block2 (FALSE));
  g_assert_true (block0_depends_on_block2 (TRUE));
}

/* Without BatchNorm a block has no BN parameters and no statistics, and
 * its activation is the nonlinearity of the Linear's output, bias and all. */
static void
test_no_batch_norm_fc (void)
{
  LwModelConfig c = fc_config (LW_LOSS_PREDSIM, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (LwModel) with = NULL;
  g_autoptr (LwModel) without = NULL;
  float x[BATCH * IN], act[BATCH * HIDDEN * N_BLOCKS];
  guint8 y[BATCH];
  LwRng rng;

  with = lw_model_new (&c, &error);
  g_assert_no_error (error);
  c.no_batch_norm = TRUE;
  without = lw_model_new (&c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lw_model_n_params (without, FALSE), ==,
                    lw_model_n_params (with, FALSE) - 2 * HIDDEN * N_BLOCKS);
  for (guint i = 0; i < N_BLOCKS; i++)
    {
      LwParam *p = lw_model_block_param_slots (without, i);

      g_assert_cmpuint (p[LW_BLOCK_BN_GAMMA].n, ==, 0);
      g_assert_cmpuint (p[LW_BLOCK_BN_BETA].n, ==, 0);
      g_assert_cmpuint (p[LW_BLOCK_MAIN_B].n, ==, HIDDEN);
      g_assert_cmpuint (lw_model_block_batchnorm (without, i)->d, ==, 0);
    }

  lw_rng_init (&rng, 3, 0);
  gc_fill_uniform (x, BATCH * IN, -1.0f, 1.0f, &rng);
  gc_fill_labels (y, BATCH, CLASSES, &rng);
  /* The bias learns, so it is not zero below. */
  for (guint i = 0; i < 3; i++)
    lw_model_train_step (without, x, y, BATCH, NULL);
  lw_model_activations (without, x, BATCH, act);
  /* The window keeps a checkpoint of every run (Restore Last Good State):
   * the empty BN tensors go in and out of it too. */
  {
    g_autoptr (LwCheckpoint) kept = lw_checkpoint_new (without);
    float again[BATCH * HIDDEN * N_BLOCKS];

    lw_checkpoint_take (kept, without);
    lw_model_train_step (without, x, y, BATCH, NULL);
    g_assert_true (lw_checkpoint_restore (kept, without));
    lw_model_activations (without, x, BATCH, again);
    g_assert_cmpmem (again, sizeof again, act, sizeof act);
  }
  {
    LwParam *p = lw_model_block_param_slots (without, 0);
    const float *w = p[LW_BLOCK_MAIN_W].w, *b = p[LW_BLOCK_MAIN_B].w;

    for (guint s = 0; s < BATCH; s++)
      for (guint o = 0; o < HIDDEN; o++)
        {
          double z = b[o];

          for (guint k = 0; k < IN; k++)
            z += (double) w[o * IN + k] * x[s * IN + k];
          g_assert_cmpfloat_with_epsilon (act[s * HIDDEN + o], MAX (z, 0.0), 1e-5);
        }
  }
}

/* A small conv block without BatchNorm: empty BN, the conv's bias kept. */
static void
test_no_batch_norm_conv (void)
{
  LwConvBlockShape shape = {
    .c_in = 2, .c_out = 5, .size = 6, .kernel = 3, .pool_after = TRUE,
    .dim_in_decoder = 4096, .bpf_sim_dim = 4096, .no_batch_norm = TRUE,
  };
  LwConvBlock b;
  LwRng rng;

  lw_rng_init (&rng, 5, 0);
  lw_conv_block_init (&b, &shape, CLASSES, 4, 4, &rng);
  g_assert_cmpuint (b.params[LW_BLOCK_BN_GAMMA].n, ==, 0);
  g_assert_cmpuint (b.params[LW_BLOCK_BN_BETA].n, ==, 0);
  g_assert_cmpuint (b.params[LW_BLOCK_MAIN_B].n, ==, 5);
  g_assert_cmpuint (b.bn.c, ==, 0);
  lw_conv_block_clear (&b);
}

/* S of rows (n x d), centred and normalised, in double. */
static void
similarity_d (const float *v, guint n, gsize d, double *s)
{
  g_autofree double *u = g_new (double, n * d);

  for (guint i = 0; i < n; i++)
    {
      double mean = 0.0, norm = 0.0;

      for (gsize k = 0; k < d; k++)
        mean += v[i * d + k];
      mean /= d;
      for (gsize k = 0; k < d; k++)
        {
          u[i * d + k] = v[i * d + k] - mean;
          norm += u[i * d + k] * u[i * d + k];
        }
      for (gsize k = 0; k < d; k++)
        u[i * d + k] /= 1e-8 + sqrt (norm);
    }
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        double dot = 0.0;

        for (gsize k = 0; k < d; k++)
          dot += u[i * d + k] * u[j * d + k];
        s[i * n + j] = CLAMP (dot, -1.0, 1.0);
      }
}

/* --no-similarity-std: the conv sim head's output goes into S flattened
 * (C*h*w per sample), as the reference's similarity_matrix does; by
 * default it is reduced to per-channel spatial std (C per sample). */
static void
check_sim_input (gboolean no_std)
{
  enum { N = 4, C_IN = 2, C = 5, S = 6 };
  LwConvBlockShape shape = {
    .c_in = C_IN, .c_out = C, .size = S, .kernel = 3, .pool_after = FALSE,
    .dim_in_decoder = 4096, .bpf_sim_dim = 4096, .no_similarity_std = no_std,
  };
  float x[N * C_IN * S * S], s[N * N], h[N * C * S * S], r[N * C];
  double want[N * N];
  LwConvBlock b;
  LwRng rng;

  lw_rng_init (&rng, 9, 0);
  lw_conv_block_init (&b, &shape, CLASSES, 4, N, &rng);
  g_assert_cmpint (b.sim_std, ==, !no_std);
  g_assert_cmpint (b.bpf_sim_view.std, ==, !no_std);
  gc_fill_uniform (x, G_N_ELEMENTS (x), -1.0f, 1.0f, &rng);
  lw_conv_block_forward_eval (&b, x, NULL, N, LW_NONLIN_RELU, NULL);
  lw_conv_block_similarity (&b, N, LW_LOSS_SIM, s);

  lw_conv2d_forward (&b.sim, b.a, N, h);
  if (no_std)
    similarity_d (h, N, C * S * S, want);
  else
    {
      for (guint i = 0; i < N * C; i++)
        {
          double mean = 0.0, var = 0.0;

          for (guint p = 0; p < S * S; p++)
            mean += h[i * S * S + p];
          mean /= S * S;
          for (guint p = 0; p < S * S; p++)
            var += (h[i * S * S + p] - mean) * (h[i * S * S + p] - mean);
          r[i] = (float) sqrt (var / (S * S - 1));
        }
      similarity_d (r, N, C, want);
    }
  for (guint i = 0; i < N * N; i++)
    g_assert_cmpfloat_with_epsilon (s[i], want[i], 1e-4);
  lw_conv_block_clear (&b);
}

static void
test_no_similarity_std (void)
{
  check_sim_input (FALSE);
  check_sim_input (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/switches/no-detach/gradient", test_no_detach_gradient);
  g_test_add_func ("/switches/no-detach/gradient-batch-norm", test_no_detach_gradient_bn);
  g_test_add_func ("/switches/no-detach/gradient-conv", test_no_detach_gradient_conv);
  g_test_add_func ("/switches/no-detach/default-detaches", test_detach_default);
  g_test_add_func ("/switches/no-detach/reaches-lower-blocks", test_no_detach_reaches_lower_blocks);
  g_test_add_func ("/switches/no-batch-norm/fc", test_no_batch_norm_fc);
  g_test_add_func ("/switches/no-batch-norm/conv", test_no_batch_norm_conv);
  g_test_add_func ("/switches/no-similarity-std", test_no_similarity_std);
  return g_test_run ();
}
