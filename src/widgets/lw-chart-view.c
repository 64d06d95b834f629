/* lw-chart-view.c: the chart widget.
 *
 * The chart is drawn into an image surface of the widget's size at its
 * scale factor, and that image is what snapshot() hands to GTK. Drawing
 * straight into gtk_snapshot_append_cairo() would only record the calls
 * and leave the rasterising to the renderer, out of reach of the timing
 * that must prove each frame's chart fits in a frame. */
#include "lw-chart-view.h"

/* Above this a frame's chart has taken a whole frame at 60 Hz. */
#define FRAME_BUDGET_US 16000

struct _LwChartView {
  GtkWidget parent_instance;

  LwChartDrawFunc draw;
  gpointer data;
  GDestroyNotify data_destroy;

  gint64 last_draw_us;
  gint64 max_draw_us;
  guint n_draws;
};

G_DEFINE_FINAL_TYPE (LwChartView, lw_chart_view, GTK_TYPE_WIDGET)

static void
lw_chart_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                       int *minimum, int *natural, int *minimum_baseline,
                       int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 480;
    }
  else
    {
      *minimum = 120;
      *natural = 300;
    }
}

static void
lw_chart_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  LwChartView *self = LW_CHART_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  cairo_surface_t *surface;
  cairo_t *cr;
  gint64 start;

  if (self->draw == NULL || self->data == NULL || width <= 0 || height <= 0)
    return;

  start = g_get_monotonic_time ();
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  self->draw (self->data, cr, width, height);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  self->last_draw_us = g_get_monotonic_time () - start;
  self->max_draw_us = MAX (self->max_draw_us, self->last_draw_us);
  self->n_draws++;
  if (self->last_draw_us > FRAME_BUDGET_US)
    g_debug ("%s: chart drew in %.1f ms, over a frame's budget",
             gtk_widget_get_name (widget), self->last_draw_us / 1000.0);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
clear_data (LwChartView *self)
{
  gpointer data = g_steal_pointer (&self->data);
  GDestroyNotify destroy = g_steal_pointer (&self->data_destroy);

  if (data != NULL && destroy != NULL)
    destroy (data);
}

static void
lw_chart_view_dispose (GObject *object)
{
  clear_data (LW_CHART_VIEW (object));

  G_OBJECT_CLASS (lw_chart_view_parent_class)->dispose (object);
}

static void
lw_chart_view_class_init (LwChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lw_chart_view_dispose;
  widget_class->measure = lw_chart_view_measure;
  widget_class->snapshot = lw_chart_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lw_chart_view_init (LwChartView *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
lw_chart_view_new (LwChartDrawFunc draw)
{
  LwChartView *self = g_object_new (LW_TYPE_CHART_VIEW, NULL);

  self->draw = draw;
  return GTK_WIDGET (self);
}

void
lw_chart_view_set_draw_func (LwChartView *self, LwChartDrawFunc draw)
{
  g_return_if_fail (LW_IS_CHART_VIEW (self));

  self->draw = draw;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lw_chart_view_set_data (LwChartView *self, gpointer data, GDestroyNotify destroy)
{
  g_return_if_fail (LW_IS_CHART_VIEW (self));

  if (data != self->data)
    clear_data (self);
  self->data = data;
  self->data_destroy = destroy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gconstpointer
lw_chart_view_get_data (LwChartView *self)
{
  g_return_val_if_fail (LW_IS_CHART_VIEW (self), NULL);

  return self->data;
}

gboolean
lw_chart_view_export_png (LwChartView *self, const char *path, int width, int height,
                          GError **error)
{
  g_return_val_if_fail (LW_IS_CHART_VIEW (self), FALSE);
  g_return_val_if_fail (self->draw != NULL && self->data != NULL, FALSE);

  return lw_chart_render_png (self->draw, self->data, width, height, path, error);
}

gboolean
lw_chart_view_export_svg (LwChartView *self, const char *path, double width, double height,
                          GError **error)
{
  g_return_val_if_fail (LW_IS_CHART_VIEW (self), FALSE);
  g_return_val_if_fail (self->draw != NULL && self->data != NULL, FALSE);

  return lw_chart_render_svg (self->draw, self->data, width, height, path, error);
}

gint64
lw_chart_view_get_last_draw_us (LwChartView *self)
{
  g_return_val_if_fail (LW_IS_CHART_VIEW (self), 0);

  return self->last_draw_us;
}

gint64
lw_chart_view_get_max_draw_us (LwChartView *self)
{
  g_return_val_if_fail (LW_IS_CHART_VIEW (self), 0);

  return self->max_draw_us;
}

guint
lw_chart_view_get_n_draws (LwChartView *self)
{
  g_return_val_if_fail (LW_IS_CHART_VIEW (self), 0);

  return self->n_draws;
}

void
lw_chart_view_reset_draw_stats (LwChartView *self)
{
  g_return_if_fail (LW_IS_CHART_VIEW (self));

  self->last_draw_us = 0;
  self->max_draw_us = 0;
  self->n_draws = 0;
}
