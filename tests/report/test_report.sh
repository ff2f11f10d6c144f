#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `kvmstat-bpf report` and the outputs it reads, on synthetic runs (root: gen-ndjson
# feeds exits through BPF_PROG_TEST_RUN and writes them with run's own code):
# - round trip: report reproduces the run's total line byte for byte and its
#   whole stdout (tables and histograms of every interval, then the summary); a
#   file of the total line alone gives the same; no root needed;
# - every line validates against docs/kvmstat.schema.json;
# - filters (-p, --vcpu) and grouping against sums computed here, merging of files;
# - malformed input (truncated, a bad line, not JSON, newer schema, ...): exit 1,
#   one stderr line naming FILE:LINE, nothing on stdout;
# - Prometheus files: promtool-clean, no duplicate series, counters monotonic;
# - `run --hist --json --prom-file` on this host (no guests: empty but valid).
# Usage: test_report.sh KVMSTAT_BIN GEN_NDJSON_BIN
set -u
BIN=$(realpath "${1:-./kvmstat-bpf}")
GEN=$(realpath "${2:-build/tests/gen-ndjson}")
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
SCHEMA_CHECK="$HERE/../json/check_schema.py"
passed=0 failed=0 skipped=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$dir/out err=$dir/err

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

# expect_error NAME PATTERN CMD...: exit 1, exactly one stderr line matching PATTERN, no stdout.
expect_error() {
	local name=$1 pattern=$2 rc n
	shift 2
	"$@" >"$out" 2>"$err"
	rc=$?
	n=$(wc -l <"$err")
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit $rc, want 1 (stderr: $(head -n1 "$err"))"
	elif [ "$n" -ne 1 ]; then
		fail "$name" "stderr has $n lines: $(head -c 300 "$err")"
	elif ! grep -qE -- "$pattern" "$err"; then
		fail "$name" "stderr '$(cat "$err")' does not match '$pattern'"
	elif [ -s "$out" ]; then
		fail "$name" "wrote to stdout: $(head -c 200 "$out")"
	else
		ok "$name"
	fi
}

# expect_usage NAME PATTERN CMD...: exit 2 and PATTERN on the first stderr line.
expect_usage() {
	local name=$1 pattern=$2 rc
	shift 2
	"$@" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne 2 ] || ! head -n1 "$err" | grep -qE -- "$pattern"; then
		fail "$name" "exit $rc, stderr '$(head -n1 "$err")', want 2 and '$pattern'"
	else
		ok "$name"
	fi
}

