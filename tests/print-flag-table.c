/* print-flag-table.c: prints layerwise-cli's flag table (lw-cli-flags.c)
 * in Markdown, for docs/cli.md between its flag-table markers. */
#include <stdio.h>

#include "lw-cli-flags.h"

int
main (void)
{
  g_autofree char *table = lw_cli_flags_markdown ();

  fputs (table, stdout);
  return 0;
}
