/* lw-block-row.c */
#include "lw-block-row.h"

#include <math.h>
#include <stdlib.h>
#include <glib/gi18n.h>

#include "lw-status-bar.h"
#include "widgets/lw-colors.h"

struct _LwBlockRow
{
  GtkBox parent_instance;

  GtkDrawingArea *swatch;
  GtkLabel *name_label;
  GtkEntry *mult_entry;
  GtkCheckButton *frozen_check;
  GtkLabel *rate_label;
  GtkLabel *error_label;

  guint block;
  float shown_mult;           /* what the entry shows, from the engine */
  gboolean syncing;           /* setting widgets from a snapshot */
};

G_DEFINE_FINAL_TYPE (LwBlockRow, lw_block_row, GTK_TYPE_BOX)

gboolean
lw_parse_number (const char *text, double *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double v;

  if (copy[0] == '\0')
    return FALSE;
  v = g_ascii_strtod (copy, &end);
  if (end == NULL || *end != '\0')
    {
      v = strtod (copy, &end);
      if (end == NULL || *end != '\0')
        return FALSE;
    }
  if (!isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

void
lw_field_show_error (GtkWidget *entry, GtkLabel *label, const char *message)
{
  if (message != NULL)
    {
      gtk_widget_add_css_class (entry, "error");
      gtk_label_set_text (label, message);
      gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
      gtk_widget_set_tooltip_text (entry, message);
      gtk_accessible_update_state (GTK_ACCESSIBLE (entry),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else if (gtk_widget_has_css_class (entry, "error"))
    {
      gtk_widget_remove_css_class (entry, "error");
      gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
      gtk_widget_set_tooltip_text (entry, NULL);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

static void
draw_swatch (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  LwBlockRow *self = user_data;

  lw_cairo_set_color (cr, lw_color_layer (self->block), 1.0);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0, 0, 2 * G_PI);
  cairo_fill (cr);
}

static void
on_mult_activate (LwBlockRow *self)
{
  double value;

  if (!lw_parse_number (gtk_editable_get_text (GTK_EDITABLE (self->mult_entry)), &value))
    {
      lw_block_row_show_error (self, _("Type a number, e.g. 0.5"));
      return;
    }
  lw_block_row_show_error (self, NULL);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-block-lr-mult", "(ud)", self->block, value);
}

static void
on_frozen_toggled (LwBlockRow *self)
{
  if (self->syncing)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-block-frozen", "(ub)", self->block,
                              gtk_check_button_get_active (self->frozen_check));
}

void
lw_block_row_update (LwBlockRow *self, const LwSnapshot *snap)
{
  float mult;
  g_autofree char *rate = NULL;

  g_return_if_fail (LW_IS_BLOCK_ROW (self) && snap != NULL);
  if (self->block >= snap->n_blocks)
    return;

  self->syncing = TRUE;
  mult = snap->block_lr_mult[self->block];
  /* Leave what the user is typing alone until the engine's value moves. */
  if (mult != self->shown_mult)
    {
      g_autofree char *text = g_strdup_printf ("%g", mult);

      gtk_editable_set_text (GTK_EDITABLE (self->mult_entry), text);
      self->shown_mult = mult;
    }
  if (gtk_check_button_get_active (self->frozen_check) != snap->block_frozen[self->block])
    gtk_check_button_set_active (self->frozen_check, snap->block_frozen[self->block]);
  rate = snap->block_frozen[self->block] ? g_strdup (_("frozen"))
                                         : lw_format_rate ((double) snap->lr * mult);
  if (g_strcmp0 (gtk_label_get_text (self->rate_label), rate) != 0)
    gtk_label_set_text (self->rate_label, rate);
  self->syncing = FALSE;
}

void
lw_block_row_show_error (LwBlockRow *self, const char *message)
{
  g_return_if_fail (LW_IS_BLOCK_ROW (self));
  lw_field_show_error (GTK_WIDGET (self->mult_entry), self->error_label, message);
}

guint
lw_block_row_get_block (LwBlockRow *self)
{
  g_return_val_if_fail (LW_IS_BLOCK_ROW (self), 0);
  return self->block;
}

GtkEntry *
lw_block_row_get_mult_entry (LwBlockRow *self)
{
  g_return_val_if_fail (LW_IS_BLOCK_ROW (self), NULL);
  return self->mult_entry;
}

static void
lw_block_row_class_init (LwBlockRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-block-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LwBlockRow, swatch);
  gtk_widget_class_bind_template_child (widget_class, LwBlockRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, LwBlockRow, mult_entry);
  gtk_widget_class_bind_template_child (widget_class, LwBlockRow, frozen_check);
  gtk_widget_class_bind_template_child (widget_class, LwBlockRow, rate_label);
  gtk_widget_class_bind_template_child (widget_class, LwBlockRow, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_mult_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_frozen_toggled);
}

static void
lw_block_row_init (LwBlockRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown_mult = NAN;
  gtk_drawing_area_set_draw_func (self->swatch, draw_swatch, self, NULL);
}

GtkWidget *
lw_block_row_new (guint block)
{
  LwBlockRow *self = g_object_new (LW_TYPE_BLOCK_ROW, NULL);
  g_autofree char *name = g_strdup_printf (_("Block %u"), block + 1);
  g_autofree char *mult_name = g_strdup_printf (_("Learning-rate multiplier of block %u"), block + 1);
  g_autofree char *frozen_name = g_strdup_printf (_("Freeze block %u"), block + 1);

  self->block = block;
  gtk_label_set_text (self->name_label, name);
  /* Read alone, "Freeze" would not say which block. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->mult_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, mult_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->frozen_check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, frozen_name, -1);
  return GTK_WIDGET (self);
}
