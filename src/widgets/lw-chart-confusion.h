/* lw-chart-confusion.h: a confusion matrix, true class down, predicted
 * class across; each cell shaded by its share of the true class. */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "lw-colors.h"

G_BEGIN_DECLS

typedef struct {
  const char *title;
  const char *short_title;        /* NULL, or shown when the title takes more than two lines */
  const char *caption;            /* right of the title, e.g. the accuracy; may be NULL */
  guint n_classes;
  const guint32 *counts;          /* n_classes x n_classes, row by row */
  const char *const *class_names; /* NULL: class numbers */
  guint n_class_names;
  LwColor color;                  /* of a full cell (the layer's colour) */
  double scale;                   /* presentation factor; 0 means 1 */
} LwConfusion;

void lw_confusion_draw      (const LwConfusion *confusion, cairo_t *cr,
                             double width, double height);
void lw_confusion_draw_func (gconstpointer confusion, cairo_t *cr,
                             double width, double height);

G_END_DECLS
