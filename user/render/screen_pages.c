// SPDX-License-Identifier: GPL-2.0
/* The live view's other parts: the histogram pane, the help page, the filter's list. */
#include <stdio.h>
#include <string.h>
#include "lib/format.h"
#include "model/hist.h"
#include "render/hist.h"
#include "render/screen.h"
#include "render/text.h"

/* The octave lines of s: returns false when it has none; else [*first, *last] non-empty ends. */
static bool octave_range(const struct kvmstat_span_stats *s, __u64 rows[HIST_OCTAVE_ROWS],
			 int *first, int *last)
{
	int r;

	*first = *last = -1;
	if (!s->count)
		return false;
	hist_octave_rows(s, rows);
	for (r = 0; r < HIST_OCTAVE_ROWS; r++) {
		if (!rows[r])
			continue;
		if (*first < 0)
			*first = r;
		*last = r;
	}
	return *first >= 0;
}

unsigned int screen_hist_lines(const struct screen *s, const struct sample *row, enum kvmstat_span span)
{
	__u64 rows[HIST_OCTAVE_ROWS];
	unsigned int want = 2, room = s->rows > 4 ? (s->rows - 4) / 2 : 0;	/* title, stats */
	int first, last;

	if (row && octave_range(&row->val.span[span], rows, &first, &last))
		want += last - first + 1;
	return want < room ? want : room;
}

/* The n consecutive lines of [first, last] holding the most exits: what a short pane shows. */
static int densest(const __u64 *rows, int first, int last, int n)
{
	__u64 sum = 0, best = 0;
	int r, at = first;

	if (n <= 0 || last - first + 1 <= n)
		return first;
	for (r = first; r <= last; r++) {
		sum += rows[r];
		if (r - first >= n)
			sum -= rows[r - n];
		if (r - first + 1 >= n && sum > best) {
			best = sum;
			at = r - n + 1;
		}
	}
	return at;
}

static void put_octave(struct screen *s, unsigned int line, int r, __u64 count, __u64 max)
{
	static const char stars[] = "################################################################";
	char lo[DURATION_LEN], hi[DURATION_LEN];
	int bar = (int)s->width - 33, n;

	fmt_duration(r ? 1ULL << (r - 1) : 0, lo, sizeof(lo));
	if (r + 1 < HIST_OCTAVE_ROWS)
		fmt_duration(1ULL << r, hi, sizeof(hi));
	else
		strcpy(hi, "inf");	/* the last in-kernel bucket is open-ended */
	bar = bar > (int)sizeof(stars) - 1 ? (int)sizeof(stars) - 1 : bar;
	if (bar < 4) {
		screen_put(s, line, SCREEN_PLAIN, "  %7s - %-7s %9llu", lo, hi, (unsigned long long)count);
		return;
	}
	n = max ? (int)(count * bar / max) : 0;
	screen_put(s, line, SCREEN_PLAIN, "  %7s - %-7s %9llu |%-*.*s|", lo, hi,
		   (unsigned long long)count, bar, n, stars);
}

static void put_hist_stats(struct screen *s, unsigned int line, const struct kvmstat_span_stats *sp)
{
	static const double percentiles[3] = { 50, 90, 99 };
	char avg[DURATION_LEN], mx[DURATION_LEN], p50[DURATION_LEN], p90[DURATION_LEN], p99[DURATION_LEN];
	__u64 p[3];

	span_percentiles(sp, percentiles, p, 3);
	screen_put(s, line, SCREEN_PLAIN, "  count %llu  avg %s  p50 %s  p90 %s  p99 %s  max %s",
		   (unsigned long long)sp->count, fmt_duration(sp->sum_ns / sp->count, avg, sizeof(avg)),
		   fmt_duration(p[0], p50, sizeof(p50)), fmt_duration(p[1], p90, sizeof(p90)),
		   fmt_duration(p[2], p99, sizeof(p99)), fmt_duration(sp->max_ns, mx, sizeof(mx)));
}

void screen_hist_pane(struct screen *s, unsigned int top, unsigned int lines, enum kvmstat_arch arch,
		      const struct sample *row, const struct screen_state *st)
{
	struct printable_names pn;
	const struct names *names = printable_names(&pn, st->names);
	char name[48], group[2 * TEXT_NAME_LEN + 64] = "";
	const struct kvmstat_span_stats *sp;
	__u64 rows[HIST_OCTAVE_ROWS], max = 0;
	int first, last, r, at;
	unsigned int i = 0;

	if (!lines)
		return;
	if (!row) {
		screen_put(s, top, SCREEN_BOLD, " histogram: no row selected");
		return;
	}
	sp = &row->val.span[st->span];
	if (st->by != GROUP_CLASS)
		screen_pick_label(&st->cursor_key, st->by == GROUP_VCPU, names, group, sizeof(group));
	if (lines >= 2)
		screen_put(s, top + i++, SCREEN_BOLD, " %s  %s histogram%s%s",
			   class_label(arch, &row->key, name, sizeof(name)), span_name(st->span),
			   *group ? "  " : "", group);
	if (!octave_range(sp, rows, &first, &last)) {
		screen_put(s, top + i, SCREEN_PLAIN, "  no %s time measured", span_name(st->span));
		return;
	}
	at = densest(rows, first, last, (int)lines - (int)i - 1);
	for (r = first; r <= last; r++)
		max = rows[r] > max ? rows[r] : max;
	for (r = at; r <= last && i + 1 < lines; r++)
		put_octave(s, top + i++, r, rows[r], max);
	put_hist_stats(s, top + i, sp);
}

