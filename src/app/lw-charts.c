/* lw-charts.c: chart models built from a snapshot.
 *
 * Every model points into the snapshot it was built from, which is kept
 * referenced until the next update, so building one costs a few small
 * arrays and drawing never races the worker. */
#include "lw-charts.h"

#include <errno.h>
#include <math.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "widgets/lw-chart-confusion.h"
#include "widgets/lw-chart-feature-maps.h"
#include "widgets/lw-chart-gallery.h"
#include "widgets/lw-chart-heatmap.h"
#include "widgets/lw-chart-image-grid.h"
#include "widgets/lw-chart-line.h"
#include "session/lw-label.h"

#define PREVIOUS_ALPHA 0.35
#define MAX_FILTER_TILES 100
/* vgg8b's first layer has 128 kernels: all of them. */
#define MAX_KERNEL_TILES 128
/* Feature maps per block: beyond it an even subset (vgg8b has up to 512). */
#define MAX_MAPS 64
/* Width the probe image's title needs at presentation factor 1. */
#define PROBE_TITLE_ROOM 190.0
/* Room the heatmap takes for its colour scale at presentation factor 1. */
#define SCALE_BAR_ROOM 64.0

typedef struct {
  LwHeatmap maps[LW_MAX_BLOCKS + 1];
  LwImageCache *caches[LW_MAX_BLOCKS + 1];
  guint n;
  double scale;
} SimilarityRow;

/* The probe image beside each block's activations: strips for an MLP,
 * feature maps for a conv net. */
typedef struct {
  LwImageGrid image;
  gboolean conv;
  double scale;
  LwActivationStrips strips;
  LwFeatureMaps maps;
  LwFeatureGroup groups[LW_MAX_BLOCKS];
  char *image_title;
} ProbeView;

struct _LwCharts
{
  LwSnapshot *snap;
  gboolean loss_log;
  LwTestCurve test_curve;
  double scale;

  GArray *acc_series;         /* LwLineSeries */
  GArray *loss_series;
  GArray *marks;              /* LwLineMark */
  GPtrArray *strings;         /* names made for the current models */
  LwLineChart acc, loss;

  LwImageGrid filters;
  LwImageCache *filters_cache;
  char *filters_title;
  ProbeView probe;
  LwImageCache *probe_cache, *strips_cache, *maps_cache;
  SimilarityRow sim;
  char *block_names[LW_MAX_BLOCKS];
  char *block_short_names[LW_MAX_BLOCKS];   /* "b1", where "block 1" does not fit */

  guint prediction_layer;     /* clamped to the output layer */
  LwConfusion confusion;
  char *confusion_title, *confusion_caption;
  LwGallery gallery;
  char *gallery_caption;
  guint32 *gallery_order;     /* for the predictions and layer shown */
  LwImageCache *gallery_cache;
  const LwPredictions *seen_predictions;
  guint seen_layer;
  guint64 gallery_serial;     /* its images change only with the order */
  guint gallery_cursor;       /* the keyboard's image index, G_MAXUINT: none yet */
  gboolean gallery_cursor_shown;

  /* Pictures change a few times a second, curves more often: their
   * caches are told apart by the data pointer they were built from. */
  const float *seen_filters, *seen_probe, *seen_sim;
  guint64 pictures_serial;
};

static const char *const chart_ids[LW_N_CHARTS] = {
  "accuracy", "loss", "filters", "activations", "similarity", "confusion", "gallery",
};

const char *
lw_chart_id_to_string (LwChartId id)
{
  g_return_val_if_fail (id < LW_N_CHARTS, NULL);
  return chart_ids[id];
}

gboolean
lw_chart_id_from_string (const char *name, LwChartId *id)
{
  g_return_val_if_fail (name != NULL, FALSE);
  for (guint i = 0; i < LW_N_CHARTS; i++)
    if (g_str_equal (name, chart_ids[i]))
      {
        if (id != NULL)
          *id = (LwChartId) i;
        return TRUE;
      }
  return FALSE;
}

const char *
lw_chart_id_title (LwChartId id)
{
  switch (id)
    {
    case LW_CHART_ACCURACY:   return _("Accuracy");
    case LW_CHART_LOSS:       return _("Local losses");
    case LW_CHART_FILTERS:    return _("Filters");
    case LW_CHART_PROBE:      return _("Activations");
    case LW_CHART_SIMILARITY: return _("Similarity");
    case LW_CHART_CONFUSION:  return _("Confusion matrix");
    case LW_CHART_GALLERY:    return _("Test images");
    case LW_N_CHARTS:         break;
    }
  g_return_val_if_reached (NULL);
}

