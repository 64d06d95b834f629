/* lw-page-switcher.h: a stack's pages as tabs where they fit, and as a
 * drop-down of their titles where they do not (a 1024-pixel projector, a
 * long translation), so that the tabs never set the window's width. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LW_TYPE_PAGE_SWITCHER (lw_page_switcher_get_type ())
G_DECLARE_FINAL_TYPE (LwPageSwitcher, lw_page_switcher, LW, PAGE_SWITCHER, GtkWidget)

void      lw_page_switcher_set_stack (LwPageSwitcher *self, GtkStack *stack);
/* Whether the compact drop-down shows now, rather than the tabs. */
gboolean  lw_page_switcher_is_compact (LwPageSwitcher *self);
GtkDropDown *lw_page_switcher_get_dropdown (LwPageSwitcher *self);

G_END_DECLS
