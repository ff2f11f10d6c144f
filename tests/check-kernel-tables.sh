#!/usr/bin/env bash
# Checks kvmstat-bpf's decode tables against real kernel headers: every exit
# code macro of the kernel must be listed by `kvmstat-bpf list --arch ARCH`,
# in the table for its kind, with the same code.
#   arm64  ARM_EXCEPTION_* (asm/kvm_asm.h), ESR_ELx_EC_* (asm/esr.h)
#   riscv  EXC_*, IRQ_* (asm/csr.h; interrupts listed with bit 63 set)
#   x86    EXIT_REASON_* (uapi asm/vmx.h), SVM_EXIT_*, SVM_VMGEXIT_* exit codes (uapi asm/svm.h)
# and the second-level tables of `list --detail` (sysregs, SMCCC/PSCI, SBI, CSRs, MSRs,
# hypercalls) with tests/check-detail-tables.py, which says what each covers.
#
# Usage: tests/check-kernel-tables.sh [--bin PATH] [HEADERS_DIR]
#   HEADERS_DIR  an extracted linux-headers-*-common .deb, or its
#                usr/src/linux-headers-*-common (default: `scripts/fetch-debs.sh headers`)
#   --bin PATH   binary run as `PATH list --arch ARCH` (default: ./kvmstat-bpf)
# Prints an ok/FAIL line per macro (per table for the second-level ones) and "N passed, N failed"; exits 1 on a FAIL.
set -euo pipefail

die() {
	echo "check-kernel-tables: $*" >&2
	exit 1
}

bin=./kvmstat-bpf
headers=
while [ $# -gt 0 ]; do
	case $1 in
	--bin) [ $# -ge 2 ] || die "--bin needs a path"; bin=$2; shift 2 ;;
	-h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) headers=$1; shift ;;
	esac
done

if [ -z "$headers" ]; then
	fetch=$(dirname "$0")/../scripts/fetch-debs.sh
	[ -x "$fetch" ] || die "failed to find kernel headers: pass HEADERS_DIR ($fetch is missing)"
	headers=$("$fetch" headers) || die "failed to fetch kernel headers with $fetch"
fi

# The directory with arch/: the given one or the .deb's usr/src/linux-headers-*-common.
root=
for d in "$headers" "$headers"/usr/src/linux-headers-*-common; do
	if [ -r "$d/arch/arm64/include/asm/esr.h" ]; then
		root=$d
		break
	fi
done
[ -n "$root" ] || die "failed to find arch/arm64/include/asm/esr.h under $headers"
[ -x "$bin" ] || command -v "$bin" >/dev/null || die "failed to run $bin: not an executable"

