/* lw-status-bar.c */
#include "config.h"

#include "lw-status-bar.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

struct _LwStatusBar
{
  GtkBox parent_instance;

  GtkLabel *state_label;
  GtkLabel *epoch_label;
  GtkLabel *step_label;
  GtkLabel *speed_label;
  GtkLabel *elapsed_label;
  GtkLabel *loss_label;
  GtkLabel *lr_label;
};

G_DEFINE_FINAL_TYPE (LwStatusBar, lw_status_bar, GTK_TYPE_BOX)

char *
lw_format_rate (double rate)
{
  int exponent;
  double mantissa;

  if (!(rate > 0.0) || !isfinite (rate))
    return g_strdup_printf ("%g", rate);
  exponent = (int) floor (log10 (rate));
  mantissa = rate / pow (10.0, exponent);
  if (fabs (mantissa - round (mantissa)) < 0.005)
    return g_strdup_printf ("%.0fe%d", round (mantissa), exponent);
  return g_strdup_printf ("%.2ge%d", mantissa, exponent);
}

static const char *
state_text (LwRunState state)
{
  switch (state)
    {
    case LW_RUN_LOADING:  return _("Loading…");
    case LW_RUN_PAUSED:   return _("Paused");
    case LW_RUN_RUNNING:  return _("Training");
    case LW_RUN_FINISHED: return _("Finished");
    case LW_RUN_FAILED:   return _("Failed");
    }
  g_return_val_if_reached (NULL);
}

/* Sets a label only when its text changes, so that an unchanged line
 * costs no relayout. */
static void
set_text (GtkLabel *label, const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (label), text) != 0)
    gtk_label_set_text (label, text);
}

static void
set_printf (GtkLabel *label, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_printf (GtkLabel *label, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  set_text (label, text);
}

static char *
group_thousands (guint64 v)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
  /* Translators: what separates thousands in a step count, as in 1,647. */
  const char *separator = C_("thousands separator", ",");
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (out, separator);
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/* Which blocks each pipeline stage trains, e.g. "Pipeline: blocks 1–2 |
 * block 3 + output"; the schedule otherwise. */
static void
update_schedule_tooltip (LwStatusBar *self, const LwSnapshot *snap)
{
  g_autoptr (GString) stages = g_string_new (NULL);
  g_autofree char *tip = NULL;

  for (guint s = 0, first = 0; s < snap->n_stages; first = snap->stage_end[s], s++)
    {
      if (s > 0)
        g_string_append (stages, " | ");
      if (snap->stage_end[s] == first + 1)
        g_string_append_printf (stages, _("block %u"), first + 1);
      else
        g_string_append_printf (stages, _("blocks %u–%u"), first + 1, snap->stage_end[s]);
    }
  if (snap->n_stages == 0)
    tip = g_strdup (_("Blocks train one after another"));
  else
    /* Translators: %s lists the stages, e.g. "blocks 1–2 | block 3"; %u
     * is the threads that take whichever stage is ready. */
    tip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "Pipeline stages: %s + output layer, on %u thread",
                                        "Pipeline stages: %s + output layer, on %u threads",
                                        snap->n_stage_threads),
                           stages->str, snap->n_stage_threads);
  if (snap->schedule_probing)
    {
      g_autofree char *both = g_strdup_printf ("%s\n%s", tip,
                                               _("Automatic schedule: timing sequential and "
                                                 "pipelined steps to keep the faster"));
      g_free (tip);
      tip = g_steal_pointer (&both);
    }
  else if (snap->schedule_ratio > 0.0)
    {
      char ratio[16];
      g_autofree char *why = NULL, *both = NULL;

      g_snprintf (ratio, sizeof ratio, "%.2f", snap->schedule_ratio);
      /* Translators: %s is a ratio such as 1.12. */
      why = g_strdup_printf (_("Automatic schedule: the pipeline ran at %s× the sequential speed"),
                             ratio);
      both = g_strdup_printf ("%s\n%s", tip, why);
      g_free (tip);
      tip = g_steal_pointer (&both);
    }
  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (self->speed_label)), tip) != 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->speed_label), tip);
}

/* Whether every block trains at the same rate: then it is said once. */
static gboolean
rates_uniform (const LwSnapshot *snap)
{
  for (guint b = 0; b < snap->n_blocks; b++)
    if (snap->block_frozen[b] || snap->block_lr_mult[b] != snap->block_lr_mult[0])
      return FALSE;
  return TRUE;
}

static void
append_rates (GString *lrs, const LwSnapshot *snap)
{
  if (snap->n_blocks > 1 && rates_uniform (snap))
    {
      g_autofree char *rate = lw_format_rate ((double) snap->lr * snap->block_lr_mult[0]);

      /* Translators: the one learning rate of all the blocks. */
      g_string_append_printf (lrs, _("Learning rate %s, every block"), rate);
      return;
    }
  g_string_append (lrs, _("Learning rate"));
  for (guint b = 0; b < snap->n_blocks; b++)
    {
      g_autofree char *rate = lw_format_rate ((double) snap->lr * snap->block_lr_mult[b]);

      g_string_append (lrs, "  ·  ");
      /* Translators: a block's learning rate; b is short for block. */
      g_string_append_printf (lrs, _("b%u %s"), b + 1,
                              snap->block_frozen[b] ? _("frozen") : rate);
    }
}

/* The reference's switches this run has on, one line each, for the
 * tooltip (the paper's defaults say nothing). */
