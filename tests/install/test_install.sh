#!/usr/bin/env bash
# Installation: `make install DESTDIR=... PREFIX=/usr/local` lays out every file, kvmstat-bpf(8)
# renders and documents every option, the bash completion completes, the systemd unit verifies
# and its privileges and sandbox are what the program needs (run with exactly the unit's
# capabilities; every syscall and socket family it makes allowed by the unit; no file opened
# for writing), `make uninstall` removes everything, and `make deb` builds a package lintian
# accepts, whose dependencies resolve here, and that installs and purges cleanly (in a
# scratch root). Run from the top directory as root, with ./kvmstat-bpf built.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PREFIX=/usr/local
passed=0 failed=0 skipped=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

D=$(mktemp -d) W=$(mktemp -d)
KPID=""
cleanup() {
	[ -z "$KPID" ] || kill "$KPID" 2>/dev/null
	rm -rf "$D" "$W"
}
trap cleanup EXIT

FILES=(
	"$PREFIX/sbin/kvmstat-bpf 755"
	"$PREFIX/share/man/man8/kvmstat-bpf.8 644"
	"$PREFIX/share/bash-completion/completions/kvmstat-bpf 644"
	"$PREFIX/lib/systemd/system/kvmstat-bpf.service 644"
	"/etc/default/kvmstat-bpf 644"
	"$PREFIX/share/kvmstat-bpf/grafana/kvmstat-bpf.json 644"
	"$PREFIX/share/kvmstat-bpf/prometheus/prometheus.yml 644"
	"$PREFIX/share/kvmstat-bpf/prometheus/kvmstat-bpf.rules.yml 644"
	"$PREFIX/share/kvmstat-bpf/prometheus/kvmstat-bpf.rules.test.yml 644"
)
UNIT=$D$PREFIX/lib/systemd/system/kvmstat-bpf.service
BIN=$D$PREFIX/sbin/kvmstat-bpf

# "COMMAND --long [-s]" for every option of every command, from the program's own help.
long_options() {
	local cmd
	for cmd in run report list; do
		./kvmstat-bpf "$cmd" --help | sed -n 's/^  *\(-[^-], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2 \1/p' |
			grep -vE -- '^--(help|usage|version) ' | sed -e "s/^/$cmd /" -e 's/, $//'
	done | sort -u
}

check_layout() {
	local f path mode bad=""
	make -s --no-print-directory install DESTDIR="$D" PREFIX="$PREFIX" >"$W/install.out" 2>&1 ||
		{ fail install "make install failed: $(tail -n 3 "$W/install.out")"; return 1; }
	for f in "${FILES[@]}"; do
		read -r path mode <<<"$f"
		[ -f "$D$path" ] && [ "$(stat -c %a "$D$path")" = "$mode" ] || bad="$bad $path"
	done
	[ -z "$bad" ] && ok "install_layout: ${#FILES[@]} files with their modes under DESTDIR" ||
		fail install_layout "missing or wrong mode:$bad"
	[ "$(find "$D" -type f | wc -l)" = "${#FILES[@]}" ] && ok "install_nothing_else" ||
		fail install_nothing_else "$(find "$D" -type f | sed "s|$D||")"
	grep -qx "ExecStart=$PREFIX/sbin/kvmstat-bpf run --quiet --listen \${KVMSTAT_LISTEN} \$KVMSTAT_ARGS" "$UNIT" &&
		ok "install_unit_execstart: the unit runs $PREFIX/sbin/kvmstat-bpf" ||
		fail install_unit_execstart "$(grep ExecStart "$UNIT")"
}

