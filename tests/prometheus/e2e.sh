#!/usr/bin/env bash
# Prometheus end to end: Debian's prometheus server on this machine scrapes `kvmstat-bpf run
# --listen` inside the emulated arm64 KVM host (QEMU user networking, host forward on
# 127.0.0.1 only) while the test VMMs make known exits (tests/vmtest/guest.sh, multivm
# scenario: two VMs, five vCPUs). Once the VMMs are done and kvmstat-bpf has published the
# final counts (tests/prometheus/hold.sh), this script waits for a scrape of them, checks that
# nothing listens beyond loopback, measures the scrape, lints a live scrape with promtool, and
# releases the guest; then check.py checks the run against the kernel's ground truths and
# check_prom.py checks what Prometheus answers (PromQL at the time of that scrape) against them,
# and evaluates every expression of contrib/'s dashboard and rules.
#
# Usage: tests/prometheus/e2e.sh [--kvmstat PATH] [--libs DIR] [--log FILE] [--keep]
#   --kvmstat  the arm64 kvmstat-bpf with HTTP (default build/arm64/dynamic/kvmstat-bpf)
#   --libs     its arm64 shared libraries, ld.so included (default: DIR of the binary/lib)
#   --log      console log (default build/prometheus/e2e.log)
#   --keep     keep Prometheus's data directory and config (printed)
# Prints ok/FAIL lines; exit status non-zero on any failure. Stops everything it started
# (Prometheus, the emulator) on every exit path. A run the emulator broke (a VMM killed by a
# signal, a timeout: see tests/vmtest/e2e.sh) is run once more from scratch, and says so.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/prometheus
ARCH=arm64
GUEST_ADDR=10.0.2.15	# QEMU user networking's guest address (tests/vmtest/vmtest.sh --forward)
GUEST_METRICS_PORT=9435
GUEST_RELEASE_PORT=9436
SCRAPE_INTERVAL=1s
MARKER="GUEST prometheus: final counts published"
PYTHON=${PYTHON:-/usr/bin/python3}	# Debian's, with python3-yaml

die() {
	echo "prometheus-e2e: $*" >&2
	exit 2
}