# edit IN OUT PYTHON: OUT = IN with every line's object `o` changed by PYTHON (json.dumps back).
edit() {
	$PY - "$1" "$2" "$3" <<'EOF'
import json, sys
src, dst, code = sys.argv[1:]
with open(src) as f, open(dst, "w") as g:
    for n, line in enumerate(f, 1):
        o = json.loads(line)
        exec(code)
        g.write(json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\n")
EOF
}

if [ "$(id -u)" -ne 0 ]; then
	skip report_suite "not root: gen-ndjson loads BPF"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi
if ! "$GEN" "$dir/a" >"$out" 2>"$err" || ! "$GEN" "$dir/b" >"$out" 2>"$err" ||
	! "$GEN" "$dir/c" class >"$out" 2>"$err"; then
	fail gen_ndjson "$(head -n2 "$err")"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi
A=$dir/a.ndjson

# --- schema ----------------------------------------------------------------------------
if ! $PY -c 'import jsonschema' 2>/dev/null; then
	skip schema_valid "$PY has no jsonschema (Debian: python3-jsonschema)"
elif $PY "$SCHEMA_CHECK" "$A" "$dir/c.ndjson" >"$out" 2>&1; then
	ok schema_valid
else
	fail schema_valid "$(head -n3 "$out")"
fi

# --- round trip ------------------------------------------------------------------------
if "$BIN" report --json - "$A" >"$out" 2>"$err" && cmp -s "$out" <(tail -n1 "$A"); then
	ok round_trip_total_line_exact
else
	fail round_trip_total_line_exact "$(head -n1 "$err")$(diff <(tail -n1 "$A" | tr , '\n') <(tr , '\n' <"$out") | head -n 6)"
fi
# run's stdout (gen-ndjson writes it with run's output code): every interval, then the summary.
if "$BIN" report -I --hist -b vcpu "$A" >"$out" 2>"$err" && cmp -s "$out" "$dir/a.run.txt"; then
	ok round_trip_run_output_intervals_and_summary
else
	fail round_trip_run_output_intervals_and_summary "$(head -n1 "$err")$(diff "$dir/a.run.txt" "$out" | head -n 6)"
fi
if "$BIN" report --hist -b vcpu "$A" >"$out" 2>"$err" &&
	cmp -s "$out" <(sed -n '/^=== summary ===$/,$p' "$dir/a.run.txt" | tail -n +2); then
	ok round_trip_summary_tables_and_histograms
else
	fail round_trip_summary_tables_and_histograms "$(head -n1 "$err")"
fi
# run --cumulative: after interval k, what report says of the first k interval lines.
for k in 1 2 3 4; do
	head -n $k "$A" | "$BIN" report --hist -b vcpu -
done >"$out" 2>"$err"
echo "=== summary ===" >>"$out"
"$BIN" report --hist -b vcpu "$A" >>"$out" 2>>"$err"
if cmp -s "$out" "$dir/a.cumulative.txt"; then
	ok cumulative_views_are_totals_so_far
else
	fail cumulative_views_are_totals_so_far "$(head -n1 "$err")$(diff "$dir/a.cumulative.txt" "$out" | head -n 6)"
fi
tail -n1 "$A" >"$dir/total-only.ndjson"
if "$BIN" report --json - "$dir/total-only.ndjson" >"$out" 2>"$err" && cmp -s "$out" <(tail -n1 "$A"); then
	ok total_line_alone_gives_the_same
else
	fail total_line_alone_gives_the_same "$(head -n1 "$err")"
fi
if "$BIN" report --json - "$dir/c.ndjson" >"$out" 2>"$err" && cmp -s "$out" <(tail -n1 "$dir/c.ndjson") &&
	"$BIN" report -I --hist "$dir/c.ndjson" >"$out" 2>"$err" && cmp -s "$out" "$dir/c.run.txt"; then
	ok round_trip_class_grouping
else
	fail round_trip_class_grouping "$(head -n1 "$err")$(diff "$dir/c.run.txt" "$out" | head -n 4)"
fi
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" report --json - - <"$A" >"$out" 2>"$err"
	cmp -s "$out" <(tail -n1 "$A") && ok report_needs_no_root || fail report_needs_no_root "$(head -n1 "$err")"
else
	skip report_needs_no_root "setpriv not installed"
fi

# QEMU's -uuid of the VM (gen-ndjson's names), written per VM, read back and written again.
got=$("$BIN" report --json - "$A" 2>"$err" | $PY -c 'import json,sys; print(json.load(sys.stdin)["vms"][0]["vm_uuid"])')
[ "$got" = 0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0 ] && grep -q 'vm_uuid="0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"' "$dir/a.1.prom" &&
	ok vm_uuid_written_and_read_back || fail vm_uuid_written_and_read_back "got '$got' $(head -n1 "$err")"
edit "$A" "$dir/no-uuid.ndjson" 'for vm in o.get("vms", []): vm.pop("vm_uuid")'
got=$("$BIN" report --json - "$dir/no-uuid.ndjson" 2>"$err" | $PY -c 'import json,sys; print(json.load(sys.stdin)["vms"][0]["vm_uuid"])')
[ "$got" = None ] && ok vm_uuid_absent_in_older_lines_reads_as_null || fail vm_uuid_absent_in_older_lines_reads_as_null "got '$got' $(head -n1 "$err")"

# --- --detail and --slow (gen-ndjson detail: keys and slow exits it fed, PREFIX.expect) ---------
D=$dir/d.ndjson
if ! "$GEN" "$dir/d" detail >"$out" 2>"$err"; then
	fail detail_gen_ndjson "$(head -n2 "$err")"
else
	if ! $PY -c 'import jsonschema' 2>/dev/null; then
		skip detail_schema_valid "$PY has no jsonschema (Debian: python3-jsonschema)"
	elif $PY "$SCHEMA_CHECK" "$D" >"$out" 2>&1; then
		ok detail_schema_valid
	else
		fail detail_schema_valid "$(head -n3 "$out")"
	fi
	# Per key: what was fed (the first 4 sysreg keys seen are admitted, the other 2 are
	# "other"), named as the ARM ARM and SMCCC name them; every class's keys sum to it.
	if $PY - "$D" "$dir/d.expect" >"$out" 2>&1 <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
fed = {}
for l in open(sys.argv[2]):
    f = l.split()
    if f[0] == "key":
        fed[(int(f[1], 16), int(f[2], 16))] = int(f[3])
SYS64, HVC64 = 0x200000018, 0x200000016
names = {0x300009: "ID_AA64PFR0_EL1 read", 0x30000f: "ID_AA64MMFR0_EL1 read",
         0x30000d: "ID_AA64ISAR0_EL1 read", 0x300001: "MIDR_EL1 read",
         0x84000000: "PSCI_VERSION", 0x80000000: "SMCCC_VERSION", 0xc4000003: "PSCI_CPU_ON_64"}
sys_keys = [k for (c, k) in fed if c == SYS64]
want = {(SYS64, "key", k): fed[(SYS64, k)] for k in sys_keys[:4]}
want[(SYS64, "other", 0)] = sum(fed[(SYS64, k)] for k in sys_keys[4:])
want.update({(HVC64, "key", k): n for (c, k), n in fed.items() if c == HVC64})
got = {}
for o in lines:
    if o["type"] == "slow_exit":
        continue
    assert o["detail_max"] == 4, o.get("detail_max")
    for vm in o["vms"]:
        for v in vm["vcpus"]:
            for c in v["classes"]:
                ks = c.get("keys", [])
                if not ks:
                    continue
                assert sum(k["exits"] for k in ks) == c["exits"], f"keys of {c['name']} do not sum"
                assert sum(k["handling"]["count"] for k in ks) == c["handling"]["count"]
                cls = int(c["class"], 16)
                for k in ks:
                    if cls in (SYS64, HVC64) and o["type"] == "interval":
                        g = (cls, k["kind"], int(k["key"], 16))
                        got[g] = got.get(g, 0) + k["exits"]
                    if k["kind"] == "key" and int(k["key"], 16) in names:
                        assert k["name"] == names[int(k["key"], 16)], (k["key"], k["name"])
assert got == want, f"got {sorted(got.items())}\n want {sorted(want.items())}"
print(f"{len(want)} keys, {sum(want.values())} exits")
EOF
	then ok detail_keys_equal_fed_and_bound; else fail detail_keys_equal_fed_and_bound "$(tail -n2 "$out")"; fi
	# The slow exits: exactly those fed with handling >= 1 ms, with their key, pc and times.
	if $PY - "$D" "$dir/d.expect" >"$out" 2>&1 <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = sorted(tuple(int(x, 0) for x in l.split()[1:]) for l in open(sys.argv[2]) if l.startswith("slow "))
got = sorted((o["tid"], o["mono_ns"], int(o["class"], 16), int(o["key"]["key"], 16), int(o["pc"], 16),
              o["handling_ns"], o["guest_ns"]) for o in lines if o["type"] == "slow_exit")
total = [o for o in lines if o["type"] == "total"][0]
assert want, "nothing slow fed"
assert got == want, f"{len(got)} records, {len(want)} fed; first differences: " + \
    str([x for x in got if x not in want][:2]) + str([x for x in want if x not in got][:2])
assert total["slow"] == {"threshold_ns": 1000000, "records": len(want), "suppressed": 0, "lost": 0}, total["slow"]
assert sum(o["slow"]["records"] for o in lines if o["type"] == "interval") == len(want)
print(len(want), "slow exits")
EOF
	then ok slow_records_equal_fed; else fail slow_records_equal_fed "$(tail -n2 "$out")"; fi
	if "$BIN" report --json - "$D" >"$out" 2>"$err" && cmp -s <(head -n1 "$out") <(grep '"type":"total"' "$D") &&
		cmp -s <(tail -n +2 "$out" | sort) <(grep '"type":"slow_exit"' "$D" | sort); then
		ok detail_round_trip_total_and_slow_lines
	else
		fail detail_round_trip_total_and_slow_lines "$(head -n1 "$err")"
	fi
	if "$BIN" report -I --hist -b vcpu "$D" >"$out" 2>"$err" && cmp -s "$out" "$dir/d.run.txt"; then
		ok detail_round_trip_run_output_keys_and_slow_lines
	else
		fail detail_round_trip_run_output_keys_and_slow_lines "$(head -n1 "$err")$(diff "$dir/d.run.txt" "$out" | head -n 6)"
	fi
	# --detail-top 2: SYS64's 4 keys and the kernel's other shown as the top 2 and one
	# other row, whose count is the rest (the kernel's other among it).
	"$BIN" report -b class --span handling --detail-top 2 "$D" >"$out" 2>"$err"
	awk '/^SYS64 /{s=1; next} /^[^ ]/{s=0} s' "$out" >"$dir/sys64.txt"
	want=$($PY -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1]) if "\"total\"" in l][0]
