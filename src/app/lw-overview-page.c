/* lw-overview-page.c: the Overview page: every chart at once, small.
 * Its views are drawn by the window, which gets them here. */
#include "config.h"

#include "lw-overview-page.h"

struct _LwOverviewPage
{
  GtkGrid parent_instance;

  /* Template. */
  LwChartView *accuracy;
  LwChartView *loss;
  LwChartView *filters;
  LwChartView *probe;
  LwChartView *similarity;
};

G_DEFINE_FINAL_TYPE (LwOverviewPage, lw_overview_page, GTK_TYPE_GRID)

static void
lw_overview_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LW_TYPE_OVERVIEW_PAGE);
  G_OBJECT_CLASS (lw_overview_page_parent_class)->dispose (object);
}

static void
lw_overview_page_class_init (LwOverviewPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lw_overview_page_dispose;
  g_type_ensure (LW_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LwOverviewPage, accuracy);
  gtk_widget_class_bind_template_child (widget_class, LwOverviewPage, loss);
  gtk_widget_class_bind_template_child (widget_class, LwOverviewPage, filters);
  gtk_widget_class_bind_template_child (widget_class, LwOverviewPage, probe);
  gtk_widget_class_bind_template_child (widget_class, LwOverviewPage, similarity);
}

static void
lw_overview_page_init (LwOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LwChartView *
lw_overview_page_get_view (LwOverviewPage *self, LwChartId chart)
{
  g_return_val_if_fail (LW_IS_OVERVIEW_PAGE (self), NULL);
  switch (chart)
    {
    case LW_CHART_ACCURACY:
      return self->accuracy;
    case LW_CHART_LOSS:
      return self->loss;
    case LW_CHART_FILTERS:
      return self->filters;
    case LW_CHART_PROBE:
      return self->probe;
    case LW_CHART_SIMILARITY:
      return self->similarity;
    default:
      g_return_val_if_reached (NULL);
    }
}
