/* lw-cli-flags.c: the table of layerwise-cli's flags (names follow the
 * reference train.py, docs/method.md §6), and what reads and writes a flag's
 * field by it: the parse with its range check, the text a run file stores,
 * the move a resume makes, the Markdown table of docs/cli.md. Some 600 of its
 * lines are the table's rows, each flag whole in one place. */
#include "lw-cli-flags.h"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <glib/gi18n.h>

#include "engine/lw-live-controls.h"
#include "engine/lw-pipeline.h"

/* Choices are stored as int: the enums, and the gbooleans of two names. */
G_STATIC_ASSERT (sizeof (LwDatasetKind) == sizeof (int));
G_STATIC_ASSERT (sizeof (LwArch) == sizeof (int));
G_STATIC_ASSERT (sizeof (LwLossType) == sizeof (int));
G_STATIC_ASSERT (sizeof (LwNonlin) == sizeof (int));
G_STATIC_ASSERT (sizeof (LwOptimKind) == sizeof (int));
G_STATIC_ASSERT (sizeof (gboolean) == sizeof (int));

#define OFF(field) offsetof (LwCliOptions, field)
#define FIELD(opts, f, type) ((type *) (void *) ((char *) (opts) + (f)->offset))
#define CFIELD(opts, f, type) ((const type *) (const void *) ((const char *) (opts) + (f)->offset))

static const char *
dataset_name (int i)
{
  return lw_dataset_kind_to_string ((LwDatasetKind) i);
}

static gboolean
dataset_parse (const char *name, int *i)
{
  LwDatasetKind kind;

  if (!lw_dataset_kind_from_string (name, &kind))
    return FALSE;
  *i = (int) kind;
  return TRUE;
}

static const char *
arch_name (int i)
{
  return lw_arch_to_string ((LwArch) i);
}

static gboolean
arch_parse (const char *name, int *i)
{
  LwArch arch;

  if (!lw_arch_from_string (name, &arch))
    return FALSE;
  *i = (int) arch;
  return TRUE;
}

static const char *
loss_name (int i)
{
  return lw_loss_type_to_string ((LwLossType) i);
}

static gboolean
loss_parse (const char *name, int *i)
{
  LwLossType loss;

  if (!lw_loss_type_from_string (name, &loss))
    return FALSE;
  *i = (int) loss;
  return TRUE;
}

static const char *
nonlin_name (int i)
{
  return lw_nonlin_to_string ((LwNonlin) i);
}

static gboolean
nonlin_parse (const char *name, int *i)
{
  LwNonlin nonlin;

  if (!lw_nonlin_from_string (name, &nonlin))
    return FALSE;
  *i = (int) nonlin;
  return TRUE;
}

static const char *
optim_name (int i)
{
  return lw_optim_to_string ((LwOptimKind) i);
}

static gboolean
optim_parse (const char *name, int *i)
{
  LwOptimKind optim;

  if (!lw_optim_from_string (name, &optim))
    return FALSE;
  *i = (int) optim;
  return TRUE;
}

/* Two names for a gboolean: FALSE, TRUE. */
static gboolean
pair_parse (const char *const names[2], const char *name, int *i)
{
  for (int k = 0; k < 2; k++)
    if (g_strcmp0 (name, names[k]) == 0)
      {
        *i = k;
        return TRUE;
      }
  return FALSE;
}

static const char *const divergence_names[2] = { "stop", "skip" };

static const char *
schedule_name (int i)
{
  return lw_schedule_to_string ((LwSchedule) i);
}

static gboolean
schedule_parse (const char *name, int *i)
{
  LwSchedule schedule;

  if (!lw_schedule_from_string (name, &schedule))
    return FALSE;
  *i = (int) schedule;
  return TRUE;
}

static const char *
divergence_name (int i)
{
  return divergence_names[i];
}

static gboolean
divergence_parse (const char *name, int *i)
{
  return pair_parse (divergence_names, name, i);
}

/* In --help's order. The ranges of --dropout, --lr and --beta (and the
 * names of --loss) are those of live controls, which the window changes
 * during a run too. */
