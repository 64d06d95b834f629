/* lw-cli-flags.h: every flag of layerwise-cli in one table — its name,
 * type, field, range, default, help, whether a run file stores it and
 * whether a resumed run may change it. The option parser, the run files'
 * [layerwise-cli] group, the resume checks and the flag table of docs/cli.md are
 * all made from it (lw-cli-options.c, lw_cli_flags_markdown).
 *
 * Adding a flag: a field in LwCliOptions, a row here (in --help's order),
 * its help string in po/de.po, and the table in docs/cli.md regenerated
 * (_build/tests/print-flag-table; test-cli compares them). */
#pragma once

#include <glib.h>

#include "lw-cli-options.h"

G_BEGIN_DECLS

typedef enum {
  LW_CLI_FLAG_UINT,             /* guint in [min, max] */
  LW_CLI_FLAG_UINT64,           /* guint64 in [min, max] */
  LW_CLI_FLAG_DOUBLE,           /* finite double in range */
  LW_CLI_FLAG_CHOICE,           /* int (an enum, or a gboolean of two names): a name's index */
  LW_CLI_FLAG_SWITCH,           /* gboolean, no argument; "true"/"false" in a run file */
  LW_CLI_FLAG_FILE,             /* char *: a file name, not empty */
  LW_CLI_FLAG_FOLDER,           /* char *: a folder (checked when parsing is done) */
  LW_CLI_FLAG_MILESTONES,       /* an LwLrSchedule's milestones: "50,75" or "none" */
  LW_CLI_FLAG_PRESET,           /* applied before every other flag (lw-cli-options.c) */
  LW_CLI_FLAG_FAULT,            /* fault and fault_step: KIND:STEP, tests only */
} LwCliFlagType;

/* A number's range. Live controls (--dropout, --lr, --beta, …) keep the
 * same range in the window; their rows say so. */
typedef struct {
  guint64 min, max;             /* UINT, UINT64 */
  double lo, hi;                /* DOUBLE: lo <= value <= hi */
  gboolean lo_open;             /* DOUBLE: lo < value (lo is then 0) */
  gboolean hi_open;             /* DOUBLE: value < hi */
} LwCliRange;

typedef struct {
  const char *name;             /* the long name, without "--" */
  char short_name;              /* 0: none */
  LwCliFlagType type;
  gsize offset;                 /* of its field in LwCliOptions */
  LwCliRange range;             /* with live_control: what a run file may hold */
  const char *live_control;     /* a live control's name: its range and message on the
                                 * command line (lw-live-controls.h), the window's too */
  char *(*check) (double value); /* DOUBLE: on the command line, NULL or the message of a
                                 * value it refuses, shared with the window (like live_control) */
  /* CHOICE: the names, and the noun and message of an unknown one. */
  const char *(*choice_name) (int i);
  gboolean (*choice_parse) (const char *name, int *index);
  int n_choices;
  const char *choice_what;      /* N_(): "unknown %s 'x'; choose one of …" */
  const char *choice_unknown;   /* N_(), or NULL: a message of its own ("%s" flag, "%s" value) */
  const char *def;              /* the default, as the flag's text; NULL: the field's zero */
  const char *doc_default;      /* docs/cli.md's default column when def does not say it all */
  const char *help;             /* N_(): --help */
  const char *arg;              /* the argument in --help and docs/cli.md ("N"), or NULL */
  const char *doc;              /* docs/cli.md's "meaning" column (Markdown) */
  guint since;                  /* the run file format that first stored it; 0: not stored */
  const char *absent;           /* since > 1: the value a file without it implies */
  gboolean resume_may_change;   /* a resumed run may give it (else it must match the file) */
  gboolean hidden;              /* not in --help, nor in docs/cli.md */
} LwCliFlag;

extern const LwCliFlag lw_cli_flags[];
extern const guint lw_cli_n_flags;

const LwCliFlag *lw_cli_flag_find       (const char *name);
const LwCliFlag *lw_cli_flag_find_short (char short_name);

/* Every field a row has a default for, at that default. */
void             lw_cli_flags_set_defaults (LwCliOptions *opts);
/* Frees the strings of the fields (file names, the preset's name). */
void             lw_cli_flags_clear     (LwCliOptions *opts);

/* value for flag ("--name", as the message shows it) into its field, range
 * checked; error holds one line naming the flag and the value. */
gboolean         lw_cli_flag_parse      (const LwCliFlag *f, LwCliOptions *opts, const char *flag,
                                         const char *value, GError **error);

/* The field as text that parses back to the same value (to six digits
 * unless exact), for a run file or a comparison. */
char            *lw_cli_flag_text       (const LwCliFlag *f, const LwCliOptions *opts,
                                         gboolean exact);

/* Moves the field of from into to (strings are stolen). */
void             lw_cli_flag_take       (const LwCliFlag *f, LwCliOptions *to, LwCliOptions *from);

/* The flag table of docs/cli.md: a Markdown table with a header, one row a flag. */
char            *lw_cli_flags_markdown  (void);

/* Sets error (G_OPTION_ERROR_BAD_VALUE) to the message; FALSE. */
gboolean         lw_cli_bad_value       (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
