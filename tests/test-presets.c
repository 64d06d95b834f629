/* test-presets.c: the presets' key files: the built-in ones (the paper's
 * recipes among them), every key of a user's preset, bad files refused with the file and the line or key
 * named, a user's preset replacing a built-in one, and a save read back. */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "presets/lw-preset.h"

static char *tmp_dir;

static void
test_builtin (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwPresetList) list = lw_preset_list_load_default (&error);
  static const char *const ids[] = { "1x256", "3x256", "3x512", "3x1024", "6x256", "vgg-mini", "vgg8b",
                                     "paper-mlp-mnist", "paper-mlp-fashion", "paper-vgg8b-mnist",
                                     "paper-vgg8b-fashion" };
  const LwPreset *p;

  g_assert_no_error (error);
  g_assert_cmpuint (lw_preset_list_count (list), ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      LwModelConfig config;
      g_autoptr (LwModel) model = NULL;

      p = lw_preset_list_get (list, i);
      g_assert_cmpstr (p->id, ==, ids[i]);
      g_assert_false (p->user);
      /* The networks alone, then the paper's recipes. */
      if (i < 7)
        g_assert_cmpuint (p->sets, ==, 0);
      else
        g_assert_true (g_str_has_prefix (p->label, "Paper: "));
      g_assert_cmpstr (p->label, !=, p->id);
      /* Every one builds. */
      lw_model_config_init (&config);
      config.batch_size = 2;
      lw_preset_apply_model (p, &config);
      model = lw_model_new (&config, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lw_model_n_blocks (model), ==, lw_model_config_n_blocks (&config));
    }
  p = lw_preset_list_lookup (list, "3x1024");
  g_assert_cmpint (p->arch, ==, LW_ARCH_MLP);
  g_assert_cmpuint (p->num_layers, ==, 3);
  g_assert_cmpuint (p->num_hidden, ==, 1024);
  g_assert_cmpstr (p->label, ==, "MLP 3 blocks × 1024 units (paper)");
  g_assert_true (lw_preset_list_lookup (list, "small") == lw_preset_list_lookup (list, "3x256"));
  g_assert_cmpint (lw_preset_list_lookup (list, "vgg-mini")->arch, ==, LW_ARCH_VGG_MINI);
  g_assert_null (lw_preset_list_lookup (list, "vgg9"));
  g_assert_cmpint (lw_preset_list_find (list, LW_ARCH_MLP, 6, 256), ==, 4);
  g_assert_cmpint (lw_preset_list_find (list, LW_ARCH_VGG_MINI, 3, 1024), ==, -1);
}

/* The paper's recipes (docs/method.md §7, the reference's
 * run_experiments.sh), predsim with leaky ReLU. */
static void
check_recipe (const LwPresetList *list, const char *id, LwArch arch, LwDatasetKind dataset,
              double dropout, const char *milestones, guint epochs, guint dim_in_decoder)
{
  const LwPreset *p = lw_preset_list_lookup (list, id);
  g_autofree char *text = NULL;
  LwModelConfig config;

  g_assert_nonnull (p);
  g_assert_cmpint (p->arch, ==, arch);
  g_assert_cmpuint (p->num_layers, ==, arch == LW_ARCH_MLP ? 3 : 1);
  g_assert_cmpuint (p->num_hidden, ==, 1024);
  g_assert_cmpint (p->dataset, ==, dataset);
  g_assert_cmpint (p->loss, ==, LW_LOSS_PREDSIM);
  g_assert_cmpint (p->nonlin, ==, LW_NONLIN_LEAKY_RELU);
  g_assert_cmpfloat (p->dropout, ==, dropout);
  g_assert_cmpfloat (p->lr, ==, 5e-4);
  text = lw_lr_schedule_milestones_text (&p->lr_schedule);
  g_assert_cmpstr (text, ==, milestones);
  g_assert_cmpfloat (p->lr_schedule.factor, ==, 0.25);
  g_assert_cmpuint (p->epochs, ==, epochs);
  g_assert_cmpuint (p->batch_size, ==, 128);
  g_assert_cmpuint (!!(p->sets & LW_PRESET_SETS_DIM_IN_DECODER), ==, dim_in_decoder > 0);
  g_assert_cmpuint (p->sets & ~LW_PRESET_SETS_DIM_IN_DECODER, ==,
                    LW_PRESET_SETS_DATASET | LW_PRESET_SETS_LOSS | LW_PRESET_SETS_LR
                    | LW_PRESET_SETS_BATCH_SIZE | LW_PRESET_SETS_LR_SCHEDULE
                    | LW_PRESET_SETS_DROPOUT | LW_PRESET_SETS_NONLIN | LW_PRESET_SETS_EPOCHS);
  lw_model_config_init (&config);
  lw_preset_apply_model (p, &config);
  g_assert_cmpfloat (config.dropout, ==, (float) dropout);
  g_assert_cmpint (config.nonlin, ==, LW_NONLIN_LEAKY_RELU);
  if (dim_in_decoder > 0)
    g_assert_cmpuint (config.dim_in_decoder, ==, dim_in_decoder);
}