const LwCliFlag lw_cli_flags[] = {
  {
    .name = "preset", .type = LW_CLI_FLAG_PRESET, .offset = OFF (preset),
    .help = N_("A named preset: its network, and its dataset, loss, lr and schedule, beta, batch "
               "size, seed, dropout, nonlin, dim-in-decoder and epochs if it has them; other "
               "flags override it. Built in: 1x256, 3x256, 3x512, 3x1024, 6x256, vgg-mini, "
               "vgg8b, and the paper's recipes paper-mlp-mnist, paper-mlp-fashion, "
               "paper-vgg8b-mnist, paper-vgg8b-fashion; yours in "
               "~/.config/layerwise/presets.ini"),
    .arg = "NAME",
    .doc = "a preset's network, and its dataset, loss, lr and schedule, beta, batch size, seed, "
           "dropout, nonlin, dim-in-decoder and epochs where it has them (see "
           "[Presets](#presets); `paper-mlp-mnist`, `paper-mlp-fashion`, `paper-vgg8b-mnist`, "
           "`paper-vgg8b-fashion` are the paper's recipes); flags given beside it win. An "
           "unknown name lists the presets there are",
  },
  {
    .name = "dataset", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (dataset),
    .choice_name = dataset_name, .choice_parse = dataset_parse, .n_choices = LW_N_DATASETS,
    .choice_what = N_("dataset"),
    .def = "mnist-subset",
    .help = N_("mnist-subset (default), mnist, fashion-mnist, kmnist, cifar10, cifar100"),
    .arg = "NAME",
    .doc = "`mnist-subset` (embedded, no files needed), `mnist`, `fashion-mnist`, `kmnist`, "
           "`cifar10`, `cifar100`",
    .since = 1,
  },
  {
    .name = "data-dir", .type = LW_CLI_FLAG_FOLDER, .offset = OFF (data_dir),
    .doc_default = "searched",
    .help = N_("Folder holding the dataset's files"),
    .arg = "DIR",
    .doc = "folder with the dataset's files (see [Data](#data))",
    .resume_may_change = TRUE,
  },
  {
    .name = "arch", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (arch),
    .choice_name = arch_name, .choice_parse = arch_parse, .n_choices = LW_N_ARCHS,
    .choice_what = N_("architecture"),
    .def = "mlp",
    .help = N_("Network architecture: mlp (default), vgg8b, vgg11b, vgg-mini"),
    .arg = "NAME",
    .doc = "`mlp`; or a conv net (3×3 conv + BatchNorm per block, M = 2×2 max pool): `vgg8b` "
           "(128, 256, M, 256, 512, M, 512, M, 512, M → FC 1024 → out), `vgg11b` (128, 128, 128,"
           " 256, M, 256, 512, M, 512, 512, M, 512, M → FC 1024 → out), `vgg-mini` (16, M, 32, "
           "M, 64, M → FC 256 → out, small enough to watch: one epoch of full MNIST in under a "
           "minute on two cores, about 98.8% test accuracy at its default lr 3e-3). Every conv "
           "layer is a block with its own local losses; inputs above 64 px start with a 7×7 "
           "stride-2 conv",
    .since = 1,
  },
  {
    .name = "num-layers", .type = LW_CLI_FLAG_UINT, .offset = OFF (num_layers),
    .range = { .min = 1, .max = LW_MAX_BLOCKS },
    .doc_default = "3 (conv nets: 1)",
    .help = N_("Hidden FC layers, each trained by its own loss (default: mlp 3; vgg8b, vgg11b, "
               "vgg-mini 1, after the conv layers; at most 32 blocks in all: mlp 32, vgg-mini 29, "
               "vgg8b 26, vgg11b 23)"),
    .arg = "N",
    .doc = "hidden FC blocks; for conv nets the FC blocks after the flatten. At most 32 blocks "
           "in all, conv blocks included: `mlp` 32, `vgg-mini` 29, `vgg8b` 26, `vgg11b` 23 "
           "(a larger N is refused)",
    .since = 1,
  },
  {
    .name = "num-hidden", .type = LW_CLI_FLAG_UINT, .offset = OFF (num_hidden),
    .range = { .min = 1, .max = 65536 },
    .doc_default = "1024 (vgg-mini: 256)",
    .help = N_("Units per hidden FC layer (default 1024; vgg-mini 256)"),
    .arg = "N",
    .doc = "units per FC block",
    .since = 1,
  },
  {
    .name = "feat-mult", .type = LW_CLI_FLAG_UINT, .offset = OFF (feat_mult),
    .range = { .min = 1, .max = 16 },
    .def = "1",
    .help = N_("Conv archs: multiply the conv channels by N, 1..16 (default 1; the paper's (2x), "
               "(3x))"),
    .arg = "N",
    .doc = "conv nets: multiply the conv channels by N, 1 to 16 (the paper's \"(2x)\", \"(3x)\")",
    .since = 1,
  },
  {
    .name = "dim-in-decoder", .type = LW_CLI_FLAG_UINT, .offset = OFF (dim_in_decoder),
    .range = { .min = 1, .max = 1u << 20 },
    .def = "4096",
    .help = N_("Conv archs: largest input of a local head, the map is average-pooled down to it "
               "(default 4096; the paper's MNIST-family recipes 1024)"),
    .arg = "N",
    .doc = "conv nets: a block's activation is average-pooled to at most N values before its "
           "prediction head ([docs/method.md §3]"
           "(method.md#3-the-pred-loss-and-the-pool-in-front-of-it); the paper's MNIST-family "
           "vgg8b recipes use 1024)",
    .since = 1,
  },
  {
    .name = "loss", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (loss),
    .choice_name = loss_name, .choice_parse = loss_parse, .n_choices = LW_N_LOSSES,
    .choice_what = N_("loss"),
    .def = "predsim",
    .help = N_("pred, sim, predsim (default), bp, pred-bpf, sim-bpf, predsim-bpf"),
    .arg = "NAME",
    .doc = "`pred`, `sim`, `predsim`, `bp` (ordinary end-to-end backprop), `pred-bpf`, "
           "`sim-bpf`, `predsim-bpf` (backprop-free variants)",
    .since = 1,
  },
  {
    .name = "beta", .type = LW_CLI_FLAG_DOUBLE, .offset = OFF (beta),
    .live_control = "beta",
    .range = { .lo = 0.0, .hi = 1.0 },
    .def = "0.99",
    .help = N_("Weight of the sim part in predsim, 0..1 (default 0.99)"),
    .arg = "B",
    .doc = "weight of the sim part in predsim, 0 to 1 (the paper uses 0.01 for predsim-bpf)",
    .since = 1,
  },
  {
    .name = "lr", .type = LW_CLI_FLAG_DOUBLE, .offset = OFF (lr),
    .live_control = "lr",
    .range = { .lo = 0.0, .hi = INFINITY, .lo_open = TRUE },
    .doc_default = "5e-4 (vgg-mini: 3e-3)",
    .help = N_("Learning rate (default 5e-4; vgg-mini 3e-3)"),
    .arg = "RATE",
    .doc = "learning rate",
    .since = 1,
  },
  {
    .name = "lr-decay-milestones", .type = LW_CLI_FLAG_MILESTONES, .offset = OFF (lr_schedule),
    .def = "none",
    .help = N_("Comma-separated epochs after which lr is multiplied by the decay factor (default "
               "none)"),
    .arg = "LIST",
    .doc = "comma-separated increasing epochs (at most 64); the rate of epoch e is `lr × fact^(number of milestones ≤ "
           "e−1)`. The paper's: `50,75,89,94` (100 epochs, MNIST/KMNIST), `100,150,175,188` (200"
           " epochs, Fashion-MNIST), `200,300,350,375` (400 epochs, CIFAR)",
    .since = 1,
  },
  {
    .name = "lr-decay-fact", .type = LW_CLI_FLAG_DOUBLE, .offset = OFF (lr_schedule.factor),
    .range = { .lo = 0.0, .hi = INFINITY, .lo_open = TRUE },
    .check = lw_lr_schedule_check_factor,
    .def = "0.25",
    .help = N_("Learning-rate decay factor (default 0.25)"),
    .arg = "F",
    .doc = "decay factor at each milestone, above 0 and at most 1",
    .since = 1,
  },
  {
    .name = "epochs", .type = LW_CLI_FLAG_UINT, .offset = OFF (epochs),
    .range = { .min = 1, .max = 1000000 },
    .def = "3",
    .help = N_("Epochs to train (default 3)"),
    .arg = "N",
    .doc = "epochs to train",
    .since = 1,
    .resume_may_change = TRUE,
  },
  {
    .name = "batch-size", .type = LW_CLI_FLAG_UINT, .offset = OFF (batch_size),
    .range = { .min = 1, .max = 65536 },
    .def = "128",
    .help = N_("Mini-batch size for training and testing (default 128)"),
    .arg = "N",
    .doc = "mini-batch size, training and test",
    .since = 1,
  },
  {
    .name = "dropout", .type = LW_CLI_FLAG_DOUBLE, .offset = OFF (dropout),
    .live_control = "dropout",
    .range = { .lo = 0.0, .hi = 1.0, .hi_open = TRUE },
    .def = "0",
    .help = N_("Dropout after every hidden layer, 0 <= p <= 0.95 (default 0)"),
    .arg = "P",
    .doc = "dropout after every hidden layer, 0 ≤ P ≤ 0.95 (the window's range too)",
    .since = 1,
  },
  {
    .name = "nonlin", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (nonlin),
    .choice_name = nonlin_name, .choice_parse = nonlin_parse, .n_choices = LW_N_NONLINS,
    .choice_what = N_("nonlinearity"),
    .def = "relu",
    .help = N_("relu (default) or leakyrelu (slope 0.01)"),
    .arg = "NAME",
    .doc = "`relu` or `leakyrelu` (slope 0.01; the paper's choice for sim and predsim)",
    .since = 1,
  },
  {
    .name = "no-batch-norm", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (no_batch_norm),
    .help = N_("No batch norm in the blocks (the linear and conv layers keep their bias), as the "
               "paper's code's --no-batch-norm"),
    .doc = "no BatchNorm in the FC and conv blocks; their Linear and Conv keep the bias, as in the "
           "reference code's `--no-batch-norm`",
    .since = 4,
    .absent = "false",
  },
  {
    .name = "no-similarity-std", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (no_similarity_std),
    .help = N_("Conv blocks' similarity matrices on the whole feature map, not on each channel's "
               "standard deviation, as the paper's code's --no-similarity-std"),
    .doc = "a conv block's similarity matrices (the sim head's, sim-bpf's) on the flattened "
           "feature map instead of each channel's spatial standard deviation "
           "([method.md](method.md) §4), as in the reference code's `--no-similarity-std`",
    .since = 4,
    .absent = "false",
  },
  {
    .name = "no-detach", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (no_detach),
    .help = N_("Local errors also reach lower blocks: each block's local loss is backpropagated "
               "through every block below it and added to the output's cross-entropy, as the "
               "paper's code's --no-detach"),
    .doc = "local errors also reach the blocks below: every local loss is backpropagated through "
           "all lower blocks and added to the output layer's cross-entropy, and every layer "
           "learns from the sum, as in the reference code's `--no-detach` (not with "
           "`--distributed`; `--schedule pipeline` runs such steps whole, as bp's)",
    .since = 4,
    .absent = "false",
  },
  {
    .name = "optim", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (optim),
    .choice_name = optim_name, .choice_parse = optim_parse, .n_choices = LW_N_OPTIMS,
    .choice_what = N_("optimizer"),
    .def = "adam",
    .help = N_("adam (default) or sgd"),
    .arg = "NAME",
    .doc = "`adam` or `sgd`",
    .since = 1,
  },
  {
    .name = "momentum", .type = LW_CLI_FLAG_DOUBLE, .offset = OFF (momentum),
    .range = { .lo = 0.0, .hi = 1.0, .hi_open = TRUE },
    .def = "0",
    .help = N_("SGD momentum, 0 <= m < 1 (default 0)"),
    .arg = "M",
    .doc = "SGD momentum, 0 ≤ M < 1",
    .since = 1,
  },
  {
    .name = "weight-decay", .type = LW_CLI_FLAG_DOUBLE, .offset = OFF (weight_decay),
    .range = { .lo = 0.0, .hi = INFINITY },
    .def = "0",
    .help = N_("L2 weight decay (default 0)"),
    .arg = "W",
    .doc = "L2 weight decay",
    .since = 1,
  },
  {
    .name = "seed", .type = LW_CLI_FLAG_UINT64, .offset = OFF (seed),
    .range = { .min = 0, .max = G_MAXUINT64 },
    .def = "1",
    .help = N_("Seed for weights, shuffling, augmentation and dropout (default 1)"),
    .arg = "N",
    .doc = "seed for weights, shuffling, augmentation and dropout",
    .since = 1,
  },
  {
    .name = "data-seed", .type = LW_CLI_FLAG_UINT64, .offset = OFF (data_seed),
    .range = { .min = 0, .max = G_MAXUINT64 },
    .def = "0",
    .help = N_("Seed for the shuffling and augmentation alone; 0: --seed's (default 0)"),
    .arg = "N",
    .doc = "seed for the sample order and the augmentation alone, so that runs of different "
           "weight seeds can see the same batches; 0: `--seed`'s",
    .since = 5,
    .absent = "0",
  },
  {
    .name = "threads", .type = LW_CLI_FLAG_UINT, .offset = OFF (threads),
    .range = { .min = 1, .max = 256 },
    .doc_default = "number of processors",
    .help = N_("Training threads: the products' BLAS threads, or the threads that run the "
               "pipeline's stages (default: number of processors)"),
    .arg = "N",
    .doc = "training threads: the threads that share each product's slabs (sequential), or the "
           "threads that run the pipeline's stages; the results are the same bits on any number",
    .resume_may_change = TRUE,
  },
  {
    .name = "schedule", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (schedule),
    .choice_name = schedule_name, .choice_parse = schedule_parse, .n_choices = LW_N_SCHEDULES,
    .choice_unknown = N_("%s: unknown schedule '%s'; choose one of auto, sequential, pipeline"),
    .def = "auto",
    .help = N_("auto (default): the pipeline on two threads or more, unless the loss is bp or "
               "--no-detach is on; sequential: blocks one after another, products on all "
               "threads; pipeline: stages of blocks trained side by side on the threads; "
               "bit-identical results"),
    .arg = "NAME",
    .doc = "`auto`: `pipeline` with two `--threads` or more and two blocks or more, unless "
           "the loss is `bp` or `--no-detach` is on (their error crosses every block), else "
           "`sequential`; `sequential`: blocks one after another, each product on all threads; "
           "`pipeline`: blocks in stages that the `--threads` threads take as they are ready, "
           "training batch t+1 in block l while block l+1 trains batch t (same results as "
           "`sequential --threads 1`, bit for bit)",
    .resume_may_change = TRUE,
  },
  {
    .name = "on-divergence", .type = LW_CLI_FLAG_CHOICE, .offset = OFF (skip_divergence),
    .choice_name = divergence_name, .choice_parse = divergence_parse, .n_choices = 2,
    .choice_unknown = N_("%s: unknown choice '%s'; choose one of stop, skip"),
    .def = "stop",
    .help = N_("stop (default): end with exit status 3 when a step diverges (NaN or infinite); "
               "skip: drop such steps and go on"),
    .arg = "WHAT",
    .doc = "what to do when a step diverges (see below): `stop`, or `skip` to drop such steps "
           "and go on",
    .since = 2,
    .absent = "stop",
    .resume_may_change = TRUE,
  },
  {
    .name = "stages", .type = LW_CLI_FLAG_UINT, .offset = OFF (stages),
    .range = { .min = 1, .max = LW_PIPELINE_MAX_STAGES },
    .doc_default = "threads + 1",
    .help = N_("Pipeline stages (default: one more than threads, at most one per block)"),
    .arg = "N",
    .doc = "pipeline stages, 1 to 8 and at most one per block; balanced on the measured cost of "
           "each block; run by `--threads` threads (at most one per stage); only with "
           "`--schedule pipeline` (refused otherwise, on `--resume` too)",
    .resume_may_change = TRUE,
  },
  {
    .name = "distributed", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (distributed),
    .help = N_("Train across the processes of an MPI job (mpirun -np K): each rank one stage of "
               "blocks"),
    .doc = "under `mpirun -np K`: each rank trains a stage of blocks, see [Distributed "
           "training](#distributed-training)",
  },
  {
    .name = "distributed-fault", .type = LW_CLI_FLAG_FAULT, .offset = OFF (fault),
    /* Hidden, so left untranslated. */
    .help = "Test only: rank 1 corrupts its message or dies at a training step",
    .arg = "KIND:STEP",
    .hidden = TRUE,
  },
  {
    .name = "limit-train", .type = LW_CLI_FLAG_UINT, .offset = OFF (limit_train),
    .range = { .min = 0, .max = G_MAXUINT },
    .def = "0",
    .doc_default = "0 (all)",
    .help = N_("Use only the first N training samples (default 0 = all)"),
    .arg = "N",
    .doc = "train on the first N training samples only",
    .since = 1,
  },
  {
    .name = "limit-test", .type = LW_CLI_FLAG_UINT, .offset = OFF (limit_test),
    .range = { .min = 0, .max = G_MAXUINT },
    .def = "0",
    .doc_default = "0 (all)",
    .help = N_("Test on only the first N test samples (default 0 = all)"),
    .arg = "N",
    .doc = "test on the first N test samples only",
    .since = 1,
  },
  {
    .name = "metrics", .type = LW_CLI_FLAG_FILE, .offset = OFF (metrics),
    .help = N_("Write per-step and per-epoch metrics as CSV to FILE"),
    .arg = "FILE",
    .doc = "write a CSV of per-step and per-epoch metrics",
    .resume_may_change = TRUE,
  },
  {
    .name = "log-every", .type = LW_CLI_FLAG_UINT, .offset = OFF (log_every),
    .range = { .min = 1, .max = G_MAXUINT },
    .def = "20",
    .help = N_("Steps between step rows in the metrics CSV (default 20)"),
    .arg = "N",
    .doc = "steps between step rows of the CSV",
    .since = 1,
  },
  {
    .name = "no-augment", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (no_augment),
    .help = N_("Turn off the dataset's training augmentation (crop, flip)"),
    .doc = "no training augmentation (the dataset's default: 2-pixel random crop for MNIST and "
           "the subset, plus horizontal flips for Fashion-MNIST, none for KMNIST, 4-pixel crop "
           "and flips for CIFAR)",
    .since = 1,
  },
  {
    .name = "cutout", .type = LW_CLI_FLAG_UINT, .offset = OFF (cutout),
    .range = { .min = 0, .max = 4096 },
    .def = "0",
    .doc_default = "0 (off)",
    .help = N_("Cut out one square hole of side L from every training image (default 0 = off; the "
               "paper: 14 for the MNIST family, 16 for CIFAR)"),
    .arg = "L",
    .doc = "cut one L×L square hole out of every training image (the paper: 14 for the MNIST "
           "family, 16 for CIFAR). L must be even: like the reference code, an odd L cuts an "
           "(L−1)×(L−1) hole and 1 cuts nothing (a run file that stored an odd L still opens)",
    .since = 1,
  },
  {
    .name = "target-proj-size", .type = LW_CLI_FLAG_UINT, .offset = OFF (target_proj_size),
    .range = { .min = 1, .max = 4096 },
    .def = "128",
    .help = N_("Length of the random label code of the bpf losses (default 128)"),
    .arg = "N",
    .doc = "length of the random label code of the bpf losses",
    .since = 1,
  },
  {
    .name = "shared-target-proj", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (shared_target_proj),
    .help = N_("Give every block the same random label code in the bpf losses, as Layerwise did "
               "before 2026-12 (by default each block draws its own, as the paper's code does)"),
    .doc = "one random label code for every block in the bpf losses, as Layerwise did before "
           "2026-12 (by default each block draws its own, as the reference code does); a run "
           "file from before format 3 resumes with it",
    .since = 3,
    .absent = "true",
  },
  {
    .name = "classes-per-batch", .type = LW_CLI_FLAG_UINT, .offset = OFF (classes_per_batch),
    .range = { .min = 0, .max = 65536 },
    .def = "0",
    .doc_default = "0 (off)",
    .help = N_("Build each training batch from at most K classes, so it has same-class pairs; K at "
               "most the batch size and the number of classes (default 0 = off; the paper's "
               "CIFAR-100 sim and predsim: 20)"),
    .arg = "K",
    .doc = "build each training batch from at most K classes, so the sim loss sees same-class "
           "pairs ([docs/method.md §4](method.md#4-the-sim-loss)): K random examples, topped up with examples of further classes "
           "until there are K, the rest of the batch filled with examples of those classes. "
           "Every batch is full; an epoch has as many batches as a plain one and visits nearly "
           "every example once (a batch whose classes have run out near the end of the epoch "
           "repeats some of theirs). K may not exceed the batch size or the dataset's number of "
           "classes. Each epoch shuffles each class's examples afresh (from index order), so a "
           "resumed run draws the unbroken run's batches; since 2026-12 (before, an epoch "
           "started from the previous epoch's order, and runs of more than one epoch with the "
           "flag give other numbers now). The paper's CIFAR-100 sim and predsim recipes use 20",
    .since = 1,
  },
  {
    .name = "classes-per-batch-until-epoch", .type = LW_CLI_FLAG_UINT,
    .offset = OFF (classes_per_batch_until_epoch),
    .range = { .min = 0, .max = 1000000 },
    .def = "0",
    .doc_default = "0 (every epoch)",
    .help = N_("Plain shuffled batches again after epoch E (default 0 = never; the paper's "
               "CIFAR-100: 200)"),
    .arg = "E",
    .doc = "with `--classes-per-batch`: plain shuffled batches again from epoch E+1 (the paper's"
           " CIFAR-100 recipes: 200)",
    .since = 1,
  },
  {
    .name = "save", .type = LW_CLI_FLAG_FILE, .offset = OFF (save),
    .help = N_("Save the run to FILE at the end, and when interrupted (everything to continue it "
               "with --resume)"),
    .arg = "FILE",
    .doc = "save the run to FILE before training (so a bad path fails at once), at the end, and "
           "on Ctrl-C; an existing FILE is refused unless `--force` (or it is the file "
           "`--resume` names). A symbolic link is saved through, to its target",
    .resume_may_change = TRUE,
  },
  {
    .name = "checkpoint-every", .type = LW_CLI_FLAG_UINT, .offset = OFF (checkpoint_every),
    .range = { .min = 1, .max = G_MAXUINT },
    .doc_default = "0 (off)",
    .help = N_("Also save the run every N training steps (needs --save or --resume)"),
    .arg = "N",
    .doc = "also save every N training steps (mid-epoch too); needs `--save` or `--resume`",
    .resume_may_change = TRUE,
  },
  {
    .name = "force", .type = LW_CLI_FLAG_SWITCH, .offset = OFF (force),
    .help = N_("Let --save replace a file that is already there (by default a new run refuses to, "
               "and so does --resume A --save B)"),
    .doc = "let `--save FILE` replace a file that is already there: without it a new run refuses"
           " any existing FILE (`resume it with --resume FILE, or pass --force to start a new "
           "run over it`, status 2), and `--resume A --save B` refuses a B that is there and is "
           "not A",
    .resume_may_change = TRUE,
  },
  {
    .name = "resume", .type = LW_CLI_FLAG_FILE, .offset = OFF (resume),
    .help = N_("Continue the run saved in FILE, with its settings, to --epochs in all; saved "
               "back to FILE unless --save names another"),
    .arg = "FILE",
    .doc = "continue the run saved in FILE, with its settings, until `--epochs` in all; saved "
           "back to FILE unless `--save` names another",
    .resume_may_change = TRUE,
  },
};

