/* lw-autosave.c: where the window's autosave goes, and the crash marker
 * that lets the next start offer it. */
#include "lw-autosave.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "runfile/lw-run-file.h"

#define AUTOSAVE_NAME "autosave" LW_RUN_FILE_EXTENSION
#define RECOVERED_NAME "recovered" LW_RUN_FILE_EXTENSION
/* lw_run_file_save writes PATH.XXXXXX (g_mkstemp: six letters or digits)
 * and renames it to PATH. */
#define TEMPORARY_SUFFIX_LEN 6

static char *
state_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "layerwise", NULL);
}

char *
lw_autosave_path (void)
{
  g_autofree char *dir = state_dir ();

  return g_build_filename (dir, AUTOSAVE_NAME, NULL);
}

static char *
marker_path (void)
{
  g_autofree char *dir = state_dir ();

  return g_build_filename (dir, "running", NULL);
}

/* name is base's temporary: base, a dot, six letters or digits. */
static gboolean
is_temporary_of (const char *name, const char *base)
{
  gsize n = strlen (base);

  if (strncmp (name, base, n) != 0 || name[n] != '.'
      || strlen (name + n + 1) != TEMPORARY_SUFFIX_LEN)
    return FALSE;
  for (const char *c = name + n + 1; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c))
      return FALSE;
  return TRUE;
}

/* A save killed between writing and renaming leaves a run-sized
 * temporary behind; after a few crashes they would pile up. */
static void
remove_stale_temporaries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (is_temporary_of (name, AUTOSAVE_NAME) || is_temporary_of (name, RECOVERED_NAME))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        g_unlink (path);
      }
}

char *
lw_autosave_begin (void)
{
  g_autofree char *dir = state_dir ();
  g_autofree char *marker = marker_path ();
  g_autofree char *autosave = lw_autosave_path ();
  g_autofree char *recovered = g_build_filename (dir, RECOVERED_NAME, NULL);
  g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());
  gboolean crashed = g_file_test (marker, G_FILE_TEST_EXISTS);
  char *offer = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return NULL;
  remove_stale_temporaries (dir);
  if (crashed && g_file_test (autosave, G_FILE_TEST_IS_REGULAR)
      && g_rename (autosave, recovered) == 0)
    offer = g_steal_pointer (&recovered);
  /* Without a marker a crash goes unnoticed next time: nothing worse. */
  g_file_set_contents (marker, pid, -1, NULL);
  return offer;
}

void
lw_autosave_end (void)
{
  g_autofree char *marker = marker_path ();
  g_autofree char *autosave = lw_autosave_path ();

  g_unlink (autosave);
  g_unlink (marker);
}
