/* lw-page-switcher.c
 *
 * Both switchers are children all the time; the allocation picks the one
 * shown (as AdwSqueezer does), so the width asked for is the drop-down's
 * and the tabs come back as soon as there is room for them. */
#include "config.h"

#include "lw-page-switcher.h"

#include <glib/gi18n.h>

struct _LwPageSwitcher
{
  GtkWidget parent_instance;

  GtkStack *stack;
  GtkWidget *tabs;             /* GtkStackSwitcher */
  GtkWidget *dropdown;         /* GtkDropDown of the pages' titles */
  gboolean compact;
  gboolean syncing;            /* a new model's selection is no choice */
};

G_DEFINE_FINAL_TYPE (LwPageSwitcher, lw_page_switcher, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_STACK, N_PROPS };
static GParamSpec *properties[N_PROPS];

static guint
visible_page_index (GtkStack *stack)
{
  GtkWidget *visible = gtk_stack_get_visible_child (stack);
  guint i = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (stack)); c != NULL;
       c = gtk_widget_get_next_sibling (c), i++)
    if (c == visible)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static void
on_visible_child_changed (LwPageSwitcher *self)
{
  guint i = visible_page_index (self->stack);

  if (i != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->dropdown), i);
}

static void
on_dropdown_selected (LwPageSwitcher *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->dropdown));
  GtkWidget *page;

  if (self->syncing || self->stack == NULL || i == GTK_INVALID_LIST_POSITION)
    return;
  page = gtk_widget_get_first_child (GTK_WIDGET (self->stack));
  for (guint k = 0; k < i && page != NULL; k++)
    page = gtk_widget_get_next_sibling (page);
  if (page != NULL)
    gtk_stack_set_visible_child (self->stack, page);
}

/* The pages' titles as they are now: the window's pages are fixed once
 * its template is built. A list of strings rather than the stack's pages
 * model, which must not outlive the stack. */
static GListModel *
page_titles (GtkStack *stack)
{
  GtkStringList *titles = gtk_string_list_new (NULL);

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (stack)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    gtk_string_list_append (titles, gtk_stack_page_get_title (gtk_stack_get_page (stack, c)));
  return G_LIST_MODEL (titles);
}

static void
forget_stack (LwPageSwitcher *self)
{
  if (self->stack == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->stack, self);
  g_object_remove_weak_pointer (G_OBJECT (self->stack), (gpointer *) &self->stack);
  self->stack = NULL;
}

void
lw_page_switcher_set_stack (LwPageSwitcher *self, GtkStack *stack)
{
  g_autoptr (GListModel) titles = NULL;

  g_return_if_fail (LW_IS_PAGE_SWITCHER (self));
  g_return_if_fail (stack == NULL || GTK_IS_STACK (stack));

  if (self->stack == stack)
    return;
  forget_stack (self);
  self->stack = stack;
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (self->tabs), stack);
  if (stack != NULL)
    {
      /* Not a reference: the stack belongs to the window, as we do. */
      g_object_add_weak_pointer (G_OBJECT (stack), (gpointer *) &self->stack);
      g_signal_connect_swapped (stack, "notify::visible-child",
                                G_CALLBACK (on_visible_child_changed), self);
      titles = page_titles (stack);
    }
  self->syncing = TRUE;
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->dropdown), titles);
  if (stack != NULL)
    on_visible_child_changed (self);
  self->syncing = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STACK]);
}

gboolean
lw_page_switcher_is_compact (LwPageSwitcher *self)
{
  g_return_val_if_fail (LW_IS_PAGE_SWITCHER (self), FALSE);
  return self->compact;
}

GtkDropDown *
lw_page_switcher_get_dropdown (LwPageSwitcher *self)
{
  g_return_val_if_fail (LW_IS_PAGE_SWITCHER (self), NULL);
  return GTK_DROP_DOWN (self->dropdown);
}

/* At least the drop-down, at best the tabs. */
static void
lw_page_switcher_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *min_baseline, int *nat_baseline)
{
  LwPageSwitcher *self = LW_PAGE_SWITCHER (widget);
  int tabs_min, tabs_nat, menu_min, menu_nat;

  gtk_widget_measure (self->tabs, orientation, -1, &tabs_min, &tabs_nat, NULL, NULL);
  gtk_widget_measure (self->dropdown, orientation, -1, &menu_min, &menu_nat, NULL, NULL);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = menu_min;
      *natural = MAX (tabs_nat, menu_nat);
    }
  else
    {
      *minimum = MAX (tabs_min, menu_min);
      *natural = MAX (tabs_nat, menu_nat);
    }
}

/* child at its natural width (at most width), centred. */
static void
allocate_centred (GtkWidget *child, int width, int height, int baseline)
{
  int min, nat, w;

  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, height, &min, &nat, NULL, NULL);
  w = CLAMP (nat, min, MAX (width, min));
  gtk_widget_allocate (child, w, height, baseline,
                       gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT ((width - w) / 2, 0)));
}

static void
lw_page_switcher_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  LwPageSwitcher *self = LW_PAGE_SWITCHER (widget);
  int tabs_min;

  gtk_widget_measure (self->tabs, GTK_ORIENTATION_HORIZONTAL, height, &tabs_min, NULL, NULL, NULL);
  self->compact = width < tabs_min;
  gtk_widget_set_child_visible (self->tabs, !self->compact);
  gtk_widget_set_child_visible (self->dropdown, self->compact);
  allocate_centred (self->compact ? self->dropdown : self->tabs, width, height, baseline);
}

static void
lw_page_switcher_dispose (GObject *object)
{
  LwPageSwitcher *self = LW_PAGE_SWITCHER (object);

  forget_stack (self);
  g_clear_pointer (&self->tabs, gtk_widget_unparent);
  g_clear_pointer (&self->dropdown, gtk_widget_unparent);
  G_OBJECT_CLASS (lw_page_switcher_parent_class)->dispose (object);
}

static void
lw_page_switcher_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LwPageSwitcher *self = LW_PAGE_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      g_value_set_object (value, self->stack);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lw_page_switcher_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  LwPageSwitcher *self = LW_PAGE_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      lw_page_switcher_set_stack (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lw_page_switcher_class_init (LwPageSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_page_switcher_dispose;
  object_class->get_property = lw_page_switcher_get_property;
  object_class->set_property = lw_page_switcher_set_property;
  widget_class->measure = lw_page_switcher_measure;
  widget_class->size_allocate = lw_page_switcher_size_allocate;

  properties[PROP_STACK] =
    g_param_spec_object ("stack", NULL, NULL, GTK_TYPE_STACK,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "lwpageswitcher");
}

static void
lw_page_switcher_init (LwPageSwitcher *self)
{
  self->tabs = gtk_stack_switcher_new ();
  gtk_widget_set_parent (self->tabs, GTK_WIDGET (self));
  self->dropdown = gtk_drop_down_new (NULL, NULL);
  gtk_widget_set_valign (self->dropdown, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->dropdown, _("Page (Alt+1 … Alt+5)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Page"), -1);
  /* Its toggle button is what takes the focus (see lw-a11y.c). */
  for (GtkWidget *c = gtk_widget_get_first_child (self->dropdown); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_TOGGLE_BUTTON (c))
      gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Page"), -1);
  gtk_widget_set_parent (self->dropdown, GTK_WIDGET (self));
  g_signal_connect_swapped (self->dropdown, "notify::selected",
                            G_CALLBACK (on_dropdown_selected), self);
  /* Until the first allocation: the tabs, as on a wide screen. */
  gtk_widget_set_child_visible (self->dropdown, FALSE);
}