LwCharts *
lw_charts_new (void)
{
  LwCharts *c = g_new0 (LwCharts, 1);

  c->scale = 1.0;
  c->prediction_layer = G_MAXUINT;
  c->seen_layer = G_MAXUINT;
  c->gallery_cursor = G_MAXUINT;
  c->gallery_cache = lw_image_cache_new ();
  c->acc_series = g_array_new (FALSE, TRUE, sizeof (LwLineSeries));
  c->loss_series = g_array_new (FALSE, TRUE, sizeof (LwLineSeries));
  c->marks = g_array_new (FALSE, TRUE, sizeof (LwLineMark));
  c->strings = g_ptr_array_new_with_free_func (g_free);
  c->filters_cache = lw_image_cache_new ();
  c->probe_cache = lw_image_cache_new ();
  c->strips_cache = lw_image_cache_new ();
  c->maps_cache = lw_image_cache_new ();
  for (guint i = 0; i < G_N_ELEMENTS (c->sim.caches); i++)
    c->sim.caches[i] = lw_image_cache_new ();
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    {
      c->block_names[i] = g_strdup_printf (_("block %u"), i + 1);
      /* Translators: a block's name where "block 1" does not fit. */
      c->block_short_names[i] = g_strdup_printf (_("b%u"), i + 1);
    }
  return c;
}

void
lw_charts_free (LwCharts *c)
{
  if (c == NULL)
    return;
  g_clear_pointer (&c->snap, lw_snapshot_unref);
  g_array_unref (c->acc_series);
  g_array_unref (c->loss_series);
  g_array_unref (c->marks);
  g_ptr_array_unref (c->strings);
  lw_image_cache_free (c->filters_cache);
  lw_image_cache_free (c->probe_cache);
  lw_image_cache_free (c->strips_cache);
  lw_image_cache_free (c->maps_cache);
  for (guint i = 0; i < G_N_ELEMENTS (c->sim.caches); i++)
    lw_image_cache_free (c->sim.caches[i]);
  for (guint i = 0; i < LW_MAX_BLOCKS; i++)
    {
      g_free (c->block_names[i]);
      g_free (c->block_short_names[i]);
    }
  g_free (c->probe.image_title);
  g_free (c->filters_title);
  g_free (c->confusion_title);
  g_free (c->confusion_caption);
  g_free (c->gallery_caption);
  g_free (c->gallery_order);
  lw_image_cache_free (c->gallery_cache);
  g_free (c);
}

static const char *
keep (LwCharts *c, char *s)
{
  g_ptr_array_add (c->strings, s);
  return s;
}

/* The snapshot's class names when they name n_classes classes, else
 * NULL: numbers. */
static const char *const *
class_names (const LwSnapshot *snap, guint n_classes)
{
  return snap != NULL && snap->class_names != NULL && snap->n_class_names == n_classes
         ? snap->class_names : NULL;
}

/* Class k as the window shows it: the dataset's name, else its number. */
static const char *
class_label (const LwSnapshot *snap, guint n_classes, guint k, char *buf, gsize size)
{
  const char *const *names = class_names (snap, n_classes);

  if (names != NULL && k < n_classes)
    return names[k];
  g_snprintf (buf, size, "%u", k);
  return buf;
}

static const char *
layer_name (const LwCharts *c, guint layer, guint n_blocks)
{
  return layer < n_blocks ? c->block_names[layer] : _("output");
}

static void
add_series (GArray *array, const char *name, guint layer, gboolean dashed, double alpha,
            const LwSeries *s)
{
  LwLineSeries ls = {
    .name = name,
    .color = lw_color_layer (layer),
    .dashed = dashed,
    .alpha = alpha,
    .n = s->n,
    .x = s->x,
    .y = s->y,
  };

  g_array_append_val (array, ls);
}

static const LwSeries *
test_series (const LwCharts *c, const LwLayerCurves *l)
{
  return c->test_curve == LW_TEST_CURVE_EPOCH ? &l->epoch_test_acc : &l->test_acc;
}

/* Earlier runs first, dimmed, one legend entry each (their run title). */
static void
add_run_curves (LwCharts *c, const LwRunCurves *run, gboolean current)
{
  guint n_blocks = run->n_layers > 0 ? run->n_layers - 1 : 0;
  double alpha = current ? 1.0 : PREVIOUS_ALPHA;
  const char *run_name = current ? NULL : keep (c, g_strdup_printf (_("earlier: %s"), run->title));

  for (guint layer = 0; layer < run->n_layers; layer++)
    {
      const LwLayerCurves *l = &run->layers[layer];
      const char *name = layer_name (c, layer, n_blocks);
      gboolean first = layer == run->n_layers - 1;

      add_series (c->acc_series,
                  current ? keep (c, g_strdup_printf (_("%s train"), name))
                          : (first ? run_name : NULL),
                  layer, FALSE, alpha, &l->train_acc);
      add_series (c->acc_series,
                  current ? keep (c, g_strdup_printf (_("%s test"), name)) : NULL,
                  layer, TRUE, alpha, test_series (c, l));

      add_series (c->loss_series,
                  current ? (layer < n_blocks ? keep (c, g_strdup_printf (_("%s pred"), name))
                                              : _("output cross-entropy"))
                          : (first ? run_name : NULL),
                  layer, FALSE, alpha, &l->loss_pred);
      if (layer < n_blocks && l->loss_sim.n > 0)
        add_series (c->loss_series,
                    current ? keep (c, g_strdup_printf (_("%s sim"), name)) : NULL,
                    layer, TRUE, alpha, &l->loss_sim);
    }
}

