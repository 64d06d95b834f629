/* lw-similarity-page.c: the Similarity page: a caption and each block's
 * similarity matrix beside the labels'.
 * Its views are drawn by the window, which gets them here. */
#include "config.h"

#include "lw-similarity-page.h"

struct _LwSimilarityPage
{
  GtkBox parent_instance;

  /* Template. */
  LwChartView *similarity;
};

G_DEFINE_FINAL_TYPE (LwSimilarityPage, lw_similarity_page, GTK_TYPE_BOX)

static void
lw_similarity_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LW_TYPE_SIMILARITY_PAGE);
  G_OBJECT_CLASS (lw_similarity_page_parent_class)->dispose (object);
}

static void
lw_similarity_page_class_init (LwSimilarityPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lw_similarity_page_dispose;
  g_type_ensure (LW_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-similarity-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LwSimilarityPage, similarity);
}

static void
lw_similarity_page_init (LwSimilarityPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LwChartView *
lw_similarity_page_get_view (LwSimilarityPage *self, LwChartId chart)
{
  g_return_val_if_fail (LW_IS_SIMILARITY_PAGE (self), NULL);
  switch (chart)
    {
    case LW_CHART_SIMILARITY:
      return self->similarity;
    default:
      g_return_val_if_reached (NULL);
    }
}
