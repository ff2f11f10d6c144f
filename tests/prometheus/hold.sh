# shellcheck shell=sh
# Sourced by tests/vmtest/guest.sh (AFTER_VMMS) in the emulated host once the VMMs are done,
# while kvmstat-bpf still serves /metrics and the trace instance still holds every event:
#   1. waits PUBLISH_WAIT seconds (many kvmstat-bpf intervals), so the exposition it publishes
#      holds the final counts, and says so: "GUEST prometheus: final counts published";
#   2. prints the handling time of every raw kvm_exit -> next kvm_entry pair of a thread, from
#      the trace (mono clock, microseconds): the ground truth of the histogram checks, as
#      "TRACEH class=0x.. us=N count=M" per class and microsecond value and
#      "TRACET pid=P class=0x.. timed=N" per thread and class;
#   3. holds until the build machine connects to RELEASE_PORT (it has scraped and queried),
#      at most HOLD_TIMEOUT seconds.
# Uses guest.sh's I (trace instance), CLASS_HI and CLASS_LO (kvm_exit fields of the class).

handling_times() {
	awk -v hi="$CLASS_HI" -v lo="$CLASS_LO" '
	function find(name,    k) {
		for (k = 6; k <= NF; k++)
			if (index($k, name "=") == 1)
				return k
		return 0
	}
	function value(tok) { tok = substr(tok, index(tok, "=") + 1); sub(/^0x/, "", tok); return tok }
	function class_of(h, l) {
		if (h == "" || h == "0") return "0x" l
		while (length(l) < 8) l = "0" l
		return "0x" h l
	}
	# "12345.678901:" -> microseconds (exact in a double up to 2^53)
	function usecs(ts) { sub(/:$/, "", ts); split(ts, p, "."); return p[1] * 1000000 + p[2] }
	$5 == "kvm_exit:" {
		if (!klo || index($klo, lo "=") != 1 || (khi && index($khi, hi "=") != 1)) {
			klo = find(lo)
			khi = hi == "" ? 0 : find(hi)
			if (!klo || (hi != "" && !khi)) { bad++; next }
		}
		pending[$1] = usecs($4)
		cls[$1] = class_of(khi ? value($khi) : "", value($klo))
		next
	}
	$5 == "kvm_entry:" && ($1 in pending) {
		n = split($1, t, "-")
		us[cls[$1] " " (usecs($4) - pending[$1])]++
		timed[t[n] " " cls[$1]]++
		delete pending[$1]
	}
	END {
		for (k in us) { split(k, a, " "); printf "TRACEH class=%s us=%d count=%d\n", a[1], a[2], us[k] }
		for (k in timed) { split(k, a, " "); printf "TRACET pid=%s class=%s timed=%d\n", a[1], a[2], timed[k] }
		printf "TRACEH unparsed=%d\n", bad
	}' "$I/trace"
}

# Listening before the marker: the release may come while the emulated CPU still runs awk.
nc -l -p "${RELEASE_PORT:?}" -w "${HOLD_TIMEOUT:-120}" </dev/null >/dev/null 2>&1 &
release=$!
sleep "${PUBLISH_WAIT:-1}"
echo "GUEST prometheus: final counts published"
# After the marker: Prometheus scrapes while this runs, within a minute of the last exits
# (the rules' and the dashboard's rate windows), however slow awk is under emulation.
handling_times
if ! wait "$release"; then
	echo "guest: prometheus: no release from the build machine within ${HOLD_TIMEOUT:-120} s"
fi
