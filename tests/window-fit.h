/* window-fit.h: the window fits a 1,024 x 768 projector, in whichever
 * language the test program runs (test-app: English, test-i18n: German). */
#pragma once

#include <glib.h>

#include "lw-window.h"

G_BEGIN_DECLS

/* Opens the window with preset (e.g. "6x256"), trains a few batches, then
 * at 1,024 x 768 and 1,280 x 720, on every page, asserts: the window's
 * minimum size is at most 1,024 x 768; every mapped widget lies within
 * the window (where no scrolled view clips it); no label that carries a
 * number is ellipsized. data: the preset's id. */
void window_fit_test (gconstpointer preset);

/* Gives the shown window's surface (its client-side frame included) that
 * size, and waits until it has it. */
void window_fit_resize (LwWindow *window, int width, int height);

G_END_DECLS
