/* lw-cli-options.c: flags of layerwise-cli (names follow the reference
 * train.py, method.md §6), each checked as it is read so that a bad value
 * is reported with the flag that carried it. */
#include "lw-cli-options.h"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>
#include "engine/lw-live-controls.h"
#include "engine/lw-pipeline.h"
#include "presets/lw-preset.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_EPOCHS 3

void
lw_cli_options_init (LwCliOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->dataset = LW_DATASET_MNIST_SUBSET;
  opts->arch = LW_ARCH_MLP;
  opts->num_layers = 0;
  opts->num_hidden = 0;
  opts->feat_mult = 1;
  opts->dim_in_decoder = 4096;
  opts->loss = LW_LOSS_PREDSIM;
  opts->beta = 0.99;
  opts->lr = 0.0;             /* unset: the architecture's default */
  opts->lr_decay_fact = 0.25;
  opts->epochs = DEFAULT_EPOCHS;
  opts->batch_size = 128;
  opts->dropout = 0.0;
  opts->nonlin = LW_NONLIN_RELU;
  opts->optim = LW_OPTIM_ADAM;
  opts->momentum = 0.0;
  opts->weight_decay = 0.0;
  opts->seed = 1;
  opts->threads = MAX (1, g_get_num_processors ());
  opts->limit_train = 0;
  opts->limit_test = 0;
  opts->log_every = 20;
  opts->cutout = 0;
  opts->target_proj_size = 128;
  opts->given = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  opts->from_preset = g_hash_table_new (g_str_hash, g_str_equal);
}

void
lw_cli_options_clear (LwCliOptions *opts)
{
  g_clear_pointer (&opts->data_dir, g_free);
  g_clear_pointer (&opts->metrics, g_free);
  g_clear_pointer (&opts->save, g_free);
  g_clear_pointer (&opts->resume, g_free);
  g_clear_pointer (&opts->given, g_hash_table_unref);
  g_clear_pointer (&opts->preset, g_free);
  g_clear_pointer (&opts->from_preset, g_hash_table_unref);
}

static gboolean
bad_value (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_value (GError **error, const char *fmt, ...)
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
    return bad_value (error, _("%s: '%s' is negative; expected a whole number from %" PRIu64
                      " to %" PRIu64), flag, value, min, max);
  if (!g_ascii_isdigit (*p))
    return bad_value (error, _("%s: '%s' is not a whole number"), flag, value);
  errno = 0;
  v = g_ascii_strtoull (p, &end, 10);
  if (*end != '\0')
    return bad_value (error, _("%s: '%s' is not a whole number"), flag, value);
  if (errno == ERANGE || v < min || v > max)
    return bad_value (error, _("%s: %s is out of range; expected %" PRIu64
                      " to %" PRIu64), flag, value, min, max);
  *out = v;
  return TRUE;
}

