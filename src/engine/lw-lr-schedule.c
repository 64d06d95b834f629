/* lw-lr-schedule.c: step decay at milestone epochs, its parser and its
 * messages (lw-lr-schedule.h). */
#include "config.h"

#include "lw-lr-schedule.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <math.h>
#include <string.h>

void
lw_lr_schedule_init (LwLrSchedule *s)
{
  g_return_if_fail (s != NULL);
  memset (s, 0, sizeof *s);
  s->factor = LW_LR_SCHEDULE_DEFAULT_FACTOR;
}

gboolean
lw_lr_schedule_equal (const LwLrSchedule *a, const LwLrSchedule *b)
{
  return a->n_milestones == b->n_milestones && a->factor == b->factor
         && memcmp (a->milestones, b->milestones, a->n_milestones * sizeof a->milestones[0]) == 0;
}

/* One entry: a whole number of 1 .. LW_LR_SCHEDULE_MAX_EPOCH. */
static char *
parse_epoch (const char *item, guint *out)
{
  guint64 v;
  char *end = NULL;

  if (item[0] == '\0')
    return NULL;
  if (!g_ascii_isdigit (item[0]))
    return g_strdup_printf (_("'%s' is not an epoch; expected whole numbers such as 50,75,89,94"),
                            item);
  errno = 0;
  v = g_ascii_strtoull (item, &end, 10);
  if (*end != '\0')
    return g_strdup_printf (_("'%s' is not an epoch; expected whole numbers such as 50,75,89,94"),
                            item);
  if (errno == ERANGE || v < 1 || v > LW_LR_SCHEDULE_MAX_EPOCH)
    return g_strdup_printf (_("milestone %s is out of range; expected 1 to %u"), item,
                            (guint) LW_LR_SCHEDULE_MAX_EPOCH);
  *out = (guint) v;
  return NULL;
}

char *
lw_lr_schedule_parse_milestones (LwLrSchedule *s, const char *text)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *all = NULL;
  guint got[LW_LR_SCHEDULE_MAX_MILESTONES];
  guint n = 0;

  g_return_val_if_fail (s != NULL && text != NULL, NULL);
  all = g_strstrip (g_strdup (text));
  if (all[0] == '\0' || g_ascii_strcasecmp (all, "none") == 0)
    {
      s->n_milestones = 0;
      return NULL;
    }
  parts = g_strsplit (all, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (parts[i]));
      char *why;
      guint epoch = 0;

      if (item[0] == '\0')
        return g_strdup_printf (_("empty entry in '%s'; expected epochs such as 50,75,89,94"),
                                all);
      if ((why = parse_epoch (item, &epoch)) != NULL)
        return why;
      if (n == LW_LR_SCHEDULE_MAX_MILESTONES)
        return g_strdup_printf (_("more than %u milestones in '%s'"),
                                (guint) LW_LR_SCHEDULE_MAX_MILESTONES, all);
      if (n > 0 && epoch <= got[n - 1])
        return g_strdup_printf (_("milestones must increase: %u after %u"), epoch, got[n - 1]);
      got[n++] = epoch;
    }
  memcpy (s->milestones, got, n * sizeof got[0]);
  s->n_milestones = n;
  return NULL;
}

char *
lw_lr_schedule_check_factor (double factor)
{
  if (isfinite (factor) && factor > 0.0 && factor <= 1.0)
    return NULL;
  /* The shape of the live controls' messages (lw-live-controls.c). */
  return g_strdup_printf (_("%s %g is out of range: it must be above %g and at most %g"),
                          _("learning-rate decay factor"), factor, 0.0, 1.0);
}

char *
lw_lr_schedule_check (const LwLrSchedule *s)
{
  g_return_val_if_fail (s != NULL, NULL);
  if (s->n_milestones > LW_LR_SCHEDULE_MAX_MILESTONES)
    return g_strdup_printf (_("more than %u milestones in '%s'"),
                            (guint) LW_LR_SCHEDULE_MAX_MILESTONES, "…");
  for (guint i = 0; i < s->n_milestones; i++)
    {
      if (s->milestones[i] < 1 || s->milestones[i] > LW_LR_SCHEDULE_MAX_EPOCH)
        {
          char num[16];

          g_snprintf (num, sizeof num, "%u", s->milestones[i]);
          return g_strdup_printf (_("milestone %s is out of range; expected 1 to %u"), num,
                                  (guint) LW_LR_SCHEDULE_MAX_EPOCH);
        }
      if (i > 0 && s->milestones[i] <= s->milestones[i - 1])
        return g_strdup_printf (_("milestones must increase: %u after %u"), s->milestones[i],
                                s->milestones[i - 1]);
    }
  return lw_lr_schedule_check_factor (s->factor);
}

static char *
join (const LwLrSchedule *s, const char *sep)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < s->n_milestones; i++)
    g_string_append_printf (out, "%s%u", i > 0 ? sep : "", s->milestones[i]);
  return g_string_free (out, FALSE);
}

char *
lw_lr_schedule_milestones_text (const LwLrSchedule *s)
{
  return s->n_milestones == 0 ? g_strdup ("none") : join (s, ",");
}

char *
lw_lr_schedule_milestones_list (const LwLrSchedule *s)
{
  return join (s, ", ");
}

double
lw_lr_schedule_lr_at_epoch (const LwLrSchedule *s, double lr, guint epoch)
{
  for (guint i = 0; i < s->n_milestones; i++)
    if (s->milestones[i] + 1 <= epoch)
      lr *= s->factor;
  return lr;
}

guint
lw_lr_schedule_steps_at (const LwLrSchedule *s, guint epoch)
{
  guint n = 0;

  for (guint i = 0; i < s->n_milestones; i++)
    n += s->milestones[i] + 1 == epoch;
  return n;
}

guint
lw_lr_schedule_next (const LwLrSchedule *s, guint epoch)
{
  for (guint i = 0; i < s->n_milestones; i++)
    if (s->milestones[i] >= epoch)
      return s->milestones[i];
  return 0;
}
