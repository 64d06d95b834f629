/* lw-lanes.c: the lane set of lw-lanes.h. */
#include "config.h"

#include "lw-lanes.h"

#include <glib/gi18n-lib.h>

#include <string.h>

typedef struct {
  LwSession *session;
  char *name;
  guint colour;
  guint id;
} Lane;

struct _LwLanes {
  LwLockstep *gate;
  Lane lanes[LW_LANES_MAX];
  guint n;
  guint next_id;
  void (*notify) (gpointer user_data);
  gpointer user_data;
};

static gboolean
lanes_invalid (GError **error, const char *message)
{
  g_set_error_literal (error, LW_SESSION_ERROR, LW_SESSION_ERROR_INVALID, message);
  return FALSE;
}

/* The lowest colour no lane has: a lane keeps its colour while others
 * come and go. */
static guint
free_colour (const LwLanes *l)
{
  for (guint c = 0; c < LW_LANES_MAX; c++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < l->n; i++)
        used = used || l->lanes[i].colour == c;
      if (!used)
        return c;
    }
  g_return_val_if_reached (0);
}

/* The next lane's slot, named and coloured, its session not made yet;
 * NULL with error set when the window is full. */
static Lane *
reserve_lane (LwLanes *l, const char *name, GError **error)
{
  Lane *lane;

  if (l->n == LW_LANES_MAX)
    {
      lanes_invalid (error, _("A window holds at most four lanes: remove one to add another"));
      return NULL;
    }
  lane = &l->lanes[l->n];
  lane->colour = free_colour (l);
  lane->id = l->next_id++;
  lane->name = name != NULL ? g_strstrip (g_strdup (name)) : NULL;
  if (lane->name == NULL || lane->name[0] == '\0')
    {
      g_free (lane->name);
      /* Translators: the name a new lane (one of up to four runs side by side) gets. */
      lane->name = g_strdup_printf (_("Lane %u"), lane->colour + 1);
    }
  return lane;
}

static int
add_lane (LwLanes *l, const LwRunSettings *settings, const char *name, GError **error)
{
  Lane *lane = reserve_lane (l, name, error);

  if (lane == NULL)
    return -1;
  lane->session = lw_session_new_in_lockstep (settings, l->gate, lane->id, l->notify,
                                              l->user_data);
  return (int) l->n++;
}

LwLanes *
lw_lanes_new (const LwRunSettings *settings, const char *name,
              void (*notify) (gpointer user_data), gpointer user_data)
{
  LwLanes *l;

  g_return_val_if_fail (settings != NULL, NULL);
  l = g_new0 (LwLanes, 1);
  l->gate = lw_lockstep_new (settings->threads > 0 ? settings->threads
                                                   : (int) g_get_num_processors ());
  l->notify = notify;
  l->user_data = user_data;
  add_lane (l, settings, name, NULL);
  return l;
}

static void
drop_lane (Lane *lane)
{
  g_clear_pointer (&lane->session, lw_session_free);
  g_clear_pointer (&lane->name, g_free);
}

void
lw_lanes_free (LwLanes *l)
{
  if (l == NULL)
    return;
  for (guint i = 0; i < l->n; i++)
    drop_lane (&l->lanes[i]);
  lw_lockstep_free (l->gate);
  g_free (l);
}

guint
lw_lanes_get_n (LwLanes *l)
{
  g_return_val_if_fail (l != NULL, 0);
  return l->n;
}

LwSession *
lw_lanes_get_session (LwLanes *l, guint index)
{
  g_return_val_if_fail (l != NULL && index < l->n, NULL);
  return l->lanes[index].session;
}

LwLockstep *
lw_lanes_get_lockstep (LwLanes *l)
{
  g_return_val_if_fail (l != NULL, NULL);
  return l->gate;
}

int
lw_lanes_add (LwLanes *l, const LwRunSettings *settings, const char *name, GError **error)
{
  g_return_val_if_fail (l != NULL && settings != NULL, -1);
  return add_lane (l, settings, name, error);
}