/* What the curve charts say before there are curves: after a failed start
 * Play is off, so they say why and what to do instead. */
static const char *
curves_empty_text (LwCharts *c, const LwSnapshot *snap)
{
  if (snap->state == LW_RUN_LOADING)
    return _("Loading the dataset…");
  if (snap->state != LW_RUN_FAILED)
    return _("Press Play to start training");
  /* Translators: %s says what went wrong, e.g. "cannot load dataset mnist: …". */
  return keep (c, g_strdup_printf (_("Training could not start: %s.\nChoose another dataset "
                                     "(or its folder) in the sidebar, then press Start New Run."),
                                   snap->error != NULL ? snap->error : _("unknown error")));
}

static void
update_curves (LwCharts *c, const LwSnapshot *snap)
{
  const char *empty_text = curves_empty_text (c, snap);

  g_array_set_size (c->acc_series, 0);
  g_array_set_size (c->loss_series, 0);
  g_array_set_size (c->marks, 0);

  for (guint r = 0; r < snap->n_previous; r++)
    add_run_curves (c, &snap->previous[r], FALSE);
  add_run_curves (c, &snap->current, TRUE);

  for (guint m = 0; m < snap->current.n_marks; m++)
    {
      const LwMark *mark = &snap->current.marks[m];
      LwLineMark lm = { .x = (double) mark->samples, .kind = mark->kind, .label = mark->label };

      g_array_append_val (c->marks, lm);
    }

  c->acc = (LwLineChart) {
    .title = c->test_curve == LW_TEST_CURVE_EPOCH
             ? _("Accuracy of each layer — solid: training, dashed: full test set")
             : _("Accuracy of each layer — solid: training, dashed: held-out test"),
    .x_label = _("samples seen"),
    .y_label = _("accuracy"),
    .y_unit = "%",
    .empty_text = empty_text,
    .y_percent = TRUE,
    .y_fixed = TRUE,
    .y_min = 0.0,
    .y_max = 1.0,
    .n_series = c->acc_series->len,
    .series = (const LwLineSeries *) c->acc_series->data,
    .n_marks = c->marks->len,
    .marks = (const LwLineMark *) c->marks->data,
    .scale = c->scale,
  };
  c->loss = (LwLineChart) {
    .title = _("Local losses — solid: prediction, dashed: similarity"),
    .x_label = _("samples seen"),
    .y_label = _("loss"),
    .y_unit = NULL,
    .empty_text = empty_text,
    .y_log = c->loss_log,
    .n_series = c->loss_series->len,
    .series = (const LwLineSeries *) c->loss_series->data,
    .n_marks = c->marks->len,
    .marks = (const LwLineMark *) c->marks->data,
    .scale = c->scale,
  };
}

static void
update_feature_maps (LwCharts *c, const LwSnapshot *snap)
{
  ProbeView *p = &c->probe;
  const float *v = snap->activations;
  guint n = v != NULL ? snap->n_blocks : 0;

  for (guint i = 0; i < n; i++)
    {
      const LwMapShape *shape = &snap->block_map[i];

      p->groups[i] = (LwFeatureGroup) {
        .name = c->block_names[i],
        .channels = shape->channels,
        .height = shape->height,
        .width = shape->width,
        .units = snap->block_width[i],
        .values = v,
      };
      v += snap->block_width[i];
    }
  p->maps = (LwFeatureMaps) {
    .title = _("Feature maps of each block for this image"),
    .n_groups = n,
    .groups = p->groups,
    .max_maps = MAX_MAPS,
    .scale = c->scale,
    .serial = c->pictures_serial,
    .cache = c->maps_cache,
  };
}