const guint lw_cli_n_flags = G_N_ELEMENTS (lw_cli_flags);

const LwCliFlag *
lw_cli_flag_find (const char *name)
{
  for (guint i = 0; i < lw_cli_n_flags; i++)
    if (g_str_equal (lw_cli_flags[i].name, name))
      return &lw_cli_flags[i];
  return NULL;
}

const LwCliFlag *
lw_cli_flag_find_short (char short_name)
{
  for (guint i = 0; i < lw_cli_n_flags && short_name != 0; i++)
    if (lw_cli_flags[i].short_name == short_name)
      return &lw_cli_flags[i];
  return NULL;
}

gboolean
lw_cli_bad_value (GError **error, const char *fmt, ...)
{
  va_list args;
  char *msg;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
  g_free (msg);
  return FALSE;
}

static gboolean
parse_uint64 (const char *flag, const char *value, guint64 min, guint64 max,
              guint64 *out, GError **error)
{
  const char *p = value;
  char *end = NULL;
  guint64 v;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '-' && g_ascii_isdigit (p[1]))
    return lw_cli_bad_value (error, _("%s: '%s' is negative; expected a whole number from %"
                             PRIu64 " to %" PRIu64), flag, value, min, max);
  if (!g_ascii_isdigit (*p))
    return lw_cli_bad_value (error, _("%s: '%s' is not a whole number"), flag, value);
  errno = 0;
  v = g_ascii_strtoull (p, &end, 10);
  if (*end != '\0')
    return lw_cli_bad_value (error, _("%s: '%s' is not a whole number"), flag, value);
  if (errno == ERANGE || v < min || v > max)
    return lw_cli_bad_value (error, _("%s: %s is out of range; expected %" PRIu64
                             " to %" PRIu64), flag, value, min, max);
  *out = v;
  return TRUE;
}

