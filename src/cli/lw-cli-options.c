/* lw-cli-options.c: the command line of layerwise-cli, parsed from the
 * flag table (lw-cli-flags.c) and checked: each flag as it is read, so that
 * a bad value is reported with the flag that carried it, and the flags
 * against one another once all are read. A --preset, and for --resume the
 * run file's [layerwise-cli] group, set flags by the same table. */
#include "lw-cli-options.h"

#include "config.h"

#include <glib/gi18n.h>
#include "lw-cli-flags.h"
#include "presets/lw-preset.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define bad_value lw_cli_bad_value

void
lw_cli_options_init (LwCliOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  lw_cli_flags_set_defaults (opts);
  opts->threads = MAX (1, g_get_num_processors ());
  opts->given = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  opts->from_preset = g_hash_table_new (g_str_hash, g_str_equal);
}

void
lw_cli_options_clear (LwCliOptions *opts)
{
  lw_cli_flags_clear (opts);
  g_clear_pointer (&opts->given, g_hash_table_unref);
  g_clear_pointer (&opts->from_preset, g_hash_table_unref);
}

/* The last --preset NAME (or --preset=NAME) of argv, or NULL. */
static const char *
find_preset (int argc, char **argv)
{
  const char *name = NULL;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--preset") && i + 1 < argc)
        name = argv[++i];
      else if (g_str_has_prefix (argv[i], "--preset="))
        name = argv[i] + strlen ("--preset=");
    }
  return name;
}

/* A preset sets the defaults, whatever the flags' order: the flags given
 * beside it win. */
static gboolean
apply_preset (LwCliOptions *opts, const char *id, GError **error)
{
  g_autoptr (GError) load_error = NULL;
  g_autoptr (LwPresetList) list = lw_preset_list_load_default (&load_error);
  const LwPreset *p;

  /* Said by every rank of a distributed run: the file is its host's. */
  if (load_error != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--preset: %s",
                   load_error->message);
      return FALSE;
    }
  p = lw_preset_list_lookup (list, id);
  if (p == NULL)
    {
      g_autofree char *names = lw_preset_list_names (list);

      return bad_value (error, _("--preset: unknown preset '%s'; choose one of %s"), id, names);
    }
  /* The names of the flags it sets, for a resume to check them (static). */
#define SET(flag, field, value) \
  G_STMT_START { opts->field = (value); g_hash_table_add (opts->from_preset, (gpointer) flag); } G_STMT_END
  SET ("arch", arch, p->arch);
  SET ("num-layers", num_layers, p->num_layers);
  SET ("num-hidden", num_hidden, p->num_hidden);
  if (p->sets & LW_PRESET_SETS_DATASET)
    {
      SET ("dataset", dataset, p->dataset);
      /* Its folder too (a --data-dir given beside the preset wins). */
      g_free (opts->data_dir);
      opts->data_dir = g_strdup (p->data_dir);
    }
  if (p->sets & LW_PRESET_SETS_LOSS)
    SET ("loss", loss, p->loss);
  if (p->sets & LW_PRESET_SETS_LR)
    SET ("lr", lr, p->lr);
  if (p->sets & LW_PRESET_SETS_BETA)
    SET ("beta", beta, p->beta);
  if (p->sets & LW_PRESET_SETS_BATCH_SIZE)
    SET ("batch-size", batch_size, p->batch_size);
  if (p->sets & LW_PRESET_SETS_SEED)
    SET ("seed", seed, p->seed);
  if (p->sets & LW_PRESET_SETS_LR_SCHEDULE)
    {
      SET ("lr-decay-milestones", lr_schedule, p->lr_schedule);
      g_hash_table_add (opts->from_preset, (gpointer) "lr-decay-fact");
    }
  if (p->sets & LW_PRESET_SETS_DROPOUT)
    SET ("dropout", dropout, p->dropout);
  if (p->sets & LW_PRESET_SETS_NONLIN)
    SET ("nonlin", nonlin, p->nonlin);
  if (p->sets & LW_PRESET_SETS_DIM_IN_DECODER)
    SET ("dim-in-decoder", dim_in_decoder, p->dim_in_decoder);
  /* How long a new run trains; a resume goes on to the file's epochs
   * unless --epochs is given, so this is not checked against the file. */
  if (p->sets & LW_PRESET_SETS_EPOCHS)
    opts->epochs = p->epochs;