KVMSTAT=$ROOT/build/$ARCH/dynamic/kvmstat-bpf
LIBS=""
LOG=$ROOT/build/prometheus/e2e.log
KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kvmstat) [ $# -ge 2 ] || die "--kvmstat wants a path"; KVMSTAT=$2; shift 2 ;;
	--libs) [ $# -ge 2 ] || die "--libs wants a directory"; LIBS=$2; shift 2 ;;
	--log) [ $# -ge 2 ] || die "--log wants a file"; LOG=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) die "unknown option '$1'" ;;
	esac
done
[ -n "$LIBS" ] || LIBS=$(dirname "$KVMSTAT")/lib
VMM=$ROOT/build/vmtest/$ARCH/vmm
[ -x "$KVMSTAT" ] || die "no $KVMSTAT: build it first (make $KVMSTAT)"
[ -x "$VMM" ] || die "no $VMM: build it first (make $VMM)"
[ -d "$LIBS" ] || die "no library directory $LIBS"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	die "prometheus and promtool not found (scripts/deps.sh)"

# A run's own results are kept until it is known not to be an emulator failure (below).
RESULTS=""
ok() { echo "ok $1" >>"$RESULTS"; }
fail() { echo "FAIL $1: $2" >>"$RESULTS"; }
note() { echo "note $1" >>"$RESULTS"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvmstat-prom.XXXXXX")
PROM_PID="" VM_PID=""

# The processes of the emulated host's session (vmtest.sh, timeout, QEMU: started by setsid;
# timeout makes its own process group, so the session, not a group, holds them all).
vm_pids() {
	[ -n "$VM_PID" ] && ps -o pid= --sid "$VM_PID" 2>/dev/null | tr -d ' '
}

cleanup() {
	local p
	# Only what this script started, by pid: the emulator's session, then Prometheus.
	for p in $(vm_pids); do
		kill -TERM "$p" 2>/dev/null || true
	done
	if [ -n "$VM_PID" ]; then
		wait "$VM_PID" 2>/dev/null || true
	fi
	if [ -n "$PROM_PID" ] && kill -0 "$PROM_PID" 2>/dev/null; then
		kill -TERM "$PROM_PID" 2>/dev/null || true
		wait "$PROM_PID" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then
		echo "prometheus-e2e: kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port free on 127.0.0.1 now (the kernel's choice; taken by its user right after).
free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PROM_PORT=$(free_port)
METRICS_PORT=$(free_port)
RELEASE_PORT=$(free_port)
PROM=http://127.0.0.1:$PROM_PORT

write_config() {
	cat >"$WORK/prometheus.yml" <<-EOF
	# Written by tests/prometheus/e2e.sh: contrib/'s rules, the emulated host's forward.
	global:
	  scrape_interval: $SCRAPE_INTERVAL
	  scrape_timeout: $SCRAPE_INTERVAL
	  evaluation_interval: $SCRAPE_INTERVAL
	rule_files:
	  - $ROOT/contrib/prometheus/kvmstat-bpf.rules.yml
	scrape_configs:
	  - job_name: kvmstat-bpf
	    static_configs:
	      - targets: ['127.0.0.1:$METRICS_PORT']
	EOF
}

start_prometheus() {
	local i
	prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
	PROM_PID=$!
	for i in $(seq 100); do
		curl -sf "$PROM/-/ready" >/dev/null && return 0
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/prometheus.log" >&2
	die "Prometheus did not become ready on 127.0.0.1:$PROM_PORT"
}

# The emulated host, in a session of its own so cleanup finds QEMU.
start_vm() {
	local f files=("$VMM=/bin/vmm" "$KVMSTAT=/bin/kvmstat-bpf" "$HERE/hold.sh=/test/hold.sh"
		"$ROOT/tests/vmtest/trace-lib.sh=/test/trace-lib.sh")
	for f in "$LIBS"/*; do
		files+=("$f=/lib/$(basename "$f")")
	done
	mkdir -p "$(dirname "$LOG")"
	: >"$LOG"
	setsid "$ROOT/tests/vmtest/vmtest.sh" "$ARCH" --timeout 240 --log "$LOG" \
		--forward "$METRICS_PORT:$GUEST_METRICS_PORT" --forward "$RELEASE_PORT:$GUEST_RELEASE_PORT" \
		--env SCENARIO=multivm --env AFTER_VMMS=/test/hold.sh --env HIST_TRIGGER=off \
		--env TRACE_CLOCK=mono \
		--env "RELEASE_PORT=$GUEST_RELEASE_PORT" \
		--env "KVMSTAT_ARGS=--listen $GUEST_ADDR:$GUEST_METRICS_PORT" \
		"$ROOT/tests/vmtest/guest.sh" "${files[@]}" >"$WORK/vmtest.out" 2>&1 &
	VM_PID=$!
}

# Until the guest says the final counts are published (or the emulator ends).
wait_marker() {
	local i
	for i in $(seq 1800); do
		grep -aq "^$MARKER" "$LOG" && return 0
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 30 "$LOG" >&2
	return 1
}

# Prometheus's last scrape of the target, as "UNIX_SECONDS HEALTH".
last_scrape() {
	curl -sf "$PROM/api/v1/targets?state=active" | "$PYTHON" -c '
import datetime, json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
if not t:
    print("0 none"); sys.exit()
ts = t[0]["lastScrape"]
secs = 0.0
if not ts.startswith("0001"):
    base, _, frac = ts.rstrip("Z").partition(".")
    secs = datetime.datetime.fromisoformat(base).replace(tzinfo=datetime.timezone.utc).timestamp()
    secs += float("0." + (frac.split("+")[0] or "0"))
print("%.6f %s" % (secs, t[0]["health"]))'
}

# A successful scrape that started after time $1: its values are the final counts.
wait_scrape_after() {
	local since=$1 i s h
	for i in $(seq 300); do
		read -r s h <<<"$(last_scrape)"
		if [ "$h" = up ] && "$PYTHON" -c "import sys; sys.exit(not $s > $since)"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Every listening TCP socket of Prometheus and the emulator is on loopback.
check_loopback_only() {
	local pids="$PROM_PID" p bad
	for p in $(vm_pids); do pids="$pids|$p"; done
	bad=$(ss -Hltnp | grep -E "pid=($pids)," | awk '$4 !~ /^(127\.0\.0\.1|\[::1\]):/' || true)
	if [ -n "$bad" ]; then
		fail loopback_only "listening beyond loopback: $bad"
	elif [ "$(ss -Hltnp | grep -cE "pid=($pids),")" -lt 3 ]; then
		fail loopback_only "expected Prometheus and two forwards listening, ss shows: $(ss -Hltnp | grep -E "pid=($pids),")"
	else
		ok "loopback_only: Prometheus and the emulator's forwards listen on 127.0.0.1 only"
	fi
}

# Wall time of scrapes through the forward (text format, then OpenMetrics), and a lint of one.
measure_scrapes() {
	local fmt accept times
	for fmt in text openmetrics; do
		accept='text/plain;version=0.0.4'
		[ "$fmt" = text ] || accept='application/openmetrics-text;version=1.0.0'
		times=$(for _ in 1 2 3 4 5; do
			curl -s -o /dev/null -H "Accept: $accept" -w '%{time_total} %{size_download}\n' \
				"http://127.0.0.1:$METRICS_PORT/metrics"
		done | sort -n | awk '{ t[NR] = $1 * 1000; b = $2 } END { printf "%.1f ms median (%.1f..%.1f), %d bytes", t[3], t[1], t[5], b }')
		note "scrape through the emulator's forward, $fmt: $times"
	done
	curl -s -H 'Accept: text/plain;version=0.0.4' "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/scrape.txt"
	if promtool check metrics <"$WORK/scrape.txt" >"$WORK/lint.txt" 2>&1; then
		ok "promtool check metrics: a live scrape of kvmstat-bpf --listen ($(wc -l <"$WORK/scrape.txt") lines)"
	else
		fail promtool_check_metrics "$(head -c 400 "$WORK/lint.txt")"
	fi
}

release_guest() {
	# A connection to the guest's release port ends hold.sh's wait.
	(exec 3<>"/dev/tcp/127.0.0.1/$RELEASE_PORT") 2>/dev/null || note "could not reach the release port"
}

# Stops the emulator's session and Prometheus, and forgets Prometheus's data: a fresh start.
stop_all() {
	local p
	for p in $(vm_pids); do
		kill -TERM "$p" 2>/dev/null || true
	done
	[ -z "$VM_PID" ] || wait "$VM_PID" 2>/dev/null || true
	VM_PID=""
	if [ -n "$PROM_PID" ]; then
		kill -TERM "$PROM_PID" 2>/dev/null || true
		wait "$PROM_PID" 2>/dev/null || true
	fi
	PROM_PID=""
	rm -rf "$WORK/data"
}

# As tests/vmtest/e2e.sh: QEMU TCG rarely kills a VMM with a signal the guest kernel never
# logged, or hangs it (timeout). Such a run proves nothing either way: it is run once more.
emulator_failed() {
	[ "$1" = 124 ] || [ "$1" = 125 ] ||
		grep -qE '^GUEST vmm (name=[^ ]+ )?rc=(1[2-9][0-9]|2[0-9][0-9]) ' "$LOG"
}

# One run: Prometheus and the emulated host, up to the guest's end. Sets T_FINAL (the PromQL
# evaluation time, after the scrape of the final counts, the target still up) and VM_RC.
run_once() {
	local t
	T_FINAL="" VM_RC=0
	start_prometheus
	start_vm
	if ! wait_marker; then
		fail guest_marker "the guest never said its final counts were published (log: $LOG)"
	else
		t=$(date +%s.%N)
		if wait_scrape_after "$t"; then
			ok "Prometheus scraped the emulated host after its final counts ($(last_scrape))"
			T_FINAL=$(date +%s.%N)
			check_loopback_only
			measure_scrapes
		else
			fail final_scrape "no successful scrape after the final counts within 30 s ($(last_scrape))"
		fi
		release_guest
	fi
	wait "$VM_PID" || VM_RC=$?
	VM_PID=""
}

main() {
	local start=$SECONDS rc=0 attempt
	write_config
	for attempt in 1 2; do
		RESULTS=$WORK/results.$attempt
		: >"$RESULTS"
		run_once
		[ "$VM_RC" != 0 ] && [ "$attempt" = 1 ] && emulator_failed "$VM_RC" || break
		cp "$LOG" "$LOG.emulator-failure"
		echo "prometheus-e2e: a VMM died by a signal or QEMU timed out (log kept in" \
			"$LOG.emulator-failure); running once more"
		stop_all
	done
	if promtool check config "$WORK/prometheus.yml" >"$WORK/check-config.txt" 2>&1; then
		ok "promtool check config: the test's configuration with contrib/'s rules"
	else
		fail promtool_check_config "$(cat "$WORK/check-config.txt")"
	fi
	[ "$VM_RC" = 0 ] && ok "emulated host run (rc 0)" || fail emulated_host "vmtest.sh rc $VM_RC (log: $LOG)"
	cat "$RESULTS"
	grep -q '^FAIL' "$RESULTS" && rc=1
	"$PYTHON" "$ROOT/tests/vmtest/check.py" "$LOG" || rc=1
	if [ -n "$T_FINAL" ]; then
		"$PYTHON" "$HERE/check_prom.py" "$LOG" --prometheus "$PROM" --time "$T_FINAL" \
			--dashboard "$ROOT/contrib/grafana/kvmstat-bpf.json" \
			--rules "$ROOT/contrib/prometheus/kvmstat-bpf.rules.yml" || rc=1
	fi
	echo "note prometheus e2e wall time $((SECONDS - start)) s"
	return "$rc"
}

main