version=$(awk '$2 == "=" && $1 ~ /^(VERSION|PATCHLEVEL|SUBLEVEL)$/ { v = v (v == "" ? "" : ".") $3 }
	END { print v }' "$root/Makefile" 2>/dev/null || true)
echo "# kernel headers: $root${version:+ (Linux $version)}"

# "NAME VALUE" per `#define NAME VALUE` whose NAME matches $2, from header $1.
# VALUE loses comments and the UL()/_AC() wrappers. Names matching $3 are not
# codes and are skipped; with $4, so are values not matching $4. Any other
# value that is not a number fails, so a macro in a new form cannot slip
# through unchecked. (Regexes are POSIX ERE without {n}: mawk has none.)
header_codes() {
	awk -v re="^($2)" -v skip="^($3)$" -v only="${4:-}" '
	$1 == "#define" && $2 ~ re && $2 !~ /\(/ && $2 !~ skip {
		v = $0
		sub(/^#define[ \t]+[A-Za-z0-9_]+[ \t]*/, "", v)
		sub(/[ \t]*\/[*\/].*$/, "", v)
		gsub(/_AC\(|, *UL\)|UL\(|[() \t]/, "", v)
		if (only != "" && v !~ only)
			next
		if (v !~ /^-?(0[xX][0-9a-fA-F]+|[0-9]+)$/ && v !~ /^[A-Z_][A-Z0-9_]*$/) {
			printf "check-kernel-tables: failed to parse %s: \"%s\"\n", $2, v > "/dev/stderr"
			exit 1
		}
		print $2, v
		n++
	}
	END { if (!n) { print "check-kernel-tables: no " re " macro in " FILENAME > "/dev/stderr"; exit 1 } }
	' "$1"
}

# "<section title> TAB <code> TAB <name>" per class of `list --arch $1`.
list_classes() {
	local out
	out=$("$bin" list --arch "$1") || die "failed to run $bin list --arch $1"
	awk '/^# / { section = $0; next } /^0x/ { printf "%s\t%s\t%s\n", section, $1, $2 }' <<<"$out"
}

passed=0
failed=0

# check ARCH HEADER MACRO_RE SKIP_RE SECTION_KEY CODE_EXPR [ONLY_RE]
#   SECTION_KEY: text in the title of the table the codes belong to
#   CODE_EXPR: bash arithmetic turning $v into the listed code
#   ONLY_RE: values that are codes (see header_codes)
# A value naming another macro is looked up in $aliases ("NAME VALUE" lines).
check() {
	local arch=$1 header=$root/$2 re=$3 skip=$4 key=$5 expr=$6 only=${7:-}
	local classes codes name v code hit
	[ -r "$header" ] || die "failed to read $header: no such file"
	classes=$(list_classes "$arch" | awk -F'\t' -v key="$key" 'index($1, key)')
	[ -n "$classes" ] || die "no table titled with $key in $bin list --arch $arch"
	codes=$(header_codes "$header" "$re" "$skip" "$only") || die "failed to parse $header"
	while read -r name v; do
		if [[ $v =~ ^[A-Z_] ]]; then
			v=$(awk -v m="$v" '$1 == m { print $2 }' "$aliases" 2>/dev/null)
			[ -n "$v" ] || { echo "FAIL $arch $name: value is an unknown macro"; failed=$((failed + 1)); continue; }
		fi
		# shellcheck disable=SC2004 # $expr is an expression, expanded on purpose
		code=$(printf '0x%x' $(( $expr )))
		hit=$(awk -F'\t' -v code="$code" '{ c = tolower($2); sub(/^0x0+/, "0x", c); if (c == "0x") c = "0x0" } c == code { print $3; exit }' <<<"$classes")
		if [ -n "$hit" ]; then
			echo "ok $arch $name = $code: $hit"
			passed=$((passed + 1))
		else
			echo "FAIL $arch $name = $code: not in the \"$key\" table of $bin list --arch $arch"
			failed=$((failed + 1))
		fi
	done <<<"$codes"
}

aliases=$(mktemp)
trap 'rm -f "$aliases"' EXIT
header_codes "$root/arch/arm64/include/asm/virt.h" HVC_STUB_ERR '' >"$aliases" ||
	die "failed to parse arch/arm64/include/asm/virt.h"

check arm64 arch/arm64/include/asm/kvm_asm.h 'ARM_EXCEPTION_' '' ARM_EXCEPTION_ 'v'
check arm64 arch/arm64/include/asm/esr.h 'ESR_ELx_EC_' 'ESR_ELx_EC_(MAX|SHIFT|WIDTH|MASK)' ESR_ELx_EC_ 'v'
check riscv arch/riscv/include/asm/csr.h 'EXC_' '' EXC_ 'v'
check riscv arch/riscv/include/asm/csr.h 'IRQ_' 'IRQ_LOCAL_(MAX|MASK)' IRQ_ 'v | 1 << 63'
check x86 arch/x86/include/uapi/asm/vmx.h 'EXIT_REASON_' '' EXIT_REASON_ 'v'
check x86 arch/x86/include/uapi/asm/svm.h 'SVM_EXIT_' 'SVM_EXIT_REASONS' SVM_EXIT_ 'v & 0xffffffff'
# SVM_VMGEXIT_* also names the sub-codes of some events: exit codes are 0x8xxxxxxx.
check x86 arch/x86/include/uapi/asm/svm.h 'SVM_VMGEXIT_' '' SVM_EXIT_ 'v & 0xffffffff' \
	'^0[xX]8[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$'

# Second-level tables: the compiler evaluates the headers' macros (sys_reg(), SMCCC_CALL_VAL, enums).
detail=$(python3 "$(dirname "$0")/check-detail-tables.py" --bin "$bin" "$root") || true
echo "$detail" | grep -v '^[0-9]* passed, [0-9]* failed$'
read -r dp df <<<"$(echo "$detail" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')"
[ -n "$dp" ] || { echo "FAIL detail tables: check-detail-tables.py gave no result"; dp=0; df=1; }
passed=$((passed + dp))
failed=$((failed + df))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
