/* app-helpers.c: see app-helpers.h. */
#include "app-helpers.h"

LwApplication *
app_new (LwAppOptions **options)
{
  LwApplication *app = lw_application_new ();

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  if (options != NULL)
    *options = lw_application_get_options (app);
  return app;
}

LwWindow *
app_open_window (LwApplication *app)
{
  g_autoptr (GError) error = NULL;
  LwWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = LW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (LW_IS_WINDOW (window));
  return window;
}

void
app_close_window (LwWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* GtkApplication holds a reference to itself from startup to shutdown,
 * and only a finalized application leaves the session bus, where the next
 * test's application exports its objects at the same path. The bus lets
 * go of its exported actions in an idle callback: run it before the next
 * test changes the settings those actions follow. */
void
app_release (LwApplication *app)
{
  g_signal_emit_by_name (app, "shutdown");
  g_assert_finalize_object (app);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
app_close (LwApplication *app, LwWindow *window)
{
  app_close_window (window);
  app_release (app);
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
settle (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;
  guint waker = g_timeout_add (10, wake_up, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (waker);
}

void
wait_until (LwWindow *window, WindowTest test, gconstpointer data, int timeout_s,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_TIME_SPAN_SECOND;
  guint waker = g_timeout_add (10, wake_up, NULL);

  while (!test (window, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %d s waiting for %s", timeout_s, what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (waker);
}

const LwSnapshot *
shown (LwWindow *window)
{
  return lw_window_get_shown_snapshot (window);
}

/* Under where (a page's name, or NULL), for the failure's message. */
static void
collect_mnemonics (GtkWidget *widget, GHashTable *seen, const char *where)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_mapped (child))
        continue;
      if (GTK_IS_LABEL (child))
        {
          guint key = gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (child)));
          const char *text = gtk_label_get_label (GTK_LABEL (child));
          const char *other;

          if (key == GDK_KEY_VoidSymbol)
            continue;
          other = g_hash_table_lookup (seen, GUINT_TO_POINTER (key));
          if (other != NULL)
            g_error ("“%s” and “%s” have the same mnemonic%s%s", other, text,
                     where != NULL ? " with the page shown: " : "", where != NULL ? where : "");
          g_hash_table_insert (seen, GUINT_TO_POINTER (key), (gpointer) text);
        }
      collect_mnemonics (child, seen, where);
    }
}

void
assert_mnemonics_apart (GtkWidget *pane)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  collect_mnemonics (pane, seen, NULL);
  /* The pane has some: the walk found its labels. */
  g_assert_cmpuint (g_hash_table_size (seen), >, 3);
}

static gboolean
page_alone_shown (LwWindow *window, gconstpointer data)
{
  GtkWidget *page = gtk_stack_get_child_by_name (window->stack, data);

  /* While the pages crossfade both are mapped: the old one is not beside
   * the sidebar once the fade is over. */
  return gtk_widget_get_mapped (page) && !gtk_stack_get_transition_running (window->stack);
}

void
assert_window_mnemonics_apart (LwWindow *window)
{
  static const char *const pages[] = { "curves", "filters", "similarity", "predictions",
                                       "overview" };
  g_autofree char *first = g_strdup (gtk_stack_get_visible_child_name (window->stack));

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window->controls)));
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

      gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", pages[i]);
      wait_until (window, page_alone_shown, pages[i], 10, pages[i]);
      /* The header bar, the sidebar, the page and the status bar: every
       * mapped label in the window, the other pages being unmapped. */
      collect_mnemonics (GTK_WIDGET (window), seen, pages[i]);
      g_assert_cmpuint (g_hash_table_size (seen), >, 3);
    }
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", first);
  wait_until (window, page_alone_shown, first, 10, first);
}
