/* lw-window-timings.c: how fast the window draws, for --benchmark-seconds
 * and LAYERWISE_DEBUG_TIMINGS=1: the longest chart draw, the longest frame
 * and the frames painted, the training rate and the UI thread's share of a
 * core, measured from the first published step on. */
#define _GNU_SOURCE           /* RUSAGE_THREAD */
#include "config.h"

#include "lw-window-private.h"

#include <stdio.h>
#include <sys/resource.h>

#define DEBUG_LOG_INTERVAL (5 * G_TIME_SPAN_SECOND)

static gint64
max_chart_draw_us (LwWindow *self)
{
  gint64 max = 0;

  for (guint i = 0; i < LW_WINDOW_N_VIEWS; i++)
    max = MAX (max, lw_chart_view_get_max_draw_us (self->views[i]));
  return max;
}

/* CPU seconds of the calling thread, or of the process where threads are
 * not told apart. */
static double
thread_cpu_seconds (void)
{
  struct rusage ru;

#ifdef RUSAGE_THREAD
  if (getrusage (RUSAGE_THREAD, &ru) != 0)
    return 0.0;
#else
  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0.0;
#endif
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
report_timings (LwWindow *self, const LwSnapshot *snap, const char *what)
{
  LwWindowTimings *t = &self->timings;
  double seconds = snap->elapsed_s - t->elapsed0;
  double rate = seconds > 0 ? (snap->samples_seen - t->samples0) / seconds : 0.0;
  double wall = (g_get_monotonic_time () - t->wall0) / (double) G_TIME_SPAN_SECOND;
  double ui_cpu = wall > 0 ? (thread_cpu_seconds () - t->cpu0) / wall : 0.0;

  fprintf (stderr,
           "layerwise: %s: %.1f s of training, %.0f samples/s (worker's recent rate %.0f), "
           "max chart draw %.2f ms, max frame %.2f ms over %u frames, "
           "UI thread %.0f%% of a core, output train acc %.1f%%, page %s\n",
           what, seconds, rate, snap->samples_per_s,
           max_chart_draw_us (self) / 1000.0, t->max_frame_us / 1000.0, t->n_frames,
           100.0 * ui_cpu, 100.0 * snap->last_train_acc[snap->n_blocks],
           gtk_stack_get_visible_child_name (self->stack));
  fprintf (stderr, "layerwise:   schedule %s: %s", lw_schedule_to_string (snap->schedule),
           snap->n_stages > 0 ? "pipeline" : "sequential");
  if (snap->n_stages > 0)
    fprintf (stderr, " of %u stages", snap->n_stages);
  if (snap->schedule_probing)
    fprintf (stderr, " (still timing both)");
  else if (snap->schedule_ratio > 0.0)
    fprintf (stderr, " (the pipeline timed at %.2fx sequential)", snap->schedule_ratio);
  fprintf (stderr, "\n");
  for (guint i = 0; i < LW_WINDOW_N_VIEWS; i++)
    if (lw_chart_view_get_n_draws (self->views[i]) > 0)
      fprintf (stderr, "layerwise:   %-22s %4u draws, max %.2f ms\n", lw_window_get_view_name (i),
               lw_chart_view_get_n_draws (self->views[i]),
               lw_chart_view_get_max_draw_us (self->views[i]) / 1000.0);
}

void
lw_window_track_timings (LwWindow *self, const LwSnapshot *snap)
{
  LwWindowTimings *t = &self->timings;
  gint64 now;

  if (t->benchmark_seconds <= 0 && !t->debug)
    return;

  if (snap->state == LW_RUN_FAILED && t->benchmark_seconds > 0)
    {
      fprintf (stderr, "layerwise: benchmark: the run failed: %s\n", snap->error);
      g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
      return;
    }
  if (!t->started)
    {
      if (snap->state != LW_RUN_RUNNING || snap->step == 0)
        return;
      /* Measured from the first published step on, like the CLI's loop. */
      t->started = TRUE;
      t->elapsed0 = snap->elapsed_s;
      t->samples0 = snap->samples_seen;
      t->last_log = g_get_monotonic_time ();
      t->wall0 = t->last_log;
      t->cpu0 = thread_cpu_seconds ();
      /* The first frames load fonts and shaders: not what a user sees later. */
      t->max_frame_us = 0;
      t->n_frames = 0;
      for (guint i = 0; i < LW_WINDOW_N_VIEWS; i++)
        lw_chart_view_reset_draw_stats (self->views[i]);
      return;
    }

  now = g_get_monotonic_time ();
  if (t->debug && now - t->last_log >= DEBUG_LOG_INTERVAL)
    {
      t->last_log = now;
      report_timings (self, snap, "timings");
    }
  if (t->benchmark_seconds > 0 && snap->elapsed_s - t->elapsed0 >= t->benchmark_seconds)
    {
      report_timings (self, snap, "benchmark");
      t->benchmark_seconds = 0;
      gtk_widget_activate_action (GTK_WIDGET (self), "app.quit", NULL);
    }
}

static void
on_before_paint (GdkFrameClock *clock, LwWindow *self)
{
  LwWindowTimings *t = &self->timings;

  t->frame_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock, LwWindow *self)
{
  LwWindowTimings *t = &self->timings;

  if (t->frame_start == 0)
    return;
  t->max_frame_us = MAX (t->max_frame_us, g_get_monotonic_time () - t->frame_start);
  t->n_frames++;
  t->frame_start = 0;
}

void
lw_window_get_draw_stats (LwWindow *self, gint64 *max_chart_us, gint64 *max_frame_us,
                          guint *n_frames)
{
  LwWindowTimings *t = &self->timings;

  g_return_if_fail (LW_IS_WINDOW (self));
  if (max_chart_us != NULL)
    *max_chart_us = max_chart_draw_us (self);
  if (max_frame_us != NULL)
    *max_frame_us = t->max_frame_us;
  if (n_frames != NULL)
    *n_frames = t->n_frames;
}

void
lw_window_timings_init (LwWindow *self, double benchmark_seconds)
{
  LwWindowTimings *t = &self->timings;

  t->benchmark_seconds = benchmark_seconds;
  t->debug = g_strcmp0 (g_getenv ("LAYERWISE_DEBUG_TIMINGS"), "1") == 0;
}

/* A frame is timed from the frame clock's before-paint to its after-paint:
 * layout, drawing and rendering. */
void
lw_window_timings_attach (LwWindow *self)
{
  LwWindowTimings *t = &self->timings;

  t->frame_clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  t->before_paint_id = g_signal_connect (t->frame_clock, "before-paint",
                                         G_CALLBACK (on_before_paint), self);
  t->after_paint_id = g_signal_connect (t->frame_clock, "after-paint",
                                        G_CALLBACK (on_after_paint), self);
}

void
lw_window_timings_detach (LwWindow *self)
{
  LwWindowTimings *t = &self->timings;

  if (t->frame_clock != NULL)
    {
      g_clear_signal_handler (&t->before_paint_id, t->frame_clock);
      g_clear_signal_handler (&t->after_paint_id, t->frame_clock);
      g_clear_object (&t->frame_clock);
    }
}
