// SPDX-License-Identifier: GPL-2.0
/* The report page: what the run was, how to read it, the classes, a figure per class. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/format.h"
#include "lib/stream.h"
#include "lib/time.h"
#include "lib/xml.h"
#include "model/hist.h"
#include "render/html.h"
#include "render/svg.h"
#include "render/text.h"

/* No '<', '>' or '&' in here: the page is also well-formed XML (xmllint checks it). */
static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;max-width:960px}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}"
	"dl{display:grid;grid-template-columns:max-content auto;gap:0.2em 1em}dt{font-weight:bold}"
	"table{border-collapse:collapse;font-size:0.9em}td,th{padding:0.2em 0.6em;text-align:right}"
	"td.l,th.l{text-align:left}tr:nth-child(even){background:#f4f4f4}"
	"figure{margin:1.5em 0}figcaption{margin-bottom:0.3em}.desc{color:#555}";

static void text(FILE *out, const char *s)
{
	xml_text(out, s);
}

/* "VM 4242 (web)", with " vCPU 0 thread 4243 (CPU 0/KVM)" per vCPU thread; "all VMs" by class. */
static void group_label(FILE *out, const struct kvmstat_key *k, enum grouping by, const struct names *n)
{
	const char *vm = names_vm(n, k->vm), *thread = names_thread(n, k->vm, k->tid);

	if (by == GROUP_CLASS) {
		fputs("all VMs", out);
		return;
	}
	fprintf(out, "VM %u (", k->vm);
	text(out, vm ?: "?");
	fputc(')', out);
	if (by != GROUP_VCPU)
		return;
	if (k->vcpu == KVMSTAT_VCPU_UNKNOWN)
		fprintf(out, " vCPU ? thread %u (", k->tid);
	else
		fprintf(out, " vCPU %u thread %u (", k->vcpu, k->tid);
	text(out, thread ?: "?");
	fputc(')', out);
}

static void percentiles(const struct kvmstat_span_stats *sp, char p50[DURATION_LEN], char p99[DURATION_LEN])
{
	static const double p[2] = { 50, 99 };
	__u64 v[2];

	span_percentiles(sp, p, v, 2);
	fmt_duration(v[0], p50, DURATION_LEN);
	fmt_duration(v[1], p99, DURATION_LEN);
}

static void meta(FILE *out, const struct series *s, const struct html_opts *o)
{
	double secs = (s->columns[s->nr_columns - 1].end_mono_ns - s->columns[0].start_mono_ns) / 1e9;
	char start[RFC3339_LEN], end[RFC3339_LEN];
	unsigned long long lost = 0;
	int i;

	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		lost += i == KVMSTAT_DROP_UNPAIRED ? 0 : s->drops[i];
	fprintf(out, "<dl>\n<dt>saved run</dt><dd>");
	text(out, o->source);
	fprintf(out, "</dd>\n<dt>host</dt><dd>");
	text(out, o->host ?: "?");
	fprintf(out, " (%s, kernel ", arch_name(s->arch) ?: "unknown arch");
	text(out, o->kernel ?: "?");
	fprintf(out, ")</dd>\n<dt>time</dt><dd>%s to %s UTC: %.1f s in %zu intervals",
		fmt_rfc3339(&s->start_wall, start, sizeof(start)), fmt_rfc3339(&s->end_wall, end, sizeof(end)),
		secs, s->nr_intervals);
	if (s->per_column > 1)
		fprintf(out, " (shown %u to a column)", s->per_column);
	fprintf(out, "</dd>\n<dt>grouping</dt><dd>%s</dd>\n<dt>lost exits</dt><dd>%llu</dd>\n</dl>\n",
		s->by == GROUP_CLASS ? "by class, all VMs and vCPUs together" :
		s->by == GROUP_VM ? "per VM, then class" : "per VM and vCPU thread, then class", lost);
}

static void how_to_read(FILE *out)
{
	fputs("<p>How to read a figure: the bars are the exits of the class in each interval. Under "
	      "them, on the same time axis, each column of the heatmap is one interval and each row one "
	      "in-kernel latency bucket (a quarter of a power of two, log scale, labelled at powers of "
	      "two); a cell's colour is how many exits took that long in that interval (scale on the "
	      "right, log: dark few, yellow many; grey: none). The white line is the median (p50) of each "
	      "interval, the dashed orange one its p99, both from the buckets (within 1/8 of the value). "
	      "Handling time runs from kvm_exit to the next kvm_entry (the host's work on the exit), "
	      "guest time from kvm_entry to kvm_exit.</p>\n", out);
}