#undef SET
  g_free (opts->preset);
  opts->preset = g_strdup (id);
  return TRUE;
}

/* --data-dir, when given: an existing, readable folder. It is in the file
 * name encoding (G_OPTION_FLAG_FILENAME); messages show it as UTF-8. A
 * preset's folder is for the dataset loader to judge. */
static gboolean
check_data_dir (const LwCliOptions *opts, GError **error)
{
  const char *value = opts->data_dir;
  g_autofree char *shown = NULL;

  if (value == NULL || !g_hash_table_contains (opts->given, "data-dir"))
    return TRUE;
  shown = g_filename_display_name (value);

  if (!g_file_test (value, G_FILE_TEST_EXISTS))
    return bad_value (error, _("%s: no such folder '%s'"), "--data-dir", shown);
  if (!g_file_test (value, G_FILE_TEST_IS_DIR))
    return bad_value (error, _("%s: '%s' is not a folder"), "--data-dir", shown);
  if (access (value, R_OK | X_OK) != 0)
    return bad_value (error, _("%s: cannot read folder '%s': %s"), "--data-dir", shown,
                      g_strerror (errno));
  return TRUE;
}

/* The flag's row parses it ("-x" or "--name"); messages name it "--name". */
static gboolean
parse_option (const char *option, const char *value, gpointer data, GError **error)
{
  LwCliOptions *opts = data;
  const LwCliFlag *f = option[1] == '-' ? lw_cli_flag_find (option + 2)
                                        : lw_cli_flag_find_short (option[1]);
  g_autofree char *flag = NULL;

  g_assert (f != NULL);
  flag = g_strconcat ("--", f->name, NULL);
  g_hash_table_add (opts->given, g_strdup (f->name));
  return lw_cli_flag_parse (f, opts, flag, value, error);
}

/* The GOptionEntries of the table, NULL-terminated. */
static GOptionEntry *
option_entries (void)
{
  GOptionEntry *entries = g_new0 (GOptionEntry, lw_cli_n_flags + 1);

  for (guint i = 0; i < lw_cli_n_flags; i++)
    {
      const LwCliFlag *f = &lw_cli_flags[i];
      int flags = 0;

      /* Paths are passed as they are (any bytes, in any locale), not
       * converted to UTF-8 from the locale's charset. */
      if (f->type == LW_CLI_FLAG_FILE || f->type == LW_CLI_FLAG_FOLDER)
        flags |= G_OPTION_FLAG_FILENAME;
      if (f->type == LW_CLI_FLAG_SWITCH)
        flags |= G_OPTION_FLAG_NO_ARG;
      if (f->hidden)
        flags |= G_OPTION_FLAG_HIDDEN;
      entries[i] = (GOptionEntry) { f->name, f->short_name, flags, G_OPTION_ARG_CALLBACK,
                                    (gpointer) parse_option, f->help, f->arg };
    }
  return entries;
}