static gboolean
update_pictures (LwCharts *c, const LwSnapshot *snap)
{
  const LwMapShape *fs = &snap->filter_shape;
  char label[16];
  /* Drawn only at a shape that covers each row exactly. */
  guint n_images = snap->filters != NULL
                   && (guint64) fs->channels * fs->height * fs->width == snap->filter_cols
                   ? snap->filter_rows : 0;
  gboolean changed = FALSE;

  /* The pictures' pointers change exactly when the worker made new ones. */
  if (snap->filters != c->seen_filters || snap->probe_image != c->seen_probe
      || snap->block_sim != c->seen_sim)
    {
      c->pictures_serial++;
      c->seen_filters = snap->filters;
      c->seen_probe = snap->probe_image;
      c->seen_sim = snap->block_sim;
      changed = TRUE;
    }

  g_free (c->filters_title);
  if (!lw_arch_is_conv (snap->arch))
    c->filters_title = g_strdup (_("First block: each unit's input weights"));
  else if (n_images == 0)
    c->filters_title = g_strdup (_("First conv layer's kernels"));
  else if (snap->filter_shape.channels == 3)
    c->filters_title = g_strdup_printf (_("First conv layer: %u kernels of %u×%u×3 in colour, "
                                          "grey for 0"),
                                        n_images, snap->filter_shape.height,
                                        snap->filter_shape.width);
  else
    c->filters_title = g_strdup_printf (_("First conv layer: %u kernels of %u×%u"), n_images,
                                        snap->filter_shape.height, snap->filter_shape.width);
  c->filters = (LwImageGrid) {
    .title = c->filters_title,
    .n_images = n_images,
    .channels = snap->filter_shape.channels,
    .height = snap->filter_shape.height,
    .width = snap->filter_shape.width,
    .data = snap->filters,
    .max_tiles = lw_arch_is_conv (snap->arch) ? MAX_KERNEL_TILES : MAX_FILTER_TILES,
    .coloring = LW_IMAGE_COLORING_DIVERGING,
    .scale = c->scale,
    .serial = c->pictures_serial,
    .cache = c->filters_cache,
  };

  g_free (c->probe.image_title);
  /* Translators: the probe image's title; the label is a class name or number. */
  c->probe.image_title = g_strdup_printf (_("Test image %u, label %s"), snap->probe_image_index,
                                          class_label (snap, snap->n_class_names,
                                                       snap->probe_image_label,
                                                       label, sizeof label));
  c->probe.image = (LwImageGrid) {
    .title = c->probe.image_title,
    .caption = "",
    .n_images = snap->probe_image != NULL ? 1 : 0,
    .channels = snap->image_channels,
    .height = snap->image_height,
    .width = snap->image_width,
    .data = snap->probe_image,
    .coloring = LW_IMAGE_COLORING_GREY,
    .scale = c->scale,
    .serial = c->pictures_serial,
    .cache = c->probe_cache,
  };
  c->probe.conv = lw_arch_is_conv (snap->arch);
  c->probe.scale = c->scale;
  c->probe.strips = (LwActivationStrips) {
    .title = _("Activations of each block for this image"),
    .n_blocks = snap->activations != NULL ? snap->n_blocks : 0,
    .widths = snap->block_width,
    .values = snap->activations,
    .names = (const char *const *) c->block_names,
    .scale = c->scale,
    .serial = c->pictures_serial,
    .cache = c->strips_cache,
  };
  update_feature_maps (c, snap);

  c->sim.n = 0;
  c->sim.scale = c->scale;
  if (snap->label_sim != NULL && snap->block_sim != NULL && snap->probe_n > 0)
    {
      guint pn = snap->probe_n;

      c->sim.n = snap->n_blocks + 1;
      for (guint i = 0; i < c->sim.n; i++)
        c->sim.maps[i] = (LwHeatmap) {
          .title = i == 0 ? _("labels") : c->block_names[i - 1],
          .short_title = i == 0 ? NULL : c->block_short_names[i - 1],
          .rows = pn,
          .cols = pn,
          .values = i == 0 ? snap->label_sim : snap->block_sim + (gsize) (i - 1) * pn * pn,
          .limit = 1.0,
          .labels = snap->probe_labels,
          .hide_scale_bar = i + 1 < c->sim.n,
          .scale = c->scale,
          .serial = c->pictures_serial,
          .cache = c->sim.caches[i],
        };
    }
  return changed;
}

