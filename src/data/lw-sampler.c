/* lw-sampler.c: plain shuffled batches, and class-restricted ones.
 *
 * A class-restricted batch (docs/method.md §4, the reference's
 * NClassRandomSampler) starts with K examples drawn at random; while they
 * hold fewer than K classes, examples of further classes are added until
 * there are K (the reference meant to do this but tested for 10 classes
 * instead of K, docs/method.md §9 item 1); the rest of the batch is filled with
 * examples of those classes, so every class in it tends to come with
 * others of its kind and the sim loss sees same-class pairs. A batch never
 * holds more than K classes, and it is always full.
 *
 * What an epoch is here: as many batches as a plain epoch (the last one
 * full too). Examples are drawn without replacement, each class's in a
 * fresh random order every epoch, and a class is drawn in proportion to
 * the examples it has left, so the classes run out together and almost
 * every example is visited once per epoch. Only near the end of an epoch,
 * when a batch's classes have no unvisited examples left, is that batch
 * completed with examples of its classes already seen this epoch (the
 * earliest first, as in a new pass over the class); as many others wait
 * for the next epoch. (The reference filled such batches with any classes
 * and let the last one run short.) */
#include "lw-sampler.h"

#include <string.h>

#define NO_CLASS G_MAXUINT

struct _LwSampler {
  guint n, n_classes, batch_size, classes_per_batch, until_epoch, n_batches;
  gboolean by_class;          /* this epoch's batches are class-restricted */
  guint batches_given;        /* this epoch */

  guint32 *order;             /* plain: 0 .. n-1 shuffled */

  /* Class-restricted batches. */
  guint32 *by_index;          /* training indices grouped by class, in index order */
  guint32 *grouped;           /* by_index with each group shuffled for this epoch */
  guint *class_start;         /* n_classes + 1 offsets into grouped */
  guint *taken;               /* per class, drawn this epoch; past the class size, repeats */
  guint unvisited;            /* examples not drawn yet this epoch */
  gboolean *in_batch;         /* per class */
  guint *batch_classes;       /* the classes in the batch, n_batch_classes <= classes_per_batch */
  guint n_batch_classes;
  guint32 *batch;             /* batch_size */
};

typedef enum {
  ANY_CLASS,
  NEW_CLASS,                  /* not in the batch yet */
  BATCH_CLASS,                /* in the batch */
} Candidates;

LwSampler *
lw_sampler_new (const guint8 *labels, guint n, guint n_classes, guint batch_size,
                guint classes_per_batch, guint until_epoch)
{
  LwSampler *s;

  g_return_val_if_fail (n > 0 && n_classes > 0 && batch_size > 0, NULL);
  g_return_val_if_fail (classes_per_batch <= batch_size, NULL);
  for (guint i = 0; i < n; i++)
    g_return_val_if_fail (labels[i] < n_classes, NULL);

  s = g_new0 (LwSampler, 1);
  s->n = n;
  s->n_classes = n_classes;
  s->batch_size = batch_size;
  s->classes_per_batch = classes_per_batch;
  s->until_epoch = until_epoch;
  s->n_batches = (guint) (((guint64) n + batch_size - 1) / batch_size);
  s->batches_given = s->n_batches;
  s->order = g_new (guint32, n);
  if (classes_per_batch == 0)
    return s;

  /* A counting sort: class_start[c + 1] counts class c, then accumulates. */
  s->class_start = g_new0 (guint, n_classes + 1);
  for (guint i = 0; i < n; i++)
    s->class_start[labels[i] + 1]++;
  for (guint c = 0; c < n_classes; c++)
    s->class_start[c + 1] += s->class_start[c];
  s->taken = g_new0 (guint, n_classes);
  s->by_index = g_new (guint32, n);
  s->grouped = g_new (guint32, n);
  for (guint i = 0; i < n; i++)
    s->by_index[s->class_start[labels[i]] + s->taken[labels[i]]++] = i;
  s->in_batch = g_new0 (gboolean, n_classes);
  s->batch_classes = g_new (guint, classes_per_batch);
  s->batch = g_new (guint32, batch_size);
  return s;
}

void
lw_sampler_free (LwSampler *s)
{
  if (s == NULL)
    return;
  g_free (s->order);
  g_free (s->by_index);
  g_free (s->grouped);
  g_free (s->class_start);
  g_free (s->taken);
  g_free (s->in_batch);
  g_free (s->batch_classes);
  g_free (s->batch);
  g_free (s);
}

guint
lw_sampler_n_batches (const LwSampler *s)
{
  return s->n_batches;
}