ks = sorted((k["exits"] for c in o["classes"] if c["class"] == "0x200000018" for k in c["keys"]), reverse=True)
print(len(ks), sum(ks[2:]))' "$D")
	got=$(awk '/^  other \(3\+ keys\) /{print $4}' "$dir/sys64.txt")
	if [ "$(wc -l <"$dir/sys64.txt")" -eq 3 ] && grep -q '^  ID_AA64PFR0_EL1 read ' "$dir/sys64.txt" &&
		[ "$want" = "5 $got" ]; then
		ok detail_top_and_other_row
	else
		fail detail_top_and_other_row "other row '$got', want (keys, rest) '$want': $(head -n4 "$dir/sys64.txt")"
	fi
	# Prometheus: a series per admitted key and per kind, never more than detail_max + 1 per class
	if $PY - "$dir/d.4.prom" >"$out" 2>&1 <<'EOF'
import re, sys
series = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("kvmstat_key_exits_total{")]
per_class = {}
for l in series:
    cls = re.search(r'class="([^"]+)"', l).group(1)
    per_class[cls] = per_class.get(cls, 0) + 1
assert per_class.get("SYS64") == 5 and per_class.get("HVC64") == 3, per_class
assert max(per_class.values()) <= 4 + 1, per_class
keys = {re.search(r'key="([^"]+)"', l).group(1) for l in series if 'class="SYS64"' in l}
assert keys == {"ID_AA64PFR0_EL1 read", "ID_AA64MMFR0_EL1 read", "ID_AA64ISAR0_EL1 read", "MIDR_EL1 read",
                "other"}, keys
