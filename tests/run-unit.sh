#!/bin/sh
# Runs each cmocka test binary given and prints one summary line; fails if any
# fails, or if a test skipped without a reason from tests/skip-reasons.txt
# (tests/unit/skip.h prints it as "skip-reason: TAG: detail").
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/sanitizer-env.sh"
. "$top/tests/skip-check.sh"
export TP_TOP="$top" FIXTURES="$top/tests/fixtures"
pass=0 failn=0 skip=0 failed="" log=$(mktemp "${TMPDIR:-/tmp}/tp-unit.XXXXXX")
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	name=$(basename "$t")
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	n=$(grep -c '^\[  SKIPPED \]  ' "$log")
	reasons=$(sed -n 's/^skip-reason: //p' "$log")
	bad=0
	[ "$n" -le "$(printf '%s\n' "$reasons" | grep -c .)" ] || bad=1
	if [ -n "$reasons" ]; then
		printf '%s\n' "$reasons" | while IFS= read -r r; do
			skip_reason_ok "$r" || { echo "$name: skip reason not allowed: $r"; exit 1; }
		done || bad=1
	fi
	[ $bad = 0 ] || echo "$name: a test skipped without an allowed reason (tests/skip-reasons.txt)"
	if [ $rc = 0 ] && [ $bad = 0 ]; then
		pass=$((pass + 1)); skip=$((skip + n))
	else
		failn=$((failn + 1)); failed="$failed $name"
	fi
done
echo "unit: $pass passed, $failn failed, $skip skipped"
[ $failn = 0 ] || { echo "failed:$failed" >&2; exit 1; }
