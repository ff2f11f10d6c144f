// SPDX-License-Identifier: GPL-2.0
/*
 * Series: one per (class, origin, VM, vCPU). A vCPU's threads are merged (a
 * VMM may move a vCPU to another thread); when the vCPU id is unknown (thread
 * fallback) the thread stands for it: vcpu="tid:<tid>".
 *
 * Histogram buckets: the 128 in-kernel buckets fold into 13 `le` bounds, every
 * power of 4 from 2^8 to 2^32 ns (256 ns .. 4.3 s), and +Inf. Every 2^k ns is a
 * fine-bucket boundary and durations are integer ns, so "<= (2^k - 1) ns" is
 * exactly the fine buckets below 2^k: le is written as 2^k - 1 ns, in seconds,
 * and every bucket count is exact, not interpolated.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <errno.h>
#include <stdio.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "lib/stream.h"
#include "lib/utf8.h"
#include "model/hist.h"
#include "model/schema.h"
#include "render/prom.h"

#define EXITS_METRIC "kvmstat_exits_total"

static const char *const span_metric[KVMSTAT_NR_SPANS] = {
	[KVMSTAT_SPAN_HANDLING] = "kvmstat_exit_handling_seconds",
	[KVMSTAT_SPAN_GUEST] = "kvmstat_exit_guest_seconds",
};

static const char *const span_help[KVMSTAT_NR_SPANS] = {
	[KVMSTAT_SPAN_HANDLING] = "Host time from kvm_exit to the next kvm_entry of the vCPU. "
				  "le bounds are 2^k-1 ns: exact sums of the in-kernel buckets.",
	[KVMSTAT_SPAN_GUEST] = "Guest run time from kvm_entry to the kvm_exit of the class. "
			       "le bounds are 2^k-1 ns: exact sums of the in-kernel buckets.",
};

/* The le bin of a fine bucket: the first 2^k its upper bound does not pass; PROM_NR_LE above all. */
static unsigned int le_bin(unsigned int bucket)
{
	unsigned int i;

	for (i = 0; i < PROM_NR_LE; i++)
		if (hist_bucket_hi(bucket) <= 1ULL << (PROM_LE_FIRST_LOG2 + i * PROM_LE_STEP_LOG2))
			return i;
	return PROM_NR_LE;
}

/* ns as exact decimal seconds at p: 255 -> "0.000000255", 1500000000 -> "1.5". Returns the end. */
static char *put_seconds(char *p, __u64 ns)
{
	char frac[9];
	__u64 f = ns % 1000000000ULL;
	int i, n = 9;

	p = put_decimal(p, ns / 1000000000ULL);
	for (i = 8; i >= 0; i--, f /= 10)
		frac[i] = '0' + f % 10;
	while (n > 0 && frac[n - 1] == '0')
		n--;
	if (n) {
		*p++ = '.';
		memcpy(p, frac, n);
		p += n;
	}
	return p;
}

/*
 * A label value: backslash, double quote and newline escaped, as the format
 * requires; invalid UTF-8 (a process name is any bytes) replaced by U+FFFD,
 * since one bad byte makes the collector drop the whole file.
 */
static bool put_label_value(struct strbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);
	bool ok = strbuf_puts(b, "\"");
	size_t n;

	while (ok && s < end) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			ok = strbuf_puts(b, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\");
			s++;
			continue;
		}
		n = utf8_valid_len(s, end);
		ok = n ? strbuf_put(b, s, n) : strbuf_puts(b, "\xef\xbf\xbd");
		s += n ? n : 1;
	}
	return ok && strbuf_puts(b, "\"");
}

static bool put_label(struct strbuf *b, const char *sep_name, const char *value)
{
	return strbuf_puts(b, sep_name) && put_label_value(b, value);
}

/* `{arch="arm64",class="DABT_LOW",origin="user",vm="171",vm_name="",vm_uuid="",vcpu="0"`, unclosed. */
static bool make_labels(const struct prom_state *ps, struct prom_series *s)
{
	const char *vm = names_vm(ps->o.names, s->key.vm);
	const char *uuid = names_vm_uuid(ps->o.names, s->key.vm);
	char name[ARCH_NAME_LEN], num[32];
	struct strbuf *b = &s->labels;

	b->len = 0;
	if (!put_label(b, "{arch=", arch_name(ps->arch) ?: "unknown") ||
	    !put_label(b, ",class=", arch_class_name(ps->arch, s->key.class, name, sizeof(name))) ||
	    !put_label(b, ",origin=", schema_name(&schema_origins, key_origin(&s->key))))
		return false;
	snprintf(num, sizeof(num), "%u", s->key.vm);
	if (!put_label(b, ",vm=", num) || !put_label(b, ",vm_name=", vm ?: "") ||
	    !put_label(b, ",vm_uuid=", uuid ?: ""))
		return false;
	if (s->key.vcpu == KVMSTAT_VCPU_UNKNOWN)
		snprintf(num, sizeof(num), "tid:%u", s->key.tid);
	else
		snprintf(num, sizeof(num), "%u", s->key.vcpu);
	s->vm_named = vm;
	return put_label(b, ",vcpu=", num);
}

