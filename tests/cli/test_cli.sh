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
# --detail and --slow (classes by the build machine's arch: x86)
expect_error slow_no_unit 2 "invalid --slow '5': expected a duration above 0 with its unit first" "$BIN" run --slow 5
expect_error slow_zero 2 "invalid --slow '0ms'" "$BIN" run --slow 0ms
expect_error slow_unknown_class 2 "invalid --slow '1ms,WFx=2ms': unknown class 'WFx' on x86" "$BIN" run --slow 1ms,WFx=2ms
expect_error slow_class_no_value 2 "invalid --slow '1ms,HLT': 'HLT': expected CLASS=THRESHOLD" "$BIN" run --slow 1ms,HLT
expect_error slow_trailing_comma 2 "invalid --slow '1ms,': a trailing ','" "$BIN" run --slow 1ms,
expect_error slow_rate_without_slow 2 "--slow-rate and --slow-burst need --slow" "$BIN" run --slow-rate 10
expect_error slow_with_time_every 2 "--slow needs every exit timed: not with --time-every" "$BIN" run --slow 1ms --time-every 4
expect_error detail_with_classic 2 "--detail and --slow use tp_btf programs: not with --classic" "$BIN" run --detail --classic
expect_error detail_max_zero 2 "invalid --detail-max '0': expected an integer 1..1024" "$BIN" run --detail-max 0
expect_error detail_max_too_big 2 "invalid --detail-max '1025'" "$BIN" run --detail-max 1025
expect_error detail_top_too_big 2 "invalid --detail-top '65': expected an integer 1..64" "$BIN" run --detail-top 65
expect_error slow_rate_zero 2 "invalid --slow-rate '0'" "$BIN" run --slow 1ms --slow-rate 0
expect_error report_detail_top_bad 2 "invalid --detail-top 'x'" "$BIN" report --detail-top x /dev/null
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

# list --detail: the classes, then the second-level tables (plain list has none of them).
check_detail() {
	local arch=$1 code=$2 name=$3
	if "$BIN" list --arch "$arch" --detail | grep -qE "^$code +$name( |$)" &&
		! "$BIN" list --arch "$arch" | grep -qE "^$code +$name( |$)"; then
		ok "list_detail_${arch}_${name}"
	else
		fail "list_detail_${arch}_${name}" "no line '$code  $name' in list --arch $arch --detail only"
	fi
}
check_detail arm64 S3_0_C0_C4_0 ID_AA64PFR0_EL1
check_detail arm64 0x84000000 PSCI_VERSION
check_detail riscv 0x54494d45/0 TIME_SET_TIMER
check_detail riscv 0xc00 CYCLE
check_detail x86 0xc0000080 EFER
check_detail x86 0x830 X2APIC_ICR
if "$BIN" list --arch x86 --detail | head -n1 | grep -q '^# VMX exit reasons'; then
	ok list_detail_classes_first
else
	fail list_detail_classes_first "list --detail does not start with the class tables"
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
