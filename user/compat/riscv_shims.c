// SPDX-License-Identifier: GPL-2.0
/*
 * Link-time shims for the static riscv64 loader only (see scripts/cross.mk, scripts/riscv-sysroot.sh).
 *
 * bookworm has no riscv64 port, so the loader links Debian trixie's static libbpf.a, libelf.a,
 * libz.a and libzstd.a against bookworm's riscv64 cross glibc 2.36. Two gaps remain:
 *
 * - trixie's libraries were compiled against glibc 2.41 headers, which (C2x/C23 mode, glibc >= 2.38)
 *   redirect strtol/strtoull/sscanf/fscanf to __isoc23_* variants. Those differ only in also
 *   accepting binary "0b" prefixes, which libbpf and libelf never parse, so the C99 ones serve.
 * - elfutils 0.192's libelf.a calls eu_search_tree_init/fini, eu_tsearch and eu_tdelete from
 *   lib/eu-search.c, which Debian's static archive does not include. Its search_tree is
 *   { void *root; pthread_rwlock_t lock; } (or an int in place of the lock without thread safety);
 *   these shims only touch the first member, so either layout works. The loader opens ELF
 *   objects from one thread, hence plain tsearch/tdelete/tdestroy without the lock.
 *
 * Never link this file into a binary built against a glibc >= 2.38 or a complete elfutils.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* elfutils' search_tree (lib/eu-search.h) with thread safety on; only root is ever touched. */
struct search_tree {
	void *root;
	pthread_rwlock_t lock;
};

typedef int (*search_compare_fn)(const void *, const void *);

long __isoc23_strtol(const char *str, char **end, int base);
unsigned long long __isoc23_strtoull(const char *str, char **end, int base);
int __isoc23_sscanf(const char *str, const char *format, ...);
int __isoc23_fscanf(FILE *stream, const char *format, ...);
void eu_search_tree_init(struct search_tree *tree);
void eu_search_tree_fini(struct search_tree *tree, void (*free_node)(void *));
void *eu_tsearch(const void *key, struct search_tree *tree, search_compare_fn compare);
void *eu_tdelete(const void *key, struct search_tree *tree, search_compare_fn compare);

long __isoc23_strtol(const char *str, char **end, int base)
{
	return strtol(str, end, base);
}

unsigned long long __isoc23_strtoull(const char *str, char **end, int base)
{
	return strtoull(str, end, base);
}

int __isoc23_sscanf(const char *str, const char *format, ...)
{
	va_list args;
	int matched;

	va_start(args, format);
	matched = vsscanf(str, format, args);
	va_end(args);
	return matched;
}

int __isoc23_fscanf(FILE *stream, const char *format, ...)
{
	va_list args;
	int matched;

	va_start(args, format);
	matched = vfscanf(stream, format, args);
	va_end(args);
	return matched;
}

void eu_search_tree_init(struct search_tree *tree)
{
	tree->root = NULL;
}

void eu_search_tree_fini(struct search_tree *tree, void (*free_node)(void *))
{
	/* glibc's tdestroy() accepts an empty tree. */
	tdestroy(tree->root, free_node);
	tree->root = NULL;
}

void *eu_tsearch(const void *key, struct search_tree *tree, search_compare_fn compare)
{
	return tsearch(key, &tree->root, compare);
}

void *eu_tdelete(const void *key, struct search_tree *tree, search_compare_fn compare)
{
	return tdelete(key, &tree->root, compare);
}
