/* lw-curves-page.c: the Curves page. A test curve chosen changes the
 * window's charts, and "charts-changed" says which views to draw again. */
#include "config.h"

#include "lw-curves-page.h"

#include <glib/gi18n.h>

struct _LwCurvesPage
{
  GtkBox parent_instance;

  /* Template. */
  GtkDropDown *test_curve_dropdown;
  LwChartView *accuracy;
  LwChartView *loss;

  LwCharts *charts;           /* the window's */
  guint shown_held_out;       /* test images the drop-down names; 0: none yet */
};

G_DEFINE_FINAL_TYPE (LwCurvesPage, lw_curves_page, GTK_TYPE_BOX)

enum {
  CHARTS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_test_curve_changed (LwCurvesPage *self)
{
  guint i = gtk_drop_down_get_selected (self->test_curve_dropdown);

  if (self->charts == NULL)
    return;
  lw_charts_set_test_curve (self->charts, i == 1 ? LW_TEST_CURVE_EPOCH : LW_TEST_CURVE_HELD_OUT);
  g_signal_emit (self, signals[CHARTS_CHANGED], 0, 1u << LW_CHART_ACCURACY);
}

static void
lw_curves_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LW_TYPE_CURVES_PAGE);
  G_OBJECT_CLASS (lw_curves_page_parent_class)->dispose (object);
}

static void
lw_curves_page_class_init (LwCurvesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_curves_page_dispose;

  /* charts: a mask of (1 << LwChartId). */
  signals[CHARTS_CHANGED] =
    g_signal_new ("charts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (LW_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-curves-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LwCurvesPage, test_curve_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LwCurvesPage, accuracy);
  gtk_widget_class_bind_template_child (widget_class, LwCurvesPage, loss);
  gtk_widget_class_bind_template_callback (widget_class, on_test_curve_changed);
}

static void
lw_curves_page_init (LwCurvesPage *self)
{
  g_autoptr (GtkStringList) test_curves = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The first is named by lw_curves_page_show_held_out () once the count
   * is known. */
  test_curves = gtk_string_list_new (NULL);
  gtk_string_list_append (test_curves, _("Held-out test images"));
  gtk_string_list_append (test_curves, _("Full test set, each epoch"));
  gtk_drop_down_set_model (self->test_curve_dropdown, G_LIST_MODEL (test_curves));
}

void
lw_curves_page_set_charts (LwCurvesPage *self, LwCharts *charts)
{
  g_return_if_fail (LW_IS_CURVES_PAGE (self));
  self->charts = charts;
  on_test_curve_changed (self);
}

LwChartView *
lw_curves_page_get_view (LwCurvesPage *self, LwChartId chart)
{
  g_return_val_if_fail (LW_IS_CURVES_PAGE (self), NULL);
  g_return_val_if_fail (chart == LW_CHART_ACCURACY || chart == LW_CHART_LOSS, NULL);
  return chart == LW_CHART_ACCURACY ? self->accuracy : self->loss;
}

/* The drop-down names the held-out images the run really tests on: fewer
 * than asked when the test set is smaller. */
void
lw_curves_page_show_held_out (LwCurvesPage *self, guint n_images, guint every)
{
  GtkStringList *curves;
  guint selected;
  g_autofree char *text = NULL;

  g_return_if_fail (LW_IS_CURVES_PAGE (self));
  if (n_images == self->shown_held_out)
    return;
  self->shown_held_out = n_images;
  curves = GTK_STRING_LIST (gtk_drop_down_get_model (self->test_curve_dropdown));
  selected = gtk_drop_down_get_selected (self->test_curve_dropdown);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Held-out %u image, every %u steps",
                                       "Held-out %u images, every %u steps", n_images),
                          n_images, every);
  gtk_string_list_splice (curves, 0, 1, (const char *const[]) { text, NULL });
  gtk_drop_down_set_selected (self->test_curve_dropdown, selected);
}

GtkDropDown *
lw_curves_page_get_test_curve_dropdown (LwCurvesPage *self)
{
  g_return_val_if_fail (LW_IS_CURVES_PAGE (self), NULL);
  return self->test_curve_dropdown;
}