/* A metric name and its length. */
struct name {
	const char *s;
	size_t len;
};

#define NAME(str) { str, sizeof(str) - 1 }

/* Per span: its histogram's _bucket, _sum and _count series names. */
static const struct name hist_names[KVMSTAT_NR_SPANS][3] = {
	[KVMSTAT_SPAN_HANDLING] = { NAME("kvmstat_exit_handling_seconds_bucket"),
				    NAME("kvmstat_exit_handling_seconds_sum"),
				    NAME("kvmstat_exit_handling_seconds_count") },
	[KVMSTAT_SPAN_GUEST] = { NAME("kvmstat_exit_guest_seconds_bucket"),
				 NAME("kvmstat_exit_guest_seconds_sum"),
				 NAME("kvmstat_exit_guest_seconds_count") },
};
static const struct name exits_name = NAME(EXITS_METRIC);

#define LINE_MAX_EXTRA	64	/* a line's bytes besides its labels: name, le label, value */

/* `,le="0.000000255"` per bound and the le bin of each fine bucket, into the state. */
static void make_bounds(struct prom_state *ps)
{
	unsigned int i;
	char *p;

	for (i = 0; i < PROM_NR_LE; i++) {
		p = ps->le_labels[i] + sprintf(ps->le_labels[i], ",le=\"");
		p = put_seconds(p, (1ULL << (PROM_LE_FIRST_LOG2 + i * PROM_LE_STEP_LOG2)) - 1);
		*p++ = '"';
		ps->le_len[i] = p - ps->le_labels[i];
	}
	for (i = 0; i < KVMSTAT_HIST_BUCKETS; i++)
		ps->bin_of[i] = le_bin(i);
}

/* name + labels + extra + "} " at p; the value follows. */
static char *put_series(char *p, const struct name *name, const struct prom_series *s,
			const struct name *extra)
{
	memcpy(p, name->s, name->len);
	p += name->len;
	memcpy(p, s->labels.s, s->labels.len);
	p += s->labels.len;
	if (extra) {
		memcpy(p, extra->s, extra->len);
		p += extra->len;
	}
	*p++ = '}';
	*p++ = ' ';
	return p;
}

static char *put_line(char *p, const struct name *name, const struct prom_series *s,
		      const struct name *extra, __u64 v)
{
	p = put_decimal(put_series(p, name, s, extra), v);
	*p++ = '\n';
	return p;
}

static char *put_histogram(char *p, const struct prom_state *ps, const struct prom_series *s,
			   enum kvmstat_span span)
{
	static const struct name inf = NAME(",le=\"+Inf\"");
	const struct name *names = hist_names[span];
	struct name le;
	__u64 below = 0;
	unsigned int i;

	for (i = 0; i < PROM_NR_LE; i++) {
		below += s->span[span].bins[i];
		le = (struct name){ ps->le_labels[i], ps->le_len[i] };
		p = put_line(p, &names[0], s, &le, below);
	}
	p = put_line(p, &names[0], s, &inf, s->span[span].count);
	p = put_seconds(put_series(p, &names[1], s, NULL), s->span[span].sum_ns);
	*p++ = '\n';
	return put_line(p, &names[2], s, NULL, s->span[span].count);
}

/* The series' lines, one part per family, written straight into room reserved for them all. */
static bool make_text(const struct prom_state *ps, struct prom_series *s)
{
	unsigned int lines = 1 + __builtin_popcount(ps->o.spans) * (PROM_NR_LE + 3);
	struct strbuf *b = &s->text;
	char *p;
	int span;

	b->len = 0;
	if (!strbuf_reserve(b, lines * (s->labels.len + LINE_MAX_EXTRA)))
		return false;
	p = put_line(b->s, &exits_name, s, NULL, s->exits);
	s->part[0] = p - b->s;
	for (span = 0; span < KVMSTAT_NR_SPANS; span++) {
		if (ps->o.spans & (1U << span))
			p = put_histogram(p, ps, s, span);
		s->part[1 + span] = p - b->s;
	}
	b->len = p - b->s;
	return true;
}

