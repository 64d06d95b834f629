/* lw-lockstep.c: the gate of lw-lockstep.h. A handful of members at
 * most: every question is answered by a walk over all of them, under one
 * lock. */
#include "config.h"

#include "lw-lockstep.h"

#include <pthread.h>

#include "engine/lw-gemm.h"

struct _LwLockstepMember {
  LwLockstep *gate;
  guint id;
  void (*wake) (gpointer data);
  gpointer wake_data;
  char *group;                /* NULL: no run yet */
  guint64 steps;              /* handed out */
  gboolean playing;
  gboolean stepping;          /* holds a thread */
  gboolean held;              /* lw_lockstep_hold: no step until its pause (lw_lockstep_unhold) */
  gboolean waiting;           /* was told no: wake it on any change */
  guint64 ticket;             /* waiting for a thread since this ticket; 0: not */
};

struct _LwLockstep {
  /* pthread rather than GMutex: ThreadSanitizer sees it (lw-command.h). */
  pthread_mutex_t lock;
  pthread_cond_t changed;     /* for lw_lockstep_begin_single */
  GPtrArray *members;
  int threads;
  int blas_threads;           /* what the gate last set the process to; 0: nothing yet */
  guint stepping;
  guint64 next_ticket;
  guint peak_stepping;
  guint64 max_lead;
};

LwLockstep *
lw_lockstep_new (int threads)
{
  LwLockstep *gate = g_new0 (LwLockstep, 1);

  pthread_mutex_init (&gate->lock, NULL);
  pthread_cond_init (&gate->changed, NULL);
  gate->members = g_ptr_array_new ();
  gate->threads = MAX (threads, 1);
  return gate;
}

void
lw_lockstep_free (LwLockstep *gate)
{
  if (gate == NULL)
    return;
  g_return_if_fail (gate->members->len == 0);
  g_ptr_array_unref (gate->members);
  pthread_cond_destroy (&gate->changed);
  pthread_mutex_destroy (&gate->lock);
  g_free (gate);
}

/* With the lock held: something a waiting member may be waiting for
 * changed. */
static void
wake_waiting (LwLockstep *gate, LwLockstepMember *except)
{
  for (guint i = 0; i < gate->members->len; i++)
    {
      LwLockstepMember *m = g_ptr_array_index (gate->members, i);

      if (m != except && m->waiting)
        m->wake (m->wake_data);
    }
  pthread_cond_broadcast (&gate->changed);
}

void
lw_lockstep_set_threads (LwLockstep *gate, int threads)
{
  g_return_if_fail (gate != NULL);
  pthread_mutex_lock (&gate->lock);
  gate->threads = MAX (threads, 1);
  wake_waiting (gate, NULL);
  pthread_mutex_unlock (&gate->lock);
}

LwLockstepMember *
lw_lockstep_join (LwLockstep *gate, guint id, void (*wake) (gpointer data), gpointer data)
{
  LwLockstepMember *m;

  g_return_val_if_fail (gate != NULL && wake != NULL, NULL);
  m = g_new0 (LwLockstepMember, 1);
  m->gate = gate;
  m->id = id;
  m->wake = wake;
  m->wake_data = data;
  pthread_mutex_lock (&gate->lock);
  g_ptr_array_add (gate->members, m);
  /* The threads each member gets have changed. */
  wake_waiting (gate, m);
  pthread_mutex_unlock (&gate->lock);
  return m;
}

void
lw_lockstep_leave (LwLockstepMember *m)
{
  LwLockstep *gate;

  if (m == NULL)
    return;
  gate = m->gate;
  pthread_mutex_lock (&gate->lock);
  g_assert (!m->stepping);
  g_ptr_array_remove (gate->members, m);
  wake_waiting (gate, NULL);
  pthread_mutex_unlock (&gate->lock);
  g_free (m->group);
  g_free (m);
}

void
lw_lockstep_set_group (LwLockstepMember *m, const char *group, guint64 steps)
{
  LwLockstep *gate = m->gate;

  pthread_mutex_lock (&gate->lock);
  g_free (m->group);
  m->group = g_strdup (group);
  m->steps = steps;
  wake_waiting (gate, m);
  pthread_mutex_unlock (&gate->lock);
}

void
lw_lockstep_set_playing (LwLockstepMember *m, gboolean playing)
{
  LwLockstep *gate = m->gate;

  pthread_mutex_lock (&gate->lock);
  m->playing = playing;
  if (!playing)
    {
      m->ticket = 0;
      m->waiting = FALSE;
    }
  wake_waiting (gate, m);
  pthread_mutex_unlock (&gate->lock);
}

void
lw_lockstep_hold (LwLockstep *gate)
{
  g_return_if_fail (gate != NULL);
  pthread_mutex_lock (&gate->lock);
  for (guint i = 0; i < gate->members->len; i++)
    {
      LwLockstepMember *m = g_ptr_array_index (gate->members, i);

      m->held = TRUE;
    }
  pthread_mutex_unlock (&gate->lock);
}

void
lw_lockstep_expect_play (LwLockstep *gate)
{
  g_return_if_fail (gate != NULL);
  pthread_mutex_lock (&gate->lock);
  for (guint i = 0; i < gate->members->len; i++)
    {
      LwLockstepMember *m = g_ptr_array_index (gate->members, i);

      m->playing = TRUE;
    }
  pthread_mutex_unlock (&gate->lock);
}

void
lw_lockstep_unhold (LwLockstepMember *m)
{
  LwLockstep *gate = m->gate;

  pthread_mutex_lock (&gate->lock);
  m->held = FALSE;
  pthread_mutex_unlock (&gate->lock);
}

