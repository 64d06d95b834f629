/* test-a11y.c: every control of the window (and of its Save Current
 * Settings as Preset dialog) has a name a screen reader can
 * read: what it is, and for which block. Walks the widget tree of the
 * window shown (under Xvfb) through GTK's own accessibility API.
 *
 * A name, as GTK 4.8 computes it, is the "label" property followed by the
 * names of the widgets that label it (labelled-by), joined by a space.
 * GTK 4.8 cannot tell us the targets of a labelled-by relation set in a
 * .ui file, only that there is one; the mnemonic labels (the labels whose
 * "_" leads to the control) it can. So a control named by an explicit
 * relation alone passes on the relation's presence, and what the AT-SPI
 * bus finally says (where GTK falls back to the type name, "GtkImage") is
 * checked by hand with pyatspi, not here. Nor are the items of menus and
 * drop-down lists, which exist only once open. */
#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "app-helpers.h"
#include "lw-save-preset-dialog.h"

#define LOAD_TIMEOUT_S 60

static gboolean have_display;

static gboolean
is_paused (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = shown (window);

  (void) data;
  return snap != NULL && snap->state == LW_RUN_PAUSED;
}

static gboolean
is_interactive (GtkAccessibleRole role)
{
  switch (role)
    {
    case GTK_ACCESSIBLE_ROLE_BUTTON:
    case GTK_ACCESSIBLE_ROLE_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_COMBO_BOX:
    case GTK_ACCESSIBLE_ROLE_LINK:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM_RADIO:
    case GTK_ACCESSIBLE_ROLE_RADIO:
    case GTK_ACCESSIBLE_ROLE_SEARCH_BOX:
    case GTK_ACCESSIBLE_ROLE_SLIDER:
    case GTK_ACCESSIBLE_ROLE_SPIN_BUTTON:
    case GTK_ACCESSIBLE_ROLE_SWITCH:
    case GTK_ACCESSIBLE_ROLE_TAB:
    case GTK_ACCESSIBLE_ROLE_TEXT_BOX:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The "label" property's value, or NULL. GTK 4.8 has no getter: checking
 * against a value it cannot hold returns the value it holds. */
static char *
label_property (GtkWidget *widget)
{
  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return NULL;
  return gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                             GTK_ACCESSIBLE_PROPERTY_LABEL, "\x01");
}

/* A name a person reads: not empty, not a type name, no mnemonic "_". */
static const char *
bad_name (const char *name)
{
  if (name == NULL || name[0] == '\0')
    return "an empty name";
  if (g_str_has_prefix (name, "Gtk") || g_str_has_prefix (name, "Lw"))
    return "a type name";
  if (strchr (name, '_') != NULL)
    return "a mnemonic underscore";
  return NULL;
}

/* Names of the controls shown → the control: two controls shown at once
 * must be told apart ("Freeze" three times says nothing), but for a
 * drop-down and the button inside it, which are one control. */
static GHashTable *shown_names;

static const char *
same_name_shown (GtkWidget *widget, const char *name)
{
  GtkWidget *other;

  if (name == NULL || !gtk_widget_get_mapped (widget))
    return NULL;
  other = g_hash_table_lookup (shown_names, name);
  if (other == NULL)
    {
      g_hash_table_insert (shown_names, g_strdup (name), widget);
      return NULL;
    }
  if (gtk_widget_is_ancestor (widget, other) || gtk_widget_is_ancestor (other, widget))
    return NULL;
  return "the name of another control shown";
}

static void
check_name (GtkWidget *widget, GString *faults)
{
  g_autofree char *label = label_property (widget);
  gboolean labelled_by = gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget),
                                                           GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  GList *mnemonic_labels = gtk_widget_list_mnemonic_labels (widget);
  const char *fault = NULL;
  const char *name = label;

  if (label != NULL && labelled_by)
    fault = "a name said twice (label property and labelled-by)";
  else if (label != NULL)
    fault = bad_name (label);
  else if (mnemonic_labels != NULL)
    {
      name = gtk_label_get_text (mnemonic_labels->data);
      fault = bad_name (name);
    }
  else if (!labelled_by)
    fault = "no name";
  if (fault == NULL)
    fault = same_name_shown (widget, name);

  if (fault != NULL)
    {
      GtkWidget *parent = gtk_widget_get_parent (widget);

      g_string_append_printf (faults, "\n  %s in %s: %s (\"%s\")", G_OBJECT_TYPE_NAME (widget),
                              parent != NULL ? G_OBJECT_TYPE_NAME (parent) : "nothing",
                              fault, name != NULL ? name : "");
    }
  g_list_free (mnemonic_labels);
}

/* Every widget of the tree, shown or not: a banner that is hidden now
 * is read once it slides in. */
static guint
check_tree (GtkWidget *widget, GString *faults)
{
  guint n = 0;

  /* Menus and drop-down lists are GTK's own, read from their items once
   * open; a scrolled window's scrollbars have no role above "scrollbar". */
  if (GTK_IS_POPOVER (widget))
    return 0;
  if (is_interactive (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget))))
    {
      check_name (widget, faults);
      n++;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    n += check_tree (c, faults);
  return n;
}

/* Fails naming each control of root without a proper name. */
static void
check_names (GtkWidget *root, guint at_least)
{
  g_autoptr (GString) faults = g_string_new (NULL);
  guint n;

  shown_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  n = check_tree (root, faults);
  g_clear_pointer (&shown_names, g_hash_table_unref);
  g_test_message ("%s: %u controls", G_OBJECT_TYPE_NAME (root), n);
  g_assert_cmpuint (n, >=, at_least);
  if (faults->len > 0)
    g_error ("controls without a proper accessible name in %s:%s", G_OBJECT_TYPE_NAME (root),
             faults->str);
}

static GtkWidget *
find_toplevel_of_type (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
        return w;
    }
  return NULL;
}

static void
test_names (void)
{
  LwApplication *app;
  LwAppOptions *options;
  LwWindow *window;
  GtkWidget *dialog;

  if (!have_display)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (&options);
  options->preset = g_strdup ("3x256");
  window = app_open_window (app);
  wait_until (window, is_paused, NULL, LOAD_TIMEOUT_S, "the dataset");
  settle (200);

  /* The header's, the sidebar's (with a row per block of three), the
   * pages', the presentation bar's. */
  check_names (GTK_WIDGET (window), 60);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-preset", NULL);
  dialog = find_toplevel_of_type (LW_TYPE_SAVE_PRESET_DIALOG);
  g_assert_nonnull (dialog);
  settle (200);
  /* Cancel, Save and the name. */
  check_names (dialog, 3);
  gtk_window_destroy (GTK_WINDOW (dialog));
  app_close (app, window);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = g_dir_make_tmp ("test-a11y-data-XXXXXX", NULL);
  g_autofree char *config_dir = g_dir_make_tmp ("test-a11y-config-XXXXXX", NULL);
  int status;

  /* Autosaves and presets go here, not into the user's folders. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  have_display = gtk_init_check ();
  g_test_add_func ("/a11y/window/names", test_names);
  status = g_test_run ();
  for (guint i = 0; i < 2; i++)
    {
      const char *dir = i == 0 ? data_home : config_dir;
      g_autofree char *sub = g_build_filename (dir, "layerwise", NULL);

      g_rmdir (sub);
      g_rmdir (dir);
    }
  return status;
}
