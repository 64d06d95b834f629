/* lw-fork.c: the hand-over of a run image from one session to its fork. */
#include "config.h"

#include "lw-fork.h"

#include <glib/gi18n-lib.h>

#include <pthread.h>
#include <stdatomic.h>

typedef enum { WAITING, GIVEN, FAILED, CANCELLED, TAKEN } HandoffState;

/* pthreads, which ThreadSanitizer sees (lw-command.h). */
struct _LwForkHandoff {
  _Atomic gint ref_count;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  HandoffState state;
  LwRunFile *image;
  LwRunSettings settings;
  guint probe_image;
  char *message;
};

LwForkHandoff *
lw_fork_handoff_new (void)
{
  LwForkHandoff *h = g_new0 (LwForkHandoff, 1);

  atomic_init (&h->ref_count, 1);
  pthread_mutex_init (&h->lock, NULL);
  pthread_cond_init (&h->changed, NULL);
  lw_run_settings_init (&h->settings);
  return h;
}

LwForkHandoff *
lw_fork_handoff_ref (LwForkHandoff *h)
{
  atomic_fetch_add (&h->ref_count, 1);
  return h;
}

void
lw_fork_handoff_unref (LwForkHandoff *h)
{
  if (h == NULL || atomic_fetch_sub (&h->ref_count, 1) != 1)
    return;
  lw_run_file_free (h->image);
  lw_run_settings_clear (&h->settings);
  g_free (h->message);
  pthread_cond_destroy (&h->changed);
  pthread_mutex_destroy (&h->lock);
  g_free (h);
}

void
lw_fork_handoff_give (LwForkHandoff *h, LwRunFile *image, const LwRunSettings *settings,
                      guint probe_image)
{
  pthread_mutex_lock (&h->lock);
  if (h->state == WAITING)
    {
      h->image = image;
      image = NULL;
      lw_run_settings_clear (&h->settings);
      lw_run_settings_copy (&h->settings, settings);
      h->probe_image = probe_image;
      h->state = GIVEN;
      pthread_cond_broadcast (&h->changed);
    }
  pthread_mutex_unlock (&h->lock);
  /* Nobody wants it any more. */
  lw_run_file_free (image);
}

static void
finish (LwForkHandoff *h, HandoffState state, const char *message)
{
  pthread_mutex_lock (&h->lock);
  if (h->state == WAITING)
    {
      h->message = g_strdup (message);
      h->state = state;
      pthread_cond_broadcast (&h->changed);
    }
  pthread_mutex_unlock (&h->lock);
}

void
lw_fork_handoff_fail (LwForkHandoff *h, const char *message)
{
  finish (h, FAILED, message);
}

void
lw_fork_handoff_cancel (LwForkHandoff *h)
{
  finish (h, CANCELLED, _("the fork was closed"));
}

LwRunFile *
lw_fork_handoff_take (LwForkHandoff *h, LwRunSettings *settings, guint *probe_image,
                      char **message)
{
  LwRunFile *image = NULL;

  pthread_mutex_lock (&h->lock);
  while (h->state == WAITING)
    pthread_cond_wait (&h->changed, &h->lock);
  g_assert (h->state != TAKEN);
  if (h->state == GIVEN)
    {
      image = g_steal_pointer (&h->image);
      lw_run_settings_copy (settings, &h->settings);
      *probe_image = h->probe_image;
      h->state = TAKEN;
    }
  else
    *message = g_strdup (h->message);
  pthread_mutex_unlock (&h->lock);
  return image;
}
