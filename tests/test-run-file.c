/* test-run-file.c: the run-file container and its common sections. What
 * is saved reads back the same; every damaged, cut, foreign or newer file
 * is refused with a message that says which, never a crash. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "data/lw-dataset.h"
#include "engine/lw-bytes.h"
#include "runfile/lw-run-file.h"
#include "runfile/lw-run-sections.h"

static GBytes *
text_bytes (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

/* A small file with three sections, one of them empty. */
static GBytes *
sample_file (void)
{
  g_autoptr (LwRunFile) f = lw_run_file_new ();

  lw_run_file_take_section (f, LW_RUN_TAG ('A', 'A', 'A', 'A'), text_bytes ("first section"));
  lw_run_file_take_section (f, LW_RUN_TAG ('B', 'B', 'B', 'B'), g_bytes_new (NULL, 0));
  lw_run_file_take_section (f, LW_RUN_TAG ('C', 'C', 'C', 'C'), text_bytes ("third"));
  return lw_run_file_to_bytes (f);
}

static void
test_round_trip (void)
{
  g_autoptr (GBytes) bytes = sample_file ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LwRunFile) f = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GBytes *s;

  f = lw_run_file_read_bytes (data, len, &error);
  g_assert_no_error (error);
  s = lw_run_file_get_section (f, LW_RUN_TAG ('A', 'A', 'A', 'A'));
  g_assert_cmpmem (g_bytes_get_data (s, NULL), g_bytes_get_size (s), "first section", 13);
  g_assert_cmpuint (g_bytes_get_size (lw_run_file_get_section (f, LW_RUN_TAG ('B', 'B', 'B', 'B'))), ==, 0);
  g_assert_null (lw_run_file_get_section (f, LW_RUN_TAG ('D', 'D', 'D', 'D')));
  g_assert_null (lw_run_file_require (f, LW_RUN_SECTION_MODEL, &error));
  g_assert_nonnull (strstr (error->message, "no MODL section"));
}

/* Every prefix is refused as cut short (or, below the magic, as not a
 * run file at all when nothing is left to recognise). */
static void
test_truncated (void)
{
  g_autoptr (GBytes) bytes = sample_file ();
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize n = 0; n < len; n++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (lw_run_file_read_bytes (data, n, &error));
      g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_TRUNCATED);
    }
}

/* Flipping any bit of any byte is caught (the checksum, or the header
 * checks before it). */
static void
test_flipped (void)
{
  g_autoptr (GBytes) bytes = sample_file ();
  gsize len;
  g_autofree guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (bytes), &len);

  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit += 3)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (LwRunFile) f = NULL;

        copy[i] ^= (guint8) (1u << bit);
        f = lw_run_file_read_bytes (copy, len, &error);
        g_assert_null (f);
        g_assert_nonnull (error);
        copy[i] ^= (guint8) (1u << bit);
      }
  {
    g_autoptr (GError) error = NULL;

    copy[len / 2] ^= 0x10;
    g_assert_null (lw_run_file_read_bytes (copy, len, &error));
    g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "checksum"));
  }
}

static void
test_foreign (void)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0 };
  const char *text = "kind,epoch,step\nstep,1,20\n";
  g_autoptr (GError) error = NULL;

  g_assert_null (lw_run_file_read_bytes (png, sizeof png, &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_FOREIGN);
  g_assert_cmpstr (error->message, ==, "not a Layerwise run file");
  g_clear_error (&error);
  g_assert_null (lw_run_file_read_bytes ((const guint8 *) text, strlen (text), &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_FOREIGN);
}

/* The file with one header field replaced and its checksum made right
 * again, so only the field's own check can refuse it. */
static guint8 *
patched (GBytes *bytes, gsize offset, const void *value, gsize size, gsize *len)
{
  guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (bytes), len);
  guint32 crc;

  memcpy (copy + offset, value, size);
  crc = GUINT32_TO_LE ((guint32) crc32_z (crc32_z (0L, Z_NULL, 0), copy, *len - 4));
  memcpy (copy + *len - 4, &crc, 4);
  return copy;
}

