/* lw-filters-page.h: the Filters & Activations page: what the first
 * block's units respond to, and each block's activations for the probe
 * image, which the page's spin button and Next Image choose. */
#pragma once

#include <gtk/gtk.h>

#include "lw-charts.h"
#include "widgets/lw-chart-view.h"

G_BEGIN_DECLS

#define LW_TYPE_FILTERS_PAGE (lw_filters_page_get_type ())
G_DECLARE_FINAL_TYPE (LwFiltersPage, lw_filters_page, LW, FILTERS_PAGE, GtkBox)

/* LW_CHART_FILTERS or LW_CHART_PROBE. */
LwChartView *lw_filters_page_get_view   (LwFiltersPage *self, LwChartId chart);
/* The probe image's number, and the layout for an MLP or a conv net. */
void         lw_filters_page_update     (LwFiltersPage *self, const LwSnapshot *snap);
/* Why the probe image asked for was refused; NULL: it was not. */
void         lw_filters_page_show_probe_error (LwFiltersPage *self, const char *message);

G_END_DECLS
