/* lw-distributed.c: one stage per rank, batches forward through MPI.
 *
 * A run has two phases. First rank 0 broadcasts the first few training
 * batches whole (WARMUP) and every rank takes the ordinary step on its
 * full copy of the model, so every copy is where the single-process run
 * would be and rank 0 has measured what each block costs; rank 0 then
 * broadcasts those costs (SPLIT) and every rank draws the same stages from
 * them. From then on each batch goes point to point, rank k to rank k+1:
 * TRAIN and EVAL messages with activations, EPOCH_END after the epoch's
 * test pass, STOP at the end. Each rank sends from two buffers in turn,
 * so it trains the next batch while the last one is on its way
 * (lw-mpi-link.c: every call checked, a failure ends the whole job). */
#include "lw-distributed.h"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lw-gemm.h"
#include "engine/lw-step.h"
#include "engine/lw-pipeline.h"
#include "lw-batches.h"
#include "lw-metrics-csv.h"
#include "lw-mpi-link.h"
#include "lw-report.h"
#include "lw-run-header.h"
#include "lw-trainer.h"
#include "lw-wire.h"

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

/* What the other ranks need to know of the dataset rank 0 loaded. */
typedef struct {
  gint32 status;                /* non-zero: rank 0 could not load it; every rank exits so */
  guint32 n_classes, channels, height, width, n_train, n_test;
  char name[64];
  char source[1024];
} DatasetInfo;

typedef struct {
  const LwCliOptions *opts;
  const volatile sig_atomic_t *stop;
  LwModel *model;
  LwMpiLink link;
  int rank, size;               /* the link's, for short */
  gboolean is_first, is_last;
  guint n_blocks;

  /* The stages, once split. */
  gboolean split;
  guint first[LW_PIPELINE_MAX_STAGES];
  double share[LW_PIPELINE_MAX_STAGES];
  guint own_first, own_last;    /* this rank's blocks [own_first, own_last) */

  guint64 step;                 /* training steps taken (or received) */

  /* Rank 0: the data. */
  LwBatches *batches;
  float *x;
  guint8 *y;

  /* The last rank: the report. */
  LwReport report;
  gboolean training;            /* the epoch's training batches still come */
  double train_seconds;
  guint test_correct[LW_MAX_BLOCKS];
  guint test_correct_out, n_tested;
  guint epochs_done;
  double test_acc_out;
  gboolean interrupted;
} Dist;

/* Floats per sample that cross into stage s (s >= 1). */
static guint
link_width (const Dist *d, guint s)
{
  return (guint) lw_model_block_out_floats (d->model, d->first[s] - 1);
}

/* ---- the last rank's report ---- */

static void
report_or_abort (Dist *d, gboolean ok, GError *error)
{
  if (!ok)
    lw_mpi_link_abort (&d->link, "%s", error->message);
}

static void
finish_train (Dist *d, const LwStepStats *stats)
{
  g_autoptr (GError) error = NULL;

  /* Nothing non-finite was applied; the run stops (exit status 3), as in
   * one process, or (skip) leaves the step out of the statistics. */
  if (stats->diverged.what != LW_DIVERGED_NONE && !d->opts->skip_divergence)
    {
      g_autofree char *what = lw_trainer_describe_divergence (&stats->diverged, d->n_blocks);

      lw_mpi_link_abort_status (&d->link, 3, _("training diverged at epoch %u step %"
                                PRIu64 ": %s (learning rate %g); nothing non-finite "
                                "was applied. Lower --lr, or pass --on-divergence skip to drop "
                                "such steps and continue."), d->report.epoch,
                                d->report.step + 1, what, d->report.lr);
    }

  report_or_abort (d, lw_report_step (&d->report, stats, &error), error);
}

static void
finish_eval (Dist *d, const guint *correct, guint correct_out, guint count)
{
  if (d->training)
    {
      d->train_seconds = lw_report_end_training (&d->report);
      d->training = FALSE;
    }
  for (guint i = 0; i < d->n_blocks; i++)
    d->test_correct[i] += correct[i];
  d->test_correct_out += correct_out;
  d->n_tested += count;
}

