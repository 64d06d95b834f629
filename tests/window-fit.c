/* window-fit.c: see window-fit.h. Shared by test-app and test-i18n, each
 * of which runs it in its language; needs a display. */
#include "window-fit.h"

#include <string.h>

#include <gtk/gtk.h>

#include "app-helpers.h"

#define LOAD_TIMEOUT_S 60
#define RESIZE_TIMEOUT_S 10
#define PROJECTOR_W 1024
#define PROJECTOR_H 768
/* Layout rounds to whole pixels; a widget may overhang by less. */
#define SLACK 1.0f

static const int sizes[][2] = { { 1024, 768 }, { 1280, 720 } };

static gboolean
has_stepped (LwWindow *window, gconstpointer data)
{
  const LwSnapshot *snap = lw_window_get_shown_snapshot (window);

  return snap != NULL && snap->state == LW_RUN_PAUSED && snap->step >= GPOINTER_TO_UINT (data);
}

static gboolean
is_paused (LwWindow *window, gconstpointer data)
{
  return has_stepped (window, GUINT_TO_POINTER (0));
}

/* The window's surface (with its client-side frame) has the size. */
static gboolean
has_size (LwWindow *window, gconstpointer data)
{
  const int *size = data;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  return surface != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gdk_surface_get_width (surface) == size[0]
         && gdk_surface_get_height (surface) == size[1];
}

static void
check_min_size (GtkWidget *window)
{
  int min_w, min_h;

  gtk_widget_measure (window, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
  gtk_widget_measure (window, GTK_ORIENTATION_VERTICAL, PROJECTOR_W, &min_h, NULL, NULL, NULL);
  g_test_message ("minimum size %d x %d", min_w, min_h);
  g_assert_cmpint (min_w, <=, PROJECTOR_W);
  g_assert_cmpint (min_h, <=, PROJECTOR_H);
}

static gboolean
has_digit (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      return TRUE;
  return FALSE;
}

static void
check_label (GtkLabel *label)
{
  const char *text = gtk_label_get_text (label);

  if (!has_digit (text))
    return;
  if (pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    g_error ("the label \"%s\" (a number in it) is cut off at %d px", text,
             gtk_widget_get_width (GTK_WIDGET (label)));
}

/* Walks the mapped widgets of window's own surface (no popovers) within
 * clip, which each scrolled view (a widget that hides its overflow)
 * narrows: what it scrolls out of sight is not on screen. */
static void
check_widget (GtkWidget *widget, GtkWidget *window, const graphene_rect_t *frame,
              graphene_rect_t clip)
{
  graphene_rect_t b, seen;

  if (!gtk_widget_get_mapped (widget) || gtk_widget_get_native (widget) != GTK_NATIVE (window))
    return;
  g_assert_true (gtk_widget_compute_bounds (widget, window, &b));
  if (!graphene_rect_intersection (&b, &clip, &seen))
    return;
  if (seen.size.width > 0 && seen.size.height > 0
      && (seen.origin.x < frame->origin.x - SLACK || seen.origin.y < frame->origin.y - SLACK
          || seen.origin.x + seen.size.width > frame->origin.x + frame->size.width + SLACK
          || seen.origin.y + seen.size.height > frame->origin.y + frame->size.height + SLACK))
    g_error ("%s \"%s\" at %.0f,%.0f %.0f x %.0f lies outside the window (%.0f x %.0f)",
             G_OBJECT_TYPE_NAME (widget),
             GTK_IS_LABEL (widget) ? gtk_label_get_text (GTK_LABEL (widget)) : "",
             seen.origin.x, seen.origin.y, seen.size.width, seen.size.height,
             frame->size.width, frame->size.height);
  if (GTK_IS_LABEL (widget))
    check_label (GTK_LABEL (widget));
  if (gtk_widget_get_overflow (widget) == GTK_OVERFLOW_HIDDEN)
    clip = seen;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    check_widget (c, window, frame, clip);
}

static void
check_window (GtkWidget *window)
{
  /* The window's own box, without its client-side frame's margins. */
  graphene_rect_t frame = GRAPHENE_RECT_INIT (0.0f, 0.0f, gtk_widget_get_width (window),
                                              gtk_widget_get_height (window));
  graphene_rect_t all = GRAPHENE_RECT_INIT (-1e6f, -1e6f, 2e6f, 2e6f);

  check_min_size (window);
  for (GtkWidget *c = gtk_widget_get_first_child (window); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    check_widget (c, window, &frame, all);
}

/* A shown window keeps its size in GTK 4.8: shown again, it takes its
 * new default size, as a window opened at that size would. */
void
window_fit_resize (LwWindow *window, int width, int height)
{
  const int size[2] = { width, height };
  g_autofree char *what = g_strdup_printf ("the window to be %d x %d", width, height);

  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), size[0], size[1]);
  gtk_window_present (GTK_WINDOW (window));
  wait_until (window, has_size, size, RESIZE_TIMEOUT_S, what);
}

static void
check_pages (LwWindow *window, GtkStack *stack)
{
  for (GtkWidget *page = gtk_widget_get_first_child (GTK_WIDGET (stack)); page != NULL;
       page = gtk_widget_get_next_sibling (page))
    {
      gtk_stack_set_visible_child (stack, page);
      /* The crossfade ends and the new page is laid out and drawn. */
      settle (400);
      g_test_message ("page %s", gtk_stack_get_visible_child_name (stack));
      check_window (GTK_WIDGET (window));
    }
}

static GtkStack *
find_stack (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "overview") != NULL)
    return GTK_STACK (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkStack *found = find_stack (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
window_fit_test (gconstpointer preset)
{
  LwApplication *app;
  LwWindow *window;
  GtkStack *stack;
  gboolean presentation;

  if (!gtk_is_initialized () || gdk_display_get_default () == NULL)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  app = app_new (NULL);
  lw_application_get_options (app)->preset = g_strdup (preset);
  window = app_open_window (app);
  /* Presentation mode is another layout, with its own test. */
  g_object_get (window, "presentation", &presentation, NULL);
  g_assert_false (presentation);

  wait_until (window, is_paused, NULL, LOAD_TIMEOUT_S, "the dataset");
  /* Numbers in the legends, the status bar and the confusion matrix. */
  for (guint i = 0; i < 3; i++)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.step", NULL);
  wait_until (window, has_stepped, GUINT_TO_POINTER (3), LOAD_TIMEOUT_S, "three steps");

  stack = find_stack (GTK_WIDGET (window));
  g_assert_nonnull (stack);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_test_message ("%s at %d x %d", (const char *) preset, sizes[s][0], sizes[s][1]);
      /* Before resizing: a window wider than its minimum would never get there. */
      check_min_size (GTK_WIDGET (window));
      window_fit_resize (window, sizes[s][0], sizes[s][1]);
      check_pages (window, stack);
    }

  app_close (app, window);
}