static void
test_future_version (void)
{
  g_autoptr (GBytes) bytes = sample_file ();
  g_autoptr (GError) error = NULL;
  guint32 v2 = GUINT32_TO_LE (LW_RUN_FILE_VERSION + 1);
  gsize len;
  g_autofree guint8 *copy = patched (bytes, 8, &v2, 4, &len);

  g_assert_null (lw_run_file_read_bytes (copy, len, &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "newer Layerwise"));
}

/* A section table that points outside the file, or names a section
 * twice, or claims too many sections. */
static void
test_bad_table (void)
{
  g_autoptr (GBytes) bytes = sample_file ();
  const guint64 huge = GUINT64_TO_LE (G_MAXUINT64 - 3);
  const guint32 many = GUINT32_TO_LE (1000000), tag_a = GUINT32_TO_LE (LW_RUN_TAG ('A', 'A', 'A', 'A'));
  const struct { gsize offset; const void *value; gsize size; const char *message; } cases[] = {
    { 24 + 8, &huge, 8, "out of bounds" },        /* first offset */
    { 24 + 16, &huge, 8, "out of bounds" },       /* first length */
    { 24 + 24, &tag_a, 4, "twice" },              /* second tag */
    { 12, &many, 4, "sections" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize len;
      g_autofree guint8 *copy = patched (bytes, cases[i].offset, cases[i].value, cases[i].size, &len);

      g_assert_null (lw_run_file_read_bytes (copy, len, &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
}

/* Saving replaces the file whole and leaves no temporary file behind;
 * loading names the file in its errors. */
static void
test_save_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-run-file-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "run.lwrun", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.lwrun", NULL);
  g_autoptr (LwRunFile) f = lw_run_file_new ();
  g_autoptr (LwRunFile) back = NULL;
  g_autoptr (GDir) listing = NULL;
  GBytes *s;
  guint entries = 0;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "an older file, longer than the new one ...........",
                                      -1, NULL));
  lw_run_file_take_section (f, LW_RUN_SECTION_CONFIG, text_bytes ("[run]\nwriter=test\n"));
  g_assert_true (lw_run_file_save (f, path, &error));
  g_assert_no_error (error);
  back = lw_run_file_load (path, &error);
  g_assert_no_error (error);
  s = lw_run_file_get_section (back, LW_RUN_SECTION_CONFIG);
  g_assert_cmpuint (g_bytes_get_size (s), ==, strlen ("[run]\nwriter=test\n"));
  {
    /* Written in pieces, the same bytes as built in memory. */
    g_autoptr (GBytes) on_disk = NULL, in_memory = lw_run_file_to_bytes (f);
    char *data = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (path, &data, &len, NULL));
    on_disk = g_bytes_new_take (data, len);
    g_assert_true (g_bytes_equal (on_disk, in_memory));
  }

  listing = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (listing) != NULL)
    entries++;
  g_assert_cmpuint (entries, ==, 1);

  g_assert_null (lw_run_file_load (missing, &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.lwrun"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (missing, "", 0, NULL));
  g_assert_null (lw_run_file_load (missing, &error));
  g_assert_nonnull (strstr (error->message, "missing.lwrun: the file is empty"));

  g_unlink (path);
  g_unlink (missing);
  g_rmdir (dir);
}

static void
test_position (void)
{
  LwRunPosition pos = { .epoch = 3, .batch_pos = 17, .step = 251, .samples_seen = 32000 }, back;
  g_autoptr (GBytes) bytes = NULL, cut = NULL;
  g_autoptr (GError) error = NULL;

  lw_rng_init (&pos.epoch_shuffle_rng, 5, 1);
  lw_rng_init (&pos.augment_rng, 5, 2);
  bytes = lw_run_position_to_bytes (&pos);
  g_assert_true (lw_run_position_from_bytes (bytes, &back, &error));
  g_assert_cmpmem (&back, sizeof back, &pos, sizeof pos);

  cut = g_bytes_new_from_bytes (bytes, 0, g_bytes_get_size (bytes) - 1);
  g_assert_false (lw_run_position_from_bytes (cut, &back, &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT);
}

static void
test_interventions (void)
{
  g_autoptr (GArray) list = lw_run_interventions_new ();
  g_autoptr (GArray) back = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  g_autofree guint8 *lying = NULL;
  g_autoptr (GBytes) lying_bytes = NULL;

  lw_run_interventions_add (list, 1280, 1, "lr 0.001");
  lw_run_interventions_add (list, 5000, 4, "block 2 frozen – ünïcode");
  bytes = lw_run_interventions_to_bytes (list);
  back = lw_run_interventions_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 2);
  g_assert_cmpuint (g_array_index (back, LwRunIntervention, 1).samples, ==, 5000);
  g_assert_cmpuint (g_array_index (back, LwRunIntervention, 1).kind, ==, 4);
  g_assert_cmpstr (g_array_index (back, LwRunIntervention, 1).label, ==, "block 2 frozen – ünïcode");

  /* A count far beyond what the bytes hold. */
  lying = g_bytes_unref_to_data (g_bytes_ref (bytes), &len);
  lying[3] = 0x7f;
  lying_bytes = g_bytes_new_take (g_steal_pointer (&lying), len);
  g_assert_null (lw_run_interventions_from_bytes (lying_bytes, &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT);
}

static void
assert_same_config (const LwModelConfig *a, const LwModelConfig *b)
{
  g_assert_cmpint (a->arch, ==, b->arch);
  g_assert_cmpuint (a->in_channels, ==, b->in_channels);
  g_assert_cmpuint (a->in_height, ==, b->in_height);
  g_assert_cmpuint (a->in_width, ==, b->in_width);
  g_assert_cmpuint (a->n_classes, ==, b->n_classes);
  g_assert_cmpuint (a->num_layers, ==, b->num_layers);
  g_assert_cmpuint (a->num_hidden, ==, b->num_hidden);
  g_assert_cmpuint (a->feat_mult, ==, b->feat_mult);
  g_assert_cmpuint (a->dim_in_decoder, ==, b->dim_in_decoder);
  g_assert_cmpuint (a->batch_size, ==, b->batch_size);
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_true (a->beta == b->beta && a->lr == b->lr && a->dropout == b->dropout);
  g_assert_cmpint (a->nonlin, ==, b->nonlin);
  g_assert_cmpint (a->optim, ==, b->optim);
  g_assert_true (a->momentum == b->momentum && a->weight_decay == b->weight_decay);
  g_assert_cmpuint (a->target_proj_size, ==, b->target_proj_size);
  g_assert_cmpuint (a->seed, ==, b->seed);
}

/* The configuration reads back exactly (floats to the bit); a missing or
 * unknown value is named. */
static void
test_config_model (void)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GKeyFile) back = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  LwModelConfig c, r;

  lw_model_config_init (&c);
  c.arch = LW_ARCH_VGG_MINI;
  c.lr = 3e-3f;
  c.beta = 0.99f;
  c.dropout = 0.1f;
  c.seed = G_MAXUINT64;
  c.loss = LW_LOSS_SIM_BPF;
  lw_run_config_set_model (kf, &c);
  lw_run_config_set_writer (kf, "layerwise-cli");
  bytes = lw_run_config_to_bytes (kf);
  back = lw_run_config_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_true (lw_run_config_get_model (back, LW_RUN_FILE_VERSION, &r, &error));
  assert_same_config (&r, &c);
  g_assert_true (lw_run_config_check_writer (back, "layerwise-cli", &error));
  g_assert_false (lw_run_config_check_writer (back, "layerwise", &error));
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_INCOMPATIBLE);
  g_clear_error (&error);

  g_key_file_set_string (back, "model", "arch", "resnet");
  g_assert_false (lw_run_config_get_model (back, LW_RUN_FILE_VERSION, &r, &error));
  g_assert_nonnull (strstr (error->message, "[model] arch = resnet"));
  g_clear_error (&error);
  g_key_file_remove_key (back, "model", "lr", NULL);
  g_key_file_set_string (back, "model", "arch", "mlp");
  g_assert_false (lw_run_config_get_model (back, LW_RUN_FILE_VERSION, &r, &error));
  g_assert_nonnull (strstr (error->message, "lack [model] lr"));
  g_clear_error (&error);

  {
    g_autoptr (GBytes) binary = g_bytes_new_static ("\xff\xfe binary", 9);

    g_assert_null (lw_run_config_from_bytes (binary, &error));
    g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT);
  }
}


