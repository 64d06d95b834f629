/* lw-history.c: thinned series, marks, and their copies. */
#include "lw-history.h"

#include <string.h>

#define FIRST_CAP 256

void
lw_hist_series_add (LwHistSeries *s, double x, float y)
{
  if (s->stride == 0)
    s->stride = 1;
  if (s->offered++ % s->stride != 0)
    return;

  if (s->n == LW_SERIES_MAX_POINTS)
    {
      /* Kept points sit at offers 0, 2*stride, 4*stride, …; the one being
       * added (offer MAX * stride) is on the new grid too. */
      for (guint i = 0; i < s->n / 2; i++)
        {
          s->x[i] = s->x[2 * i];
          s->y[i] = s->y[2 * i];
        }
      s->n /= 2;
      s->stride *= 2;
    }
  if (s->n == s->cap)
    {
      /* Grows in doublings up to the limit: amortised, and never past it. */
      s->cap = s->cap == 0 ? FIRST_CAP : MIN (s->cap * 2, LW_SERIES_MAX_POINTS);
      s->x = g_renew (double, s->x, s->cap);
      s->y = g_renew (float, s->y, s->cap);
    }
  s->x[s->n] = x;
  s->y[s->n] = y;
  s->n++;
}

void
lw_hist_series_clear (LwHistSeries *s)
{
  g_free (s->x);
  g_free (s->y);
  memset (s, 0, sizeof *s);
}

LwHistory *
lw_history_new (guint run_id, guint n_layers)
{
  LwHistory *h = g_new0 (LwHistory, 1);

  h->run_id = run_id;
  h->n_layers = n_layers;
  h->series = g_new0 (LwHistSeries, (gsize) n_layers * LW_N_CURVES);
  h->marks = g_array_new (FALSE, TRUE, sizeof (LwMark));
  return h;
}

void
lw_history_free (LwHistory *h)
{
  if (h == NULL)
    return;
  for (guint i = 0; i < h->n_layers * LW_N_CURVES; i++)
    lw_hist_series_clear (&h->series[i]);
  g_free (h->series);
  g_array_unref (h->marks);
  g_free (h);
}

static LwHistSeries *
series_at (const LwHistory *h, guint layer, LwCurve curve)
{
  g_assert (layer < h->n_layers && curve < LW_N_CURVES);
  return &h->series[layer * LW_N_CURVES + curve];
}

const LwHistSeries *
lw_history_series (const LwHistory *h, guint layer, LwCurve curve)
{
  return series_at (h, layer, curve);
}

void
lw_history_add (LwHistory *h, guint layer, LwCurve curve, double x, float y)
{
  lw_hist_series_add (series_at (h, layer, curve), x, y);
}

void
lw_history_add_mark (LwHistory *h, LwMarkKind kind, guint64 samples, const char *format, ...)
{
  LwMark mark = { .kind = kind, .samples = samples };
  va_list args;

  va_start (args, format);
  g_vsnprintf (mark.label, sizeof mark.label, format, args);
  va_end (args);
  g_array_append_val (h->marks, mark);
}

static LwSeries *
curve_of (LwLayerCurves *layer, LwCurve curve)
{
  switch (curve)
    {
    case LW_CURVE_TRAIN_ACC: return &layer->train_acc;
    case LW_CURVE_TEST_ACC: return &layer->test_acc;
    case LW_CURVE_EPOCH_TEST_ACC: return &layer->epoch_test_acc;
    case LW_CURVE_LOSS_PRED: return &layer->loss_pred;
    case LW_CURVE_LOSS_SIM: return &layer->loss_sim;
    default: g_assert_not_reached ();
    }
}

gsize
lw_history_copy_size (const LwHistory *h)
{
  gsize size = lw_bump_size (sizeof (LwLayerCurves) * h->n_layers)
               + lw_bump_size (sizeof (LwMark) * h->marks->len);

  for (guint i = 0; i < h->n_layers * LW_N_CURVES; i++)
    size += lw_bump_size (sizeof (double) * h->series[i].n)
            + lw_bump_size (sizeof (float) * h->series[i].n);
  return size;
}

void
lw_history_copy (const LwHistory *h, LwRunCurves *out, LwBump *mem)
{
  LwLayerCurves *layers = lw_bump_take (mem, sizeof (LwLayerCurves) * h->n_layers);
  LwMark *marks = lw_bump_take (mem, sizeof (LwMark) * h->marks->len);

  for (guint l = 0; l < h->n_layers; l++)
    for (guint c = 0; c < LW_N_CURVES; c++)
      {
        const LwHistSeries *s = series_at (h, l, c);
        LwSeries *d = curve_of (&layers[l], c);
        double *x = lw_bump_take (mem, sizeof (double) * s->n);
        float *y = lw_bump_take (mem, sizeof (float) * s->n);

        if (s->n > 0)
          {
            memcpy (x, s->x, sizeof (double) * s->n);
            memcpy (y, s->y, sizeof (float) * s->n);
          }
        *d = (LwSeries) { .n = s->n, .x = x, .y = y };
      }
  if (h->marks->len > 0)
    memcpy (marks, h->marks->data, sizeof (LwMark) * h->marks->len);

  *out = (LwRunCurves) {
    .run_id = h->run_id,
    .n_layers = h->n_layers,
    .layers = layers,
    .n_marks = h->marks->len,
    .marks = marks,
  };
  g_strlcpy (out->title, h->title, sizeof out->title);
}

LwFrozenRun *
lw_history_freeze (const LwHistory *h)
{
  gsize head = lw_bump_size (sizeof (LwFrozenRun));
  gsize size = head + lw_history_copy_size (h);
  LwFrozenRun *run = g_malloc (size);
  LwBump mem;

  run->ref_count = 1;
  lw_bump_init (&mem, (char *) run + head, size - head);
  lw_history_copy (h, &run->curves, &mem);
  return run;
}

LwFrozenRun *
lw_frozen_run_ref (LwFrozenRun *run)
{
  g_atomic_int_inc (&run->ref_count);
  return run;
}

void
lw_frozen_run_unref (LwFrozenRun *run)
{
  if (g_atomic_int_dec_and_test (&run->ref_count))
    g_free (run);
}