EOF
	then ok detail_prom_key_series_bounded; else fail detail_prom_key_series_bounded "$(tail -n2 "$out")"; fi
	edit "$D" "$dir/keysum.ndjson" '
if o["type"] == "interval" and n < 5:
    for c in o["vms"][0]["vcpus"][0]["classes"]:
        if c.get("keys"):
            c["keys"][0]["exits"] += 1
            break'
	expect_error detail_keys_not_summing "keysum.ndjson:[0-9]+: .*keys" "$BIN" report "$dir/keysum.ndjson"
	edit "$D" "$dir/slowbad.ndjson" 'o.pop("pc") if o["type"] == "slow_exit" else None'
	expect_error slow_line_missing_pc "slowbad.ndjson:[0-9]+: pc: missing" "$BIN" report "$dir/slowbad.ndjson"
fi

# --- filters, grouping, merging -------------------------------------------------------
# vCPU ids for the threads (gen-ndjson's are unknown): 0, 1, 2 by tid order, every line.
edit "$A" "$dir/ids.ndjson" '
for vm in o.get("vms", []):
    for i, c in enumerate(sorted(vm["vcpus"], key=lambda c: c["tid"])):
        c["vcpu"] = i'
sum_exits() {	# sum_exits FILE FILTER: exits of the total line'\''s vCPUs passing FILTER(vm, vcpu)
	$PY -c '
import json, sys
o = json.loads(open(sys.argv[1]).readlines()[-1])
keep = eval("lambda vm, c: " + sys.argv[2])
print(sum(x["exits"] for vm in o["vms"] for c in vm["vcpus"] if keep(vm, c) for x in c["classes"]))' "$@"
}
json_exits() { $PY -c 'import json,sys; print(json.load(sys.stdin)["exits"])'; }
pid=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["vms"][0]["pid"])' "$A")
want=$(sum_exits "$dir/ids.ndjson" 'c["vcpu"] in (0, 2)')
got=$("$BIN" report --vcpu 0,2 -b vcpu --json - "$dir/ids.ndjson" 2>"$err" | json_exits)
[ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] && ok vcpu_filter ||
	fail vcpu_filter "got '$got' exits, want $want $(head -n1 "$err")"