gboolean
lw_sampler_by_class (const LwSampler *s)
{
  return s->by_class;
}

void
lw_sampler_begin_epoch (LwSampler *s, guint epoch, LwRng *rng)
{
  s->by_class = s->classes_per_batch > 0 && (s->until_epoch == 0 || epoch <= s->until_epoch);
  s->batches_given = 0;
  if (!s->by_class)
    {
      for (guint i = 0; i < s->n; i++)
        s->order[i] = i;
      lw_rng_shuffle (rng, s->order, s->n);
      return;
    }
  /* Each epoch shuffles the groups afresh from index order, so that an
   * epoch's batches depend only on the stream as it began: a run resumed
   * in epoch e (its sampler new) draws what the unbroken run drew. */
  memcpy (s->grouped, s->by_index, (gsize) s->n * sizeof *s->grouped);
  for (guint c = 0; c < s->n_classes; c++)
    {
      lw_rng_shuffle (rng, s->grouped + s->class_start[c],
                      s->class_start[c + 1] - s->class_start[c]);
      s->taken[c] = 0;
    }
  s->unvisited = s->n;
}

static guint
class_size (const LwSampler *s, guint c)
{
  return s->class_start[c + 1] - s->class_start[c];
}

/* How likely class c is drawn: its unvisited examples, or when repeating
 * its size. */
static guint
class_weight (const LwSampler *s, guint c, gboolean repeat)
{
  guint size = class_size (s, c);

  if (repeat)
    return size;
  return s->taken[c] < size ? size - s->taken[c] : 0;
}

/* A class among the candidates, drawn in proportion to its weight; NO_CLASS
 * when every candidate weighs 0. */
static guint
pick_class (const LwSampler *s, Candidates which, gboolean repeat, LwRng *rng)
{
  guint32 total = 0, r;

  for (guint c = 0; c < s->n_classes; c++)
    if (which == ANY_CLASS || s->in_batch[c] == (which == BATCH_CLASS))
      total += class_weight (s, c, repeat);
  if (total == 0)
    return NO_CLASS;
  r = lw_rng_below (rng, total);
  for (guint c = 0; c < s->n_classes; c++)
    if (which == ANY_CLASS || s->in_batch[c] == (which == BATCH_CLASS))
      {
        guint w = class_weight (s, c, repeat);

        if (r < w)
          return c;
        r -= w;
      }
  g_assert_not_reached ();
  return NO_CLASS;
}

/* Appends class c's next example to the batch. */
static void
take (LwSampler *s, guint c, guint *count)
{
  guint size = class_size (s, c);

  g_assert (c < s->n_classes && size > 0);
  if (s->taken[c] < size)
    s->unvisited--;
  s->batch[(*count)++] = s->grouped[s->class_start[c] + s->taken[c] % size];
  s->taken[c]++;
  if (!s->in_batch[c])
    {
      s->in_batch[c] = TRUE;
      s->batch_classes[s->n_batch_classes++] = c;
    }
}

static guint
next_class_batch (LwSampler *s, LwRng *rng)
{
  const guint k = s->classes_per_batch;
  guint count = 0, c;

  /* Unvisited examples while there are any, so the repeat is only a
   * fallback at the very end of an epoch. */
  for (guint i = 0; i < k; i++)
    take (s, pick_class (s, ANY_CLASS, s->unvisited == 0, rng), &count);
  while (s->n_batch_classes < k && count < s->batch_size
         && (c = pick_class (s, NEW_CLASS, FALSE, rng)) != NO_CLASS)
    take (s, c, &count);
  while (count < s->batch_size)
    {
      c = pick_class (s, BATCH_CLASS, FALSE, rng);
      if (c == NO_CLASS)
        c = pick_class (s, BATCH_CLASS, TRUE, rng);
      take (s, c, &count);
    }

  for (guint i = 0; i < s->n_batch_classes; i++)
    s->in_batch[s->batch_classes[i]] = FALSE;
  s->n_batch_classes = 0;
  return count;
}

guint
lw_sampler_next_batch (LwSampler *s, LwRng *rng, const guint32 **indices)
{
  guint b = s->batches_given;

  g_return_val_if_fail (b < s->n_batches, 0);

  s->batches_given++;
  if (s->by_class)
    {
      *indices = s->batch;
      return next_class_batch (s, rng);
    }
  *indices = s->order + (gsize) b * s->batch_size;
  return (guint) MIN ((gsize) s->batch_size, s->n - (gsize) b * s->batch_size);
}
