/* test-run-fixtures.c: every run file Layerwise ever wrote still opens.
 *
 * tests/fixtures/ holds, for each format version N from 1 to
 * LW_RUN_FILE_VERSION, three files written by that version's build
 * (tests/make-run-fixtures.sh): cli-mlp-vN, cli-conv-vN and window-mlp-vN.
 * Each is read here as today's program reads it: the container, the
 * settings (with the version's implied values for later keys), the model
 * state into a model built from them, the position, the marks; a window
 * run is restored into a run on its dataset and trains on. test-cli and
 * test-session-files go on with the CLI's and the window's files through
 * --resume and Open Run. */
#include <string.h>

#include <glib.h>

#include "engine/lw-model-state.h"
#include "runfile/lw-run-file.h"
#include "runfile/lw-run-sections.h"
#include "session/lw-run-disk.h"
#include "session/lw-run.h"

static const char *const kinds[] = { "cli-mlp", "cli-conv", "window-mlp" };

static char *
fixture_path (const char *kind, guint version)
{
  g_autofree char *name = g_strdup_printf ("%s-v%u.lwrun", kind, version);

  return g_test_build_filename (G_TEST_DIST, "fixtures", name, NULL);
}

/* Each version up to today's has its three files: a format change
 * without fixtures fails here. */
static void
test_every_version_has_fixtures (void)
{
  for (guint v = 1; v <= LW_RUN_FILE_VERSION; v++)
    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        g_autofree char *path = fixture_path (kinds[k], v);

        if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
          g_error ("%s is missing: run tests/make-run-fixtures.sh with the build of format %u", path,
                   v);
      }
}

typedef struct {
  const char *kind;
  guint version;
} Fixture;

/* The bpf losses' label code: one per block from this format on. */
#define FIRST_VERSION_PER_BLOCK_CODES 3
/* --no-batch-norm, --no-similarity-std, --no-detach: from this format on. */
#define FIRST_VERSION_SWITCHES 4
/* The data seed came with format 5 (the fixtures' is 3); before, 0: the
 * weights' seed drew the batches. */
#define FIRST_VERSION_DATA_SEED 5