/* A file cut by another program while it loads (a sync client, cp,
 * rsync --inplace) is refused, never a crash: the loader reads it rather
 * than mapping it, where a shared mapping died of SIGBUS. The file is
 * sparse and large, so reading it takes longer than the delays. */
typedef struct {
  const char *path;
  guint delay_us;
} Cutter;

static gpointer
cut_file (gpointer data)
{
  const Cutter *c = data;

  g_usleep (c->delay_us);
  g_assert_cmpint (truncate (c->path, 4096), ==, 0);
  return NULL;
}

static void
test_cut_while_loading (void)
{
  const gsize size = (gsize) 128 << 20;
  const guint delays_us[] = { 0, 1000, 3000, 10000, 30000 };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-run-file-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "big.lwrun", NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (delays_us); i++)
    {
      g_autoptr (GByteArray) header = g_byte_array_new ();
      g_autoptr (LwRunFile) f = NULL;
      Cutter cutter = { .path = path, .delay_us = delays_us[i] };
      GThread *thread;
      FILE *out;
      static const guint8 magic[8] = { 0x89, 'L', 'W', 'R', 'U', 'N', '\r', '\n' };

      /* A header that promises size bytes, then holes. */
      g_byte_array_append (header, magic, sizeof magic);
      lw_bytes_put_u32 (header, LW_RUN_FILE_VERSION);
      lw_bytes_put_u32 (header, 0);
      lw_bytes_put_u64 (header, size);
      out = fopen (path, "wb");
      g_assert_nonnull (out);
      g_assert_cmpuint (fwrite (header->data, 1, header->len, out), ==, header->len);
      g_assert_cmpint (fclose (out), ==, 0);
      g_assert_cmpint (truncate (path, (off_t) size), ==, 0);

      thread = g_thread_new ("cutter", cut_file, &cutter);
      f = lw_run_file_load (path, &error);
      g_thread_join (thread);
      g_assert_null (f);
      /* Cut short when the cut came first, else the holes' checksum. */
      g_assert_true (g_error_matches (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_TRUNCATED)
                     || g_error_matches (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_CORRUPT));
      g_assert_true (g_str_has_prefix (error->message, path));
      g_test_message ("cut after %u us: %s", delays_us[i], error->message);
      g_clear_error (&error);
    }
  g_unlink (path);
  g_rmdir (dir);
}

