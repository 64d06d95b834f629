/* lw-a11y.h: accessible names that GTK 4.8 gets wrong by itself, mended
 * once a widget tree is built. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void lw_a11y_mend_names (GtkWidget *root);

G_END_DECLS
