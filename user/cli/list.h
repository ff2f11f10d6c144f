/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMSTAT_LIST_H
#define KVMSTAT_LIST_H

#include <stdio.h>
#include "bpf/kvmstat.h"

/*
 * Prints the decode tables of an arch, for `kvmstat-bpf list`: per table a
 * "# <title> (<source>)" line, then one "<code>  <NAME>  <description>" line
 * per class, code as arch_class_code() prints it. Tables are separated by a
 * blank line. Returns 0, -EINVAL for an unknown arch, -EIO if writing failed.
 */
int print_class_list(FILE *out, enum kvmstat_arch arch);

/*
 * Prints the second-level tables of an arch (`list --detail`): system registers,
 * SMCCC/SBI functions, CSRs, MSRs, hypercalls, in the same form; a code is printed
 * the table's way (e.g. "S3_0_C0_C4_0" for a sysreg). Same returns.
 */
int print_detail_list(FILE *out, enum kvmstat_arch arch);

#endif /* KVMSTAT_LIST_H */
