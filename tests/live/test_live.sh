#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The live view driven in tmux (send-keys, capture-pane) on a saved run replayed with
# `run --replay` (no root needed for the view; root makes the run with gen-ndjson):
# - each documented key changes what the screen shows as documented: grouping headings,
#   span title, sort order (checked on the rows shown), since-the-start totals (against
#   the saved lines' own sums), freeze (the frame stays while the status counts on),
#   the selected row's histogram, the filter (only the picked VM / vCPU thread, its exits
#   against the saved lines), help;
# - 80x24 and 60x20 terminals and a resize: no line wider than the terminal, RATE/s
#   dropped first on the narrow one;
# - q, Ctrl-C, SIGTERM and a crash (SIGSEGV) leave the terminal's settings as they were
#   (stty -g before and after, in the pane);
# - on a terminal `run` shows the view, `run --batch` the plain tables (root, BPF);
# - --replay's bad uses: one stderr line, exit 2.
# Usage: test_live.sh KVMSTAT_BIN GEN_NDJSON_BIN
set -u
BIN=$(realpath "${1:-./kvmstat-bpf}")
GEN=$(realpath "${2:-build/tests/gen-ndjson}")
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
SCREEN="$PY $HERE/screen.py"
passed=0 failed=0 skipped=0
dir=$(mktemp -d)
# Our own tmux servers, a new one per pane (a server being killed cannot take a new
# session): nothing of anyone else's is touched.
panes=0
tmx() { tmux -L "kvmstat-live-$$-$panes" "$@"; }
trap 'tmx kill-server 2>/dev/null; rm -rf "$dir"' EXIT

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }
check() { if eval "$2"; then ok "$1"; else fail "$1" "$3"; fi; }
finish() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit; }

if ! command -v tmux >/dev/null; then
	skip live_suite "tmux not installed (Debian package tmux)"
	finish
fi
if [ "$(id -u)" -ne 0 ]; then
	skip live_suite "not root: gen-ndjson loads BPF to make the saved run"
	finish
fi
if ! "$GEN" "$dir/a" >"$dir/gen.out" 2>&1; then
	fail gen_ndjson "$(head -n2 "$dir/gen.out")"
	finish
fi
RUN=$dir/replay.ndjson
$PY "$HERE/make-replay.py" "$dir/a.ndjson" "$RUN" 400
WEB=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["vms"][0]["pid"])' "$RUN")
DB=$((WEB + 1))
WEB_VCPU1=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["vms"][0]["vcpus"][1]["tid"])' "$RUN")

# The pane: settings before, the view (its pid kept: exec), exit status and settings after.
cat >"$dir/pane.sh" <<'EOF'
D=$1
shift
trap : INT	# Ctrl-C is for the view; this shell goes on to say how it ended
stty -g >"$D/stty.before"
sh -c 'echo $$ >"$0/pid"; exec "$@"' "$D" "$@"
echo "rc=$?" >"$D/rc"
stty -g >"$D/stty.after"
exec sleep 600
EOF

