/* lw-charts.c: chart models built from a snapshot (the same in words, for
 * screen readers: lw-charts-descriptions.c).
 *
 * Every model points into the snapshot it was built from, which is kept
 * referenced until the next update, so building one costs a few small
 * arrays and drawing never races the worker. */
#include "lw-charts-private.h"

#include <errno.h>
#include <math.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "session/lw-label.h"

#define PREVIOUS_ALPHA 0.35
#define MAX_FILTER_TILES 100
/* vgg8b's first layer has 128 kernels: all of them. */
#define MAX_KERNEL_TILES 128
/* Feature maps per block: beyond it an even subset (vgg8b has up to 512). */
#define MAX_MAPS 64
/* Width the probe image's title needs at presentation factor 1. */
#define PROBE_TITLE_ROOM 190.0

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
      /* Translators: the similarity matrix block 1 learns to match under a
       * bpf loss (its own random label code's). */
      c->target_names[i] = g_strdup_printf (_("block %u target"), i + 1);
      /* Translators: the same where "block 1 target" does not fit. */
      c->target_short_names[i] = g_strdup_printf (_("b%u target"), i + 1);
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
      g_free (c->target_names[i]);
      g_free (c->target_short_names[i]);
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

const char *
lw_charts_class_label (const LwSnapshot *snap, guint n_classes, guint k, char *buf, gsize size)
{
  const char *const *names = class_names (snap, n_classes);

  if (names != NULL && k < n_classes)
    return names[k];
  g_snprintf (buf, size, "%u", k);
  return buf;
}

