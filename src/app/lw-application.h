/* lw-application.h: the Layerwise GtkApplication. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LW_APP_ID "io.github.layerwise.Layerwise"

/* What the command line asked for; read by each new window. */
typedef struct {
  char *preset;               /* architecture preset id, NULL: default */
  char *dataset;              /* dataset name, NULL: the embedded subset */
  char *page;                 /* view shown first, NULL: curves */
  int threads;                /* 0: every processor */
  char *schedule;             /* auto, sequential or pipeline; NULL: auto */
  gboolean autoplay;          /* start training when the window opens */
  gboolean presentation;      /* large type, for a classroom */
  double benchmark_seconds;   /* > 0: train this long, print timings, quit */
} LwAppOptions;

#define LW_TYPE_APPLICATION (lw_application_get_type ())
G_DECLARE_FINAL_TYPE (LwApplication, lw_application, LW, APPLICATION, GtkApplication)

LwApplication *lw_application_new         (void);
/* Filled from the command line; tests set fields before activating. */
LwAppOptions  *lw_application_get_options (LwApplication *self);
/* The user's preferences, or NULL when the settings schema is not
 * installed (an uninstalled build without GSETTINGS_SCHEMA_DIR). Valid
 * from startup on. */
GSettings     *lw_application_get_settings (LwApplication *self);

G_END_DECLS