"$BIN" report --vcpu 1 -b vcpu "$dir/ids.ndjson" >"$out" 2>"$err"
if [ "$(grep -c '^VM .* vCPU 1 thread' "$out")" -eq 2 ] && ! grep -q 'vCPU [02] ' "$out"; then
	ok vcpu_filter_table
else
	fail vcpu_filter_table "want only vCPU 1 groups (2 spans): $(grep '^VM' "$out" | head -n3)"
fi
got=$("$BIN" report -p "$pid" --json - "$A" 2>"$err" | json_exits)
want=$(sum_exits "$A" 'True')
[ "$got" = "$want" ] && ok pid_filter_keeps_the_vm || fail pid_filter_keeps_the_vm "got '$got', want $want"
got=$("$BIN" report -p 1 --json - "$A" 2>"$err" | json_exits)
[ "$got" = 0 ] && ok pid_filter_drops_other_vms || fail pid_filter_drops_other_vms "got '$got' exits for pid 1"
want=$(( $(sum_exits "$A" True) + $(sum_exits "$dir/b.ndjson" True) ))
"$BIN" report --json - "$A" "$dir/b.ndjson" >"$out" 2>"$err"
got=$(json_exits <"$out")
vms=$($PY -c 'import json,sys; print(len(json.load(sys.stdin)["vms"]))' <"$out")
[ "$got" = "$want" ] && [ "$vms" = 2 ] && ok two_files_merged || fail two_files_merged "exits '$got' (want $want), vms '$vms' (want 2)"
got=$("$BIN" report --json - "$A" "$dir/c.ndjson" 2>"$err" | $PY -c 'import json,sys; o=json.load(sys.stdin); print(o["grouping"], "vms" in o, o["exits"])')
want="class False $(( $(sum_exits "$A" True) + $(json_exits < <(tail -n1 "$dir/c.ndjson")) ))"
[ "$got" = "$want" ] && ok coarsest_grouping_wins || fail coarsest_grouping_wins "got '$got', want '$want'"
cat "$A" | "$BIN" report --json - - >"$out" 2>"$err" && cmp -s "$out" <(tail -n1 "$A") &&
	ok reads_stdin || fail reads_stdin "$(head -n1 "$err")"

# --- malformed input ------------------------------------------------------------------
size=$(stat -c %s "$A")
head -c $((size - 100)) "$A" >"$dir/truncated.ndjson"
expect_error truncated_file "^$dir/truncated.ndjson:5: invalid JSON at byte [0-9]+: unexpected end of input.*\(truncated file\?\)$" \
	"$BIN" report "$dir/truncated.ndjson"
sed '3s/.*/{"schema_version":1,"tool":"kvmstat-bpf",]/' "$A" >"$dir/badline.ndjson"
expect_error bad_line "^$dir/badline.ndjson:3: invalid JSON at byte 41: unexpected '\]', expected a string key$" \
	"$BIN" report "$dir/badline.ndjson"
expect_error not_json "^$HERE/test_report.sh:1: invalid JSON at byte 0: unexpected '#', expected a value$" \
	"$BIN" report "$HERE/test_report.sh"
expect_error binary_file "^$GEN:1: invalid JSON at byte 0: unexpected byte 0x7f, expected a value$" \
	"$BIN" report "$GEN"
