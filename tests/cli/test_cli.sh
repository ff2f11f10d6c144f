#!/usr/bin/env bash
# CLI behaviour of ./kvmstat-bpf: bad input gives one clear line on stderr and a
# non-zero exit; `list` names the classes the issue requires; `run` as root on a
# host without hardware virtualization attaches and prints plain tables; as an
# unprivileged user it names the missing privilege.
set -u
BIN=${1:-./kvmstat-bpf}
passed=0 failed=0 skipped=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

# expect_error NAME EXIT_CODE PATTERN CMD...: exits with EXIT_CODE, first stderr line matches.
expect_error() {
	local name=$1 code=$2 pattern=$3 rc first
	shift 3
	"$@" >"$out" 2>"$err"
	rc=$?
	first=$(head -n1 "$err")
	if [ "$rc" -ne "$code" ]; then
		fail "$name" "exit $rc, want $code (stderr: $first)"
	elif ! grep -qE -- "$pattern" <<<"$first"; then
		fail "$name" "stderr '$first' does not match '$pattern'"
	elif [ -s "$out" ]; then
		fail "$name" "wrote to stdout: $(head -c 200 "$out")"
	else
		ok "$name"
	fi
}

# expect_one_line NAME: the last command's stderr was exactly one line.
expect_one_line() {
	local n
	n=$(wc -l <"$err")
	[ "$n" -eq 1 ] && ok "$1" || fail "$1" "stderr has $n lines"
}

expect_error no_command 2 "missing command" "$BIN"
expect_one_line no_command_one_line
expect_error unknown_command 2 "unknown command 'frobnicate'" "$BIN" frobnicate
expect_error bad_interval 2 "invalid interval 'abc'" "$BIN" run -i abc
expect_one_line bad_interval_one_line
expect_error zero_interval 2 "invalid interval '0'" "$BIN" run -i 0
expect_error negative_duration 2 "invalid duration '-3'" "$BIN" run -d -3
expect_error bad_sort 2 "invalid sort key 'speed'" "$BIN" run -s speed
expect_error bad_grouping 2 "invalid grouping 'host'" "$BIN" run -b host
expect_error bad_span 2 "invalid span 'all'" "$BIN" run --span all
expect_error bad_pid 2 "invalid pid '12x'" "$BIN" run -p 12x
expect_error zero_max_keys 2 "invalid --max-keys '0'" "$BIN" run --max-keys 0
expect_error zero_max_threads 2 "invalid --max-threads '0'" "$BIN" run --max-threads 0
expect_error huge_max_threads 2 "invalid --max-threads '65537': expected an integer 1..65536" "$BIN" run --max-threads 65537
expect_error zero_keep_ended 2 "invalid --keep-ended '0'" "$BIN" run --keep-ended 0
expect_error bad_inflight_store 2 "invalid --inflight 'array': expected overflow, direct, probe, hash or task" "$BIN" run --inflight array
expect_error time_every_not_power_of_two 2 "invalid --time-every '3': expected a power of two" "$BIN" run --time-every 3
expect_error time_every_too_big 2 "invalid --time-every '4096'" "$BIN" run --time-every 4096
expect_error bad_vcpu_source 2 "invalid vCPU source 'magic'" "$BIN" run --vcpu-source magic
expect_error unknown_option 64 "unrecognized option '--frob'" "$BIN" run --frob
expect_error stray_argument 2 "unexpected argument 'extra'" "$BIN" run extra
expect_error bad_arch 2 "unknown arch 'sparc'" "$BIN" list --arch sparc
# argp names the command: its usage, errors and the hint to its own --help.
for cmd in run report list; do
	"$BIN" $cmd --bogus >"$out" 2>"$err"
	if grep -q "Try \`kvmstat-bpf $cmd --help'" "$err"; then
		ok "hint_names_${cmd}"
	else
		fail "hint_names_${cmd}" "stderr: $(tr '\n' ' ' <"$err")"
	fi
done

# list: the classes the issue names, with names.
check_list() {
	local arch=$1 code=$2 name=$3
	if "$BIN" list --arch "$arch" | grep -qE "^$code +$name( |$)"; then
		ok "list_${arch}_${name}"
	else
		fail "list_${arch}_${name}" "no line '$code  $name' in list --arch $arch"
	fi
}
check_list arm64 0x0e ILL
check_list arm64 0x1a ERET
check_list arm64 0x24 DABT_LOW
check_list arm64 0x16 HVC64
check_list arm64 0x2d GCS
check_list riscv 0x16 VIRTUAL_INST
check_list riscv 0x17 STORE_GUEST_PAGE_FAULT
check_list riscv 0x8000000000000006 IRQ_VS_TIMER
check_list x86 0x7b io
if "$BIN" list --arch riscv | awk '/^# /{t=$0} /IRQ_VS_TIMER/{print t}' | grep -qi interrupt; then
	ok list_riscv_vs_timer_under_interrupts
else
	fail list_riscv_vs_timer_under_interrupts "IRQ_VS_TIMER not in an interrupt table"
fi

# run as root: attaches, plain tables (no escape codes) per interval, a summary, exit 0.
if [ "$(id -u)" -ne 0 ]; then
	skip run_as_root "not root"
else
	"$BIN" run -d 2 -i 1 >"$out" 2>"$err" </dev/null
	rc=$?
	tables=$(grep -c '^kvmstat-bpf ' "$out")
	if [ "$rc" -ne 0 ]; then
		fail run_as_root "exit $rc: $(head -n2 "$err")"
	elif grep -q $'\033' "$out"; then
		fail run_as_root "escape codes in non-tty output"
	elif [ "$tables" -ne 3 ] || ! grep -q '^=== summary ===$' "$out"; then
		fail run_as_root "want 2 interval tables and a summary, got $tables tables"
	else
		ok run_as_root
	fi
	expect_error json_unwritable 1 "failed to open JSON output '/nonexistent/x.json'" \
		"$BIN" run -d 1 --json /nonexistent/x.json
	# Unprivileged: one line naming the missing capabilities.
	if command -v setpriv >/dev/null; then
		expect_error run_unprivileged 1 "permission denied.*CAP_BPF.*CAP_PERFMON" \
			setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			--bounding-set=-all "$(realpath "$BIN")" run -d 1
		expect_one_line run_unprivileged_one_line
	else
		skip run_unprivileged "setpriv not installed"
	fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