/* A finite number in the range. */
static gboolean
parse_double (const char *flag, const char *value, const LwCliRange *r, double *out,
              GError **error)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || errno == ERANGE || !isfinite (v))
    return lw_cli_bad_value (error, _("%s: '%s' is not a number"), flag, value);
  if (r->lo_open && v <= r->lo)
    return lw_cli_bad_value (error, _("%s: %s is out of range; expected a number above 0"),
                             flag, value);
  if (v < r->lo || v > r->hi || (r->hi_open && v >= r->hi))
    {
      if (isinf (r->hi))
        return lw_cli_bad_value (error, _("%s: %s is out of range; expected at least %g"), flag,
                                 value, r->lo);
      return lw_cli_bad_value (error, _("%s: %s is out of range; expected %g <= value %s %g"),
                               flag, value, r->lo, r->hi_open ? "<" : "<=", r->hi);
    }
  *out = v;
  return TRUE;
}

/* A live control's flag: the range and the message are the window's too
 * (lw-live-controls.h). A run file's value is checked against the row's
 * own range instead, the one older CLIs took (dropout went up to 1). */
static gboolean
parse_live (const LwCliFlag *f, const char *flag, const char *value, double *out,
            GError **error)
{
  static const LwCliRange any = { .lo = -INFINITY, .hi = INFINITY };
  const LwLiveControl *c = lw_live_control_find (f->live_control);
  g_autofree char *why = NULL;
  double v = 0.0;

  if (!parse_double (flag, value, &any, &v, error))
    return FALSE;
  why = lw_live_control_out_of_range (c, v);
  if (why != NULL)
    return lw_cli_bad_value (error, "%s: %s", flag, why);
  *out = v;
  return TRUE;
}

