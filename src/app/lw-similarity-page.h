/* lw-similarity-page.h: the Similarity page: a caption and each block's
 * similarity matrix beside the labels'. */
#pragma once

#include <gtk/gtk.h>

#include "lw-charts.h"
#include "widgets/lw-chart-view.h"

G_BEGIN_DECLS

#define LW_TYPE_SIMILARITY_PAGE (lw_similarity_page_get_type ())
G_DECLARE_FINAL_TYPE (LwSimilarityPage, lw_similarity_page, LW, SIMILARITY_PAGE, GtkBox)

/* The page's view of chart: one of LW_CHART_SIMILARITY. */
LwChartView *lw_similarity_page_get_view (LwSimilarityPage *self, LwChartId chart);

G_END_DECLS
