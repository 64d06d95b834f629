/* test-widgets.c: the charts drawn offscreen, to PNG and SVG, checked by
 * their pixels, and timed. Needs no display; the one widget test skips
 * without one.
 *
 * Set LW_WIDGETS_DEMO_DIR to keep every picture for a person to look at. */
#include <math.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "widgets/lw-chart-confusion.h"
#include "widgets/lw-chart-export.h"
#include "widgets/lw-chart-gallery.h"
#include "widgets/lw-chart-feature-maps.h"
#include "widgets/lw-chart-heatmap.h"
#include "widgets/lw-chart-image-grid.h"
#include "widgets/lw-chart-line.h"
#include "widgets/lw-chart-private.h"
#include "widgets/lw-chart-view.h"
#include "widgets/lw-colors.h"

/* One frame at 60 Hz; LW_TEST_TIME_SCALE stretches it for builds that are
 * slower by design (./run.sh sanitize sets 8). */
#define FRAME_BUDGET_MS (16.0 * time_scale ())

static char *tmp_dir;

/* ---- helpers ----------------------------------------------------------- */

static double
time_scale (void)
{
  const char *env = g_getenv ("LW_TEST_TIME_SCALE");
  double scale = env != NULL ? g_ascii_strtod (env, NULL) : 1.0;

  return scale >= 1.0 ? scale : 1.0;
}

/* Owns every array a test's models point at. */
typedef struct {
  GPtrArray *blocks;
  GRand *rand;
} Store;

static void
store_init (Store *s, guint32 seed)
{
  s->blocks = g_ptr_array_new_with_free_func (g_free);
  s->rand = g_rand_new_with_seed (seed);
}

static void
store_clear (Store *s)
{
  g_ptr_array_unref (s->blocks);
  g_rand_free (s->rand);
}

static gpointer
store_alloc (Store *s, gsize size)
{
  gpointer p = g_malloc0 (size);

  g_ptr_array_add (s->blocks, p);
  return p;
}

static double
noise (Store *s, double amplitude)
{
  /* Sum of uniforms: roughly normal, bounded. */
  return amplitude * (g_rand_double (s->rand) + g_rand_double (s->rand) +
                      g_rand_double (s->rand) - 1.5);
}

/* An accuracy-like curve: rises from 10% towards ceiling with time
 * constant tau (in samples), with noise. */
static LwLineSeries
accuracy_series (Store *s, const char *name, LwColor color, guint n, double x_end,
                 double ceiling, double tau, double jitter, gboolean dashed, double alpha)
{
  double *x = store_alloc (s, n * sizeof (double));
  float *y = store_alloc (s, n * sizeof (float));

  for (guint i = 0; i < n; i++)
    {
      x[i] = x_end * (i + 1) / n;
      y[i] = (float) CLAMP (ceiling - (ceiling - 0.1) * exp (-x[i] / tau) + noise (s, jitter),
                            0.0, 1.0);
    }
  return (LwLineSeries) { .name = name, .color = color, .dashed = dashed,
                          .alpha = alpha, .n = n, .x = x, .y = y };
}

/* A loss-like curve: falls from start towards floor. */
static LwLineSeries
loss_series (Store *s, const char *name, LwColor color, guint n, double x_end,
             double start, double floor_, double tau, double jitter, gboolean dashed)
{
  double *x = store_alloc (s, n * sizeof (double));
  float *y = store_alloc (s, n * sizeof (float));

  for (guint i = 0; i < n; i++)
    {
      x[i] = x_end * (i + 1) / n;
      y[i] = (float) ((floor_ + (start - floor_) * exp (-x[i] / tau)) *
                      exp (noise (s, jitter)));
    }
  return (LwLineSeries) { .name = name, .color = color, .dashed = dashed,
                          .alpha = 1.0, .n = n, .x = x, .y = y };
}

static char *
output_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Writes name as PNG (and, with svg, as SVG) into the temp dir, and into
 * LW_WIDGETS_DEMO_DIR when set; returns the temp PNG read back. */
static cairo_surface_t *
render (LwChartDrawFunc draw, gconstpointer data, int width, int height,
        const char *name, gboolean svg)
{
  const char *demo_dir = g_getenv ("LW_WIDGETS_DEMO_DIR");
  g_autofree char *png_name = g_strconcat (name, ".png", NULL);
  g_autofree char *path = output_path (png_name);
  g_autoptr(GError) error = NULL;
  cairo_surface_t *image;

  g_assert_true (lw_chart_render_png (draw, data, width, height, path, &error));
  g_assert_no_error (error);

  if (svg)
    {
      g_autofree char *svg_name = g_strconcat (name, ".svg", NULL);
      g_autofree char *svg_path = output_path (svg_name);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (lw_chart_render_svg (draw, data, width, height, svg_path, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (svg_path, &contents, &length, NULL));
      g_assert_true (g_str_has_prefix (contents, "<?xml") || g_str_has_prefix (contents, "<svg"));
      g_assert_nonnull (strstr (contents, "<svg"));
      g_assert_cmpuint (length, >, 2000);
    }

  if (demo_dir != NULL && demo_dir[0] != '\0')
    {
      g_autofree char *demo_png = g_build_filename (demo_dir, png_name, NULL);

      g_mkdir_with_parents (demo_dir, 0755);
      g_assert_true (lw_chart_render_png (draw, data, width, height, demo_png, &error));
      if (svg)
        {
          g_autofree char *svg_name = g_strconcat (name, ".svg", NULL);
          g_autofree char *demo_svg = g_build_filename (demo_dir, svg_name, NULL);

          g_assert_true (lw_chart_render_svg (draw, data, width, height, demo_svg, &error));
        }
    }

  image = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (image), ==, height);
  return image;
}

static void
pixel_rgb (cairo_surface_t *image, int x, int y, int *r, int *g, int *b)
{
  const guint8 *data = cairo_image_surface_get_data (image);
  int stride = cairo_image_surface_get_stride (image);
  guint32 p = *(const guint32 *) (data + (gsize) y * stride + (gsize) x * 4);

  /* Charts are opaque, so premultiplication does not matter here. */
  *r = (p >> 16) & 0xff;
  *g = (p >> 8) & 0xff;
  *b = p & 0xff;
}

/* Whether (r, g, b) is c laid over white with an opacity of at least
 * min_opacity, as antialiased and faded lines are. */
static gboolean
over_white (int r, int g, int b, LwColor c, double min_opacity)
{
  double d[3] = { c.r * 255 - 255, c.g * 255 - 255, c.b * 255 - 255 };
  double p[3] = { r - 255.0, g - 255.0, b - 255.0 };
  double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  double t, residual = 0.0;

  if (dd < 1.0)
    return FALSE;
  t = (p[0] * d[0] + p[1] * d[1] + p[2] * d[2]) / dd;
  for (guint i = 0; i < 3; i++)
    residual += (p[i] - t * d[i]) * (p[i] - t * d[i]);
  return t >= min_opacity && t <= 1.05 && sqrt (residual) <= 14.0;
}

/* Pixels of colour c (at least min_opacity over white) in [x0, x1) x
 * [y0, y1); their mean row in *mean_y. */
static guint
count_color (cairo_surface_t *image, int x0, int y0, int x1, int y1, LwColor c,
             double min_opacity, double *mean_y)
{
  guint n = 0;
  double sum_y = 0.0;

  cairo_surface_flush (image);
  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, cairo_image_surface_get_width (image));
  y1 = MIN (y1, cairo_image_surface_get_height (image));
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        int r, g, b;

        pixel_rgb (image, x, y, &r, &g, &b);
        if (over_white (r, g, b, c, min_opacity))
          {
            n++;
            sum_y += y;
          }
      }
  if (mean_y != NULL)
    *mean_y = n > 0 ? sum_y / n : NAN;
  return n;
}

static guint
count_not_background (cairo_surface_t *image, int x0, int y0, int x1, int y1)
{
  guint n = 0;

  cairo_surface_flush (image);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        int r, g, b;

        pixel_rgb (image, x, y, &r, &g, &b);
        n += r < 245 || g < 245 || b < 245;
      }
  return n;
}

static gboolean
area_of (const LwLineChart *chart, int width, int height, LwLineChartArea *area)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  gboolean ok = lw_line_chart_get_area (chart, cr, width, height, area);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return ok;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* n draws at width x height (device scale device_scale): the median wall
 * time and the median CPU time of this thread, in ms. The budget is
 * checked against CPU time, which other processes on a busy machine
 * do not inflate. */
static void
time_draw (LwChartDrawFunc draw, gconstpointer data, int width, int height,
           int device_scale, guint n, double *wall_ms, double *cpu_ms)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                         width * device_scale,
                                                         height * device_scale);
  double wall[16], cpu[16];

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (wall));
  cairo_surface_set_device_scale (surface, device_scale, device_scale);
  for (guint i = 0; i < n; i++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 start = g_get_monotonic_time ();
      double cpu_start = thread_cpu_ms ();

      draw (data, cr, width, height);
      cairo_surface_flush (surface);
      cpu[i] = thread_cpu_ms () - cpu_start;
      wall[i] = (g_get_monotonic_time () - start) / 1000.0;
      cairo_destroy (cr);
    }
  cairo_surface_destroy (surface);
  qsort (wall, n, sizeof (double), compare_double);
  qsort (cpu, n, sizeof (double), compare_double);
  if (wall_ms != NULL)
    *wall_ms = wall[n / 2];
  if (cpu_ms != NULL)
    *cpu_ms = cpu[n / 2];
}

/* ---- colours, ticks ----------------------------------------------------- */

static void
test_colors (void)
{
  LwColor lo = lw_color_diverging (-1.0), mid = lw_color_diverging (0.0);
  LwColor hi = lw_color_diverging (1.0), nan_color = lw_color_diverging (NAN);

  /* The first five layer colours are far apart from each other. */
  for (guint i = 0; i < 5; i++)
    for (guint j = i + 1; j < 5; j++)
      {
        LwColor a = lw_color_layer (i), b = lw_color_layer (j);
        double d = fabs (a.r - b.r) + fabs (a.g - b.g) + fabs (a.b - b.b);

        g_assert_cmpfloat (d, >, 0.3);
      }
  g_assert_true (lw_color_layer (0).b == lw_color_layer (7).b);

  g_assert_cmpfloat (lo.b, >, lo.r);
  g_assert_cmpfloat (hi.r, >, hi.b);
  g_assert_cmpfloat (mid.r, >, 0.9);
  g_assert_cmpfloat (mid.g, >, 0.9);
  g_assert_cmpfloat (mid.b, >, 0.9);
  g_assert_cmpfloat (nan_color.g, ==, mid.g);
  g_assert_cmphex (lw_color_diverging_pixel (5.0), ==, lw_color_to_pixel (hi));
  g_assert_cmphex (lw_color_diverging_pixel (-1.0), ==, lw_color_to_pixel (lo));
  g_assert_cmphex (lw_color_grey_pixel (0.0), ==, 0xff000000u);
  g_assert_cmphex (lw_color_grey_pixel (1.0), ==, 0xffffffffu);
}

