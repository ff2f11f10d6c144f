/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OpenMetrics 1.0 text from our Prometheus text exposition. The samples are the
 * same lines in both formats (same names, labels and values, so a series is the
 * same whichever format a scraper negotiates); only the metadata differs:
 *   - a counter family is named without its _total suffix (samples keep it);
 *   - a gauge named *_info is an info family, named without _info;
 *   - a family named *_seconds gets "# UNIT <family> seconds";
 *   - TYPE, UNIT, HELP in that order; HELP also escapes double quotes;
 *   - no other comment or empty line; "# EOF" at the end.
 */
#ifndef KVMSTAT_OPENMETRICS_H
#define KVMSTAT_OPENMETRICS_H

#include <stddef.h>

/*
 * Converts len bytes of Prometheus text into a malloc'ed *out of *out_len bytes.
 * Returns 0, -EINVAL for a counter family not named *_total or a malformed
 * metadata line (nothing written), or -ENOMEM.
 */
int prom_text_to_openmetrics(const char *text, size_t len, char **out, size_t *out_len);

#endif /* KVMSTAT_OPENMETRICS_H */
