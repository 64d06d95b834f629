/* test-sampler.c: the order of training batches — plain shuffled epochs
 * as before, and the classes-per-batch sampler of docs/method.md §4: at most K
 * classes per batch, so same-class pairs exist, every batch full, nearly
 * every example once per epoch, the same batches for the same seed, plain
 * batches after the last class-restricted epoch, no allocation per batch. */
#include <string.h>
#include <glib.h>

#include "data/lw-sampler.h"
#include "alloc-counter.h"

/* n labels over n_classes, class c about (c + 1) times as common as class
 * 0, in a scrambled order, so class sizes are unequal and interleaved. */
static guint8 *
skewed_labels (guint n, guint n_classes)
{
  guint8 *labels = g_new (guint8, n);
  guint weight_sum = n_classes * (n_classes + 1) / 2;

  for (guint i = 0; i < n; i++)
    {
      guint r = (guint) (((guint64) i * 7919u) % n) * weight_sum / n, c = 0;

      while (r >= c + 1)
        {
          r -= c + 1;
          c++;
        }
      labels[i] = (guint8) c;
    }
  return labels;
}

static guint
distinct_classes (const guint32 *idx, guint count, const guint8 *labels, guint *max_per_class)
{
  guint seen[256] = { 0 }, distinct = 0;

  *max_per_class = 0;
  for (guint i = 0; i < count; i++)
    {
      if (seen[labels[idx[i]]]++ == 0)
        distinct++;
      *max_per_class = MAX (*max_per_class, seen[labels[idx[i]]]);
    }
  return distinct;
}

/* With classes per batch off, batches cut the same shuffled permutation
 * as the trainers always did: identity, then lw_rng_shuffle. */
static void
test_plain (void)
{
  enum { N = 1000, BS = 64 };
  g_autofree guint8 *labels = skewed_labels (N, 10);
  g_autoptr (LwSampler) s = lw_sampler_new (labels, N, 10, BS, 0, 0);
  guint32 expected[N];
  LwRng rng, ref;

  lw_rng_init (&rng, 5, 1);
  lw_rng_init (&ref, 5, 1);
  g_assert_cmpuint (lw_sampler_n_batches (s), ==, 16);
  for (guint epoch = 1; epoch <= 2; epoch++)
    {
      guint off = 0;

      for (guint i = 0; i < N; i++)
        expected[i] = i;
      lw_rng_shuffle (&ref, expected, N);
      lw_sampler_begin_epoch (s, epoch, &rng);
      g_assert_false (lw_sampler_by_class (s));
      for (guint b = 0; b < 16; b++)
        {
          const guint32 *idx;
          guint count = lw_sampler_next_batch (s, &rng, &idx);

          g_assert_cmpuint (count, ==, b < 15 ? BS : N - 15 * BS);
          g_assert_cmpmem (idx, count * sizeof *idx, expected + off, count * sizeof *idx);
          off += count;
        }
    }
}

typedef struct {
  guint n, n_classes, batch_size, k;
} Shape;

/* Several epochs of class-restricted batches: each full, each with at
 * most K classes and so a class that comes at least twice, no example
 * twice in a batch unless its class is too small, K classes in at least
 * 90% of the batches, and at least 97% of the examples visited per
 * epoch. */
static void
check_class_batches (const Shape *sh)
{
  g_autofree guint8 *labels = skewed_labels (sh->n, sh->n_classes);
  g_autoptr (LwSampler) s = lw_sampler_new (labels, sh->n, sh->n_classes, sh->batch_size,
                                            sh->k, 0);
  g_autofree guint *visits = g_new (guint, sh->n);
  guint n_batches = lw_sampler_n_batches (s);
  guint size[256] = { 0 }, in_batch[256];
  LwRng rng;

  for (guint i = 0; i < sh->n; i++)
    size[labels[i]]++;
  g_assert_cmpuint (n_batches, ==, (sh->n + sh->batch_size - 1) / sh->batch_size);
  lw_rng_init (&rng, 3, 1);
  for (guint epoch = 1; epoch <= 3; epoch++)
    {
      guint visited = 0, exactly_k = 0;

      memset (visits, 0, sh->n * sizeof *visits);
      lw_sampler_begin_epoch (s, epoch, &rng);
      g_assert_true (lw_sampler_by_class (s));
      for (guint b = 0; b < n_batches; b++)
        {
          const guint32 *idx;
          guint count = lw_sampler_next_batch (s, &rng, &idx), most;
          guint classes = distinct_classes (idx, count, labels, &most);

          memset (in_batch, 0, sizeof in_batch);
          for (guint i = 0; i < count; i++)
            in_batch[labels[idx[i]]]++;
          g_assert_cmpuint (count, ==, sh->batch_size);
          g_assert_cmpuint (classes, >=, 1);
          g_assert_cmpuint (classes, <=, sh->k);
          g_assert_cmpuint (most, >=, 2);
          if (classes == sh->k)
            exactly_k++;
          for (guint i = 0; i < count; i++)
            {
              g_assert_cmpuint (idx[i], <, sh->n);
              /* A class smaller than its share of the batch has to repeat. */
              for (guint j = 0; j < i; j++)
                if (idx[i] == idx[j])
                  g_assert_cmpuint (in_batch[labels[idx[i]]], >, size[labels[idx[i]]]);
              if (visits[idx[i]]++ == 0)
                visited++;
            }
        }
      g_test_message ("n %u, %u classes, batch %u, K %u, epoch %u: %u of %u visited, "
                      "%u of %u batches with K classes", sh->n, sh->n_classes, sh->batch_size,
                      sh->k, epoch, visited, sh->n, exactly_k, n_batches);
      g_assert_cmpuint (visited * 100, >=, sh->n * 97);
      g_assert_cmpuint (exactly_k * 10, >=, n_batches * 9);
    }
}

