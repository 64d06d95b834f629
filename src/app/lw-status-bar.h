/* lw-status-bar.h: the line at the bottom of the window: state, epoch,
 * step, speed, elapsed time, loss type and each block's learning rate. */
#pragma once

#include <gtk/gtk.h>

#include "session/lw-snapshot.h"

G_BEGIN_DECLS

#define LW_TYPE_STATUS_BAR (lw_status_bar_get_type ())
G_DECLARE_FINAL_TYPE (LwStatusBar, lw_status_bar, LW, STATUS_BAR, GtkBox)

void lw_status_bar_update (LwStatusBar *self, const LwSnapshot *snap);

/* "5e-4", "1.5e-3": a learning rate as short as it stays exact to 2 digits. */
char *lw_format_rate (double rate);

G_END_DECLS
