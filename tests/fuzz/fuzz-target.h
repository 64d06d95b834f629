/* fuzz-target.h: what every libFuzzer target in this folder defines, and
 * the checks they share. A target must never crash, leak or trip a
 * sanitizer, and must refuse bad bytes with a dataset error that says what
 * is wrong. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "data/lw-dataset.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The parsers take ownership of their buffer: a private copy of the input,
 * never a zero-byte allocation. */
static inline guint8 *
fuzz_copy (const uint8_t *data, size_t size)
{
  guint8 *buf = g_malloc (MAX (size, 1));

  if (size > 0)
    memcpy (buf, data, size);
  return buf;
}

/* A refusal is a dataset error naming the input, never a bare FALSE.
 * Frees it and clears *error for the next call. */
static inline void
fuzz_check_refusal (GError **error, const char *name)
{
  g_assert_nonnull (*error);
  g_assert_true ((*error)->domain == LW_DATASET_ERROR);
  g_assert_true (g_str_has_prefix ((*error)->message, name));
  g_clear_error (error);
}
