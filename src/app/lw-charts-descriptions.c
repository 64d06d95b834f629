/* lw-charts-descriptions.c: what each chart shows now, in words, for
 * screen readers (lw_charts_describe, declared in lw-charts.h): the
 * current values (accuracies, losses, counts), not how the chart looks. */
#include "lw-charts-private.h"

#include <math.h>
#include <glib/gi18n.h>

#include "session/lw-label.h"

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
      g_string_append_printf (s, " %s: %s ", lw_charts_layer_name (c, l, snap->n_blocks),
                              _("training"));
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
          g_string_append_printf (s, _("%s: prediction %s"),
                                  lw_charts_layer_name (c, l, snap->n_blocks), value);
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
                          lw_charts_class_label (snap, snap->n_class_names,
                                                 snap->probe_image_label, label, sizeof label));
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
  if (snap->target_sim != NULL)
    g_string_append_printf (s, _("%u test images sorted by class. Mean difference from each "
                                 "block's own target matrix:"), snap->probe_n);
  else
    g_string_append_printf (s, _("%u test images sorted by class. Mean difference from the "
                                 "label matrix:"), snap->probe_n);
  for (guint i = 0; i < snap->n_blocks; i++)
    {
      const float *m = snap->block_sim + i * nn;
      const float *target = snap->target_sim != NULL ? snap->target_sim + i * nn
                                                      : snap->label_sim;
      double sum = 0.0;

      for (gsize k = 0; k < nn; k++)
        sum += fabs (m[k] - target[k]);
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
                              lw_charts_class_label (snap, C, worst_t, t_buf, sizeof t_buf),
                              lw_charts_class_label (snap, C, worst_p, p_buf, sizeof p_buf),
                              worst);
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
