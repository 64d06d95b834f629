/* lw-cli-options.h: the command line of layerwise-cli, parsed and checked. */
#pragma once

#include <glib.h>

#include "data/lw-dataset.h"
#include "engine/lw-lr-schedule.h"
#include "engine/lw-model.h"
#include "engine/lw-pipeline.h"

G_BEGIN_DECLS

/* Faults a test can make rank 1 of a distributed run commit at a
 * training step, to check that the others stop cleanly. */
typedef enum {
  LW_DISTRIBUTED_FAULT_NONE,
  LW_DISTRIBUTED_FAULT_CORRUPT, /* flips a byte of the activations it sends */
  LW_DISTRIBUTED_FAULT_DIE,     /* kills itself (SIGKILL) */
} LwDistributedFault;

typedef struct {
  LwDatasetKind dataset;
  char *data_dir;               /* NULL: the usual places */
  LwArch arch;
  guint num_layers;             /* 0: the architecture's default FC part */
  guint num_hidden;             /* 0: the architecture's default */
  guint feat_mult;
  guint dim_in_decoder;
  LwLossType loss;
  double beta;
  double lr;                    /* 0 until parsed: then --lr or the architecture's default */
  LwLrSchedule lr_schedule;     /* --lr-decay-milestones, --lr-decay-fact */
  guint epochs;
  guint batch_size;
  double dropout;
  LwNonlin nonlin;
  LwOptimKind optim;
  double momentum;
  double weight_decay;
  guint64 seed;
  guint64 data_seed;            /* the sample order's and augmentation's; 0: seed */
  guint threads;
  LwSchedule schedule;          /* --schedule */
  gboolean pipeline;            /* the schedule resolved: steps run through a pipeline
                                 * (lw_cli_options_resolve_schedule) */
  guint stages;                 /* 0: as many as threads */
  gboolean distributed;         /* --distributed: one stage per MPI rank */
  LwDistributedFault fault;     /* test-only: what rank 1 does wrong, and when */
  guint64 fault_step;
  guint limit_train;            /* 0: all */
  guint limit_test;             /* 0: all */
  char *metrics;                /* NULL: no CSV */
  guint log_every;              /* steps between CSV step rows */
  gboolean no_augment;
  guint cutout;                 /* 0: off */
  guint target_proj_size;
  gboolean shared_target_proj;  /* bpf: one label projection for all blocks (run files before 3) */
  gboolean no_batch_norm;       /* the reference's switches (run files before 4: off) */
  gboolean no_similarity_std;
  gboolean no_detach;
  guint classes_per_batch;      /* 0: plain shuffled batches */
  guint classes_per_batch_until_epoch;   /* 0: in every epoch */
  char *save;                   /* NULL: the run is not saved */
  guint checkpoint_every;       /* steps between saves to save; 0: at the end only */
  char *resume;                 /* NULL: a new run */
  gboolean force;               /* --force: --save may replace a file that is there */
  GHashTable *given;            /* names of the flags on the command line ("arch", …) */
  char *preset;                 /* --preset NAME, or NULL */
  GHashTable *from_preset;      /* names of the flags --preset set ("arch", …) */
  gboolean skip_divergence;     /* --on-divergence skip: drop steps that diverge, go on */
  gboolean reading_file;        /* parsing a run file's settings: live controls as saved */
} LwCliOptions;

void     lw_cli_options_init        (LwCliOptions *opts);
void     lw_cli_options_clear       (LwCliOptions *opts);

/* Parses and validates argv. On failure error holds one line that names
 * the flag and the value at fault; --help prints and exits 0. The error is
 * G_OPTION_ERROR_FAILED when a file of this host is at fault (a presets
 * file), which another host of a distributed run may not share; anything
 * else is what argv says, the same on every host. */
gboolean lw_cli_options_parse       (LwCliOptions *opts, int *argc, char ***argv, GError **error);

/* What the options ask of the dataset once it is loaded (the classes per
 * batch against its number of classes); error holds one line. */
gboolean lw_cli_options_check_dataset (const LwCliOptions *opts, const LwDataset *ds,
                                       GError **error);
/* The dataset the options name, limited as they ask and checked against
 * them; NULL with error (one line: what, and why) when it cannot be. */
LwDataset *lw_cli_options_load_dataset (const LwCliOptions *opts, GError **error);

/* The seed of the sample order and the augmentation: --data-seed, or
 * --seed when that is 0. */
guint64  lw_cli_options_data_seed   (const LwCliOptions *opts);

/* The learning rate of epoch (1-based): lr * fact^(#milestones m <= epoch-1). */
double   lw_cli_options_lr_at_epoch (const LwCliOptions *opts, guint epoch);

/* The settings that make a run what it is (everything but where its
 * files are, how long it trains and on how many threads), as the text of
 * their flags, into group of kf; epochs and --on-divergence too. */
void     lw_cli_options_to_key_file (const LwCliOptions *opts, GKeyFile *kf, const char *group);

/* For --resume: replaces the run-defining settings of opts by those of
 * the file (group of kf), keeping opts' data folder, epochs, threads,
 * schedule, metrics and save flags when they were given (epochs and
 * --on-divergence otherwise from the file). A run-defining flag given
 * with a value the file does not have is refused with a message naming
 * both values. A key added after format 1 that the file lacks takes the
 * value its absence implies; a key of format 1 missing is refused. */
gboolean lw_cli_options_resume      (LwCliOptions *opts, GKeyFile *kf, const char *group,
                                     const char *path, GError **error);

/* Sets opts->pipeline from --schedule for a model of n_blocks blocks:
 * auto takes the pipeline with two threads or more and two blocks or
 * more, unless every step crosses every block (bp, --no-detach: the
 * pipeline would run them whole on one thread) or the run is
 * distributed (each rank a stage already). Results are the same
 * either way. */
void     lw_cli_options_resolve_schedule (LwCliOptions *opts, guint n_blocks);

/* Fills a model configuration from the options and the dataset's geometry. */
void     lw_cli_options_to_config   (const LwCliOptions *opts, const LwDataset *ds,
                                     LwModelConfig *config);

G_END_DECLS