check_man() {
	local page=$D$PREFIX/share/man/man8/kvmstat-bpf.8 missing="" cmd opt
	if ! MANWIDTH=100 man --warnings -l "$page" >"$W/man.txt" 2>"$W/man.err" || [ -s "$W/man.err" ]; then
		fail man_renders "man -l: $(head -c 300 "$W/man.err")"
		return
	fi
	ok "man_renders: man -l --warnings, $(wc -l <"$W/man.txt") lines, no warnings"
	while read -r cmd opt short; do
		grep -q -- "$opt" "$W/man.txt" || missing="$missing $cmd $opt"
		# README may use the short form in its synopsis and prose
		grep -q -- "$opt" README.md || { [ -n "$short" ] && grep -qE -- "(^|[[ \`])$short([] \`]|$)" README.md; } ||
			readme_missing="${readme_missing:-} $cmd $opt"
	done < <(long_options)
	[ -z "$missing" ] && ok "man_has_every_option of run, report and list" || fail man_has_every_option "$missing"
	[ -z "${readme_missing:-}" ] && ok "readme_has_every_option of run, report and list" ||
		fail readme_has_every_option "$readme_missing"
}

check_completion() {
	local out
	out=$(bash -c '
		. /usr/share/bash-completion/bash_completion 2>/dev/null || exit 3
		. "$1"; PATH=$2:$PATH
		comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_kvmstat_bpf kvmstat-bpf "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
			echo "${COMPREPLY[*]}"; }
		comp kvmstat-bpf ""; comp kvmstat-bpf run --lis; comp kvmstat-bpf run --span ""
		comp kvmstat-bpf list --ar' _ "$D$PREFIX/share/bash-completion/completions/kvmstat-bpf" "$D$PREFIX/sbin")
	case $? in
	3) skip completion "bash-completion not installed" ;;
	0) [ "$out" = $'run report list --help --version\n--listen --listen=\nhandling guest both\n--arch=' ] &&
		ok "completion: commands, options from --help, option values" ||
		fail completion "got: $(echo "$out" | tr '\n' '|')" ;;
	*) fail completion "bash exited $?" ;;
	esac
}

# systemd-analyze verify warns (and still exits 0) on what it cannot parse: any output fails.
check_unit_verify() {
	sed "s|$PREFIX/sbin/|$D$PREFIX/sbin/|" "$UNIT" >"$W/kvmstat-bpf.service"
	if MANPATH=$D$PREFIX/share/man systemd-analyze verify "$W/kvmstat-bpf.service" >"$W/verify" 2>&1 &&
		[ ! -s "$W/verify" ]; then
		ok "systemd_analyze_verify: the installed unit, its binary and man page"
	else
		fail systemd_analyze_verify "$(head -c 400 "$W/verify")"
	fi
	systemd-analyze security --offline=yes "$W/kvmstat-bpf.service" 2>/dev/null |
		sed -n 's/^→ Overall exposure level for .*: /note systemd-analyze security: exposure /p'
}

unit_value() { sed -n "s/^$1=//p" "$UNIT"; }

# The unit's CapabilityBoundingSet as setpriv's list: CAP_BPF CAP_PERFMON -> +bpf,+perfmon.
unit_caps() {
	unit_value CapabilityBoundingSet | tr ' ' '\n' | sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd,
}