int
lw_lanes_duplicate (LwLanes *l, guint index, GError **error)
{
  LwRunSettings settings;
  g_autofree char *name = NULL;
  int added;

  g_return_val_if_fail (l != NULL && index < l->n, -1);
  lw_session_get_settings (l->lanes[index].session, &settings);
  /* Translators: the name of a lane made by Duplicate Lane from the lane named %s. */
  name = g_strdup_printf (_("%s (copy)"), l->lanes[index].name);
  added = add_lane (l, &settings, name, error);
  lw_run_settings_clear (&settings);
  return added;
}

int
lw_lanes_fork (LwLanes *l, guint index, GError **error)
{
  g_autofree char *name = NULL;
  Lane *lane;

  g_return_val_if_fail (l != NULL && index < l->n, -1);
  /* Translators: the name of a lane made by Fork Here from the lane named %s. */
  name = g_strdup_printf (_("%s (fork)"), l->lanes[index].name);
  lane = reserve_lane (l, name, error);
  if (lane == NULL)
    return -1;
  lane->session = lw_session_new_fork_in_lockstep (l->lanes[index].session, l->gate, lane->id,
                                                   l->notify, l->user_data, error);
  if (lane->session == NULL)
    {
      g_clear_pointer (&lane->name, g_free);
      return -1;
    }
  return (int) l->n++;
}

gboolean
lw_lanes_remove (LwLanes *l, guint index, GError **error)
{
  Lane gone;

  g_return_val_if_fail (l != NULL && index < l->n, FALSE);
  if (l->n == 1)
    return lanes_invalid (error, _("The last lane cannot be removed: a window holds at least one"));
  gone = l->lanes[index];
  memmove (&l->lanes[index], &l->lanes[index + 1], sizeof l->lanes[0] * (l->n - index - 1));
  l->n--;
  /* Waits for its step, if it is taking one; the gate then lets the
   * others on without it. */
  drop_lane (&gone);
  return TRUE;
}

const char *
lw_lanes_get_name (LwLanes *l, guint index)
{
  g_return_val_if_fail (l != NULL && index < l->n, NULL);
  return l->lanes[index].name;
}

gboolean
lw_lanes_set_name (LwLanes *l, guint index, const char *name, GError **error)
{
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (l != NULL && index < l->n && name != NULL, FALSE);
  stripped = g_strstrip (g_strdup (name));
  if (stripped[0] == '\0')
    return lanes_invalid (error, _("A lane needs a name"));
  g_free (l->lanes[index].name);
  l->lanes[index].name = g_steal_pointer (&stripped);
  return TRUE;
}

guint
lw_lanes_get_colour (LwLanes *l, guint index)
{
  g_return_val_if_fail (l != NULL && index < l->n, 0);
  return l->lanes[index].colour;
}

guint
lw_lanes_get_id (LwLanes *l, guint index)
{
  g_return_val_if_fail (l != NULL && index < l->n, 0);
  return l->lanes[index].id;
}

int
lw_lanes_find_id (LwLanes *l, guint id)
{
  g_return_val_if_fail (l != NULL, -1);
  for (guint i = 0; i < l->n; i++)
    if (l->lanes[i].id == id)
      return (int) i;
  return -1;
}

void
lw_lanes_set_threads (LwLanes *l, int threads)
{
  g_return_if_fail (l != NULL);
  lw_lockstep_set_threads (l->gate, threads > 0 ? threads : (int) g_get_num_processors ());
}

void
lw_lanes_play_all (LwLanes *l)
{
  g_return_if_fail (l != NULL);
  lw_lockstep_expect_play (l->gate);
  for (guint i = 0; i < l->n; i++)
    lw_session_play (l->lanes[i].session);
}

void
lw_lanes_pause_all (LwLanes *l)
{
  g_return_if_fail (l != NULL);
  /* Nobody starts another batch while the pauses reach them one by one. */
  lw_lockstep_hold (l->gate);
  for (guint i = 0; i < l->n; i++)
    lw_session_pause (l->lanes[i].session);
}