static void
finish_epoch (Dist *d, guint epoch)
{
  g_autoptr (GError) error = NULL;
  double block_acc[LW_MAX_BLOCKS];
  double out_acc = d->n_tested ? (double) d->test_correct_out / d->n_tested : 0.0;

  for (guint i = 0; i < d->n_blocks; i++)
    block_acc[i] = d->n_tested ? (double) d->test_correct[i] / d->n_tested : 0.0;
  report_or_abort (d, lw_report_end_epoch (&d->report, d->train_seconds, block_acc, out_acc,
                                           &error), error);
  d->epochs_done = epoch;
  d->test_acc_out = out_acc;
  memset (d->test_correct, 0, sizeof d->test_correct);
  d->test_correct_out = d->n_tested = 0;
  if (epoch < d->opts->epochs)
    {
      lw_report_begin_epoch (&d->report, epoch + 1);
      d->training = TRUE;
    }
}

/* ---- the stages ---- */

static void
describe_stages (Dist *d)
{
  FILE *out = d->report.out;
  guint bs = d->opts->batch_size;

  lw_progress_clear (&d->report.progress);
  /* Not translated: bench/ and tests read the stage lines. */
  fprintf (out, "distributed stages:");
  for (int s = 0; s < d->size; s++)
    {
      guint last = s + 1 < d->size ? d->first[s + 1] : d->n_blocks;

      fprintf (out, "%s rank %d blocks %u-%u%s (%.0f%%)", s ? ";" : "", s, d->first[s] + 1, last,
               s + 1 == d->size ? " + output" : "", 100.0 * d->share[s]);
    }
  fprintf (out, "\n");
  if (d->size > 1)
    {
      fprintf (out, "bytes per batch of %u:", bs);
      for (int s = 1; s < d->size; s++)
        fprintf (out, "%s rank %d->%d %" G_GSIZE_FORMAT, s > 1 ? ";" : "", s - 1, s,
                 lw_wire_size (bs, link_width (d, s)));
      fprintf (out, "\n");
    }
  fflush (out);
}

/* Every rank draws the same stages from the same costs, then makes the
 * buffers of its links. cost_in lies in the broadcast buffer, which goes
 * once the costs are read. */
static void
split_stages (Dist *d, const float *cost_in)
{
  double cost[LW_MAX_BLOCKS + 1], total = 0.0;
  gboolean measured = FALSE;
  guint bs = d->opts->batch_size;

  for (guint i = 0; i <= d->n_blocks; i++)
    {
      cost[i] = cost_in[i];
      measured |= cost[i] > 0.0;
    }
  /* Interrupted before any step: equal blocks, as the pipeline does. */
  for (guint i = 0; i <= d->n_blocks && !measured; i++)
    cost[i] = i < d->n_blocks ? 1.0 : 0.1;
  lw_pipeline_balance (cost, d->n_blocks, (guint) d->size, d->first);
  for (int s = 0; s < d->size; s++)
    {
      guint last = s + 1 < d->size ? d->first[s + 1] : d->n_blocks;

      d->share[s] = 0.0;
      for (guint i = d->first[s]; i < last; i++)
        d->share[s] += cost[i];
      if (s + 1 == d->size)
        d->share[s] += cost[d->n_blocks];
      total += d->share[s];
    }
  for (int s = 0; s < d->size; s++)
    d->share[s] /= total;
  d->own_first = d->first[d->rank];
  d->own_last = d->is_last ? d->n_blocks : d->first[d->rank + 1];
  d->split = TRUE;

  if (!d->is_first)
    {
      d->link.expect.width = link_width (d, (guint) d->rank);
      d->link.expect.n_stats = d->own_first;
    }
  lw_mpi_link_alloc (&d->link, 0,
                     d->is_first ? 0 : lw_wire_size (bs, d->link.expect.width),
                     d->is_last ? 0 : lw_wire_size (bs, link_width (d, (guint) d->rank + 1)));
  if (d->is_last)
    describe_stages (d);
}

