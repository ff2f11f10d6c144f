#!/usr/bin/env bash
# The layering of user/ (check-includes.sh) holds, and the check can fail: it is run on
# copies of user/ with one wrong include planted, and must name it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
USER_DIR=$HERE/../../user
CHECK=$HERE/check-includes.sh
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

if out=$(bash "$CHECK" "$USER_DIR"); then
	ok includes_point_down
else
	fail includes_point_down "$(head -n 5 <<<"$out")"
fi

# plant NAME FILE INCLUDE PATTERN: FILE (in a copy of user/) gets INCLUDE; the check must
# fail with a line naming FILE and matching PATTERN.
plant() {
	local name=$1 file=$2 inc=$3 pattern=$4 out
	rm -rf "$tmp/user" && cp -r "$USER_DIR" "$tmp/user"
	sed -i "0,/^#include/s||#include \"$inc\"\n#include|" "$tmp/user/$file"
	if out=$(bash "$CHECK" "$tmp/user"); then
		fail "$name" "check passed with #include \"$inc\" in $file"
	elif ! grep -q "^$file:[0-9]*: #include \"$inc\": $pattern" <<<"$out"; then
		fail "$name" "no line naming it: $(head -n 2 <<<"$out")"
	else
		ok "$name"
	fi
}

plant rejects_upward_include model/snapshot.c render/table.h "model/ may include"
plant rejects_peer_include loader/stats_reader.c render/views.h "loader/ may include"
plant rejects_peer_include_ndjson_render ndjson/write.c render/prom.h "ndjson/ may include"
plant rejects_lib_using_model lib/json.c model/schema.h "lib/ may include"
plant rejects_relative_include render/table.c ../lib/format.h "name the folder"
plant rejects_skeleton_outside_loader render/prom.c kvmstat.skel.h "the BPF skeleton"

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
