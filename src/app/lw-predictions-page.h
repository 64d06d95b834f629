/* lw-predictions-page.h: the Predictions page: which layer's predictions,
 * the confusion matrix and the gallery of test images, walked with the
 * keyboard or clicked to make one the probe image. */
#pragma once

#include <gtk/gtk.h>

#include "lw-charts.h"
#include "widgets/lw-chart-view.h"

G_BEGIN_DECLS

#define LW_TYPE_PREDICTIONS_PAGE (lw_predictions_page_get_type ())
G_DECLARE_FINAL_TYPE (LwPredictionsPage, lw_predictions_page, LW, PREDICTIONS_PAGE, GtkBox)

/* The window's charts (borrowed; they outlive the page's use of them). */
void         lw_predictions_page_set_charts (LwPredictionsPage *self, LwCharts *charts);
/* LW_CHART_CONFUSION or LW_CHART_GALLERY. */
LwChartView *lw_predictions_page_get_view   (LwPredictionsPage *self, LwChartId chart);
/* The layers the drop-down offers, and the hint naming the cursor's image. */
void         lw_predictions_page_update     (LwPredictionsPage *self, const LwSnapshot *snap);
/* A click at (x, y) on the gallery: the image there becomes the probe
 * image ("probe-chosen"). Returns its index, or -1 when no image is there. */
int          lw_predictions_page_click_gallery (LwPredictionsPage *self, double x, double y);
GtkDropDown *lw_predictions_page_get_layer_dropdown (LwPredictionsPage *self);
/* The line above the gallery. */
GtkLabel    *lw_predictions_page_get_hint   (LwPredictionsPage *self);

G_END_DECLS
