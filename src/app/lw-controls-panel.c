/* lw-controls-panel.c
 *
 * A control shows the engine's value and changes only when that value
 * moves, so that a snapshot published before a command was applied never
 * undoes what the user just chose or is typing. */
#include "lw-controls-panel.h"

#include <math.h>
#include <glib/gi18n.h>

#include "lw-block-row.h"
#include "lw-choices.h"
#include "lw-status-bar.h"

/* The slider sends its rate once the hand rests, not on every pixel. */
#define LR_SLIDER_SETTLE_MS 250
/* Characters of a dataset or network name shown in a drop-down's button
 * and in its open list; longer names are ellipsized. */
#define NAME_BUTTON_CHARS 24
#define NAME_LIST_CHARS 48

struct _LwControlsPanel
{
  GtkBox parent_instance;

  GtkDropDown *loss_dropdown;
  GtkEntry *beta_entry;
  GtkLabel *beta_error;
  GtkScale *lr_scale;
  GtkEntry *lr_entry;
  GtkLabel *lr_error;
  GtkEntry *dropout_entry;
  GtkLabel *dropout_error;
  GtkLabel *lr_schedule_label;
  GtkEntry *milestones_entry;
  GtkEntry *decay_entry;
  GtkLabel *lr_schedule_error;
  GtkBox *block_box;
  GtkDropDown *dataset_dropdown;
  GtkLabel *dataset_error;
  GtkDropDown *preset_dropdown;
  GtkSpinButton *batch_spin;
  GtkSpinButton *seed_spin;
  GtkCheckButton *no_detach_check;
  GtkCheckButton *batch_norm_check;
  GtkCheckButton *similarity_std_check;

  GPtrArray *datasets;        /* LwDatasetChoice, in the drop-down's order */
  GtkStringList *dataset_names;
  GPtrArray *rows;            /* LwBlockRow, borrowed */

  int shown_loss;             /* engine values the controls show; -1/NaN: none yet */
  float shown_beta, shown_lr, shown_dropout;
  LwLrSchedule shown_schedule;
  guint shown_next;           /* G_MAXUINT: none shown yet */
  guint shown_epoch, shown_max_epochs;
  guint lr_settle_id;
  gboolean syncing;
};

G_DEFINE_FINAL_TYPE (LwControlsPanel, lw_controls_panel, GTK_TYPE_BOX)

static char *
format_value (double v)
{
  return g_strdup_printf ("%g", v);
}

/* An entry shows a value rounded (a rate to two digits: 1.25e-4 shows as
 * 1.3e-4), so it keeps the exact value with the text it showed: Enter on
 * that text, untouched, gives back the exact value, not the rounded one. */
static void
set_entry_value (GtkEntry *entry, double v, gboolean as_rate)
{
  g_autofree char *text = as_rate ? lw_format_rate (v) : format_value (v);
  double *exact = g_new (double, 1);

  *exact = v;
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_object_set_data_full (G_OBJECT (entry), "lw-shown-value", exact, g_free);
}

/* Any edit of the text, even back to the same digits, is what was typed:
 * the exact value no longer stands for it. set_entry_value sets the
 * value again after its own edit. */
static void
on_value_entry_changed (GtkEditable *entry)
{
  g_object_set_data (G_OBJECT (entry), "lw-shown-value", NULL);
}

/* The entry's number: the exact value shown if its text is untouched,
 * else what is typed; FALSE if that is not a number. */
static gboolean
entry_value (GtkEntry *entry, double *value)
{
  const double *exact = g_object_get_data (G_OBJECT (entry), "lw-shown-value");

  if (exact != NULL)
    {
      *value = *exact;
      return TRUE;
    }
  return lw_parse_number (gtk_editable_get_text (GTK_EDITABLE (entry)), value);
}

static GtkLabel *
field_label (LwControlsPanel *self, LwField field, GtkEntry **entry)
{
  switch (field)
    {
    case LW_FIELD_BETA:    *entry = self->beta_entry; return self->beta_error;
    case LW_FIELD_LR:      *entry = self->lr_entry; return self->lr_error;
    case LW_FIELD_DROPOUT: *entry = self->dropout_entry; return self->dropout_error;
    case LW_FIELD_LR_MILESTONES: *entry = self->milestones_entry; return self->lr_schedule_error;
    case LW_FIELD_LR_DECAY: *entry = self->decay_entry; return self->lr_schedule_error;
    case LW_N_FIELDS:      break;
    }
  g_return_val_if_reached (NULL);
}

