/* test-shortcuts.c: the window's table of keys (lw-window-actions.c) and
 * the keyboard shortcuts window (ui/gtk/help-overlay.ui) list the same
 * keys, so that a key added to one and not the other fails here. */
#include "config.h"

#include <gtk/gtk.h>

#include "lw-window-private.h"

#define OVERLAY_RESOURCE "/io/github/layerwise/Layerwise/gtk/help-overlay.ui"

typedef struct {
  char *group;
  char *accels;
  char *title;
} Line;

typedef struct {
  GPtrArray *objects;     /* the class of each <object> open, innermost last */
  char *property;         /* the <property> open, or NULL */
  GString *text;
  char *group;            /* the title of the group being read */
  char *accels, *title;   /* of the shortcut being read */
  GArray *lines;
} Reader;

static void
replace (char **str, const char *value)
{
  g_free (*str);
  *str = g_strdup (value);
}

static const char *
innermost (Reader *r)
{
  return r->objects->len > 0 ? g_ptr_array_index (r->objects, r->objects->len - 1) : "";
}

static void
start_element (GMarkupParseContext *context, const char *element, const char **names,
               const char **values, gpointer data, GError **error)
{
  Reader *r = data;

  if (g_str_equal (element, "object"))
    {
      const char *class = "";

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "class"))
          class = values[i];
      g_ptr_array_add (r->objects, g_strdup (class));
    }
  else if (g_str_equal (element, "property"))
    {
      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "name"))
          r->property = g_strdup (values[i]);
      g_string_truncate (r->text, 0);
    }
}

static void
end_element (GMarkupParseContext *context, const char *element, gpointer data, GError **error)
{
  Reader *r = data;

  if (g_str_equal (element, "property") && r->property != NULL)
    {
      gboolean title = g_str_equal (r->property, "title");

      if (g_str_equal (innermost (r), "GtkShortcutsGroup") && title)
        replace (&r->group, r->text->str);
      else if (g_str_equal (innermost (r), "GtkShortcutsShortcut") && title)
        replace (&r->title, r->text->str);
      else if (g_str_equal (innermost (r), "GtkShortcutsShortcut")
               && g_str_equal (r->property, "accelerator"))
        replace (&r->accels, r->text->str);
      /* A line that names its action would show the keys installed for
       * it, not the table's: the table's keys are written out. */
      else if (g_str_equal (innermost (r), "GtkShortcutsShortcut"))
        g_error ("help-overlay.ui: unexpected property “%s” on a shortcut", r->property);
      g_clear_pointer (&r->property, g_free);
    }
  else if (g_str_equal (element, "object"))
    {
      if (g_str_equal (innermost (r), "GtkShortcutsShortcut"))
        {
          Line line = { g_strdup (r->group), g_steal_pointer (&r->accels),
                        g_steal_pointer (&r->title) };

          g_assert_nonnull (line.group);
          g_assert_nonnull (line.accels);
          g_assert_nonnull (line.title);
          g_array_append_val (r->lines, line);
        }
      g_ptr_array_remove_index (r->objects, r->objects->len - 1);
    }
}

static void
text (GMarkupParseContext *context, const char *text, gsize len, gpointer data, GError **error)
{
  Reader *r = data;

  if (r->property != NULL)
    g_string_append_len (r->text, text, (gssize) len);
}

static void
clear_line (gpointer data)
{
  Line *line = data;

  g_free (line->group);
  g_free (line->accels);
  g_free (line->title);
}

/* Every shortcut of the help overlay: its group, keys and title. */
static GArray *
read_overlay (void)
{
  static const GMarkupParser parser = { start_element, end_element, text, NULL, NULL };
  g_autoptr (GBytes) bytes = g_resources_lookup_data (OVERLAY_RESOURCE, 0, NULL);
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GError) error = NULL;
  Reader r = { g_ptr_array_new_with_free_func (g_free), NULL, g_string_new (NULL), NULL, NULL,
               NULL, g_array_new (FALSE, TRUE, sizeof (Line)) };
  gsize size;
  const char *xml;

  g_assert_nonnull (bytes);
  xml = g_bytes_get_data (bytes, &size);
  g_array_set_clear_func (r.lines, clear_line);
  context = g_markup_parse_context_new (&parser, 0, &r, NULL);
  g_markup_parse_context_parse (context, xml, (gssize) size, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  g_ptr_array_unref (r.objects);
  g_string_free (r.text, TRUE);
  g_free (r.group);
  return r.lines;
}

static gboolean
same (const LwShortcut *s, const Line *line)
{
  return g_strcmp0 (s->group, line->group) == 0 && g_str_equal (s->accels, line->accels)
         && g_str_equal (s->title, line->title);
}

/* Each line of the overlay is one entry of the table, and each entry
 * meant for the overlay is one line there. */
static void
test_overlay_matches_table (void)
{
  g_autoptr (GArray) lines = read_overlay ();
  guint n;
  const LwShortcut *table = lw_window_get_shortcuts (&n);

  g_assert_cmpuint (lines->len, >, 10);
  for (guint i = 0; i < lines->len; i++)
    {
      const Line *line = &g_array_index (lines, Line, i);
      guint found = 0;

      for (guint j = 0; j < n; j++)
        found += same (&table[j], line);
      if (found != 1)
        g_error ("help-overlay.ui lists “%s” (%s, in “%s”) %s in the window's table of keys "
                 "(lw-window-actions.c)", line->accels, line->title, line->group,
                 found == 0 ? "not" : "more than once");
    }
  for (guint j = 0; j < n; j++)
    {
      guint found = 0;

      if (table[j].group == NULL)
        continue;
      for (guint i = 0; i < lines->len; i++)
        found += same (&table[j], &g_array_index (lines, Line, i));
      if (found != 1)
        g_error ("the table of keys has “%s” (%s) for the help overlay, which lists it %s",
                 table[j].accels, table[j].title, found == 0 ? "not" : "more than once");
    }
}

/* The keys GTK installs parse, plain keys have no modifier, and every key
 * but those handled elsewhere names its action. */
static void
test_table_keys (void)
{
  guint n;
  const LwShortcut *table = lw_window_get_shortcuts (&n);

  for (guint j = 0; j < n; j++)
    {
      g_auto (GStrv) accels = g_strsplit (table[j].accels, " ", -1);

      g_assert_nonnull (accels[0]);
      if (table[j].kind != LW_KEY_OTHER)
        g_assert_nonnull (table[j].action);
      for (guint k = 0; accels[k] != NULL; k++)
        {
          guint key = 0;
          GdkModifierType mods = 0;

          if (!gtk_accelerator_parse (accels[k], &key, &mods))
            g_error ("“%s” (%s) is no accelerator", accels[k], table[j].title);
          g_assert_cmpuint (key, !=, 0);
          if (table[j].kind == LW_KEY_PLAIN)
            g_assert_cmpuint (mods, ==, 0);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/shortcuts/overlay-matches-table", test_overlay_matches_table);
  g_test_add_func ("/shortcuts/table-keys", test_table_keys);
  return g_test_run ();
}
