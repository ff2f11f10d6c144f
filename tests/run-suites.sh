#!/usr/bin/env bash
# Runs test suites (commands printing `ok NAME` / `FAIL NAME...` / `skip NAME: why`) and
# prints the project's summary line. A suite that exits non-zero without a FAIL line
# (crash, missing tool) counts as one failure, so nothing fails silently.
# Usage: run-suites.sh NAME=COMMAND...
set -u
passed=0 failed=0 skipped=0
for spec in "$@"; do
	name=${spec%%=*}
	cmd=${spec#*=}
	echo "=== $name: $cmd"
	log=$(mktemp)
	bash -c "$cmd" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	s=$(grep -c '^skip ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	rm -f "$log"
done
echo "=== summary"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
