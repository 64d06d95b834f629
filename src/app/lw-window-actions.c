/* lw-window-actions.c: the window's actions, and every key that reaches
 * one.
 *
 * The keys are in one table, shortcuts[] (lw_window_get_shortcuts gives
 * it to the tests), which feeds the three places GTK keeps them (the
 * application's accelerators, the window's binding actions, and the
 * capture key controller for plain keys) and which tests/test-shortcuts.c
 * checks against ui/gtk/help-overlay.ui, the list the user reads. Add a
 * key there and it is installed and must be listed. */
#include "config.h"

#include "lw-window-private.h"

#include <glib/gi18n.h>

#include "lw-export-dialog.h"
#include "lw-help-window.h"
#include "lw-autosave.h"
#include "lw-run-dialogs.h"
#include "lw-save-preset-dialog.h"

/* The help overlay's groups. */
#define TRAINING "Training"
#define GENERAL "General"
#define VIEWS "Views"
#define GALLERY "Test images on the Predictions page"

/* In the help overlay's order. The titles are the overlay's msgids, for the
 * test to match lines by; the overlay itself shows them translated. */
static const LwShortcut shortcuts[] = {
  { "win.toggle-play", "space", LW_KEY_PLAIN, TRAINING, "Play or pause" },
  { "win.step", "Right", LW_KEY_PLAIN, TRAINING, "Train one batch" },
  { "win.reset", "<Control>r", LW_KEY_APP, TRAINING, "New run with the sidebar's settings" },
  { "win.save-run", "<Control>s", LW_KEY_APP, TRAINING, "Save the run" },
  { "win.open-run", "<Control>o", LW_KEY_APP, TRAINING, "Open a saved run" },
  { "win.export-csv", "<Control>e", LW_KEY_APP, GENERAL, "Export every series as CSV" },
  { "win.show-help", "F1", LW_KEY_APP, GENERAL, "Help: the views, the method, experiments" },
  /* GtkApplication gives it its key, with gtk/help-overlay.ui. */
  { "win.show-help-overlay", "<Control>question", LW_KEY_OTHER, GENERAL, "Keyboard shortcuts" },
  { "app.quit", "<Control>q", LW_KEY_APP, GENERAL, "Quit" },
  { "win.show-page::curves", "<Alt>1", LW_KEY_APP, VIEWS, "Curves" },
  { "win.show-page::filters", "<Alt>2", LW_KEY_APP, VIEWS, "Filters and activations" },
  { "win.show-page::similarity", "<Alt>3", LW_KEY_APP, VIEWS, "Similarity matrices" },
  { "win.show-page::predictions", "<Alt>4", LW_KEY_APP, VIEWS,
    "Predictions: confusion matrix and test images" },
  { "win.show-page::overview", "<Alt>5", LW_KEY_APP, VIEWS, "Overview of every view" },
  { "win.next-probe-image", "n", LW_KEY_PLAIN, VIEWS, "Next probe image" },
  { "win.loss-log-scale", "<Control>l", LW_KEY_APP, VIEWS, "Log scale for losses" },
  /* F5, the key of presentation programs, kept from earlier versions. */
  { "win.presentation", "F11 F5", LW_KEY_BINDING, VIEWS,
    "Presentation mode: full screen, large type" },
  /* Esc leaves it, as it leaves a fullscreen slide show. */
  { "win.leave-presentation", "Escape", LW_KEY_BINDING, VIEWS, "Leave presentation mode" },
  /* on_key_pressed () below, in presentation mode only. */
  { NULL, "Page_Up Page_Down", LW_KEY_OTHER, VIEWS,
    "In presentation mode: the previous or next page (a presenter's clicker)" },
  { "win.sidebar-visible", "F9", LW_KEY_APP, VIEWS, "Show or hide the controls" },
  /* The gallery's own key controller (the Predictions page). */
  { NULL, "Left Right Up Down", LW_KEY_OTHER, GALLERY, "Move from image to image" },
  { NULL, "Home End", LW_KEY_OTHER, GALLERY, "First or last image shown" },
  { NULL, "Return space", LW_KEY_OTHER, GALLERY, "Show the image on Filters & Activations" },
};

const LwShortcut *
lw_window_get_shortcuts (guint *n_shortcuts)
{
  *n_shortcuts = G_N_ELEMENTS (shortcuts);
  return shortcuts;
}

/* Each of the entry's keys, split at spaces. */
static GStrv
shortcut_accels (const LwShortcut *shortcut)
{
  return g_strsplit (shortcut->accels, " ", -1);
}