/* Returns whether the pictures changed: new predictions, or another layer. */
static gboolean
update_predictions (LwCharts *c, const LwSnapshot *snap)
{
  const LwPredictions *p = snap->predictions;
  const char *const *names;
  guint layer = 0;
  gboolean changed = p != c->seen_predictions;

  if (p != NULL)
    {
      layer = MIN (c->prediction_layer, p->n_layers - 1);
      changed |= layer != c->seen_layer;
    }
  if (changed)
    {
      c->seen_predictions = p;
      c->seen_layer = layer;
      c->gallery_serial++;
      g_clear_pointer (&c->gallery_order, g_free);
      g_clear_pointer (&c->confusion_title, g_free);
      g_clear_pointer (&c->confusion_caption, g_free);
      g_clear_pointer (&c->gallery_caption, g_free);
      if (p != NULL)
        {
          const char *name = layer + 1 < p->n_layers ? c->block_names[layer] : _("output layer");
          guint wrong = p->n - p->correct[layer];
          char step[24];

          c->gallery_order = g_new (guint32, MAX (p->n, 1));
          lw_predictions_order (p, layer, c->gallery_order);
          /* Translators: the confusion matrix's title, e.g. "Confusion matrix of block 2". */
          c->confusion_title = g_strdup_printf (_("Confusion matrix of %s"), name);
          /* Translators: accuracy of a layer on the first N test images, at a training step. */
          g_snprintf (step, sizeof step, "%" G_GUINT64_FORMAT, p->step);
          c->confusion_caption = g_strdup_printf (_("%.1f%% right on %u test images, step %s"),
                                                  100.0 * p->correct[layer] / MAX (p->n, 1),
                                                  p->n, step);
          c->gallery_caption = g_strdup_printf (ngettext ("%u wrong of %u", "%u wrong of %u", wrong),
                                                wrong, p->n);
        }
    }

  names = p != NULL ? class_names (snap, p->n_classes) : NULL;
  c->confusion = (LwConfusion) {
    .title = c->confusion_title != NULL ? c->confusion_title : _("Confusion matrix"),
    .caption = c->confusion_caption,
    .n_classes = p != NULL ? p->n_classes : 0,
    .counts = p != NULL ? lw_predictions_confusion (p, layer) : NULL,
    .class_names = names,
    .n_class_names = names != NULL ? p->n_classes : 0,
    .color = lw_color_layer (layer),
    .scale = c->scale,
  };
  c->gallery = (LwGallery) {
    .title = _("Test images, mistakes first: true → predicted class"),
    .caption = c->gallery_caption,
    .n_images = p != NULL ? p->n : 0,
    .channels = p != NULL ? p->images->channels : 0,
    .height = p != NULL ? p->images->height : 0,
    .width = p != NULL ? p->images->width : 0,
    .images = p != NULL ? p->images->data : NULL,
    .labels = p != NULL ? p->labels : NULL,
    .predicted = p != NULL ? p->predicted + (gsize) layer * p->n : NULL,
    .order = c->gallery_order,
    .class_names = names,
    .n_class_names = names != NULL ? p->n_classes : 0,
    .selected = snap->probe_image_index,
    .show_cursor = c->gallery_cursor_shown && c->gallery_cursor != G_MAXUINT,
    .cursor = c->gallery_cursor,
    .scale = c->scale,
    .serial = c->gallery_serial,
    .cache = c->gallery_cache,
  };
  return changed;
}

guint
lw_charts_update (LwCharts *c, LwSnapshot *snap)
{
  guint changed = 1u << LW_CHART_ACCURACY | 1u << LW_CHART_LOSS;

  g_return_val_if_fail (c != NULL && snap != NULL, 0);

  lw_snapshot_ref (snap);
  g_clear_pointer (&c->snap, lw_snapshot_unref);
  c->snap = snap;
  g_ptr_array_set_size (c->strings, 0);
  update_curves (c, snap);
  if (update_pictures (c, snap))
    changed |= 1u << LW_CHART_FILTERS | 1u << LW_CHART_PROBE | 1u << LW_CHART_SIMILARITY
               | 1u << LW_CHART_GALLERY;
  if (update_predictions (c, snap))
    {
      changed |= 1u << LW_CHART_CONFUSION | 1u << LW_CHART_GALLERY;
    }
  return changed;
}

LwSnapshot *
lw_charts_get_snapshot (LwCharts *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return c->snap;
}

static void
refresh (LwCharts *c)
{
  if (c->snap != NULL)
    {
      LwSnapshot *snap = lw_snapshot_ref (c->snap);

      lw_charts_update (c, snap);
      lw_snapshot_unref (snap);
    }
}

void
lw_charts_set_loss_log (LwCharts *c, gboolean log_scale)
{
  g_return_if_fail (c != NULL);
  c->loss_log = !!log_scale;
  refresh (c);
}

void
lw_charts_set_test_curve (LwCharts *c, LwTestCurve curve)
{
  g_return_if_fail (c != NULL);
  c->test_curve = curve;
  refresh (c);
}

void
lw_charts_set_prediction_layer (LwCharts *c, guint layer)
{
  g_return_if_fail (c != NULL);
  c->prediction_layer = layer;
  refresh (c);
}

int
lw_charts_gallery_hit (LwCharts *c, double width, double height, double x, double y)
{
  g_return_val_if_fail (c != NULL, -1);
  if (c->gallery.n_images == 0)
    return -1;
  return lw_gallery_hit (&c->gallery, width, height, x, y);
}

void
lw_charts_set_gallery_cursor (LwCharts *c, guint index, gboolean shown)
{
  g_return_if_fail (c != NULL);
  c->gallery_cursor = index;
  c->gallery_cursor_shown = !!shown;
  c->gallery.cursor = index;
  c->gallery.show_cursor = shown && index != G_MAXUINT;
}

guint
lw_charts_get_gallery_cursor (LwCharts *c)
{
  g_return_val_if_fail (c != NULL, G_MAXUINT);
  return c->gallery_cursor;
}

int
lw_charts_gallery_move (LwCharts *c, double width, double height, LwGalleryMove move)
{
  g_return_val_if_fail (c != NULL, -1);
  if (c->gallery.n_images == 0)
    return -1;
  return lw_gallery_move (&c->gallery, width, height, c->gallery_cursor, move);
}

int
lw_charts_gallery_position (LwCharts *c, double width, double height, guint index)
{
  g_return_val_if_fail (c != NULL, -1);
  if (c->gallery.n_images == 0)
    return -1;
  return lw_gallery_position (&c->gallery, width, height, index);
}

/* An image of the gallery by its classes' names: an article would not
 * fit every name ("a Ankle boot"). */