/* Only regular files are read: a FIFO would block for ever, /dev/zero
 * never end, a folder is not a run; each is refused at once, named. */
static void
test_not_regular (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-run-file-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (dir, "pipe.lwrun", NULL);
  const char *paths[] = { fifo, "/dev/zero", dir };

  g_assert_no_error (error);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_assert_null (lw_run_file_load (paths[i], &error));
      g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_IO);
      g_assert_nonnull (strstr (error->message, paths[i]));
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
  g_unlink (fifo);
  g_rmdir (dir);
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (listing) != NULL)
    n++;
  return n;
}

static GBytes *
file_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

/* Saving through a symbolic link (absolute, relative, or to a file not
 * there yet) replaces the file it points to; the link stays a link. */
static void
test_save_through_link (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-run-file-XXXXXX", &error);
  g_autofree char *sub = g_build_filename (dir, "runs", NULL);
  g_autofree char *target = g_build_filename (sub, "run.lwrun", NULL);
  g_autofree char *abs_link = g_build_filename (dir, "abs.lwrun", NULL);
  g_autofree char *rel_link = g_build_filename (dir, "rel.lwrun", NULL);
  g_autofree char *chain = g_build_filename (dir, "chain.lwrun", NULL);
  g_autofree char *dangling = g_build_filename (dir, "new.lwrun", NULL);
  g_autofree char *new_target = g_build_filename (sub, "new-target.lwrun", NULL);
  const char *links[] = { abs_link, rel_link, chain };
  g_autoptr (LwRunFile) f = lw_run_file_new ();
  g_autoptr (GBytes) expected = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_true (g_file_set_contents (target, "old", -1, NULL));
  g_assert_cmpint (symlink (target, abs_link), ==, 0);
  g_assert_cmpint (symlink ("runs/run.lwrun", rel_link), ==, 0);
  g_assert_cmpint (symlink ("rel.lwrun", chain), ==, 0);
  g_assert_cmpint (symlink ("runs/new-target.lwrun", dangling), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autoptr (GBytes) on_disk = NULL;
      g_autofree char *sec = g_strdup_printf ("saved through link %u", i);

      lw_run_file_take_section (f, LW_RUN_SECTION_CONFIG, text_bytes (sec));
      g_clear_pointer (&expected, g_bytes_unref);
      expected = lw_run_file_to_bytes (f);
      g_assert_true (lw_run_file_save (f, links[i], &error));
      g_assert_no_error (error);
      g_assert_true (g_file_test (links[i], G_FILE_TEST_IS_SYMLINK));
      on_disk = file_bytes (target);
      g_assert_true (g_bytes_equal (on_disk, expected));
    }
  g_assert_true (lw_run_file_save (f, dangling, &error));
  g_assert_true (g_file_test (dangling, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (new_target, G_FILE_TEST_IS_REGULAR));
  /* Nothing left beside them: the run files and the links. */
  g_assert_cmpuint (count_entries (sub), ==, 2);
  g_assert_cmpuint (count_entries (dir), ==, 5);

  g_unlink (new_target);
  g_unlink (target);
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    g_unlink (links[i]);
  g_unlink (dangling);
  g_rmdir (sub);
  g_rmdir (dir);
}

/* A save killed half-way (the program crashed, or was killed) leaves the
 * previous file whole and no temporary file beside it: autosaves every
 * few minutes must not pile up run-sized leftovers. */
static void
test_killed_save_leaves_nothing (void)
{
  const guint delays_us[] = { 2000, 10000, 40000 };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-run-file-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "autosave.lwrun", NULL);
  g_autoptr (LwRunFile) big = lw_run_file_new ();
  g_autoptr (LwRunFile) small = lw_run_file_new ();
  g_autoptr (GBytes) before = NULL;
  gsize size = (gsize) 96 << 20;

  g_assert_no_error (error);
  lw_run_file_take_section (small, LW_RUN_SECTION_CONFIG, text_bytes ("the previous save"));
  g_assert_true (lw_run_file_save (small, path, &error));
  before = file_bytes (path);
  lw_run_file_take_section (big, LW_RUN_SECTION_MODEL, g_bytes_new_take (g_malloc0 (size), size));

  for (guint i = 0; i < G_N_ELEMENTS (delays_us); i++)
    {
      g_autoptr (GBytes) after = NULL;
      int status;
      pid_t pid = fork ();

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          lw_run_file_save (big, path, NULL);
          _exit (0);
        }
      g_usleep (delays_us[i]);
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_test_message ("after %u us: %s", delays_us[i],
                      WIFSIGNALED (status) ? "killed while saving" : "saved before the kill");
      g_assert_cmpuint (count_entries (dir), ==, 1);
      after = file_bytes (path);
      g_assert_true (g_bytes_get_size (after) == g_bytes_get_size (before)
                     || g_bytes_get_size (after) == 24 + 24 + size + 4);
      if (WIFSIGNALED (status) && g_bytes_get_size (after) == g_bytes_get_size (before))
        g_assert_true (g_bytes_equal (after, before));
      if (g_bytes_get_size (after) != g_bytes_get_size (before))
        {
          /* The kill came after the rename: start again from the small file. */
          g_assert_true (lw_run_file_save (small, path, &error));
        }
    }
  g_unlink (path);
  g_rmdir (dir);
}