/* Rows by group (key order), then most exits first. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct series_row *a = *(const struct series_row *const *)pa;
	const struct series_row *b = *(const struct series_row *const *)pb;
	struct kvmstat_key ga = { .vm = a->key.vm, .vcpu = a->key.vcpu, .tid = a->key.tid };
	struct kvmstat_key gb = { .vm = b->key.vm, .vcpu = b->key.vcpu, .tid = b->key.tid };
	int c = key_cmp(&ga, &gb);

	if (c)
		return c;
	if (a->total.exits != b->total.exits)
		return a->total.exits > b->total.exits ? -1 : 1;
	return key_cmp(&a->key, &b->key);
}

static void summary(FILE *out, const struct series *s, const struct series_row **rows,
		    enum kvmstat_span span, const struct html_opts *o)
{
	char name[48], mx[DURATION_LEN], p50[DURATION_LEN], p99[DURATION_LEN];
	const struct kvmstat_span_stats *sp;
	__u64 all = 0;
	size_t r;

	for (r = 0; r < s->nr_rows; r++)
		all += rows[r]->total.exits;
	fprintf(out, "<h2>Classes</h2>\n<table>\n<tr>%s<th class=\"l\">class</th><th>exits</th><th>%% of all</th>"
		"<th>%s p50</th><th>p99</th><th>max</th><th class=\"l\">what it is</th></tr>\n",
		s->by == GROUP_CLASS ? "" : "<th class=\"l\">group</th>", span_name(span));
	for (r = 0; r < s->nr_rows; r++) {
		sp = &rows[r]->total.span[span];
		fputs("<tr>", out);
		if (s->by != GROUP_CLASS) {
			fputs("<td class=\"l\">", out);
			group_label(out, &rows[r]->key, s->by, o->names);
			fputs("</td>", out);
		}
		fprintf(out, "<td class=\"l\"><a href=\"#fig%zu\">%s</a></td><td>%llu</td><td>%.1f</td>", r,
			class_label(s->arch, &rows[r]->key, name, sizeof(name)),
			(unsigned long long)rows[r]->total.exits, all ? 100.0 * rows[r]->total.exits / all : 0);
		if (sp->count) {
			percentiles(sp, p50, p99);
			fprintf(out, "<td>%s</td><td>%s</td><td>%s</td>", p50, p99,
				fmt_duration(sp->max_ns, mx, sizeof(mx)));
		} else {
			fputs("<td>-</td><td>-</td><td>-</td>", out);
		}
		fputs("<td class=\"l desc\">", out);
		text(out, arch_class_desc(s->arch, rows[r]->key.class));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void figure(FILE *out, const struct series *s, const struct series_row *row, size_t id,
		   const struct html_opts *o)
{
	char name[48];
	int k;

	class_label(s->arch, &row->key, name, sizeof(name));
	fprintf(out, "<figure id=\"fig%zu\"><figcaption><b>%s</b> <span class=\"desc\">", id, name);
	text(out, arch_class_desc(s->arch, row->key.class));
	if (key_origin(&row->key) == ORIGIN_USER)
		fputs("; went out to the VMM (KVM_RUN returned), whose work its handling time includes", out);
	fprintf(out, "</span>: %llu exits</figcaption>\n", (unsigned long long)row->total.exits);
	for (k = 0; k < KVMSTAT_NR_SPANS; k++)
		if (o->spans & s->spans & (1U << k))
			svg_figure(out, s, row, k, name, id * KVMSTAT_NR_SPANS + k);
	fputs("</figure>\n", out);
}

static void figures(FILE *out, const struct series *s, const struct series_row **rows,
		    const struct html_opts *o)
{
	size_t r;

	for (r = 0; r < s->nr_rows; r++) {
		if (s->by != GROUP_CLASS && (!r || !series_same_group(&rows[r - 1]->key, &rows[r]->key))) {
			fputs("<h2>", out);
			group_label(out, &rows[r]->key, s->by, o->names);
			fputs("</h2>\n", out);
		}
		figure(out, s, rows[r], r, o);
	}
}

int render_html(FILE *out, const struct series *s, const struct html_opts *o)
{
	const struct series_row **rows;
	enum kvmstat_span first = o->spans & s->spans & (1U << KVMSTAT_SPAN_HANDLING) ?
				  KVMSTAT_SPAN_HANDLING : KVMSTAT_SPAN_GUEST;
	size_t r;

	if (!s->nr_columns)
		return -EINVAL;
	rows = malloc((s->nr_rows ? s->nr_rows : 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (r = 0; r < s->nr_rows; r++)
		rows[r] = &s->rows[r];
	qsort(rows, s->nr_rows, sizeof(*rows), row_cmp);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>"
		"kvmstat-bpf report: ");
	text(out, o->source);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>kvmstat-bpf: KVM exits over time</h1>\n",
		style);
	meta(out, s, o);
	how_to_read(out);
	summary(out, s, rows, first, o);
	figures(out, s, rows, o);
	fputs("</body>\n</html>\n", out);
	free(rows);
	return stream_flush(out);
}
