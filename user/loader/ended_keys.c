// SPDX-License-Identifier: GPL-2.0
/* Keys of ended vCPU threads, kept one by one up to a cap, then folded (ended_keys.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "loader/ended_keys.h"
#include "model/snapshot.h"

void ended_keys_init(struct ended_keys *e, __u32 spans, size_t cap)
{
	memset(e, 0, sizeof(*e));
	e->spans = spans;
	e->value_size = kvmstat_value_size(__builtin_popcount(spans));
	e->cap = cap;
}

void ended_keys_free(struct ended_keys *e)
{
	size_t i;

	for (i = 0; i < e->nr; i++)
		free(e->keys[i].base);
	for (i = 0; i < e->nr_folded; i++)
		free(e->folded[i].base);
	free(e->keys);
	free(e->finals);
	free(e->folded);
	free(e->folded_finals);
	memset(e, 0, sizeof(*e));
}

/* A packed value (only the enabled spans, in enum order) to a whole one, and back. */
static void unpack(const struct ended_keys *e, const void *packed, struct kvmstat_value *v)
{
	const struct kvmstat_value *p = packed;
	int s, i = 0;

	memset(v, 0, sizeof(*v));
	v->exits = p->exits;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++)
		if (e->spans & (1U << s))
			v->span[s] = p->span[i++];
}

static void pack(const struct ended_keys *e, const struct kvmstat_value *v, void *packed)
{
	struct kvmstat_value *p = packed;
	int s, i = 0;

	p->exits = v->exits;
	for (s = 0; s < KVMSTAT_NR_SPANS; s++)
		if (e->spans & (1U << s))
			p->span[i++] = v->span[s];
}

/* dst += src, both packed. */
static void merge_packed(const struct ended_keys *e, void *dst, const void *src)
{
	struct kvmstat_value a, b;

	unpack(e, dst, &a);
	unpack(e, src, &b);
	value_merge(&a, &b);
	pack(e, &a, dst);
}

/* The folded key of k's class and origin, made when missing; NULL on -ENOMEM. */
static struct ended_key *folded_of(struct ended_keys *e, const struct kvmstat_key *k)
{
	struct ended_key *f;
	char *finals;
	size_t i;

	for (i = 0; i < e->nr_folded; i++)
		if (e->folded[i].key.class == k->class && e->folded[i].key.flags == k->flags)
			return &e->folded[i];
	f = realloc(e->folded, (e->nr_folded + 1) * sizeof(*f));
	if (f)
		e->folded = f;
	finals = f ? realloc(e->folded_finals, (e->nr_folded + 1) * e->value_size) : NULL;
	if (!finals)
		return NULL;
	e->folded_finals = finals;
	memset(finals + e->nr_folded * e->value_size, 0, e->value_size);
	f = &e->folded[e->nr_folded++];
	*f = (struct ended_key){ .key = { .class = k->class, .vcpu = KVMSTAT_VCPU_UNKNOWN,
					  .flags = k->flags } };
	return f;
}

/* The oldest kept key into its folded key. */
static int fold_oldest(struct ended_keys *e)
{
	struct ended_key *f = folded_of(e, &e->keys[0].key);
	char *final;

	if (!f)
		return -ENOMEM;
	final = e->folded_finals + (f - e->folded) * e->value_size;
	if (e->keys[0].base) {
		if (!f->base)
			f->base = calloc(1, e->value_size);
		if (!f->base)
			return -ENOMEM;
		merge_packed(e, f->base, e->keys[0].base);
		free(e->keys[0].base);
	}
	merge_packed(e, final, e->finals);
	e->nr--;
	memmove(e->keys, e->keys + 1, e->nr * sizeof(*e->keys));
	memmove(e->finals, e->finals + e->value_size, e->nr * e->value_size);
	return 0;
}

static int grow(struct ended_keys *e)
{
	size_t alloc = e->alloc ? e->alloc * 2 : 64;
	struct ended_key *keys = realloc(e->keys, alloc * sizeof(*keys));
	char *finals;

	if (keys)
		e->keys = keys;
	finals = keys ? realloc(e->finals, alloc * e->value_size) : NULL;
	if (!finals)
		return -ENOMEM;
	e->finals = finals;
	e->alloc = alloc;
	return 0;
}

int ended_keys_add(struct ended_keys *e, const struct kvmstat_key *key, const void *final,
		   const void *base)
{
	struct ended_key *k;
	int err = 0;

	while (e->nr && e->nr >= e->cap && !err)
		err = fold_oldest(e);
	if (!err && e->nr == e->alloc)
		err = grow(e);
	if (err)
		return err;
	k = &e->keys[e->nr];
	*k = (struct ended_key){ .key = *key };
	if (base) {
		k->base = malloc(e->value_size);
		if (!k->base)
			return -ENOMEM;
		memcpy(k->base, base, e->value_size);
	}
	memcpy(e->finals + e->nr * e->value_size, final, e->value_size);
	e->nr++;
	e->nr_ended++;
	if (!e->cap)	/* keep none: straight into the folded keys */
		return fold_oldest(e);
	return 0;
}

size_t ended_keys_count(const struct ended_keys *e)
{
	return e->nr + e->nr_folded;
}

const struct kvmstat_key *ended_keys_get(const struct ended_keys *e, size_t i, const void **final,
					 const void **base)
{
	if (i < e->nr) {
		*final = e->finals + i * e->value_size;
		*base = e->keys[i].base;
		return &e->keys[i].key;
	}
	i -= e->nr;
	*final = e->folded_finals + i * e->value_size;
	*base = e->folded[i].base;
	return &e->folded[i].key;
}