/* Every value of every enum a run file stores reads back as itself. */
static void
test_every_enum (void)
{
  for (guint arch = 0; arch < LW_N_ARCHS; arch++)
    for (guint loss = 0; loss < LW_N_LOSSES; loss++)
      for (guint nonlin = 0; nonlin < LW_N_NONLINS; nonlin++)
        for (guint optim = 0; optim < LW_N_OPTIMS; optim++)
          {
            g_autoptr (GKeyFile) kf = g_key_file_new ();
            g_autoptr (GKeyFile) back = NULL;
            g_autoptr (GBytes) bytes = NULL;
            g_autoptr (GError) error = NULL;
            LwModelConfig c, r;

            lw_model_config_init (&c);
            c.arch = arch;
            c.loss = loss;
            c.nonlin = nonlin;
            c.optim = optim;
            lw_run_config_set_model (kf, &c);
            bytes = lw_run_config_to_bytes (kf);
            back = lw_run_config_from_bytes (bytes, &error);
            g_assert_no_error (error);
            g_assert_true (lw_run_config_get_model (back, LW_RUN_FILE_VERSION, &r, &error));
            g_assert_no_error (error);
            assert_same_config (&r, &c);
          }
  for (guint kind = 0; kind < LW_N_DATASETS; kind++)
    {
      LwDatasetKind back = LW_N_DATASETS;

      g_assert_true (lw_dataset_kind_from_string (lw_dataset_kind_to_string (kind), &back));
      g_assert_cmpint (back, ==, kind);
    }
}

