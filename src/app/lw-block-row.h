/* lw-block-row.h: one block's live controls: learning-rate multiplier,
 * freeze, and its learning rate as the engine applies it. */
#pragma once

#include <gtk/gtk.h>

#include "session/lw-snapshot.h"

G_BEGIN_DECLS

#define LW_TYPE_BLOCK_ROW (lw_block_row_get_type ())
G_DECLARE_FINAL_TYPE (LwBlockRow, lw_block_row, LW, BLOCK_ROW, GtkBox)

GtkWidget *lw_block_row_new        (guint block);
guint      lw_block_row_get_block  (LwBlockRow *self);
void       lw_block_row_update     (LwBlockRow *self, const LwSnapshot *snap);
/* NULL clears. */
void       lw_block_row_show_error (LwBlockRow *self, const char *message);
GtkEntry  *lw_block_row_get_mult_entry (LwBlockRow *self);

/* Shared by the panel: shows message under entry and marks entry, or
 * clears both when message is NULL. */
void       lw_field_show_error     (GtkWidget *entry, GtkLabel *label, const char *message);
/* A number typed by the user: C locale or the user's, surrounding spaces
 * allowed. */
gboolean   lw_parse_number         (const char *text, double *value);

G_END_DECLS