static void
append_switches (GString *tip, const LwSnapshot *snap)
{
  if (snap->no_detach && snap->loss != LW_LOSS_BP)
    g_string_append_printf (tip, "\n%s", _("Local errors also reach lower blocks (no-detach)"));
  if (snap->no_batch_norm)
    g_string_append_printf (tip, "\n%s", _("No batch normalization (no-batch-norm)"));
  if (snap->no_similarity_std)
    g_string_append_printf (tip, "\n%s",
                            _("Conv similarity from the whole feature map (no-similarity-std)"));
}

/* The loss and dataset; for the bpf losses, whose label code the blocks
 * have: each its own, or one for all in a run saved before format 3; and
 * the reference's switches that are on. */
static void
update_loss (LwStatusBar *self, const LwSnapshot *snap)
{
  const char *dataset = snap->dataset_name != NULL ? snap->dataset_name : "…";
  g_autofree char *loss = NULL;
  const char *tip = _("Loss type and dataset");
  g_autoptr (GString) full_tip = NULL;

  if (snap->no_detach && snap->loss != LW_LOSS_BP)
    /* Translators: a loss type whose local errors also reach the blocks
     * below (the reference's --no-detach), e.g. "predsim, no detach". */
    loss = g_strdup_printf (_("%s, no detach"), lw_loss_type_to_string (snap->loss));
  else
    loss = g_strdup (lw_loss_type_to_string (snap->loss));

  if (lw_loss_type_is_bpf (snap->loss) && snap->shared_target_proj)
    {
      /* Translators: a bpf loss, then the dataset. */
      set_printf (self->loss_label, _("%s (one code) on %s"), loss, dataset);
      tip = _("Loss type and dataset. The blocks of this run share one random label code: it "
              "was saved by a Layerwise from before 2026-12, and goes on as it was trained. A "
              "new run gives each block its own code");
    }
  else
    {
      set_printf (self->loss_label, _("%s on %s"), loss, dataset);
      if (lw_loss_type_is_bpf (snap->loss))
        tip = _("Loss type and dataset. Each block has its own random label code");
    }
  full_tip = g_string_new (tip);
  append_switches (full_tip, snap);
  /* Set only when it changes, so that an open tooltip stays put. */
  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (self->loss_label)), full_tip->str) != 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->loss_label), full_tip->str);
}

void
lw_status_bar_update (LwStatusBar *self, const LwSnapshot *snap)
{
  g_autofree char *step = NULL;
  g_autoptr (GString) lrs = g_string_new (NULL);
  guint secs;

  g_return_if_fail (LW_IS_STATUS_BAR (self) && snap != NULL);

  if (snap->state == LW_RUN_FAILED && snap->error != NULL)
    {
      /* The reason is what matters then: it takes the line. */
      set_printf (self->state_label, _("Could not start: %s"), snap->error);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), snap->error);
    }
  else if (snap->pausing)
    {
      /* Acknowledged at once; training stops at the next block boundary. */
      set_text (self->state_label, _("Pausing…"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), NULL);
    }
  else if (snap->state == LW_RUN_PAUSED && snap->stopped_batches > 0)
    {
      g_autofree char *text = snap->stopped_batches == 1
        ? g_strdup_printf (_("Paused in the middle of a batch, after block %u of %u"),
                           snap->stopped_after, snap->n_blocks)
        /* Translators: a pipeline holds several batches at once; the oldest's progress. */
        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "Paused in the middle of %u batch, the oldest after block %u of %u",
                                        "Paused in the middle of %u batches, the oldest after block %u of %u",
                                        snap->stopped_batches),
                           snap->stopped_batches, snap->stopped_after, snap->n_blocks);
      g_autofree char *tip = g_strdup_printf ("%s\n%s", text,
                                              _("Play or Step trains the rest; Reset drops it"));

      /* The line may be cut short: the tooltip says it all. */
      set_text (self->state_label, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), tip);
    }
  else
    {
      set_text (self->state_label, state_text (snap->state));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), NULL);
    }

  if (snap->max_epochs > 0)
    /* Translators: the epoch under way, and the last one the run trains. */
    set_printf (self->epoch_label, _("Epoch %u of %u"), MAX (snap->epoch, 1), snap->max_epochs);
  else
    set_printf (self->epoch_label, _("Epoch %u"), MAX (snap->epoch, 1));
  step = group_thousands (snap->step);
  set_printf (self->step_label, _("Step %s"), step);
  if (snap->state == LW_RUN_RUNNING && snap->samples_per_s > 0 && snap->n_stages > 0)
    set_printf (self->speed_label,
                g_dngettext (GETTEXT_PACKAGE, "%.0f samples/s on %u pipeline stage",
                             "%.0f samples/s on %u pipeline stages", snap->n_stages),
                snap->samples_per_s, snap->n_stages);
  else if (snap->state == LW_RUN_RUNNING && snap->samples_per_s > 0)
    set_printf (self->speed_label, _("%.0f samples/s"), snap->samples_per_s);
  else
    set_text (self->speed_label, _("– samples/s"));
  update_schedule_tooltip (self, snap);
  secs = (guint) snap->elapsed_s;
  set_printf (self->elapsed_label, _("%u:%02u:%02u elapsed"), secs / 3600, secs / 60 % 60, secs % 60);
  update_loss (self, snap);

  append_rates (lrs, snap);
  set_text (self->lr_label, lrs->str);
}

static void
lw_status_bar_class_init (LwStatusBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerwise/Layerwise/lw-status-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, state_label);
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, step_label);
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, speed_label);
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, loss_label);
  gtk_widget_class_bind_template_child (widget_class, LwStatusBar, lr_label);
}

static void
lw_status_bar_init (LwStatusBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
