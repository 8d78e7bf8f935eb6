#!/bin/sh
# Runs the numbered CLI tests (tests/cli/t*.sh) against $TP_BUILD/tunepool and
# prints one summary line.  Each test is a shell script that exits 0 on pass,
# 77 on skip; it gets TP (the binary), TP_BUILD, FIXTURES and a private TMPDIR.
# TP_ONLY="t3500 t36" runs only the tests whose names start with one of those.
TP_BUILD=${TP_BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export TP="$top/$TP_BUILD/tunepool" TP_BUILD="$top/$TP_BUILD" FIXTURES="$top/tests/fixtures"
export TP_TESTLIB="$top/tests/cli/lib.sh" TP_TOP="$top"
. "$top/tests/sanitizer-env.sh"
. "$top/tests/skip-check.sh"
pass=0 failn=0 skip=0 failed=""
for t in "$top"/tests/cli/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "${TP_ONLY-}" ]; then
		want=""
		for p in $TP_ONLY; do case $name in "$p"*) want=1 ;; esac; done
		[ -n "$want" ] || continue
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/tp-$name.XXXXXX")
	start=$(date +%s)
	( cd "$dir" && TMPDIR="$dir" sh "$t" ) >"$dir.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "ok   $name (${secs}s)"; rm -rf "$dir" "$dir.log" ;;
	77) why=$(tail -n 1 "$dir.log")
	    if skip_reason_ok "$why"; then
		skip=$((skip + 1)); echo "skip $name: $why"; rm -rf "$dir" "$dir.log"
	    else
		failn=$((failn + 1)); failed="$failed $name"
		echo "FAIL $name: skipped without an allowed reason (tests/skip-reasons.txt): $why"; rm -rf "$dir" "$dir.log"
	    fi ;;
	*) failn=$((failn + 1)); failed="$failed $name"; echo "FAIL $name (exit $rc, ${secs}s)"
	   sed 's/^/    /' "$dir.log" | tail -n 40; rm -rf "$dir" ;;
	esac
done
echo "cli: $pass passed, $failn failed, $skip skipped"
[ $failn = 0 ] || { echo "failed:$failed" >&2; exit 1; }
