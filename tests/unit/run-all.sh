#!/usr/bin/env bash
# Runs unit test binaries (tests/unit/test.h), shows their output and ends with
# the sum of their closing lines, "N passed, N failed, N skipped". Exits 1 if a
# test failed or a binary did not end with such a line (crash, bad exit).
# Usage: run-all.sh TEST_BINARY...
set -euo pipefail

passed=0 failed=0 skipped=0 broken=0
for t in "$@"; do
	echo "# $t"
	rc=0
	out=$("$t") || rc=$?
	printf '%s\n' "$out"
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
		if [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
			echo "FAIL $t: exit status $rc"
			broken=$((broken + 1))
		fi
	else
		echo "FAIL $t: exit status $rc, no closing \"N passed, N failed\" line"
		broken=$((broken + 1))
	fi
done
failed=$((failed + broken))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
