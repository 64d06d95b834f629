/* lw-save-preset-dialog.c: the name is checked when Save is pressed; a
 * name of the user's own presets asks once more, with the button saying
 * Replace, until the name is edited. */
#include "lw-save-preset-dialog.h"

#include <glib/gi18n.h>

#include "lw-a11y.h"
#include "lw-status-bar.h"

struct _LwSavePresetDialog
{
  GtkWindow parent_instance;

  GtkButton *save_button;
  GtkLabel *summary_label;
  GtkEntry *name_entry;
  GtkLabel *message_label;
  GtkLabel *path_label;

  LwPreset preset;            /* what is saved; id and label owned */
  const LwPresetList *presets;
  char *path;
  char *confirmed;            /* the user's preset the user agreed to replace */
};

G_DEFINE_FINAL_TYPE (LwSavePresetDialog, lw_save_preset_dialog, GTK_TYPE_WINDOW)

enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_message (LwSavePresetDialog *self, const char *message, gboolean error)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
  if (error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->name_entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->name_entry), "error");
    }
}

static void
set_replacing (LwSavePresetDialog *self, gboolean replacing)
{
  gtk_button_set_label (self->save_button, replacing ? _("_Replace") : _("_Save"));
  if (replacing)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->save_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->save_button), "destructive-action");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->save_button), "destructive-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->save_button), "suggested-action");
    }
}

static void
on_name_changed (LwSavePresetDialog *self)
{
  g_clear_pointer (&self->confirmed, g_free);
  set_replacing (self, FALSE);
  show_message (self, NULL, FALSE);
}

gboolean
lw_save_preset_dialog_save (LwSavePresetDialog *self)
{
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;
  const LwPreset *existing;

  g_return_val_if_fail (LW_IS_SAVE_PRESET_DIALOG (self), FALSE);

  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry))));
  if (!lw_preset_name_check (name, &error))
    {
      show_message (self, error->message, TRUE);
      return FALSE;
    }
  existing = lw_preset_list_lookup (self->presets, name);
  if (existing != NULL && !existing->user)
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is a built-in preset: choose another name."), name);

      show_message (self, message, TRUE);
      return FALSE;
    }
  if (existing != NULL && g_strcmp0 (self->confirmed, name) != 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("You have a preset named “%s” already. Press Replace to overwrite it."),
                         name);

      g_free (self->confirmed);
      self->confirmed = g_strdup (name);
      show_message (self, message, FALSE);
      set_replacing (self, TRUE);
      return FALSE;
    }

  g_free (self->preset.id);
  g_free (self->preset.label);
  self->preset.id = g_strdup (name);
  self->preset.label = g_strdup (name);
  if (!lw_preset_save (&self->preset, self->path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot save the preset: %s"), error->message);

      show_message (self, message, TRUE);
      return FALSE;
    }
  g_signal_emit (self, signals[SAVED], 0, name);
  gtk_window_destroy (GTK_WINDOW (self));
  return TRUE;
}

static void
on_save_clicked (LwSavePresetDialog *self)
{
  lw_save_preset_dialog_save (self);
}

static void
lw_save_preset_dialog_finalize (GObject *object)
{
  LwSavePresetDialog *self = LW_SAVE_PRESET_DIALOG (object);

  g_free (self->preset.id);
  g_free (self->preset.label);
  g_free (self->preset.data_dir);
  g_free (self->path);
  g_free (self->confirmed);
  G_OBJECT_CLASS (lw_save_preset_dialog_parent_class)->finalize (object);
}

static void
lw_save_preset_dialog_class_init (LwSavePresetDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lw_save_preset_dialog_finalize;
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-save-preset-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LwSavePresetDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, LwSavePresetDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LwSavePresetDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, LwSavePresetDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, LwSavePresetDialog, path_label);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lw_save_preset_dialog_init (LwSavePresetDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  lw_a11y_mend_names (GTK_WIDGET (self));
}

/* The network in words: a conv net's conv blocks are its own, and only its
 * fully connected part has the geometry. */
static char *
describe_network (const LwPreset *p)
{
  if (lw_arch_is_conv (p->arch))
    /* Translators: a conv net and its fully connected part, e.g. "vgg-mini (conv), FC 1×256". */
    return g_strdup_printf (_("%s (conv), FC %u×%u"), lw_arch_to_string (p->arch),
                            p->num_layers, p->num_hidden);
  /* Translators: an MLP, blocks × units, e.g. "mlp 3×1024". */
  return g_strdup_printf (_("%s %u×%u"), lw_arch_to_string (p->arch), p->num_layers,
                          p->num_hidden);
}