void
lw_controls_panel_show_error (LwControlsPanel *self, LwField field, const char *message)
{
  GtkEntry *entry = NULL;
  GtkLabel *label;

  g_return_if_fail (LW_IS_CONTROLS_PANEL (self) && field < LW_N_FIELDS);
  label = field_label (self, field, &entry);
  lw_field_show_error (GTK_WIDGET (entry), label, message);
}

void
lw_controls_panel_show_block_error (LwControlsPanel *self, guint block, const char *message)
{
  g_return_if_fail (LW_IS_CONTROLS_PANEL (self));
  if (block < self->rows->len)
    lw_block_row_show_error (g_ptr_array_index (self->rows, block), message);
}

GtkEntry *
lw_controls_panel_get_entry (LwControlsPanel *self, LwField field)
{
  GtkEntry *entry = NULL;

  g_return_val_if_fail (LW_IS_CONTROLS_PANEL (self) && field < LW_N_FIELDS, NULL);
  field_label (self, field, &entry);
  return entry;
}

GtkDropDown *
lw_controls_panel_get_preset_dropdown (LwControlsPanel *self)
{
  g_return_val_if_fail (LW_IS_CONTROLS_PANEL (self), NULL);
  return self->preset_dropdown;
}

/* Parses an entry and sends its action; a typing error is shown here, a
 * value out of range by the window when the session refuses it. */
static void
send_entry (LwControlsPanel *self, LwField field, const char *action)
{
  GtkEntry *entry = lw_controls_panel_get_entry (self, field);
  double value;

  if (!entry_value (entry, &value))
    {
      lw_controls_panel_show_error (self, field, _("Type a number, e.g. 0.001 or 1e-3"));
      return;
    }
  lw_controls_panel_show_error (self, field, NULL);
  gtk_widget_activate_action (GTK_WIDGET (self), action, "d", value);
}

static void
on_beta_activate (LwControlsPanel *self)
{
  send_entry (self, LW_FIELD_BETA, "win.set-beta");
}

static void
on_lr_activate (LwControlsPanel *self)
{
  send_entry (self, LW_FIELD_LR, "win.set-lr");
}

static void
on_dropout_activate (LwControlsPanel *self)
{
  send_entry (self, LW_FIELD_DROPOUT, "win.set-dropout");
}

/* Both entries go together; the window parses the milestones (with the
 * CLI's parser and messages) and the session checks the factor. */
static void
on_lr_schedule_activate (LwControlsPanel *self)
{
  double factor;

  lw_controls_panel_show_error (self, LW_FIELD_LR_MILESTONES, NULL);
  lw_controls_panel_show_error (self, LW_FIELD_LR_DECAY, NULL);
  if (!entry_value (self->decay_entry, &factor))
    {
      lw_controls_panel_show_error (self, LW_FIELD_LR_DECAY, _("Type a number, e.g. 0.25"));
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-lr-schedule", "(sd)",
                              gtk_editable_get_text (GTK_EDITABLE (self->milestones_entry)),
                              factor);
}

char *
lw_controls_panel_describe_schedule (const LwLrSchedule *s, guint epoch, guint next)
{
  g_autofree char *list = NULL;
  char factor[G_ASCII_DTOSTR_BUF_SIZE];

  if (s->n_milestones == 0)
    return g_strdup (_("No milestones: the rate changes only when you change it"));
  list = lw_lr_schedule_milestones_list (s);
  g_snprintf (factor, sizeof factor, "%g", s->factor);
  /* The last one passed as the epoch after it began. */
  if (next == 0 && s->milestones[s->n_milestones - 1] < epoch)
    /* Translators: the factor, then the milestone epochs, all passed. */
    return g_strdup_printf (_("×%s after epochs %s; all passed"), factor, list);
  if (next == 0)
    /* Translators: the factor, then the milestone epochs; the run stops at
     * its last epoch before the rest of them. */
    return g_strdup_printf (_("×%s after epochs %s; the run ends before the rest"), factor,
                            list);
  /* Translators: the factor, the milestone epochs, then the next of them. */
  return g_strdup_printf (_("×%s after epochs %s; next after %u"), factor, list, next);
}