void
lw_window_add_accels (GtkApplication *app)
{
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    if (shortcuts[i].kind == LW_KEY_APP)
      {
        g_auto (GStrv) accels = shortcut_accels (&shortcuts[i]);

        gtk_application_set_accels_for_action (app, shortcuts[i].action,
                                               (const char *const *) accels);
      }
}

/* Whether a plain key of the table is keyval: the action it means, or NULL. */
static const char *
plain_key_action (guint keyval)
{
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    if (shortcuts[i].kind == LW_KEY_PLAIN)
      {
        g_auto (GStrv) accels = shortcut_accels (&shortcuts[i]);

        for (guint j = 0; accels[j] != NULL; j++)
          {
            guint key;
            GdkModifierType mods;

            if (gtk_accelerator_parse (accels[j], &key, &mods) && mods == 0 && key == keyval)
              return shortcuts[i].action;
          }
      }
  return NULL;
}

typedef gboolean (*SetValueFunc) (LwSession *session, double value, GError **error);

static void
save_chosen (GFile *file, gpointer data)
{
  g_autoptr (LwWindow) self = data;

  if (self->session != NULL)
    lw_window_save_run_to (self, file);
}

static void
open_chosen (GFile *file, gpointer data)
{
  g_autoptr (LwWindow) self = data;

  if (self->session != NULL)
    lw_window_open_run_from (self, file);
}

static void
save_run_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_run_dialogs_choose (GTK_WINDOW (widget), TRUE, save_chosen, g_object_ref (widget));
}

static void
open_run_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_run_dialogs_choose (GTK_WINDOW (widget), FALSE, open_chosen, g_object_ref (widget));
}

static void
restore_recovered_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  if (self->recovered_path == NULL)
    return;
  lw_session_open_run (self->session, self->recovered_path);
  lw_window_dismiss_banner (self);
}

static void
play_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_session_play (LW_WINDOW (widget)->session);
}

static void
pause_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_session_pause (LW_WINDOW (widget)->session);
}

static void
toggle_play_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  if (self->shown_state == LW_RUN_RUNNING)
    lw_session_pause (self->session);
  else
    lw_session_play (self->session);
}

static void
restore_good_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_session_restore_last_good (LW_WINDOW (widget)->session);
}

static void
lower_lr_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_session_lower_lr (LW_WINDOW (widget)->session);
}

static void
step_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_session_step (LW_WINDOW (widget)->session);
}

static void
reset_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  LwSnapshot *snap = lw_window_get_shown_snapshot (self);

  /* A new run keeps the live choices (say, bp instead of predsim), so that
   * the two runs can be compared on one chart. */
  if (snap != NULL && snap->state != LW_RUN_LOADING && snap->state != LW_RUN_FAILED)
    {
      /* ... unless a preset chosen since set them. */
      if (!(self->preset_sets & LW_PRESET_SETS_LOSS))
        self->pending.model.loss = snap->loss;
      if (!(self->preset_sets & LW_PRESET_SETS_BETA))
        self->pending.model.beta = snap->beta;
      if (!(self->preset_sets & LW_PRESET_SETS_DROPOUT))
        self->pending.model.dropout = snap->dropout;
      self->pending.model.no_detach = self->no_detach;
      /* The rate stays too, unless the new run is another network, which
       * starts at that network's own rate (lw_choices_apply_preset). */
      if (snap->arch == self->pending.model.arch && !(self->preset_sets & LW_PRESET_SETS_LR))
        /* As set, before the schedule's milestones lowered it. */
        self->pending.model.lr = snap->lr_base;
      /* So does the schedule (from epoch 1 again), unless a preset set one. */
      if (!(self->preset_sets & LW_PRESET_SETS_LR_SCHEDULE))
        self->pending.lr_schedule = snap->lr_schedule;
    }
  self->preset_sets = 0;
  lw_session_reset (self->session, &self->pending);
}

static void
clear_previous_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_session_clear_previous (LW_WINDOW (widget)->session);
}

static void
set_loss_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  const char *loss_name = g_variant_get_string (param, NULL);
  LwLossType loss;

  if (!lw_loss_type_from_string (loss_name, &loss))
    {
      g_warning ("win.set-loss: unknown loss type “%s”", loss_name);
      return;
    }
  lw_session_set_loss (self->session, loss);
}

static void
set_value (LwWindow *self, LwField field, SetValueFunc func, GVariant *param)
{
  g_autoptr (GError) error = NULL;

  if (func (self->session, g_variant_get_double (param), &error))
    lw_controls_panel_show_error (self->controls, field, NULL);
  else
    lw_controls_panel_show_error (self->controls, field, error->message);
}

