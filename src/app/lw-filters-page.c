/* lw-filters-page.c: the Filters & Activations page. A number typed or
 * spun in the probe box is asked for by "probe-chosen"; the window answers
 * with lw_filters_page_show_probe_error. */
#include "config.h"

#include "lw-filters-page.h"

/* A conv net's first kernels are few and small: this much height, and the
 * feature maps below take the rest. */
#define CONV_KERNELS_HEIGHT 240

struct _LwFiltersPage
{
  GtkBox parent_instance;

  /* Template. */
  LwChartView *filters;
  GtkSpinButton *probe_spin;
  GtkLabel *probe_error;
  LwChartView *probe;

  gboolean syncing_probe;     /* the spin button is being set, not spun */
  int shown_conv;             /* whether laid out for a conv net, -1 before */
};

G_DEFINE_FINAL_TYPE (LwFiltersPage, lw_filters_page, GTK_TYPE_BOX)

enum {
  PROBE_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_probe_spin_changed (LwFiltersPage *self)
{
  if (!self->syncing_probe)
    g_signal_emit (self, signals[PROBE_CHOSEN], 0,
                   (guint) gtk_spin_button_get_value_as_int (self->probe_spin));
}

static void
update_probe (LwFiltersPage *self, const LwSnapshot *snap)
{
  if (snap->test_size == 0)
    return;
  self->syncing_probe = TRUE;
  gtk_spin_button_set_range (self->probe_spin, 0, snap->test_size - 1);
  if ((guint) gtk_spin_button_get_value_as_int (self->probe_spin) != snap->probe_image_index
      && !gtk_widget_has_focus (GTK_WIDGET (self->probe_spin)))
    gtk_spin_button_set_value (self->probe_spin, snap->probe_image_index);
  self->syncing_probe = FALSE;
}

/* An MLP's filters are large pictures and its activations thin strips; a
 * conv net's kernels are small and its feature maps many: they swap which
 * one takes the page's height. */
static void
update_layout (LwFiltersPage *self, const LwSnapshot *snap)
{
  gboolean conv = lw_arch_is_conv (snap->arch);
  GtkWidget *filters = GTK_WIDGET (self->filters), *probe = GTK_WIDGET (self->probe);

  if (snap->state == LW_RUN_LOADING || (int) conv == self->shown_conv)
    return;
  self->shown_conv = conv;
  gtk_widget_set_vexpand (filters, !conv);
  gtk_widget_set_size_request (filters, -1, conv ? CONV_KERNELS_HEIGHT : -1);
  gtk_widget_set_vexpand (probe, conv);
}

static void
lw_filters_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LW_TYPE_FILTERS_PAGE);
  G_OBJECT_CLASS (lw_filters_page_parent_class)->dispose (object);
}

static void
lw_filters_page_class_init (LwFiltersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_filters_page_dispose;

  /* index: the test image's. */
  signals[PROBE_CHOSEN] =
    g_signal_new ("probe-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (LW_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-filters-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LwFiltersPage, filters);
  gtk_widget_class_bind_template_child (widget_class, LwFiltersPage, probe_spin);
  gtk_widget_class_bind_template_child (widget_class, LwFiltersPage, probe_error);
  gtk_widget_class_bind_template_child (widget_class, LwFiltersPage, probe);
  gtk_widget_class_bind_template_callback (widget_class, on_probe_spin_changed);
}

static void
lw_filters_page_init (LwFiltersPage *self)
{
  self->shown_conv = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}

LwChartView *
lw_filters_page_get_view (LwFiltersPage *self, LwChartId chart)
{
  g_return_val_if_fail (LW_IS_FILTERS_PAGE (self), NULL);
  g_return_val_if_fail (chart == LW_CHART_FILTERS || chart == LW_CHART_PROBE, NULL);
  return chart == LW_CHART_FILTERS ? self->filters : self->probe;
}

void
lw_filters_page_update (LwFiltersPage *self, const LwSnapshot *snap)
{
  g_return_if_fail (LW_IS_FILTERS_PAGE (self));
  update_probe (self, snap);
  update_layout (self, snap);
}

void
lw_filters_page_show_probe_error (LwFiltersPage *self, const char *message)
{
  g_return_if_fail (LW_IS_FILTERS_PAGE (self));
  if (message != NULL)
    gtk_label_set_text (self->probe_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->probe_error), message != NULL);
}
