// SPDX-License-Identifier: GPL-2.0
/* Slow-exit records as text: one line each, with what was not sent counted. */
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "lib/stream.h"
#include "render/slow.h"
#include "render/text.h"

/* "06:17:43.252777152": the time of day (UTC) of the exit. */
static const char *time_of_day(struct timespec ts, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%09ld", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	return buf;
}

static void print_record(FILE *out, const struct slow_exit *e, const struct slow_text_opts *o,
			 const struct names *names)
{
	const struct kvmstat_slow *r = &e->r;
	struct kvmstat_key k = { .class = r->class, .flags = r->flags, .detail = r->detail };
	char when[32], cls[48], key[ARCH_DETAIL_LEN], vm[48], vcpu[16], h[DURATION_LEN], g[DURATION_LEN];
	const char *name = names_vm(names, r->vm);

	snprintf(vm, sizeof(vm), "%u (%.12s)", r->vm, name ?: "?");
	if (r->vcpu == KVMSTAT_VCPU_UNKNOWN)
		snprintf(vcpu, sizeof(vcpu), "?");
	else
		snprintf(vcpu, sizeof(vcpu), "%u", r->vcpu);
	if (r->flags & KVMSTAT_KEY_DETAIL)
		key_label(o->arch, &k, key, sizeof(key));
	else
		snprintf(key, sizeof(key), "-");
	fprintf(out, "%-18s  %-22s %-5s %-8u %-4u %-16s %-28s 0x%-16llx %9s %9s\n",
		time_of_day(e->time, when, sizeof(when)), vm, vcpu, r->tid, r->cpu,
		class_label(o->arch, &k, cls, sizeof(cls)), key, (unsigned long long)r->pc,
		fmt_duration(r->handling_ns, h, sizeof(h)),
		r->guest_ns ? fmt_duration(r->guest_ns, g, sizeof(g)) : "-");
}

int render_slow(FILE *out, const struct slow_list *l, const struct slow_text_opts *o)
{
	struct printable_names pn;
	const struct names *names = printable_names(&pn, o->names);
	char t[DURATION_LEN];
	size_t i, n = o->max_lines && l->nr > o->max_lines ? o->max_lines : l->nr;

	fprintf(out, "slow exits (handling >= %s) %s: %zu recorded, %llu suppressed (rate limit), "
		"%llu lost (ring buffer full)\n", fmt_duration(o->threshold_ns, t, sizeof(t)), o->title,
		(size_t)o->recorded, (unsigned long long)o->suppressed, (unsigned long long)o->lost);
	if (!l->nr) {
		fputc('\n', out);	/* a blank line after, as after a table */
		return stream_flush(out);
	}
	fprintf(out, "%-18s  %-22s %-5s %-8s %-4s %-16s %-28s %-18s %9s %9s\n", "TIME (UTC)", "VM",
		"VCPU", "TID", "CPU", "CLASS", "KEY", "GUEST PC", "HANDLING", "GUEST");
	for (i = 0; i < n; i++)
		print_record(out, &l->e[i], o, names);
	if (n < l->nr)
		fprintf(out, "... %zu more (all of them in --json)\n", l->nr - n);
	fputc('\n', out);
	return stream_flush(out);
}