static void
test_paper_recipes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwPresetList) list = lw_preset_list_load_default (&error);

  g_assert_no_error (error);
  check_recipe (list, "paper-mlp-mnist", LW_ARCH_MLP, LW_DATASET_MNIST, 0.1, "50,75,89,94", 100, 0);
  check_recipe (list, "paper-mlp-fashion", LW_ARCH_MLP, LW_DATASET_FASHION_MNIST, 0.025,
                "100,150,175,188", 200, 0);
  check_recipe (list, "paper-vgg8b-mnist", LW_ARCH_VGG8B, LW_DATASET_MNIST, 0.2, "50,75,89,94",
                100, 1024);
  check_recipe (list, "paper-vgg8b-fashion", LW_ARCH_VGG8B, LW_DATASET_FASHION_MNIST, 0.1,
                "100,150,175,188", 200, 1024);
}

static void
test_every_key (void)
{
  static const char text[] =
    "# a comment\n"
    "[recipe]\n"
    "label=My recipe\n"
    "label[de]=Mein Rezept\n"
    "arch=vgg-mini\n"
    "layers=2\n"
    "hidden=128\n"
    "dataset=fashion-mnist\n"
    "loss=pred-bpf\n"
    "lr=2.5e-3\n"
    "beta=0.01\n"
    "batch-size=64\n"
    "seed=9007199254740991\n"
    "dropout=0.2\n"
    "nonlin=leakyrelu\n"
    "dim-in-decoder=512\n"
    "lr-milestones= 5, 8 \n"
    "lr-decay-factor=0.5\n"
    "epochs=10\n"
    "\n"
    "[factor-only]\n"
    "arch=mlp\n"
    "lr-decay-factor=1\n"
    "\n"
    "[bare]\n"
    "arch=vgg8b\n";
  g_autoptr (LwPresetList) list = lw_preset_list_new ();
  g_autoptr (GError) error = NULL;
  const LwPreset *p;
  LwModelConfig config;

  g_assert_true (lw_preset_list_add_data (list, text, strlen (text), "test.ini", TRUE, &error));
  g_assert_no_error (error);
  p = lw_preset_list_lookup (list, "recipe");
  g_assert_true (p->user);
  g_assert_cmpint (p->arch, ==, LW_ARCH_VGG_MINI);
  g_assert_cmpuint (p->num_layers, ==, 2);
  g_assert_cmpuint (p->num_hidden, ==, 128);
  g_assert_cmpint (p->dataset, ==, LW_DATASET_FASHION_MNIST);
  g_assert_cmpint (p->loss, ==, LW_LOSS_PRED_BPF);
  g_assert_cmpfloat (p->lr, ==, 2.5e-3);
  g_assert_cmpfloat (p->beta, ==, 0.01);
  g_assert_cmpuint (p->batch_size, ==, 64);
  g_assert_cmpuint (p->seed, ==, LW_PRESET_SEED_MAX);
  g_assert_cmpfloat (p->dropout, ==, 0.2);
  g_assert_cmpint (p->nonlin, ==, LW_NONLIN_LEAKY_RELU);
  g_assert_cmpuint (p->dim_in_decoder, ==, 512);
  g_assert_cmpuint (p->lr_schedule.n_milestones, ==, 2);
  g_assert_cmpuint (p->lr_schedule.milestones[0], ==, 5);
  g_assert_cmpuint (p->lr_schedule.milestones[1], ==, 8);
  g_assert_cmpfloat (p->lr_schedule.factor, ==, 0.5);
  g_assert_cmpuint (p->epochs, ==, 10);
  g_assert_cmpuint (p->sets, ==, LW_PRESET_SETS_DATASET | LW_PRESET_SETS_LOSS | LW_PRESET_SETS_LR
                                 | LW_PRESET_SETS_BETA | LW_PRESET_SETS_BATCH_SIZE
                                 | LW_PRESET_SETS_SEED | LW_PRESET_SETS_DROPOUT
                                 | LW_PRESET_SETS_NONLIN | LW_PRESET_SETS_DIM_IN_DECODER
                                 | LW_PRESET_SETS_LR_SCHEDULE | LW_PRESET_SETS_EPOCHS);

  lw_model_config_init (&config);
  lw_preset_apply_model (p, &config);
  g_assert_cmpint (config.loss, ==, LW_LOSS_PRED_BPF);
  g_assert_cmpfloat (config.lr, ==, 2.5e-3f);
  g_assert_cmpfloat (config.beta, ==, 0.01f);
  g_assert_cmpuint (config.batch_size, ==, 64);
  g_assert_cmpfloat (config.dropout, ==, 0.2f);
  g_assert_cmpint (config.nonlin, ==, LW_NONLIN_LEAKY_RELU);
  g_assert_cmpuint (config.dim_in_decoder, ==, 512);

  /* A factor alone: no milestones. */
  p = lw_preset_list_lookup (list, "factor-only");
  g_assert_cmpuint (p->sets, ==, LW_PRESET_SETS_LR_SCHEDULE);
  g_assert_cmpuint (p->lr_schedule.n_milestones, ==, 0);
  g_assert_cmpfloat (p->lr_schedule.factor, ==, 1.0);

  /* Only the network: the architecture's own FC part, its own rate, the
   * rest left as it was. */
  p = lw_preset_list_lookup (list, "bare");
  g_assert_cmpuint (p->sets, ==, 0);
  g_assert_cmpstr (p->label, ==, "bare");
  g_assert_cmpuint (p->num_layers, ==, 1);
  g_assert_cmpuint (p->num_hidden, ==, 1024);
  lw_preset_apply_model (p, &config);
  g_assert_cmpint (config.arch, ==, LW_ARCH_VGG8B);
  g_assert_cmpfloat (config.lr, ==, lw_arch_default_lr (LW_ARCH_VGG8B));
  g_assert_cmpint (config.loss, ==, LW_LOSS_PRED_BPF);
}