/* Rank 0: the costs its warm-up steps measured, to every rank. */
static void
send_split (Dist *d, guint epoch)
{
  double cost[LW_MAX_BLOCKS + 1];
  float *data;

  lw_model_block_costs (d->model, cost);
  lw_wire_begin (d->link.bcast, LW_WIRE_SPLIT, epoch, d->step, 1, d->n_blocks + 1);
  data = lw_wire_data (d->link.bcast, 1);
  for (guint i = 0; i <= d->n_blocks; i++)
    data[i] = (float) cost[i];
  lw_wire_seal (d->link.bcast);
  lw_mpi_link_broadcast (&d->link);
  split_stages (d, data);
}

/* A whole step on this rank's full copy of the model, as the
 * single-process run takes it. */
static void
warmup_step (Dist *d, const float *x, const guint8 *y, guint count)
{
  LwStepStats stats;

  lw_model_train_step (d->model, x, y, count, &stats);
  if (d->is_last)
    finish_train (d, &stats);
}

/* Rank 0: broadcasts the batch in d->x, d->y; every rank steps on it. */
static void
send_warmup (Dist *d, guint epoch, guint count)
{
  LwStepControls controls;
  LwWireHeader *h = lw_wire_header (d->link.bcast);
  guint width = lw_model_input_size (d->model);

  lw_model_capture_controls (d->model, &controls);
  lw_wire_begin (d->link.bcast, LW_WIRE_WARMUP, epoch, d->step, count, width);
  lw_wire_put_controls (h, &controls, d->n_blocks);
  memcpy (lw_wire_labels (d->link.bcast), d->y, count);
  memcpy (lw_wire_data (d->link.bcast, count), d->x, (gsize) count * width * sizeof (float));
  lw_wire_seal (d->link.bcast);
  lw_mpi_link_broadcast (&d->link);
  warmup_step (d, d->x, d->y, count);
}

/* This rank's blocks of a training batch; then the output layer and the
 * report on the last rank, or the next rank. stats holds the blocks
 * below. */
static void
train_stage (Dist *d, guint epoch, guint64 index, const float *below, const guint8 *y,
             guint count, const LwStepControls *controls, LwStepStats *stats)
{
  const float *h = below;
  LwWireHeader *head;
  void *message;

  /* As in one process, a block that diverged ends the batch's step: the
   * ranks after it pass it on untrained. */
  for (guint i = d->own_first; i < d->own_last && stats->diverged.what == LW_DIVERGED_NONE; i++)
    {
      h = lw_model_block_train (d->model, i, h, y, count, controls, &stats->block[i]);
      if (h == NULL)
        stats->diverged = stats->block[i].diverged;
    }
  if (d->is_last)
    {
      if (stats->diverged.what == LW_DIVERGED_NONE)
        lw_model_output_train (d->model, h, y, count, controls, stats);
      finish_train (d, stats);
      return;
    }

  message = lw_mpi_link_take (&d->link);
  head = lw_wire_header (message);
  lw_wire_begin (message, LW_WIRE_TRAIN, epoch, index, count,
                 (guint) lw_model_block_out_floats (d->model, d->own_last - 1));
  lw_wire_put_controls (head, controls, d->n_blocks);
  head->n_stats = d->own_last;
  for (guint i = 0; i < d->own_last; i++)
    {
      head->loss_pred[i] = stats->block[i].loss_pred;
      head->loss_sim[i] = stats->block[i].loss_sim;
      head->correct[i] = stats->block[i].correct;
    }
  head->diverged_what = stats->diverged.what;
  head->diverged_block = stats->diverged.block;
  head->diverged_nan = stats->diverged.nan;
  memcpy (lw_wire_labels (message), y, count);
  if (stats->diverged.what == LW_DIVERGED_NONE)
    memcpy (lw_wire_data (message, count), h, (gsize) count * head->width * sizeof (float));
  else
    memset (lw_wire_data (message, count), 0, (gsize) count * head->width * sizeof (float));
  lw_mpi_link_send (&d->link, message);
}

