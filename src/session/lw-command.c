/* lw-command.c: commands and their queue. */
#include "config.h"

#include "lw-command.h"

#include <glib/gi18n-lib.h>

#include <time.h>

LwCommand *
lw_command_new (LwCommandKind kind)
{
  LwCommand *cmd = g_new0 (LwCommand, 1);

  cmd->kind = kind;
  return cmd;
}

LwCommand *
lw_command_new_urgent (LwCommandKind kind)
{
  LwCommand *cmd = lw_command_new (kind);

  cmd->urgent = TRUE;
  cmd->drops = kind == LW_CMD_RESET || kind == LW_CMD_OPEN_RUN || kind == LW_CMD_QUIT;
  return cmd;
}

void
lw_command_free (LwCommand *cmd)
{
  if (cmd == NULL)
    return;
  if (cmd->settings != NULL)
    {
      lw_run_settings_clear (cmd->settings);
      g_free (cmd->settings);
    }
  if (cmd->fork != NULL)
    {
      /* Nothing if the worker gave it its image. */
      lw_fork_handoff_fail (cmd->fork, _("the run forked from was closed"));
      lw_fork_handoff_unref (cmd->fork);
    }
  g_free (cmd->path);
  g_free (cmd);
}

void
lw_command_queue_init (LwCommandQueue *q)
{
  pthread_condattr_t attr;

  pthread_mutex_init (&q->lock, NULL);
  /* Timeouts are measured on the monotonic clock, immune to clock changes. */
  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (&q->arrived, &attr);
  pthread_cond_init (&q->applied_cond, &attr);
  pthread_condattr_destroy (&attr);
  g_queue_init (&q->items);
  q->woken = FALSE;
  atomic_init (&q->sent, 0);
  atomic_init (&q->applied, 0);
  atomic_init (&q->urgent, 0);
  atomic_init (&q->dropping, 0);
}

void
lw_command_queue_clear (LwCommandQueue *q)
{
  g_queue_clear_full (&q->items, (GDestroyNotify) lw_command_free);
  pthread_cond_destroy (&q->arrived);
  pthread_cond_destroy (&q->applied_cond);
  pthread_mutex_destroy (&q->lock);
}

void
lw_command_queue_push (LwCommandQueue *q, LwCommand *cmd)
{
  pthread_mutex_lock (&q->lock);
  /* Counted in the same breath as queued, so a sync right after never
   * misses it. */
  atomic_fetch_add (&q->sent, 1);
  if (cmd->urgent)
    atomic_fetch_add (&q->urgent, 1);
  if (cmd->drops)
    atomic_fetch_add (&q->dropping, 1);
  g_queue_push_tail (&q->items, cmd);
  pthread_cond_signal (&q->arrived);
  pthread_mutex_unlock (&q->lock);
}

LwCommand *
lw_command_queue_pop (LwCommandQueue *q, gboolean wait)
{
  LwCommand *cmd;

  pthread_mutex_lock (&q->lock);
  while (wait && g_queue_is_empty (&q->items) && !q->woken)
    pthread_cond_wait (&q->arrived, &q->lock);
  q->woken = FALSE;
  cmd = g_queue_pop_head (&q->items);
  if (cmd != NULL && cmd->urgent)
    atomic_fetch_sub (&q->urgent, 1);
  if (cmd != NULL && cmd->drops)
    atomic_fetch_sub (&q->dropping, 1);
  pthread_mutex_unlock (&q->lock);
  return cmd;
}

void
lw_command_queue_wake (LwCommandQueue *q)
{
  pthread_mutex_lock (&q->lock);
  q->woken = TRUE;
  pthread_cond_signal (&q->arrived);
  pthread_mutex_unlock (&q->lock);
}

void
lw_command_queue_done (LwCommandQueue *q, guint n)
{
  if (n == 0)
    return;
  pthread_mutex_lock (&q->lock);
  atomic_fetch_add (&q->applied, n);
  pthread_cond_broadcast (&q->applied_cond);
  pthread_mutex_unlock (&q->lock);
}

guint64
lw_command_queue_sent (LwCommandQueue *q)
{
  return atomic_load (&q->sent);
}

guint64
lw_command_queue_applied (LwCommandQueue *q)
{
  return atomic_load (&q->applied);
}

gboolean
lw_command_queue_wait (LwCommandQueue *q, guint64 target, guint timeout_ms)
{
  struct timespec deadline;
  gboolean ok = TRUE;

  clock_gettime (CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L)
    {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }

  pthread_mutex_lock (&q->lock);
  while (atomic_load (&q->applied) < target)
    if (pthread_cond_timedwait (&q->applied_cond, &q->lock, &deadline) != 0)
      {
        ok = atomic_load (&q->applied) >= target;
        break;
      }
  pthread_mutex_unlock (&q->lock);
  return ok;
}