typedef struct {
  const char *text;
  const char *must_say;       /* the line or the key, and the value */
} BadFile;

static const BadFile bad_files[] = {
  { "[a]\narch=mlp\nlayers two\n", "bad.ini, line 3: “layers two”" },
  { "arch=mlp\n", "bad.ini" },
  { "[a]\narch=mlp\n[b\n", "bad.ini, line 3" },
  { "[a]\narch=transformer\n", "preset [a], key arch: “transformer”" },
  { "[a]\nlayers=2\n", "preset [a] has no arch key" },
  { "[a]\narch=mlp\nlayers=0\n", "preset [a], key layers: “0” is not a whole number from 1 to 32" },
  { "[a]\narch=mlp\nlayers=33\n", "key layers: “33”" },
  { "[a]\narch=mlp\nhidden=-5\n", "key hidden: “-5”" },
  { "[a]\narch=mlp\nlr=0\n", "key lr: “0” is not a number above 0" },
  { "[a]\narch=mlp\nlr=nan\n", "key lr: “nan”" },
  { "[a]\narch=mlp\nlr=1e-3x\n", "key lr: “1e-3x”" },
  { "[a]\narch=mlp\nbeta=1.5\n", "key beta: “1.5” is not a number from 0 to 1" },
  { "[a]\narch=mlp\nbatch-size=4096\n", "key batch-size: “4096”" },
  { "[a]\narch=mlp\nseed=-1\n", "key seed: “-1”" },
  /* 2^53: the window's seed box would show it rounded. */
  { "[a]\narch=mlp\nseed=9007199254740992\n",
    "key seed: “9007199254740992” is not a whole number from 0 to 9007199254740991" },
  { "[a]\narch=mlp\ndataset=mnist\ndata-dir=digits\n", "key data-dir: “digits” is not a whole path" },
  { "[a]\narch=mlp\ndata-dir=/data/digits\n", "preset [a]: data-dir needs a dataset key" },
  { "[a]\narch=mlp\nloss=hebb\n", "key loss: “hebb”" },
  { "[a]\narch=mlp\ndataset=imagenet\n", "key dataset: “imagenet”" },
  { "[a]\narch=mlp\nlearning-rate=1e-3\n", "preset [a]: unknown key learning-rate" },
  { "[ a]\narch=mlp\n", "“ a” cannot name a preset" },
  { "[a]\narch=mlp\n[b]\narch=mlp\nlr=x\n", "preset [b], key lr" },
  { "[a]\narch=mlp\n\xff\n", "bad.ini: not UTF-8" },
  /* The new keys take the CLI's (and the window's) rules and messages. */
  { "[a]\narch=mlp\ndropout=0.97\n",
    "preset [a], key dropout: dropout 0.97 is out of range: it must be between 0 and 0.95" },
  { "[a]\narch=mlp\ndropout=lots\n", "key dropout: “lots” is not a number" },
  { "[a]\narch=mlp\nnonlin=tanh\n", "key nonlin: “tanh” is not a non-linearity (relu, leakyrelu)" },
  { "[a]\narch=mlp\ndim-in-decoder=0\n", "key dim-in-decoder: “0” is not a whole number from 1 to 1048576" },
  { "[a]\narch=mlp\nepochs=0\n", "key epochs: “0” is not a whole number from 1 to 1000000" },
  { "[a]\narch=mlp\nlr-milestones=75,50\n",
    "preset [a], key lr-milestones: milestones must increase: 50 after 75" },
  { "[a]\narch=mlp\nlr-milestones=50,x\n",
    "key lr-milestones: 'x' is not an epoch; expected whole numbers such as 50,75,89,94" },
  { "[a]\narch=mlp\nlr-milestones=0\n", "key lr-milestones: milestone 0 is out of range" },
  { "[a]\narch=mlp\nlr-milestones=50\nlr-decay-factor=2\n",
    "preset [a], key lr-decay-factor: learning-rate decay factor 2 is out of range: "
    "it must be above 0 and at most 1" },
  { "[a]\narch=mlp\nlr-decay-factor=quarter\n", "key lr-decay-factor: “quarter” is not a number" },
};

