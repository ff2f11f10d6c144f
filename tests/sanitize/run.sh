#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs a test suite with binaries built with ASan+UBSan (make asan-bins) and
# fails it on any sanitizer report: reports go to files (log_path), so one
# from a command whose non-zero exit the suite expected (bad input, a refused
# run) still counts. Prints the suite's own lines, then `ok sanitizer_NAME: no
# report (N processes)` or `FAIL sanitizer_NAME: ...` with the report's head.
# Usage: run.sh NAME CMD...
set -u
name=$1
shift
dir=$(mktemp -d)
chmod 1777 "$dir"	# reports of processes run unprivileged too
trap 'rm -rf "$dir"' EXIT
export ASAN_OPTIONS="log_path=$dir/asan:detect_leaks=1:check_initialization_order=1:strict_string_checks=1:detect_stack_use_after_return=1:print_summary=1"
export UBSAN_OPTIONS="log_path=$dir/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="log_path=$dir/lsan"
# Every ELF binary named on the command line must be instrumented, or the suite proves nothing.
for a in "$@"; do
	if [ -f "$a" ] && [ "$(head -c4 "$a" | od -An -c | tr -d ' ')" = '177ELF' ] &&
	   ! nm "$a" 2>/dev/null | grep -q ' __asan_init$'; then
		echo "FAIL sanitizer_$name: $a is not built with ASan (make asan-bins)"
		exit 1
	fi
done
"$@"
rc=$?
reports=$(find "$dir" -type f | sort)
if [ -n "$reports" ]; then
	for r in $reports; do
		echo "FAIL sanitizer_$name: $(grep -m1 -E 'ERROR|runtime error' "$r" | cut -c1-200)"
		grep -E '^(SUMMARY|    #[0-9] )' "$r" | head -n 8 | sed 's/^/    /'
	done
	exit 1
fi
echo "ok sanitizer_$name: no ASan/UBSan/LSan report"
exit "$rc"