void prom_state_init(struct prom_state *ps, enum kvmstat_arch arch, const struct prom_opts *o)
{
	memset(ps, 0, sizeof(*ps));
	ps->arch = arch;
	ps->o = *o;
	make_bounds(ps);
}

void prom_state_free(struct prom_state *ps)
{
	size_t i;

	for (i = 0; i < ps->nr; i++) {
		strbuf_free(&ps->series[i].labels);
		strbuf_free(&ps->series[i].text);
	}
	free(ps->series);
	free(ps->table);
	free(ps->order);
	strbuf_free(&ps->info);
	free(ps->keys);
	free(ps->key_table);
	memset(ps, 0, sizeof(*ps));
}

void prom_state_reset(struct prom_state *ps)
{
	size_t i;

	for (i = 0; i < ps->nr; i++) {
		struct prom_series *s = &ps->series[i];

		s->exits = 0;
		memset(s->span, 0, sizeof(s->span));
		s->dirty = true;
	}
	memset(ps->drops, 0, sizeof(ps->drops));
	for (i = 0; i < ps->nr_keys; i++)
		ps->keys[i].exits = 0;
	ps->adds = 0;
}

/* The series of a key: the vCPU's threads merged when its id is known, its keys summed. */
static struct kvmstat_key series_key(const struct kvmstat_key *k)
{
	struct kvmstat_key s = *k;

	if (s.vcpu != KVMSTAT_VCPU_UNKNOWN)
		s.tid = 0;
	s.flags &= KVMSTAT_KEY_USER;
	s.detail = 0;
	return s;
}

/* A key's counter: per VM (vCPUs summed), so at most --detail-max + 2 per class and VM. */
static struct kvmstat_key key_series_key(const struct kvmstat_key *k)
{
	return (struct kvmstat_key){
		.vm = k->vm, .class = k->class, .detail = k->detail,
		.flags = k->flags & (KVMSTAT_KEY_USER | KVMSTAT_KEY_DETAIL | KVMSTAT_KEY_OTHER),
	};
}

static size_t *key_slot_of(const struct prom_state *ps, const struct kvmstat_key *k)
{
	size_t h;

	for (h = key_hash(k) & ps->key_mask; ps->key_table[h]; h = (h + 1) & ps->key_mask)
		if (!key_cmp(&ps->keys[ps->key_table[h] - 1].key, k))
			break;
	return &ps->key_table[h];
}

static struct prom_key_series *key_series_of(struct prom_state *ps, const struct kvmstat_key *k)
{
	struct kvmstat_key key = key_series_key(k);
	size_t *slot, i, cap;

	if (ps->key_table && *(slot = key_slot_of(ps, &key)))
		return &ps->keys[*slot - 1];
	if (ps->nr_keys == ps->cap_keys) {	/* grow: the table at most half full */
		struct prom_key_series *n;

		cap = ps->cap_keys ? 2 * ps->cap_keys : 64;
		n = realloc(ps->keys, cap * sizeof(*n));
		if (!n)
			return NULL;
		ps->keys = n;
		ps->cap_keys = cap;
		free(ps->key_table);
		ps->key_mask = 2 * cap - 1;
		ps->key_table = calloc(2 * cap, sizeof(*ps->key_table));
		if (!ps->key_table)
			return NULL;
		for (i = 0; i < ps->nr_keys; i++)
			*key_slot_of(ps, &ps->keys[i].key) = i + 1;
	}
	ps->keys[ps->nr_keys] = (struct prom_key_series){ .key = key };
	*key_slot_of(ps, &key) = ++ps->nr_keys;
	return &ps->keys[ps->nr_keys - 1];
}

static size_t *slot_of(const struct prom_state *ps, const struct kvmstat_key *k)
{
	size_t h;

	for (h = key_hash(k) & ps->mask; ps->table[h]; h = (h + 1) & ps->mask)
		if (!key_cmp(&ps->series[ps->table[h] - 1].key, k))
			break;
	return &ps->table[h];
}

