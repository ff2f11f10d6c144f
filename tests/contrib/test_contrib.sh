#!/usr/bin/env bash
# contrib/ offline: promtool checks the rules, the example configuration and the rules' unit
# tests (alerts fire on synthetic series when they should, and not otherwise); every PromQL
# expression of the Grafana dashboard parses (promtool, as recording rules after Grafana's
# variables are substituted). tests/prometheus/e2e.sh evaluates all of them on live data.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=/usr/bin/python3
passed=0 failed=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

run() {	# run NAME CMD...: ok if CMD succeeds, else FAIL with its output
	local name=$1
	shift
	if "$@" >"$W/out" 2>&1; then ok "$name"; else fail "$name" "$(tail -n 8 "$W/out" | tr '\n' '|')"; fi
}

cd "$ROOT/contrib/prometheus" || exit 1
run promtool_check_rules promtool check rules kvmstat-bpf.rules.yml
run promtool_check_config promtool check config prometheus.yml
run promtool_test_rules promtool test rules kvmstat-bpf.rules.test.yml

# The dashboard's expressions as recording rules, Grafana's variables replaced as the e2e
# test does (tests/prometheus/check_prom.py GRAFANA_VARS).
if $PYTHON - "$ROOT" "$W/dashboard.rules.yml" >"$W/conv" 2>&1 <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1] + "/tests/prometheus")
from check_prom import grafana_expr
dash = json.load(open(sys.argv[1] + "/contrib/grafana/kvmstat-bpf.json"))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert exprs and all(e.strip() for e in exprs), "panels without expressions"
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write(f"      - record: dashboard:expr{i}\n        expr: {json.dumps(grafana_expr(e))}\n")
print(len(exprs))
EOF
then
	run "dashboard_promql_parses ($(cat "$W/conv") expressions)" promtool check rules "$W/dashboard.rules.yml"
else
	fail dashboard_promql_parses "$(tail -n 3 "$W/conv")"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