const char *
lw_charts_layer_name (const LwCharts *c, guint layer, guint n_blocks)
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
      const char *name = lw_charts_layer_name (c, layer, n_blocks);
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
    /* Translators: the accuracy chart's title where the whole one does not fit. */
    .short_title = _("Accuracy of each layer"),
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
    /* Translators: the loss chart's title where the whole one does not fit. */
    .short_title = _("Local losses"),
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
    .short_title = _("Feature maps"),
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
    /* Translators: the filters' title where the whole one does not fit. */
    .short_title = lw_arch_is_conv (snap->arch) ? _("First conv layer's kernels")
                                                : _("First block's weights"),
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
                                          lw_charts_class_label (snap, snap->n_class_names,
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
    .short_title = _("Activations"),
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
  c->sim.cols = 0;
  c->sim.scale = c->scale;
  if (snap->target_sim != NULL && snap->block_sim != NULL && snap->probe_n > 0)
    {
      guint pn = snap->probe_n, nb = snap->n_blocks;

      /* Each block under the target it learns to match. */
      c->sim.n = 2 * nb;
      c->sim.cols = nb;
      for (guint i = 0; i < c->sim.n; i++)
        {
          gboolean target = i < nb;
          guint b = target ? i : i - nb;

          c->sim.maps[i] = (LwHeatmap) {
            .title = target ? c->target_names[b] : c->block_names[b],
            .short_title = target ? c->target_short_names[b] : c->block_short_names[b],
            .rows = pn,
            .cols = pn,
            .values = (target ? snap->target_sim : snap->block_sim) + (gsize) b * pn * pn,
            .limit = 1.0,
            .labels = snap->probe_labels,
            .hide_scale_bar = i + 1 < c->sim.n,
            .scale = c->scale,
            .serial = c->pictures_serial,
            .cache = c->sim.caches[i],
          };
        }
    }
  else if (snap->label_sim != NULL && snap->block_sim != NULL && snap->probe_n > 0)
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
    .short_title = _("Confusion matrix"),
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
    /* Translators: the gallery's title where the whole one does not fit. */
    .short_title = _("Mistakes first"),
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

void
lw_charts_set_scale (LwCharts *c, double scale)
{
  g_return_if_fail (c != NULL && scale > 0.0);
  c->scale = scale;
  refresh (c);
}

/* The label matrix and each block's side by side, all the same size; the
 * last one keeps its colour scale, which then serves the whole row. Each
 * matrix takes margin_w x margin_h around it (title, padding), so that
 * cell is the matrix's own side. */
void
lw_charts_similarity_layout (guint n, guint pairs, double width, double height, double bar,
                             double margin_w, double margin_h,
                             guint *rows, guint *cols, double *cell)
{
  /* Pairs wrap as whole pairs: a block never leaves its target's column. */
  guint units = pairs > 0 ? pairs : n, unit_rows = pairs > 0 ? 2 : 1;

  g_return_if_fail (n > 0 && (pairs == 0 || n == 2 * pairs));
  /* As many rows of matrices as make them largest; one more row only
   * when it is worth it, so a wide view keeps them side by side. */
  *rows = unit_rows;
  *cols = units;
  *cell = MIN ((width - bar) / units - margin_w, height / unit_rows - margin_h);
  for (guint r = 2; r <= units; r++)
    {
      guint c = (units + r - 1) / r;
      double size = MIN ((width - bar) / c - margin_w, height / (r * unit_rows) - margin_h);

      if (size > *cell * 1.15)
        {
          *rows = r * unit_rows;
          *cols = c;
          *cell = size;
        }
    }
  *cell = MAX (*cell, 0.0);
}

static void
similarity_row_draw (gconstpointer data, cairo_t *cr, double width, double height)
{
  const SimilarityRow *row = data;
  LwHeatmapMargins m;
  double side, box_w, box_h, bar, share, x, y0;
  guint rows, cols, named;

  if (row->n == 0)
    {
      static const LwHeatmap empty = { 0 };

      lw_heatmap_draw (&empty, cr, width, height);
      return;
    }

  /* One box size for all, with the class names' column only where the
   * names can be read (as each heatmap judges it in its box). */
  named = lw_heatmap_margins_union (row->maps, row->n, cr, &m);
  bar = m.bar;
  /* Neighbours share the padding between them (the right and bottom
   * margins are padding only): one pad apart, not two. */
  share = MIN (m.right, m.bottom);
  lw_charts_similarity_layout (row->n, row->cols, width - share, height - share, bar,
                               m.left + m.right - share, m.top + m.bottom - share,
                               &rows, &cols, &side);
  if (m.names > 0.0 && lw_heatmap_names_fit (&row->maps[named], &m, side / row->maps[named].rows))
    {
      guint named_rows, named_cols;
      double named_side;

      lw_charts_similarity_layout (row->n, row->cols, width - share, height - share, bar,
                                   m.left + m.names + m.right - share,
                                   m.top + m.bottom - share,
                                   &named_rows, &named_cols, &named_side);
      if (lw_heatmap_names_fit (&row->maps[named], &m, named_side / row->maps[named].rows))
        {
          rows = named_rows;
          cols = named_cols;
          side = named_side;
          m.left += m.names;
        }
    }
  box_w = side + m.left + m.right;
  box_h = side + m.top + m.bottom;

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  x = (width - (cols * (box_w - share) + share + bar)) / 2.0;
  y0 = (height - (rows * (box_h - share) + share)) / 2.0;
  for (guint i = 0; i < row->n; i++)
    {
      /* Pairs: block b's target in one row, the block's matrix below it. */
      guint b = row->cols > 0 ? i % row->cols : 0;
      guint r = row->cols > 0 ? 2 * (b / cols) + i / row->cols : i / cols;
      guint col = row->cols > 0 ? b % cols : i % cols;
      double w = box_w + (i + 1 == row->n ? bar : 0.0);
      double y = y0 + r * (box_h - share);

      /* Where boxes overlap, both have padding only: whichever is drawn
       * last covers nothing of the other's. */
      cairo_save (cr);
      cairo_translate (cr, floor (x + col * (box_w - share)), floor (y));
      cairo_rectangle (cr, 0, 0, ceil (w), ceil (box_h));
      cairo_clip (cr);
      lw_heatmap_draw (&row->maps[i], cr, w, box_h);
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
  double image_h = height;

  /* Strips stop growing at a height; above them the image takes the rest. */
  if (stacked)
    image_h = floor (MIN (width * 0.8,
                          p->conv ? height * 0.3
                                  : MAX (height * 0.45,
                                         height - lw_activation_strips_natural_height (&p->strips,
                                                                                       cr, width))));

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