/* The dataset: a folder of the user's by its name. */
static char *
describe_dataset (const LwPreset *p)
{
  return p->data_dir != NULL ? g_path_get_basename (p->data_dir)
                             : g_strdup (lw_dataset_kind_to_string (p->dataset));
}

/* The recipe a preset holds beyond the network and its run: dropout, the
 * non-linearity, the pred heads' pooling, the schedule and the epoch limit,
 * each only if the preset sets it; NULL when it sets none. */
static char *
describe_recipe (const LwPreset *p)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  char *text = NULL;

  if (p->sets & LW_PRESET_SETS_DROPOUT)
    /* Translators: part of a preset's recipe, e.g. "dropout 0.1". */
    g_ptr_array_add (parts, g_strdup_printf (_("dropout %g"), p->dropout));
  if (p->sets & LW_PRESET_SETS_NONLIN)
    g_ptr_array_add (parts, g_strdup (lw_nonlin_to_string (p->nonlin)));
  /* The pooling only shapes a conv net's heads. */
  if ((p->sets & LW_PRESET_SETS_DIM_IN_DECODER) && lw_arch_is_conv (p->arch))
    /* Translators: the pred heads' input size, e.g. "pred heads 1024 inputs". */
    g_ptr_array_add (parts, g_strdup_printf (_("pred heads %u inputs"), p->dim_in_decoder));
  if ((p->sets & LW_PRESET_SETS_LR_SCHEDULE) && p->lr_schedule.n_milestones > 0)
    {
      g_autofree char *list = lw_lr_schedule_milestones_list (&p->lr_schedule);

      /* Translators: the learning-rate schedule, e.g. "lr ×0.25 after epochs 50, 75". */
      g_ptr_array_add (parts, g_strdup_printf (_("lr ×%g after epochs %s"),
                                               p->lr_schedule.factor, list));
    }
  if ((p->sets & LW_PRESET_SETS_EPOCHS) && p->epochs > 0)
    /* Translators: the run's epoch limit, e.g. "100 epochs". */
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u epoch", "%u epochs",
                                                          p->epochs), p->epochs));
  if (parts->len > 0)
    {
      g_ptr_array_add (parts, NULL);
      text = g_strjoinv (", ", (char **) parts->pdata);
    }
  g_ptr_array_unref (parts);
  return text;
}

LwSavePresetDialog *
lw_save_preset_dialog_new (GtkWindow *parent, const LwPreset *settings,
                           const LwPresetList *presets, const char *path)
{
  LwSavePresetDialog *self;
  g_autofree char *rate = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *where = NULL;
  g_autofree char *network = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *recipe = NULL;
  char seed[24];

  g_return_val_if_fail (settings != NULL && presets != NULL && path != NULL, NULL);

  self = g_object_new (LW_TYPE_SAVE_PRESET_DIALOG, "transient-for", parent, NULL);
  self->preset = *settings;
  self->preset.id = NULL;
  self->preset.label = NULL;
  self->preset.data_dir = g_strdup (settings->data_dir);
  self->presets = presets;
  self->path = g_strdup (path);

  rate = lw_format_rate (settings->lr);
  network = describe_network (settings);
  dataset = describe_dataset (settings);
  g_snprintf (seed, sizeof seed, "%" G_GUINT64_FORMAT, settings->seed);
  /* Translators: what a new preset holds: the network, the dataset (or its
   * folder's name), e.g. "mlp 3×1024 on mnist-subset, predsim, lr 5e-4,
   * beta 0.99, batch 128, seed 1". */
  summary = g_strdup_printf (_("%s on %s, %s, lr %s, beta %g, batch %u, seed %s"),
                             network, dataset, lw_loss_type_to_string (settings->loss), rate,
                             settings->beta, settings->batch_size, seed);
  recipe = describe_recipe (settings);
  if (recipe != NULL)
    {
      char *both = g_strconcat (summary, "\n", recipe, NULL);

      g_free (summary);
      summary = both;
    }
  gtk_label_set_text (self->summary_label, summary);
  where = g_strdup_printf (_("Saved in %s, where --preset finds it too."), path);
  gtk_label_set_text (self->path_label, where);
  return self;
}

GtkEditable *
lw_save_preset_dialog_get_entry (LwSavePresetDialog *self)
{
  g_return_val_if_fail (LW_IS_SAVE_PRESET_DIALOG (self), NULL);
  return GTK_EDITABLE (self->name_entry);
}

const char *
lw_save_preset_dialog_get_summary (LwSavePresetDialog *self)
{
  g_return_val_if_fail (LW_IS_SAVE_PRESET_DIALOG (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

const char *
lw_save_preset_dialog_get_message (LwSavePresetDialog *self)
{
  g_return_val_if_fail (LW_IS_SAVE_PRESET_DIALOG (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
         ? gtk_label_get_text (self->message_label) : NULL;
}
