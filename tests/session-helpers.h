/* session-helpers.h: what the session tests share: small settings on the
 * embedded subset, and waits on the session's snapshots with a deadline. */
#pragma once

#include <glib.h>

#include "session/lw-session.h"

/* Generous: the sanitizer builds run the engine several times slower. */
#define SESSION_TIMEOUT_MS 60000

/* An MLP 2x64 on 2,048 subset images, one thread, evaluations every 20
 * steps on 256 images, a similarity probe of 32. */
void         small_settings (LwRunSettings *st);

typedef gboolean (*SnapTest) (const LwSnapshot *snap, gpointer data);

/* Polls the newest snapshot until test holds; returns it (a reference).
 * Fails the test after SESSION_TIMEOUT_MS. */
LwSnapshot  *wait_for       (LwSession *s, SnapTest test, gpointer data);
/* Once the worker has applied every command sent: its snapshot. */
LwSnapshot  *synced         (LwSession *s);
/* Two curves with the same points, bit for bit (NaN equal to NaN). */
void         assert_series_identical (const LwSeries *a, const LwSeries *b);