static void
test_class_batches (void)
{
  static const Shape shapes[] = {
    { 1000, 10, 32, 3 },
    { 5003, 10, 50, 1 },
    { 20000, 100, 128, 20 },      /* the CIFAR-100 recipe's K and batch, smaller set */
    { 500, 10, 10, 10 },          /* K as large as the batch: no room to fill */
  };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    if (shapes[i].k < shapes[i].batch_size)
      check_class_batches (&shapes[i]);
    else
      {
        g_autofree guint8 *labels = skewed_labels (shapes[i].n, shapes[i].n_classes);
        g_autoptr (LwSampler) s = lw_sampler_new (labels, shapes[i].n, shapes[i].n_classes,
                                                  shapes[i].batch_size, shapes[i].k, 0);
        LwRng rng;

        lw_rng_init (&rng, 3, 1);
        lw_sampler_begin_epoch (s, 1, &rng);
        for (guint b = 0; b < lw_sampler_n_batches (s); b++)
          {
            const guint32 *idx;
            guint most;

            g_assert_cmpuint (lw_sampler_next_batch (s, &rng, &idx), ==, shapes[i].batch_size);
            g_assert_cmpuint (distinct_classes (idx, shapes[i].batch_size, labels, &most), <=,
                              shapes[i].k);
          }
      }
}

/* Fewer classes in the training set than K (a limited set): batches stay
 * full and hold the classes there are. */
static void
test_fewer_classes_than_k (void)
{
  enum { N = 90, BS = 16 };
  guint8 labels[N];
  g_autoptr (LwSampler) s = NULL;
  LwRng rng;

  for (guint i = 0; i < N; i++)
    labels[i] = (guint8) (3 + i % 2);       /* only classes 3 and 4 of 10 */
  s = lw_sampler_new (labels, N, 10, BS, 5, 0);
  lw_rng_init (&rng, 1, 1);
  lw_sampler_begin_epoch (s, 1, &rng);
  for (guint b = 0; b < lw_sampler_n_batches (s); b++)
    {
      const guint32 *idx;
      guint most;

      g_assert_cmpuint (lw_sampler_next_batch (s, &rng, &idx), ==, BS);
      g_assert_cmpuint (distinct_classes (idx, BS, labels, &most), <=, 2);
    }
}

/* All the batches of epochs 1 .. n_epochs, one after the other. */
static GArray *
record (guint64 seed, guint k, guint until_epoch, guint n_epochs, const guint8 *labels, guint n)
{
  g_autoptr (LwSampler) s = lw_sampler_new (labels, n, 10, 32, k, until_epoch);
  GArray *all = g_array_new (FALSE, FALSE, sizeof (guint32));
  LwRng rng;

  lw_rng_init (&rng, seed, 1);
  for (guint epoch = 1; epoch <= n_epochs; epoch++)
    {
      lw_sampler_begin_epoch (s, epoch, &rng);
      for (guint b = 0; b < lw_sampler_n_batches (s); b++)
        {
          const guint32 *idx;
          guint count = lw_sampler_next_batch (s, &rng, &idx);

          g_array_append_vals (all, idx, count);
        }
    }
  return all;
}

static void
test_deterministic (void)
{
  g_autofree guint8 *labels = skewed_labels (700, 10);
  g_autoptr (GArray) a = record (7, 4, 0, 2, labels, 700);
  g_autoptr (GArray) b = record (7, 4, 0, 2, labels, 700);
  g_autoptr (GArray) c = record (8, 4, 0, 2, labels, 700);

  g_assert_cmpuint (a->len, ==, 2 * 22 * 32);
  g_assert_cmpmem (a->data, a->len * 4, b->data, b->len * 4);
  g_assert_cmpuint (c->len, ==, a->len);
  g_assert_true (memcmp (a->data, c->data, a->len * 4) != 0);
}

/* --classes-per-batch-until-epoch 2: epochs 1 and 2 class-restricted,
 * epoch 3 on plain: a permutation of the set, the last batch short, and
 * batches with more than K classes. */
