/* lw-label.h: short numbers for marks and titles ("5e-4", "0.9"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes v into buf (at least 16 bytes) and returns buf. */
const char *lw_label_number (char *buf, gsize size, double v);

G_END_DECLS