/* The window's parser and messages (lw-lr-schedule.h). */
static gboolean
parse_milestones (LwCliOptions *opts, const char *flag, const char *value, GError **error)
{
  g_autofree char *why = lw_lr_schedule_parse_milestones (&opts->lr_schedule, value);

  if (why != NULL)
    return lw_cli_bad_value (error, "%s: %s", flag, why);
  return TRUE;
}

/* A DOUBLE row with its own check: any finite number, then the check. */
static gboolean
parse_checked (const LwCliFlag *f, const char *flag, const char *value, double *out,
               GError **error)
{
  static const LwCliRange any = { .lo = -INFINITY, .hi = INFINITY };
  g_autofree char *why = NULL;
  double v = 0.0;

  if (!parse_double (flag, value, &any, &v, error))
    return FALSE;
  why = f->check (v);
  if (why != NULL)
    return lw_cli_bad_value (error, "%s: %s", flag, why);
  *out = v;
  return TRUE;
}

/* KIND:STEP, KIND corrupt or die, STEP the 1-based training step. */
static gboolean
parse_fault (const char *flag, const char *value, LwCliOptions *opts, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ":", 2);
  guint64 step;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT64, &step, NULL))
    return lw_cli_bad_value (error, _("%s: '%s' is not KIND:STEP"), flag, value);
  if (g_str_equal (parts[0], "corrupt"))
    opts->fault = LW_DISTRIBUTED_FAULT_CORRUPT;
  else if (g_str_equal (parts[0], "die"))
    opts->fault = LW_DISTRIBUTED_FAULT_DIE;
  else
    return lw_cli_bad_value (error, _("%s: unknown fault '%s'; choose corrupt or die"), flag,
                             parts[0]);
  opts->fault_step = step;
  return TRUE;
}