static const char description[] = N_(
  "Every hidden layer is trained only by its own local loss (Nøkland & Eidnes 2019);\n"
  "only the output layer sees the global cross-entropy. --loss bp trains the same\n"
  "network with ordinary end-to-end backprop for comparison.\n"
  "\n"
  "Datasets: mnist-subset is compiled in and needs no files. mnist, fashion-mnist\n"
  "and kmnist read IDX files (gzipped or not), cifar10 and cifar100 the CIFAR\n"
  "binary version. Without --data-dir they are looked for in\n"
  "$XDG_DATA_HOME/layerwise/datasets/<name> (~/.local/share/... by default), then\n"
  "<system data dir>/layerwise/datasets/<name>; Fashion-MNIST also in\n"
  "/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).\n"
  "\n"
  "Learning-rate schedule: lr(epoch e) = lr * fact^(number of milestones <= e-1).\n"
  "No milestones by default. The paper's schedules: MNIST/KMNIST 100 epochs with\n"
  "--lr-decay-milestones 50,75,89,94; Fashion-MNIST 200 epochs with 100,150,175,188;\n"
  "CIFAR 400 epochs with 200,300,350,375.\n"
  "\n"
  "Architectures (conv 3x3 with BatchNorm, M = 2x2 max pool):\n"
  "  vgg8b    128, 256, M, 256, 512, M, 512, M, 512, M -> FC block(s) -> output\n"
  "  vgg11b   128, 128, 128, 256, M, 256, 512, M, 512, 512, M, 512, M -> FC -> output\n"
  "  vgg-mini 16, M, 32, M, 64, M -> FC 256 -> output (small, for watching live;\n"
  "           lr 3e-3 by default: one epoch of MNIST reaches about 98.8%)\n"
  "Every conv layer is a block with its own local loss; --feat-mult multiplies\n"
  "the conv channels, --num-layers/--num-hidden set the FC blocks after the\n"
  "flatten (default 1 x 1024; vgg-mini 1 x 256). Inputs above 64 px start with\n"
  "a 7x7 stride-2 conv. The paper's MNIST-family vgg8b runs: --dim-in-decoder 1024.\n"
  "\n"
  "The paper used --nonlin leakyrelu for sim and predsim, relu for pred and bp,\n"
  "and --beta 0.01 for predsim-bpf.\n"
  "\n"
  "--classes-per-batch K: each training batch starts with K random examples,\n"
  "gets examples of further classes until it holds K classes, and is filled with\n"
  "examples of those classes. An epoch has as many batches as a plain one, all\n"
  "full, and visits nearly every example once. The paper's CIFAR-100 sim and\n"
  "predsim recipes: --classes-per-batch 20 --classes-per-batch-until-epoch 200.\n"
  "\n"
  "--distributed, under mpirun -np K (K at most the number of blocks, and 8):\n"
  "rank k trains stage k of the blocks, rank 0 reads the data, and each batch's\n"
  "activations go forward to the next rank; the last rank trains the output\n"
  "layer, prints the table and writes --metrics on its host. Same results as\n"
  "one process at --threads 1. Each rank uses one BLAS thread unless --threads.\n"
  "\n"
  "Distributed runs are not saved or resumed (--save, --resume and\n"
  "--checkpoint-every are refused with --distributed).\n"
  "\n"
  "--save FILE keeps everything needed to go on: weights, optimizer state, the\n"
  "random streams, the settings, the metrics so far. --resume FILE goes on from\n"
  "there, exactly as if the run had never stopped: the same weights, metrics and\n"
  "CSV rows, bit for bit. A resumed run keeps its settings: --epochs (the total\n"
  "to reach), --data-dir, --threads, --schedule, --stages, --metrics, --save,\n"
  "--force, --checkpoint-every and --on-divergence (kept in the file otherwise)\n"
  "may be given; any other flag, and what a --preset sets, must match the file.\n"
  "--save refuses to replace a file that is there (a new run any file, a resumed\n"
  "one any but the file it resumes) unless --force is given.\n"
  "\n"
  "A step whose loss, gradient or update is not finite (NaN or infinite: a\n"
  "learning rate far too high) is never applied. By default training then stops\n"
  "with a message naming the block; --on-divergence skip drops such steps and\n"
  "goes on, counting them after each epoch.\n"
  "\n"
  "Exit status: 0 on success, 2 for a bad flag, value or dataset, 3 when\n"
  "training diverged (--on-divergence stop), 1 for other failures, 130 when\n"
  "interrupted.");

/* A model has at most LW_MAX_BLOCKS blocks, conv blocks included. */
static gboolean
check_num_layers (const LwCliOptions *opts, GError **error)
{
  LwModelConfig config;
  guint n_conv;

  lw_model_config_init (&config);
  config.arch = opts->arch;
  config.num_layers = 0;
  n_conv = lw_model_config_n_blocks (&config);
  if (n_conv + opts->num_layers <= LW_MAX_BLOCKS)
    return TRUE;
  /* Translators: --num-layers N: ARCH has N conv blocks, so at most N FC blocks (N in all). */
  return bad_value (error, _("--num-layers %u: %s has %u conv blocks, so at most %u FC blocks "
                    "(%u blocks in all)"), opts->num_layers, lw_arch_to_string (opts->arch),
                    n_conv, LW_MAX_BLOCKS - n_conv, LW_MAX_BLOCKS);
}