/* This rank's blocks of a test batch; correct holds the blocks below. */
static void
eval_stage (Dist *d, guint epoch, guint64 index, const float *below, const guint8 *y,
            guint count, guint *correct)
{
  const float *h = below;
  LwWireHeader *head;
  void *message;

  for (guint i = d->own_first; i < d->own_last; i++)
    h = lw_model_block_evaluate (d->model, i, h, y, count, &correct[i]);
  if (d->is_last)
    {
      guint correct_out = 0;

      lw_model_output_evaluate (d->model, h, y, count, &correct_out);
      finish_eval (d, correct, correct_out, count);
      return;
    }

  message = lw_mpi_link_take (&d->link);
  head = lw_wire_header (message);
  lw_wire_begin (message, LW_WIRE_EVAL, epoch, index, count,
                 (guint) lw_model_block_out_floats (d->model, d->own_last - 1));
  head->n_stats = d->own_last;
  memcpy (head->correct, correct, d->own_last * sizeof (guint));
  memcpy (lw_wire_labels (message), y, count);
  memcpy (lw_wire_data (message, count), h, (gsize) count * head->width * sizeof (float));
  lw_mpi_link_send (&d->link, message);
}

/* EPOCH_END and STOP carry no samples. */
static void
send_marker (Dist *d, LwWireKind kind, guint epoch, guint32 flags)
{
  void *message = lw_mpi_link_take (&d->link);

  lw_wire_begin (message, kind, epoch, d->step, 0, 0);
  lw_wire_header (message)->flags = flags;
  lw_mpi_link_send (&d->link, message);
}

/* ---- the ranks ---- */

static void
run_first (Dist *d)
{
  const LwCliOptions *opts = d->opts;
  guint epoch;

  for (epoch = 1; epoch <= opts->epochs && !d->interrupted; epoch++)
    {
      guint correct[LW_MAX_BLOCKS];

      lw_model_set_lr (d->model, (float) lw_cli_options_lr_at_epoch (opts, epoch));
      lw_batches_begin_epoch (d->batches, epoch);
      for (guint b = 0; b < lw_batches_n_train (d->batches); b++)
        {
          LwStepControls controls;
          LwStepStats stats = { .n_blocks = d->n_blocks };
          guint count;

          if (*d->stop)
            {
              d->interrupted = TRUE;
              break;
            }
          count = lw_batches_next_train (d->batches, d->x, d->y);
          d->step++;
          if (!d->split && d->step <= LW_TRAINER_WARMUP_STEPS)
            {
              send_warmup (d, epoch, count);
              continue;
            }
          if (!d->split)
            send_split (d, epoch);
          lw_model_capture_controls (d->model, &controls);
          stats.count = count;
          train_stage (d, epoch, d->step, d->x, d->y, count, &controls, &stats);
        }
      if (!d->split)
        send_split (d, epoch);
      if (d->interrupted)
        break;

      for (guint b = 0; b < lw_batches_n_test (d->batches); b++)
        {
          guint count = lw_batches_test (d->batches, b, d->x, d->y);

          memset (correct, 0, sizeof correct);
          eval_stage (d, epoch, b, d->x, d->y, count, correct);
        }
      if (d->is_last)
        finish_epoch (d, epoch);
      else
        send_marker (d, LW_WIRE_EPOCH_END, epoch, 0);
      if (*d->stop && epoch < opts->epochs)
        d->interrupted = TRUE;
    }
  if (!d->is_last)
    send_marker (d, LW_WIRE_STOP, MIN (epoch, opts->epochs),
                 d->interrupted ? LW_WIRE_FLAG_INTERRUPTED : 0);
}

static void
out_of_order (Dist *d, const LwWireHeader *h, const char *what)
{
  lw_mpi_link_abort (&d->link, _("malformed message from rank %d (%s: kind %u, epoch %u, index %"
                       PRIu64 ")"), d->rank - 1, what, h->kind, h->epoch, h->index);
}