const char *
lw_controls_panel_get_schedule_text (LwControlsPanel *self)
{
  g_return_val_if_fail (LW_IS_CONTROLS_PANEL (self), NULL);
  return gtk_label_get_text (self->lr_schedule_label);
}

/* The rates the schedule will set, as marks on the rate's slider; none
 * for milestones at or after the last epoch of a run that has one. */
static void
mark_schedule_rates (LwControlsPanel *self, float lr, const LwLrSchedule *s, guint next,
                     guint max_epochs)
{
  GtkAdjustment *adj = gtk_range_get_adjustment (GTK_RANGE (self->lr_scale));
  double rate = lr;

  gtk_scale_clear_marks (self->lr_scale);
  for (guint i = 0; i < s->n_milestones && next > 0; i++)
    if (s->milestones[i] >= next && (max_epochs == 0 || s->milestones[i] < max_epochs))
      {
        double at;

        rate *= s->factor;
        at = log10 (rate);
        if (rate > 0.0 && at >= gtk_adjustment_get_lower (adj))
          gtk_scale_add_mark (self->lr_scale, at, GTK_POS_BOTTOM, NULL);
      }
}

static void
show_schedule (LwControlsPanel *self, const LwSnapshot *snap)
{
  gboolean changed = !lw_lr_schedule_equal (&snap->lr_schedule, &self->shown_schedule);
  g_autofree char *text = NULL;

  if (changed || snap->lr_next_milestone != self->shown_next || snap->lr != self->shown_lr
      || snap->max_epochs != self->shown_max_epochs)
    mark_schedule_rates (self, snap->lr, &snap->lr_schedule, snap->lr_next_milestone,
                         snap->max_epochs);
  self->shown_max_epochs = snap->max_epochs;
  if (!changed && snap->lr_next_milestone == self->shown_next && snap->epoch == self->shown_epoch)
    return;
  self->shown_epoch = snap->epoch;
  text = lw_controls_panel_describe_schedule (&snap->lr_schedule, snap->epoch,
                                              snap->lr_next_milestone);
  gtk_label_set_text (self->lr_schedule_label, text);
  if (changed)
    {
      g_autofree char *milestones = snap->lr_schedule.n_milestones > 0
                                    ? lw_lr_schedule_milestones_text (&snap->lr_schedule)
                                    : g_strdup ("");

      gtk_editable_set_text (GTK_EDITABLE (self->milestones_entry), milestones);
      set_entry_value (self->decay_entry, snap->lr_schedule.factor, FALSE);
      lw_controls_panel_show_error (self, LW_FIELD_LR_MILESTONES, NULL);
      lw_controls_panel_show_error (self, LW_FIELD_LR_DECAY, NULL);
      self->shown_schedule = snap->lr_schedule;
    }
  self->shown_next = snap->lr_next_milestone;
}

static gboolean
lr_settled (gpointer user_data)
{
  LwControlsPanel *self = user_data;

  self->lr_settle_id = 0;
  on_lr_activate (self);
  return G_SOURCE_REMOVE;
}

static void
on_lr_scale_changed (LwControlsPanel *self)
{
  double rate;
  g_autofree char *text = NULL;

  if (self->syncing)
    return;
  /* Two significant digits: the slider is for coarse moves. */
  rate = pow (10.0, gtk_range_get_value (GTK_RANGE (self->lr_scale)));
  text = g_strdup_printf ("%.2g", rate);
  gtk_editable_set_text (GTK_EDITABLE (self->lr_entry), text);
  g_clear_handle_id (&self->lr_settle_id, g_source_remove);
  self->lr_settle_id = g_timeout_add (LR_SLIDER_SETTLE_MS, lr_settled, self);
}

static void
on_loss_selected (LwControlsPanel *self)
{
  guint loss = gtk_drop_down_get_selected (self->loss_dropdown);

  if (self->syncing || loss >= LW_N_LOSSES)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-loss", "s",
                              lw_loss_type_to_string ((LwLossType) loss));
}

static void
rebuild_rows (LwControlsPanel *self, guint n_blocks)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->block_box))) != NULL)
    gtk_box_remove (self->block_box, child);
  g_ptr_array_set_size (self->rows, 0);
  for (guint b = 0; b < n_blocks; b++)
    {
      GtkWidget *row = lw_block_row_new (b);

      gtk_box_append (self->block_box, row);
      g_ptr_array_add (self->rows, row);
    }
}

