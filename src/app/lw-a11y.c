/* lw-a11y.c
 *
 * GTK 4.8 names a control by its "label" property followed by the labels
 * that label it (labelled-by), joined by a space. Two of its own widgets
 * get that wrong, and a screen reader reads what they give:
 *  - A button with a mnemonic ("Start _New Run") sets the property to the
 *    raw text, underscore and all, and its label child labels it too:
 *    "Start _New Run Start New Run". A check button sets the raw text only.
 *  - A button with an icon is labelled by its image, whose name is its
 *    type name: "Step GtkImage" once the button has a name of its own.
 *  - A drop-down's focusable part is a toggle button inside it, which has
 *    no name at all, so its type name is read ("GtkToggleButton").
 * lw_a11y_mend_names mends both in a tree built from a template. */
#include "lw-a11y.h"

/* "Start _New Run" → "Start New Run"; "__" stays one underscore. */
static char *
strip_mnemonic (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          if (p[1] != '_')
            continue;
          p++;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
mend_mnemonic (GtkWidget *widget, const char *label)
{
  GList *labels = gtk_widget_list_mnemonic_labels (widget);

  /* The label child names the button already: drop the raw text. */
  if (labels != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
  else
    {
      g_autofree char *name = strip_mnemonic (label);

      gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
    }
  g_list_free (labels);
}

/* The drop-down's toggle button is named by what names the drop-down:
 * the label whose mnemonic leads to it. A drop-down without one sets its
 * button's name itself (lw-page-switcher.c). */
static void
mend_drop_down (GtkWidget *drop_down)
{
  GList *labels = gtk_widget_list_mnemonic_labels (drop_down);

  if (labels != NULL)
    for (GtkWidget *c = gtk_widget_get_first_child (drop_down); c != NULL;
         c = gtk_widget_get_next_sibling (c))
      if (GTK_IS_TOGGLE_BUTTON (c))
        gtk_accessible_update_relation (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                        labels->data, NULL, -1);
  g_list_free (labels);
}

void
lw_a11y_mend_names (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root))
      && gtk_button_get_label (GTK_BUTTON (root)) != NULL)
    mend_mnemonic (root, gtk_button_get_label (GTK_BUTTON (root)));
  else if (GTK_IS_CHECK_BUTTON (root)
           && gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (root))
           && gtk_check_button_get_label (GTK_CHECK_BUTTON (root)) != NULL)
    mend_mnemonic (root, gtk_check_button_get_label (GTK_CHECK_BUTTON (root)));
  else if (GTK_IS_BUTTON (root) && gtk_button_get_icon_name (GTK_BUTTON (root)) != NULL)
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (root), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  else if (GTK_IS_DROP_DOWN (root))
    mend_drop_down (root);

  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    lw_a11y_mend_names (c);
}