static void
run_other (Dist *d)
{
  /* The warm-up steps, whole, on every rank. */
  for (;;)
    {
      const LwWireHeader *h = lw_mpi_link_broadcast (&d->link);

      if (h->kind == LW_WIRE_SPLIT)
        {
          split_stages (d, lw_wire_data (d->link.bcast, 1));
          break;
        }
      if (h->kind != LW_WIRE_WARMUP || h->index != d->step + 1 || h->epoch != 1)
        lw_mpi_link_abort (&d->link, _("malformed broadcast from rank 0 (kind %u, epoch %u, "
                             "step %" PRIu64 " after step %" PRIu64 ")"),
                           h->kind, h->epoch, h->index, d->step);
      d->step++;
      lw_wire_apply_controls (h, d->model);
      warmup_step (d, lw_wire_data (d->link.bcast, h->count), lw_wire_labels (d->link.bcast),
                   h->count);
    }

  for (;;)
    {
      const LwWireHeader *h = lw_mpi_link_receive (&d->link);
      const float *below = lw_wire_data (d->link.inbox, h->count);
      const guint8 *y = lw_wire_labels (d->link.inbox);

      switch (h->kind)
        {
        case LW_WIRE_TRAIN:
          {
            LwStepControls controls;
            LwStepStats stats = { .n_blocks = d->n_blocks, .count = h->count };

            if (h->index != d->step + 1 || (d->is_last && (!d->training
                                                          || h->epoch != d->report.epoch)))
              out_of_order (d, h, "a training batch out of order");
            d->step++;
            lw_step_stats_init (&stats, d->n_blocks, h->count);
            for (guint i = 0; i < h->n_stats; i++)
              stats.block[i] = (LwBlockStats) { .loss_pred = h->loss_pred[i],
                                                .loss_sim = h->loss_sim[i],
                                                .correct = h->correct[i] };
            stats.diverged = (LwDivergence) { .what = h->diverged_what,
                                              .block = h->diverged_block,
                                              .nan = h->diverged_nan != 0 };
            lw_wire_apply_controls (h, d->model);
            lw_model_capture_controls (d->model, &controls);
            train_stage (d, h->epoch, h->index, below, y, h->count, &controls, &stats);
            break;
          }
        case LW_WIRE_EVAL:
          {
            guint correct[LW_MAX_BLOCKS] = { 0 };

            if (d->is_last && h->epoch != d->report.epoch)
              out_of_order (d, h, "a test batch of another epoch");
            memcpy (correct, h->correct, h->n_stats * sizeof (guint));
            eval_stage (d, h->epoch, h->index, below, y, h->count, correct);
            break;
          }
        case LW_WIRE_EPOCH_END:
          if (!d->is_last)
            send_marker (d, LW_WIRE_EPOCH_END, h->epoch, 0);
          else if (h->epoch != d->report.epoch || d->training)
            out_of_order (d, h, "the end of an epoch out of order");
          else
            finish_epoch (d, h->epoch);
          break;
        case LW_WIRE_STOP:
          d->interrupted = (h->flags & LW_WIRE_FLAG_INTERRUPTED) != 0;
          if (!d->is_last)
            send_marker (d, LW_WIRE_STOP, h->epoch, h->flags);
          return;
        default:
          out_of_order (d, h, "unexpected after the broadcasts");
        }
    }
}

/* ---- setup ---- */

static int
load_dataset (Dist *d, LwDataset **ds, DatasetInfo *info)
{
  const LwCliOptions *opts = d->opts;
  g_autoptr (GError) error = NULL;
  LwDataset *loaded;

  memset (info, 0, sizeof *info);
  loaded = lw_cli_options_load_dataset (opts, &error);
  if (loaded == NULL)
    {
      fprintf (stderr, "layerwise-cli: %s\n", error->message);
      return EXIT_USAGE;
    }
  *ds = loaded;
  info->n_classes = loaded->n_classes;
  info->channels = loaded->channels;
  info->height = loaded->height;
  info->width = loaded->width;
  info->n_train = loaded->train.n;
  info->n_test = loaded->test.n;
  g_strlcpy (info->name, loaded->name, sizeof info->name);
  g_strlcpy (info->source, loaded->source, sizeof info->source);
  return EXIT_SUCCESS;
}