/* The switch's state is the window's no-detach action's; what it does,
 * and why it is off under bp, depends on the run. */
static void
update_no_detach_tip (LwControlsPanel *self, const LwSnapshot *snap)
{
  const char *what = _("The local losses are also backpropagated through all lower blocks and "
                       "added to the global cross-entropy, and every layer learns from the sum: "
                       "the similarity loss as a regulariser of backprop (the paper's code's "
                       "--no-detach). Takes effect at the next batch");
  g_autofree char *tip = NULL;

  if (snap->loss == LW_LOSS_BP)
    tip = g_strdup (_("Not with bp, which already sends the output's error through every "
                      "block: choose a local loss to use it"));
  else if (snap->n_stages > 0)
    /* Translators: %s is the switch's description above. */
    tip = g_strdup_printf (_("%s. The pipeline runs these steps whole, one batch at a time, as "
                             "it runs bp's: no pipelining while it is on"), what);
  else
    tip = g_strdup (what);
  /* Set only when it changes, so that an open tooltip stays put. */
  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (self->no_detach_check)), tip) != 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->no_detach_check), tip);
}

void
lw_controls_panel_update (LwControlsPanel *self, const LwSnapshot *snap)
{
  g_return_if_fail (LW_IS_CONTROLS_PANEL (self) && snap != NULL);

  if (snap->state == LW_RUN_LOADING || snap->state == LW_RUN_FAILED)
    return;

  self->syncing = TRUE;
  show_schedule (self, snap);
  if ((int) snap->loss != self->shown_loss)
    {
      gtk_drop_down_set_selected (self->loss_dropdown, snap->loss);
      self->shown_loss = (int) snap->loss;
    }
  if (snap->beta != self->shown_beta)
    {
      set_entry_value (self->beta_entry, snap->beta, FALSE);
      lw_controls_panel_show_error (self, LW_FIELD_BETA, NULL);
      self->shown_beta = snap->beta;
    }
  if (snap->lr != self->shown_lr)
    {
      set_entry_value (self->lr_entry, snap->lr, TRUE);
      lw_controls_panel_show_error (self, LW_FIELD_LR, NULL);
      if (self->lr_settle_id == 0)
        gtk_range_set_value (GTK_RANGE (self->lr_scale), log10 (snap->lr));
      self->shown_lr = snap->lr;
    }
  if (snap->dropout != self->shown_dropout)
    {
      set_entry_value (self->dropout_entry, snap->dropout, FALSE);
      lw_controls_panel_show_error (self, LW_FIELD_DROPOUT, NULL);
      self->shown_dropout = snap->dropout;
    }
  self->syncing = FALSE;
  update_no_detach_tip (self, snap);

  if (self->rows->len != snap->n_blocks)
    rebuild_rows (self, snap->n_blocks);
  for (guint b = 0; b < self->rows->len; b++)
    lw_block_row_update (g_ptr_array_index (self->rows, b), snap);
}

/* Pending settings of the next run. */

static int
find_dataset (LwControlsPanel *self, LwDatasetKind kind, const char *dir)
{
  for (guint i = 0; i < self->datasets->len; i++)
    {
      LwDatasetChoice *c = g_ptr_array_index (self->datasets, i);

      if (c->kind == kind && g_strcmp0 (c->dir, dir) == 0)
        return (int) i;
    }
  return -1;
}

static guint
add_dataset (LwControlsPanel *self, LwDatasetKind kind, const char *dir)
{
  int i = find_dataset (self, kind, dir);
  LwDatasetChoice *choice;

  if (i >= 0)
    return (guint) i;
  choice = lw_dataset_choice_new (kind, dir);
  g_ptr_array_add (self->datasets, choice);
  gtk_string_list_append (self->dataset_names, choice->label);
  return self->datasets->len - 1;
}