static char *
describe_named_image (const LwGallery *g, guint index)
{
  const char *truth = g->class_names[g->labels[index]];

  if (g->labels[index] == g->predicted[index])
    /* Translators: a test image of the gallery: its index and true class's name. */
    return g_strdup_printf (_("Test image %u: %s, recognised."), index, truth);
  /* Translators: a test image of the gallery: its index, true and predicted class's names. */
  return g_strdup_printf (_("Test image %u: %s, taken for %s."), index, truth,
                          g->class_names[g->predicted[index]]);
}

char *
lw_charts_describe_gallery_image (LwCharts *c, guint index)
{
  const LwGallery *g;

  g_return_val_if_fail (c != NULL, NULL);
  g = &c->gallery;
  if (index >= g->n_images)
    return NULL;
  if (g->class_names != NULL)
    return describe_named_image (g, index);
  if (g->labels[index] == g->predicted[index])
    /* Translators: a test image of the gallery: its index and true class. */
    return g_strdup_printf (_("Test image %u: a %u, recognised."), index, g->labels[index]);
  /* Translators: a test image of the gallery: its index, true and predicted class. */
  return g_strdup_printf (_("Test image %u: a %u, taken for a %u."), index, g->labels[index],
                          g->predicted[index]);
}

void
lw_charts_set_scale (LwCharts *c, double scale)
{
  g_return_if_fail (c != NULL && scale > 0.0);
  c->scale = scale;
  refresh (c);
}

/* The label matrix and each block's side by side, all the same size; the
 * last one keeps its colour scale, which then serves the whole row. */
