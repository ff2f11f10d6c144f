#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `report --html`: the page of a saved run, checked against the saved lines themselves.
# Runs: gen-ndjson's (root: BPF_PROG_TEST_RUN through run's real read/delta/write path),
# the same split into two VMs, and the emulated hosts' runs when their logs exist
# (build/vmtest/<arch>/e2e.log: make test runs this suite after them).
# - the page is well-formed XML (xmllint), a strict HTML parse balances every tag
#   (python3 html.parser), each <svg> is a well-formed SVG document on its own (xmllint);
# - nothing is fetched: no script, no src, no link but to its own anchors;
# - one heatmap per class (per VM and class with -b vm) of the saved lines, each with one
#   column per interval line, and in each column one cell per non-empty bucket of that
#   interval's class;
# - headless Chromium renders it: the PNG is not blank (many colours, the scale's among them);
# - bad uses: one stderr line and the exit status.
# Usage: test_html.sh KVMSTAT_BIN GEN_NDJSON_BIN [VMTEST_DIR]
set -u
BIN=$(realpath "${1:-./kvmstat-bpf}")
GEN=$(realpath "${2:-build/tests/gen-ndjson}")
VMTEST=${3:-build/vmtest}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }
finish() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit; }

# check_page NAME PAGE NDJSON GROUPING: the page's structure against the saved lines.
check_page() {
	local name=$1 page=$2 ndjson=$3 by=$4 out
	if xmllint --noout "$page" 2>"$dir/xmllint.err"; then
		ok "${name}_well_formed_xml"
	else
		fail "${name}_well_formed_xml" "$(head -n3 "$dir/xmllint.err")"
	fi
	rm -f "$dir"/svg-*.svg
	if out=$($PY "$HERE/check_html.py" "$page" "$ndjson" "$by" "$dir/svg-" 2>&1); then
		ok "${name}_heatmaps_match_the_saved_lines"
	else
		fail "${name}_heatmaps_match_the_saved_lines" "$out"
	fi
	local bad="" n=0 f
	for f in "$dir"/svg-*.svg; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		xmllint --noout "$f" 2>>"$dir/xmllint.err" || bad="$bad ${f##*/}"
	done
	[ "$n" -gt 0 ] && [ -z "$bad" ] && ok "${name}_each_svg_well_formed" ||
		fail "${name}_each_svg_well_formed" "$n svg, bad:$bad $(head -n2 "$dir/xmllint.err")"
}

# render NAME PAGE: headless Chromium's PNG of the page is not blank.
render() {
	local name=$1 page=$2 png=$dir/$1.png out
	rm -rf "$dir/chrome"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$dir/chrome" --window-size=1000,2400 \
		--screenshot="$png" "file://$page" >"$dir/chrome.log" 2>&1
	if [ ! -s "$png" ]; then
		fail "${name}_renders_in_chromium" "no PNG: $(grep -v dbus "$dir/chrome.log" | tail -n2)"
		return
	fi
	if out=$($PY - "$png" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = list(im.getdata())
colours = set(px)
inked = sum(1 for p in px if p != (255, 255, 255)) / len(px)
# the colour scale's ends (viridis), as drawn: the scale bar has both
near = lambda p, q: sum((a - b) ** 2 for a, b in zip(p, q)) < 30 ** 2
dark = sum(1 for p in px if near(p, (0x44, 0x01, 0x54)))
light = sum(1 for p in px if near(p, (0xfd, 0xe7, 0x25)))
print(f"{w}x{h}, {len(colours)} colours, {inked:.1%} not white, {dark} dark and {light} yellow scale pixels")
ok = (w, h) == (1000, 2400) and len(colours) >= 64 and inked >= 0.05 and dark >= 20 and light >= 20
sys.exit(0 if ok else 1)
EOF
	); then
		ok "${name}_renders_in_chromium"
	else
		fail "${name}_renders_in_chromium" "$out"
	fi
}

for tool in xmllint chromium; do
	if ! command -v $tool >/dev/null; then
		skip html_suite "$tool not installed (Debian: libxml2-utils, chromium)"
		finish
	fi
done
if ! $PY -c 'import PIL' 2>/dev/null; then
	skip html_suite "$PY has no PIL (Debian: python3-pil)"
	finish
fi

