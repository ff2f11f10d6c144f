#!/usr/bin/env bash
# `run --listen` on this machine (as root: it attaches here even though no exit ever fires):
# bad and wildcard addresses refused with one line; a port alone listens on 127.0.0.1 only
# (ss); a scrape in each format (text: promtool check metrics; OpenMetrics: prometheus_client's
# strict parser), 404/405, HEAD; a port in use refused; SIGTERM ends it before the interval
# does (the server thread must not swallow it); the scrape's wall time (a note).
set -u
BIN=${1:-./kvmstat-bpf}
PYTHON=/usr/bin/python3
passed=0 failed=0 skipped=0
W=$(mktemp -d)
KPID=""
cleanup() {
	[ -z "$KPID" ] || { kill "$KPID" 2>/dev/null; wait "$KPID" 2>/dev/null; }
	rm -rf "$W"
}
trap cleanup EXIT

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

# expect_refused NAME PATTERN ARGS...: exit 2, exactly one stderr line matching PATTERN.
expect_refused() {
	local name=$1 pattern=$2 rc
	shift 2
	"$BIN" run "$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" = 2 ] && [ "$(wc -l <"$W/err")" = 1 ] && grep -qE -- "$pattern" "$W/err" && [ ! -s "$W/out" ]; then
		ok "$name"
	else
		fail "$name" "rc $rc, stderr: $(head -c 200 "$W/err")"
	fi
}

expect_refused listen_wildcard_refused "refusing --listen '0.0.0.0:9435': it means every address" --listen 0.0.0.0:9435
expect_refused listen_ipv6_wildcard_refused "refusing --listen '\[::\]:9435'" --listen '[::]:9435'
expect_refused listen_bad_port "invalid --listen '127.0.0.1:70000'" --listen 127.0.0.1:70000
expect_refused listen_host_name "'example.org' is not an IPv4 address" --listen example.org:9435
expect_refused listen_unbracketed_ipv6 "put an IPv6 address in brackets" --listen ::1:9435

if [ "$(id -u)" != 0 ]; then
	skip listen_live "needs root to attach"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi

# start NAME ARGS...: runs `run ARGS` in the background; PORT from its "serving" line.
start() {
	local i
	"$BIN" run "$@" >"$W/run.out" 2>"$W/run.err" &
	KPID=$!
	for i in $(seq 100); do
		PORT=$(sed -n 's|^kvmstat-bpf: serving http://[^ ]*:\([0-9]*\)/metrics$|\1|p' "$W/run.err")
		[ -n "$PORT" ] && return 0
		kill -0 "$KPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

stop() {
	kill -TERM "$KPID" 2>/dev/null
	wait "$KPID"
	RC=$?
	KPID=""
}

# status METHOD PATH [ACCEPT]: "CODE CONTENT-TYPE SIZE", the body in $W/body.
status() {
	curl -s -X "$1" ${3:+-H "Accept: $3"} -o "$W/body" -w '%{http_code} %{content_type} %{size_download}' \
		"http://127.0.0.1:$PORT$2" $([ "$1" = HEAD ] && echo --head)
}

if ! start --listen 0 -q -i 0.2; then
	fail listen_starts "$(head -c 300 "$W/run.err")"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi
ok "listen_starts: $(head -n1 "$W/run.err")"
# Listening sockets of this process: only 127.0.0.1:PORT.
socks=$(ss -Hltnp | grep "pid=$KPID," | awk '{ print $4 }' | paste -sd' ')
[ "$socks" = "127.0.0.1:$PORT" ] && ok "listen_port_alone_is_loopback: ss shows $socks only" ||
	fail listen_port_alone_is_loopback "ss shows '$socks'"

for i in $(seq 50); do	# 503 until the first exposition is published after attaching
	[ "$(status GET /metrics | cut -d' ' -f1)" = 200 ] && break
	sleep 0.1
done
s=$(status GET /metrics)
if [ "${s%% *}" = 200 ] && grep -q '^text/plain; version=0.0.4' <<<"${s#* }" &&
	promtool check metrics <"$W/body" >"$W/lint" 2>&1; then
	ok "listen_text_scrape: promtool check metrics accepts a live scrape ($(wc -l <"$W/body") lines)"
else
	fail listen_text_scrape "$s $(head -c 300 "$W/lint")"
fi
grep -q '^kvmstat_build_info{version="[^"]*",arch="[a-z0-9]*",kernel="'"$(uname -r)"'"' "$W/body" &&
	ok "listen_build_info: this kernel's release" || fail listen_build_info "$(grep build_info "$W/body")"

PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
s=$(status GET /metrics "$PROM_ACCEPT")
if [ "${s%% *}" = 200 ] && grep -q '^application/openmetrics-text; version=1.0.0' <<<"${s#* }" &&
	[ "$(tail -n1 "$W/body")" = "# EOF" ]; then
	if $PYTHON -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
		$PYTHON - "$W/body" >"$W/om" 2>&1 <<-'EOF' && ok "listen_openmetrics_scrape: $(cat "$W/om")" ||
		import sys
		from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse
		fams = {f.name: f for f in parse(open(sys.argv[1]).read())}
		assert fams["kvmstat_exits"].type == "counter", fams.get("kvmstat_exits")
		assert fams["kvmstat_build"].type == "info"
		assert fams["kvmstat_drops"].type == "counter"
		assert {s.labels["reason"] for s in fams["kvmstat_drops"].samples} == \
			{"stats_full", "inflight", "unpaired", "threads_full"}
		print("prometheus_client's OpenMetrics parser reads %d families" % len(fams))
		EOF
			fail listen_openmetrics_scrape "$(tail -n 3 "$W/om")"
	else
		skip listen_openmetrics_scrape "no python3-prometheus-client to parse it"
	fi
else
	fail listen_openmetrics_scrape "$s, last line $(tail -n1 "$W/body")"
fi

s=$(status HEAD /metrics)
[ "${s%% *}" = 200 ] && [ "${s##* }" = 0 ] && ok "listen_head: 200, no body" || fail listen_head "$s"
s=$(status GET /)
[ "${s%% *}" = 404 ] && ok "listen_other_path_404" || fail listen_other_path_404 "$s"
s=$(status POST /metrics)
[ "${s%% *}" = 405 ] && ok "listen_post_405" || fail listen_post_405 "$s"

times=$(for _ in $(seq 20); do
	curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$PORT/metrics"
done | sort -n | awk '{ t[NR] = $1 * 1e6; b = $2 } END { printf "median %.0f us, max %.0f us (20 scrapes of %d B)", t[10], t[20], b }')
echo "note scrape wall time on this machine (curl, connection included): $times"

# A second instance on the same port fails at once, naming the address.
"$BIN" run -q -d 5 --listen "127.0.0.1:$PORT" >/dev/null 2>"$W/busy"
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$W/busy")" = 1 ] &&
	grep -q "failed to listen on 127.0.0.1:$PORT: Address already in use" "$W/busy" &&
	ok "listen_port_in_use: exit 1, one line" || fail listen_port_in_use "rc $rc: $(head -c 200 "$W/busy")"
stop
[ "$RC" = 0 ] && ok "listen_stops_on_sigterm: exit 0" || fail listen_stops_on_sigterm "exit $RC"

# SIGTERM must wake run's sleep even with the server's thread running: a 30 s interval ends
# within seconds.
if start --listen 127.0.0.2:0 -q -i 30; then
	sleep 1
	kill -TERM "$KPID"
	timeout 10 tail --pid="$KPID" -f /dev/null
	if kill -0 "$KPID" 2>/dev/null; then
		fail listen_sigterm_mid_interval "still running 10 s after SIGTERM (interval 30 s)"
	else
		stop
		ok "listen_sigterm_mid_interval: ended well before the 30 s interval (rc $RC)"
	fi
else
	fail listen_explicit_loopback "$(head -c 200 "$W/run.err")"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