gboolean
lw_cli_options_parse (LwCliOptions *opts, int *argc, char ***argv, GError **error)
{
  g_autofree GOptionEntry *entries = option_entries ();
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionGroup *group;
  const char *preset;

  /* The summary, the description and every flag's text are looked up in
   * GETTEXT_PACKAGE when --help is printed; the flag names stay as they are. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    N_("Train a neural network with layer-wise local error signals, headless."));
  g_option_context_set_description (context, description);
  group = g_option_group_new (NULL, NULL, NULL, opts, NULL);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);

  preset = find_preset (*argc, *argv);
  if (preset != NULL && !apply_preset (opts, preset, error))
    return FALSE;
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    return bad_value (error, _("unexpected argument '%s'"), (*argv)[1]);
  /* Only rank 0 of a distributed run reads the data, on its host: there
   * lw_cli_options_load_dataset checks the folder. */
  if (!opts->distributed && !check_data_dir (opts, error))
    return FALSE;
  /* Checked after parsing, so the order of the flags does not matter. */
  if (opts->classes_per_batch > opts->batch_size)
    return bad_value (error, _("--classes-per-batch: %u is more than the batch size %u"),
                      opts->classes_per_batch, opts->batch_size);
  if (opts->classes_per_batch_until_epoch > 0 && opts->classes_per_batch == 0)
    return bad_value (error, _("--classes-per-batch-until-epoch: %u given without --classes-per-batch"),
                      opts->classes_per_batch_until_epoch);
  if (opts->distributed && opts->schedule == LW_SCHEDULE_PIPELINE)
    return bad_value (error, _("--distributed: every rank is a stage already; "
                      "drop --schedule pipeline"));
  if (opts->distributed && opts->stages > 0)
    return bad_value (error, _("--distributed: there are as many stages as ranks (mpirun -np K); "
                      "drop --stages"));
  if (opts->distributed && opts->loss == LW_LOSS_BP)
    return bad_value (error, _("--distributed: --loss bp cannot be split into stages "
                      "(its error crosses every block)"));
  if (opts->distributed && opts->no_detach)
    return bad_value (error, _("--distributed: --no-detach cannot be split into stages "
                      "(its errors cross every block)"));
  if (opts->stages > 0 && opts->schedule != LW_SCHEDULE_PIPELINE)
    return bad_value (error, _("--stages %u: stages are those of --schedule pipeline; "
                      "give it too, or drop --stages"), opts->stages);
  /* Here, not in the flag's parse: a run file that stored an odd side still opens. */
  if (opts->cutout % 2 == 1)
    return bad_value (error, _("--cutout %u: an odd side cuts a hole of side %u, as the reference "
                      "code does (it clips y±L//2; 1 cuts nothing); give an even side "
                      "(the paper uses 14 and 16)"), opts->cutout, opts->cutout - 1);
  if (opts->fault != LW_DISTRIBUTED_FAULT_NONE && !opts->distributed)
    return bad_value (error, _("--distributed-fault needs --distributed"));
  if (opts->distributed && (opts->save != NULL || opts->resume != NULL
                            || opts->checkpoint_every > 0))
    return bad_value (error, _("--distributed: a distributed run is not saved or resumed; "
                      "drop --save, --resume and --checkpoint-every"));
  if (opts->checkpoint_every > 0 && opts->save == NULL && opts->resume == NULL)
    return bad_value (error, _("--checkpoint-every: %u given without --save FILE"),
                      opts->checkpoint_every);
  if (opts->num_layers > 0 && !check_num_layers (opts, error))
    return FALSE;
  /* --arch and --lr may come in either order too. */
  if (opts->lr == 0.0)
    opts->lr = lw_arch_default_lr (opts->arch);
  return TRUE;
}