static gboolean
parse_uint (const char *flag, const char *value, guint min, guint max, guint *out, GError **error)
{
  guint64 v;

  if (!parse_uint64 (flag, value, min, max, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* A finite number in [lo, hi], or [lo, hi) when hi_open. */
static gboolean
parse_double (const char *flag, const char *value, double lo, double hi, gboolean hi_open,
              double *out, GError **error)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || errno == ERANGE || !isfinite (v))
    return bad_value (error, _("%s: '%s' is not a number"), flag, value);
  if (v < lo || v > hi || (hi_open && v >= hi))
    {
      if (isinf (hi))
        return bad_value (error, _("%s: %s is out of range; expected at least %g"), flag, value, lo);
      return bad_value (error, _("%s: %s is out of range; expected %g <= value %s %g"),
                        flag, value, lo, hi_open ? "<" : "<=", hi);
    }
  *out = v;
  return TRUE;
}

static gboolean
parse_positive_double (const char *flag, const char *value, double *out, GError **error)
{
  if (!parse_double (flag, value, -INFINITY, INFINITY, FALSE, out, error))
    return FALSE;
  if (*out <= 0.0)
    return bad_value (error, _("%s: %s is out of range; expected a number above 0"), flag, value);
  return TRUE;
}

/* A live control's flag: the range and the message are those the window
 * has too (lw-live-controls.h). A run file's value is taken as it was
 * saved (lw_model_new checks it): dropout took up to 1 before. */
static gboolean
parse_live (const LwCliOptions *opts, const char *flag, const char *value, const char *control,
            double *out, GError **error)
{
  const LwLiveControl *c = lw_live_control_find (control);
  g_autofree char *why = NULL;
  double v = 0.0;

  if (!parse_double (flag, value, -INFINITY, INFINITY, FALSE, &v, error))
    return FALSE;
  why = opts->reading_file ? NULL : lw_live_control_out_of_range (c, v);
  if (why != NULL)
    return bad_value (error, "%s: %s", flag, why);
  *out = v;
  return TRUE;
}

static gboolean
parse_milestones (LwCliOptions *opts, const char *flag, const char *value, GError **error)
{
  g_auto (GStrv) parts = NULL;
  guint n = 0;

  if (value[0] == '\0' || g_ascii_strcasecmp (value, "none") == 0)
    {
      opts->n_milestones = 0;
      return TRUE;
    }
  parts = g_strsplit (value, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (parts[i]));

      if (n == LW_CLI_MAX_MILESTONES)
        return bad_value (error, _("%s: more than %d milestones in '%s'"), flag,
                          LW_CLI_MAX_MILESTONES, value);
      if (item[0] == '\0')
        return bad_value (error, _("%s: empty entry in '%s'; expected epochs such as 50,75,89,94"),
                          flag, value);
      if (!parse_uint (flag, item, 1, G_MAXINT, &opts->milestones[n], error))
        return FALSE;
      n++;
    }
  opts->n_milestones = n;
  return TRUE;
}

/* "a, b, c" for a choice error message. */
static char *
choices (const char *(*to_string) (int), int n)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", to_string (i));
  return g_string_free (s, FALSE);
}

static const char *
dataset_name (int i)
{
  return lw_dataset_kind_to_string ((LwDatasetKind) i);
}

static const char *
loss_name (int i)
{
  return lw_loss_type_to_string ((LwLossType) i);
}

static const char *
nonlin_name (int i)
{
  return lw_nonlin_to_string ((LwNonlin) i);
}

static const char *
optim_name (int i)
{
  return lw_optim_to_string ((LwOptimKind) i);
}

static const char *
arch_name (int i)
{
  return lw_arch_to_string ((LwArch) i);
}

static gboolean
unknown_choice (GError **error, const char *flag, const char *value, const char *what,
                const char *(*to_string) (int), int n)
{
  g_autofree char *list = choices (to_string, n);

  return bad_value (error, _("%s: unknown %s '%s'; choose one of %s"), flag, what, value, list);
}

/* KIND:STEP, KIND corrupt or die, STEP the 1-based training step. */
static gboolean
parse_fault (const char *flag, const char *value, LwCliOptions *opts, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ":", 2);
  guint64 step;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT64, &step, NULL))
    return bad_value (error, _("%s: '%s' is not KIND:STEP"), flag, value);
  if (g_str_equal (parts[0], "corrupt"))
    opts->fault = LW_DISTRIBUTED_FAULT_CORRUPT;
  else if (g_str_equal (parts[0], "die"))
    opts->fault = LW_DISTRIBUTED_FAULT_DIE;
  else
    return bad_value (error, _("%s: unknown fault '%s'; choose corrupt or die"), flag, parts[0]);
  opts->fault_step = step;
  return TRUE;
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

  if (load_error != NULL)
    return bad_value (error, "--preset: %s", load_error->message);
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
#undef SET
  g_free (opts->preset);
  opts->preset = g_strdup (id);
  return TRUE;
}

