/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMSTAT_TABLE_H
#define KVMSTAT_TABLE_H

#include "render/text.h"

/*
 * The table of o->span: one row per class (per group when grouped), group
 * totals, the total, losses. v: built with the totals of level o->by, sorted
 * (view_sort) or in key order. 0, -EINVAL without those totals, or a write error
 * (stream_flush).
 */
int render_table(FILE *out, const struct view *v, const struct table_opts *o);

#endif /* KVMSTAT_TABLE_H */
