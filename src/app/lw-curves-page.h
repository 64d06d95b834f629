/* lw-curves-page.h: the Curves page: accuracy and loss of every block
 * over the steps, with the choice of test curve and of a log scale. */
#pragma once

#include <gtk/gtk.h>

#include "lw-charts.h"
#include "widgets/lw-chart-view.h"

G_BEGIN_DECLS

#define LW_TYPE_CURVES_PAGE (lw_curves_page_get_type ())
G_DECLARE_FINAL_TYPE (LwCurvesPage, lw_curves_page, LW, CURVES_PAGE, GtkBox)

/* The window's charts (borrowed; they outlive the page's use of them). */
void         lw_curves_page_set_charts (LwCurvesPage *self, LwCharts *charts);
/* LW_CHART_ACCURACY or LW_CHART_LOSS. */
LwChartView *lw_curves_page_get_view   (LwCurvesPage *self, LwChartId chart);
/* Names the held-out test curve: n_images tested every every steps. */
void         lw_curves_page_show_held_out (LwCurvesPage *self, guint n_images, guint every);
GtkDropDown *lw_curves_page_get_test_curve_dropdown (LwCurvesPage *self);

G_END_DECLS