/* A file name flag: not empty. */
static gboolean
parse_file_name (const char *flag, const char *value, char **out, GError **error)
{
  if (value[0] == '\0')
    return bad_value (error, _("%s: empty file name"), flag);
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

/* A folder flag: an existing, readable folder. value is in the file
 * name encoding (G_OPTION_FLAG_FILENAME); messages show it as UTF-8. */
static gboolean
parse_data_dir (const char *flag, const char *value, char **out, GError **error)
{
  g_autofree char *shown = g_filename_display_name (value);

  if (value[0] == '\0')
    return bad_value (error, _("%s: empty folder name"), flag);
  if (!g_file_test (value, G_FILE_TEST_EXISTS))
    return bad_value (error, _("%s: no such folder '%s'"), flag, shown);
  if (!g_file_test (value, G_FILE_TEST_IS_DIR))
    return bad_value (error, _("%s: '%s' is not a folder"), flag, shown);
  if (access (value, R_OK | X_OK) != 0)
    return bad_value (error, _("%s: cannot read folder '%s': %s"), flag, shown,
                      g_strerror (errno));
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
parse_value (LwCliOptions *opts, const char *flag, const char *value, GError **error)
{
  const char *name = flag + 2;   /* every flag is long: "--name" */

  /* Applied before the other flags (apply_preset). */
  if (g_str_equal (name, "preset"))
    return TRUE;
  if (g_str_equal (name, "no-augment"))
    {
      /* Given bare on the command line; "true"/"false" in a run file. */
      if (value != NULL && !g_str_equal (value, "true") && !g_str_equal (value, "false"))
        return bad_value (error, _("%s: '%s' is neither true nor false"), flag, value);
      opts->no_augment = value == NULL || g_str_equal (value, "true");
      return TRUE;
    }
  if (g_str_equal (name, "save"))
    return parse_file_name (flag, value, &opts->save, error);
  if (g_str_equal (name, "resume"))
    return parse_file_name (flag, value, &opts->resume, error);
  if (g_str_equal (name, "checkpoint-every"))
    return parse_uint (flag, value, 1, G_MAXUINT, &opts->checkpoint_every, error);

  if (g_str_equal (name, "dataset"))
    {
      LwDatasetKind kind;

      if (!lw_dataset_kind_from_string (value, &kind))
        return unknown_choice (error, flag, value, _("dataset"), dataset_name, LW_N_DATASETS);
      opts->dataset = kind;
      return TRUE;
    }
  if (g_str_equal (name, "data-dir"))
    return parse_data_dir (flag, value, &opts->data_dir, error);
  if (g_str_equal (name, "arch"))
    {
      LwArch arch;

      if (!lw_arch_from_string (value, &arch))
        return unknown_choice (error, flag, value, _("architecture"), arch_name, LW_N_ARCHS);
      opts->arch = arch;
      return TRUE;
    }
  if (g_str_equal (name, "loss"))
    {
      LwLossType loss;

      if (!lw_loss_type_from_string (value, &loss))
        return unknown_choice (error, flag, value, _("loss"), loss_name, LW_N_LOSSES);
      opts->loss = loss;
      return TRUE;
    }
  if (g_str_equal (name, "nonlin"))
    {
      LwNonlin nonlin;

      if (!lw_nonlin_from_string (value, &nonlin))
        return unknown_choice (error, flag, value, _("nonlinearity"), nonlin_name,
                               LW_N_NONLINS);
      opts->nonlin = nonlin;
      return TRUE;
    }
  if (g_str_equal (name, "optim"))
    {
      LwOptimKind optim;

      if (!lw_optim_from_string (value, &optim))
        return unknown_choice (error, flag, value, _("optimizer"), optim_name, LW_N_OPTIMS);
      opts->optim = optim;
      return TRUE;
    }
  if (g_str_equal (name, "metrics"))
    return parse_file_name (flag, value, &opts->metrics, error);
  if (g_str_equal (name, "num-layers"))
    return parse_uint (flag, value, 1, LW_MAX_BLOCKS, &opts->num_layers, error);
  if (g_str_equal (name, "num-hidden"))
    return parse_uint (flag, value, 1, 65536, &opts->num_hidden, error);
  if (g_str_equal (name, "feat-mult"))
    return parse_uint (flag, value, 1, 16, &opts->feat_mult, error);
  if (g_str_equal (name, "dim-in-decoder"))
    return parse_uint (flag, value, 1, 1u << 20, &opts->dim_in_decoder, error);
  if (g_str_equal (name, "epochs"))
    return parse_uint (flag, value, 1, 1000000, &opts->epochs, error);
  if (g_str_equal (name, "batch-size"))
    return parse_uint (flag, value, 1, 65536, &opts->batch_size, error);
  if (g_str_equal (name, "schedule"))
    {
      if (g_strcmp0 (value, "sequential") != 0 && g_strcmp0 (value, "pipeline") != 0)
        return bad_value (error, _("%s: unknown schedule '%s'; choose one of sequential, pipeline"),
                          flag, value);
      opts->pipeline = g_str_equal (value, "pipeline");
      return TRUE;
    }
  if (g_str_equal (name, "on-divergence"))
    {
      if (g_strcmp0 (value, "stop") != 0 && g_strcmp0 (value, "skip") != 0)
        return bad_value (error, _("%s: unknown choice '%s'; choose one of stop, skip"), flag, value);
      opts->skip_divergence = g_str_equal (value, "skip");
      return TRUE;
    }
  if (g_str_equal (name, "stages"))
    return parse_uint (flag, value, 1, LW_PIPELINE_MAX_STAGES, &opts->stages, error);
  if (g_str_equal (name, "threads"))
    return parse_uint (flag, value, 1, 256, &opts->threads, error);
  if (g_str_equal (name, "distributed-fault"))
    return parse_fault (flag, value, opts, error);
  if (g_str_equal (name, "limit-train"))
    return parse_uint (flag, value, 0, G_MAXUINT, &opts->limit_train, error);
  if (g_str_equal (name, "limit-test"))
    return parse_uint (flag, value, 0, G_MAXUINT, &opts->limit_test, error);
  if (g_str_equal (name, "log-every"))
    return parse_uint (flag, value, 1, G_MAXUINT, &opts->log_every, error);
  if (g_str_equal (name, "cutout"))
    return parse_uint (flag, value, 0, 4096, &opts->cutout, error);
  if (g_str_equal (name, "target-proj-size"))
    return parse_uint (flag, value, 1, 4096, &opts->target_proj_size, error);
  if (g_str_equal (name, "classes-per-batch"))
    return parse_uint (flag, value, 0, 65536, &opts->classes_per_batch, error);
  if (g_str_equal (name, "classes-per-batch-until-epoch"))
    return parse_uint (flag, value, 0, 1000000, &opts->classes_per_batch_until_epoch, error);
  if (g_str_equal (name, "seed"))
    return parse_uint64 (flag, value, 0, G_MAXUINT64, &opts->seed, error);
  if (g_str_equal (name, "beta"))
    return parse_live (opts, flag, value, "beta", &opts->beta, error);
  if (g_str_equal (name, "dropout"))
    return parse_live (opts, flag, value, "dropout", &opts->dropout, error);
  if (g_str_equal (name, "momentum"))
    return parse_double (flag, value, 0.0, 1.0, TRUE, &opts->momentum, error);
  if (g_str_equal (name, "weight-decay"))
    return parse_double (flag, value, 0.0, INFINITY, FALSE, &opts->weight_decay, error);
  if (g_str_equal (name, "lr"))
    return parse_live (opts, flag, value, "lr", &opts->lr, error);
  if (g_str_equal (name, "lr-decay-fact"))
    return parse_positive_double (flag, value, &opts->lr_decay_fact, error);
  if (g_str_equal (name, "lr-decay-milestones"))
    return parse_milestones (opts, flag, value, error);

  g_assert_not_reached ();
  return FALSE;
}

static gboolean
parse_option (const char *flag, const char *value, gpointer data, GError **error)
{
  LwCliOptions *opts = data;

  g_hash_table_add (opts->given, g_strdup (flag + 2));
  return parse_value (opts, flag, value, error);
}

#define VALUE_OPTION(name, help, arg) \
  { name, 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) parse_option, help, arg }
/* Paths are passed as they are (any bytes, in any locale), not converted
 * to UTF-8 from the locale's charset. */
#define FILE_OPTION(name, help, arg) \
  { name, 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, (gpointer) parse_option, help, arg }

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

gboolean
lw_cli_options_parse (LwCliOptions *opts, int *argc, char ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    VALUE_OPTION ("preset", N_("A named preset: its network, and its dataset, loss, lr, beta, batch size "
                  "and seed if it has them; other flags override it. Built in: 1x256, 3x256, 3x512, "
                  "3x1024, 6x256, vgg-mini, vgg8b; yours in ~/.config/layerwise/presets.ini"), "NAME"),
    VALUE_OPTION ("dataset", N_("mnist-subset (default), mnist, fashion-mnist, kmnist, cifar10, cifar100"), "NAME"),
    FILE_OPTION ("data-dir", N_("Folder holding the dataset's files"), "DIR"),
    VALUE_OPTION ("arch", N_("Network architecture: mlp (default), vgg8b, vgg11b, vgg-mini"), "NAME"),
    VALUE_OPTION ("num-layers", N_("Hidden FC layers, each trained by its own loss (default: mlp 3; vgg8b, vgg11b, vgg-mini 1, after the conv layers)"), "N"),
    VALUE_OPTION ("num-hidden", N_("Units per hidden FC layer (default 1024; vgg-mini 256)"), "N"),
    VALUE_OPTION ("feat-mult", N_("Conv archs: multiply the conv channels by N, 1..16 (default 1; the paper's (2x), (3x))"), "N"),
    VALUE_OPTION ("dim-in-decoder", N_("Conv archs: largest input of a local head, the map is average-pooled down to it (default 4096; the paper's MNIST-family recipes 1024)"), "N"),
    VALUE_OPTION ("loss", N_("pred, sim, predsim (default), bp, pred-bpf, sim-bpf, predsim-bpf"), "NAME"),
    VALUE_OPTION ("beta", N_("Weight of the sim part in predsim, 0..1 (default 0.99)"), "B"),
    VALUE_OPTION ("lr", N_("Learning rate (default 5e-4; vgg-mini 3e-3)"), "RATE"),
    VALUE_OPTION ("lr-decay-milestones", N_("Comma-separated epochs after which lr is multiplied by the decay factor (default none)"), "LIST"),
    VALUE_OPTION ("lr-decay-fact", N_("Learning-rate decay factor (default 0.25)"), "F"),
    VALUE_OPTION ("epochs", N_("Epochs to train (default 3)"), "N"),
    VALUE_OPTION ("batch-size", N_("Mini-batch size for training and testing (default 128)"), "N"),
    VALUE_OPTION ("dropout", N_("Dropout after every hidden layer, 0 <= p <= 0.95 (default 0)"), "P"),
    VALUE_OPTION ("nonlin", N_("relu (default) or leakyrelu (slope 0.01)"), "NAME"),
    VALUE_OPTION ("optim", N_("adam (default) or sgd"), "NAME"),
    VALUE_OPTION ("momentum", N_("SGD momentum, 0 <= m < 1 (default 0)"), "M"),
    VALUE_OPTION ("weight-decay", N_("L2 weight decay (default 0)"), "W"),
    VALUE_OPTION ("seed", N_("Seed for weights, shuffling, augmentation and dropout (default 1)"), "N"),
    VALUE_OPTION ("threads", N_("Training threads: the products' BLAS threads, or the threads that run the pipeline's stages (default: number of processors)"), "N"),
    VALUE_OPTION ("schedule", N_("sequential (default): blocks one after another, products on all threads; "
                  "pipeline: stages of blocks trained side by side on the threads, bit-identical results"), "NAME"),
    VALUE_OPTION ("on-divergence", N_("stop (default): end with exit status 3 when a step diverges (NaN or infinite); "
                  "skip: drop such steps and go on"), "WHAT"),
    VALUE_OPTION ("stages", N_("Pipeline stages (default: one more than threads, at most one per block)"), "N"),
    { "distributed", 0, 0, G_OPTION_ARG_NONE, &opts->distributed,
      N_("Train across the processes of an MPI job (mpirun -np K): each rank one stage of blocks"), NULL },
    { "distributed-fault", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_CALLBACK, (gpointer) parse_option,
      /* Hidden, so left untranslated. */
      "Test only: rank 1 corrupts its message or dies at a training step", "KIND:STEP" },
    VALUE_OPTION ("limit-train", N_("Use only the first N training samples (default 0 = all)"), "N"),
    VALUE_OPTION ("limit-test", N_("Test on only the first N test samples (default 0 = all)"), "N"),
    FILE_OPTION ("metrics", N_("Write per-step and per-epoch metrics as CSV to FILE"), "FILE"),
    VALUE_OPTION ("log-every", N_("Steps between step rows in the metrics CSV (default 20)"), "N"),
    { "no-augment", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_option,
      N_("Turn off the dataset's training augmentation (crop, flip)"), NULL },
    VALUE_OPTION ("cutout", N_("Cut out one square hole of side L from every training image (default 0 = off; the paper: 14 for the MNIST family, 16 for CIFAR)"), "L"),
    VALUE_OPTION ("target-proj-size", N_("Length of the random label code of the bpf losses (default 128)"), "N"),
    VALUE_OPTION ("classes-per-batch", N_("Build each training batch from at most K classes, so it has same-class pairs; K at most the batch size and the number of classes (default 0 = off; the paper's CIFAR-100 sim and predsim: 20)"), "K"),
    VALUE_OPTION ("classes-per-batch-until-epoch", N_("Plain shuffled batches again after epoch E (default 0 = never; the paper's CIFAR-100: 200)"), "E"),
    FILE_OPTION ("save", N_("Save the run to FILE at the end, and when interrupted (everything to continue it with --resume)"), "FILE"),
    VALUE_OPTION ("checkpoint-every", N_("Also save the run every N training steps (needs --save or --resume)"), "N"),
    { "force", 0, 0, G_OPTION_ARG_NONE, &opts->force,
      N_("Let --save replace a file that is already there (by default a new run refuses to, and so does --resume A --save B)"), NULL },
    FILE_OPTION ("resume", N_("Continue the run saved in FILE, with its settings, to --epochs in all; saved back to FILE unless --save names another"), "FILE"),
    G_OPTION_ENTRY_NULL
  };
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
  /* Checked after parsing, so the order of the flags does not matter. */
  if (opts->classes_per_batch > opts->batch_size)
    return bad_value (error, _("--classes-per-batch: %u is more than the batch size %u"),
                      opts->classes_per_batch, opts->batch_size);
  if (opts->classes_per_batch_until_epoch > 0 && opts->classes_per_batch == 0)
    return bad_value (error, _("--classes-per-batch-until-epoch: %u given without --classes-per-batch"),
                      opts->classes_per_batch_until_epoch);
  if (opts->distributed && opts->pipeline)
    return bad_value (error, _("--distributed: every rank is a stage already; "
                      "drop --schedule pipeline"));
  if (opts->distributed && opts->stages > 0)
    return bad_value (error, _("--distributed: there are as many stages as ranks (mpirun -np K); "
                      "drop --stages"));
  if (opts->distributed && opts->loss == LW_LOSS_BP)
    return bad_value (error, _("--distributed: --loss bp cannot be split into stages "
                      "(its error crosses every block)"));
  if (opts->stages > 0 && !opts->pipeline)
    return bad_value (error, _("--stages %u: stages are those of --schedule pipeline; "
                      "give it too, or drop --stages"), opts->stages);
  /* Here, not in parse_value: a run file that stored an odd side still opens. */
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
  g_autoptr (LwDataset) ds = lw_dataset_load (opts->dataset, opts->data_dir, &local);

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

double
lw_cli_options_lr_at_epoch (const LwCliOptions *opts, guint epoch)
{
  double lr = opts->lr;

  for (guint i = 0; i < opts->n_milestones; i++)
    if (opts->milestones[i] + 1 <= epoch)
      lr *= opts->lr_decay_fact;
  return lr;
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
  config->seed = opts->seed;
}

/* The flags that define a run, as stored in a run file. */
static const char *const run_flags[] = {
  "dataset", "arch", "num-layers", "num-hidden", "feat-mult", "dim-in-decoder", "loss", "beta",
  "lr", "lr-decay-milestones", "lr-decay-fact", "batch-size", "dropout", "nonlin", "optim",
  "momentum", "weight-decay", "seed", "limit-train", "limit-test", "log-every", "no-augment",
  "cutout", "target-proj-size", "classes-per-batch", "classes-per-batch-until-epoch",
};

/* Flags a run file stores that a resume may change: the file's value
 * holds unless the flag is given again. */
static const char *const resumable_flags[] = {
  "on-divergence",
};

/* Keys added to the options group after format 1, with the value their
 * absence implies (what a file written before them did): such a file
 * still opens. The keys of format 1 stay required. */
static const struct {
  const char *key;
  const char *absent;
} later_keys[] = {
  { "on-divergence", "stop" },
};

static const char *
absent_value (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (later_keys); i++)
    if (g_str_equal (later_keys[i].key, key))
      return later_keys[i].absent;
  return NULL;
}

