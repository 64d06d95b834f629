/* test-convergence.c: one epoch over the embedded MNIST subset with the
 * paper's MLP recipe (docs/method.md §6, §7): batch 128, Adam at the
 * architecture's default rate (5e-4; vgg-mini's own 3e-3), the dataset's
 * default augmentation (2-pixel jitter), a seeded shuffle, the last
 * partial batch included. Accuracy is the output layer's, on the
 * subset's test images, in evaluation mode.
 *
 * predsim on the paper's 3 x 1024 net must reach 95%; every loss type
 * must reach 85%. Only predsim runs on 3 x 1024: the six other loss types
 * use 3 x 256 so that the whole program stays well under two minutes on
 * one thread (3 x 1024 costs ~10x more per epoch).
 *
 * /convergence/vgg-mini-predsim: the small conv preset (16, M, 32, M, 64,
 * M -> FC 256) at its own rate, lr 3e-3, with predsim on the first 15,000
 * images of the shuffled subset only, to keep it near 13 s on one thread.
 * Measured: 96.80% on the 2,000 test images after those 15,000 (seed 1;
 * 95.55% at the earlier 5e-4), so the bound is 95% (layerwise-cli
 * --limit-train 15000 --nonlin leakyrelu, seeds 1-3: 96.70-96.90%); a
 * full epoch of the 30,000 reached 97.60% (layerwise-cli --arch vgg-mini
 * --nonlin leakyrelu --threads 1; 98.15% with the default relu). */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-model.h"
#include "engine/lw-rng.h"

static LwDataset *dataset;

typedef struct {
  LwLossType loss;
  guint hidden;
  double min_accuracy;
  LwArch arch;
  guint limit_train;          /* 0: all */
} Case;

/* Test-set accuracy of the output layer; block_correct (3) gets the
 * local heads' hits. */
static double
evaluate (LwModel *m, guint32 *order, float *x, guint8 *y, guint *block_correct)
{
  const LwDataset *ds = dataset;
  const guint batch = 128, n_test = ds->test.n;
  guint out_correct = 0;

  memset (block_correct, 0, LW_MAX_BLOCKS * sizeof (guint));
  for (guint i = 0; i < n_test; i++)
    order[i] = i;
  for (guint start = 0; start < n_test; start += batch)
    {
      guint count = MIN (batch, n_test - start);
      lw_dataset_fill_batch (ds, &ds->test, order + start, count, NULL, NULL, x, y);
      lw_model_evaluate (m, x, y, count, block_correct, &out_correct);
    }
  return (double) out_correct / n_test;
}

static void
run_case (gconstpointer data)
{
  const Case *tc = data;
  const LwDataset *ds = dataset;
  const guint batch = 128, in = ds->channels * ds->height * ds->width;
  const guint n_test = ds->test.n;
  const guint n_train = tc->limit_train > 0 ? MIN (tc->limit_train, ds->train.n) : ds->train.n;
  g_autoptr (GError) error = NULL;
  g_autoptr (LwModel) m = NULL;
  g_autoptr (GTimer) timer = g_timer_new ();
  g_autofree guint32 *order = g_new (guint32, MAX (ds->train.n, n_test));
  g_autofree float *x = g_new (float, (gsize) batch * in);
  g_autofree guint8 *y = g_new (guint8, batch);
  guint block_correct[LW_MAX_BLOCKS];
  LwModelConfig c;
  LwRng shuffle, augment;
  LwStepStats st;
  double train_s, acc;

  /* The subset: a few ten thousand training images, 2,000 test images. */
  g_assert_cmpuint (ds->train.n, >=, 10000);
  g_assert_cmpuint (n_test, >=, 1000);

  lw_model_config_init (&c);
  c.in_channels = ds->channels;
  c.in_height = ds->height;
  c.in_width = ds->width;
  c.n_classes = ds->n_classes;
  c.arch = tc->arch;
  c.num_layers = lw_arch_is_conv (tc->arch) ? 1 : 3;
  c.num_hidden = tc->hidden;
  c.batch_size = batch;
  c.loss = tc->loss;
  c.lr = lw_arch_default_lr (tc->arch);   /* 5e-4; vgg-mini 3e-3 */
  c.seed = 1;
  /* The recipes (docs/method.md §0.9, §5): LeakyReLU wherever a sim loss
   * trains the block, ReLU for pred and bp; bpf predsim uses beta 0.01. */
  c.nonlin = tc->loss == LW_LOSS_SIM || tc->loss == LW_LOSS_PREDSIM
             || tc->loss == LW_LOSS_SIM_BPF || tc->loss == LW_LOSS_PREDSIM_BPF
             ? LW_NONLIN_LEAKY_RELU : LW_NONLIN_RELU;
  c.beta = tc->loss == LW_LOSS_PREDSIM_BPF ? 0.01f : 0.99f;
  m = lw_model_new (&c, &error);
  g_assert_no_error (error);

  lw_rng_init (&shuffle, 1, 100);
  lw_rng_init (&augment, 1, 101);
  for (guint i = 0; i < ds->train.n; i++)
    order[i] = i;
  lw_rng_shuffle (&shuffle, order, ds->train.n);
  for (guint start = 0; start < n_train; start += batch)
    {
      guint count = MIN (batch, n_train - start);
      lw_dataset_fill_batch (ds, &ds->train, order + start, count, &ds->augment, &augment, x, y);
      lw_model_train_step (m, x, y, count, &st);
      g_assert_true (isfinite (st.loss_out));
    }
  train_s = g_timer_elapsed (timer, NULL);

  acc = evaluate (m, order, x, y, block_correct);
  g_test_message ("%s %s, FC %ux%u: test accuracy %.2f%% after one epoch of %u images (local "
                  "heads %.2f%% %.2f%% %.2f%% ...); the epoch took %.1f s",
                  lw_arch_to_string (tc->arch), lw_loss_type_to_string (tc->loss),
                  c.num_layers, tc->hidden,
                  100.0 * acc, n_train, 100.0 * block_correct[0] / n_test,
                  100.0 * block_correct[1] / n_test, 100.0 * block_correct[2] / n_test, train_s);
  g_assert_cmpfloat (acc, >=, tc->min_accuracy);
}

int
main (int argc, char **argv)
{
  static const Case cases[] = {
    { LW_LOSS_PREDSIM, 1024, 0.95 },
    { LW_LOSS_PRED, 256, 0.85 },
    { LW_LOSS_SIM, 256, 0.85 },
    { LW_LOSS_BP, 256, 0.85 },
    { LW_LOSS_PRED_BPF, 256, 0.85 },
    { LW_LOSS_SIM_BPF, 256, 0.85 },
    { LW_LOSS_PREDSIM_BPF, 256, 0.85 },
    { LW_LOSS_PREDSIM, 256, 0.95, LW_ARCH_VGG_MINI, 15000 },
  };
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  dataset = lw_dataset_load (LW_DATASET_MNIST_SUBSET, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dataset);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;
      if (cases[i].arch != LW_ARCH_MLP)
        path = g_strdup_printf ("/convergence/%s-%s", lw_arch_to_string (cases[i].arch),
                                lw_loss_type_to_string (cases[i].loss));
      else if (cases[i].loss == LW_LOSS_PREDSIM)
        path = g_strdup_printf ("/convergence/%s-3x%u", lw_loss_type_to_string (cases[i].loss),
                                cases[i].hidden);
      else
        path = g_strdup_printf ("/convergence/%s", lw_loss_type_to_string (cases[i].loss));
      g_test_add_data_func (path, &cases[i], run_case);
    }

  status = g_test_run ();
  lw_dataset_free (dataset);
  return status;
}