gboolean
lw_cli_options_check_dataset (const LwCliOptions *opts, const LwDataset *ds, GError **error)
{
  if (opts->classes_per_batch > ds->n_classes)
    return bad_value (error, _("--classes-per-batch: %u is more than the %u classes of %s"),
                      opts->classes_per_batch, ds->n_classes, ds->name);
  return TRUE;
}

LwDataset *
lw_cli_options_load_dataset (const LwCliOptions *opts, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (LwDataset) ds = NULL;

  if (!check_data_dir (opts, error))
    return NULL;
  ds = lw_dataset_load (opts->dataset, opts->data_dir, &local);
  if (ds == NULL)
    {
      gboolean searched = opts->data_dir == NULL
                          && g_error_matches (local, LW_DATASET_ERROR, LW_DATASET_ERROR_MISSING);

      /* Translators: the dataset name, then why it could not be loaded. */
      bad_value (error, _("cannot load dataset %s: %s%s"), lw_dataset_kind_to_string (opts->dataset),
                 local->message, searched ? _(" (name the folder with --data-dir DIR)") : "");
      return NULL;
    }
  lw_dataset_limit_train (ds, opts->limit_train);
  lw_dataset_limit_test (ds, opts->limit_test);
  if (ds->train.n == 0 || ds->test.n == 0)
    {
      /* Translators: dataset name, its source (a folder or "compiled in"), counts. */
      bad_value (error, _("dataset %s (%s) has %u training and %u test samples; "
                          "both must be non-empty"), ds->name, ds->source, ds->train.n, ds->test.n);
      return NULL;
    }
  if (!lw_cli_options_check_dataset (opts, ds, error))
    return NULL;
  return g_steal_pointer (&ds);
}

guint64
lw_cli_options_data_seed (const LwCliOptions *opts)
{
  return opts->data_seed != 0 ? opts->data_seed : opts->seed;
}

double
lw_cli_options_lr_at_epoch (const LwCliOptions *opts, guint epoch)
{
  return lw_lr_schedule_lr_at_epoch (&opts->lr_schedule, opts->lr, epoch);
}

void
lw_cli_options_resolve_schedule (LwCliOptions *opts, guint n_blocks)
{
  gboolean whole_steps = opts->loss == LW_LOSS_BP || opts->no_detach;

  if (opts->schedule == LW_SCHEDULE_AUTO)
    opts->pipeline = !whole_steps && !opts->distributed
                     && lw_schedule_resolve (LW_SCHEDULE_AUTO, n_blocks, (int) opts->threads)
                        == LW_SCHEDULE_PIPELINE;
  else
    opts->pipeline = opts->schedule == LW_SCHEDULE_PIPELINE;
}

void
lw_cli_options_to_config (const LwCliOptions *opts, const LwDataset *ds, LwModelConfig *config)
{
  lw_model_config_init (config);
  config->arch = opts->arch;
  config->in_channels = ds->channels;
  config->in_height = ds->height;
  config->in_width = ds->width;
  config->n_classes = ds->n_classes;
  lw_arch_default_fc (opts->arch, &config->num_layers, &config->num_hidden);
  if (opts->num_layers > 0)
    config->num_layers = opts->num_layers;
  if (opts->num_hidden > 0)
    config->num_hidden = opts->num_hidden;
  config->feat_mult = opts->feat_mult;
  config->dim_in_decoder = opts->dim_in_decoder;
  config->batch_size = opts->batch_size;
  config->loss = opts->loss;
  config->beta = (float) opts->beta;
  config->lr = (float) lw_cli_options_lr_at_epoch (opts, 1);
  config->dropout = (float) opts->dropout;
  config->nonlin = opts->nonlin;
  config->optim = opts->optim;
  config->momentum = (float) opts->momentum;
  config->weight_decay = (float) opts->weight_decay;
  config->target_proj_size = opts->target_proj_size;
  config->shared_target_proj = opts->shared_target_proj;
  config->no_batch_norm = opts->no_batch_norm;
  config->no_similarity_std = opts->no_similarity_std;
  config->no_detach = opts->no_detach;
  config->seed = opts->seed;
}