void
lw_controls_panel_show_pending (LwControlsPanel *self, const LwRunSettings *settings,
                                const char *preset_id)
{
  const LwPreset *chosen = preset_id != NULL ? lw_choices_lookup_preset (preset_id) : NULL;
  int preset;

  g_return_if_fail (LW_IS_CONTROLS_PANEL (self) && settings != NULL);

  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->dataset_dropdown,
                              add_dataset (self, settings->dataset, settings->data_dir));
  preset = lw_choices_find_preset (settings->model.arch, settings->model.num_layers,
                                   settings->model.num_hidden);
  if (chosen != NULL && chosen->arch == settings->model.arch
      && chosen->num_layers == settings->model.num_layers
      && chosen->num_hidden == settings->model.num_hidden)
    for (guint i = 0; i < lw_choices_n_presets (); i++)
      if (lw_choices_get_preset (i) == chosen)
        preset = (int) i;
  gtk_drop_down_set_selected (self->preset_dropdown,
                              preset >= 0 ? (guint) preset : GTK_INVALID_LIST_POSITION);
  gtk_spin_button_set_value (self->batch_spin, settings->model.batch_size);
  gtk_spin_button_set_value (self->seed_spin, (double) settings->model.seed);
  gtk_check_button_set_active (self->batch_norm_check, !settings->model.no_batch_norm);
  gtk_check_button_set_active (self->similarity_std_check, !settings->model.no_similarity_std);
  self->syncing = FALSE;
}

static void
on_dataset_selected (LwControlsPanel *self)
{
  guint i = gtk_drop_down_get_selected (self->dataset_dropdown);
  LwDatasetChoice *c;

  if (self->syncing || i >= self->datasets->len)
    return;
  lw_field_show_error (GTK_WIDGET (self->dataset_dropdown), self->dataset_error, NULL);
  c = g_ptr_array_index (self->datasets, i);
  if (c->dir != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.set-dataset-folder", "s", c->dir);
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "win.set-dataset", "s",
                                lw_dataset_kind_to_string (c->kind));
}

gboolean
lw_controls_panel_choose_folder (LwControlsPanel *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  LwDatasetKind kind;

  g_return_val_if_fail (LW_IS_CONTROLS_PANEL (self) && path != NULL, FALSE);
  /* Refused here, where it was chosen: else only the next run would fail. */
  if (!lw_dataset_folder_check (path, &kind, &error))
    {
      lw_field_show_error (GTK_WIDGET (self->dataset_dropdown), self->dataset_error, error->message);
      return FALSE;
    }
  lw_field_show_error (GTK_WIDGET (self->dataset_dropdown), self->dataset_error, NULL);
  gtk_drop_down_set_selected (self->dataset_dropdown, add_dataset (self, kind, path));
  return TRUE;
}

const char *
lw_controls_panel_get_dataset_error (LwControlsPanel *self)
{
  g_return_val_if_fail (LW_IS_CONTROLS_PANEL (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->dataset_error))
         ? gtk_label_get_text (self->dataset_error) : NULL;
}

static void
on_folder_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  LwControlsPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        lw_controls_panel_choose_folder (self, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
on_open_folder_clicked (LwControlsPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Open Dataset Folder"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_folder_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_preset_selected (LwControlsPanel *self)
{
  guint i = gtk_drop_down_get_selected (self->preset_dropdown);

  if (self->syncing || i >= lw_choices_n_presets ())
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-preset", "s",
                              lw_choices_get_preset (i)->id);
}

static void
on_batch_changed (LwControlsPanel *self)
{
  if (self->syncing)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-batch-size", "u",
                              (guint) gtk_spin_button_get_value_as_int (self->batch_spin));
}

static void
on_seed_changed (LwControlsPanel *self)
{
  if (self->syncing)
    return;
  /* The box holds up to 2^53 - 1, which a double keeps exactly; an int
   * would stop at 2^31 - 1. */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-seed", "t",
                              (guint64) gtk_spin_button_get_value (self->seed_spin));
}

static void
on_batch_norm_toggled (LwControlsPanel *self)
{
  if (self->syncing)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-batch-norm", "b",
                              gtk_check_button_get_active (self->batch_norm_check));
}

static void
on_similarity_std_toggled (LwControlsPanel *self)
{
  if (self->syncing)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-similarity-std", "b",
                              gtk_check_button_get_active (self->similarity_std_check));
}

static void
lw_controls_panel_dispose (GObject *object)
{
  LwControlsPanel *self = LW_CONTROLS_PANEL (object);

  g_clear_handle_id (&self->lr_settle_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), LW_TYPE_CONTROLS_PANEL);
  G_OBJECT_CLASS (lw_controls_panel_parent_class)->dispose (object);
}

static void
lw_controls_panel_finalize (GObject *object)
{
  LwControlsPanel *self = LW_CONTROLS_PANEL (object);

  g_ptr_array_unref (self->datasets);
  g_ptr_array_unref (self->rows);
  G_OBJECT_CLASS (lw_controls_panel_parent_class)->finalize (object);
}

