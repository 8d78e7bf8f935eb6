#!/bin/sh
# Runs each cmocka test binary given and prints one summary line; fails if any fails.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/sanitizer-env.sh"
export TP_TOP="$top" FIXTURES="$top/tests/fixtures"
pass=0 failn=0 failed=""
for t in "$@"; do
	if "$t"; then pass=$((pass + 1)); else failn=$((failn + 1)); failed="$failed $(basename "$t")"; fi
done
echo "unit: $pass passed, $failn failed"
[ $failn = 0 ] || { echo "failed:$failed" >&2; exit 1; }
