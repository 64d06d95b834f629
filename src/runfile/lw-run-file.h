/* lw-run-file.h: a run on disk, as layerwise-cli and the window write it.
 *
 * A run file is a container of tagged sections; what goes into the
 * sections (settings, model state, position, history) is up to the
 * writer. Layout, every number little-endian:
 *
 *   0   magic "\x89LWRUN\r\n" (8 bytes; the \r\n catches text-mode copies)
 *   8   u32 format version (LW_RUN_FILE_VERSION)
 *   12  u32 number of sections (at most LW_RUN_FILE_MAX_SECTIONS)
 *   16  u64 length of the whole file
 *   24  section table: per section u32 tag, u32 0, u64 offset, u64 length
 *   ..  the sections' bytes
 *   -4  u32 CRC-32 (zlib's) of everything before it
 *
 * Saving is atomic: the bytes go to an unnamed temporary file in the
 * target's folder, which is flushed to disk, given a name and renamed over
 * the target, so a crash while saving leaves the previous file whole and
 * no half-written file behind. A target that is a symbolic link is saved
 * to the file it points to; the link stays. Reading checks the magic, the
 * version, the length and the checksum before it looks at a section, and
 * every offset against the file's bounds: any bytes at all give either a
 * run file or an error saying what is wrong, never a crash.
 *
 * Compatibility (docs/run-file.md has each version's contents):
 * - A reader accepts every version up to LW_RUN_FILE_VERSION. A key or a
 *   section that a version did not have yet takes the value that version
 *   implied (a later setting defaults to what the program did before it,
 *   usually "off"); one that the file's own version has must be there.
 * - A newer version is refused, naming it (LW_RUN_FILE_ERROR_VERSION).
 * - Every format version has fixture files in tests/fixtures/, written by
 *   that version's build (tests/make-run-fixtures.sh) and opened by the
 *   tests of every later one. A change to what a file holds bumps the
 *   version, says what it implies for older files in docs/run-file.md,
 *   and adds its fixtures.
 * - Every enum value a file stores is checked against its count (LW_N_*)
 *   when read, never against a named member. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 1: the first format (2026-11). 2: [layerwise-cli] on-divergence.
 * 3: [model] shared_target_proj (and [layerwise-cli] shared-target-proj):
 * the bpf losses' label projection, one per block unless it is set.
 * 4: [model] no_batch_norm, no_similarity_std, no_detach (and the
 * [layerwise-cli] flags of the same names): the reference's switches.
 * 5: a window run's mark kind 8, where it was forked; [session] data_seed
 * and [layerwise-cli] data-seed: the sample order's and augmentation's
 * seed, apart from the weights'. */
#define LW_RUN_FILE_VERSION 5u
#define LW_RUN_FILE_MAX_SECTIONS 64u
/* The extension the window offers; any name works. */
#define LW_RUN_FILE_EXTENSION ".lwrun"

#define LW_RUN_FILE_ERROR (lw_run_file_error_quark ())
GQuark lw_run_file_error_quark (void);

typedef enum {
  LW_RUN_FILE_ERROR_FOREIGN,      /* not a run file at all */
  LW_RUN_FILE_ERROR_TRUNCATED,    /* shorter than its header says */
  LW_RUN_FILE_ERROR_CORRUPT,      /* checksum or structure wrong */
  LW_RUN_FILE_ERROR_VERSION,      /* written by a newer Layerwise */
  LW_RUN_FILE_ERROR_INCOMPATIBLE, /* valid, but does not fit: other program, shapes, dataset */
  LW_RUN_FILE_ERROR_IO,           /* cannot read or write the file */
} LwRunFileError;

/* Section tags: four ASCII characters. */
#define LW_RUN_TAG(a, b, c, d) \
  ((guint32) (a) | ((guint32) (b) << 8) | ((guint32) (c) << 16) | ((guint32) (d) << 24))
#define LW_RUN_SECTION_CONFIG        LW_RUN_TAG ('C', 'O', 'N', 'F')  /* GKeyFile text */
#define LW_RUN_SECTION_MODEL         LW_RUN_TAG ('M', 'O', 'D', 'L')  /* lw-model-state.h */
#define LW_RUN_SECTION_POSITION      LW_RUN_TAG ('P', 'O', 'S', 'N')  /* LwRunPosition */
#define LW_RUN_SECTION_INTERVENTIONS LW_RUN_TAG ('I', 'N', 'T', 'V')  /* LwRunIntervention list */

typedef struct _LwRunFile LwRunFile;

LwRunFile   *lw_run_file_new          (void);
void         lw_run_file_free         (LwRunFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LwRunFile, lw_run_file_free)

/* Adds (or replaces) the section tag; takes data. */
void         lw_run_file_take_section (LwRunFile *file, guint32 tag, GBytes *data);
/* The format version the file was read in (LW_RUN_FILE_VERSION for a
 * file made here): what a missing key or section means depends on it. */
guint        lw_run_file_get_version  (const LwRunFile *file);
/* The section, or NULL when the file has none. */
GBytes      *lw_run_file_get_section  (const LwRunFile *file, guint32 tag);
/* The section, or NULL with an error naming what is missing. */
GBytes      *lw_run_file_require      (const LwRunFile *file, guint32 tag, GError **error);

GBytes      *lw_run_file_to_bytes     (const LwRunFile *file);
/* Atomic save (see above), through symbolic links; the error names the
 * file. */
gboolean     lw_run_file_save         (const LwRunFile *file, const char *path, GError **error);

/* Parses a whole file held in memory: the container only (magic,
 * version, length, checksum, section table). The single entry point for
 * fuzzing; never aborts on bad input. */
LwRunFile   *lw_run_file_read_bytes   (const guint8 *data, gsize len, GError **error);
/* The bytes of the regular file path (read, not mapped; a FIFO, a device
 * or a folder is refused), for lw_run_file_read_bytes; the error names
 * the file. */
GBytes      *lw_run_file_read_contents (const char *path, GError **error);
/* Reads path (read, not mapped: a file cut while it is read is refused
 * as cut short) and parses it; the error starts with the file's name. */
LwRunFile   *lw_run_file_load         (const char *path, GError **error);

G_END_DECLS
