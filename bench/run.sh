#!/usr/bin/env bash
# make bench: per-exit overhead in the emulated arm64 (and riscv64) KVM hosts, per-exit cost on
# this machine's CPU (native-bench.c), loader cost at scale and kernel memory; prints the tables
# and updates the generated section of docs/PERFORMANCE.md (between its `make bench` markers).
# Env: BENCH_ARCHES (default "arm64 riscv"), BENCH_EXITS, BENCH_REPS, BENCH_CONFIGS;
# BENCH_NATIVE_PAIRS, BENCH_NATIVE_REPS (native-bench.c); BENCH_REUSE_LOGS=1 keeps the per-exit
# logs of the previous run (when only this machine's side changed) and reruns the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHES=${BENCH_ARCHES:-arm64 riscv}
OUTDIR=build/bench
mkdir -p "$OUTDIR"
logs=()
# RISC-V under TCG is ~1.5x slower per exit: fewer exits keep its run near 15 minutes.
default_exits() { [ "$1" = riscv ] && echo 200000 || echo 300000; }
for arch in $ARCHES; do
	log=$OUTDIR/exit-cost-$arch.log
	if [ -n "${BENCH_REUSE_LOGS:-}" ] && [ -s "$log" ]; then
		echo "bench: $arch: reusing $log (BENCH_REUSE_LOGS)" >&2
		logs+=("$log")
		continue
	fi
	make -s ARCH="$arch" "build/$arch/kvmstat-bpf" "build/vmtest/$arch/vmm" "build/$arch/floor"
	echo "bench: $arch: per-exit cost (log: $log)" >&2
	bash tests/vmtest/vmtest.sh "$arch" --timeout 3000 --log "$log" \
		--env BENCH_EXITS="${BENCH_EXITS:-$(default_exits "$arch")}" --env BENCH_REPS="${BENCH_REPS:-5}" \
		${BENCH_CONFIGS:+--env BENCH_CONFIGS="$BENCH_CONFIGS"} \
		bench/guest-bench.sh "build/$arch/kvmstat-bpf" "build/vmtest/$arch/vmm=/bin/vmm" \
		"build/$arch/floor=/bin/floor" >/dev/null
	logs+=("$log")
done
make -s build/bench/loader-bench build/bench/native-bench
exit_cost=$(/usr/bin/python3 bench/report.py "${logs[@]}")
echo "bench: native per-exit cost on this CPU (BPF_PROG_TEST_RUN)" >&2
native=$(build/bench/native-bench ${BENCH_NATIVE_PAIRS:-50000} ${BENCH_NATIVE_REPS:-7})
loader=$(build/bench/loader-bench)
latest=$OUTDIR/latest.md
{
	echo "## Latest \`make bench\`"
	echo
	echo "Measured $(date -u +%Y-%m-%d) on $(uname -m), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))."
	echo "Command: \`make bench\` (BENCH_ARCHES=\"$ARCHES\" BENCH_REPS=${BENCH_REPS:-5}; exits per run: ${BENCH_EXITS:-arm64 300000, riscv 200000}${BENCH_REUSE_LOGS:+; per-exit figures from the logs of the previous run})."
	echo "QEMU TCG inflates absolute times ~50x: judge by the ratios measured side by side in one boot."
	echo
	echo "$exit_cost"
	echo
	echo "### Per-exit cost on this machine's CPU (native, BPF_PROG_TEST_RUN)"
	echo
	echo "$native"
	echo
	echo "### Loader cost and kernel memory (this machine)"
	echo
	echo "$loader"
} >"$latest"
cat "$latest"
# Replace only the generated section of docs/PERFORMANCE.md; the analysis around it stays.
/usr/bin/python3 - "$latest" docs/PERFORMANCE.md <<'PY'
import sys
begin, end = "<!-- make bench: begin -->", "<!-- make bench: end -->"
new = open(sys.argv[1]).read()
doc = open(sys.argv[2]).read() if __import__("os").path.exists(sys.argv[2]) else "# Performance\n"
if begin in doc and end in doc:
    doc = doc[:doc.index(begin) + len(begin)] + "\n" + new + doc[doc.index(end):]
else:
    doc = doc.rstrip("\n") + "\n\n" + begin + "\n" + new + end + "\n"
open(sys.argv[2], "w").write(doc)
PY
echo "bench: figures in $latest and docs/PERFORMANCE.md (section 'Latest make bench')" >&2