if [ "$(id -u)" -ne 0 ]; then
	skip html_gen_ndjson "not root: gen-ndjson loads BPF"
elif ! "$GEN" "$dir/a" >"$dir/gen.out" 2>&1; then
	fail gen_ndjson "$(head -n2 "$dir/gen.out")"
else
	if "$BIN" report --html "$dir/a.html" "$dir/a.ndjson" >"$dir/out" 2>"$dir/err"; then
		check_page gen_ndjson "$dir/a.html" "$dir/a.ndjson" class
		render gen_ndjson "$dir/a.html"
		cmp -s "$dir/out" <("$BIN" report "$dir/a.ndjson") && ok html_file_keeps_the_tables_on_stdout ||
			fail html_file_keeps_the_tables_on_stdout "stdout differs from report's"
	else
		fail gen_ndjson_page "exit $?: $(head -n2 "$dir/err")"
	fi
	# two VMs (gen-ndjson's threads split, 30 intervals), one figure per VM and class
	$PY "$HERE/../live/make-replay.py" "$dir/a.ndjson" "$dir/two.ndjson" 30
	# a name that must be escaped (a process names itself anything)
	sed -i 's/"name":"db"/"name":"db <\&> \\"x\\"'"'"'"/' "$dir/two.ndjson"
	if "$BIN" report -b vm --html - "$dir/two.ndjson" >"$dir/two.html" 2>"$dir/err"; then
		check_page two_vms "$dir/two.html" "$dir/two.ndjson" vm
		grep -q '^<h2>VM [0-9]* (db &lt;&amp;&gt; &quot;x&quot;&#39;)</h2>$' "$dir/two.html" &&
			grep -q '^<h2>VM [0-9]* (web)</h2>$' "$dir/two.html" &&
			! grep -q '^kvmstat-bpf ' "$dir/two.html" && ok two_vms_headings_and_no_tables ||
			fail two_vms_headings_and_no_tables "$(grep '<h2>' "$dir/two.html" | head -n3)"
	else
		fail two_vms_page "exit $?: $(head -n2 "$dir/err")"
	fi

	# bad uses
	"$BIN" report --html "$dir/x.html" "$dir/a.ndjson" "$dir/a.ndjson" >/dev/null 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 2 ] && grep -q "^kvmstat-bpf report: --html charts one run: one FILE, not 2$" "$dir/err" &&
		ok html_one_file_only || fail html_one_file_only "exit $rc: $(head -n1 "$dir/err")"
	tail -n1 "$dir/a.ndjson" >"$dir/total.ndjson"
	"$BIN" report --html "$dir/x.html" "$dir/total.ndjson" >/dev/null 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 1 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "no interval lines: --html charts each interval" "$dir/err" &&
		ok html_needs_interval_lines || fail html_needs_interval_lines "exit $rc: $(head -n2 "$dir/err")"
	"$BIN" report --html "$dir/no/x.html" "$dir/a.ndjson" >/dev/null 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -qx "failed to open HTML report '$dir/no/x.html': No such file or directory" "$dir/err" &&
		ok html_unwritable || fail html_unwritable "exit $rc: $(head -n2 "$dir/err")"
	"$BIN" report --html /dev/full "$dir/a.ndjson" >/dev/null 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -qx "failed to write HTML report '/dev/full': No space left on device" "$dir/err" &&
		ok html_write_error || fail html_write_error "exit $rc: $(head -n2 "$dir/err")"
fi

# the emulated hosts' runs (run --json in a real KVM host under QEMU)
for arch in arm64 riscv x86; do
	log=$VMTEST/$arch/e2e.log
	if [ ! -s "$log" ]; then
		skip "emulated_${arch}_page" "no $log (make vmtest-$arch writes it)"
		continue
	fi
	grep -o '{"schema_version".*' "$log" | tr -d '\r' >"$dir/$arch.ndjson"
	if "$BIN" report -b vcpu --html "$dir/$arch.html" "$dir/$arch.ndjson" >/dev/null 2>"$dir/err"; then
		check_page "emulated_$arch" "$dir/$arch.html" "$dir/$arch.ndjson" vcpu
		[ "$arch" = arm64 ] && render emulated_arm64 "$dir/$arch.html"
	else
		fail "emulated_${arch}_page" "exit $?: $(head -n2 "$dir/err")"
	fi
done
finish