/* Every key a version-1 file has is required of it (and of every later
 * version): absent, it is named. */
static void
test_config_required_keys (void)
{
  static const char *const v1_keys[] = {
    "arch", "in_channels", "in_height", "in_width", "n_classes", "num_layers", "num_hidden",
    "feat_mult", "dim_in_decoder", "batch_size", "loss", "beta", "lr", "dropout", "nonlin",
    "optim", "momentum", "weight_decay", "target_proj_size", "seed",
  };
  LwModelConfig c;

  lw_model_config_init (&c);
  for (guint i = 0; i < G_N_ELEMENTS (v1_keys); i++)
    for (guint version = 1; version <= LW_RUN_FILE_VERSION; version++)
      {
        g_autoptr (GKeyFile) kf = g_key_file_new ();
        g_autoptr (GError) error = NULL;
        g_autofree char *lack = g_strdup_printf ("lack [model] %s", v1_keys[i]);
        LwModelConfig r;

        lw_run_config_set_model (kf, &c);
        g_assert_true (lw_run_config_get_model (kf, version, &r, &error));
        g_assert_true (g_key_file_remove_key (kf, "model", v1_keys[i], NULL));
        g_assert_false (lw_run_config_get_model (kf, version, &r, &error));
        g_assert_nonnull (strstr (error->message, lack));
      }
}

/* A run is not continued on other data. */
static void
test_config_dataset (void)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LwDataset) ds = lw_dataset_load (LW_DATASET_MNIST_SUBSET, NULL, &error);

  g_assert_no_error (error);
  lw_dataset_limit_train (ds, 500);
  lw_run_config_set_dataset (kf, ds);
  g_assert_true (lw_run_config_check_dataset (kf, ds, &error));
  lw_dataset_limit_train (ds, 400);
  g_assert_false (lw_run_config_check_dataset (kf, ds, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, LW_RUN_FILE_ERROR, LW_RUN_FILE_ERROR_INCOMPATIBLE);
  g_assert_nonnull (strstr (error->message, "500 training"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/run-file/round-trip", test_round_trip);
  g_test_add_func ("/run-file/bad/truncated", test_truncated);
  g_test_add_func ("/run-file/bad/flipped", test_flipped);
  g_test_add_func ("/run-file/bad/foreign", test_foreign);
  g_test_add_func ("/run-file/bad/future-version", test_future_version);
  g_test_add_func ("/run-file/bad/table", test_bad_table);
  g_test_add_func ("/run-file/save-load", test_save_load);
  g_test_add_func ("/run-file/sections/position", test_position);
  g_test_add_func ("/run-file/sections/interventions", test_interventions);
  g_test_add_func ("/run-file/sections/config-model", test_config_model);
  g_test_add_func ("/run-file/sections/config-dataset", test_config_dataset);
  g_test_add_func ("/run-file/sections/every-enum", test_every_enum);
  g_test_add_func ("/run-file/sections/config-required-keys", test_config_required_keys);
  g_test_add_func ("/run-file/load/cut-while-loading", test_cut_while_loading);
  g_test_add_func ("/run-file/load/not-regular", test_not_regular);
  g_test_add_func ("/run-file/save/through-link", test_save_through_link);
  g_test_add_func ("/run-file/save/killed-leaves-nothing", test_killed_save_leaves_nothing);
  return g_test_run ();
}