static void
set_beta_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  set_value (LW_WINDOW (widget), LW_FIELD_BETA, lw_session_set_beta, param);
}

static void
set_lr_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  set_value (LW_WINDOW (widget), LW_FIELD_LR, lw_session_set_lr, param);
}

static void
set_dropout_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  set_value (LW_WINDOW (widget), LW_FIELD_DROPOUT, lw_session_set_dropout, param);
}

/* The milestones as typed, parsed as the CLI parses --lr-decay-milestones;
 * the session checks the factor. Each error shows under the schedule. */
static void
set_lr_schedule_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  const char *milestones;
  LwLrSchedule schedule;

  lw_lr_schedule_init (&schedule);
  g_variant_get (param, "(&sd)", &milestones, &schedule.factor);
  why = lw_lr_schedule_parse_milestones (&schedule, milestones);
  if (why != NULL)
    lw_controls_panel_show_error (self->controls, LW_FIELD_LR_MILESTONES, why);
  else if (!lw_session_set_lr_schedule (self->session, &schedule, &error))
    lw_controls_panel_show_error (self->controls, LW_FIELD_LR_DECAY, error->message);
}

static void
set_block_lr_mult_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  guint block;
  double mult;

  g_variant_get (param, "(ud)", &block, &mult);
  if (lw_session_set_block_lr_mult (self->session, block, mult, &error))
    lw_controls_panel_show_block_error (self->controls, block, NULL);
  else
    lw_controls_panel_show_block_error (self->controls, block, error->message);
}

static void
set_block_frozen_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  guint block;
  gboolean frozen;

  g_variant_get (param, "(ub)", &block, &frozen);
  if (!lw_session_set_block_frozen (self->session, block, frozen, &error))
    lw_controls_panel_show_block_error (self->controls, block, error->message);
}

static void
set_probe_image_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  lw_window_set_probe (LW_WINDOW (widget), g_variant_get_uint32 (param));
}

static void
next_probe_image_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  LwSnapshot *snap = lw_window_get_shown_snapshot (self);

  if (snap != NULL && snap->test_size > 0)
    lw_window_set_probe (self, (snap->probe_image_index + 1) % snap->test_size);
}

static void
set_dataset_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  const char *dataset = g_variant_get_string (param, NULL);
  LwDatasetKind kind;

  if (!lw_dataset_kind_from_string (dataset, &kind))
    {
      g_warning ("win.set-dataset: unknown dataset “%s”", dataset);
      return;
    }
  self->pending.dataset = kind;
  g_clear_pointer (&self->pending.data_dir, g_free);
  lw_window_show_pending (self);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "dataset", dataset);
}

static void
set_dataset_folder_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  const char *dir = g_variant_get_string (param, NULL);

  self->pending.dataset = lw_dataset_guess_kind (dir);
  g_free (self->pending.data_dir);
  self->pending.data_dir = g_strdup (dir);
  lw_window_show_pending (self);
}

static void
set_preset_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  const LwPreset *preset = lw_choices_lookup_preset (g_variant_get_string (param, NULL));

  if (preset == NULL)
    {
      g_warning ("win.set-preset: unknown preset “%s”", g_variant_get_string (param, NULL));
      return;
    }
  lw_window_apply_preset (self, preset);
  lw_window_show_pending (self);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "preset", preset->id);
}

/* What is saved: the network and dataset of the next run, the live loss,
 * rate (before the milestones passed), schedule, beta and dropout, the batch size, seed, non-linearity,
 * dim-in-decoder and epochs (when limited) of the next run. */
static void
current_as_preset (LwWindow *self, LwPreset *p)
{
  LwSnapshot *snap = lw_window_get_shown_snapshot (self);
  const LwModelConfig *m = &self->pending.model;
  gboolean live = snap != NULL && snap->state != LW_RUN_LOADING && snap->state != LW_RUN_FAILED
                  && snap->arch == m->arch;

  *p = (LwPreset) {
    .arch = m->arch,
    .num_layers = m->num_layers,
    .num_hidden = m->num_hidden,
    .sets = LW_PRESET_SETS_DATASET | LW_PRESET_SETS_LOSS | LW_PRESET_SETS_LR
            | LW_PRESET_SETS_BETA | LW_PRESET_SETS_BATCH_SIZE | LW_PRESET_SETS_SEED
            | LW_PRESET_SETS_LR_SCHEDULE | LW_PRESET_SETS_DROPOUT | LW_PRESET_SETS_NONLIN
            | LW_PRESET_SETS_DIM_IN_DECODER
            | (self->pending.max_epochs > 0 ? LW_PRESET_SETS_EPOCHS : 0),
    .dataset = self->pending.dataset,
    .data_dir = self->pending.data_dir,     /* borrowed: the dialog keeps a copy */
    .loss = live && !(self->preset_sets & LW_PRESET_SETS_LOSS) ? snap->loss : m->loss,
    .lr = live && !(self->preset_sets & LW_PRESET_SETS_LR) ? snap->lr_base : m->lr,
    .beta = live && !(self->preset_sets & LW_PRESET_SETS_BETA) ? snap->beta : m->beta,
    .batch_size = m->batch_size,
    .seed = m->seed,
    .lr_schedule = live && !(self->preset_sets & LW_PRESET_SETS_LR_SCHEDULE)
                   ? snap->lr_schedule : self->pending.lr_schedule,
    .dropout = live && !(self->preset_sets & LW_PRESET_SETS_DROPOUT) ? snap->dropout : m->dropout,
    .nonlin = m->nonlin,
    .dim_in_decoder = m->dim_in_decoder,
    .epochs = self->pending.max_epochs,
  };
}

