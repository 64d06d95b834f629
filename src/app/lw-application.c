/* lw-application.c: app actions, accelerators, style and command line. */
#include "config.h"

#include "lw-application.h"

#include <glib/gi18n.h>

#include "lw-choices.h"
#include "lw-window.h"
#include "lw-window-private.h"

struct _LwApplication
{
  GtkApplication parent_instance;

  LwAppOptions options;
  GSettings *settings;        /* NULL when the schema is not installed */
};

G_DEFINE_FINAL_TYPE (LwApplication, lw_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "preset", 'p', 0, G_OPTION_ARG_STRING, NULL,
    N_("Preset: MLPs 1x256, 3x256 (or small), 3x512, 3x1024, 6x256; "
       "conv nets vgg-mini, vgg8b; the paper's recipes paper-mlp-mnist, paper-mlp-fashion, "
       "paper-vgg8b-mnist, paper-vgg8b-fashion; or one of yours "
       "(~/.config/layerwise/presets.ini)"), N_("NAME") },
  { "dataset", 'd', 0, G_OPTION_ARG_STRING, NULL,
    N_("Dataset: mnist-subset, mnist, fashion-mnist, kmnist, cifar10, cifar100"), N_("NAME") },
  { "page", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("View shown first: curves, filters, similarity, predictions, overview"), N_("NAME") },
  { "threads", 't', 0, G_OPTION_ARG_INT, NULL, N_("Training threads (default: one less than the processors)"), N_("N") },
  { "schedule", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("How training steps run: auto (default: the faster for the threads given), "
       "sequential, or pipeline (blocks on threads of their own)"), N_("NAME") },
  { "autoplay", 'a', 0, G_OPTION_ARG_NONE, NULL, N_("Start training when the window opens"), NULL },
  { "presentation", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Large type, readable from the back of a room"), NULL },
  { "benchmark-seconds", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
    N_("Train for N seconds, print samples/s and frame draw times, quit"), N_("N") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

static void
replace_string (char **dest, const char *value)
{
  g_free (*dest);
  *dest = g_strdup (value);
}

static int
lw_application_handle_local_options (GApplication *app, GVariantDict *dict)
{
  LwApplication *self = LW_APPLICATION (app);
  LwAppOptions *o = &self->options;
  LwDatasetKind kind;
  LwSchedule schedule;
  const char *s;

  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("layerwise %s\n", LW_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (dict, "preset", "&s", &s))
    replace_string (&o->preset, s);
  if (g_variant_dict_lookup (dict, "dataset", "&s", &s))
    replace_string (&o->dataset, s);
  if (g_variant_dict_lookup (dict, "page", "&s", &s))
    replace_string (&o->page, s);
  if (g_variant_dict_lookup (dict, "schedule", "&s", &s))
    replace_string (&o->schedule, s);
  g_variant_dict_lookup (dict, "threads", "i", &o->threads);
  g_variant_dict_lookup (dict, "benchmark-seconds", "d", &o->benchmark_seconds);
  o->autoplay = g_variant_dict_contains (dict, "autoplay") || o->benchmark_seconds > 0;
  o->presentation = g_variant_dict_contains (dict, "presentation");

  if (o->preset != NULL && lw_choices_lookup_preset (o->preset) == NULL)
    {
      g_autofree char *names = lw_preset_list_names (lw_choices_get_presets ());

      if (lw_choices_get_presets_error () != NULL)
        g_printerr ("layerwise: %s\n", lw_choices_get_presets_error ());
      g_printerr (_("layerwise: unknown preset “%s”; the presets are: %s\n"), o->preset, names);
      return 2;
    }
  if (o->dataset != NULL && !lw_dataset_kind_from_string (o->dataset, &kind))
    {
      g_printerr (_("layerwise: unknown dataset “%s”\n"), o->dataset);
      return 2;
    }
  if (o->schedule != NULL && !lw_schedule_from_string (o->schedule, &schedule))
    {
      g_printerr (_("layerwise: unknown schedule “%s”: choose auto, sequential or pipeline\n"),
                  o->schedule);
      return 2;
    }
  if (o->threads < 0 || o->threads > 256)
    {
      g_printerr (_("layerwise: --threads must be between 1 and 256\n"));
      return 2;
    }
  if (o->benchmark_seconds < 0)
    {
      g_printerr (_("layerwise: --benchmark-seconds must be positive\n"));
      return 2;
    }
  /* A benchmark measures this process: it must not hand over to a running one. */
  if (o->benchmark_seconds > 0)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return G_APPLICATION_CLASS (lw_application_parent_class)->handle_local_options (app, dict);
}

static void
lw_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (lw_window_new (LW_APPLICATION (app)));
  gtk_window_present (window);
}

/* `layerwise FILE.lwrun`, or a run file opened from the file manager:
 * the window opens it as Open Run does (the run it replaces stays dimmed).
 * One run at a time: of several files the first is opened. */
static void
lw_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  LwWindow *window;

  g_application_activate (app);
  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  if (window == NULL || n_files < 1)
    return;
  if (n_files > 1)
    {
      g_autofree char *name = g_file_get_parse_name (files[0]);

      g_printerr (_("layerwise: one run at a time: opening %s\n"), name);
    }
  lw_window_open_run_from (window, files[0]);
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GApplication *app = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Destroying the windows stops their training threads before exit. */
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_destroy (GTK_WINDOW (windows->data));
      windows = next;
    }
  g_application_quit (app);
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  static const char *authors[] = { "The Layerwise contributors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_show_about_dialog (parent,
                         "program-name", "Layerwise",
                         "logo-icon-name", LW_APP_ID,
                         "version", LW_VERSION,
                         "comments", _("Watch every layer of a neural network learn "
                                       "from its own local error signal."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "translator-credits", _("translator-credits"),
                         "copyright", "© 2025 The Layerwise contributors",
                         NULL);
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

/* An uninstalled build finds no schema unless GSETTINGS_SCHEMA_DIR points
 * at one; g_settings_new() would abort, so look first and do without. */
static GSettings *
settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, LW_APP_ID, TRUE);
  if (schema == NULL)
    {
      g_debug ("settings schema %s not installed: preferences are not remembered", LW_APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
apply_color_scheme (GSettings *settings, const char *key, gpointer user_data)
{
  GtkSettings *gtk_settings = gtk_settings_get_default ();
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");

  if (gtk_settings == NULL)
    return;
  if (g_str_equal (scheme, "default"))
    gtk_settings_reset_property (gtk_settings, "gtk-application-prefer-dark-theme");
  else
    g_object_set (gtk_settings, "gtk-application-prefer-dark-theme",
                  g_str_equal (scheme, "dark"), NULL);
}

static void
lw_application_startup (GApplication *app)
{
  LwApplication *self = LW_APPLICATION (app);
  GtkApplication *gtk_app = GTK_APPLICATION (app);
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (lw_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries,
                                   G_N_ELEMENTS (app_entries), app);

  self->settings = settings_new_if_installed ();
  if (self->settings != NULL)
    {
      g_autoptr (GAction) color_scheme = g_settings_create_action (self->settings, "color-scheme");

      g_action_map_add_action (G_ACTION_MAP (app), color_scheme);
      g_signal_connect (self->settings, "changed::color-scheme",
                        G_CALLBACK (apply_color_scheme), NULL);
      apply_color_scheme (self->settings, "color-scheme", NULL);
    }

  lw_window_add_accels (gtk_app);

  gtk_window_set_default_icon_name (LW_APP_ID);
  gtk_css_provider_load_from_resource (css, "/io/github/layerwise/Layerwise/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
lw_application_finalize (GObject *object)
{
  LwApplication *self = LW_APPLICATION (object);

  g_free (self->options.preset);
  g_free (self->options.schedule);
  g_free (self->options.dataset);
  g_free (self->options.page);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (lw_application_parent_class)->finalize (object);
}

static void
lw_application_class_init (LwApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = lw_application_finalize;
  app_class->handle_local_options = lw_application_handle_local_options;
  app_class->startup = lw_application_startup;
  app_class->activate = lw_application_activate;
  app_class->open = lw_application_open;
}

static void
lw_application_init (LwApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Train a neural network with layer-wise local losses and watch every layer learn."));
}

LwApplication *
lw_application_new (void)
{
  return g_object_new (LW_TYPE_APPLICATION,
                       "application-id", LW_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/layerwise/Layerwise",
                       NULL);
}

LwAppOptions *
lw_application_get_options (LwApplication *self)
{
  g_return_val_if_fail (LW_IS_APPLICATION (self), NULL);
  return &self->options;
}

GSettings *
lw_application_get_settings (LwApplication *self)
{
  g_return_val_if_fail (LW_IS_APPLICATION (self), NULL);
  return self->settings;
}
