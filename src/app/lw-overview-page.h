/* lw-overview-page.h: the Overview page: every chart at once, small. */
#pragma once

#include <gtk/gtk.h>

#include "lw-charts.h"
#include "widgets/lw-chart-view.h"

G_BEGIN_DECLS

#define LW_TYPE_OVERVIEW_PAGE (lw_overview_page_get_type ())
G_DECLARE_FINAL_TYPE (LwOverviewPage, lw_overview_page, LW, OVERVIEW_PAGE, GtkGrid)

/* The page's view of chart: one of LW_CHART_ACCURACY, LW_CHART_LOSS, LW_CHART_FILTERS, LW_CHART_PROBE, LW_CHART_SIMILARITY. */
LwChartView *lw_overview_page_get_view (LwOverviewPage *self, LwChartId chart);

G_END_DECLS
