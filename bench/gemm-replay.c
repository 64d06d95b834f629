/* gemm-replay.c: how close does a full training step get to the time its
 * matrix products alone need?
 *
 * Records the exact sequence of sgemm shapes one lw_model_train_step makes
 * (lw_gemm_record_start), replays only those products through lw_gemm on buffers
 * allocated once, and times that replay (the "sgemm ceiling") against real
 * training steps of the same model on random data. Both are timed in
 * alternating repetitions, so they share the machine's noise; each figure
 * is the median over the repetitions. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>
#include <glib.h>

#include "engine/lw-gemm.h"
#include "engine/lw-model.h"
#include "engine/lw-rng.h"

typedef struct {
  LwGemmCall call;
  int lda, ldb, ldc;
  float *a, *b, *c;
  double usec_sum;              /* --list: time spent in this call */
} ReplayCall;

static double
now_sec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_double (const void *pa, const void *pb)
{
  double a = *(const double *) pa, b = *(const double *) pb;

  return (a > b) - (a < b);
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static float *
random_buffer (LwRng *rng, gsize n, float scale)
{
  float *p = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    p[i] = lw_rng_uniform_in (rng, -scale, scale);
  return p;
}

/* Row-major, contiguous: op(A) is m x k, op(B) is k x n, C is m x n. */
static void
replay_call_init (ReplayCall *rc, const LwGemmCall *call, LwRng *rng)
{
  rc->call = *call;
  rc->lda = call->trans_a ? call->m : call->k;
  rc->ldb = call->trans_b ? call->k : call->n;
  rc->ldc = call->n;
  rc->a = random_buffer (rng, (gsize) call->m * call->k, 0.1f);
  rc->b = random_buffer (rng, (gsize) call->k * call->n, 0.1f);
  rc->c = random_buffer (rng, (gsize) call->m * call->n, 0.1f);
  rc->usec_sum = 0.0;
}

static inline void
replay_one (ReplayCall *rc)
{
  const LwGemmCall *c = &rc->call;

  /* Through lw_gemm (not recording now), so the replay makes the same
   * choice of BLAS threads per product as the training step. */
  lw_gemm (c->trans_a, c->trans_b, c->m, c->n, c->k, 1.0f, rc->a, rc->lda,
           rc->b, rc->ldb, c->beta, rc->c, rc->ldc);
}

static void
replay_step (ReplayCall *calls, guint n_calls, gboolean time_each)
{
  for (guint i = 0; i < n_calls; i++)
    {
      if (time_each)
        {
          double t0 = now_sec ();

          replay_one (&calls[i]);
          calls[i].usec_sum += (now_sec () - t0) * 1e6;
        }
      else
        replay_one (&calls[i]);
    }
}

static void
random_batch (LwRng *rng, float *x, guint8 *y, guint batch, guint input_size, guint n_classes)
{
  for (gsize i = 0; i < (gsize) batch * input_size; i++)
    x[i] = lw_rng_uniform_in (rng, -1.0f, 2.5f);   /* about the range of normalised MNIST */
  for (guint i = 0; i < batch; i++)
    y[i] = (guint8) lw_rng_below (rng, n_classes);
}

int
main (int argc, char **argv)
{
  g_autofree char *loss_name = NULL;
  int num_layers = 3, num_hidden = 1024, batch_size = 128;
  int threads = 1, steps = 20, warmup = 5, reps = 5;
  gboolean list = FALSE;
  GOptionEntry entries[] = {
    { "loss", 0, 0, G_OPTION_ARG_STRING, &loss_name, "Local loss (default predsim)", "NAME" },
    { "num-layers", 0, 0, G_OPTION_ARG_INT, &num_layers, "Hidden blocks (default 3)", "N" },
    { "num-hidden", 0, 0, G_OPTION_ARG_INT, &num_hidden, "Units per hidden block (default 1024)", "N" },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch_size, "Batch size (default 128)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "BLAS threads (default 1)", "T" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Timed steps per repetition (default 20)", "K" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed steps first (default 5)", "W" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions; the median is reported (default 5)", "R" },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, "Also list every recorded call with its median time", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LwModel) model = NULL;
  g_autoptr (GArray) recorded = NULL;
  LwModelConfig config;
  LwRng rng;
  ReplayCall *calls;
  guint n_calls, input_size;
  float *x;
  guint8 *y;
  double flop = 0.0, *replay_ms, *full_ms;
  double replay_med, full_med, ceiling, full_rate;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  context = g_option_context_new ("- replay the sgemm calls of one training step");
  g_option_context_set_summary (context,
    "Times the exact sequence of cblas_sgemm calls one training step makes (the\n"
    "sgemm ceiling) against full lw_model_train_step calls on random data.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gemm-replay: %s\n", error->message);
      return 2;
    }
  if (threads < 1 || steps < 1 || warmup < 0 || reps < 1 || batch_size < 1
      || num_layers < 1 || num_hidden < 1)
    {
      fprintf (stderr, "gemm-replay: --threads, --steps, --reps, --batch-size, --num-layers "
               "and --num-hidden must be positive, --warmup not negative\n");
      return 2;
    }

  lw_blas_set_threads (threads);

  lw_model_config_init (&config);
  config.num_layers = (guint) num_layers;
  config.num_hidden = (guint) num_hidden;
  config.batch_size = (guint) batch_size;
  if (loss_name != NULL && !lw_loss_type_from_string (loss_name, &config.loss))
    {
      fprintf (stderr, "gemm-replay: unknown loss '%s'\n", loss_name);
      return 2;
    }
  model = lw_model_new (&config, &error);
  if (model == NULL)
    {
      fprintf (stderr, "gemm-replay: cannot build the model: %s\n", error->message);
      return 2;
    }

  input_size = lw_model_input_size (model);
  lw_rng_init (&rng, 1, 7);
  x = g_new (float, (gsize) batch_size * input_size);
  y = g_new (guint8, batch_size);
  random_batch (&rng, x, y, batch_size, input_size, config.n_classes);

  /* One step first, so the recorded one is a steady-state step. */
  lw_model_train_step (model, x, y, batch_size, NULL);
  recorded = g_array_new (FALSE, FALSE, sizeof (LwGemmCall));
  lw_gemm_record_start (recorded);
  lw_model_train_step (model, x, y, batch_size, NULL);
  lw_gemm_record_stop ();

  n_calls = recorded->len;
  if (n_calls == 0)
    {
      fprintf (stderr, "gemm-replay: the training step made no lw_gemm call\n");
      return 1;
    }
  calls = g_new (ReplayCall, n_calls);
  for (guint i = 0; i < n_calls; i++)
    {
      const LwGemmCall *c = &g_array_index (recorded, LwGemmCall, i);

      replay_call_init (&calls[i], c, &rng);
      flop += 2.0 * c->m * c->n * c->k;
    }

  printf ("gemm-replay: mlp %dx%d, loss %s, batch %d, %d BLAS thread%s, "
          "%d warm-up + %d reps x %d steps (median)\n",
          num_layers, num_hidden, lw_loss_type_to_string (config.loss), batch_size,
          lw_blas_get_threads (), lw_blas_get_threads () == 1 ? "" : "s",
          warmup, reps, steps);
  fflush (stdout);

  for (int i = 0; i < warmup; i++)
    {
      replay_step (calls, n_calls, FALSE);
      lw_model_train_step (model, x, y, batch_size, NULL);
    }

  /* Alternate replay and full steps, so both see the same machine. */
  replay_ms = g_new (double, reps);
  full_ms = g_new (double, reps);
  for (int r = 0; r < reps; r++)
    {
      double t0 = now_sec ();

      for (int s = 0; s < steps; s++)
        replay_step (calls, n_calls, FALSE);
      replay_ms[r] = (now_sec () - t0) * 1e3 / steps;

      t0 = now_sec ();
      for (int s = 0; s < steps; s++)
        lw_model_train_step (model, x, y, batch_size, NULL);
      full_ms[r] = (now_sec () - t0) * 1e3 / steps;
    }
  replay_med = median (replay_ms, reps);
  full_med = median (full_ms, reps);
  ceiling = batch_size / (replay_med * 1e-3);
  full_rate = batch_size / (full_med * 1e-3);

  printf ("sgemm calls per step:   %u\n", n_calls);
  printf ("GFLOP per step:         %.4f (%.2f MFLOP per sample)\n",
          flop * 1e-9, flop * 1e-6 / batch_size);
  printf ("sgemm replay:           %.2f ms/step (min %.2f, max %.2f), %.1f GFLOP/s\n",
          replay_med, replay_ms[0], replay_ms[reps - 1], flop * 1e-9 / (replay_med * 1e-3));
  printf ("sgemm ceiling:          %.0f samples/s\n", ceiling);
  printf ("full train step:        %.2f ms/step (min %.2f, max %.2f) = %.0f samples/s\n",
          full_med, full_ms[0], full_ms[reps - 1], full_rate);
  printf ("%% of sgemm ceiling:     %.1f %% (non-sgemm work: %.2f ms/step)\n",
          100.0 * full_rate / ceiling, full_med - replay_med);

  if (list)
    {
      double total = 0.0;

      for (int s = 0; s < steps; s++)
        replay_step (calls, n_calls, TRUE);
      printf ("\n  #  op   %5s %5s %5s  beta  GFLOP/s  us/call (mean of %d)\n", "m", "n", "k", steps);
      for (guint i = 0; i < n_calls; i++)
        {
          const LwGemmCall *c = &calls[i].call;
          double us = calls[i].usec_sum / steps;

          total += us;
          printf ("%3u  %c%c   %5d %5d %5d  %4g  %7.1f  %8.1f\n", i,
                  c->trans_a ? 'T' : 'N', c->trans_b ? 'T' : 'N', c->m, c->n, c->k, c->beta,
                  2.0 * c->m * c->n * c->k * 1e-3 / us, us);
        }
      printf ("  total %.2f ms/step\n\n", total * 1e-3);
    }

  printf ("calls=%u gflop_per_step=%.6f replay_ms=%.4f full_ms=%.4f gflops=%.2f "
          "ceiling_samples_per_s=%.1f full_samples_per_s=%.1f ratio=%.4f threads=%d\n",
          n_calls, flop * 1e-9, replay_med, full_med, flop * 1e-9 / (replay_med * 1e-3),
          ceiling, full_rate, full_rate / ceiling, lw_blas_get_threads ());

  for (guint i = 0; i < n_calls; i++)
    {
      g_free (calls[i].a);
      g_free (calls[i].b);
      g_free (calls[i].c);
    }
  g_free (calls);
  g_free (replay_ms);
  g_free (full_ms);
  g_free (x);
  g_free (y);
  return 0;
}
