/* lw-lr-schedule.h: the learning-rate schedule of the paper (step decay):
 * the rate is multiplied by a factor after each milestone epoch. One
 * definition for layerwise-cli (--lr-decay-milestones, --lr-decay-fact)
 * and the window (its live schedule), with the one parser and the one
 * set of messages both show.
 *
 * Milestone m means "after epoch m": the rate of epoch e (1-based) is
 * lr × factor^(number of milestones m <= e − 1), as the reference's
 * MultiStepLR stepped once per epoch. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LW_LR_SCHEDULE_MAX_MILESTONES 64
/* The last epoch a milestone may name (the CLI's --epochs limit). */
#define LW_LR_SCHEDULE_MAX_EPOCH 1000000
#define LW_LR_SCHEDULE_DEFAULT_FACTOR 0.25

typedef struct {
  guint milestones[LW_LR_SCHEDULE_MAX_MILESTONES];  /* strictly increasing epochs */
  guint n_milestones;
  double factor;              /* 0 < factor <= 1 */
} LwLrSchedule;

/* No milestones, the paper's factor 0.25. */
void     lw_lr_schedule_init   (LwLrSchedule *schedule);
gboolean lw_lr_schedule_equal  (const LwLrSchedule *a, const LwLrSchedule *b);

/* "50,75,89,94" (spaces allowed), or "none" or "" for no milestones, into
 * schedule's milestones (its factor stays). NULL on success; else the one
 * message the CLI and the window show, translated, for g_free (the CLI
 * puts the flag in front): "milestones must increase: 50 after 75". On
 * failure schedule is unchanged. */
char    *lw_lr_schedule_parse_milestones (LwLrSchedule *schedule, const char *text);
/* NULL when factor is allowed; else the message, translated, for g_free. */
char    *lw_lr_schedule_check_factor     (double factor);
/* NULL when the whole schedule is one the parser could give (milestones
 * increasing within range, the factor allowed); else the message. */
char    *lw_lr_schedule_check            (const LwLrSchedule *schedule);
/* "50,75,89,94", or "none"; parses back to the same milestones. */
char    *lw_lr_schedule_milestones_text  (const LwLrSchedule *schedule);
/* "50, 75, 89, 94" for the window (no "none": check n_milestones). */
char    *lw_lr_schedule_milestones_list  (const LwLrSchedule *schedule);

/* The rate of epoch (1-based) of a run that began at lr. */
double   lw_lr_schedule_lr_at_epoch (const LwLrSchedule *schedule, double lr, guint epoch);
/* How many times the rate is multiplied as epoch (1-based) begins: the
 * milestones equal to epoch − 1 (0 or 1). */
guint    lw_lr_schedule_steps_at    (const LwLrSchedule *schedule, guint epoch);
/* The next milestone while epoch is under way (the first m >= epoch), or
 * 0 when none is left. */
guint    lw_lr_schedule_next        (const LwLrSchedule *schedule, guint epoch);

G_END_DECLS
