/* lw-progress.c: redraws in place with '\r' and erase-to-end-of-line. */
#include "lw-progress.h"

#include "config.h"

#include <glib/gi18n.h>

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BAR_MAX 30
#define BAR_MIN 10

void
lw_progress_init (LwProgress *p, FILE *out)
{
  struct winsize ws;

  p->out = out;
  p->enabled = isatty (fileno (out));
  p->shown = FALSE;
  p->last_draw_us = 0;
  p->width = 80;
  if (p->enabled && ioctl (fileno (out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    p->width = ws.ws_col;
}

void
lw_progress_update (LwProgress *p, guint epoch, guint n_epochs, guint batch, guint n_batches,
                    double samples_per_s, double loss, double acc)
{
  char text[160];
  char label[64];
  char bar[BAR_MAX + 1];
  gint64 now;
  int bar_len, filled;

  if (!p->enabled)
    return;
  now = g_get_monotonic_time ();
  if (p->shown && now - p->last_draw_us < REDRAW_INTERVAL_US)
    return;
  p->last_draw_us = now;

  /* Translators: batches done/in all, speed, the running loss and accuracy. */
  g_snprintf (text, sizeof text, _(" %u/%u  %.0f samples/s  loss %.4f  acc %.2f%%"),
              batch, n_batches, samples_per_s, loss, 100.0 * acc);
  /* Translators: the progress bar's label: epoch E of N. */
  g_snprintf (label, sizeof label, _("epoch %u/%u"), epoch, n_epochs);
  /* label + " [" + bar + "]" + text must fit, or the terminal wraps;
   * counted in characters, as a translation may hold umlauts. */
  bar_len = (int) p->width - 1 - (int) g_utf8_strlen (text, -1) - (int) g_utf8_strlen (label, -1)
            - (int) strlen (" []");
  bar_len = CLAMP (bar_len, BAR_MIN, BAR_MAX);
  filled = n_batches ? (int) ((guint64) bar_len * batch / n_batches) : 0;
  for (int i = 0; i < bar_len; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[bar_len] = '\0';

  fprintf (p->out, "\r\033[K%s [%s]%s", label, bar, text);
  fflush (p->out);
  p->shown = TRUE;
}

void
lw_progress_clear (LwProgress *p)
{
  if (!p->shown)
    return;
  fputs ("\r\033[K", p->out);
  fflush (p->out);
  p->shown = FALSE;
}
