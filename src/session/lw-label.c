/* lw-label.c: learning rates read best as "5e-4", not "0.0005". */
#include "lw-label.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
lw_label_number (char *buf, gsize size, double v)
{
  char tmp[32], *e, *end;
  int exponent;

  if (v == 0.0 || !isfinite (v) || (fabs (v) >= 0.01 && fabs (v) < 1e5))
    {
      g_snprintf (buf, size, "%.3g", v);
      return buf;
    }
  /* "5.00e-04" -> mantissa without trailing zeros, exponent without padding. */
  g_snprintf (tmp, sizeof tmp, "%.2e", v);
  e = strchr (tmp, 'e');
  exponent = atoi (e + 1);
  *e = '\0';
  end = e;
  while (end > tmp && end[-1] == '0')
    *--end = '\0';
  if (end > tmp && end[-1] == '.')
    *--end = '\0';
  g_snprintf (buf, size, "%se%d", tmp, exponent);
  return buf;
}