edit "$A" "$dir/newer.ndjson" 'o["schema_version"] = 2 if n == 1 else 1; o.pop("classes") if n == 1 else None'
expect_error newer_schema "newer.ndjson:1: schema_version 2 is newer than this kvmstat-bpf reads \(1\)" \
	"$BIN" report "$dir/newer.ndjson"
edit "$A" "$dir/bucket.ndjson" '
if n == 2: o["vms"][0]["vcpus"][1]["classes"][0]["handling"]["buckets"][0]["lo_ns"] = 1000'
expect_error bucket_not_a_bound "bucket.ndjson:2: vms\[0\]\.vcpus\[1\]\.classes\[0\]\.handling\.buckets\[0\]\.lo_ns: 1000 is not a bucket bound$" \
	"$BIN" report "$dir/bucket.ndjson"
edit "$A" "$dir/count.ndjson" 'o["vms"][0]["vcpus"][0]["classes"][1]["guest"]["count"] += 1 if n == 4 else 0'
expect_error bucket_sum_mismatch "count.ndjson:4: vms\[0\]\.vcpus\[0\]\.classes\[1\]\.guest: bucket counts sum to [0-9]+, count is [0-9]+$" \
	"$BIN" report "$dir/count.ndjson"
edit "$A" "$dir/type.ndjson" 'o["drops"]["inflight"] = "0" if n == 3 else 0'
expect_error wrong_type "type.ndjson:3: drops\.inflight: expected a number, got string$" \
	"$BIN" report "$dir/type.ndjson"
edit "$A" "$dir/arch.ndjson" 'o["arch"] = "riscv" if n == 2 else o["arch"]'
expect_error mixed_arch "arch.ndjson:2: arch riscv differs from arm64" "$BIN" report "$dir/arch.ndjson"
edit "$A" "$dir/other.ndjson" 'o.clear(); o["schema_version"] = 1; o["tool"] = "perf"'
expect_error other_tool 'other.ndjson:1: tool "perf": not a kvmstat-bpf record$' "$BIN" report "$dir/other.ndjson"
echo '[1, 2]' >"$dir/array.ndjson"
expect_error not_an_object 'array.ndjson:1: expected a JSON object, got array' "$BIN" report "$dir/array.ndjson"
: >"$dir/empty.ndjson"
expect_error empty_file 'empty.ndjson: no kvmstat-bpf records' "$BIN" report "$dir/empty.ndjson"
expect_error missing_file "^failed to open '$dir/nope.ndjson': No such file or directory$" \
	"$BIN" report "$dir/nope.ndjson"
expect_error directory "^failed to read '$dir': Is a directory$" "$BIN" report "$dir"
expect_error too_coarse_for_vcpu 'c.ndjson:1: line grouped by class: -b vcpu needs lines written by run -b vcpu --json$' \
	"$BIN" report -b vcpu "$dir/c.ndjson"
expect_error too_coarse_for_pid 'c.ndjson:1: line grouped by class: -p needs lines written by run -b vm or vcpu --json$' \
	"$BIN" report -p 7 "$dir/c.ndjson"
edit "$A" "$dir/handling.ndjson" '
o["spans"] = ["handling"]
for c in o["classes"] + [c for vm in o["vms"] for v in [vm] + vm["vcpus"] for c in v["classes"]]:
    c.pop("guest")'
expect_error missing_span 'the input has no guest span' "$BIN" report --span guest "$dir/handling.ndjson"
expect_usage no_file "missing FILE" "$BIN" report
expect_usage bad_vcpu_list "invalid vCPU list '1,,2'" "$BIN" report --vcpu 1,,2 "$A"
expect_usage bad_vcpu_id "invalid vCPU list '4294967295'" "$BIN" report --vcpu 4294967295 "$A"
expect_usage bad_grouping "invalid grouping 'host'" "$BIN" report -b host "$A"
expect_usage run_bad_vcpu "invalid vCPU list 'x'" "$BIN" run --vcpu x