/* Refused with a message that names the file and the line or key, and
 * nothing of the file is added, not even its good presets. */
static void
test_bad_file (gconstpointer data)
{
  const BadFile *bad = data;
  g_autoptr (LwPresetList) list = lw_preset_list_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (lw_preset_list_add_data (list, bad->text, strlen (bad->text), "bad.ini",
                                           TRUE, &error));
  g_assert_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE);
  g_test_message ("%s", error->message);
  if (strstr (error->message, bad->must_say) == NULL)
    g_error ("“%s” does not say “%s”", error->message, bad->must_say);
  g_assert_cmpuint (lw_preset_list_count (list), ==, 0);
}

static char *
user_file (const char *text)
{
  char *path = g_build_filename (tmp_dir, "layerwise", "presets.ini", NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  if (text != NULL)
    g_assert_true (g_file_set_contents (path, text, -1, NULL));
  else
    g_unlink (path);
  return path;
}

/* The user's file comes after the built-in presets and may replace one;
 * a bad one leaves the built-in presets and says what is wrong. */
static void
test_user_file (void)
{
  g_autofree char *path = user_file ("[3x256]\narch=mlp\nlayers=3\nhidden=256\nloss=bp\n"
                                     "[mine]\narch=mlp\nlayers=1\nhidden=64\n");
  g_autoptr (LwPresetList) list = NULL;
  g_autoptr (LwPresetList) broken = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *names = NULL;

  list = lw_preset_list_load_default (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (lw_preset_list_count (list), ==, 12);
  g_assert_true (lw_preset_list_lookup (list, "3x256")->user);
  g_assert_cmpint (lw_preset_list_lookup (list, "3x256")->loss, ==, LW_LOSS_BP);
  g_assert_cmpint (lw_preset_list_find (list, LW_ARCH_MLP, 3, 256), ==, 1);
  g_assert_cmpint (lw_preset_list_find (list, LW_ARCH_MLP, 1, 64), ==, 11);
  names = lw_preset_list_names (list);
  g_assert_cmpstr (names, ==, "1x256, 3x256, 3x512, 3x1024, 6x256, vgg-mini, vgg8b, "
                   "paper-mlp-mnist, paper-mlp-fashion, paper-vgg8b-mnist, paper-vgg8b-fashion, mine");

  g_free (user_file ("[mine]\narch=mlp\nbeta=2\n"));
  broken = lw_preset_list_load_default (&error);
  g_assert_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "key beta"));
  g_assert_cmpuint (lw_preset_list_count (broken), ==, 11);
  g_assert_null (lw_preset_list_lookup (broken, "mine"));
  g_free (user_file (NULL));
}

