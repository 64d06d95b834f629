/* fuzz-run-file.c: libFuzzer target for the run-file reader. Every input
 * is read as it is, and again with its last four bytes set to the CRC-32
 * of the rest, so the fuzzer reaches the section table and the sections
 * past the checksum it cannot forge. An accepted file must write back to
 * bytes that read as the same sections; each section's own reader must
 * take or refuse what is in it. */
#include "fuzz-target.h"
#include "runfile/lw-run-file.h"
#include "runfile/lw-run-sections.h"
#include "engine/lw-model.h"
#include "engine/lw-model-state.h"

#include <zlib.h>

static const guint32 tags[] = {
  LW_RUN_SECTION_CONFIG, LW_RUN_SECTION_MODEL,
  LW_RUN_SECTION_POSITION, LW_RUN_SECTION_INTERVENTIONS,
};

/* A refusal says something; frees it and clears *error for the next call. */
static void
check_refusal (GError **error)
{
  g_assert_nonnull (*error);
  g_assert_nonnull ((*error)->message);
  g_assert_cmpuint (strlen ((*error)->message), >, 0);
  g_clear_error (error);
}

/* An MLP this small builds in well under a millisecond; anything larger
 * the fuzzer would spend its time allocating. */
static gboolean
small_model (const LwModelConfig *c)
{
  return c->arch == LW_ARCH_MLP
         && (guint64) c->in_channels * c->in_height * c->in_width <= 4096
         && (guint64) c->num_layers * c->num_hidden <= 64
         && c->n_classes <= 100 && c->batch_size <= 256 && c->target_proj_size <= 256;
}

static void
read_model (GKeyFile *kf, guint version, GBytes *state)
{
  LwModelConfig config;
  LwModel *model;
  GError *error = NULL;

  lw_model_config_init (&config);
  if (!lw_run_config_get_model (kf, version, &config, &error))
    {
      check_refusal (&error);
      return;
    }
  if (state == NULL || !small_model (&config))
    return;
  model = lw_model_new (&config, &error);
  if (model == NULL)
    {
      check_refusal (&error);
      return;
    }
  if (!lw_model_state_read (model, g_bytes_get_data (state, NULL), g_bytes_get_size (state), &error))
    check_refusal (&error);
  lw_model_free (model);
}

static void
read_sections (const LwRunFile *file)
{
  GBytes *conf = lw_run_file_get_section (file, LW_RUN_SECTION_CONFIG);
  GBytes *posn = lw_run_file_get_section (file, LW_RUN_SECTION_POSITION);
  GBytes *intv = lw_run_file_get_section (file, LW_RUN_SECTION_INTERVENTIONS);
  GError *error = NULL;

  if (conf != NULL)
    {
      GKeyFile *kf = lw_run_config_from_bytes (conf, &error);

      if (kf == NULL)
        check_refusal (&error);
      else
        {
          if (!lw_run_config_check_writer (kf, "layerwise-cli", &error))
            check_refusal (&error);
          read_model (kf, lw_run_file_get_version (file),
                      lw_run_file_get_section (file, LW_RUN_SECTION_MODEL));
          g_key_file_free (kf);
        }
    }
  if (posn != NULL)
    {
      LwRunPosition pos;

      if (!lw_run_position_from_bytes (posn, &pos, &error))
        check_refusal (&error);
    }
  if (intv != NULL)
    {
      GArray *list = lw_run_interventions_from_bytes (intv, &error);

      if (list == NULL)
        check_refusal (&error);
      else
        g_array_unref (list);
    }
}

/* Written back and read again, the file holds the same sections. */
static void
check_round_trip (const LwRunFile *file)
{
  g_autoptr(GBytes) bytes = lw_run_file_to_bytes (file);
  g_autoptr(LwRunFile) again = NULL;
  GError *error = NULL;

  again = lw_run_file_read_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      GBytes *a = lw_run_file_get_section (file, tags[i]);
      GBytes *b = lw_run_file_get_section (again, tags[i]);

      g_assert_true ((a == NULL) == (b == NULL));
      if (a != NULL)
        g_assert_true (g_bytes_equal (a, b));
    }
}

static void
read_file (const guint8 *data, size_t size)
{
  g_autoptr(LwRunFile) file = NULL;
  GError *error = NULL;

  file = lw_run_file_read_bytes (data, size, &error);
  if (file == NULL)
    {
      check_refusal (&error);
      return;
    }
  g_assert_null (error);
  check_round_trip (file);
  read_sections (file);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  read_file (data, size);
  if (size >= 4)
    {
      g_autofree guint8 *fixed = fuzz_copy (data, size);
      guint32 crc = (guint32) crc32 (0, fixed, (uInt) (size - 4));

      fixed[size - 4] = crc & 0xff;
      fixed[size - 3] = (crc >> 8) & 0xff;
      fixed[size - 2] = (crc >> 16) & 0xff;
      fixed[size - 1] = crc >> 24;
      read_file (fixed, size);
    }
  return 0;
}
