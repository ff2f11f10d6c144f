#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Misuse of `run`, each with its message and exit status pinned (root, this host):
# - -p: a pid that is no process, a thread's id, a process without a VM;
# - two runs at once: both attach their own programs, both finish, nothing stays;
# - the kernel refusing: the vCPU fentry (fallback to threads, said in one line),
#   every program load, an attach mid-way (tests/misuse/deny.c: seccomp EPERM);
# - the stats map full mid-run (gen-ndjson: 8 keys, synthetic exits through
#   BPF_PROG_TEST_RUN, written by run's output code): lost exits counted exactly
#   against what was fed, shown per interval and in the summary, the run goes on.
# Usage: test_misuse.sh KVMSTAT_BIN DENY_BIN GEN_NDJSON_BIN
set -u
BIN=$(realpath "${1:-./kvmstat-bpf}")
DENY=$(realpath "${2:-build/tests/deny}")
GEN=$(realpath "${3:-build/tests/gen-ndjson}")
PY=/usr/bin/python3
passed=0 failed=0 skipped=0
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT
out=$dir/out err=$dir/err

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

# expect NAME STATUS LINE CMD...: exits STATUS and stderr is exactly the one line LINE.
expect() {
	local name=$1 code=$2 line=$3 rc
	shift 3
	"$@" >"$out" 2>"$err" </dev/null
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "$name" "exit $rc, want $code (stderr: $(head -n2 "$err"))"
	elif [ "$(cat "$err")" != "$line" ]; then
		fail "$name" "stderr '$(head -c 300 "$err")', want exactly '$line'"
	else
		ok "$name"
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	skip misuse "not root"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi

# --- -p ----------------------------------------------------------------------------
expect pid_not_a_process 2 "kvmstat-bpf: no process 2147483646 (-p): expected the pid of a running VMM" \
	"$BIN" run -p 2147483646 -d 1
pid_max=$(cat /proc/sys/kernel/pid_max)
free_pid=$((pid_max - 1))
while [ -e "/proc/$free_pid" ]; do free_pid=$((free_pid - 1)); done
expect pid_gone 2 "kvmstat-bpf: no process $free_pid (-p): expected the pid of a running VMM" \
	"$BIN" run -p "$free_pid" -d 1
# A process with a second thread: the thread's id is not the VMM's.
$PY -c 'import threading, time, os
t = threading.Thread(target=time.sleep, args=(30,)); t.start()
print(os.getpid(), t.native_id, flush=True); t.join()' >"$dir/threads" &
pids+=($!)
for _ in $(seq 50); do [ -s "$dir/threads" ] && break; sleep 0.1; done
read -r proc thread <"$dir/threads"
expect pid_is_a_thread 2 "kvmstat-bpf: $thread is a thread of process $proc (-p): expected the VMM's process id (-p $proc)" \
	"$BIN" run -p "$thread" -d 1
expect pid_without_vm 0 "kvmstat-bpf: process $proc has no KVM VM open: nothing to count until it creates one" \
	"$BIN" run -p "$proc" -d 1
kill "${pids[@]}" 2>/dev/null
pids=()

# --- two runs at once ----------------------------------------------------------------
# The BPF programs a process holds: prog ids from its fds' fdinfo.
prog_ids() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf-prog ] || continue
		sed -n 's/^prog_id:[[:space:]]*//p' "/proc/$1/fdinfo/${fd##*/}"
	done | sort -n
}
links_of() {
	local fd n=0
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf_link ] && n=$((n + 1))
	done
	echo "$n"
}
"$BIN" run -d 6 -i 1 >"$dir/a.out" 2>"$dir/a.err" </dev/null &
a=$!
for _ in $(seq 50); do [ "$(links_of $a)" -ge 3 ] && break; sleep 0.1; done
"$BIN" run -d 3 -i 1 >"$dir/b.out" 2>"$dir/b.err" </dev/null &
b=$!
for _ in $(seq 50); do [ "$(links_of $b)" -ge 3 ] && break; sleep 0.1; done
la=$(links_of $a) lb=$(links_of $b)
ids_a=$(prog_ids $a) ids_b=$(prog_ids $b)
wait $b; rb=$?
wait $a; ra=$?
# The kernel frees a program after its last reference, asynchronously: give it a moment.
still_loaded() {
	local id left try
	for try in $(seq 50); do
		left=""
		for id in "$@"; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	echo "$left"
}
left=$(still_loaded $ids_a $ids_b)
if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ]; then
	fail two_runs_at_once "exit $ra and $rb (stderr: $(head -n1 "$dir/a.err") $(head -n1 "$dir/b.err"))"
elif [ "$la" -lt 3 ] || [ "$lb" -lt 3 ] || [ -z "$ids_a" ] || [ -n "$(comm -12 <(echo "$ids_a") <(echo "$ids_b"))" ]; then
	fail two_runs_at_once "not two independent attachments: links $la and $lb, programs [$ids_a] and [$ids_b]"
elif ! grep -q '^=== summary ===$' "$dir/a.out" || ! grep -q '^=== summary ===$' "$dir/b.out" ||
     [ -s "$dir/a.err" ] || [ -s "$dir/b.err" ]; then
	fail two_runs_at_once "a run ended without its summary or with a message"