# Starts the installed binary as the unit would (uid 0, only the unit's capabilities, no new
# privileges), serving on a port the kernel picks, optionally under strace; waits for it.
start_as_unit() {
	local caps=$1 i
	shift
	: >"$W/run.err"
	"$@" setpriv --inh-caps=-all --bounding-set="-all,$caps" --no-new-privs \
		"$BIN" run --quiet --listen 0 -i 0.2 2>"$W/run.err" &
	KPID=$!
	for i in $(seq 100); do
		PORT=$(sed -n 's|^kvmstat-bpf: serving http://127.0.0.1:\([0-9]*\)/metrics$|\1|p' "$W/run.err")
		[ -n "$PORT" ] && return 0
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# The first exposition is published once attached (503 until then).
scrape_when_ready() {
	local i
	for i in $(seq 100); do
		curl -sf "http://127.0.0.1:$PORT/metrics" -o "$W/scrape.txt" && return 0
		sleep 0.1
	done
	return 1
}

# SIGTERM to kvmstat-bpf (under strace: strace's child; strace -o holds fatal signals).
stop_run() {
	local target=$KPID
	[ "$(cat "/proc/$KPID/comm" 2>/dev/null)" != strace ] || target=$(pgrep -P "$KPID")
	kill -TERM "$target" 2>/dev/null
	wait "$KPID"
	RC=$?
	KPID=""
}

check_unit_capabilities() {
	local caps cap others
	caps=$(unit_caps)
	[ "$caps" = "+bpf,+perfmon" ] || fail unit_capabilities "CapabilityBoundingSet is '$caps'"
	if start_as_unit "$caps" && scrape_when_ready &&
		promtool check metrics <"$W/scrape.txt" >"$W/lint" 2>&1; then
		stop_run
		[ "$RC" = 0 ] && ok "unit_capabilities_suffice: attached and served /metrics with only $caps, uid 0, no new privileges" ||
			fail unit_capabilities_suffice "exit status $RC"
	else
		fail unit_capabilities_suffice "$(head -c 300 "$W/run.err") $(head -c 200 "$W/lint" 2>/dev/null)"
		[ -z "$KPID" ] || stop_run
	fi
	for cap in ${caps//,/ }; do
		others=$(echo "$caps" | tr ',' '\n' | grep -vx -- "$cap" | paste -sd,)
		setpriv --inh-caps=-all --bounding-set="-all${others:+,$others}" --no-new-privs \
			"$BIN" run -q -d 1 >/dev/null 2>"$W/one.err"
		RC=$?
		[ "$RC" = 1 ] && grep -qi "CAP_${cap#+}" "$W/one.err" &&
			ok "unit_capability_needed: without ${cap#+} it refuses, naming it" ||
			fail unit_capability_needed "without ${cap#+}: rc $RC, $(head -c 200 "$W/one.err")"
	done
}

# Expands systemd syscall groups (@system-service ...) into syscall names.
expand_syscalls() {
	local item
	for item in "$@"; do
		if [[ $item == @* ]]; then
			expand_syscalls $(systemd-analyze syscall-filter "$item" | tail -n +2 | sed 's/^ *//' | grep -v '^#' | grep -v '^$')
		else
			echo "$item"
		fi
	done
}

# Under strace, as the unit runs it, with a text and an OpenMetrics scrape.
check_unit_sandbox() {
	local used denied families bad_families writes
	if ! command -v strace >/dev/null; then
		skip unit_sandbox "strace not installed"
		return
	fi
	if ! start_as_unit "$(unit_caps)" strace -f -qq -o "$W/strace" || ! scrape_when_ready ||
		! curl -sf -H 'Accept: application/openmetrics-text;version=1.0.0' "http://127.0.0.1:$PORT/metrics" -o /dev/null; then
		fail unit_sandbox "could not run and scrape under strace: $(head -c 300 "$W/run.err")"
		[ -z "$KPID" ] || stop_run
		return
	fi
	sleep 0.5
	stop_run
	expand_syscalls $(unit_value SystemCallFilter) | sort -u >"$W/allowed"
	used=$(sed -n 's/^[0-9]* \([a-z0-9_]*\)(.*/\1/p' "$W/strace" | sort -u)
	denied=$(comm -23 <(echo "$used") "$W/allowed" | paste -sd' ')
	if [ -z "$used" ]; then
		fail unit_syscall_filter "no syscall in strace's output: $(head -c 300 "$W/strace" | tr '\n' '|')"
		return
	fi
	[ -z "$denied" ] &&
		ok "unit_syscall_filter: all $(echo "$used" | wc -l) syscalls it makes are in SystemCallFilter" ||
		fail unit_syscall_filter "used but not allowed: $denied"
	families=$(grep -oE '^[0-9]+ socket\(AF_[A-Z0-9]+' "$W/strace" | grep -oE 'AF_[A-Z0-9]+' | sort -u)
	bad_families=$(comm -23 <(echo "$families") <(unit_value RestrictAddressFamilies | tr ' ' '\n' | sort -u) | paste -sd' ')
	[ -z "$bad_families" ] && ok "unit_address_families: $(echo $families) within RestrictAddressFamilies" ||
		fail unit_address_families "not allowed: $bad_families"
	writes=$(grep -E '^[0-9]+ open(at)?\(.*O_(WRONLY|RDWR|CREAT)' "$W/strace" | grep -v ' = -1 ' | head -n 3)
	[ -z "$writes" ] && ok "unit_read_only: no file opened for writing (ProtectSystem=strict holds)" ||
		fail unit_read_only "$writes"
}

check_uninstall() {
	make -s --no-print-directory uninstall DESTDIR="$D" PREFIX="$PREFIX" >"$W/uninstall.out" 2>&1 ||
		{ fail uninstall "make uninstall failed: $(tail -n 3 "$W/uninstall.out")"; return; }
	[ -z "$(find "$D" -type f)" ] && ok "uninstall_removes_everything" ||
		fail uninstall_removes_everything "left: $(find "$D" -type f | sed "s|$D||" | paste -sd' ')"
	# An edited /etc/default/kvmstat-bpf is the administrator's: kept.
	make -s --no-print-directory install DESTDIR="$D" PREFIX="$PREFIX" >/dev/null 2>&1
	echo "KVMSTAT_LISTEN=192.0.2.1:9435" >>"$D/etc/default/kvmstat-bpf"
	make -s --no-print-directory uninstall DESTDIR="$D" PREFIX="$PREFIX" >/dev/null 2>&1
	[ "$(find "$D" -type f | sed "s|$D||")" = /etc/default/kvmstat-bpf ] &&
		ok "uninstall_keeps_edited_settings" || fail uninstall_keeps_edited_settings "$(find "$D" -type f)"
}

check_deb() {
	local deb r
	if ! deb=$(make -s --no-print-directory deb 2>"$W/deb.err" | tail -n1) || [ ! -f "$deb" ]; then
		fail deb_builds "$(tail -n 3 "$W/deb.err")"
		return
	fi
	ok "deb_builds: $(basename "$deb"), $(stat -c %s "$deb") bytes"
	if command -v lintian >/dev/null; then
		# (as root lintian says it would rather not be: that line is not a finding)
		lintian --fail-on warning "$deb" 2>&1 | grep -v 'running with root privileges' >"$W/lintian"
		[ "${PIPESTATUS[0]}" = 0 ] && [ ! -s "$W/lintian" ] &&
			ok "deb_lintian_clean" || fail deb_lintian_clean "$(head -n 5 "$W/lintian")"
	else
		skip deb_lintian_clean "lintian not installed"
	fi
	apt-get -s -q install "$deb" >"$W/apt" 2>&1 && ok "deb_dependencies_resolve: $(dpkg-deb -f "$deb" Depends)" ||
		fail deb_dependencies_resolve "$(tail -n 3 "$W/apt")"
	r=$W/dpkgroot
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
	: >"$r/var/lib/dpkg/status"
	if dpkg --root="$r" --log=/dev/null --force-script-chrootless --force-depends -i "$deb" >"$W/dpkg" 2>&1 &&
		[ -x "$r/usr/sbin/kvmstat-bpf" ] && [ -f "$r/lib/systemd/system/kvmstat-bpf.service" ] &&
		dpkg --root="$r" --log=/dev/null --force-script-chrootless --purge kvmstat-bpf >>"$W/dpkg" 2>&1 &&
		[ -z "$(find "$r" -mindepth 1 -not -path "$r/var" -not -path "$r/var/lib" -not -path "$r/var/lib/dpkg*")" ]; then
		ok "deb_installs_and_purges_cleanly (scratch root)"
	else
		fail deb_installs_and_purges_cleanly "$(tail -n 5 "$W/dpkg") left: $(find "$r" -mindepth 1 -not -path "$r/var/lib/dpkg*" | head)"
	fi
}

if [ "$(id -u)" != 0 ]; then
	skip install "needs root (runs the installed binary as the unit would)"
	exit 0
fi
[ -x ./kvmstat-bpf ] || { fail install "no ./kvmstat-bpf: run make first"; exit 1; }
if check_layout; then
	check_man
	check_completion
	check_unit_verify
	check_unit_capabilities
	check_unit_sandbox
	check_uninstall
fi
check_deb
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
