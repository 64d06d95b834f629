/* test-i18n.c: the window in German. The translations are read from the
 * build tree (po/de/LC_MESSAGES/layerwise.mo) with LANGUAGE=de under the
 * C.UTF-8 locale, so no German locale needs to be installed. The window
 * part skips without a display. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "app-helpers.h"
#include "window-fit.h"

#define LOAD_TIMEOUT_S 60

static gboolean have_display;

static void
test_catalogue (void)
{
  /* A string from each kind of source: C, a .ui template, the session. */
  g_assert_cmpstr (_("Paused"), ==, "Angehalten");
  g_assert_cmpstr (_("Live Controls"), ==, "Live-Steuerung");
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%u unit", "%u units", 3), ==, "%u Einheiten");
}

static void
collect_labels (GtkWidget *widget, GString *texts)
{
  if (GTK_IS_LABEL (widget))
    {
      g_string_append (texts, gtk_label_get_text (GTK_LABEL (widget)));
      g_string_append_c (texts, '\n');
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, texts);
}

static gboolean
is_paused (LwWindow *window, gconstpointer data)
{
  return shown (window) != NULL && shown (window)->state == LW_RUN_PAUSED;
}

static void
test_window_german (void)
{
  g_autoptr (LwApplication) app = NULL;
  g_autoptr (GString) texts = g_string_new (NULL);
  LwWindow *window;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }

  app = app_new (NULL);
  lw_application_get_options (app)->preset = g_strdup ("1x256");
  window = app_open_window (app);
  wait_until (window, is_paused, NULL, LOAD_TIMEOUT_S, "the dataset");

  collect_labels (GTK_WIDGET (window), texts);
  g_test_message ("labels:\n%s", texts->str);
  /* The header bar, the page switcher, the sidebar (from templates) and
   * the status bar (set from C). */
  g_assert_nonnull (strstr (texts->str, "Start\n"));
  g_assert_nonnull (strstr (texts->str, "Kurven\n"));
  g_assert_nonnull (strstr (texts->str, "Übersicht\n"));
  g_assert_nonnull (strstr (texts->str, "Live-Steuerung\n"));
  g_assert_nonnull (strstr (texts->str, "Neuer Lauf\n"));
  g_assert_nonnull (strstr (texts->str, "Angehalten\n"));
  g_assert_nonnull (strstr (texts->str, "Epoche 1\n"));
  g_assert_null (strstr (texts->str, "Live Controls"));
  /* The German letters of the sidebar differ as the English ones do. */
  assert_mnemonics_apart (GTK_WIDGET (lw_window_get_controls (window)));
  /* And from each page's beside it, and the header bar's. */
  assert_window_mnemonics_apart (window);

  app_close (g_steal_pointer (&app), window);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = g_dir_make_tmp ("test-i18n-data-XXXXXX", NULL);
  g_autofree char *state_dir = g_build_filename (data_home, "layerwise", NULL);
  int status;

  /* The window's crash marker goes here, not into the user's folder. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  /* LANGUAGE is honoured by any locale but C and POSIX. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LW_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  have_display = gtk_init_check ();
  g_test_add_func ("/i18n/catalogue", test_catalogue);
  g_test_add_func ("/i18n/window/german", test_window_german);
  g_test_add_data_func ("/i18n/window/fits/3x256", "3x256", window_fit_test);
  g_test_add_data_func ("/i18n/window/fits/6x256", "6x256", window_fit_test);
  status = g_test_run ();
  g_rmdir (state_dir);
  g_rmdir (data_home);
  return status;
}