/* "a, b, c" for a choice error message. */
static char *
choice_list (const LwCliFlag *f)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < f->n_choices; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", f->choice_name (i));
  return g_string_free (s, FALSE);
}

gboolean
lw_cli_flag_parse (const LwCliFlag *f, LwCliOptions *opts, const char *flag, const char *value,
                   GError **error)
{
  switch (f->type)
    {
    case LW_CLI_FLAG_UINT:
      {
        guint64 v;

        if (!parse_uint64 (flag, value, f->range.min, f->range.max, &v, error))
          return FALSE;
        *FIELD (opts, f, guint) = (guint) v;
        return TRUE;
      }
    case LW_CLI_FLAG_UINT64:
      return parse_uint64 (flag, value, f->range.min, f->range.max, FIELD (opts, f, guint64),
                           error);
    case LW_CLI_FLAG_DOUBLE:
      if (f->live_control != NULL && !opts->reading_file)
        return parse_live (f, flag, value, FIELD (opts, f, double), error);
      if (f->check != NULL && !opts->reading_file)
        return parse_checked (f, flag, value, FIELD (opts, f, double), error);
      return parse_double (flag, value, &f->range, FIELD (opts, f, double), error);
    case LW_CLI_FLAG_CHOICE:
      if (!f->choice_parse (value, FIELD (opts, f, int)))
        {
          g_autofree char *list = NULL;

          if (f->choice_unknown != NULL)
            return lw_cli_bad_value (error, _(f->choice_unknown), flag, value);
          list = choice_list (f);
          return lw_cli_bad_value (error, _("%s: unknown %s '%s'; choose one of %s"), flag,
                                   _(f->choice_what), value, list);
        }
      return TRUE;
    case LW_CLI_FLAG_SWITCH:
      /* Given bare on the command line; "true"/"false" in a run file. */
      if (value != NULL && !g_str_equal (value, "true") && !g_str_equal (value, "false"))
        return lw_cli_bad_value (error, _("%s: '%s' is neither true nor false"), flag, value);
      *FIELD (opts, f, gboolean) = value == NULL || g_str_equal (value, "true");
      return TRUE;
    case LW_CLI_FLAG_FILE:
    case LW_CLI_FLAG_FOLDER:
      if (value[0] == '\0')
        return lw_cli_bad_value (error, f->type == LW_CLI_FLAG_FILE ? _("%s: empty file name")
                                 : _("%s: empty folder name"), flag);
      g_free (*FIELD (opts, f, char *));
      *FIELD (opts, f, char *) = g_strdup (value);
      return TRUE;
    case LW_CLI_FLAG_MILESTONES:
      return parse_milestones (opts, flag, value, error);
    case LW_CLI_FLAG_PRESET:
      /* Applied before the other flags (lw-cli-options.c). */
      return TRUE;
    case LW_CLI_FLAG_FAULT:
      return parse_fault (flag, value, opts, error);
    default:
      g_assert_not_reached ();
      return FALSE;
    }
}

