/* main.c: layerwise — watch a network learn with layer-wise local losses. */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "lw-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (LwApplication) app = NULL;
  const char *localedir = g_getenv ("LAYERWISE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* An uninstalled build finds its translations through
   * LAYERWISE_LOCALEDIR (./run.sh and meson devenv set it). */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = lw_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