/* A save writes what reads back the same, beside what the file held. */
static void
test_save (void)
{
  g_autofree char *path = user_file ("# my presets\n[other]\narch=mlp\nlayers=2\nhidden=32\n");
  g_autoptr (LwPresetList) list = lw_preset_list_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  LwPreset p = {
    .id = (char *) "fashion bp", .label = (char *) "fashion bp", .arch = LW_ARCH_MLP,
    .num_layers = 3, .num_hidden = 512,
    .sets = LW_PRESET_SETS_DATASET | LW_PRESET_SETS_LOSS | LW_PRESET_SETS_LR
            | LW_PRESET_SETS_BETA | LW_PRESET_SETS_BATCH_SIZE | LW_PRESET_SETS_SEED
            | LW_PRESET_SETS_LR_SCHEDULE | LW_PRESET_SETS_DROPOUT | LW_PRESET_SETS_NONLIN
            | LW_PRESET_SETS_DIM_IN_DECODER | LW_PRESET_SETS_EPOCHS,
    .dataset = LW_DATASET_FASHION_MNIST, .loss = LW_LOSS_BP, .lr = 1.5e-3, .beta = 0.5,
    .batch_size = 256, .seed = 42,
    .lr_schedule = { .milestones = { 100, 150, 175, 188 }, .n_milestones = 4, .factor = 0.25 },
    .dropout = 0.025, .nonlin = LW_NONLIN_RELU, .dim_in_decoder = 2048, .epochs = 200,
  };
  const LwPreset *back;

  g_assert_true (lw_preset_save (&p, path, &error));
  g_assert_no_error (error);
  p.lr = 2e-3;                /* saved again: replaced, not added */
  g_assert_true (lw_preset_save (&p, path, &error));
  g_assert_true (lw_preset_list_add_file (list, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lw_preset_list_count (list), ==, 2);
  g_assert_nonnull (lw_preset_list_lookup (list, "other"));
  back = lw_preset_list_lookup (list, "fashion bp");
  g_assert_nonnull (back);
  g_assert_cmpint (back->arch, ==, p.arch);
  g_assert_cmpuint (back->num_layers, ==, 3);
  g_assert_cmpuint (back->num_hidden, ==, 512);
  g_assert_cmpuint (back->sets, ==, p.sets);
  g_assert_cmpint (back->dataset, ==, LW_DATASET_FASHION_MNIST);
  g_assert_cmpint (back->loss, ==, LW_LOSS_BP);
  g_assert_cmpfloat (back->lr, ==, 2e-3);
  g_assert_cmpfloat (back->beta, ==, 0.5);
  g_assert_cmpuint (back->batch_size, ==, 256);
  g_assert_cmpuint (back->seed, ==, 42);
  g_assert_true (lw_lr_schedule_equal (&back->lr_schedule, &p.lr_schedule));
  g_assert_cmpfloat (back->dropout, ==, 0.025);
  g_assert_cmpint (back->nonlin, ==, LW_NONLIN_RELU);
  g_assert_cmpuint (back->dim_in_decoder, ==, 2048);
  g_assert_cmpuint (back->epochs, ==, 200);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "lr-milestones=100,150,175,188\n"));
  g_assert_nonnull (strstr (text, "# my presets"));

  /* A value the next read would refuse (a window run's rate may be above
   * a preset's range) is not written: the file keeps what it had, and
   * the message names the key. */
  p.lr = 1e20;
  g_assert_false (lw_preset_save (&p, path, &error));
  g_assert_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "lr"));
  g_clear_error (&error);
  {
    g_autofree char *after = NULL;

    g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
    g_assert_cmpstr (after, ==, text);
  }
  p.lr = 2e-3;

  /* Names that cannot be a group are refused, and nothing is written. */
  p.id = (char *) "";
  g_assert_false (lw_preset_save (&p, path, &error));
  g_assert_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_NAME);
  g_clear_error (&error);
  p.id = (char *) "a]b";
  g_assert_false (lw_preset_save (&p, path, &error));
  g_assert_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_NAME);
  g_clear_error (&error);

  /* A file that is not a key file is not overwritten. */
  g_free (user_file ("[broken\n"));
  p.id = (char *) "fine";
  g_assert_false (lw_preset_save (&p, path, &error));
  g_assert_nonnull (strstr (error->message, path));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "[broken\n");
  g_free (user_file (NULL));
}