/* The sections both programs write, read as today's program reads them. */
static void
check_common (LwRunFile *f, const Fixture *fx, LwModelConfig *config, LwRunPosition *pos)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GKeyFile) kf = NULL;
  g_autoptr (GArray) marks = NULL;
  g_autoptr (LwModel) model = NULL;
  GBytes *conf, *state, *position, *intv;
  const char *writer = g_str_has_prefix (fx->kind, "cli-") ? "layerwise-cli" : "layerwise";

  g_assert_cmpuint (lw_run_file_get_version (f), ==, fx->version);
  conf = lw_run_file_require (f, LW_RUN_SECTION_CONFIG, &error);
  g_assert_no_error (error);
  kf = lw_run_config_from_bytes (conf, &error);
  g_assert_no_error (error);
  g_assert_true (lw_run_config_check_writer (kf, writer, &error));
  g_assert_true (lw_run_config_get_model (kf, fx->version, config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (config->arch, ==,
                   g_str_equal (fx->kind, "cli-conv") ? LW_ARCH_VGG_MINI : LW_ARCH_MLP);
  /* Runs before format 3 were trained with one label projection for
   * every block, and go on with it. */
  g_assert_cmpint (config->shared_target_proj, ==, fx->version < FIRST_VERSION_PER_BLOCK_CODES);
  /* The reference's switches: stored from format 4, off before (and off
   * in every fixture). */
  g_assert_cmpint (g_key_file_has_key (kf, "model", "no_detach", NULL), ==,
                   fx->version >= FIRST_VERSION_SWITCHES);
  g_assert_cmpint (g_key_file_has_key (kf, "model", "no_batch_norm", NULL), ==,
                   fx->version >= FIRST_VERSION_SWITCHES);
  g_assert_false (config->no_batch_norm);
  g_assert_false (config->no_similarity_std);
  g_assert_false (config->no_detach);

  model = lw_model_new (config, &error);
  g_assert_no_error (error);
  state = lw_run_file_require (f, LW_RUN_SECTION_MODEL, &error);
  g_assert_no_error (error);
  g_assert_true (lw_model_state_read (model, g_bytes_get_data (state, NULL),
                                      g_bytes_get_size (state), &error));
  g_assert_no_error (error);

  position = lw_run_file_require (f, LW_RUN_SECTION_POSITION, &error);
  g_assert_no_error (error);
  g_assert_true (lw_run_position_from_bytes (position, pos, &error));
  g_assert_cmpuint (pos->step, >, 0);

  intv = lw_run_file_require (f, LW_RUN_SECTION_INTERVENTIONS, &error);
  g_assert_no_error (error);
  marks = lw_run_interventions_from_bytes (intv, &error);
  g_assert_no_error (error);
  if (g_str_equal (fx->kind, "cli-mlp"))
    {
      g_autofree char *data_seed = g_key_file_get_string (kf, "layerwise-cli", "data-seed", NULL);

      g_assert_cmpuint (marks->len, ==, 2);   /* plain batches from epoch 2, the lr milestone */
      g_assert_cmpstr (data_seed, ==, fx->version >= FIRST_VERSION_DATA_SEED ? "3" : NULL);
    }
}

/* Runs stopped getting a reset mark after format 2: fixtures up to it
 * hold one (and prove it opens), later ones cannot. */
#define LAST_VERSION_WITH_RESET_MARK 2
/* The window's [session] lr_milestones and lr_decay_factor. */
#define FIRST_VERSION_LR_SCHEDULE 4

/* The no-detach switch's mark came with format 4. */
#define FIRST_VERSION_WITH_DETACH_MARK 4
#define FIRST_VERSION_WITH_FORK_MARK 5

/* A window run: restored into a run on its own dataset, with every mark
 * kind it can hold, and ten more steps. */
static void
check_window_run (const char *path, guint version)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LwRunFile) again = NULL;
  g_autoptr (LwDataset) ds = NULL;
  LwRunSettings settings;
  LwRun *run;
  gboolean seen[LW_N_MARK_KINDS] = { FALSE };
  guint64 step;

  again = lw_run_disk_open (path, &settings, &error);
  g_assert_no_error (error);
  ds = lw_dataset_load (settings.dataset, settings.data_dir, &error);
  g_assert_no_error (error);
  lw_dataset_limit_train (ds, settings.limit_train);
  run = lw_run_new (ds, &settings, 1, &error);
  g_assert_no_error (error);
  g_assert_true (lw_run_disk_restore (run, again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lw_model_get_config (run->model)->shared_target_proj, ==,
                   version < FIRST_VERSION_PER_BLOCK_CODES);
  g_assert_cmpuint (settings.data_seed, ==, version >= FIRST_VERSION_DATA_SEED ? 3 : 0);

  for (guint i = 0; i < run->history->marks->len; i++)
    {
      const LwMark *m = &g_array_index (run->history->marks, LwMark, i);

      g_assert_cmpint (m->kind, <, LW_N_MARK_KINDS);
      seen[m->kind] = TRUE;
    }
  for (guint k = 0; k < LW_N_MARK_KINDS; k++)
    g_assert_true (seen[k] || (k == LW_MARK_RESET && version > LAST_VERSION_WITH_RESET_MARK)
                   || (k == LW_MARK_DETACH && version < FIRST_VERSION_WITH_DETACH_MARK)
                   || (k == LW_MARK_FORK && version < FIRST_VERSION_WITH_FORK_MARK));
  /* Turned on live, it comes back from the model state, not [model]. */
  g_assert_cmpint (lw_model_get_config (run->model)->no_detach, ==,
                   version >= FIRST_VERSION_WITH_DETACH_MARK);
  g_assert_cmpuint (run->history->series[LW_CURVE_TRAIN_ACC].n, >, 0);
  /* The schedule came in format 4: before, none. */
  if (version >= FIRST_VERSION_LR_SCHEDULE)
    {
      g_autofree char *text = lw_lr_schedule_milestones_text (&run->lr_schedule);
      gboolean milestone_mark = FALSE;

      g_assert_cmpstr (text, ==, "2,5,6");
      g_assert_cmpfloat (run->lr_schedule.factor, ==, 0.5);
      /* The rate set live (0.01), before the milestones halved it. */
      g_assert_cmpfloat (run->lr_base, ==, 0.01f);
      g_assert_cmpfloat (lw_model_get_config (run->model)->lr, <, 0.01f);
      for (guint i = 0; i < run->history->marks->len; i++)
        milestone_mark |= strstr (g_array_index (run->history->marks, LwMark, i).label,
                                  "milestone") != NULL;
      g_assert_true (milestone_mark);
    }
  else
    {
      g_assert_cmpuint (run->lr_schedule.n_milestones, ==, 0);
      g_assert_cmpfloat (run->lr_base, ==, lw_model_get_config (run->model)->lr);
    }

  step = run->step;
  for (guint i = 0; i < 10; i++)
    lw_run_step (run);
  lw_run_sync (run);
  g_assert_cmpuint (run->step, ==, step + 10);
  lw_run_free (run);
  lw_run_settings_clear (&settings);
}

static void
test_fixture (gconstpointer data)
{
  const Fixture *fx = data;
  g_autofree char *path = fixture_path (fx->kind, fx->version);
  g_autoptr (GError) error = NULL;
  g_autoptr (LwRunFile) f = lw_run_file_load (path, &error);
  LwModelConfig config;
  LwRunPosition pos;

  g_assert_no_error (error);
  check_common (f, fx, &config, &pos);
  if (g_str_equal (fx->kind, "window-mlp"))
    check_window_run (path, fx->version);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run-fixtures/every-version", test_every_version_has_fixtures);
  for (guint v = 1; v <= LW_RUN_FILE_VERSION; v++)
    for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        Fixture *fx = g_new (Fixture, 1);
        g_autofree char *name = g_strdup_printf ("/run-fixtures/v%u/%s", v, kinds[k]);

        *fx = (Fixture) { .kind = kinds[k], .version = v };
        g_ptr_array_add (cases, fx);
        g_test_add_data_func (name, fx, test_fixture);
      }
  return g_test_run ();
}