void screen_help(struct screen *s, const struct screen_key *keys, size_t n,
		 const struct screen_state *st)
{
	unsigned int line = 2;
	size_t i;

	screen_clear(s);
	screen_put(s, 0, SCREEN_BOLD, "kvmstat-bpf live view: keys  (any key: back)");
	for (i = 0; i < n && line + 1 < s->rows; i++)
		screen_put(s, line++, SCREEN_PLAIN, "  %-11s %s", keys[i].keys, keys[i].what);
	if (line + 2 < s->rows)
		screen_put(s, line + 1, SCREEN_PLAIN,
			   "  On a narrow terminal columns drop in this order: RATE/s, MIN, TIME%%, %%, MAX.");
	screen_status(s, st);
}

/* "vCPU 0 thread 4243 (CPU 0/KVM)"; "vCPU ?" when its id is not known. */
static const char *screen_vcpu_label(const struct kvmstat_key *key, const struct names *names,
				     char *buf, size_t len)
{
	const char *thread = names_thread(names, key->vm, key->tid);
	char id[16] = "?";

	if (key->vcpu != KVMSTAT_VCPU_UNKNOWN)
		snprintf(id, sizeof(id), "%u", key->vcpu);
	snprintf(buf, len, "vCPU %s thread %u (%s)", id, key->tid, thread ?: "?");
	return buf;
}

const char *screen_pick_label(const struct kvmstat_key *key, bool vcpu, const struct names *names,
			      char *buf, size_t len)
{
	const char *vm = names_vm(names, key->vm);
	char thread[TEXT_NAME_LEN + 48] = "";

	if (!key->vm) {
		snprintf(buf, len, "all VMs and vCPU threads");
		return buf;
	}
	if (vcpu)
		screen_vcpu_label(key, names, thread, sizeof(thread));
	snprintf(buf, len, "VM %u (%s)%s%s", key->vm, vm ?: "?", vcpu ? " " : "", thread);
	return buf;
}

size_t screen_picks(const struct view *v)
{
	return v->finest == GROUP_VCPU ? 1 + v->level[GROUP_VM].nr_groups + v->level[GROUP_VCPU].nr_groups : 1;
}

/* Entry i: a VM (the first of its entries) or one of its vCPU threads; g the group, *vcpu which. */
static bool find_pick(const struct view *v, size_t i, struct group *g, bool *vcpu)
{
	struct group_iter vms, vcpus;
	struct group vm;

	if (!i-- || v->finest != GROUP_VCPU)
		return false;
	view_groups(v, GROUP_VM, false, &vms);
	while (group_next(&vms, &vm)) {
		if (!i--) {
			*g = vm;
			*vcpu = false;
			return true;
		}
		view_children(v, GROUP_VM, &vm, &vcpus);
		while (group_next(&vcpus, g))
			if (!i--) {
				*vcpu = true;
				return true;
			}
	}
	return false;
}

bool screen_pick(const struct view *v, size_t i, struct kvmstat_key *key)
{
	struct group g;
	bool vcpu;

	memset(key, 0, sizeof(*key));
	if (!i)
		return true;
	if (!find_pick(v, i, &g, &vcpu))
		return false;
	key->vm = g.key->vm;
	key->vcpu = vcpu ? g.key->vcpu : 0;
	key->tid = vcpu ? g.key->tid : 0;
	return true;
}

void screen_picker(struct screen *s, const struct view *v, size_t *cursor,
		   const struct screen_state *st)
{
	struct printable_names pn;
	const struct names *names = printable_names(&pn, st->names);
	size_t n = screen_picks(v), first = 0, i, room = s->rows > 3 ? s->rows - 3 : 1;
	char label[2 * TEXT_NAME_LEN + 64];
	struct kvmstat_key key = {};
	struct group g;
	bool vcpu = false, sel;

	screen_clear(s);
	if (*cursor >= n)
		*cursor = n - 1;
	screen_put(s, 0, SCREEN_BOLD, "Filter: keep one VM or vCPU thread  (Enter: keep, Esc: back)");
	if (*cursor >= room)
		first = *cursor - room + 1;
	for (i = first; i < n && i - first < room; i++) {
		sel = i == *cursor;
		if (!find_pick(v, i, &g, &vcpu)) {
			screen_put(s, 2 + i - first, sel ? SCREEN_REVERSE : SCREEN_PLAIN, "%c %s",
				   sel ? '>' : ' ', screen_pick_label(&key, false, names, label, sizeof(label)));
			continue;
		}
		if (vcpu)	/* under its VM */
			screen_vcpu_label(g.key, names, label, sizeof(label));
		else
			screen_pick_label(g.key, false, names, label, sizeof(label));
		screen_put(s, 2 + i - first, sel ? SCREEN_REVERSE : SCREEN_PLAIN, "%c %s%s  %llu exits",
			   sel ? '>' : ' ', vcpu ? "  " : "", label, (unsigned long long)g.exits);
	}
	screen_status(s, st);
}