static void
lw_controls_panel_class_init (LwControlsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_controls_panel_dispose;
  object_class->finalize = lw_controls_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-controls-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, loss_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, beta_entry);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, beta_error);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, lr_scale);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, lr_entry);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, lr_error);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, dropout_entry);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, dropout_error);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, lr_schedule_label);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, milestones_entry);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, decay_entry);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, lr_schedule_error);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, block_box);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, dataset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, dataset_error);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, no_detach_check);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, batch_norm_check);
  gtk_widget_class_bind_template_child (widget_class, LwControlsPanel, similarity_std_check);
  gtk_widget_class_bind_template_callback (widget_class, on_loss_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_beta_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_lr_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_lr_scale_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_dropout_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_lr_schedule_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_dataset_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_open_folder_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_preset_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_batch_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_seed_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_batch_norm_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_similarity_std_toggled);
}

/* The drop-downs show names the user chose (a folder, a preset's label):
 * their labels ellipsize, so a long name never widens the sidebar and the
 * window past the screen. max_chars (as data) caps the natural width. */
static void
setup_name_item (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer max_chars)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  /* At the end: a network's sizes come first, and stay. */
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), GPOINTER_TO_INT (max_chars));
  gtk_list_item_set_child (item, label);
}

static void
bind_name_item (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer max_chars)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  const char *name = gtk_string_object_get_string (gtk_list_item_get_item (item));

  gtk_label_set_text (label, name);
  /* The whole name, where it is cut short. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (label),
                               g_utf8_strlen (name, -1) > GPOINTER_TO_INT (max_chars) ? name : NULL);
}

static GtkListItemFactory *
name_factory_new (int max_chars)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_name_item), GINT_TO_POINTER (max_chars));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_name_item), GINT_TO_POINTER (max_chars));
  return factory;
}

/* The button shows a short name; its list, opened, has room for more. */
static void
ellipsize_names (GtkDropDown *dropdown)
{
  g_autoptr (GtkListItemFactory) button = name_factory_new (NAME_BUTTON_CHARS);
  g_autoptr (GtkListItemFactory) list = name_factory_new (NAME_LIST_CHARS);

  gtk_drop_down_set_factory (dropdown, button);
  gtk_drop_down_set_list_factory (dropdown, list);
}

void
lw_controls_panel_reload_presets (LwControlsPanel *self)
{
  g_autoptr (GtkStringList) presets = gtk_string_list_new (NULL);
  gboolean syncing = self->syncing;

  g_return_if_fail (LW_IS_CONTROLS_PANEL (self));
  self->syncing = TRUE;
  for (guint i = 0; i < lw_choices_n_presets (); i++)
    gtk_string_list_append (presets, lw_choices_get_preset (i)->label);
  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (presets));
  self->syncing = syncing;
}

static void
lw_controls_panel_init (LwControlsPanel *self)
{
  g_autoptr (GPtrArray) found = NULL;

  self->shown_loss = -1;
  self->shown_beta = self->shown_lr = self->shown_dropout = NAN;
  /* No schedule the engine can have: the first snapshot shows its own. */
  lw_lr_schedule_init (&self->shown_schedule);
  self->shown_schedule.factor = NAN;
  self->shown_next = G_MAXUINT;
  self->rows = g_ptr_array_new ();
  self->syncing = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  {
    GtkEntry *numbers[] = { self->beta_entry, self->lr_entry, self->dropout_entry,
                            self->decay_entry };

    for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
      g_signal_connect (numbers[i], "changed", G_CALLBACK (on_value_entry_changed), NULL);
  }
  ellipsize_names (self->dataset_dropdown);
  ellipsize_names (self->preset_dropdown);

  self->datasets = g_ptr_array_new_with_free_func ((GDestroyNotify) lw_dataset_choice_free);
  self->dataset_names = gtk_string_list_new (NULL);
  found = lw_choices_find_datasets ();
  for (guint i = 0; i < found->len; i++)
    {
      LwDatasetChoice *c = g_ptr_array_index (found, i);

      add_dataset (self, c->kind, c->dir);
    }
  gtk_drop_down_set_model (self->dataset_dropdown, G_LIST_MODEL (self->dataset_names));
  g_object_unref (self->dataset_names);

  lw_controls_panel_reload_presets (self);
  self->syncing = FALSE;
}