/* Exact in a run file; to six digits when a flag is compared with one,
 * so that --lr 0.003 matches the default 3e-3 held as a float. */
static char *
double_text (double v, gboolean exact)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, exact ? "%.17g" : "%g", v));
}

/* A flag's value as text that parses back to the same value (to six
 * digits unless exact): the values in effect (an architecture's default
 * FC size written out). */
static char *
flag_text (const LwCliOptions *o, const char *name, gboolean exact)
{
  guint layers, hidden;

  lw_arch_default_fc (o->arch, &layers, &hidden);
#define IS(n) g_str_equal (name, n)
  if (IS ("dataset")) return g_strdup (lw_dataset_kind_to_string (o->dataset));
  if (IS ("arch")) return g_strdup (lw_arch_to_string (o->arch));
  if (IS ("num-layers")) return g_strdup_printf ("%u", o->num_layers ? o->num_layers : layers);
  if (IS ("num-hidden")) return g_strdup_printf ("%u", o->num_hidden ? o->num_hidden : hidden);
  if (IS ("feat-mult")) return g_strdup_printf ("%u", o->feat_mult);
  if (IS ("dim-in-decoder")) return g_strdup_printf ("%u", o->dim_in_decoder);
  if (IS ("loss")) return g_strdup (lw_loss_type_to_string (o->loss));
  if (IS ("beta")) return double_text (o->beta, exact);
  if (IS ("lr")) return double_text (o->lr, exact);
  if (IS ("lr-decay-fact")) return double_text (o->lr_decay_fact, exact);
  if (IS ("batch-size")) return g_strdup_printf ("%u", o->batch_size);
  if (IS ("dropout")) return double_text (o->dropout, exact);
  if (IS ("nonlin")) return g_strdup (lw_nonlin_to_string (o->nonlin));
  if (IS ("optim")) return g_strdup (lw_optim_to_string (o->optim));
  if (IS ("momentum")) return double_text (o->momentum, exact);
  if (IS ("weight-decay")) return double_text (o->weight_decay, exact);
  if (IS ("seed")) return g_strdup_printf ("%" G_GUINT64_FORMAT, o->seed);
  if (IS ("limit-train")) return g_strdup_printf ("%u", o->limit_train);
  if (IS ("limit-test")) return g_strdup_printf ("%u", o->limit_test);
  if (IS ("log-every")) return g_strdup_printf ("%u", o->log_every);
  if (IS ("no-augment")) return g_strdup (o->no_augment ? "true" : "false");
  if (IS ("cutout")) return g_strdup_printf ("%u", o->cutout);
  if (IS ("target-proj-size")) return g_strdup_printf ("%u", o->target_proj_size);
  if (IS ("classes-per-batch")) return g_strdup_printf ("%u", o->classes_per_batch);
  if (IS ("on-divergence")) return g_strdup (o->skip_divergence ? "skip" : "stop");
  if (IS ("classes-per-batch-until-epoch"))
    return g_strdup_printf ("%u", o->classes_per_batch_until_epoch);
  if (IS ("lr-decay-milestones"))
    {
      GString *s = g_string_new (o->n_milestones == 0 ? "none" : NULL);

      for (guint i = 0; i < o->n_milestones; i++)
        g_string_append_printf (s, "%s%u", i ? "," : "", o->milestones[i]);
      return g_string_free (s, FALSE);
    }
#undef IS
  g_assert_not_reached ();
  return NULL;
}

