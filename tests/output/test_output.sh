#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run's outputs when writing fails, and its ends on signals (root, this host; messages and exit
# statuses pinned):
# - a full disk (/dev/full; a small tmpfs filled mid-run): the table's failures counted and
#   said, the JSON output stopped and cut back to its last complete line (report still reads
#   it), the Prometheus file failing then written again;
# - stdout closed by its reader (`run | head -1`): the run ends at once, the JSON file gets its
#   total line, the programs are detached, and run dies of SIGPIPE as a writer to a pipe does;
# - SIGINT, SIGTERM, SIGHUP: the summary and the total line, exit 0, programs detached; a
#   second SIGINT while the first's summary is stuck on a full pipe ends it at once.
# Usage: test_output.sh KVMSTAT_BIN
set -u
BIN=$(realpath "${1:-./kvmstat-bpf}")
PY=/usr/bin/python3
passed=0 failed=0 skipped=0
dir=$(mktemp -d)
mnt=$dir/mnt
trap 'mountpoint -q "$mnt" && umount "$mnt"; rm -rf "$dir"' EXIT
out=$dir/out err=$dir/err

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

if [ "$(id -u)" -ne 0 ]; then
	skip output "not root"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi

# The BPF programs and links a process holds: program ids from its fds' fdinfo.
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
wait_attached() {
	local i
	for i in $(seq 100); do [ "$(links_of "$1")" -ge 3 ] && return 0; sleep 0.05; done
	return 1
}
# Programs still loaded (the kernel frees them after their last fd, asynchronously).
still_loaded() {
	local id left
	for _ in $(seq 50); do
		left=""
		for id in "$@"; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	echo "$left"
}
# Is the last line of an NDJSON file the total, and does report read the file?
ends_with_total() {
	tail -n1 "$1" | grep -q '"type":"total"' && "$BIN" report "$1" >/dev/null 2>&1
}

# --- a full disk ---------------------------------------------------------------------------
"$BIN" run -d 1 -i 0.5 >/dev/full 2>"$err" </dev/null
rc=$?
want=$'failed to write table: No space left on device\nkvmstat-bpf: 3 writes of the table failed'
[ "$rc" -eq 1 ] && [ "$(cat "$err")" = "$want" ] && ok table_to_full_disk ||
	fail table_to_full_disk "exit $rc, stderr '$(head -c 300 "$err")'"
"$BIN" run -d 1 -i 0.5 --json /dev/full >"$out" 2>"$err" </dev/null
rc=$?
[ "$rc" -eq 1 ] && grep -q '^=== summary ===$' "$out" && [ "$(cat "$err")" = \
	"failed to write JSON output '/dev/full': No space left on device: stopped (its last line may be cut short)" ] &&
	ok json_file_to_full_disk || fail json_file_to_full_disk "exit $rc, stderr '$(head -c 300 "$err")'"
"$BIN" run -d 1 -i 0.5 --json - >/dev/full 2>"$err" </dev/null
rc=$?
[ "$rc" -eq 1 ] && [ "$(cat "$err")" = \
	"failed to write JSON output '(stdout)': No space left on device: stopped (its last line may be cut short)" ] &&
	ok json_stdout_to_full_disk || fail json_stdout_to_full_disk "exit $rc, stderr '$(head -c 300 "$err")'"

# A tmpfs that fills mid-run and frees again: JSON stops at a complete line, Prometheus recovers.
mkdir -p "$mnt"
if mount -t tmpfs -o size=256k kvmstat-test "$mnt"; then
	"$BIN" run -d 3.5 -i 0.05 --json "$mnt/k.ndjson" --prom-file "$mnt/k.prom" >"$out" 2>"$err" </dev/null &
	pid=$!
	sleep 1
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null	# until the tmpfs is full
	sleep 1
	rm -f "$mnt/fill"
	wait $pid
	rc=$?
	lines=$(wc -l <"$mnt/k.ndjson")
	first=$(head -n1 "$err")
	if [ "$rc" -ne 1 ]; then
		fail full_tmpfs_midrun "exit $rc, want 1 (stderr: $(head -c 300 "$err"))"
	elif ! grep -qx "failed to write JSON output '$mnt/k.ndjson': No space left on device: stopped after $lines complete lines" "$err"; then
		fail json_cut_back_to_complete_line "stderr '$(head -c 400 "$err")', file has $lines lines"
	elif ! "$BIN" report "$mnt/k.ndjson" >/dev/null 2>"$out" || [ -n "$(tail -c1 "$mnt/k.ndjson")" ]; then
		fail json_cut_back_to_complete_line "report refuses the file: $(head -n1 "$out")"
	else
		ok "json_cut_back_to_complete_line: $lines complete lines, report reads them"
	fi
	if grep -qx "failed to write Prometheus file '$mnt/k.prom': No space left on device" "$err" &&
	   grep -qE "^kvmstat-bpf: Prometheus file '$mnt/k.prom' written again \([0-9]+ writes failed so far\)$" "$err" &&
	   grep -qE "^kvmstat-bpf: [0-9]+ writes of the Prometheus file failed$" "$err" &&
	   [ ! -e "$mnt/k.prom.tmp" ] && promtool check metrics <"$mnt/k.prom" >/dev/null 2>&1; then
		ok prom_file_fails_then_recovers
	else
		fail prom_file_fails_then_recovers "stderr '$(tr '\n' '|' <"$err" | head -c 400)'"
	fi
	umount "$mnt"