void
lw_cli_options_to_key_file (const LwCliOptions *opts, GKeyFile *kf, const char *group)
{
  for (guint i = 0; i < lw_cli_n_flags; i++)
    if (lw_cli_flags[i].since > 0)
      {
        g_autofree char *value = lw_cli_flag_text (&lw_cli_flags[i], opts, TRUE);

        g_key_file_set_value (kf, group, lw_cli_flags[i].name, value);
      }
}

/* A flag given for a resume, or set by its --preset (a flag given beside
 * the preset wins, as in a new run), must have the file's value. */
static gboolean
check_same (const LwCliOptions *opts, const LwCliOptions *file, const LwCliFlag *f,
            const char *path, GError **error)
{
  const char *name = f->name;
  gboolean given = g_hash_table_contains (opts->given, name);
  g_autofree char *mine = NULL, *theirs = NULL;

  if (!given && !g_hash_table_contains (opts->from_preset, name))
    return TRUE;
  mine = lw_cli_flag_text (f, opts, FALSE);
  theirs = lw_cli_flag_text (f, file, FALSE);
  if (g_str_equal (mine, theirs))
    return TRUE;
  if (given)
    return bad_value (error, _("--%s %s: the run in %s was trained with --%s %s, and a resumed "
                      "run keeps its settings (leave the flag out)"), name, mine, path, name,
                      theirs);
  return bad_value (error, _("--preset %s sets --%s %s: the run in %s was trained with --%s %s, "
                    "and a resumed run keeps its settings (leave the preset out)"),
                    opts->preset, name, mine, path, name, theirs);
}

/* One stored setting into file; a key added after format 1 that the file
 * lacks takes the value its absence implies. */
static gboolean
read_setting (LwCliOptions *file, GKeyFile *kf, const char *group, const LwCliFlag *f,
              const char *path, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, f->name, NULL);
  g_autofree char *flag = g_strconcat ("--", f->name, NULL);
  g_autoptr (GError) local = NULL;
  gboolean ok;

  if (value == NULL && f->since > 1)
    value = g_strdup (f->absent);
  if (value == NULL && g_str_equal (f->name, "epochs"))
    return bad_value (error, _("--resume: %s lacks a valid number of epochs"), path);
  if (value == NULL)
    return bad_value (error, _("--resume: %s lacks the setting %s"), path, flag);
  file->reading_file = TRUE;
  ok = lw_cli_flag_parse (f, file, flag, value, &local);
  file->reading_file = FALSE;
  if (!ok)
    {
      if (g_str_equal (f->name, "epochs"))
        return bad_value (error, _("--resume: %s lacks a valid number of epochs"), path);
      return bad_value (error, _("--resume: %s has a bad setting: %s"), path, local->message);
    }
  return TRUE;
}

gboolean
lw_cli_options_resume (LwCliOptions *opts, GKeyFile *kf, const char *group, const char *path,
                       GError **error)
{
  LwCliOptions file;
  gboolean ok = TRUE;

  lw_cli_options_init (&file);
  for (guint i = 0; i < lw_cli_n_flags && ok; i++)
    if (lw_cli_flags[i].since > 0)
      ok = read_setting (&file, kf, group, &lw_cli_flags[i], path, error);
  /* What the file fixes must not be contradicted. */
  for (guint i = 0; i < lw_cli_n_flags && ok; i++)
    if (lw_cli_flags[i].since > 0 && !lw_cli_flags[i].resume_may_change)
      ok = check_same (opts, &file, &lw_cli_flags[i], path, error);
  if (!ok)
    {
      lw_cli_options_clear (&file);
      return FALSE;
    }

  /* What may change between two sittings comes from the command line: a
   * stored flag when it is given again, the others always. */
  for (guint i = 0; i < lw_cli_n_flags; i++)
    {
      const LwCliFlag *f = &lw_cli_flags[i];

      if (f->since == 0 || (f->resume_may_change && g_hash_table_contains (opts->given, f->name)))
        lw_cli_flag_take (f, &file, opts);
    }
  g_clear_pointer (&file.given, g_hash_table_unref);
  file.given = g_steal_pointer (&opts->given);
  lw_cli_options_clear (opts);
  *opts = file;
  return TRUE;
}