/* The other ranks' view of the dataset: its shape and sizes, no images. */
static void
dataset_from_info (LwDataset *ds, DatasetInfo *info, LwDatasetKind kind)
{
  *ds = (LwDataset) {
    .kind = kind, .name = info->name, .source = info->source, .n_classes = info->n_classes,
    .channels = info->channels, .height = info->height, .width = info->width,
    .train = { .n = info->n_train }, .test = { .n = info->n_test },
  };
}

static void
print_finish (Dist *d)
{
  double rss = lw_peak_rss_mib (), *all = NULL;
  int rc;

  if (d->is_last)
    all = g_new (double, d->size);
  /* Interrupted in the middle of an epoch: its progress bar goes. */
  if (d->is_last && d->training)
    lw_report_end_training (&d->report);
  rc = MPI_Gather (&rss, 1, MPI_DOUBLE, all, 1, MPI_DOUBLE, d->size - 1, d->link.comm);
  lw_mpi_link_check (&d->link, rc, _("gathering the memory figures"), -1);
  if (!d->is_last)
    return;
  if (d->interrupted)
    printf (g_dngettext (GETTEXT_PACKAGE, "interrupted after %u finished epoch\n",
                         "interrupted after %u finished epochs\n", d->epochs_done),
            d->epochs_done);
  if (d->epochs_done > 0)
    printf (_("final test accuracy %.2f%% (error %.2f%%)\n"),
            100.0 * d->test_acc_out, 100.0 * (1.0 - d->test_acc_out));
  /* Not translated: bench/ reads it. */
  printf ("peak RSS");
  for (int r = 0; r < d->size; r++)
    printf ("%s %.1f MiB (rank %d)", r ? "," : "", all[r], r);
  printf ("\n");
  fflush (stdout);
  g_free (all);
}

