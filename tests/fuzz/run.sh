#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz-bins`):
# first every kept crash input (tests/fuzz/regress/TARGET/*) is replayed, then
# each target fuzzes for SECONDS from the seeds (tests/fuzz/seeds, gen-ndjson
# runs, the emulated runs' NDJSON) and its corpus of earlier runs
# (OUT/corpus/TARGET, kept). Prints per target `ok fuzz_T: ... execs, corpus`
# or `FAIL fuzz_T: ...` with the sanitizer's report and the input saved
# (OUT/artifacts/); once fixed, copy that input into tests/fuzz/regress/T/.
# Usage: run.sh [--seconds S] [--out DIR] [--gen GEN_NDJSON] [--vmtest-logs DIR] [--regress-only]
#        TARGET...
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
seconds=30 out=build/fuzz gen="" logs=build/vmtest regress_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--gen) gen=$2; shift 2 ;;
	--vmtest-logs) logs=$2; shift 2 ;;
	--regress-only) regress_only=1; shift ;;
	*) break ;;
	esac
done
failed=0

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# What a crashing input printed: the sanitizer's summary and the first frames.
show_report() {
	awk '/ERROR: (Address|Undefined|Leak)Sanitizer|runtime error|ERROR: libFuzzer|^round trip|^guest name|^json:/ { print; n = 0; on = 1; next }
	     on && /^    #[0-9]+ / { if ($0 ~ /\.c:[0-9]/ && $0 !~ /fuzzer::|compiler-rt/ && n++ < 6) print; next }
	     on && !/^    #[0-9]+ / { on = 0 }
	     /^SUMMARY/ { print }' "$1" | head -n 20 | sed 's/^/    /'
}

# Output of the report target goes nowhere (tables, error lines of bad input);
# libFuzzer keeps its own and the sanitizers' messages.
fd_mask() { [ "$1" = report ] && echo 3 || echo 1; }

replay_regressions() {
	local t=$1 bin=$out/fuzz_$1 dir=$HERE/regress/$1 log n
	[ -d "$dir" ] || return 0
	n=$(find "$dir" -type f | wc -l)
	[ "$n" -gt 0 ] || return 0
	log=$(mktemp)
	if "$bin" -close_fd_mask="$(fd_mask "$t")" "$dir"/* >"$log" 2>&1; then
		ok "fuzz_regress_$t: $n kept crash inputs replayed clean"
	else
		fail "fuzz_regress_$t" "a kept crash input fails again (replay: $bin $dir/*)"
		show_report "$log"
	fi
	rm -f "$log"
}

seed() {
	local sources=() f
	mkdir -p "$out/seeds" "$out/gen"
	if [ -n "$gen" ] && [ -x "$gen" ] && [ "$(id -u)" -eq 0 ]; then
		for g in class vm vcpu; do
			[ "$out/gen/$g.ndjson" -nt "$gen" ] || "$gen" "$out/gen/$g" "$g" >/dev/null 2>&1 ||
				echo "# seeds: gen-ndjson $g failed (no synthetic-run seeds)"
			sources+=(--ndjson "$out/gen/$g.ndjson")
		done
	fi
	for f in "$logs"/*/e2e*.log; do
		[ -f "$f" ] && sources+=(--log "$f")
	done
	python3 "$HERE/seed.py" "$out/seeds" "${sources[@]}" | sed 's/^/# /'
}

fuzz_one() {
	local t=$1 bin=$out/fuzz_$1 log corpus=$out/corpus/$1 dirs dict=() execs rate corp cov ft rss
	log=$out/logs/$t.log
	mkdir -p "$corpus" "$out/artifacts" "$out/logs"
	dirs=("$corpus")
	[ -d "$HERE/seeds/$t" ] && dirs+=("$HERE/seeds/$t")
	[ -d "$out/seeds/$t" ] && dirs+=("$out/seeds/$t")
	case $t in json|record|report) dict=(-dict="$out/seeds/ndjson.dict") ;; esac
	"$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-close_fd_mask="$(fd_mask "$t")" -artifact_prefix="$out/artifacts/$t-" "${dict[@]}" \
		"${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n1)
	# "#N DONE cov: C ft: F corp: U/SIZE lim: ... exec/s: R rss: ..."
	read -r cov ft corp rate <<<"$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n1 |
		sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*exec\/s: ([0-9]+).*/\1 \2 \3 \4/')"
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		ok "fuzz_$t: ${seconds} s, $execs execs (${rate:-?}/s), corpus ${corp:-?} (inputs/bytes), cov ${cov:-?} ft ${ft:-?}, peak RSS ${rss:-?} MB, no crash"
	else
		fail "fuzz_$t" "exit $rc after ${execs:-?} execs; input saved as $(grep -o "$out/artifacts/$t-[a-z-]*[0-9a-f]*" "$log" | tail -n1) (log $log)"
		show_report "$log"
	fi
}

[ "$regress_only" = 1 ] || seed
for t in "$@"; do
	if [ ! -x "$out/fuzz_$t" ]; then
		fail "fuzz_$t" "$out/fuzz_$t not built (make fuzz-bins)"
		continue
	fi
	replay_regressions "$t"
	[ "$regress_only" = 1 ] || fuzz_one "$t"
done
[ "$failed" -eq 0 ]