# --- Prometheus files of each interval --------------------------------------------------
proms=("$dir"/a.[1-4].prom)
[ -e "$dir/d.1.prom" ] && promtool_also=("$dir"/d.[1-4].prom) || promtool_also=()
if [ -x /usr/bin/promtool ]; then
	bad=""
	for p in "${proms[@]}" "${promtool_also[@]}"; do
		/usr/bin/promtool check metrics <"$p" >"$out" 2>&1 || bad="$bad $p: $(head -n2 "$out")"
	done
	[ -z "$bad" ] && ok promtool_every_interval || fail promtool_every_interval "$bad"
else
	skip promtool_every_interval "/usr/bin/promtool not installed (Debian package prometheus)"
fi
# promtool does not notice duplicate series: check it here, and the other invariants.
if $PY - "${proms[@]}" >"$out" 2>&1 <<'EOF'
import re, sys
LINE = re.compile(r'^([a-z_]+)(\{.*\})? (\S+)$')
prev = {}
for path in sys.argv[1:]:
    cur = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        name, labels, value = LINE.match(line).groups()
        key = name + (labels or "")
        assert key not in cur, f"{path}: duplicate series {key}"
        cur[key] = float(value)
    for key, v in prev.items():
        assert cur.get(key, -1) >= v, f"{path}: {key} went from {v} to {cur.get(key)}"
    for key, v in cur.items():	# buckets cumulative, +Inf == _count
        m = re.match(r'^(.*)_bucket\{(.*),le="([^"]+)"\}$', key)
        if m and m.group(3) == "+Inf":
            assert v == cur[f"{m.group(1)}_count{{{m.group(2)}}}"], f"{key} != _count"
    prev = cur
assert prev, "no series"
EOF
then ok prom_series_unique_monotonic_cumulative; else fail prom_series_unique_monotonic_cumulative "$(tail -n1 "$out")"; fi

# --- run on this host: the outputs exist and are valid, even with no guests ---------------
"$BIN" run -d 1 -i 0.5 --hist --cumulative -b vcpu --vcpu 0 --json "$dir/run.ndjson" \
	--prom-file "$dir/run.prom" >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail run_writes_outputs "exit $rc: $(head -n2 "$err")"
elif [ "$(grep -c 'handling time histograms' "$out")" -ne 3 ] || [ -e "$dir/run.prom.tmp" ] ||
	[ "$(wc -l <"$dir/run.ndjson")" -ne 3 ] || ! grep -q '^# TYPE kvmstat_exits_total counter$' "$dir/run.prom"; then
	fail run_writes_outputs "want 3 histogram dumps, 3 JSON lines, a .prom and no .tmp"
else
	ok run_writes_outputs
fi
if "$BIN" report --json - "$dir/run.ndjson" >"$out" 2>"$err" && cmp -s "$out" <(tail -n1 "$dir/run.ndjson"); then
	ok round_trip_of_a_real_run
else
	fail round_trip_of_a_real_run "$(head -n1 "$err")"
fi
expect_error run_prom_unwritable "^failed to write Prometheus file '$dir/no/x.prom': No such file or directory$" \
	"$BIN" run -d 1 --prom-file "$dir/no/x.prom"

# --- a failed write is said, and the exit status tells (/dev/full: every write fails, ENOSPC) -------
"$BIN" report "$A" >/dev/full 2>"$err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] &&
	grep -qx "failed to write table: No space left on device" "$err" && ok report_table_write_error ||
	fail report_table_write_error "exit $rc, stderr '$(head -c 200 "$err")'"
expect_error report_json_write_error "^failed to write JSON output '/dev/full': No space left on device$" \
	"$BIN" report --json /dev/full "$A"
# run goes on after a failed JSON write with the JSON output stopped, in one line, and exits 1
# (tests/output/test_output.sh: the table, a tmpfs filling mid-run, the Prometheus file)
"$BIN" run -d 1 -i 0.5 --json /dev/full >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(cat "$err")" = "failed to write JSON output '/dev/full': No space left on device: stopped (its last line may be cut short)" ] &&
	grep -q '^=== summary ===$' "$out"; then
	ok run_json_write_error_stops_json
else
	fail run_json_write_error_stops_json "exit $rc, stderr '$(head -c 300 "$err")'"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