/* Room for one more series, the table at most half full. */
static int grow(struct prom_state *ps)
{
	size_t i, cap = ps->cap ? 2 * ps->cap : 64;
	struct prom_series *n;

	if (ps->nr < ps->cap)
		return 0;
	n = realloc(ps->series, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	ps->series = n;
	ps->cap = cap;
	free(ps->table);
	ps->mask = 2 * cap - 1;
	ps->table = calloc(2 * cap, sizeof(*ps->table));
	if (!ps->table)
		return -ENOMEM;
	for (i = 0; i < ps->nr; i++)
		*slot_of(ps, &ps->series[i].key) = i + 1;
	return 0;
}

/*
 * The series of key k; guess: the one after the previous sample's (an interval
 * lists keys in the order their series were made), else the hash table.
 */
static struct prom_series *series_of(struct prom_state *ps, const struct kvmstat_key *k, size_t guess)
{
	struct kvmstat_key key = series_key(k);
	struct prom_series *s;
	size_t *slot;

	if (guess < ps->nr && !key_cmp(&ps->series[guess].key, &key))
		return &ps->series[guess];
	if (ps->table && *(slot = slot_of(ps, &key)))
		return &ps->series[*slot - 1];
	if (grow(ps))
		return NULL;
	s = &ps->series[ps->nr];
	memset(s, 0, sizeof(*s));
	s->key = key;
	*slot_of(ps, &key) = ++ps->nr;
	ps->order_stale = true;
	return s;
}

static void add_span(const struct prom_state *ps, struct prom_series *s, enum kvmstat_span span,
		     const struct kvmstat_span_stats *d)
{
	unsigned int i, first, last;

	s->span[span].count += d->count;
	s->span[span].sum_ns += d->sum_ns;
	if (hist_range(d, &first, &last))
		for (i = first; i <= last; i++)
			s->span[span].bins[ps->bin_of[i]] += d->hist[i];
}

int prom_state_add(struct prom_state *ps, const struct snapshot *d)
{
	struct prom_series *s = NULL;
	size_t i;
	int span;

	for (i = 0; i < d->nr; i++) {
		s = series_of(ps, &d->samples[i].key, s ? (size_t)(s - ps->series) + 1 : 0);
		if (!s)
			return -ENOMEM;
		s->exits += d->samples[i].val.exits;
		for (span = 0; span < KVMSTAT_NR_SPANS; span++)
			if (ps->o.spans & (1U << span))
				add_span(ps, s, span, &d->samples[i].val.span[span]);
		s->dirty = true;
		if (ps->o.keys && arch_detail_kind(ps->arch, d->samples[i].key.class)) {
			struct prom_key_series *k = key_series_of(ps, &d->samples[i].key);

			if (!k)
				return -ENOMEM;
			k->exits += d->samples[i].val.exits;
		}
	}
	for (i = 0; i < KVMSTAT_NR_DROPS; i++)
		ps->drops[i] += d->drops[i];
	ps->adds++;
	return 0;
}

static int series_order_cmp(const void *a, const void *b, void *ctx)
{
	const struct prom_series *s = ctx;

	return key_cmp(&s[*(const size_t *)a].key, &s[*(const size_t *)b].key);
}

/* Remakes what changed: the order when series were added, the text of changed series. */
static int refresh(struct prom_state *ps)
{
	size_t i, *order;

	if (ps->order_stale) {
		order = realloc(ps->order, (ps->nr ? ps->nr : 1) * sizeof(*order));
		if (!order)
			return -ENOMEM;
		ps->order = order;
		for (i = 0; i < ps->nr; i++)
			order[i] = i;
		qsort_r(order, ps->nr, sizeof(*order), series_order_cmp, ps->series);
		ps->order_stale = false;
	}
	for (i = 0; i < ps->nr; i++) {
		struct prom_series *s = &ps->series[i];

		if (!s->dirty)
			continue;
		if ((!s->labels.s || !s->vm_named) && !make_labels(ps, s))
			return -ENOMEM;
		if (!make_text(ps, s))
			return -ENOMEM;
		s->dirty = false;
	}
	return 0;
}

static void put_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define IOV_BATCH 1024	/* IOV_MAX on Linux */

/* Writes all of iov[0..n) to fd, however many bytes each writev takes. 0 or -errno. */
static int writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		for (; n > 0 && (size_t)w >= iov->iov_len; n--, iov++)
			w -= iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

/*
 * Every series' lines of one family (part f of their texts), in key order.
 * Straight from the kept texts to the file with writev: one copy, by the kernel,
 * where stdio would copy every byte once more.
 */
static int put_part(FILE *out, const struct prom_state *ps, int f)
{
	struct iovec iov[IOV_BATCH];
	int fd = fileno(out), n = 0, err = fd >= 0 ? stream_flush(out) : 0;
	size_t i;

	for (i = 0; i < ps->nr && !err; i++) {
		const struct prom_series *s = &ps->series[ps->order[i]];
		size_t from = f ? s->part[f - 1] : 0;

		if (fd < 0) {
			fwrite_unlocked(s->text.s + from, 1, s->part[f] - from, out);
			continue;
		}
		iov[n++] = (struct iovec){ s->text.s + from, s->part[f] - from };
		if (n == IOV_BATCH) {
			err = writev_all(fd, iov, n);
			n = 0;
		}
	}
	return err ?: n ? writev_all(fd, iov, n) : 0;
}

static int key_series_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct prom_key_series *)a)->key,
		       &((const struct prom_key_series *)b)->key);
}