/* With the lock held: the playing member of m's group, m aside, that has
 * handed out the fewest steps; NULL when m plays alone. */
static LwLockstepMember *
furthest_behind (LwLockstep *gate, const LwLockstepMember *m)
{
  LwLockstepMember *last = NULL;

  if (m->group == NULL)
    return NULL;
  for (guint i = 0; i < gate->members->len; i++)
    {
      LwLockstepMember *o = g_ptr_array_index (gate->members, i);

      if (o != m && o->playing && g_strcmp0 (o->group, m->group) == 0
          && (last == NULL || o->steps < last->steps))
        last = o;
    }
  return last;
}

/* With the lock held: one member alone has every thread and steps alone;
 * several have one thread each, as many at once as there are threads. */
static int
member_threads (const LwLockstep *gate)
{
  return gate->members->len <= 1 ? gate->threads : 1;
}

static guint
max_stepping (const LwLockstep *gate)
{
  return gate->members->len <= 1 ? 1 : (guint) gate->threads;
}

/* With the lock held: a thread is free for m, after those waiting longer. */
static gboolean
thread_free (LwLockstep *gate, const LwLockstepMember *m)
{
  guint before = 0;

  /* The process's BLAS threads change only while nobody is stepping. */
  if (gate->blas_threads != member_threads (gate) && gate->stepping > 0)
    return FALSE;
  for (guint i = 0; m->ticket != 0 && i < gate->members->len; i++)
    {
      const LwLockstepMember *o = g_ptr_array_index (gate->members, i);

      if (o != m && o->ticket != 0 && o->ticket < m->ticket)
        before++;
    }
  return gate->stepping + before < max_stepping (gate);
}

/* With the lock held: m takes a thread. */
static void
grant (LwLockstep *gate, LwLockstepMember *m, int *threads)
{
  int want = member_threads (gate);

  if (gate->blas_threads != want)
    {
      lw_blas_set_threads (want);
      gate->blas_threads = want;
    }
  /* The batch counts as handed out from now: the others may start theirs. */
  m->steps++;
  m->stepping = TRUE;
  m->ticket = 0;
  m->waiting = FALSE;
  gate->stepping++;
  gate->peak_stepping = MAX (gate->peak_stepping, gate->stepping);
  *threads = want;
  /* Those waiting for m to hand out this batch may start theirs. */
  wake_waiting (gate, m);
}

LwLockstepTurn
lw_lockstep_try_begin (LwLockstepMember *m, guint64 steps, int *threads, LwLockstepWait *wait)
{
  LwLockstep *gate = m->gate;
  LwLockstepWait local = { LW_LOCKSTEP_GO, 0, 0 };
  LwLockstepMember *last;

  g_return_val_if_fail (!m->stepping, LW_LOCKSTEP_NO_THREAD);
  pthread_mutex_lock (&gate->lock);
  m->steps = steps;
  last = furthest_behind (gate, m);
  if (m->held)
    local.turn = LW_LOCKSTEP_HELD;
  else if (last != NULL && last->steps < steps)
    {
      local = (LwLockstepWait) { LW_LOCKSTEP_CATCHING_UP, last->id, last->steps };
      /* Not waiting for a thread: no place in that queue. */
      m->ticket = 0;
    }
  else
    {
      if (m->ticket == 0)
        m->ticket = ++gate->next_ticket;
      if (!thread_free (gate, m))
        local.turn = LW_LOCKSTEP_NO_THREAD;
    }

  if (local.turn == LW_LOCKSTEP_GO)
    {
      if (m->playing && last != NULL && steps + 1 > last->steps)
        gate->max_lead = MAX (gate->max_lead, steps + 1 - last->steps);
      grant (gate, m, threads);
    }
  else
    m->waiting = TRUE;
  pthread_mutex_unlock (&gate->lock);
  if (wait != NULL)
    *wait = local;
  return local.turn;
}

void
lw_lockstep_begin_single (LwLockstepMember *m, guint64 steps, int *threads)
{
  LwLockstep *gate = m->gate;

  g_return_if_fail (!m->stepping);
  pthread_mutex_lock (&gate->lock);
  m->ticket = 0;
  m->steps = steps;
  while (!thread_free (gate, m))
    pthread_cond_wait (&gate->changed, &gate->lock);
  grant (gate, m, threads);
  pthread_mutex_unlock (&gate->lock);
}

void
lw_lockstep_end (LwLockstepMember *m, guint64 steps)
{
  LwLockstep *gate = m->gate;

  pthread_mutex_lock (&gate->lock);
  g_assert (m->stepping);
  m->stepping = FALSE;
  m->steps = steps;
  gate->stepping--;
  wake_waiting (gate, m);
  pthread_mutex_unlock (&gate->lock);
}

guint
lw_lockstep_peak_stepping (LwLockstep *gate)
{
  guint n;

  pthread_mutex_lock (&gate->lock);
  n = gate->peak_stepping;
  pthread_mutex_unlock (&gate->lock);
  return n;
}

guint64
lw_lockstep_max_lead (LwLockstep *gate)
{
  guint64 n;

  pthread_mutex_lock (&gate->lock);
  n = gate->max_lead;
  pthread_mutex_unlock (&gate->lock);
  return n;
}

char *
lw_lockstep_group_of (const LwRunSettings *st)
{
  return g_strdup_printf ("%s\n%s\n%u\n%u\n%" G_GUINT64_FORMAT,
                          lw_dataset_kind_to_string (st->dataset),
                          st->data_dir != NULL ? st->data_dir : "", st->limit_train,
                          st->model.batch_size, lw_run_settings_data_seed (st));
}
