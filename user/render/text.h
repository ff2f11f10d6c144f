/* SPDX-License-Identifier: GPL-2.0 */
/* What the text renderers (table, histograms) share: labels, titles, names made printable. */
#ifndef KVMSTAT_TEXT_H
#define KVMSTAT_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include "model/keys.h"
#include "model/names.h"
#include "model/view.h"

#define TEXT_NAME_LEN 128

/* How a text renderer shows a view. */
struct table_opts {
	enum grouping by;
	enum kvmstat_span span;
	bool final;		/* the whole-run summary rather than one interval */
	const struct names *names;
	const struct key_rows *keys;	/* --detail: second-level keys of level by, else NULL */
	unsigned int detail_top;	/* named keys shown per class row, the rest as "other" */
};

/* "DABT_LOW" or "DABT_LOW/user" for exits that went out to the VMM. */
const char *class_label(enum kvmstat_arch arch, const struct kvmstat_key *key, char *buf, size_t len);
/* "ID_AA64PFR0_EL1 read", "PSCI_CPU_ON_64", "0x9000000 write": a second-level key row's label. */
const char *key_label(enum kvmstat_arch arch, const struct kvmstat_key *key, char *buf, size_t len);
/* "other (3 keys)", "other (2+ keys)" (with the kernel's other, of 1 key or more): key_top()'s other. */
const char *other_label(const struct key_top *t, char *buf, size_t len);
#define UNKNOWN_KEY_LABEL "(key unknown)"

/*
 * The keys to show under a class row of group g: NULL when there are none to show
 * (no --detail, or a class without second-level keys); else t filled (key_top()).
 */
const struct key_top *text_keys_of(const struct table_opts *o, enum kvmstat_arch arch,
				   const struct group *g, const struct sample *row,
				   struct key_top *t);

/* "kvmstat-bpf  arm64  WHAT  interval 2.00s": what a table or histogram dump is about. */
void text_title(FILE *out, const struct snapshot *s, const char *what, bool final);
/* "\nVM 100 (web)" and, per vCPU, "  vCPU 0 thread 101 (CPU 0/KVM)": a group's heading. */
void text_group_title(FILE *out, const struct group *g, const struct table_opts *o);

/*
 * Names as the text views print them: raw, a control character (a process
 * names itself; a saved file says anything) would break the table's lines or
 * drive the terminal. Those and invalid UTF-8 become '?'; JSON and Prometheus
 * escape the raw name instead.
 */
struct printable_names {
	const struct names *raw;
	/* one of each is printed at a time */
	char vm[TEXT_NAME_LEN], thread[TEXT_NAME_LEN], uuid[TEXT_NAME_LEN], scope[TEXT_NAME_LEN];
	struct names names;
};
/* p's names: raw's made printable (NULL when raw is NULL). */
const struct names *printable_names(struct printable_names *p, const struct names *raw);

#endif /* KVMSTAT_TEXT_H */