/* --detail: each key's exits per VM, the class's other and the exits of unknown key. */
static int put_keys(FILE *out, struct prom_state *ps)
{
	char cls[ARCH_NAME_LEN], key[ARCH_DETAIL_LEN], num[32];
	struct strbuf b = {};
	size_t i;

	if (!ps->o.keys)
		return 0;
	/* sorting moves the series: their slots are found again */
	qsort(ps->keys, ps->nr_keys, sizeof(*ps->keys), key_series_cmp);
	memset(ps->key_table, 0, (ps->key_mask + 1) * sizeof(*ps->key_table) * !!ps->key_table);
	for (i = 0; i < ps->nr_keys; i++)
		*key_slot_of(ps, &ps->keys[i].key) = i + 1;
	put_family(out, "kvmstat_key_exits_total", "counter",
		   "Exits per second-level key (run --detail): kind key, other (beyond --detail-max "
		   "keys of the class), unknown.");
	for (i = 0; i < ps->nr_keys; i++) {
		const struct kvmstat_key *k = &ps->keys[i].key;
		enum key_kind kind = key_kind_of(k);
		const char *vm = names_vm(ps->o.names, k->vm);

		b.len = 0;
		snprintf(num, sizeof(num), "%u", k->vm);
		if (kind == KEY_NAMED)
			arch_detail_name(ps->arch, k->class, k->detail, key, sizeof(key));
		else
			snprintf(key, sizeof(key), "%s", schema_name(&schema_key_kinds, kind));
		if (!put_label(&b, "{arch=", arch_name(ps->arch) ?: "unknown") ||
		    !put_label(&b, ",class=", arch_class_name(ps->arch, k->class, cls, sizeof(cls))) ||
		    !put_label(&b, ",origin=", schema_name(&schema_origins, key_origin(k))) ||
		    !put_label(&b, ",kind=", schema_name(&schema_key_kinds, kind)) ||
		    !put_label(&b, ",key=", key) || !put_label(&b, ",vm=", num) ||
		    !put_label(&b, ",vm_name=", vm ?: "") ||
		    !put_label(&b, ",vm_uuid=", names_vm_uuid(ps->o.names, k->vm) ?: "")) {
			strbuf_free(&b);
			return -ENOMEM;
		}
		fprintf(out, "kvmstat_key_exits_total%s} %llu\n", b.s, (unsigned long long)ps->keys[i].exits);
	}
	strbuf_free(&b);
	return 0;
}

static void put_drops(FILE *out, const struct prom_state *ps)
{
	char help[256];
	size_t n;
	int i;

	n = snprintf(help, sizeof(help), "Events kvmstat-bpf could not count:");
	for (i = 0; i < KVMSTAT_NR_EXIT_DROPS && n < sizeof(help); i++)
		n += snprintf(help + n, sizeof(help) - n, " %s (%s)%s", schema_name(&schema_drops, i),
			      schema_drops.descs[i], i + 1 < KVMSTAT_NR_EXIT_DROPS ? "," : ".");
	put_family(out, "kvmstat_drops_total", "counter", help);
	for (i = 0; i < KVMSTAT_NR_EXIT_DROPS; i++)
		fprintf(out, "kvmstat_drops_total{arch=\"%s\",reason=\"%s\"} %llu\n",
			arch_name(ps->arch) ?: "unknown", schema_name(&schema_drops, i),
			(unsigned long long)ps->drops[i]);
	if (!ps->o.slow)
		return;
	put_family(out, "kvmstat_slow_records_dropped_total", "counter",
		   "Slow-exit records not sent: suppressed (rate limit), lost (ring buffer full).");
	for (i = 0; i < (int)schema_slow_drops.nr; i++)
		fprintf(out, "kvmstat_slow_records_dropped_total{arch=\"%s\",reason=\"%s\"} %llu\n",
			arch_name(ps->arch) ?: "unknown", schema_name(&schema_slow_drops, i),
			(unsigned long long)ps->drops[KVMSTAT_DROP_SLOW_SUPPRESSED + i]);
}