static void
on_preset_saved (LwWindow *self, const char *name)
{
  lw_choices_reload_presets ();
  lw_window_show_presets_problem (self);
  lw_controls_panel_reload_presets (self->controls);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-preset", "s", name);
}

static void
save_preset_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  g_autofree char *path = lw_preset_user_path ();
  LwSavePresetDialog *dialog;
  LwPreset current;

  current_as_preset (self, &current);
  dialog = lw_save_preset_dialog_new (GTK_WINDOW (self), &current, lw_choices_get_presets (), path);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_preset_saved), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_batch_size_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  self->pending.model.batch_size = CLAMP (g_variant_get_uint32 (param), 1, 1024);
  lw_window_show_pending (self);
}

/* The reference's --no-batch-norm and --no-similarity-std, for the next
 * run: the actions say what is kept (TRUE: the paper's default). */
static void
set_batch_norm_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  self->pending.model.no_batch_norm = !g_variant_get_boolean (param);
  lw_window_show_pending (self);
}

static void
set_similarity_std_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  self->pending.model.no_similarity_std = !g_variant_get_boolean (param);
  lw_window_show_pending (self);
}

static void
set_seed_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  /* No more than the seed box shows exactly. */
  self->pending.model.seed = MIN (g_variant_get_uint64 (param), LW_PRESET_SEED_MAX);
  lw_window_show_pending (self);
}

static void
export_chart (LwWindow *self, GVariant *param, LwExportFormat format)
{
  LwChartId id;

  if (!lw_chart_id_from_string (g_variant_get_string (param, NULL), &id))
    {
      g_warning ("export: unknown chart “%s”", g_variant_get_string (param, NULL));
      return;
    }
  lw_export_dialog_run (GTK_WINDOW (self), self->charts, id, format);
}

static void
export_png_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  export_chart (LW_WINDOW (widget), param, LW_EXPORT_PNG);
}

static void
export_svg_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  export_chart (LW_WINDOW (widget), param, LW_EXPORT_SVG);
}

static void
export_csv_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  lw_export_dialog_run (GTK_WINDOW (self), self->charts, LW_CHART_ACCURACY, LW_EXPORT_CSV);
}

static void
show_page_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);
  const char *page = g_variant_get_string (param, NULL);

  if (gtk_stack_get_child_by_name (self->stack, page) != NULL)
    gtk_stack_set_visible_child_name (self->stack, page);
}

static void
show_help_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  gtk_window_present (GTK_WINDOW (lw_help_window_new (GTK_WINDOW (widget))));
}

static void
leave_presentation_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  LwWindow *self = LW_WINDOW (widget);

  if (self->presentation)
    g_object_set (self, "presentation", FALSE, NULL);
}

/* The plain keys (Space, Right and N) work wherever the focus is, except where they mean
 * something: typing in an entry, moving a slider, walking the gallery.
 * In presentation mode Page Up and Page Down, what a presenter's clicker
 * sends, turn the pages (Right, its other key, trains a batch). */
static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, LwWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  const char *action;

  /* A presenter who reaches for the keyboard sees the controls too. */
  lw_window_show_presentation_bar (self, LW_WINDOW_BAR_AFTER_KEY_MS);
  if ((state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  if (self->presentation && (keyval == GDK_KEY_Page_Down || keyval == GDK_KEY_Page_Up))
    {
      lw_window_show_adjacent_page (self, keyval == GDK_KEY_Page_Down ? 1 : -1);
      return TRUE;
    }
  action = plain_key_action (keyval);
  if (action == NULL)
    return FALSE;
  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_RANGE (focus)
                        || LW_IS_CHART_VIEW (focus)))
    return FALSE;
  return gtk_widget_activate_action (GTK_WIDGET (self), action, NULL);
}

