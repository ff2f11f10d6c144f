#!/usr/bin/env bash
# Includes in user/ point down the data flow: lib < model < {host, loader, render, ndjson} < cli.
# A folder includes its own headers and those of lower ranks, never a higher rank nor a peer of
# its rank; arch/ and bpf/*.h (the types shared with the BPF object) from anywhere; the BPF
# skeleton only from loader/. Includes name their folder ("model/view.h"), never "../".
# Usage: check-includes.sh [USER_DIR]   (default: user/ of this repository)
# Prints one line per wrong include and exits 1 if there is any.
set -u
USER_DIR=${1:-$(dirname "$0")/../../user}
declare -A rank=([lib]=0 [model]=1 [host]=2 [loader]=2 [render]=2 [ndjson]=2 [cli]=3)
bad=0

# The folders a folder may include, for the message.
allowed() {
	local from=$1 d out=""
	for d in lib model host loader render ndjson cli; do
		[ "$d" = "$from" ] || [ "${rank[$d]}" -lt "${rank[$from]}" ] && out="$out $d/"
	done
	echo "${out# } arch/ bpf/*.h"
}

complain() {
	echo "$1:$2: #include \"$3\": $4"
	bad=1
}

check_file() {
	local file=$1 dir=$2 n=0 line inc to
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
		inc=${BASH_REMATCH[1]}
		case $inc in
		arch/*.h|bpf/*.h)
			continue ;;
		kvmstat.skel.h)
			[ "$dir" = loader ] || complain "$file" $n "$inc" "the BPF skeleton is the loader's"
			continue ;;
		esac
		if [[ $inc != */* || $inc == *../* ]]; then
			complain "$file" $n "$inc" "name the folder: \"<folder>/<file>\" from user/"
			continue
		fi
		to=${inc%%/*}
		if [ -z "${rank[$to]+x}" ]; then
			complain "$file" $n "$inc" "not a folder of user/ ($(allowed "$dir"))"
		elif [ ! -e "$USER_DIR/$inc" ]; then
			complain "$file" $n "$inc" "no such file"
		elif [ "$to" != "$dir" ] && [ "${rank[$to]}" -ge "${rank[$dir]}" ]; then
			complain "$file" $n "$inc" "$dir/ may include $(allowed "$dir")"
		fi
	done <"$USER_DIR/$file"
}

for dir in "${!rank[@]}"; do
	for f in "$USER_DIR/$dir"/*.[ch]; do
		[ -e "$f" ] && check_file "$dir/${f##*/}" "$dir"
	done
done
for f in "$USER_DIR"/*.[ch]; do
	[ -e "$f" ] && { echo "${f#"$USER_DIR"/}: a file outside the folders of user/"; bad=1; }
done
exit $bad