static void
test_ticks (void)
{
  double ticks[LW_MAX_TICKS];
  char buf[32];
  guint n;

  g_assert_cmpfloat (lw_nice_step (1.0, 5), ==, 0.2);
  g_assert_cmpfloat (lw_nice_step (100.0, 4), ==, 20.0);
  g_assert_cmpfloat_with_epsilon (lw_nice_step (0.3, 6), 0.05, 1e-12);
  g_assert_cmpfloat (lw_nice_step (1e6, 3), ==, 5e5);

  n = lw_ticks_linear (0.0, 1.0, 0.2, ticks, LW_MAX_TICKS);
  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpfloat (ticks[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (ticks[5], 1.0, 1e-12);

  n = lw_ticks_log (0.01, 10.0, ticks, LW_MAX_TICKS);
  g_assert_cmpuint (n, >=, 4);
  g_assert_cmpfloat_with_epsilon (ticks[0], 0.01, 1e-12);

  lw_format_tick (buf, sizeof buf, 10000, 5000, LW_TICK_SI);
  g_assert_cmpstr (buf, ==, "10k");
  lw_format_tick (buf, sizeof buf, 1.2e6, 2e5, LW_TICK_SI);
  g_assert_cmpstr (buf, ==, "1.2M");
  lw_format_tick (buf, sizeof buf, 1e6, 5e5, LW_TICK_SI);
  g_assert_cmpstr (buf, ==, "1M");
  lw_format_tick (buf, sizeof buf, 0, 5e5, LW_TICK_SI);
  g_assert_cmpstr (buf, ==, "0");
  lw_format_tick (buf, sizeof buf, 500, 100, LW_TICK_SI);
  g_assert_cmpstr (buf, ==, "500");
  lw_format_tick (buf, sizeof buf, 0.9, 0.05, LW_TICK_PERCENT);
  g_assert_cmpstr (buf, ==, "90%");
  lw_format_tick (buf, sizeof buf, 0.975, 0.005, LW_TICK_PERCENT);
  g_assert_cmpstr (buf, ==, "97.5%");
  lw_format_tick (buf, sizeof buf, 0.001, 0, LW_TICK_LOG);
  g_assert_cmpstr (buf, ==, "0.001");
  lw_format_tick (buf, sizeof buf, 1e-5, 0, LW_TICK_LOG);
  g_assert_cmpstr (buf, ==, "1e-5");
  /* A loss that blew up: powers of ten, not 29 digits. */
  lw_format_tick (buf, sizeof buf, 5e28, 1e28, LW_TICK_NUMBER);
  g_assert_cmpstr (buf, ==, "5e28");
  lw_format_tick (buf, sizeof buf, 1.5e28, 5e27, LW_TICK_NUMBER);
  g_assert_cmpstr (buf, ==, "1.5e28");
  lw_format_tick (buf, sizeof buf, -2e6, 1e6, LW_TICK_NUMBER);
  g_assert_cmpstr (buf, ==, "\u22122e6");
  lw_format_tick (buf, sizeof buf, 0, 1e28, LW_TICK_NUMBER);
  g_assert_cmpstr (buf, ==, "0");
  lw_format_tick (buf, sizeof buf, 2.5, 0.5, LW_TICK_NUMBER);
  g_assert_cmpstr (buf, ==, "2.5");
  lw_format_tick (buf, sizeof buf, 95000, 5000, LW_TICK_NUMBER);
  g_assert_cmpstr (buf, ==, "95000");
}

/* ---- line chart --------------------------------------------------------- */

static void
test_line_constant (void)
{
  double x[] = { 0, 20000, 40000, 60000 };
  float y[] = { 0.5f, 0.5f, 0.5f, 0.5f };
  LwColor blue = lw_color_layer (0);
  LwLineSeries series = { .name = "b1 train", .color = blue, .n = 4, .x = x, .y = y };
  LwLineChart chart = {
    .title = "Constant", .x_label = "samples seen", .y_label = "accuracy",
    .y_percent = TRUE, .y_fixed = TRUE, .y_min = 0.0, .y_max = 1.0,
    .n_series = 1, .series = &series,
  };
  LwLineChartArea area;
  cairo_surface_t *image;
  double mean_y;
  guint n;

  image = render (lw_line_chart_draw_func, &chart, 640, 360, "line-constant", TRUE);
  g_assert_true (area_of (&chart, 640, 360, &area));
  g_assert_cmpfloat (area.y_min, ==, 0.0);
  g_assert_cmpfloat (area.y_max, ==, 1.0);
  g_assert_cmpfloat (area.width, >, 400);
  g_assert_cmpfloat (area.height, >, 150);

  n = count_color (image, (int) area.x, (int) area.y,
                   (int) (area.x + area.width), (int) (area.y + area.height), blue, 0.5, &mean_y);
  /* About a line's width of rows across the whole plot. */
  g_assert_cmpuint (n, >, area.width * 0.9);
  g_assert_cmpfloat (fabs (mean_y - (area.y + area.height / 2.0)), <, 2.0);
  cairo_surface_destroy (image);
}

static void
test_line_empty (void)
{
  LwColor blue = lw_color_layer (0);
  LwLineSeries series = { .name = NULL, .color = blue, .n = 0 };
  LwLineChart chart = {
    .title = "Accuracy", .x_label = "samples seen", .y_label = "accuracy",
    .y_percent = TRUE, .n_series = 1, .series = &series,
  };
  LwLineChartArea area;
  cairo_surface_t *image;

  image = render (lw_line_chart_draw_func, &chart, 640, 360, "line-empty", FALSE);
  g_assert_false (area_of (&chart, 640, 360, &area));
  g_assert_cmpuint (count_color (image, 0, 0, 640, 360, blue, 0.2, NULL), ==, 0);
  /* The "No data yet" text sits in the middle. */
  g_assert_cmpuint (count_not_background (image, 220, 140, 420, 240), >, 50);
  cairo_surface_destroy (image);

  chart.n_series = 0;
  chart.series = NULL;
  image = render (lw_line_chart_draw_func, &chart, 320, 200, "line-no-series", FALSE);
  cairo_surface_destroy (image);
}

static void
test_line_single_point (void)
{
  double x[] = { 256 };
  float y[] = { 0.3f };
  LwColor color = lw_color_layer (1);
  LwLineSeries series = { .name = "b2 test", .color = color, .n = 1, .x = x, .y = y };
  LwLineChart chart = {
    .title = "One evaluation", .x_label = "samples seen", .y_percent = TRUE,
    .n_series = 1, .series = &series,
  };
  LwLineChartArea area;
  cairo_surface_t *image;

  image = render (lw_line_chart_draw_func, &chart, 480, 300, "line-single-point", TRUE);
  g_assert_true (area_of (&chart, 480, 300, &area));
  g_assert_cmpuint (count_color (image, (int) area.x, (int) area.y,
                                 (int) (area.x + area.width + 4), (int) (area.y + area.height),
                                 color, 0.5, NULL), >=, 4);
  cairo_surface_destroy (image);
}

static void
test_line_nan_gap (void)
{
  double x[100];
  float y[100];
  LwColor color = lw_color_layer (2);
  LwLineSeries series = { .name = "b3", .color = color, .n = 100, .x = x, .y = y };
  LwLineChart chart = {
    .title = "Gap", .y_fixed = TRUE, .y_min = 0.0, .y_max = 1.0,
    .n_series = 1, .series = &series,
  };
  LwLineChartArea area;
  cairo_surface_t *image;
  double gap_x0, gap_x1;

  for (guint i = 0; i < 100; i++)
    {
      x[i] = i * 100.0;
      y[i] = i >= 40 && i < 60 ? NAN : 0.5f;
    }
  image = render (lw_line_chart_draw_func, &chart, 600, 300, "line-nan-gap", TRUE);
  g_assert_true (area_of (&chart, 600, 300, &area));
  /* x from 0 to 9900: the gap spans 3900 .. 6000. */
  gap_x0 = area.x + area.width * 4000.0 / 9900.0;
  gap_x1 = area.x + area.width * 5800.0 / 9900.0;
  g_assert_cmpuint (count_color (image, (int) gap_x0, (int) area.y, (int) gap_x1,
                                 (int) (area.y + area.height), color, 0.1, NULL), ==, 0);
  g_assert_cmpuint (count_color (image, (int) area.x + 2, (int) area.y, (int) gap_x0 - 20,
                                 (int) (area.y + area.height), color, 0.5, NULL), >, 50);
  g_assert_cmpuint (count_color (image, (int) gap_x1 + 20, (int) area.y,
                                 (int) (area.x + area.width),
                                 (int) (area.y + area.height), color, 0.5, NULL), >, 50);
  cairo_surface_destroy (image);
}

static void
test_line_log_nonpositive (void)
{
  double x[] = { 0, 1, 2, 3, 4, 5 };
  float y[] = { 2.3f, 0.0f, -1.0f, NAN, 0.5f, 0.1f };
  float bad[] = { 0.0f, -1.0f, -2.0f, 0.0f, NAN, -INFINITY };
  LwLineSeries series[] = {
    { .name = "pred", .color = lw_color_layer (0), .n = 6, .x = x, .y = y },
    { .name = "sim", .color = lw_color_layer (1), .n = 6, .x = x, .y = bad },
  };
  LwLineChart chart = {
    .title = "Loss", .y_label = "loss", .y_log = TRUE, .n_series = 2, .series = series,
  };
  LwLineChartArea area;
  cairo_surface_t *image;

  image = render (lw_line_chart_draw_func, &chart, 480, 300, "line-log-nonpositive", TRUE);
  cairo_surface_destroy (image);
  g_assert_true (area_of (&chart, 480, 300, &area));
  g_assert_true (area.y_log);
  g_assert_cmpfloat (area.y_min, >, 0.0);

  /* Nothing positive at all: the empty chart. */
  chart.n_series = 1;
  chart.series = &series[1];
  image = render (lw_line_chart_draw_func, &chart, 480, 300, "line-log-empty", FALSE);
  g_assert_false (area_of (&chart, 480, 300, &area));
  cairo_surface_destroy (image);

  /* A fixed range that a log axis cannot show falls back to the data. */
  chart.n_series = 2;
  chart.series = series;
  chart.y_fixed = TRUE;
  chart.y_min = -1.0;
  chart.y_max = 0.0;
  image = render (lw_line_chart_draw_func, &chart, 480, 300, "line-log-bad-range", FALSE);
  cairo_surface_destroy (image);
}

/* A run's accuracy chart: five layers, train solid, test dashed. */
static void
build_accuracy_chart (Store *s, LwLineChart *chart, guint n_layers, guint n_points,
                      gboolean with_previous, double factor)
{
  static const char *train_names[] = { "b1 train", "b2 train", "b3 train", "b4 train", "out train" };
  static const char *test_names[] = { "b1 test", "b2 test", "b3 test", "b4 test", "out test" };
  static const LwLineMark marks[] = {
    { 60000, 0, "lr 1e-3" },
    { 150000, 1, "loss sim" },
    { 152000, 2, "pause" },
    { 240000, 4, "freeze b1" },
  };
  guint n_series = n_layers * 2 * (with_previous ? 2 : 1), k = 0;
  LwLineSeries *series = store_alloc (s, n_series * sizeof (LwLineSeries));

  if (with_previous)
    for (guint l = 0; l < n_layers; l++)
      series[k++] = accuracy_series (s, NULL, lw_color_layer (l), n_points, 300000,
                                     0.86 + 0.02 * l, 40000.0 / (l + 1), 0.01, FALSE, 0.35);
  for (guint l = 0; l < n_layers; l++)
    {
      series[k++] = accuracy_series (s, train_names[l], lw_color_layer (l), n_points, 300000,
                                     0.90 + 0.02 * l, 25000.0 / (l + 1), 0.012, FALSE, 1.0);
      series[k++] = accuracy_series (s, test_names[l], lw_color_layer (l), n_points / 16,
                                     300000, 0.89 + 0.02 * l, 25000.0 / (l + 1), 0.004,
                                     TRUE, 1.0);
    }
  *chart = (LwLineChart) {
    .title = "Accuracy per layer", .x_label = "samples seen",
    .y_label = "accuracy", .y_unit = "%", .y_percent = TRUE,
    .n_series = k, .series = series, .n_marks = G_N_ELEMENTS (marks), .marks = marks,
    .scale = factor,
  };
}

static void
test_line_accuracy (void)
{
  Store s;
  LwLineChart chart;
  LwLineChartArea area;
  cairo_surface_t *image;

  store_init (&s, 1);
  build_accuracy_chart (&s, &chart, 5, 1024, TRUE, 1.0);
  image = render (lw_line_chart_draw_func, &chart, 900, 500, "line-accuracy", TRUE);
  g_assert_true (area_of (&chart, 900, 500, &area));
  g_assert_cmpfloat (area.x_min, ==, 0.0);
  g_assert_cmpfloat (area.y_max, <=, 1.0);
  g_assert_cmpuint (count_not_background (image, (int) area.x, (int) area.y,
                                          (int) (area.x + area.width),
                                          (int) (area.y + area.height)), >, 5000);
  /* The mark at 150k (loss, brown) crosses the plot. */
  g_assert_cmpuint (count_color (image, 0, (int) area.y, 900, (int) (area.y + area.height),
                                 lw_color_mark (1), 0.4, NULL), >, 20);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* A mark's label stays inside the plot: a pause at the last sample puts
 * its label on the left of its line, not past the plot's right edge;
 * one at the first sample on the right of it. */
static void
test_line_mark_labels (void)
{
  static const double xs[] = { 0, 50000, 100000 };
  static const float ys[] = { 0.2f, 0.5f, 0.7f };
  static const LwLineMark edge_marks[] = {
    { 0, 4, "freeze block 1" },
    { 100000, 2, "pause" },
  };
  LwLineSeries series = { .name = "out train", .color = lw_color_layer (0), .n = 3,
                          .x = xs, .y = ys };
  LwLineChart chart = {
    .title = "Accuracy", .x_label = "samples seen", .y_percent = TRUE,
    .n_series = 1, .series = &series, .n_marks = G_N_ELEMENTS (edge_marks), .marks = edge_marks,
  };

  for (guint w = 0; w < 4; w++)
    {
      int width = (int[]) { 300, 480, 700, 1000 }[w];
      g_autofree char *name = NULL;
      cairo_surface_t *image;

      chart.scale = w < 2 ? 1.0 : 2.0;
      LwLineChartArea area;
      int right, left, band_top, band_bottom;

      name = g_strdup_printf ("line-mark-labels-%d-%g", width, chart.scale);
      image = render (lw_line_chart_draw_func, &chart, width, 300, name, FALSE);
      g_assert_true (area_of (&chart, width, 300, &area));
      right = (int) ceil (area.x + area.width) + 2;
      left = (int) floor (area.x) - 2;
      band_top = (int) area.y;
      band_bottom = (int) (area.y + 40 * chart.scale);
      g_test_message ("%d px: plot %.1f .. %.1f", width, area.x, area.x + area.width);
      /* The pause's label (its colour at full strength) is drawn, and
       * nothing of it lies right of the plot. */
      g_assert_cmpuint (count_color (image, left, band_top, right, band_bottom,
                                     lw_color_mark (2), 0.6, NULL), >, 10);
      g_assert_cmpuint (count_color (image, right, band_top, width, band_bottom,
                                     lw_color_mark (2), 0.3, NULL), ==, 0);
      /* The first mark's label is drawn inside the plot, right of its line. */
      g_assert_cmpuint (count_color (image, left + 4, band_top, right, band_bottom,
                                     lw_color_mark (4), 0.6, NULL), >, 10);
      g_assert_cmpuint (count_color (image, 0, band_top, left, band_bottom,
                                     lw_color_mark (4), 0.3, NULL), ==, 0);
      cairo_surface_destroy (image);
    }

  /* A plot narrower than a label at its right edge: the label starts at
   * the plot's left edge rather than before it. */
  {
    static const LwLineMark wide_mark[] = { { 100000, 0, "learning rate 1e-3 (block 1 x 0.5)" } };
    LwLineChartArea area;
    cairo_surface_t *image;
    int left;

    chart.scale = 1.0;
    chart.n_marks = 1;
    chart.marks = wide_mark;
    image = render (lw_line_chart_draw_func, &chart, 200, 300, "line-mark-label-narrow", FALSE);
    g_assert_true (area_of (&chart, 200, 300, &area));
    left = (int) floor (area.x) - 1;
    g_assert_cmpuint (count_color (image, 0, (int) area.y, left, (int) area.y + 40,
                                   lw_color_mark (0), 0.3, NULL), ==, 0);
    g_assert_cmpuint (count_color (image, left, (int) area.y, 200, (int) area.y + 40,
                                   lw_color_mark (0), 0.6, NULL), >, 10);
    cairo_surface_destroy (image);
  }
}

static void
test_line_loss_log (void)
{
  Store s;
  LwLineSeries series[8];
  LwLineChart chart;
  static const char *pred[] = { "b1 pred", "b2 pred", "b3 pred", "out" };
  static const char *sim[] = { "b1 sim", "b2 sim", "b3 sim" };
  guint k = 0;
  cairo_surface_t *image;

  store_init (&s, 2);
  for (guint l = 0; l < 4; l++)
    series[k++] = loss_series (&s, pred[l], lw_color_layer (l), 1500, 300000,
                               2.3, 0.02 + 0.03 * (3 - l), 20000, 0.15, FALSE);
  for (guint l = 0; l < 3; l++)
    series[k++] = loss_series (&s, sim[l], lw_color_layer (l), 1500, 300000,
                               0.4, 0.05, 30000, 0.1, TRUE);
  chart = (LwLineChart) {
    .title = "Local losses", .x_label = "samples seen", .y_label = "loss",
    .y_log = TRUE, .n_series = k, .series = series,
  };
  image = render (lw_line_chart_draw_func, &chart, 900, 500, "line-loss-log", TRUE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

static void
test_line_presentation (void)
{
  Store s;
  LwLineChart chart;
  LwLineChartArea normal, large;
  cairo_surface_t *image;

  store_init (&s, 3);
  build_accuracy_chart (&s, &chart, 3, 512, FALSE, 1.0);
  g_assert_true (area_of (&chart, 1280, 720, &normal));
  chart.scale = 2.0;
  g_assert_true (area_of (&chart, 1280, 720, &large));
  /* Larger tick labels push the plot right and the legend pushes it down. */
  g_assert_cmpfloat (large.x, >, normal.x * 1.5);
  g_assert_cmpfloat (large.y, >, normal.y * 1.5);
  image = render (lw_line_chart_draw_func, &chart, 1280, 720, "line-presentation", FALSE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* A small chart with 7 series (6 blocks and the output, as on the
 * Overview): the legend yields, compact or hidden, and the plot keeps at
 * least PLOT_MIN_SHARE of the height; a large chart keeps its legend. */
#define PLOT_MIN_SHARE 0.3

static void
test_line_legend_yields (void)
{
  static const char *names[] = {
    "Block 1 training", "Block 2 training", "Block 3 training", "Block 4 training",
    "Block 5 training", "Block 6 training", "Output training",
  };
  static const int sizes[][2] = { { 260, 200 }, { 300, 220 }, { 340, 260 }, { 420, 240 },
                                  { 640, 200 } };
  LwLineSeries series[G_N_ELEMENTS (names)];
  LwLineChart chart;
  LwLineChartArea area, bare;
  Store s;

  store_init (&s, 7);
  for (guint l = 0; l < G_N_ELEMENTS (names); l++)
    series[l] = loss_series (&s, names[l], lw_color_layer (l), 500, 60000,
                             0.1, 0.9, 20000, 0.02, FALSE);
  chart = (LwLineChart) {
    .title = "Accuracy of each layer", .x_label = "samples seen", .y_label = "accuracy",
    .y_percent = TRUE, .y_fixed = TRUE, .y_min = 0.0, .y_max = 1.0,
    .n_series = G_N_ELEMENTS (series), .series = series,
  };
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int w = sizes[i][0], h = sizes[i][1];

      g_test_message ("%d x %d", w, h);
      g_assert_true (area_of (&chart, w, h, &area));
      g_assert_cmpfloat (area.height, >=, PLOT_MIN_SHARE * h);
    }
  cairo_surface_destroy (render (lw_line_chart_draw_func, &chart, 300, 220,
                                 "line-legend-small", FALSE));

  /* Where there is room, the legend stays: the plot starts lower than
   * without any legend. */
  g_assert_true (area_of (&chart, 900, 500, &area));
  for (guint l = 0; l < G_N_ELEMENTS (series); l++)
    series[l].name = NULL;
  g_assert_true (area_of (&chart, 900, 500, &bare));
  g_assert_cmpfloat (area.y, >, bare.y + 20.0);
  store_clear (&s);
}

/* 4 layers x 4 series x 2048 points, and 4 earlier runs of the same, dimmed. */
static void
test_line_timing (void)
{
  static const char *names[4][4] = {
    { "b1 train", "b1 test", "b1 epoch", "b1 pred" },
    { "b2 train", "b2 test", "b2 epoch", "b2 pred" },
    { "b3 train", "b3 test", "b3 epoch", "b3 pred" },
    { "out train", "out test", "out epoch", "out pred" },
  };
  static const LwLineMark marks[] = {
    { 50000, 0, "lr 1e-3" }, { 120000, 1, "sim" }, { 200000, 3, "reset" },
  };
  Store s;
  LwLineSeries *series;
  LwLineChart chart;
  guint k = 0;
  double wall, cpu;
  cairo_surface_t *image;

  store_init (&s, 4);
  series = store_alloc (&s, 80 * sizeof (LwLineSeries));
  for (guint run = 0; run < 5; run++)
    for (guint l = 0; l < 4; l++)
      for (guint j = 0; j < 4; j++)
        series[k++] = accuracy_series (&s, run == 4 ? names[l][j] : NULL, lw_color_layer (l),
                                       2048, 300000 - run * 20000, 0.85 + 0.03 * l - 0.01 * j,
                                       20000.0 * (run + 1) / (l + 1), 0.03, j == 1,
                                       run == 4 ? 1.0 : 0.35);
  chart = (LwLineChart) {
    .title = "Accuracy, 80 curves x 2048 points", .x_label = "samples seen",
    .y_label = "accuracy", .y_unit = "%", .y_percent = TRUE,
    .n_series = k, .series = series, .n_marks = G_N_ELEMENTS (marks), .marks = marks,
  };

  image = render (lw_line_chart_draw_func, &chart, 900, 500, "line-timing", FALSE);
  cairo_surface_destroy (image);

  time_draw (lw_line_chart_draw_func, &chart, 900, 500, 1, 9, &wall, &cpu);
  g_test_message ("line chart 900x500, 80 series x 2048 points: median %.2f ms CPU, %.2f ms wall",
                  cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);

  /* At a HiDPI scale of 2, for information. */
  time_draw (lw_line_chart_draw_func, &chart, 900, 500, 2, 3, &wall, &cpu);
  g_test_message ("the same at device scale 2 (1800x1000 pixels): median %.2f ms CPU, %.2f ms wall",
                  cpu, wall);
  store_clear (&s);
}

/* ---- heatmap ------------------------------------------------------------ */

#define PROBE_N 64

static void
make_similarity (Store *s, guint8 **labels_out, float **label_sim, float **block_sim,
                 guint n_blocks)
{
  guint8 *labels = store_alloc (s, PROBE_N);
  float *ls = store_alloc (s, PROBE_N * PROBE_N * sizeof (float));
  float *bs = store_alloc (s, (gsize) n_blocks * PROBE_N * PROBE_N * sizeof (float));

  for (guint i = 0; i < PROBE_N; i++)
    labels[i] = (guint8) (i * 10 / PROBE_N);
  for (guint i = 0; i < PROBE_N; i++)
    for (guint j = 0; j < PROBE_N; j++)
      ls[i * PROBE_N + j] = labels[i] == labels[j] ? 1.0f : -0.11f;
  /* Deeper blocks look more like the label matrix. */
  for (guint b = 0; b < n_blocks; b++)
    for (guint i = 0; i < PROBE_N; i++)
      for (guint j = 0; j <= i; j++)
        {
          double mix = (b + 1.0) / (n_blocks + 1.0);
          double v = i == j ? 1.0 : mix * ls[i * PROBE_N + j] + (1 - mix) * noise (s, 1.2);

          bs[(gsize) b * PROBE_N * PROBE_N + i * PROBE_N + j] = (float) CLAMP (v, -1, 1);
          bs[(gsize) b * PROBE_N * PROBE_N + j * PROBE_N + i] = (float) CLAMP (v, -1, 1);
        }
  *labels_out = labels;
  *label_sim = ls;
  *block_sim = bs;
}

static void
test_heatmap (void)
{
  static const char *const class_names[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
  };
  Store s;
  guint8 *labels;
  float *label_sim, *block_sim, halves[32 * 32];
  LwHeatmap heatmap;
  cairo_surface_t *image;
  double red_y, blue_y;
  guint red, blue;

  store_init (&s, 5);
  make_similarity (&s, &labels, &label_sim, &block_sim, 2);

  heatmap = (LwHeatmap) {
    .title = "Block 2 similarity", .rows = PROBE_N, .cols = PROBE_N,
    .values = block_sim + PROBE_N * PROBE_N, .labels = labels,
    .class_names = class_names, .n_class_names = 10,
  };
  image = render (lw_heatmap_draw_func, &heatmap, 420, 360, "heatmap-block", TRUE);
  g_assert_cmpuint (count_not_background (image, 0, 40, 420, 360), >, 40000);
  cairo_surface_destroy (image);

  heatmap.title = "Labels";
  heatmap.values = label_sim;
  image = render (lw_heatmap_draw_func, &heatmap, 420, 360, "heatmap-labels", TRUE);
  cairo_surface_destroy (image);

  /* Top half +1, bottom half -1: red above blue. */
  for (guint i = 0; i < 32 * 32; i++)
    halves[i] = i < 16 * 32 ? 1.0f : -1.0f;
  heatmap = (LwHeatmap) { .rows = 32, .cols = 32, .values = halves, .hide_scale_bar = TRUE };
  image = render (lw_heatmap_draw_func, &heatmap, 300, 300, "heatmap-halves", FALSE);
  red = count_color (image, 0, 0, 300, 300, lw_color_diverging (1.0), 0.95, &red_y);
  blue = count_color (image, 0, 0, 300, 300, lw_color_diverging (-1.0), 0.95, &blue_y);
  g_assert_cmpuint (red, >, 20000);
  g_assert_cmpuint (blue, >, 20000);
  g_assert_cmpfloat (red_y, <, blue_y);
  cairo_surface_destroy (image);

  /* Not square, another colour range. */
  heatmap = (LwHeatmap) {
    .title = "Rows x cols", .rows = 10, .cols = PROBE_N, .values = block_sim,
    .labels = labels, .limit = 0.25,
  };
  image = render (lw_heatmap_draw_func, &heatmap, 600, 200, "heatmap-wide", TRUE);
  cairo_surface_destroy (image);

  /* A small matrix whose title does not fit shows its short one whole
   * ("b3") rather than "bloc…" across the cell; without a short one, the
   * whole title in smaller type, inside the cell. */
  {
    int right_long = -1, right_short = -1;

    heatmap = (LwHeatmap) { .title = "block 3", .rows = 8, .cols = 8, .values = halves,
                            .hide_scale_bar = TRUE };
    image = render (lw_heatmap_draw_func, &heatmap, 72, 100, "heatmap-small-long", FALSE);
    for (int x = 71; x >= 0 && right_long < 0; x--)
      if (count_not_background (image, x, 0, x + 1, 22) > 0)
        right_long = x;
    cairo_surface_destroy (image);
    heatmap.short_title = "b3";
    image = render (lw_heatmap_draw_func, &heatmap, 72, 100, "heatmap-small-short", FALSE);
    for (int x = 71; x >= 0 && right_short < 0; x--)
      if (count_not_background (image, x, 0, x + 1, 22) > 0)
        right_short = x;
    cairo_surface_destroy (image);
    g_test_message ("title ink ends at x = %d (long title, smaller), %d (short title)", right_long,
                    right_short);
    g_assert_cmpint (right_short, >, 0);
    g_assert_cmpint (right_short, <, right_long - 8);
    g_assert_cmpint (right_long, <=, 72 - 12 + 1);
    /* Where "block 3" fits, it is shown, short title or not. */
    image = render (lw_heatmap_draw_func, &heatmap, 200, 200, "heatmap-fits", FALSE);
    right_short = -1;
    for (int x = 199; x >= 0 && right_short < 0; x--)
      if (count_not_background (image, x, 0, x + 1, 22) > 0)
        right_short = x;
    cairo_surface_destroy (image);
    g_assert_cmpint (right_short, >, right_long);
  }

  /* Nothing to show. */
  heatmap = (LwHeatmap) { .title = "Empty" };
  image = render (lw_heatmap_draw_func, &heatmap, 200, 200, "heatmap-empty", FALSE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* Every matrix fills its room, whatever the panel (a lane's narrow one,
 * presentation mode's large type): the matrix's side is at least 80% of
 * the room its margins leave in the limiting direction, and those margins
 * leave at least 70% of a panel that is not narrow. Small data is drawn in
 * whole pixels a cell; large data at a fractional zoom, smoothly. */
static void
test_heatmap_fills (void)
{
  static const struct { double w, h, scale; guint n; } cases[] = {
    { 623, 475, 1.5, 100 }, { 623, 475, 1.5, 10 }, { 300, 200, 1.0, 100 },
    { 160, 400, 1.0, 64 }, { 1000, 300, 1.0, 256 }, { 240, 240, 2.0, 10 },
    { 420, 360, 1.0, 150 },
  };
  g_autofree float *values = g_new0 (float, 256 * 256);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 8, 8);
  cairo_t *cr = cairo_create (surface);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LwHeatmap h = {
        .title = "block 1", .short_title = "b1", .rows = cases[i].n, .cols = cases[i].n,
        .values = values, .scale = cases[i].scale,
      };
      double room_w, room_h, side;
      LwHeatmapLayout l;

      lw_heatmap_layout (&h, cr, cases[i].w, cases[i].h, &l);
      room_w = cases[i].w - l.margins.left - l.margins.right - l.margins.bar;
      room_h = cases[i].h - l.margins.top - l.margins.bottom;
      side = l.cell * cases[i].n;
      g_test_message ("%.0fx%.0f at %.1f, %u cells: matrix %.1f of %.1f x %.1f, %s",
                      cases[i].w, cases[i].h, cases[i].scale, cases[i].n, side, room_w, room_h,
                      l.sharp ? "sharp" : "smooth");
      g_assert_cmpfloat (side, <=, MIN (room_w, room_h) + 1e-6);
      g_assert_cmpfloat (side, >=, 0.8 * MIN (room_w, room_h));
      if (cases[i].w >= 300 && cases[i].h >= 200)
        g_assert_cmpfloat (MIN (room_w, room_h), >=, 0.7 * MIN (cases[i].w, cases[i].h));
      g_assert_cmpfloat (l.x, >=, l.margins.left - 0.5);
      g_assert_cmpfloat (l.y + side, <=, cases[i].h - l.margins.bottom + 0.5);
      if (l.sharp)
        g_assert_cmpfloat (l.cell, ==, floor (l.cell));
      /* Ten classes' worth of cells are large: whole pixels each. */
      if (cases[i].n <= 10)
        g_assert_true (l.sharp);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* Tiles fill the limiting direction of their room, at any panel shape. */
static void
test_tile_layout_fills (void)
{
  for (double w = 120; w <= 1900; w += 97)
    for (double h = 90; h <= 1000; h += 71)
      {
        guint cols, rows;
        double s = lw_tile_layout (100, 28, 28, w, h, 3, &cols);
        double used_w, used_h;

        rows = (100 + cols - 1) / cols;
        used_w = cols * 28 * s + (cols - 1) * 3;
        used_h = rows * 28 * s + (rows - 1) * 3;
        g_assert_cmpfloat (used_w, <=, w + 1e-6);
        g_assert_cmpfloat (used_h, <=, h + 1e-6);
        g_assert_true (used_w >= 0.99 * w || used_h >= 0.99 * h);
      }
}

/* A chart title too long for its panel wraps to two lines, then takes its
 * short form, then wraps that: it is never cut with an ellipsis. */
static void
test_title_never_cut (void)
{
  static const char *title = "Accuracy of each layer — solid: training, dashed: held-out test";
  static const char *short_title = "Accuracy of each layer";
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 8, 8);
  cairo_t *cr = cairo_create (surface);
  double one_line, wide_w;
  LwText t;

  lw_text_begin (&t, cr, 1.5);
  wide_w = lw_text_natural_width (&t, title, LW_FONT_TITLE, TRUE);
  lw_text_set (&t, "Ag", LW_FONT_TITLE, TRUE, -1);
  lw_text_extent (&t, NULL, &one_line);

  /* Room for it on one line, then on two. */
  lw_text_set_title (&t, title, short_title, LW_FONT_TITLE, wide_w + 2);
  g_assert_cmpstr (pango_layout_get_text (t.layout), ==, title);
  g_assert_cmpint (pango_layout_get_line_count (t.layout), ==, 1);
  lw_text_set_title (&t, title, short_title, LW_FONT_TITLE, 0.6 * wide_w);
  g_assert_cmpstr (pango_layout_get_text (t.layout), ==, title);
  g_assert_cmpint (pango_layout_get_line_count (t.layout), ==, 2);
  g_assert_false (pango_layout_is_ellipsized (t.layout));

  /* Narrower: the short form, whole; narrower still, wrapped. */
  for (double w = 0.45 * wide_w; w >= 40.0; w *= 0.8)
    {
      double tw;

      lw_text_set_title (&t, title, short_title, LW_FONT_TITLE, w);
      lw_text_extent (&t, &tw, NULL);
      g_assert_cmpstr (pango_layout_get_text (t.layout), ==, short_title);
      g_assert_false (pango_layout_is_ellipsized (t.layout));
      g_assert_cmpfloat (tw, <=, w + 0.5);
    }

  /* Without a short form the whole title wraps onto more lines. */
  lw_text_set_title (&t, title, NULL, LW_FONT_TITLE, 0.3 * wide_w);
  g_assert_cmpstr (pango_layout_get_text (t.layout), ==, title);
  g_assert_false (pango_layout_is_ellipsized (t.layout));
  g_assert_cmpint (pango_layout_get_line_count (t.layout), >, 2);

  /* The title row of the other charts: taller when wrapped, never cut. */
  g_assert_cmpfloat (lw_chart_title_row (&t, 1.5, 0.5 * wide_w + 36, title, short_title, NULL),
                     >, lw_chart_title_row (&t, 1.5, 2 * wide_w, title, short_title, NULL)
                        + 0.5 * one_line);
  lw_text_end (&t);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

typedef struct {
  LwHeatmap maps[4];
} FourMaps;

static void
draw_four_maps (gconstpointer data, cairo_t *cr, double width, double height)
{
  const FourMaps *four = data;

  for (guint i = 0; i < 4; i++)
    {
      cairo_save (cr);
      cairo_translate (cr, (i % 2) * width / 2, (i / 2) * height / 2);
      lw_heatmap_draw (&four->maps[i], cr, width / 2, height / 2);
      cairo_restore (cr);
    }
}

static void
test_heatmap_cache_timing (void)
{
  static const char *titles[] = { "Labels", "Block 1", "Block 2", "Block 3" };
  Store s;
  guint8 *labels;
  float *label_sim, *block_sim;
  FourMaps four;
  LwImageCache *caches[4];
  double wall, cpu;
  cairo_surface_t *image;

  store_init (&s, 6);
  make_similarity (&s, &labels, &label_sim, &block_sim, 3);
  for (guint i = 0; i < 4; i++)
    {
      caches[i] = lw_image_cache_new ();
      four.maps[i] = (LwHeatmap) {
        .title = titles[i], .rows = PROBE_N, .cols = PROBE_N,
        .values = i == 0 ? label_sim : block_sim + (gsize) (i - 1) * PROBE_N * PROBE_N,
        .labels = labels, .serial = 1, .cache = caches[i],
      };
    }

  image = render (draw_four_maps, &four, 900, 700, "heatmap-four", TRUE);
  cairo_surface_destroy (image);
  /* PNG, SVG and the demo copies all drew from one build per map. */
  g_assert_cmpuint (lw_image_cache_get_n_builds (caches[1]), ==, 1);

  time_draw (draw_four_maps, &four, 900, 500, 1, 9, &wall, &cpu);
  g_test_message ("4 heatmaps 64x64 at 900x500: median %.2f ms CPU, %.2f ms wall", cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  g_assert_cmpuint (lw_image_cache_get_n_builds (caches[1]), ==, 1);

  /* A new serial rebuilds; serial 0 never keeps. */
  four.maps[1].serial = 2;
  time_draw (draw_four_maps, &four, 900, 500, 1, 1, NULL, NULL);
  g_assert_cmpuint (lw_image_cache_get_n_builds (caches[1]), ==, 2);
  four.maps[1].serial = 0;
  time_draw (draw_four_maps, &four, 900, 500, 1, 2, NULL, NULL);
  g_assert_cmpuint (lw_image_cache_get_n_builds (caches[1]), ==, 4);

  for (guint i = 0; i < 4; i++)
    lw_image_cache_free (caches[i]);
  store_clear (&s);
}

/* ---- image grid and activations ----------------------------------------- */

/* n filters of 28x28: oriented stripes under a round envelope, as a first
 * layer learns on digits, with noise. */
static float *
make_filters (Store *s, guint n)
{
  float *w = store_alloc (s, (gsize) n * 784 * sizeof (float));

  for (guint k = 0; k < n; k++)
    {
      double angle = g_rand_double_range (s->rand, 0, G_PI);
      double freq = g_rand_double_range (s->rand, 0.15, 0.5);
      double cx = g_rand_double_range (s->rand, 9, 19), cy = g_rand_double_range (s->rand, 9, 19);
      double sign = k % 2 ? 1.0 : -1.0;

      for (guint y = 0; y < 28; y++)
        for (guint x = 0; x < 28; x++)
          {
            double u = (x - cx) * cos (angle) + (y - cy) * sin (angle);
            double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);

            w[(gsize) k * 784 + y * 28 + x] =
              (float) (sign * 0.05 * cos (freq * u * 2.0) * exp (-r2 / 60.0) + noise (s, 0.01));
          }
    }
  return w;
}

static void
test_image_grid (void)
{
  Store s;
  float *filters;
  g_autoptr(LwImageCache) cache = lw_image_cache_new ();
  LwImageGrid grid;
  cairo_surface_t *image;
  double wall, cpu;

  store_init (&s, 7);
  filters = make_filters (&s, 1024);
  grid = (LwImageGrid) {
    .title = "Block 1 filters", .n_images = 1024, .channels = 1, .height = 28, .width = 28,
    .data = filters, .max_tiles = 100, .serial = 1, .cache = cache,
  };
  g_assert_cmpuint (lw_image_grid_tile_image (&grid, 0, 100), ==, 0);
  g_assert_cmpuint (lw_image_grid_tile_image (&grid, 50, 100), ==, 512);
  g_assert_cmpuint (lw_image_grid_tile_image (&grid, 99, 100), ==, 1013);

  image = render (lw_image_grid_draw_func, &grid, 900, 500, "filters", TRUE);
  g_assert_cmpuint (count_color (image, 0, 0, 900, 500, lw_color_diverging (1.0), 0.6, NULL), >, 500);
  g_assert_cmpuint (count_color (image, 0, 0, 900, 500, lw_color_diverging (-1.0), 0.6, NULL), >, 500);
  cairo_surface_destroy (image);

  time_draw (lw_image_grid_draw_func, &grid, 900, 500, 1, 9, &wall, &cpu);
  g_test_message ("100-tile filter grid at 900x500: median %.2f ms CPU, %.2f ms wall", cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  g_assert_cmpuint (lw_image_cache_get_n_builds (cache), ==, 1);

  /* Uncached, the build is part of every draw: still within a frame. */
  grid.serial = 0;
  time_draw (lw_image_grid_draw_func, &grid, 900, 500, 1, 5, &wall, &cpu);
  g_test_message ("the same, rebuilt each draw: median %.2f ms CPU, %.2f ms wall", cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);

  /* Few tiles, all shown. */
  grid = (LwImageGrid) {
    .title = "Filters", .n_images = 6, .channels = 1, .height = 28, .width = 28,
    .data = filters,
  };
  image = render (lw_image_grid_draw_func, &grid, 400, 200, "filters-six", FALSE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* A conv net's first kernels, 16 of 1 x 3 x 3, fill the view as large
 * blocks of colour; 3-channel kernels show as colour around mid grey. */
static void
test_image_grid_kernels (void)
{
  Store s;
  float *k = NULL;
  LwImageGrid grid;
  cairo_surface_t *image;
  guint red, blue;

  store_init (&s, 14);
  k = store_alloc (&s, 16 * 27 * sizeof (float));
  for (guint i = 0; i < 16 * 27; i++)
    k[i] = (float) noise (&s, 0.6);
  grid = (LwImageGrid) {
    .title = "First conv layer", .n_images = 16, .channels = 1, .height = 3, .width = 3,
    .data = k, .max_tiles = 128,
  };
  image = render (lw_image_grid_draw_func, &grid, 600, 300, "kernels", TRUE);
  red = count_color (image, 0, 0, 600, 300, lw_color_diverging (1.0), 0.3, NULL);
  blue = count_color (image, 0, 0, 600, 300, lw_color_diverging (-1.0), 0.3, NULL);
  g_test_message ("16 kernels of 3x3 at 600x300: %u red, %u blue pixels", red, blue);
  /* The 16 x 9 cells, each tens of pixels wide, cover most of the view. */
  g_assert_cmpuint (count_not_background (image, 0, 40, 600, 300), >, 600 * 260 * 2 / 5);
  g_assert_cmpuint (red, >, 2000);
  g_assert_cmpuint (blue, >, 2000);
  cairo_surface_destroy (image);

  grid.channels = 3;
  image = render (lw_image_grid_draw_func, &grid, 600, 300, "kernels-rgb", FALSE);
  g_assert_cmpuint (count_not_background (image, 0, 40, 600, 300), >, 600 * 260 * 2 / 5);
  cairo_surface_destroy (image);
  store_clear (&s);
}

static void
test_image_grid_probe (void)
{
  Store s;
  float *img, *rgb;
  LwImageGrid grid;
  cairo_surface_t *image;
  int r, g, b;

  store_init (&s, 8);
  img = store_alloc (&s, 784 * sizeof (float));
  /* A ring on a dark ground, in normalised units. */
  for (guint y = 0; y < 28; y++)
    for (guint x = 0; x < 28; x++)
      {
        double d = hypot (x - 13.5, y - 13.5);
        img[y * 28 + x] = (float) (fabs (d - 8.0) < 2.0 ? 2.8 : -0.42);
      }
  grid = (LwImageGrid) {
    .title = "Probe: 0", .n_images = 1, .channels = 1, .height = 28, .width = 28,
    .data = img, .coloring = LW_IMAGE_COLORING_GREY,
  };
  image = render (lw_image_grid_draw_func, &grid, 240, 260, "probe", TRUE);
  /* The centre is ground (black), the ring white. */
  pixel_rgb (image, 12 + 108, 260 - 12 - 108, &r, &g, &b);
  g_assert_cmpint (r, <, 10);
  g_assert_cmpuint (count_color (image, 0, 0, 240, 260, (LwColor) { 0, 0, 0 }, 0.95, NULL), >, 5000);
  cairo_surface_destroy (image);

  /* A three-channel image is shown in colour. */
  rgb = store_alloc (&s, 3 * 32 * 32 * sizeof (float));
  for (guint c = 0; c < 3; c++)
    for (guint i = 0; i < 32 * 32; i++)
      rgb[c * 1024 + i] = (float) ((c == 0 ? i % 32 : c == 1 ? i / 32 : 16) / 32.0 - 0.5);
  grid = (LwImageGrid) {
    .title = "CIFAR probe", .n_images = 1, .channels = 3, .height = 32, .width = 32,
    .data = rgb, .coloring = LW_IMAGE_COLORING_GREY,
  };
  image = render (lw_image_grid_draw_func, &grid, 240, 260, "probe-rgb", FALSE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

static void
test_activation_strips (void)
{
  static const guint widths[] = { 1024, 1024, 512, 10 };
  static const char *const names[] = { "b1", "b2", "b3", "out" };
  Store s;
  float *values;
  gsize total = 0;
  LwActivationStrips strips;
  cairo_surface_t *image;

  store_init (&s, 9);
  for (guint b = 0; b < G_N_ELEMENTS (widths); b++)
    total += widths[b];
  values = store_alloc (&s, total * sizeof (float));
  for (gsize i = 0; i < total; i++)
    {
      double v = noise (&s, 3.0);
      values[i] = (float) (i >= total - 10 ? v : MAX (v, 0.0));
    }
  strips = (LwActivationStrips) {
    .title = "Activations for the probe", .n_blocks = G_N_ELEMENTS (widths),
    .widths = widths, .values = values, .names = names,
  };
  image = render (lw_activation_strips_draw_func, &strips, 900, 300, "activations", TRUE);
  g_assert_cmpuint (count_not_background (image, 0, 40, 900, 300), >, 20000);
  cairo_surface_destroy (image);

  strips.names = NULL;
  strips.scale = 1.6;
  image = render (lw_activation_strips_draw_func, &strips, 900, 400, "activations-large", FALSE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* ---- feature maps ----------------------------------------------------------- */

/* A conv net's activations for one image: group g's map c is a bright
 * blob at a place of its own on a dark ground, as a digit's strokes
 * light different channels; a last group of units. */
static LwFeatureGroup *
make_feature_groups (Store *s, const guint *channels, const guint *sizes, guint n_conv,
                     guint units)
{
  LwFeatureGroup *groups = store_alloc (s, (n_conv + 1) * sizeof (LwFeatureGroup));
  static const char *const names[] = { "block 1", "block 2", "block 3", "block 4", "block 5",
                                       "block 6", "block 7", "block 8" };

  for (guint g = 0; g < n_conv; g++)
    {
      guint n = sizes[g];
      float *v = store_alloc (s, (gsize) channels[g] * n * n * sizeof (float));

      for (guint c = 0; c < channels[g]; c++)
        {
          double cx = n * (0.25 + 0.5 * ((c * 7) % 11) / 10.0);
          double cy = n * (0.25 + 0.5 * ((c * 3) % 7) / 6.0);

          for (guint y = 0; y < n; y++)
            for (guint x = 0; x < n; x++)
              {
                double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (n * n / 16.0);
                v[((gsize) c * n + y) * n + x] = (float) MAX (0.0, 2.0 * exp (-r2) - 0.2);
              }
        }
      groups[g] = (LwFeatureGroup) { names[g], channels[g], n, n, channels[g] * n * n, v };
    }
  {
    float *v = store_alloc (s, units * sizeof (float));

    for (guint i = 0; i < units; i++)
      {
        double x = noise (s, 3.0);

        v[i] = (float) MAX (0.0, x);
      }
    groups[n_conv] = (LwFeatureGroup) { names[n_conv], 0, 0, 0, units, v };
  }
  return groups;
}

static void
test_feature_maps (void)
{
  static const guint channels[] = { 16, 32, 64 }, sizes[] = { 28, 14, 7 };
  Store s;
  LwFeatureGroup *groups;
  g_autoptr(LwImageCache) cache = lw_image_cache_new ();
  LwFeatureMaps maps;
  cairo_surface_t *image;
  double last_y = -1.0;

  store_init (&s, 11);
  groups = make_feature_groups (&s, channels, sizes, 3, 256);
  maps = (LwFeatureMaps) {
    .title = "Feature maps of each block for this image", .n_groups = 4, .groups = groups,
    .max_maps = 64, .serial = 1, .cache = cache,
  };
  g_assert_cmpuint (lw_feature_maps_n_shown (&maps, 2), ==, 64);
  g_assert_cmpuint (lw_feature_maps_n_shown (&maps, 3), ==, 0);

  /* Every block shows, in its layer's colour, in order from the top. */
  image = render (lw_feature_maps_draw_func, &maps, 900, 420, "feature-maps", TRUE);
  for (guint g = 0; g < 4; g++)
    {
      double mean_y;
      guint n = count_color (image, 120, 30, 900, 420, lw_color_layer (g), 0.5, &mean_y);

      g_test_message ("group %u: %u pixels, mean row %.0f", g, n, mean_y);
      g_assert_cmpuint (n, >, g < 3 ? 2000 : 1000);
      g_assert_cmpfloat (mean_y, >, last_y);
      last_y = mean_y;
    }
  cairo_surface_destroy (image);
  g_assert_cmpuint (lw_image_cache_get_n_builds (cache), ==, 1);

  /* Large type, and the overview's small cell. */
  maps.scale = 1.5;
  image = render (lw_feature_maps_draw_func, &maps, 900, 600, "feature-maps-large", FALSE);
  g_assert_cmpuint (count_color (image, 0, 0, 900, 600, lw_color_layer (0), 0.5, NULL), >, 2000);
  cairo_surface_destroy (image);
  maps.scale = 1.0;
  image = render (lw_feature_maps_draw_func, &maps, 360, 260, "feature-maps-small", FALSE);
  for (guint g = 0; g < 4; g++)
    g_assert_cmpuint (count_color (image, 0, 0, 360, 260, lw_color_layer (g), 0.5, NULL), >, 50);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* Wide blocks show an even subset of their maps; the draw stays within a
 * frame even for vgg8b's 128 to 512 channels per block. */
static void
test_feature_maps_wide (void)
{
  static const guint channels[] = { 128, 256, 256, 512, 512, 512 }, sizes[] = { 28, 28, 14, 14, 7, 3 };
  Store s;
  LwFeatureGroup *groups;
  g_autoptr(LwImageCache) cache = lw_image_cache_new ();
  LwFeatureMaps maps;
  cairo_surface_t *image;
  double wall, cpu;

  store_init (&s, 12);
  groups = make_feature_groups (&s, channels, sizes, 6, 1024);
  maps = (LwFeatureMaps) {
    .title = "vgg8b", .n_groups = 7, .groups = groups, .max_maps = 64, .serial = 1,
    .cache = cache,
  };
  g_assert_cmpuint (lw_feature_maps_n_shown (&maps, 3), ==, 64);
  g_assert_cmpuint (lw_feature_maps_tile_map (&maps, 3, 0), ==, 0);
  g_assert_cmpuint (lw_feature_maps_tile_map (&maps, 3, 1), ==, 8);
  g_assert_cmpuint (lw_feature_maps_tile_map (&maps, 3, 63), ==, 504);

  image = render (lw_feature_maps_draw_func, &maps, 1000, 600, "feature-maps-vgg8b", FALSE);
  for (guint g = 0; g < 7; g++)
    g_assert_cmpuint (count_color (image, 0, 0, 1000, 600, lw_color_layer (g), 0.5, NULL), >, 100);
  cairo_surface_destroy (image);

  time_draw (lw_feature_maps_draw_func, &maps, 1000, 600, 1, 9, &wall, &cpu);
  g_test_message ("vgg8b feature maps at 1000x600: median %.2f ms CPU, %.2f ms wall", cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  g_assert_cmpuint (lw_image_cache_get_n_builds (cache), ==, 1);
  maps.serial = 0;
  time_draw (lw_feature_maps_draw_func, &maps, 1000, 600, 1, 5, &wall, &cpu);
  g_test_message ("the same, rebuilt each draw: median %.2f ms CPU, %.2f ms wall", cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  store_clear (&s);
}

/* Silent, non-finite, missing and empty input draws without a crash:
 * no colour where there is no signal. */
static void
test_feature_maps_bad (void)
{
  static const guint channels[] = { 4 }, sizes[] = { 5 };
  Store s;
  LwFeatureGroup *groups;
  LwFeatureMaps maps;
  cairo_surface_t *image;
  float *v;

  store_init (&s, 13);
  groups = make_feature_groups (&s, channels, sizes, 1, 8);
  v = (float *) groups[0].values;
  for (guint i = 0; i < groups[0].units; i++)
    v[i] = i % 3 == 0 ? NAN : 0.0f;
  maps = (LwFeatureMaps) { .title = "silent", .n_groups = 1, .groups = groups };
  image = render (lw_feature_maps_draw_func, &maps, 300, 200, "feature-maps-silent", FALSE);
  g_assert_cmpuint (count_color (image, 105, 0, 300, 200, lw_color_layer (0), 0.3, NULL), ==, 0);
  g_assert_cmpuint (count_not_background (image, 105, 30, 300, 200), >, 0);
  cairo_surface_destroy (image);

  /* A shape that does not match the values: a strip, nothing read beyond. */
  groups[1].channels = 64;
  groups[1].height = groups[1].width = 28;
  maps.n_groups = 2;
  g_assert_cmpuint (lw_feature_maps_n_shown (&maps, 1), ==, 0);
  image = render (lw_feature_maps_draw_func, &maps, 300, 200, "feature-maps-mismatch", FALSE);
  cairo_surface_destroy (image);

  groups[1].values = NULL;
  image = render (lw_feature_maps_draw_func, &maps, 300, 200, "feature-maps-missing", FALSE);
  cairo_surface_destroy (image);
  maps.n_groups = 0;
  image = render (lw_feature_maps_draw_func, &maps, 300, 200, "feature-maps-empty", FALSE);
  cairo_surface_destroy (image);
  maps.n_groups = 1;
  image = render (lw_feature_maps_draw_func, &maps, 20, 10, "feature-maps-tiny", FALSE);
  cairo_surface_destroy (image);
  store_clear (&s);
}

/* ---- export and the widget ---------------------------------------------- */

static void
test_export_error (void)
{
  LwLineChart chart = { .title = "x" };
  g_autoptr(GError) error = NULL;

  g_assert_false (lw_chart_render_png (lw_line_chart_draw_func, &chart, 100, 100,
                                       "/nonexistent-dir/x.png", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (lw_chart_render_svg (lw_line_chart_draw_func, &chart, 100, 100,
                                       "/nonexistent-dir/x.svg", &error));
  g_assert_nonnull (error);
}

static void
test_view (void)
{
  double x[] = { 0, 1000, 2000 };
  float y[] = { 0.1f, 0.5f, 0.7f };
  LwLineSeries series = { .name = "b1", .color = lw_color_layer (0), .n = 3, .x = x, .y = y };
  LwLineChart chart = { .title = "View", .y_percent = TRUE, .n_series = 1, .series = &series };
  GtkWidget *window, *view;
  gint64 deadline;

  /* The accessibility bus needs a session bus, which a test run lacks. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return;
    }

  view = lw_chart_view_new (lw_line_chart_draw_func);
  lw_chart_view_set_data (LW_CHART_VIEW (view), &chart, NULL);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 300);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_present (GTK_WINDOW (window));

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (lw_chart_view_get_n_draws (LW_CHART_VIEW (view)) == 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (lw_chart_view_get_n_draws (LW_CHART_VIEW (view)), >, 0);
  g_assert_cmpint (lw_chart_view_get_max_draw_us (LW_CHART_VIEW (view)), >, 0);
  g_test_message ("view: %u draws, last %" G_GINT64_FORMAT " us, max %" G_GINT64_FORMAT " us",
                  lw_chart_view_get_n_draws (LW_CHART_VIEW (view)),
                  lw_chart_view_get_last_draw_us (LW_CHART_VIEW (view)),
                  lw_chart_view_get_max_draw_us (LW_CHART_VIEW (view)));
  g_assert_true (lw_chart_view_get_data (LW_CHART_VIEW (view)) == &chart);

  /* The first draw loads fonts; later ones show the steady cost. */
  lw_chart_view_reset_draw_stats (LW_CHART_VIEW (view));
  lw_chart_view_set_data (LW_CHART_VIEW (view), &chart, NULL);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (lw_chart_view_get_n_draws (LW_CHART_VIEW (view)) == 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (lw_chart_view_get_n_draws (LW_CHART_VIEW (view)), ==, 1);
  g_test_message ("view: redraw after new data took %" G_GINT64_FORMAT " us",
                  lw_chart_view_get_last_draw_us (LW_CHART_VIEW (view)));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
remove_tmp_dir (void)
{
  GDir *dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_remove (path);
    }
  g_dir_close (dir);
  g_rmdir (tmp_dir);
}

/* ---- confusion matrix, gallery --------------------------------------- */

static guint32 *
make_confusion (Store *s, guint C, guint per_class, guint wrong_3_as_8)
{
  guint32 *m = store_alloc (s, sizeof (guint32) * C * C);

  for (guint c = 0; c < C; c++)
    m[c * C + c] = per_class;
  if (C > 8)
    {
      m[3 * C + 3] -= wrong_3_as_8;
      m[3 * C + 8] += wrong_3_as_8;
    }
  return m;
}

static void
test_confusion (void)
{
  LwColor color = lw_color_layer (3);
  Store s;
  LwConfusion perfect, mixed, big, empty = { .title = "empty" };
  cairo_surface_t *image;
  guint n_perfect, n_mixed;
  double wall, cpu;

  store_init (&s, 11);
  perfect = (LwConfusion) {
    .title = "Output layer", .caption = "100.0%", .n_classes = 10,
    .counts = make_confusion (&s, 10, 100, 0), .color = color,
  };
  mixed = perfect;
  mixed.counts = make_confusion (&s, 10, 100, 40);

  /* The diagonal in the layer's colour; a class mistaken for another
   * shades that cell too. */
  image = render (lw_confusion_draw_func, &perfect, 600, 500, "confusion-perfect", TRUE);
  n_perfect = count_color (image, 0, 0, 600, 500, color, 0.5, NULL);
  g_assert_cmpuint (n_perfect, >, 10 * 20 * 20);
  cairo_surface_destroy (image);
  image = render (lw_confusion_draw_func, &mixed, 600, 500, "confusion-mixed", TRUE);
  n_mixed = count_color (image, 0, 0, 600, 500, color, 0.5, NULL);
  g_assert_cmpuint (n_mixed, >, n_perfect + 20 * 20);
  cairo_surface_destroy (image);

  image = render (lw_confusion_draw_func, &empty, 300, 200, "confusion-empty", FALSE);
  cairo_surface_destroy (image);

  /* CIFAR-100: ten thousand cells in a frame. */
  big = perfect;
  big.n_classes = 100;
  big.counts = make_confusion (&s, 100, 10, 5);
  time_draw (lw_confusion_draw_func, &big, 900, 700, 1, 9, &wall, &cpu);
  g_test_message ("100-class confusion matrix at 900x700: median %.2f ms CPU, %.2f ms wall",
                  cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  time_draw (lw_confusion_draw_func, &mixed, 900, 700, 1, 9, &wall, &cpu);
  g_test_message ("10-class confusion matrix with counts: median %.2f ms CPU, %.2f ms wall",
                  cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  store_clear (&s);
}

static const char *const fashion_names[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* The bounding box of colour c's pixels. */
static void
color_box (cairo_surface_t *image, LwColor c, int *x0, int *y0, int *x1, int *y1)
{
  int w = cairo_image_surface_get_width (image), h = cairo_image_surface_get_height (image);

  *x0 = *y0 = G_MAXINT;
  *x1 = *y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (count_color (image, x, y, x + 1, y + 1, c, 0.5, NULL) > 0)
        {
          *x0 = MIN (*x0, x);
          *y0 = MIN (*y0, y);
          *x1 = MAX (*x1, x);
          *y1 = MAX (*y1, y);
        }
  g_assert_cmpint (*x1, >=, 0);
}

/* Class names label the matrix: below it each one is cut to its cell,
 * so that neighbours never run into each other, and at the left very
 * long ones are cut before they squeeze the matrix. */
static void
test_confusion_names (void)
{
  LwColor color = lw_color_layer (3);
  const char *long_names[10];
  char long_buf[10][80];
  LwConfusion numbers, named, named_long;
  cairo_surface_t *image;
  int x0, y0, x1, y1, side_numbers, side_long;
  double cell;
  Store s;

  store_init (&s, 12);
  numbers = (LwConfusion) {
    .title = "Output layer", .n_classes = 10,
    .counts = make_confusion (&s, 10, 100, 0), .color = color,
  };
  named = numbers;
  named.class_names = fashion_names;
  named.n_class_names = 10;

  image = render (lw_confusion_draw_func, &numbers, 600, 500, "confusion-numbers", FALSE);
  color_box (image, color, &x0, &y0, &x1, &y1);
  side_numbers = x1 - x0 + 1;
  cairo_surface_destroy (image);

  image = render (lw_confusion_draw_func, &named, 600, 500, "confusion-names", TRUE);
  color_box (image, color, &x0, &y0, &x1, &y1);
  cell = (x1 - x0 + 1) / 10.0;
  g_test_message ("cell %.1f px with names", cell);
  /* The labels below: ink under every cell, none where two cells meet. */
  for (guint k = 0; k < 10; k++)
    {
      int mid = (int) (x0 + (k + 0.5) * cell), edge = (int) round (x0 + (k + 1) * cell);

      g_assert_cmpuint (count_not_background (image, mid - (int) cell / 4, y1 + 3,
                                              mid + (int) cell / 4, y1 + 16), >, 5);
      if (k < 9)
        g_assert_cmpuint (count_not_background (image, edge - 1, y1 + 3, edge + 1, y1 + 16), ==, 0);
    }
  cairo_surface_destroy (image);

  for (guint k = 0; k < 10; k++)
    {
      g_snprintf (long_buf[k], sizeof long_buf[k],
                  "%s of a very long name indeed, far too long for any label", fashion_names[k]);
      long_names[k] = long_buf[k];
    }
  named_long = named;
  named_long.class_names = long_names;
  image = render (lw_confusion_draw_func, &named_long, 600, 500, "confusion-long-names", FALSE);
  color_box (image, color, &x0, &y0, &x1, &y1);
  side_long = x1 - x0 + 1;
  g_test_message ("matrix side %d px with numbers, %d with long names", side_numbers, side_long);
  g_assert_cmpint (side_long, >=, side_numbers * 7 / 10);
  cairo_surface_destroy (image);
  store_clear (&s);
}

static void
make_gallery (Store *s, guint n, guint n_wrong, LwGallery *g)
{
  float *images = store_alloc (s, sizeof (float) * n * 784);
  guint8 *labels = store_alloc (s, n);
  guint8 *predicted = store_alloc (s, n);
  guint32 *order = store_alloc (s, sizeof (guint32) * n);
  guint k = 0;

  for (guint i = 0; i < n; i++)
    {
      for (guint p = 0; p < 784; p++)
        images[(gsize) i * 784 + p] = (float) noise (s, 1.0);
      labels[i] = i % 10;
      /* Every (n / n_wrong)-th image is wrong. */
      predicted[i] = i % (n / n_wrong) == 1 ? (i + 1) % 10 : i % 10;
    }
  for (guint i = 0; i < n; i++)
    if (predicted[i] != labels[i])
      order[k++] = i;
  for (guint i = 0; i < n; i++)
    if (predicted[i] == labels[i])
      order[k++] = i;
  *g = (LwGallery) {
    .title = "Test images, mistakes first", .caption = "40 of 40",
    .n_images = n, .channels = 1, .height = 28, .width = 28,
    .images = images, .labels = labels, .predicted = predicted, .order = order,
    .selected = G_MAXUINT,
  };
}

static void
test_gallery (void)
{
  const LwColor red = { 0.84, 0.15, 0.16 };
  g_autoptr(LwImageCache) cache = lw_image_cache_new ();
  g_autoptr(GHashTable) hit = g_hash_table_new (NULL, NULL);
  Store s;
  LwGallery g;
  cairo_surface_t *image;
  guint shown;
  int first = -1;
  double wall, cpu;

  store_init (&s, 5);
  make_gallery (&s, 40, 8, &g);
  g.selected = g.order[12];
  image = render (lw_gallery_draw_func, &g, 900, 500, "gallery", TRUE);
  /* The mistakes are framed and captioned in red. */
  g_assert_cmpuint (count_color (image, 0, 0, 900, 500, red, 0.8, NULL), >, 8 * 100);
  cairo_surface_destroy (image);

  /* Every image shown answers a click on it, and nothing else does; the
   * top left one is the first in the order. */
  shown = lw_gallery_n_shown (&g, 900, 500);
  g_assert_cmpuint (shown, ==, 40);
  for (int y = 0; y < 500; y += 3)
    for (int x = 0; x < 900; x += 3)
      {
        int i = lw_gallery_hit (&g, 900, 500, x, y);

        if (i < 0)
          continue;
        if (first < 0)
          first = i;
        g_assert_cmpint (i, <, 40);
        g_hash_table_add (hit, GINT_TO_POINTER (i + 1));
      }
  g_assert_cmpint (first, ==, (int) g.order[0]);
  g_assert_cmpuint (g_hash_table_size (hit), ==, 40);
  g_assert_cmpint (lw_gallery_hit (&g, 900, 500, 1, 1), ==, -1);
  g_assert_cmpint (lw_gallery_hit (&g, 900, 500, 899, 499), ==, -1);

  /* The keyboard walks the tiles as they are laid out: right and left
   * along the order, down and up a row, Home and End to either end, and
   * no further than an edge. */
  {
    g_autoptr(GHashTable) first_row = g_hash_table_new (NULL, NULL);
    int last = (int) g.order[shown - 1], k, y0 = 0;
    guint cols;

    /* Columns: the images a line through the first row crosses. */
    while (y0 < 500 && lw_gallery_hit (&g, 900, 500, 20, y0) < 0)
      y0++;
    for (int x = 0; x < 900; x++)
      if (lw_gallery_hit (&g, 900, 500, x, y0 + 2) >= 0)
        g_hash_table_add (first_row, GINT_TO_POINTER (lw_gallery_hit (&g, 900, 500, x, y0 + 2) + 1));
    cols = g_hash_table_size (first_row);
    g_assert_cmpuint (cols, >, 1);
    g_assert_cmpuint (cols, <, shown);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[0], LW_GALLERY_MOVE_RIGHT), ==, (int) g.order[1]);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[1], LW_GALLERY_MOVE_LEFT), ==, (int) g.order[0]);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[0], LW_GALLERY_MOVE_LEFT), ==, (int) g.order[0]);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[0], LW_GALLERY_MOVE_UP), ==, (int) g.order[0]);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[1], LW_GALLERY_MOVE_DOWN), ==, (int) g.order[1 + cols]);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[1 + cols], LW_GALLERY_MOVE_UP), ==, (int) g.order[1]);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[3], LW_GALLERY_MOVE_LAST), ==, last);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, last, LW_GALLERY_MOVE_RIGHT), ==, last);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, last, LW_GALLERY_MOVE_DOWN), ==, last);
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, last, LW_GALLERY_MOVE_FIRST), ==, (int) g.order[0]);
    /* Down from the row above a short last row: its last tile. */
    k = (int) (((shown - 1) / cols) * cols) - 1;
    if ((shown % cols) != 0 && k >= 0)
      g_assert_cmpint (lw_gallery_move (&g, 900, 500, g.order[k], LW_GALLERY_MOVE_DOWN), ==, last);
    /* From an image not shown (or none), the first tile. */
    g_assert_cmpint (lw_gallery_move (&g, 900, 500, G_MAXUINT, LW_GALLERY_MOVE_DOWN), ==, (int) g.order[0]);
    g_assert_cmpint (lw_gallery_position (&g, 900, 500, g.order[7]), ==, 7);
    g_assert_cmpint (lw_gallery_position (&g, 900, 500, 4000), ==, -1);

    /* The cursor is drawn as a blue band behind its tile, and only when
     * asked for. */
    {
      const LwColor band = { 0.10, 0.45, 0.95 };
      guint without, with;

      image = render (lw_gallery_draw_func, &g, 900, 500, "gallery-no-cursor", FALSE);
      without = count_color (image, 0, 0, 900, 500, band, 0.2, NULL);
      cairo_surface_destroy (image);
      g.cursor = g.order[3];
      image = render (lw_gallery_draw_func, &g, 900, 500, "gallery-no-cursor", FALSE);
      g_assert_cmpuint (count_color (image, 0, 0, 900, 500, band, 0.2, NULL), ==, without);
      cairo_surface_destroy (image);
      g.show_cursor = TRUE;
      image = render (lw_gallery_draw_func, &g, 900, 500, "gallery-cursor", TRUE);
      with = count_color (image, 0, 0, 900, 500, band, 0.2, NULL);
      cairo_surface_destroy (image);
      g_test_message ("band pixels: %u without the cursor, %u with", without, with);
      g_assert_cmpuint (with, >, without + 200);
      g.show_cursor = FALSE;
    }
  }

  /* A thousand images: as many as fit, the first of the order. */
  make_gallery (&s, 1000, 50, &g);
  g.serial = 1;
  g.cache = cache;
  shown = lw_gallery_n_shown (&g, 900, 500);
  g_assert_cmpuint (shown, >, 50);
  g_assert_cmpuint (shown, <, 1000);
  time_draw (lw_gallery_draw_func, &g, 900, 500, 1, 9, &wall, &cpu);
  g_test_message ("gallery of %u shown at 900x500: median %.2f ms CPU, %.2f ms wall",
                  shown, cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  g_assert_cmpuint (lw_image_cache_get_n_builds (cache), ==, 1);
  g.serial = 0;
  time_draw (lw_gallery_draw_func, &g, 900, 500, 1, 5, &wall, &cpu);
  g_test_message ("the same, rebuilt each draw: median %.2f ms CPU, %.2f ms wall", cpu, wall);
  g_assert_cmpfloat (cpu, <, FRAME_BUDGET_MS);
  store_clear (&s);
}

/* The first row's tiles as [start, end] column ranges, from hit testing. */
static guint
first_row_tiles (const LwGallery *g, int width, int height, int *y_top, int *starts, int *ends,
                 guint max)
{
  guint n = 0;
  int y = 0;

  while (y < height && lw_gallery_hit (g, width, height, 20, y) < 0)
    y++;
  *y_top = y;
  for (int x = 0, prev = -1; x < width; x++)
    {
      int i = lw_gallery_hit (g, width, height, x, y + 2);

      if (i >= 0 && prev < 0 && n < max)
        starts[n] = x;
      if (i < 0 && prev >= 0 && n < max)
        ends[n++] = x - 1;
      prev = i;
    }
  return n;
}

/* With names each tile's caption is its true class, and under a mistake
 * a second line with what the layer took it for; captions stay clear of
 * the gap between two tiles however long the names. */
static void
test_gallery_names (void)
{
  const LwColor red = { 0.84, 0.15, 0.16 };
  int starts[64], ends[64], y_top, bottom = 0;
  cairo_surface_t *image;
  guint n_tiles;
  LwGallery g;
  Store s;

  store_init (&s, 6);
  make_gallery (&s, 40, 8, &g);
  g.class_names = fashion_names;
  g.n_class_names = 10;
  image = render (lw_gallery_draw_func, &g, 900, 500, "gallery-names", TRUE);
  n_tiles = first_row_tiles (&g, 900, 500, &y_top, starts, ends, G_N_ELEMENTS (starts));
  g_assert_cmpuint (n_tiles, >, 2);
  while (lw_gallery_hit (&g, 900, 500, starts[0] + 2, y_top + bottom) >= 0)
    bottom++;
  bottom += y_top;
  /* The first tile is a mistake: red ink on both caption lines. */
  g_assert_cmpint (g.labels[g.order[0]], !=, g.predicted[g.order[0]]);
  g_assert_cmpuint (count_color (image, starts[0] - 3, bottom + 1, ends[0] + 3, bottom + 14,
                                 red, 0.6, NULL), >, 10);
  g_assert_cmpuint (count_color (image, starts[0] - 3, bottom + 15, ends[0] + 3, bottom + 28,
                                 red, 0.6, NULL), >, 10);
  for (guint k = 0; k + 1 < n_tiles; k++)
    {
      int gap = (ends[k] + starts[k + 1]) / 2;

      g_assert_cmpuint (count_not_background (image, gap, bottom, gap + 1, bottom + 28), ==, 0);
    }
  cairo_surface_destroy (image);
  store_clear (&s);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("lw-widgets-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/widgets/colors/palette", test_colors);
  g_test_add_func ("/widgets/ticks/format", test_ticks);
  g_test_add_func ("/widgets/line/constant", test_line_constant);
  g_test_add_func ("/widgets/line/empty", test_line_empty);
  g_test_add_func ("/widgets/line/single-point", test_line_single_point);
  g_test_add_func ("/widgets/line/nan-gap", test_line_nan_gap);
  g_test_add_func ("/widgets/line/log-nonpositive", test_line_log_nonpositive);
  g_test_add_func ("/widgets/line/accuracy", test_line_accuracy);
  g_test_add_func ("/widgets/line/loss-log", test_line_loss_log);
  g_test_add_func ("/widgets/line/mark-labels", test_line_mark_labels);
  g_test_add_func ("/widgets/line/presentation", test_line_presentation);
  g_test_add_func ("/widgets/line/timing", test_line_timing);
  g_test_add_func ("/widgets/line/legend-yields", test_line_legend_yields);
  g_test_add_func ("/widgets/heatmap/draw", test_heatmap);
  g_test_add_func ("/widgets/heatmap/cache-timing", test_heatmap_cache_timing);
  g_test_add_func ("/widgets/heatmap/fills", test_heatmap_fills);
  g_test_add_func ("/widgets/tiles/fill", test_tile_layout_fills);
  g_test_add_func ("/widgets/title/never-cut", test_title_never_cut);
  g_test_add_func ("/widgets/image-grid/filters", test_image_grid);
  g_test_add_func ("/widgets/image-grid/probe", test_image_grid_probe);
  g_test_add_func ("/widgets/image-grid/kernels", test_image_grid_kernels);
  g_test_add_func ("/widgets/activations/strips", test_activation_strips);
  g_test_add_func ("/widgets/feature-maps/draw", test_feature_maps);
  g_test_add_func ("/widgets/feature-maps/wide", test_feature_maps_wide);
  g_test_add_func ("/widgets/feature-maps/bad-input", test_feature_maps_bad);
  g_test_add_func ("/widgets/confusion/draw", test_confusion);
  g_test_add_func ("/widgets/gallery/draw", test_gallery);
  g_test_add_func ("/widgets/confusion/names", test_confusion_names);
  g_test_add_func ("/widgets/gallery/names", test_gallery_names);
  g_test_add_func ("/widgets/export/error", test_export_error);
  g_test_add_func ("/widgets/view/snapshot", test_view);

  status = g_test_run ();
  remove_tmp_dir ();
  g_free (tmp_dir);
  return status;
}