# start COLS ROWS ARGS...: a new pane running kvmstat-bpf ARGS.
start() {
	local cols=$1 rows=$2
	shift 2
	tmx kill-server 2>/dev/null
	panes=$((panes + 1))
	rm -f "$dir/pid" "$dir/rc" "$dir/stty.before" "$dir/stty.after"
	tmx new-session -d -s live -x "$cols" -y "$rows" sh "$dir/pane.sh" "$dir" "$BIN" "$@"
}
# The screen as shown: wrapped lines joined (-J), so one wider than the pane shows as such;
# the spaces -J keeps at the ends of lines dropped.
cap() { tmx capture-pane -p -J -t live | sed 's/ *$//' >"$dir/${1:-screen}"; }
key() { tmx send-keys -t live "$@"; }
# wait_for PATTERN [FILE]: until the screen has a line matching PATTERN (egrep); false after 20 s.
wait_for() {
	local i
	for i in $(seq 200); do
		cap "${2:-screen}"
		grep -qE -- "$1" "$dir/${2:-screen}" && return 0
		sleep 0.1
	done
	return 1
}
wait_gone() {
	local i
	for i in $(seq 200); do
		cap
		grep -qE -- "$1" "$dir/screen" || return 0
		sleep 0.1
	done
	return 1
}
shown() { $SCREEN shown "$dir/${1:-screen}"; }
# wait_next: until the shown interval is past the one shown now (the replay goes on).
wait_next() {
	local n i
	cap
	n=$(shown)
	for i in $(seq 200); do
		cap
		[ "$(shown)" -gt "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_rc() {
	local i
	for i in $(seq 100); do
		[ -s "$dir/rc" ] && [ -s "$dir/stty.after" ] && return 0
		sleep 0.1
	done
	return 1
}
stty_same() { cmp -s "$dir/stty.before" "$dir/stty.after"; }
status() { $PY -c 'import sys; print([l for l in open(sys.argv[1]).read().split("\n") if l.strip()][-1])' "$dir/screen"; }
widest() { $SCREEN widest "$dir/screen"; }

# --- the keys ------------------------------------------------------------------------------
start 80 24 run --replay "$RUN" --speed 4
if ! wait_for '^#[0-9]+ 1\.00s lost 0 \| \?:help b:class t:handling s:count c:interval f:all q:quit'; then
	fail live_first_frame "no status line: $(head -c 600 "$dir/screen")"
	finish
fi
check live_first_frame 'grep -q "^kvmstat-bpf arm64  handling time (exit->entry)  interval 1.00s  replay x4" "$dir/screen" &&
	grep -q "^>" "$dir/screen" && ! grep -qE "^ VM [0-9]+ " "$dir/screen"' "$(head -n3 "$dir/screen")"

key b
wait_for '^ VM [0-9]+ \(db\)  [0-9]+ exits$' &&
	check key_b_groups_by_vm 'grep -qE "^ VM $WEB \(web\)  [0-9]+ exits$" "$dir/screen" && grep -q "b:vm " "$dir/screen" &&
		! grep -q "vCPU" "$dir/screen"' "$(head -n5 "$dir/screen")" ||
	fail key_b_groups_by_vm "no VM headings: $(head -n5 "$dir/screen")"
key b
wait_for "^ VM $WEB \(web\) vCPU 1 thread $WEB_VCPU1 \(CPU 1/KVM\)  [0-9]+ exits$" &&
	check key_b_groups_by_vcpu_thread 'grep -qE "^ VM $DB \(db\) vCPU 0 thread [0-9]+ \(CPU 0/KVM\)  [0-9]+ exits$" "$dir/screen" &&
		grep -qE "^   DABT_LOW " "$dir/screen"' "$(head -n5 "$dir/screen")" ||
	fail key_b_groups_by_vcpu_thread "no vCPU headings: $(head -n5 "$dir/screen")"
key b
wait_gone '^ VM [0-9]+ ' && ok key_b_back_to_classes || fail key_b_back_to_classes "headings stay"

check sorted_by_count_first '$SCREEN sorted "$dir/screen" COUNT' "$($SCREEN sorted "$dir/screen" COUNT)"
key s
wait_for 's:time ' && wait_next &&
	check key_s_sorts_by_time '$SCREEN sorted "$dir/screen" TIME% && ! $SCREEN sorted "$dir/screen" COUNT >/dev/null' \
		"$($SCREEN column "$dir/screen" TIME%)" || fail key_s_sorts_by_time "status: $(status)"
key s
wait_for 's:avg ' && wait_next &&
	check key_s_then_by_avg '$SCREEN sorted "$dir/screen" AVG' "$($SCREEN column "$dir/screen" AVG)" ||
	fail key_s_then_by_avg "status: $(status)"
key S S
wait_for 's:count ' && wait_next &&
	check key_S_back_to_count '$SCREEN sorted "$dir/screen" COUNT' "$($SCREEN column "$dir/screen" COUNT)" ||
	fail key_S_back_to_count "status: $(status)"

key t
wait_for '^kvmstat-bpf arm64  guest time \(entry->exit\)' && grep -q 't:guest ' "$dir/screen" &&
	ok key_t_switches_span || fail key_t_switches_span "$(head -n1 "$dir/screen") / $(status)"
key t
wait_for '^kvmstat-bpf arm64  handling time' || fail key_t_switches_back "$(head -n1 "$dir/screen")"

# since the start: TOTAL is the sum of the saved lines 1..N, N the interval shown
key c
if wait_for 'c:total ' && wait_next; then
	n=$(shown)
	want=$($SCREEN total "$RUN" "$n")
	got=$(grep '^ TOTAL ' "$dir/screen" | awk '{print $2}')
	check key_c_counts_since_the_start '[ "$got" = "$want" ] && [ "$n" -ge 2 ] && grep -q "since start" "$dir/screen"' \
		"TOTAL $got at #$n, the saved lines say $want"
else
	fail key_c_counts_since_the_start "status: $(status)"
fi
key c
wait_for 'c:interval ' && wait_next
n=$(shown)
got=$(grep '^ TOTAL ' "$dir/screen" | awk '{print $2}')
want=$($SCREEN exits "$RUN" "$n")
check key_c_back_to_the_interval '[ "$got" = "$want" ]' "TOTAL $got at #$n, line $n says $want"

# freeze: the frame stays as it was while the status line counts on
key Space
if wait_for '^FROZEN #[0-9]+ \(now #[0-9]+\)'; then
	grep -v '^FROZEN' "$dir/screen" >"$dir/frozen.a"
	frozen_at=$(shown)
	for i in 1 2 3; do wait_for "^FROZEN #$frozen_at \(now #$((frozen_at + i))\)" || break; done
	grep -v '^FROZEN' "$dir/screen" >"$dir/frozen.b"
	check key_space_freezes 'grep -q "^FROZEN #$frozen_at (now #$((frozen_at + 3)))" "$dir/screen" && cmp -s "$dir/frozen.a" "$dir/frozen.b"' \
		"$(status); $(diff "$dir/frozen.a" "$dir/frozen.b" | head -n4)"
else
	fail key_space_freezes "no FROZEN: $(status)"
fi
key Space
wait_gone '^FROZEN' && wait_next &&
	check key_space_resumes '[ "$(shown)" -gt "$((frozen_at + 3))" ]' "$(status)" || fail key_space_resumes "$(status)"

# the histogram of the selected row, which follows the cursor
first_row() { grep -A1 '^ CLASS ' "$dir/screen" | tail -n1; }
key Home h
if wait_for '^ [A-Za-z_0-9/]+  handling histogram$'; then
	sel=$(grep '^>' "$dir/screen" | awk '{print substr($1, 2)}')
	check key_h_histogram_of_the_selected_row 'first_row | grep -q "^>" && grep -q "^ $sel  handling histogram$" "$dir/screen" &&
		grep -qE "^ +[0-9.]+[num]?s - [0-9.]+[num]?s +[0-9]+ \|#* *\|$" "$dir/screen" &&
		grep -qE "^  count [0-9]+  avg .* p99 " "$dir/screen"' "selected '$sel': $(grep histogram "$dir/screen")"
	key Down
	wait_gone "^>$sel " && wait_for '^>'
	sel2=$(grep '^>' "$dir/screen" | awk '{print substr($1, 2)}')
	check key_down_moves_the_histogram '! first_row | grep -q "^>" && grep -q "^ $sel2  handling histogram$" "$dir/screen"' \
		"selected '$sel2' after '$sel': $(grep histogram "$dir/screen")"
else
	fail key_h_histogram_of_the_selected_row "no histogram: $(tail -n 12 "$dir/screen")"
fi
key h
wait_gone 'histogram' && ok key_h_hides_it || fail key_h_hides_it "still there"

# filter: the list, then VM db only; then vCPU 1 of web only (exits against the saved lines)
key f
wait_for '^Filter: keep one VM or vCPU thread' &&
	check key_f_lists_vms_and_vcpu_threads 'grep -qE "^> all VMs and vCPU threads$" "$dir/screen" &&
		grep -qE "^  VM $DB \(db\)  [0-9]+ exits$" "$dir/screen" && grep -qE "^    vCPU 1 thread $WEB_VCPU1 \(CPU 1/KVM\)" "$dir/screen"' \
		"$(head -n 9 "$dir/screen")" || fail key_f_lists_vms_and_vcpu_threads "$(head -n3 "$dir/screen")"
key j j j j Enter b
if wait_for "f:VM $DB " && wait_for '^ VM [0-9]+ ' && wait_next; then
	check filter_keeps_only_the_picked_vm 'grep -qE "^ VM $DB \(db\)" "$dir/screen" && ! grep -q "(web)" "$dir/screen"' \
		"$(grep '^ VM' "$dir/screen")"
else
	fail filter_keeps_only_the_picked_vm "$(status)"
fi
key F f j j j Enter b
if wait_for "f:VM $WEB vCPU" && wait_for "^ VM $WEB \(web\) vCPU 1 " && wait_next; then
	n=$(shown)
	want=$($SCREEN exits "$RUN" "$n" "$WEB" "$WEB_VCPU1")
	got=$(grep '^ TOTAL ' "$dir/screen" | awk '{print $2}')
	check filter_keeps_only_the_picked_vcpu_thread '[ "$(grep -c "^ VM " "$dir/screen")" = 1 ] && [ "$got" = "$want" ]' \
		"TOTAL $got at #$n, the saved line says $want; $(grep '^ VM' "$dir/screen")"
else
	fail filter_keeps_only_the_picked_vcpu_thread "$(status)"
fi
key F b
wait_for 'f:all ' && ok key_F_shows_all_again || fail key_F_shows_all_again "$(status)"

key '?'
wait_for '^kvmstat-bpf live view: keys  \(any key: back\)' &&
	check key_question_mark_help 'grep -q "^  space p     freeze the display" "$dir/screen" &&
		grep -q "columns drop in this order: RATE/s, MIN" "$dir/screen"' "$(head -n4 "$dir/screen")" ||
	fail key_question_mark_help "$(head -n2 "$dir/screen")"
key x
wait_for '^ CLASS ' && ok help_any_key_back || fail help_any_key_back "$(head -n2 "$dir/screen")"

# 80x24: no line wider than the terminal, every column there; the widest content: by vCPU
# thread with the histogram
key b b h
wait_for 'histogram' && wait_next
check fits_80x24 '[ "$(widest)" -le 80 ] && grep -qE "^ CLASS +COUNT +% +RATE/s TIME% +MIN +AVG +MAX$" "$dir/screen"' \
	"widest line $(widest); $(grep CLASS "$dir/screen")"

key q
if wait_rc; then
	check q_restores_the_terminal 'grep -qx "rc=0" "$dir/rc" && stty_same' "$(cat "$dir/rc"); stty before $(cat "$dir/stty.before"), after $(cat "$dir/stty.after")"
	cap
	check q_prints_the_summary 'grep -q "^TOTAL " "$dir/screen" && grep -q "whole run" "$dir/screen"' "$(tail -n4 "$dir/screen")"
else
	fail q_restores_the_terminal "still running"
fi

# --- 60x20, and a resize -------------------------------------------------------------------
start 60 20 run --replay "$RUN" --speed 4 -b vcpu --hist
wait_for '^#[0-9]+ ' && wait_next
check fits_60x20_rate_dropped_first '[ "$(widest)" -le 60 ] && grep -qE "^ CLASS +COUNT +% TIME% +MIN +AVG +MAX$" "$dir/screen"' \
	"widest line $(widest); $(grep CLASS "$dir/screen")"
tmx resize-window -t live -x 100 -y 30
wait_for '^ CLASS .*RATE/s' && wait_next
check resize_to_100x30 '[ "$(widest)" -le 100 ] && [ "$(wc -l <"$dir/screen")" -eq 30 ] && grep -q " TOTAL " "$dir/screen"' \
	"widest $(widest), $(wc -l <"$dir/screen") lines"
tmx resize-window -t live -x 50 -y 16
wait_gone 'RATE/s|  MIN ' && wait_next
check resize_to_50x16_min_dropped_next '[ "$(widest)" -le 50 ] && grep -qE "^ CLASS +COUNT +% TIME% +AVG +MAX$" "$dir/screen"' \
	"widest $(widest); $(grep CLASS "$dir/screen")"

# --- the other ways out --------------------------------------------------------------------
key C-c
wait_rc && check ctrl_c_restores_the_terminal 'grep -qx "rc=0" "$dir/rc" && stty_same' "$(cat "$dir/rc" 2>/dev/null)" ||
	fail ctrl_c_restores_the_terminal "still running"
start 80 24 run --replay "$RUN" --speed 4
wait_for '^#[0-9]+ ' && kill -TERM "$(cat "$dir/pid")"
wait_rc && check sigterm_restores_the_terminal 'grep -qx "rc=0" "$dir/rc" && stty_same' "$(cat "$dir/rc" 2>/dev/null)" ||
	fail sigterm_restores_the_terminal "still running"
start 80 24 run --replay "$RUN" --speed 4
wait_for '^#[0-9]+ ' && kill -SEGV "$(cat "$dir/pid")"
wait_rc && check crash_restores_the_terminal_and_still_dies 'grep -qx "rc=139" "$dir/rc" && stty_same' "$(cat "$dir/rc" 2>/dev/null)" ||
	fail crash_restores_the_terminal_and_still_dies "still running"

# the end of a replay: the view stays, says END, and q prints the summary of every line
head -n 4 "$RUN" >"$dir/short.ndjson"
start 80 24 run --replay "$dir/short.ndjson" --speed 20 -b vm
if wait_for '^#4 1\.00s lost 0 END \| '; then
	sleep 0.5
	cap
	check replay_end_stays 'grep -q "^#4 1.00s lost 0 END | " "$dir/screen" && grep -qE "^ VM $DB \(db\)" "$dir/screen"' "$(status)"
	key q
	wait_rc && cap
	want=$($SCREEN total "$dir/short.ndjson" 4)
	check replay_summary_of_every_line 'grep -qx "rc=0" "$dir/rc" && grep -qE "^TOTAL +$want " "$dir/screen"' \
		"want TOTAL $want: $(grep '^TOTAL' "$dir/screen")"
else
	fail replay_end_stays "$(status)"
fi

# --- run itself on a terminal (attaches: root, BPF) -----------------------------------------
start 100 30 run -i 0.3 -d 30
wait_for '\| \?:help b:class' && ok run_on_a_terminal_is_the_live_view ||
	fail run_on_a_terminal_is_the_live_view "$(head -n3 "$dir/screen") / $(status)"
key q
wait_rc && check run_q_restores_the_terminal 'grep -qx "rc=0" "$dir/rc" && stty_same' "$(cat "$dir/rc" 2>/dev/null)" ||
	fail run_q_restores_the_terminal "still running"
start 100 30 run --batch -i 0.3 -d 1
if wait_rc; then
	cap
	check run_batch_prints_the_tables 'grep -qx "rc=0" "$dir/rc" && grep -q "^CLASS                             COUNT      %     RATE/s  TIME%" "$dir/screen" &&
		grep -q "whole run" "$dir/screen" && ! grep -q "?:help" "$dir/screen"' "$(head -n4 "$dir/screen")"
else
	fail run_batch_prints_the_tables "still running"
fi

# --- bad uses of --replay ---------------------------------------------------------------------
# usage NAME PATTERN ARGS...: exit 2 and one stderr line matching PATTERN
usage() {
	local name=$1 pattern=$2 rc
	shift 2
	"$BIN" "$@" </dev/null >"$dir/out" 2>"$dir/err"
	rc=$?
	check "$name" '[ "$rc" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -qE -- "$pattern" "$dir/err"' \
		"exit $rc, stderr '$(head -c 300 "$dir/err")'"
}
usage replay_needs_a_terminal "--replay needs a terminal \(report -I prints" run --replay "$RUN"
usage replay_with_json "--replay shows a saved run at its own pace: --json does not apply" run --replay "$RUN" --json x
usage replay_with_interval "--replay shows a saved run at its own pace: -i does not apply" run -i 2 --replay "$RUN"
usage replay_with_detail "--replay shows a saved run at its own pace: --detail does not apply" run --replay "$RUN" --detail
usage replay_with_slow "--replay shows a saved run at its own pace: --slow does not apply" run --slow 1ms --replay "$RUN"
usage speed_needs_replay "--speed needs --replay FILE" run --speed 2
usage bad_speed "invalid speed '0': expected a factor > 0" run --replay "$RUN" --speed 0
finish