elif [ -n "$left" ]; then
	fail two_runs_at_once "programs still loaded after both ended:$left"
else
	ok "two_runs_at_once: $la + $lb links, programs $(echo $ids_a | tr ' ' ,) and $(echo $ids_b | tr ' ' ,), none left"
fi

# --- the kernel refusing ---------------------------------------------------------------
fentry_line="kvmstat-bpf: the kernel refused the fentry on migrate_disable (Operation not permitted): vCPU ids not known, each vCPU thread stands for its vCPU"
if "$BIN" run --classic --vcpu-source proc --fentry-target migrate_disable -d 1 -v >"$out" 2>"$err" </dev/null &&
   grep -qxF "$fentry_line" "$err" && grep -qE 'attached \(tracepoint\), vCPU ids from (thread|proc),' "$err" &&
   grep -q '^=== summary ===$' "$out"; then
	ok fentry_refused_falls_back_to_threads
else
	fail fentry_refused_falls_back_to_threads "stderr: $(grep -v '^libbpf' "$err" | head -n2)"
fi
expect fentry_refused_one_line 0 "$fentry_line" "$BIN" run --classic --vcpu-source proc --fentry-target migrate_disable -d 1
expect load_refused 1 "failed to load BPF object: Operation not permitted (-v shows libbpf's log)" \
	"$DENY" bpf:5 "$BIN" run -d 1
if [ "$(uname -m)" = x86_64 ]; then
	# x86 attaches the thread-exit hook, kvm_entry, kvm_userspace_exit (tp_btf), then kvm_exit (classic,
	# by perf_event_open): the count starts when kvm_exit is attached. Refusing BPF_LINK_CREATE
	# refuses the first attach; refusing perf_event_open, the last, after three were attached.
	expect attach_refused_first 1 "failed to attach BPF program thread_exit_btf (tp_btf/sched_process_exit): Operation not permitted" \
		"$DENY" bpf:28 "$BIN" run -d 1
	expect attach_refused_midway 1 "failed to attach BPF program kvm_exit_tp (tp/kvm/kvm_exit): Operation not permitted" \
		"$DENY" perf_event_open "$BIN" run -d 1
else
	skip attach_refused_midway "program order of x86 hosts"
	skip attach_refused_first "program order of x86 hosts"
fi

# --- the stats map full mid-run ----------------------------------------------------------
if "$GEN" "$dir/full" vcpu 8 >"$out" 2>"$err"; then
	if $PY - "$dir/full" >"$out" 2>&1 <<'EOF'
import json, re, sys
p = sys.argv[1]
truth = {}
for line in open(p + ".truth"):
    tid, cls, origin, n = line.split()
    truth[(int(tid), int(cls, 16), origin)] = int(n)
lines = [json.loads(l) for l in open(p + ".ndjson")]
total = lines[-1]
intervals = [o for o in lines if o["type"] == "interval"]
def keys(o):
    return {(c["tid"], int(k["class"], 16), k["origin"]): k["exits"]
            for vm in o["vms"] for c in vm["vcpus"] for k in c["classes"]}
fed = sum(truth.values())
lost = total["drops"]["stats_full"]
counted = keys(total)
errors = []
if total["type"] != "total" or len(intervals) != 4:
    errors.append("want 4 interval lines and a total: the run did not go on")
if lost == 0:
    errors.append("no exit lost: the map never filled")
if total["exits"] + lost != fed:
    errors.append("counted %d + lost %d != fed %d" % (total["exits"], lost, fed))
for k, n in counted.items():
    if truth.get(k) != n:
        errors.append("key %s: %d counted, %s fed" % (k, n, truth.get(k)))
missing = sum(n for k, n in truth.items() if k not in counted)
if missing != lost:
    errors.append("keys without a slot were fed %d exits, lost says %d" % (missing, lost))
if sum(o["drops"]["stats_full"] for o in intervals) != lost:
    errors.append("interval losses do not sum to the total's")
shown = [int(m) for m in re.findall(r"^lost: (\d+) exits \(stats map full\)",
                                    open(p + ".run.txt").read(), re.M)]
want = [o["drops"]["stats_full"] for o in intervals] + [lost]
if shown[::2] != want:	# each table shows it once per span (both spans)
    errors.append("tables show lost %s, JSON says %s" % (shown[::2], want))
for o in intervals:
    if not keys(o):
        errors.append("an interval after the map filled counted nothing")
print("; ".join(errors) if errors else
      "fed %d: %d counted in %d keys, %d lost, shown in every table" % (fed, total["exits"], len(counted), lost))
sys.exit(1 if errors else 0)
EOF
	then
		ok "stats_full_mid_run: $(cat "$out")"
	else
		fail stats_full_mid_run "$(cat "$out")"
	fi
	lost=$($PY -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["drops"]["stats_full"])' "$dir/full.ndjson")
	if "$BIN" report "$dir/full.ndjson" >"$out" 2>"$err" &&
	   grep -q "^lost: $lost exits (stats map full)" "$out"; then
		ok stats_full_shown_by_report
	else
		fail stats_full_shown_by_report "no 'lost: $lost exits' line: $(head -n2 "$out" "$err")"
	fi
else
	fail stats_full_mid_run "gen-ndjson: $(head -n2 "$err")"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