static int
run_rank (Dist *d)
{
  const LwCliOptions *opts = d->opts;
  g_autoptr (GError) error = NULL;
  g_autoptr (LwMetricsCsv) csv = NULL;
  g_autoptr (LwDataset) loaded = NULL;
  LwDataset shell;
  const LwDataset *ds;
  DatasetInfo info;
  LwModelConfig config;
  int status = EXIT_SUCCESS;
  guint input_width, max_stages;

  /* Opened first, so a bad path fails before any loading. */
  if (d->is_last && opts->metrics != NULL
      && (csv = lw_metrics_csv_open (opts->metrics, FALSE, &error)) == NULL)
    {
      fprintf (stderr, "layerwise-cli: rank %d: %s\n", d->rank, error->message);
      status = EXIT_USAGE;
    }
  if ((status = lw_mpi_link_agree (&d->link, status)) != EXIT_SUCCESS)
    return status;

  if (d->is_first)
    info.status = load_dataset (d, &loaded, &info);
  lw_mpi_link_check (&d->link, MPI_Bcast (&info, sizeof info, MPI_BYTE, 0, d->link.comm),
                     _("receiving the dataset's shape from"), 0);
  if (info.status != EXIT_SUCCESS)
    return info.status;
  dataset_from_info (&shell, &info, opts->dataset);
  ds = d->is_first ? loaded : &shell;

  lw_cli_options_to_config (opts, ds, &config);
  d->model = lw_model_new (&config, &error);
  if (d->model == NULL)
    {
      if (d->is_first)
        fprintf (stderr, _("layerwise-cli: cannot build the model: %s\n"), error->message);
      return EXIT_USAGE;
    }
  d->n_blocks = lw_model_n_blocks (d->model);
  max_stages = MIN (d->n_blocks, LW_PIPELINE_MAX_STAGES);
  if ((guint) d->size > max_stages)
    {
      if (d->is_first)
        fprintf (stderr, _("layerwise-cli: --distributed: %d ranks, but this model splits into at "
                           "most %u stages (one block each at least); run mpirun -np 1 to %u\n"),
                 d->size, max_stages, max_stages);
      return EXIT_USAGE;
    }
  if (csv != NULL && !lw_metrics_csv_write_header (csv, d->n_blocks, &error))
    {
      fprintf (stderr, "layerwise-cli: rank %d: %s\n", d->rank, error->message);
      status = EXIT_FAILURE;
    }
  if ((status = lw_mpi_link_agree (&d->link, status)) != EXIT_SUCCESS)
    return status;

  /* One BLAS thread per rank unless told: ranks share the machine's cores. */
  lw_blas_set_threads (g_hash_table_contains (opts->given, "threads") ? (int) opts->threads : 1);
  input_width = lw_model_input_size (d->model);
  d->link.expect = (LwWireExpect) {
    .n_blocks = d->n_blocks, .n_classes = ds->n_classes, .batch_size = opts->batch_size,
    .input_width = input_width, .max_width = MAX (input_width, d->n_blocks + 1),
    .epochs = opts->epochs,
  };
  for (guint i = 0; i < d->n_blocks; i++)
    d->link.expect.max_width = MAX (d->link.expect.max_width,
                               (guint) lw_model_block_out_floats (d->model, i));
  lw_mpi_link_alloc (&d->link, lw_wire_size (opts->batch_size,
                                             MAX (input_width, d->n_blocks + 1)), 0, 0);
  if (d->is_first)
    {
      d->batches = lw_batches_new (opts, ds);
      d->x = g_new (float, (gsize) opts->batch_size * input_width);
      d->y = g_new (guint8, opts->batch_size);
    }
  if (d->is_last)
    {
      lw_print_run_header (stdout, opts, ds, d->model);
      printf (g_dngettext (GETTEXT_PACKAGE, "distributed: %d rank, each a stage of blocks\n",
                           "distributed: %d ranks, each a stage of blocks\n", (gulong) d->size),
              d->size);
      lw_report_init (&d->report, opts, csv, stdout,
                      d->n_blocks, (info.n_train + opts->batch_size - 1) / opts->batch_size);
      lw_report_print_table_header (&d->report);
      lw_report_begin_epoch (&d->report, 1);
      d->training = TRUE;
    }

  if (d->is_first)
    run_first (d);
  else
    run_other (d);
  if (!d->is_last)
    lw_mpi_link_flush (&d->link);

  print_finish (d);
  if (csv != NULL && !lw_metrics_csv_close (g_steal_pointer (&csv), &error))
    lw_mpi_link_abort (&d->link, "%s", error->message);
  return d->interrupted ? EXIT_INTERRUPTED : EXIT_SUCCESS;
}

int
lw_distributed_run (const LwCliOptions *opts, const volatile sig_atomic_t *stop)
{
  Dist d = { .opts = opts, .stop = stop };
  int status;

  /* A rank waiting for its input gives its core away instead of spinning
   * on it: a spinning rank starves the ranks it waits for whenever they
   * share cores (more ranks than cores, or other work on the machine).
   * Open MPI reads this at MPI_Init; a value the user set wins. */
  g_setenv ("OMPI_MCA_mpi_yield_when_idle", "1", FALSE);
  if (MPI_Init (NULL, NULL) != MPI_SUCCESS)
    {
      fprintf (stderr, _("layerwise-cli: --distributed: cannot start MPI\n"));
      return EXIT_FAILURE;
    }
  /* Errors come back to be reported with the ranks involved. */
  MPI_Comm_set_errhandler (MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  lw_mpi_link_init (&d.link, MPI_COMM_WORLD);
  d.link.fault = opts->fault;
  d.link.fault_step = opts->fault_step;
  d.rank = d.link.rank;
  d.size = d.link.size;
  d.is_first = d.rank == 0;
  d.is_last = d.rank == d.size - 1;

  status = run_rank (&d);

  g_clear_pointer (&d.model, lw_model_free);
  g_clear_pointer (&d.batches, lw_batches_free);
  g_free (d.x);
  g_free (d.y);
  lw_mpi_link_clear (&d.link);
  MPI_Finalize ();
  return status;
}
