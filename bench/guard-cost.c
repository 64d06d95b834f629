/* guard-cost.c: what the divergence guard costs in a training step. Times
 * an MLP 3x1024 predsim step (batch 128, one thread) and, interleaved in
 * the same process, the guard's own work on tensors of the step's sizes:
 * reading every stepped gradient once (lw_param_check_finite, which also checks
 * the update against the tensor's bounds). Medians of many repetitions,
 * so a busy machine blurs the two alike.
 *
 *   _build/bench/guard-cost [REPS] */
#include <stdio.h>
#include <stdlib.h>

#include "engine/lw-gemm.h"
#include "engine/lw-model.h"
#include "engine/lw-optim.h"
#include "engine/lw-rng.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof *v, compare_doubles);
  return v[n / 2];
}

int
main (int argc, char **argv)
{
  guint reps = argc > 1 ? (guint) atoi (argv[1]) : 200;
  const guint batch = 128, in = 784, hidden = 1024, classes = 10;
  /* The tensors a predsim step updates: per block main W and b, gamma,
   * beta, pred W and b, sim W; then the output layer. */
  gsize sizes[3 * 7 + 2];
  guint n_sizes = 0;
  LwParam params[G_N_ELEMENTS (sizes)];
  const LwOptimSettings s = { .kind = LW_OPTIM_ADAM, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  g_autoptr (LwModel) model = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *x = g_new (float, (gsize) batch * in);
  g_autofree guint8 *y = g_new (guint8, batch);
  g_autofree double *step_s = g_new (double, reps), *check_s = g_new (double, reps);
  LwModelConfig config;
  LwRng rng;
  gsize total = 0;

  lw_blas_set_threads (1);
  lw_model_config_init (&config);
  model = lw_model_new (&config, &error);
  g_assert_no_error (error);
  lw_rng_init (&rng, 5, 0);
  for (gsize i = 0; i < (gsize) batch * in; i++)
    x[i] = lw_rng_uniform_in (&rng, 0.0f, 1.0f);
  for (guint i = 0; i < batch; i++)
    y[i] = (guint8) lw_rng_below (&rng, classes);

  for (guint b = 0; b < 3; b++)
    {
      gsize n_in = b == 0 ? in : hidden;
      gsize block[] = { n_in * hidden, hidden, hidden, hidden, hidden * classes, classes,
                        (gsize) hidden * hidden };

      for (guint k = 0; k < G_N_ELEMENTS (block); k++)
        sizes[n_sizes++] = block[k];
    }
  sizes[n_sizes++] = (gsize) hidden * classes;
  sizes[n_sizes++] = classes;
  for (guint k = 0; k < n_sizes; k++)
    {
      float *w = g_new0 (float, sizes[k]), *g = g_new (float, sizes[k]);

      for (gsize i = 0; i < sizes[k]; i++)
        g[i] = lw_rng_uniform_in (&rng, -1e-3f, 1e-3f);
      lw_param_init (&params[k], w, g, sizes[k]);
      total += sizes[k];
    }

  for (guint r = 0; r < 10; r++)
    lw_model_train_step (model, x, y, batch, NULL);
  for (guint r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time (), t1, t2;
      gboolean nan;

      lw_model_train_step (model, x, y, batch, NULL);
      t1 = g_get_monotonic_time ();
      for (guint k = 0; k < n_sizes; k++)
        if (lw_param_check_finite (&params[k], &s, 5e-4f, &nan) != LW_DIVERGED_NONE)
          g_error ("the check refused a finite update");
      t2 = g_get_monotonic_time ();
      step_s[r] = (t1 - t0) / 1e6;
      check_s[r] = (t2 - t1) / 1e6;
    }
  {
    double step = median (step_s, reps), check = median (check_s, reps);

    printf ("MLP 3x1024 predsim, batch 128, 1 thread, %u reps (medians)\n", reps);
    printf ("step %.2f ms; guard check of %.2fM gradient values %.3f ms = %.2f%% of the step\n",
            step * 1e3, total / 1e6, check * 1e3, 100.0 * check / step);
  }
  for (guint k = 0; k < n_sizes; k++)
    {
      g_free (params[k].w);
      g_free (params[k].g);
      lw_param_clear (&params[k]);
    }
  return 0;
}