static void
similarity_row_draw (gconstpointer data, cairo_t *cr, double width, double height)
{
  const SimilarityRow *row = data;
  double f = row->scale > 0.0 ? row->scale : 1.0;
  double bar = SCALE_BAR_ROOM * f, cell, x = 0.0;
  guint rows, cols;

  if (row->n == 0)
    {
      static const LwHeatmap empty = { 0 };

      lw_heatmap_draw (&empty, cr, width, height);
      return;
    }

  /* As many rows of matrices as make them largest; one more row only
   * when it is worth it, so a wide view keeps them side by side. */
  rows = 1;
  cols = row->n;
  cell = MIN ((width - bar) / cols, height);
  for (guint r = 2; r <= row->n; r++)
    {
      guint c = (row->n + r - 1) / r;
      double size = MIN ((width - bar) / c, height / r);

      if (size > cell * 1.15)
        {
          rows = r;
          cols = c;
          cell = size;
        }
    }

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  x = (width - (cols * cell + bar)) / 2.0;
  for (guint i = 0; i < row->n; i++)
    {
      guint r = i / cols, col = i % cols;
      double w = cell + (i + 1 == row->n ? bar : 0.0);
      double y = (height - rows * cell) / 2.0 + r * cell;

      cairo_save (cr);
      cairo_translate (cr, floor (x + col * cell), floor (y));
      cairo_rectangle (cr, 0, 0, ceil (w), ceil (cell));
      cairo_clip (cr);
      lw_heatmap_draw (&row->maps[i], cr, w, cell);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

/* The probe image at the left and the blocks' activations beside it; in
 * a narrow view, the image above them. Feature maps need room more than
 * strips do: a smaller image leaves them more. */
static void
probe_draw (gconstpointer data, cairo_t *cr, double width, double height)
{
  const ProbeView *p = data;
  gboolean stacked = width < 1.6 * height;
  /* Beside the maps, wide enough for its title. */
  double conv_w = MIN (MAX (width * 0.2, PROBE_TITLE_ROOM * p->scale), width * 0.35);
  double image_w = stacked ? width : floor (MIN (height, p->conv ? conv_w : width * 0.3));
  double image_h = stacked ? floor (MIN (width * 0.8, height * (p->conv ? 0.3 : 0.45))) : height;

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, image_w, image_h);
  cairo_clip (cr);
  lw_image_grid_draw (&p->image, cr, image_w, image_h);
  cairo_restore (cr);

  cairo_save (cr);
  if (stacked)
    cairo_translate (cr, 0, image_h);
  else
    cairo_translate (cr, image_w, 0);
  width -= stacked ? 0 : image_w;
  height -= stacked ? image_h : 0;
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  if (p->conv)
    lw_feature_maps_draw (&p->maps, cr, width, height);
  else
    lw_activation_strips_draw (&p->strips, cr, width, height);
  cairo_restore (cr);
}

LwChartDrawFunc
lw_charts_get_draw (LwCharts *c, LwChartId id, gconstpointer *data)
{
  g_return_val_if_fail (c != NULL && data != NULL, NULL);

  switch (id)
    {
    case LW_CHART_ACCURACY:
      *data = &c->acc;
      return lw_line_chart_draw_func;
    case LW_CHART_LOSS:
      *data = &c->loss;
      return lw_line_chart_draw_func;
    case LW_CHART_FILTERS:
      *data = &c->filters;
      return lw_image_grid_draw_func;
    case LW_CHART_PROBE:
      *data = &c->probe;
      return probe_draw;
    case LW_CHART_SIMILARITY:
      *data = &c->sim;
      return similarity_row_draw;
    case LW_CHART_CONFUSION:
      *data = &c->confusion;
      return lw_confusion_draw_func;
    case LW_CHART_GALLERY:
      *data = &c->gallery;
      return lw_gallery_draw_func;
    case LW_N_CHARTS:
      break;
    }
  g_return_val_if_reached (NULL);
}

static void
append_percent (GString *s, float v)
{
  if (isfinite (v))
    g_string_append_printf (s, "%.1f%%", 100.0 * v);
  else
    g_string_append (s, "–");
}

static float
last_value (const LwSeries *s)
{
  return s->n > 0 ? s->y[s->n - 1] : NAN;
}

static void
describe_accuracy (LwCharts *c, const LwSnapshot *snap, GString *s)
{
  char samples[24];

  g_snprintf (samples, sizeof samples, "%" G_GUINT64_FORMAT, snap->samples_seen);
  g_string_append_printf (s, _("After %s samples."), samples);
  for (guint l = snap->n_blocks + 1; l-- > 0;)
    {
      /* Translators: e.g. "output: training 97.3%, test 97.8%." */
      g_string_append_printf (s, " %s: %s ", layer_name (c, l, snap->n_blocks), _("training"));
      append_percent (s, snap->last_train_acc[l]);
      g_string_append_printf (s, ", %s ", _("test"));
      append_percent (s, snap->last_test_acc[l]);
      g_string_append (s, ".");
    }
}

static void
describe_loss (LwCharts *c, const LwSnapshot *snap, GString *s)
{
  const LwRunCurves *run = &snap->current;
  char value[32];

  if (run->n_layers == 0 || run->layers[0].loss_pred.n == 0)
    {
      g_string_append (s, _("No losses yet."));
      return;
    }
  for (guint l = 0; l < run->n_layers; l++)
    {
      const LwLayerCurves *layer = &run->layers[l];

      lw_label_number (value, sizeof value, last_value (&layer->loss_pred));
      if (l + 1 == run->n_layers)
        g_string_append_printf (s, _("output cross-entropy %s."), value);
      else
        {
          g_string_append_printf (s, _("%s: prediction %s"), layer_name (c, l, snap->n_blocks), value);
          if (layer->loss_sim.n > 0)
            {
              lw_label_number (value, sizeof value, last_value (&layer->loss_sim));
              g_string_append_printf (s, _(", similarity %s"), value);
            }
          g_string_append (s, "; ");
        }
    }
}

static void
describe_probe (LwCharts *c, const LwSnapshot *snap, GString *s)
{
  const float *v = snap->activations;
  char label[16];

  g_string_append_printf (s, _("Test image %u, label %s."), snap->probe_image_index,
                          class_label (snap, snap->n_class_names, snap->probe_image_label,
                                       label, sizeof label));
  for (guint i = 0; v != NULL && i < snap->n_blocks; i++)
    {
      guint active = 0;

      for (guint k = 0; k < snap->block_width[i]; k++)
        active += v[k] > 0.0f;
      /* Translators: e.g. " block 2: 43% of 256 units above zero." */
      g_string_append_printf (s, _(" %s: %.0f%% of %u units above zero."), c->block_names[i],
                              100.0 * active / MAX (snap->block_width[i], 1), snap->block_width[i]);
      v += snap->block_width[i];
    }
}

/* How far each block's similarity matrix is from the labels': the mean
 * absolute difference, 0 when they agree. */
static void
describe_similarity (LwCharts *c, const LwSnapshot *snap, GString *s)
{
  gsize nn = (gsize) snap->probe_n * snap->probe_n;

  if (snap->label_sim == NULL || snap->block_sim == NULL || nn == 0)
    {
      g_string_append (s, _("No similarity matrices yet."));
      return;
    }
  g_string_append_printf (s, _("%u test images sorted by class. Mean difference from the "
                               "label matrix:"), snap->probe_n);
  for (guint i = 0; i < snap->n_blocks; i++)
    {
      const float *m = snap->block_sim + i * nn;
      double sum = 0.0;

      for (gsize k = 0; k < nn; k++)
        sum += fabs (m[k] - snap->label_sim[k]);
      g_string_append_printf (s, " %s %.2f%s", c->block_names[i], sum / nn,
                              i + 1 < snap->n_blocks ? "," : ".");
    }
}

static void
describe_confusion (LwCharts *c, const LwSnapshot *snap, GString *s)
{
  const LwConfusion *m = &c->confusion;
  guint C = m->n_classes, worst_t = 0, worst_p = 0;
  guint32 worst = 0;

  if (C == 0)
    {
      g_string_append (s, _("No predictions yet."));
      return;
    }
  g_string_append_printf (s, "%s: %s.", m->title, m->caption);
  for (guint t = 0; t < C; t++)
    for (guint q = 0; q < C; q++)
      if (t != q && m->counts[t * C + q] > worst)
        {
          worst = m->counts[t * C + q];
          worst_t = t;
          worst_p = q;
        }
  if (worst > 0)
    {
      char t_buf[16], p_buf[16];

      /* Translators: the true class, the class it was taken for (names or
       * numbers), how often. */
      g_string_append_printf (s, _(" Most often confused: %s taken for %s, %u times."),
                              class_label (snap, C, worst_t, t_buf, sizeof t_buf),
                              class_label (snap, C, worst_p, p_buf, sizeof p_buf), worst);
    }
}

static void
describe_gallery (LwCharts *c, GString *s)
{
  const LwGallery *g = &c->gallery;

  if (g->n_images == 0)
    {
      g_string_append (s, _("No predictions yet."));
      return;
    }
  if (g->show_cursor && g->cursor < g->n_images)
    {
      g_autofree char *image = lw_charts_describe_gallery_image (c, g->cursor);

      g_string_append_printf (s, "%s ", image);
    }
  g_string_append_printf (s, _("%s of the held-out test images."), c->gallery_caption);
  if (g->labels[g->order[0]] == g->predicted[g->order[0]])
    return;
  if (g->class_names != NULL)
    /* Translators: the first image of the gallery: its index, true and predicted class's names. */
    g_string_append_printf (s, _(" The first: image %u, %s taken for %s."), g->order[0],
                            g->class_names[g->labels[g->order[0]]],
                            g->class_names[g->predicted[g->order[0]]]);
  else
    g_string_append_printf (s, _(" The first: image %u, a %u taken for a %u."), g->order[0],
                            g->labels[g->order[0]], g->predicted[g->order[0]]);
}

char *
lw_charts_describe (LwCharts *c, LwChartId id)
{
  const LwSnapshot *snap;
  GString *s;

  g_return_val_if_fail (c != NULL && id < LW_N_CHARTS, NULL);
  snap = c->snap;
  if (snap == NULL)
    return g_strdup (_("Loading."));
  s = g_string_new (NULL);
  switch (id)
    {
    case LW_CHART_ACCURACY:   describe_accuracy (c, snap, s); break;
    case LW_CHART_LOSS:       describe_loss (c, snap, s); break;
    case LW_CHART_FILTERS:
      g_string_append_printf (s, "%s: %u.", c->filters.title, c->filters.n_images);
      break;
    case LW_CHART_PROBE:      describe_probe (c, snap, s); break;
    case LW_CHART_SIMILARITY: describe_similarity (c, snap, s); break;
    case LW_CHART_CONFUSION:  describe_confusion (c, snap, s); break;
    case LW_CHART_GALLERY:    describe_gallery (c, s); break;
    case LW_N_CHARTS:         break;
    }
  return g_string_free (s, FALSE);
}

static void
csv_series (GString *out, guint run_id, const char *layer, const char *series, const LwSeries *s)
{
  for (guint i = 0; i < s->n; i++)
    {
      char value[G_ASCII_DTOSTR_BUF_SIZE];

      if (!isfinite (s->y[i]))
        continue;
      g_ascii_formatd (value, sizeof value, "%.6g", s->y[i]);
      g_string_append_printf (out, "%u,%s,%s,%.0f,%s\n", run_id, layer, series, s->x[i], value);
    }
}

static void
csv_run (GString *out, const LwRunCurves *run)
{
  guint n_blocks = run->n_layers > 0 ? run->n_layers - 1 : 0;

  for (guint layer = 0; layer < run->n_layers; layer++)
    {
      const LwLayerCurves *l = &run->layers[layer];
      g_autofree char *name = layer < n_blocks ? g_strdup_printf ("block%u", layer + 1)
                                               : g_strdup ("output");

      csv_series (out, run->run_id, name, "train_acc", &l->train_acc);
      csv_series (out, run->run_id, name, "test_acc", &l->test_acc);
      csv_series (out, run->run_id, name, "epoch_test_acc", &l->epoch_test_acc);
      csv_series (out, run->run_id, name, layer < n_blocks ? "loss_pred" : "loss_ce", &l->loss_pred);
      if (layer < n_blocks)
        csv_series (out, run->run_id, name, "loss_sim", &l->loss_sim);
    }
}

char *
lw_charts_to_csv (LwCharts *c)
{
  GString *out = g_string_new ("run,layer,series,samples,value\n");

  g_return_val_if_fail (c != NULL, NULL);
  if (c->snap != NULL)
    {
      for (guint r = 0; r < c->snap->n_previous; r++)
        csv_run (out, &c->snap->previous[r]);
      csv_run (out, &c->snap->current);
    }
  return g_string_free (out, FALSE);
}

gboolean
lw_charts_write_csv (LwCharts *c, const char *path, GError **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (c != NULL && path != NULL, FALSE);
  text = lw_charts_to_csv (c);
  return g_file_set_contents (path, text, -1, error);
}