/* ,spans="handling,guest": the spans timed, by their schema names. */
static bool put_spans_label(struct strbuf *b, __u32 spans)
{
	bool ok = strbuf_puts(b, ",spans=\"");
	int span, n = 0;

	for (span = 0; ok && span < KVMSTAT_NR_SPANS; span++)
		if (spans & (1U << span))
			ok = (!n++ || strbuf_puts(b, ",")) && strbuf_puts(b, span_name(span));
	return ok && strbuf_puts(b, "\"");
}

static bool make_build_info(const struct prom_state *ps, struct strbuf *b)
{
	const struct prom_info *in = ps->o.info;

	b->len = 0;
	return put_label(b, "kvmstat_build_info{version=", in->version ?: "") &&
	       put_label(b, ",arch=", arch_name(ps->arch) ?: "unknown") &&
	       put_label(b, ",kernel=", in->kernel ?: "") &&
	       put_label(b, ",vcpu_source=", in->vcpu_source ?: "") &&
	       put_spans_label(b, ps->o.spans) && strbuf_puts(b, "} 1\n");
}

/* One line per VM of the series (in key order: a VM's series are together). */
static bool make_vm_info(const struct prom_state *ps, struct strbuf *b)
{
	char num[16];
	size_t i;

	b->len = 0;
	for (i = 0; i < ps->nr; i++) {
		__u32 vm = ps->series[ps->order[i]].key.vm;

		if (i && ps->series[ps->order[i - 1]].key.vm == vm)
			continue;
		snprintf(num, sizeof(num), "%u", vm);
		if (!put_label(b, "kvmstat_vm_info{vm=", num) ||
		    !put_label(b, ",vm_name=", names_vm(ps->o.names, vm) ?: "") ||
		    !put_label(b, ",vm_uuid=", names_vm_uuid(ps->o.names, vm) ?: "") ||
		    !put_label(b, ",vm_scope=", names_vm_scope(ps->o.names, vm) ?: "") ||
		    !strbuf_puts(b, "} 1\n"))
			return false;
	}
	return true;
}

/* kvmstat_build_info and kvmstat_vm_info: names looked up now, not kept with the series. */
static int put_info(FILE *out, struct prom_state *ps)
{
	if (!make_build_info(ps, &ps->info))
		return -ENOMEM;
	put_family(out, "kvmstat_build_info", "gauge",
		   "kvmstat-bpf's version, the host's arch and kernel, where vCPU ids come from and "
		   "the spans timed; always 1.");
	fwrite_unlocked(ps->info.s, 1, ps->info.len, out);
	if (!make_vm_info(ps, &ps->info))
		return -ENOMEM;
	put_family(out, "kvmstat_vm_info", "gauge",
		   "A VM seen since attach: VMM pid (vm, as on every series), name, UUID (QEMU "
		   "-uuid, else empty) and libvirt's systemd scope (else empty); always 1. Join on vm to "
		   "add names and UUIDs to queries.");
	if (ps->info.len)
		fwrite_unlocked(ps->info.s, 1, ps->info.len, out);
	return 0;
}

int prom_state_write(struct prom_state *ps, FILE *out)
{
	int span, err = refresh(ps);

	if (err)
		return err;
	put_family(out, EXITS_METRIC, "counter",
		   "KVM guest exits since kvmstat-bpf attached, by exit class, origin (user: went "
		   "out to the VMM), VM (VMM pid) and vCPU.");
	err = put_part(out, ps, 0);
	for (span = 0; span < KVMSTAT_NR_SPANS && !err; span++) {
		if (!(ps->o.spans & (1U << span)))
			continue;
		put_family(out, span_metric[span], "histogram", span_help[span]);
		err = put_part(out, ps, 1 + span);
	}
	if (!err)
		err = put_keys(out, ps);
	if (!err)
		put_drops(out, ps);
	if (!err && ps->o.info)
		err = put_info(out, ps);
	return err ?: stream_flush(out);
}

int render_prom(FILE *out, const struct snapshot *cumulative, const struct prom_opts *o)
{
	struct prom_state ps;
	int err;

	prom_state_init(&ps, cumulative->arch, o);
	err = prom_state_add(&ps, cumulative) ?: prom_state_write(&ps, out);
	prom_state_free(&ps);
	return err;
}