/* A name of at most 64 characters, in the file and in a save. */
static void
test_name_length (void)
{
  g_autofree char *longest = g_strnfill (LW_PRESET_NAME_MAX_CHARS, 'n');
  g_autofree char *too_long = g_strnfill (LW_PRESET_NAME_MAX_CHARS + 1, 'n');
  g_autofree char *text = g_strdup_printf ("[%s]\narch=mlp\n[%s]\narch=mlp\n", longest, too_long);
  g_autoptr (LwPresetList) list = lw_preset_list_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (lw_preset_name_check (longest, &error));
  g_assert_no_error (error);
  g_assert_false (lw_preset_name_check (too_long, &error));
  g_assert_error (error, LW_PRESET_ERROR, LW_PRESET_ERROR_NAME);
  g_assert_cmpstr (error->message, ==, "A preset name has at most 64 characters; this one has 65");
  g_clear_error (&error);

  g_assert_false (lw_preset_list_add_data (list, text, strlen (text), "long.ini", TRUE, &error));
  g_assert_nonnull (strstr (error->message, "long.ini: A preset name has at most 64 characters"));
  g_assert_cmpuint (lw_preset_list_count (list), ==, 0);
}

/* data-dir= keeps the dataset's folder; a save writes it, a load reads
 * it back; a preset without a folder has none. */
static void
test_data_dir (void)
{
  g_autofree char *path = user_file (NULL);
  g_autoptr (LwPresetList) list = lw_preset_list_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  LwPreset p = {
    .id = (char *) "digits", .label = (char *) "digits", .arch = LW_ARCH_MLP,
    .num_layers = 1, .num_hidden = 64, .sets = LW_PRESET_SETS_DATASET | LW_PRESET_SETS_SEED,
    .dataset = LW_DATASET_MNIST, .data_dir = (char *) "/data/my digits", .seed = LW_PRESET_SEED_MAX,
  };

  g_assert_true (lw_preset_save (&p, path, &error));
  g_assert_no_error (error);
  p.id = (char *) "plain";
  p.data_dir = NULL;
  g_assert_true (lw_preset_save (&p, path, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "data-dir=/data/my digits\n"));
  g_assert_true (lw_preset_list_add_file (list, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (lw_preset_list_lookup (list, "digits")->data_dir, ==, "/data/my digits");
  g_assert_cmpint (lw_preset_list_lookup (list, "digits")->dataset, ==, LW_DATASET_MNIST);
  g_assert_cmpuint (lw_preset_list_lookup (list, "digits")->seed, ==, LW_PRESET_SEED_MAX);
  g_assert_null (lw_preset_list_lookup (list, "plain")->data_dir);

  /* A seed the window cannot show is not saved. */
  p.seed = LW_PRESET_SEED_MAX + 1;
  g_assert_false (lw_preset_save (&p, path, &error));
  g_assert_nonnull (strstr (error->message, "the seed 9007199254740992 is above 9007199254740991"));
  g_free (user_file (NULL));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("layerwise-presets-XXXXXX", NULL);
  /* The user's file is looked for here. */
  g_setenv ("XDG_CONFIG_HOME", tmp_dir, TRUE);
  /* The labels in English, whatever the language of the one running it. */
  g_setenv ("LANGUAGE", "C", TRUE);

  g_test_add_func ("/presets/builtin", test_builtin);
  g_test_add_func ("/presets/paper-recipes", test_paper_recipes);
  g_test_add_func ("/presets/every-key", test_every_key);
  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autofree char *path = g_strdup_printf ("/presets/bad/%u", i);

      g_test_add_data_func (path, &bad_files[i], test_bad_file);
    }
  g_test_add_func ("/presets/user-file", test_user_file);
  g_test_add_func ("/presets/save", test_save);
  g_test_add_func ("/presets/name-length", test_name_length);
  g_test_add_func ("/presets/data-dir", test_data_dir);
  status = g_test_run ();
  {
    g_autofree char *dir = g_build_filename (tmp_dir, "layerwise", NULL);

    g_rmdir (dir);
    g_rmdir (tmp_dir);
  }
  g_free (tmp_dir);
  return status;
}