void
lw_cli_flags_set_defaults (LwCliOptions *opts)
{
  for (guint i = 0; i < lw_cli_n_flags; i++)
    if (lw_cli_flags[i].def != NULL)
      {
        g_autofree char *flag = g_strconcat ("--", lw_cli_flags[i].name, NULL);
        g_autoptr (GError) error = NULL;

        if (!lw_cli_flag_parse (&lw_cli_flags[i], opts, flag, lw_cli_flags[i].def, &error))
          g_error ("the default of %s: %s", flag, error->message);
      }
}

void
lw_cli_flags_clear (LwCliOptions *opts)
{
  for (guint i = 0; i < lw_cli_n_flags; i++)
    {
      const LwCliFlag *f = &lw_cli_flags[i];

      if (f->type == LW_CLI_FLAG_FILE || f->type == LW_CLI_FLAG_FOLDER
          || f->type == LW_CLI_FLAG_PRESET)
        g_clear_pointer (FIELD (opts, f, char *), g_free);
    }
}

/* Exact in a run file; to six digits when a flag is compared with one,
 * so that --lr 0.003 matches the default 3e-3 held as a float. */
static char *
double_text (double v, gboolean exact)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, exact ? "%.17g" : "%g", v));
}

char *
lw_cli_flag_text (const LwCliFlag *f, const LwCliOptions *o, gboolean exact)
{
  switch (f->type)
    {
    case LW_CLI_FLAG_UINT:
      {
        guint v = *CFIELD (o, f, guint), layers, hidden;

        /* 0 is the architecture's FC part: the value in effect is stored. */
        lw_arch_default_fc (o->arch, &layers, &hidden);
        if (v == 0 && f->offset == OFF (num_layers))
          v = layers;
        else if (v == 0 && f->offset == OFF (num_hidden))
          v = hidden;
        return g_strdup_printf ("%u", v);
      }
    case LW_CLI_FLAG_UINT64:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, *CFIELD (o, f, guint64));
    case LW_CLI_FLAG_DOUBLE:
      return double_text (*CFIELD (o, f, double), exact);
    case LW_CLI_FLAG_CHOICE:
      return g_strdup (f->choice_name (*CFIELD (o, f, int)));
    case LW_CLI_FLAG_SWITCH:
      return g_strdup (*CFIELD (o, f, gboolean) ? "true" : "false");
    case LW_CLI_FLAG_MILESTONES:
      return lw_lr_schedule_milestones_text (&o->lr_schedule);
    case LW_CLI_FLAG_FILE:
    case LW_CLI_FLAG_FOLDER:
    case LW_CLI_FLAG_PRESET:
    case LW_CLI_FLAG_FAULT:
    default:
      /* Never stored, never compared. */
      g_assert_not_reached ();
      return NULL;
    }
}

