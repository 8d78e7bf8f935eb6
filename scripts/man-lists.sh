#!/bin/sh
# Regenerates the lists in docs/tunepool.1 from the registries: every block
#   .\" BEGIN LIST KIND
#   ...
#   .\" END LIST KIND
# is replaced by `tunepool help --roff KIND`. With --check, changes nothing
# and fails (naming the kinds) when the page is out of date; t0010 runs that.
#   usage: sh scripts/man-lists.sh [--check] [TUNEPOOL [PAGE]]
set -eu
check=0
[ "${1-}" = --check ] && { check=1; shift; }
tp=${1:-build/tunepool}
page=${2:-docs/tunepool.1}
tmp=$(mktemp "${TMPDIR:-/tmp}/tp-man.XXXXXX")
trap 'rm -f "$tmp" "$tmp.list"' EXIT
: >"$tmp"
kind=""
while IFS= read -r line; do
	case $line in
	'.\" BEGIN LIST '*)
		kind=${line#'.\" BEGIN LIST '}
		printf '%s\n' "$line" >>"$tmp"
		"$tp" help --roff "$kind" >"$tmp.list" || { echo "man-lists: no list '$kind'" >&2; exit 2; }
		cat "$tmp.list" >>"$tmp" ;;
	'.\" END LIST '*)
		[ -n "$kind" ] || { echo "man-lists: '$line' without its BEGIN" >&2; exit 2; }
		kind=""
		printf '%s\n' "$line" >>"$tmp" ;;
	*)
		[ -n "$kind" ] || printf '%s\n' "$line" >>"$tmp" ;;
	esac
done <"$page"
[ -z "$kind" ] || { echo "man-lists: list '$kind' has no END line" >&2; exit 2; }
if cmp -s "$tmp" "$page"; then
	exit 0
fi
if [ $check = 1 ]; then
	echo "man-lists: $page is out of date with the registries; run: sh scripts/man-lists.sh" >&2
	diff -u "$page" "$tmp" | head -n 40 >&2
	exit 1
fi
cat "$tmp" >"$page"
echo "man-lists: updated $page"