else
	skip full_tmpfs_midrun "cannot mount a tmpfs"
fi

# --- stdout closed by its reader --------------------------------------------------------------
mkfifo "$dir/fifo"
"$BIN" run -i 0.1 --json "$dir/p.ndjson" >"$dir/fifo" 2>"$err" </dev/null &
pid=$!
exec 3<"$dir/fifo"
wait_attached $pid
ids=$(prog_ids $pid)
head -n1 <&3 >"$out"
exec 3<&-	# as `head -1` exits
t0=$(date +%s%N)
wait $pid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
left=$(still_loaded $ids)
if [ "$rc" -ne 141 ]; then
	fail run_into_closed_pipe "exit $rc, want 141 (SIGPIPE, after the cleanup); stderr '$(head -c 200 "$err")'"
elif [ -s "$err" ] || [ -z "$ids" ] || [ -n "$left" ] || ! ends_with_total "$dir/p.ndjson"; then
	fail run_into_closed_pipe "stderr '$(head -c 200 "$err")', programs [$ids] left [$left], JSON: $(tail -c 100 "$dir/p.ndjson")"
else
	ok "run_into_closed_pipe: ended ${ms} ms after the reader, quiet, JSON total written, programs $(echo $ids | tr ' ' ,) gone"
fi
rm -f "$dir/fifo"

# --- signals ------------------------------------------------------------------------------
for sig in INT TERM HUP; do
	"$BIN" run -i 0.2 --json "$dir/s.ndjson" >"$out" 2>"$err" </dev/null &
	pid=$!
	wait_attached $pid
	ids=$(prog_ids $pid)
	sleep 0.5
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	left=$(still_loaded $ids)
	if [ "$rc" -eq 0 ] && [ ! -s "$err" ] && grep -q '^=== summary ===$' "$out" &&
	   ends_with_total "$dir/s.ndjson" && [ -n "$ids" ] && [ -z "$left" ]; then
		ok "sig${sig,,}_summary_and_detach"
	else
		fail "sig${sig,,}_summary_and_detach" "exit $rc, stderr '$(head -c 200 "$err")', programs [$ids] left [$left]"
	fi
done

# A second SIGINT: the first one's summary is stuck writing to a pipe nobody reads.
mkfifo "$dir/fifo"
exec 3<>"$dir/fifo"	# a reader that never reads: the pipe fills
"$BIN" run -i 0.005 --hist >"$dir/fifo" 2>"$err" </dev/null &
pid=$!
wait_attached $pid
ids=$(prog_ids $pid)
for _ in $(seq 100); do	# until it blocks writing
	grep -q '^State:.*S (sleeping)' /proc/$pid/status && grep -q pipe_write /proc/$pid/stack 2>/dev/null && break
	sleep 0.1
done
kill -INT $pid
sleep 1
alive_after_first=0
kill -0 $pid 2>/dev/null && alive_after_first=1
kill -INT $pid
t0=$(date +%s%N)
wait $pid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
exec 3<&-
left=$(still_loaded $ids)
if [ "$alive_after_first" -ne 1 ]; then
	skip second_sigint_exits_at_once "the first SIGINT's summary was not held up by the pipe"
elif [ "$rc" -eq 130 ] && [ -z "$left" ]; then
	ok "second_sigint_exits_at_once: ${ms} ms, killed by SIGINT, programs gone"
else
	fail second_sigint_exits_at_once "exit $rc, want 130; programs left [$left]"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