static char *
flag_value (const LwCliOptions *o, const char *name)
{
  return flag_text (o, name, TRUE);
}

void
lw_cli_options_to_key_file (const LwCliOptions *opts, GKeyFile *kf, const char *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (run_flags); i++)
    {
      g_autofree char *value = flag_value (opts, run_flags[i]);

      g_key_file_set_value (kf, group, run_flags[i], value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (resumable_flags); i++)
    {
      g_autofree char *value = flag_value (opts, resumable_flags[i]);

      g_key_file_set_value (kf, group, resumable_flags[i], value);
    }
  g_key_file_set_uint64 (kf, group, "epochs", opts->epochs);
}

/* A flag given for a resume, or set by its --preset (a flag given beside
 * the preset wins, as in a new run), must have the file's value. */
static gboolean
check_same (const LwCliOptions *opts, const LwCliOptions *file, const char *name,
            const char *path, GError **error)
{
  gboolean given = g_hash_table_contains (opts->given, name);
  g_autofree char *mine = NULL, *theirs = NULL;

  if (!given && !g_hash_table_contains (opts->from_preset, name))
    return TRUE;
  mine = flag_text (opts, name, FALSE);
  theirs = flag_text (file, name, FALSE);
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
read_setting (LwCliOptions *file, GKeyFile *kf, const char *group, const char *key,
              const char *path, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, key, NULL);
  g_autofree char *flag = g_strconcat ("--", key, NULL);
  g_autoptr (GError) local = NULL;
  gboolean ok;

  if (value == NULL && absent_value (key) != NULL)
    value = g_strdup (absent_value (key));
  if (value == NULL)
    return bad_value (error, _("--resume: %s lacks the setting %s"), path, flag);
  file->reading_file = TRUE;
  ok = parse_value (file, flag, value, &local);
  file->reading_file = FALSE;
  if (!ok)
    return bad_value (error, _("--resume: %s has a bad setting: %s"), path, local->message);
  return TRUE;
}

