#!/usr/bin/env bash
# scripts/fetch-debs.sh takes the Debian mirror only from the machine's apt configuration (or
# KVMSTAT_MIRROR) and fails with one clear line when there is none: no host name in the repo.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FETCH=$ROOT/scripts/fetch-debs.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }

# check NAME WANT_RC WANT_OUT_REGEX: runs fetch-debs.sh --mirror on $tmp/etc.
check() {
	local name=$1 want_rc=$2 want=$3 out rc
	out=$(KVMSTAT_APT_ETC=$tmp/etc bash "$FETCH" --mirror 2>&1)
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name" "exit $rc, want $want_rc (output: $out)"
	elif ! grep -qE -- "$want" <<<"$out" || [ "$(wc -l <<<"$out")" -ne 1 ]; then
		fail "$name" "output '$out' is not one line matching '$want'"
	else
		ok "$name"
	fi
}

mkdir -p "$tmp/etc/sources.list.d"
cat >"$tmp/etc/sources.list.d/debian.sources" <<'S'
Types: deb
URIs: http://mirror-a.test/debian-security
Suites: bookworm-security
Components: main

Types: deb
# a comment
URIs: http://mirror-a.test/debian
Suites: bookworm bookworm-updates
Components: main
S
check "mirror from deb822 sources, release suite not -security" 0 '^http://mirror-a\.test/debian$'

rm -f "$tmp/etc/sources.list.d/debian.sources"
printf 'deb http://mirror-b.test/security bookworm-security main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror-b.test/debian bookworm main\n' \
	>"$tmp/etc/sources.list"
check "mirror from a one-line sources.list with options" 0 '^http://mirror-b\.test/debian$'

printf 'deb http://mirror-b.test/security bookworm-security main\n' >"$tmp/etc/sources.list"
check "no release archive configured: one clear line, exit 1" 1 '^fetch-debs: no Debian archive in this machine.s apt configuration.*KVMSTAT_MIRROR'

rm -f "$tmp/etc/sources.list"
check "no sources at all: one clear line, exit 1" 1 '^fetch-debs: no apt sources on this machine'

out=$(KVMSTAT_APT_ETC=$tmp/etc KVMSTAT_MIRROR=http://chosen.test/debian bash "$FETCH" --mirror 2>&1)
[ "$out" = http://chosen.test/debian ] && ok "KVMSTAT_MIRROR overrides" || fail "KVMSTAT_MIRROR overrides" "got '$out'"

# No mirror host name written into the repository's scripts, Makefile or docs.
hits=$(cd "$ROOT" && git grep -nIE 'deb\.debian\.org|ftp\.[a-z.]*debian\.org|mirrors?\.[a-z0-9.-]+\.(org|com|net)/debian' -- . ':!tests/scripts/test_fetch_mirror.sh' 2>/dev/null)
[ -z "$hits" ] && ok "no Debian mirror host name in the repository" || fail "no Debian mirror host name in the repository" "$hits"