static void
test_until_epoch (void)
{
  enum { N = 700, BS = 32, K = 3 };
  g_autofree guint8 *labels = skewed_labels (N, 10);
  g_autoptr (LwSampler) s = lw_sampler_new (labels, N, 10, BS, K, 2);
  LwRng rng;

  lw_rng_init (&rng, 2, 1);
  for (guint epoch = 1; epoch <= 4; epoch++)
    {
      gboolean seen[N] = { FALSE };
      guint total = 0, over_k = 0;

      lw_sampler_begin_epoch (s, epoch, &rng);
      g_assert_cmpint (lw_sampler_by_class (s), ==, epoch <= 2);
      for (guint b = 0; b < lw_sampler_n_batches (s); b++)
        {
          const guint32 *idx;
          guint count = lw_sampler_next_batch (s, &rng, &idx), most;

          if (distinct_classes (idx, count, labels, &most) > K)
            over_k++;
          if (epoch <= 2)
            continue;
          g_assert_cmpuint (count, ==, b + 1 < lw_sampler_n_batches (s) ? BS : N % BS);
          for (guint i = 0; i < count; i++)
            {
              g_assert_false (seen[idx[i]]);
              seen[idx[i]] = TRUE;
            }
          total += count;
        }
      if (epoch <= 2)
        g_assert_cmpuint (over_k, ==, 0);
      else
        {
          g_assert_cmpuint (total, ==, N);
          g_assert_cmpuint (over_k, >, 0);
        }
    }
}

/* Epoch set-up and batches allocate nothing: the per-class lists are
 * made once. */
static void
test_no_allocation (void)
{
  g_autofree guint8 *labels = skewed_labels (2000, 10);
  g_autoptr (LwSampler) s = lw_sampler_new (labels, 2000, 10, 64, 4, 2);
  LwRng rng;

  lw_rng_init (&rng, 1, 1);
  for (guint epoch = 1; epoch <= 3; epoch++)
    {
      alloc_counter_start ();
      lw_sampler_begin_epoch (s, epoch, &rng);
      for (guint b = 0; b < lw_sampler_n_batches (s); b++)
        {
          const guint32 *idx;

          lw_sampler_next_batch (s, &rng, &idx);
        }
      g_assert_cmpuint (alloc_counter_stop (), ==, 0);
    }
}

/* A run resumed in epoch e builds a new sampler and enters e from the
 * stream as the epoch began: it must draw the batches the unbroken run
 * drew, in every epoch, class-restricted or plain, mid-epoch too. */
static void
test_fresh_sampler_same_epoch (void)
{
  enum { N = 700, BS = 50, EPOCHS = 4 };
  g_autofree guint8 *labels = skewed_labels (N, 10);
  g_autoptr (LwSampler) run = lw_sampler_new (labels, N, 10, BS, 3, 3);
  LwRng rng;

  lw_rng_init (&rng, 11, 1);
  for (guint epoch = 1; epoch <= EPOCHS; epoch++)
    {
      g_autoptr (LwSampler) fresh = lw_sampler_new (labels, N, 10, BS, 3, 3);
      LwRng at_start = rng, again = rng;
      guint n_batches = lw_sampler_n_batches (run);

      lw_sampler_begin_epoch (run, epoch, &rng);
      lw_sampler_begin_epoch (fresh, epoch, &again);
      for (guint b = 0; b < n_batches; b++)
        {
          const guint32 *a, *c;
          guint na = lw_sampler_next_batch (run, &rng, &a);
          guint nc = lw_sampler_next_batch (fresh, &again, &c);

          g_assert_cmpuint (na, ==, nc);
          g_assert_cmpmem (a, na * sizeof *a, c, nc * sizeof *c);
        }
      g_assert_cmpmem (&rng, sizeof rng, &again, sizeof again);

      /* Mid-epoch: a third sampler skips the first half of the batches. */
      {
        g_autoptr (LwSampler) half = lw_sampler_new (labels, N, 10, BS, 3, 3);
        LwRng r = at_start;
        const guint32 *idx;

        lw_sampler_begin_epoch (half, epoch, &r);
        for (guint b = 0; b < n_batches / 2; b++)
          lw_sampler_next_batch (half, &r, &idx);
        for (guint b = n_batches / 2; b < n_batches; b++)
          lw_sampler_next_batch (half, &r, &idx);
        g_assert_cmpmem (&r, sizeof r, &rng, sizeof rng);
      }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/sampler/plain", test_plain);
  g_test_add_func ("/data/sampler/class-batches", test_class_batches);
  g_test_add_func ("/data/sampler/fewer-classes-than-k", test_fewer_classes_than_k);
  g_test_add_func ("/data/sampler/deterministic", test_deterministic);
  g_test_add_func ("/data/sampler/until-epoch", test_until_epoch);
  g_test_add_func ("/data/sampler/no-allocation", test_no_allocation);
  g_test_add_func ("/data/sampler/fresh-sampler-same-epoch", test_fresh_sampler_same_epoch);

  return g_test_run ();
}