void
lw_window_add_key_controller (LwWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}


/* Every action, and the table's window bindings. Called from class_init
 * once the properties the property actions change are installed. */
void
lw_window_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.play", NULL, play_activated);
  gtk_widget_class_install_action (widget_class, "win.pause", NULL, pause_activated);
  gtk_widget_class_install_action (widget_class, "win.toggle-play", NULL, toggle_play_activated);
  gtk_widget_class_install_action (widget_class, "win.step", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "win.restore-good", NULL, restore_good_activated);
  gtk_widget_class_install_action (widget_class, "win.lower-lr", NULL, lower_lr_activated);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL, reset_activated);
  gtk_widget_class_install_action (widget_class, "win.clear-previous", NULL, clear_previous_activated);
  gtk_widget_class_install_action (widget_class, "win.set-loss", "s", set_loss_activated);
  gtk_widget_class_install_action (widget_class, "win.set-beta", "d", set_beta_activated);
  gtk_widget_class_install_action (widget_class, "win.set-lr", "d", set_lr_activated);
  gtk_widget_class_install_action (widget_class, "win.set-dropout", "d", set_dropout_activated);
  gtk_widget_class_install_action (widget_class, "win.set-lr-schedule", "(sd)",
                                   set_lr_schedule_activated);
  gtk_widget_class_install_action (widget_class, "win.set-block-lr-mult", "(ud)",
                                   set_block_lr_mult_activated);
  gtk_widget_class_install_action (widget_class, "win.set-block-frozen", "(ub)",
                                   set_block_frozen_activated);
  gtk_widget_class_install_action (widget_class, "win.set-probe-image", "u",
                                   set_probe_image_activated);
  gtk_widget_class_install_action (widget_class, "win.next-probe-image", NULL,
                                   next_probe_image_activated);
  gtk_widget_class_install_action (widget_class, "win.set-dataset", "s", set_dataset_activated);
  gtk_widget_class_install_action (widget_class, "win.set-dataset-folder", "s",
                                   set_dataset_folder_activated);
  gtk_widget_class_install_action (widget_class, "win.set-preset", "s", set_preset_activated);
  gtk_widget_class_install_action (widget_class, "win.save-preset", NULL, save_preset_activated);
  gtk_widget_class_install_action (widget_class, "win.set-batch-size", "u", set_batch_size_activated);
  gtk_widget_class_install_action (widget_class, "win.set-seed", "t", set_seed_activated);
  gtk_widget_class_install_action (widget_class, "win.set-batch-norm", "b",
                                   set_batch_norm_activated);
  gtk_widget_class_install_action (widget_class, "win.set-similarity-std", "b",
                                   set_similarity_std_activated);
  gtk_widget_class_install_action (widget_class, "win.export-png", "s", export_png_activated);
  gtk_widget_class_install_action (widget_class, "win.export-svg", "s", export_svg_activated);
  gtk_widget_class_install_action (widget_class, "win.export-csv", NULL, export_csv_activated);
  gtk_widget_class_install_action (widget_class, "win.save-run", NULL, save_run_activated);
  gtk_widget_class_install_action (widget_class, "win.open-run", NULL, open_run_activated);
  gtk_widget_class_install_action (widget_class, "win.restore-recovered", NULL,
                                   restore_recovered_activated);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_activated);
  gtk_widget_class_install_property_action (widget_class, "win.loss-log-scale", "loss-log-scale");
  gtk_widget_class_install_property_action (widget_class, "win.presentation", "presentation");
  gtk_widget_class_install_action (widget_class, "win.leave-presentation", NULL,
                                   leave_presentation_activated);
  gtk_widget_class_install_action (widget_class, "win.show-help", NULL, show_help_activated);
  gtk_widget_class_install_property_action (widget_class, "win.sidebar-visible", "sidebar-visible");
  gtk_widget_class_install_property_action (widget_class, "win.schedule", "schedule");
  gtk_widget_class_install_property_action (widget_class, "win.no-detach", "no-detach");

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    if (shortcuts[i].kind == LW_KEY_BINDING)
      {
        g_auto (GStrv) accels = shortcut_accels (&shortcuts[i]);

        for (guint j = 0; accels[j] != NULL; j++)
          {
            guint key;
            GdkModifierType mods;

            if (!gtk_accelerator_parse (accels[j], &key, &mods))
              g_error ("bad accelerator “%s”", accels[j]);
            gtk_widget_class_add_binding_action (widget_class, key, mods, shortcuts[i].action,
                                                 NULL);
          }
      }
}