void
lw_cli_flag_take (const LwCliFlag *f, LwCliOptions *to, LwCliOptions *from)
{
  switch (f->type)
    {
    case LW_CLI_FLAG_UINT:
      *FIELD (to, f, guint) = *FIELD (from, f, guint);
      break;
    case LW_CLI_FLAG_UINT64:
      *FIELD (to, f, guint64) = *FIELD (from, f, guint64);
      break;
    case LW_CLI_FLAG_DOUBLE:
      *FIELD (to, f, double) = *FIELD (from, f, double);
      break;
    case LW_CLI_FLAG_CHOICE:
    case LW_CLI_FLAG_SWITCH:
      *FIELD (to, f, int) = *FIELD (from, f, int);
      break;
    case LW_CLI_FLAG_FILE:
    case LW_CLI_FLAG_FOLDER:
    case LW_CLI_FLAG_PRESET:
      g_free (*FIELD (to, f, char *));
      *FIELD (to, f, char *) = g_steal_pointer (FIELD (from, f, char *));
      break;
    case LW_CLI_FLAG_MILESTONES:
      memcpy (to->lr_schedule.milestones, from->lr_schedule.milestones,
              sizeof to->lr_schedule.milestones);
      to->lr_schedule.n_milestones = from->lr_schedule.n_milestones;
      break;
    case LW_CLI_FLAG_FAULT:
      to->fault = from->fault;
      to->fault_step = from->fault_step;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The default column: what the row says, or its default (a name in
 * backticks); a switch is off and a file none unless given. */
static char *
markdown_default (const LwCliFlag *f)
{
  if (f->doc_default != NULL)
    return g_strdup (f->doc_default);
  if (f->type == LW_CLI_FLAG_CHOICE)
    return g_strdup_printf ("`%s`", f->def);
  if (f->def != NULL)
    return g_strdup (f->def);
  if (f->type == LW_CLI_FLAG_SWITCH)
    return g_strdup ("off");
  return g_strdup ("none");
}

char *
lw_cli_flags_markdown (void)
{
  GString *s = g_string_new ("| flag | default | meaning |\n|---|---|---|\n");

  for (guint i = 0; i < lw_cli_n_flags; i++)
    {
      const LwCliFlag *f = &lw_cli_flags[i];
      g_autofree char *def = NULL;

      if (f->hidden)
        continue;
      def = markdown_default (f);
      g_string_append_printf (s, "| `--%s%s%s` | %s | %s |\n", f->name, f->arg ? " " : "",
                              f->arg ? f->arg : "", def, f->doc);
    }
  return g_string_free (s, FALSE);
}