gboolean
lw_cli_options_resume (LwCliOptions *opts, GKeyFile *kf, const char *group, const char *path,
                       GError **error)
{
  LwCliOptions file;
  g_autoptr (GError) local = NULL;
  g_autofree char *epochs = NULL;
  gboolean ok = TRUE;

  lw_cli_options_init (&file);
  for (guint i = 0; i < G_N_ELEMENTS (run_flags) && ok; i++)
    ok = read_setting (&file, kf, group, run_flags[i], path, error);
  for (guint i = 0; i < G_N_ELEMENTS (resumable_flags) && ok; i++)
    ok = read_setting (&file, kf, group, resumable_flags[i], path, error);
  epochs = g_key_file_get_value (kf, group, "epochs", NULL);
  if (ok && (epochs == NULL || !parse_value (&file, "--epochs", epochs, &local)))
    ok = bad_value (error, _("--resume: %s lacks a valid number of epochs"), path);

  for (guint i = 0; i < G_N_ELEMENTS (run_flags) && ok; i++)
    ok = check_same (opts, &file, run_flags[i], path, error);
  if (!ok)
    {
      lw_cli_options_clear (&file);
      return FALSE;
    }

  /* What may change between two sittings comes from the command line. */
  if (g_hash_table_contains (opts->given, "epochs"))
    file.epochs = opts->epochs;
  if (g_hash_table_contains (opts->given, "on-divergence"))
    file.skip_divergence = opts->skip_divergence;
  g_clear_pointer (&file.given, g_hash_table_unref);
  file.given = g_steal_pointer (&opts->given);
  file.data_dir = g_steal_pointer (&opts->data_dir);
  file.threads = opts->threads;
  file.pipeline = opts->pipeline;
  file.stages = opts->stages;
  file.metrics = g_steal_pointer (&opts->metrics);
  file.save = g_steal_pointer (&opts->save);
  file.checkpoint_every = opts->checkpoint_every;
  file.force = opts->force;
  file.resume = g_steal_pointer (&opts->resume);
  lw_cli_options_clear (opts);
  *opts = file;
  return TRUE;
}
