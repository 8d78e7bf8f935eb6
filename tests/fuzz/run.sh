#!/bin/sh
# Fuzz smoke: runs each libFuzzer target for SECONDS over its seed corpus
# (tests/fuzz/corpus/NAME, copied so the checked-in corpus is not touched).
# Usage: run.sh SECONDS TARGET...
secs=$1; shift
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 failn=0
for f in "$@"; do
	case $f in /*) ;; *) f="$PWD/$f" ;; esac
	name=$(basename "$f" | sed 's/^fuzz_//')
	work=$(mktemp -d "${TMPDIR:-/tmp}/tp-fuzz-$name.XXXXXX")
	[ -d "$top/tests/fuzz/corpus/$name" ] && cp -r "$top/tests/fuzz/corpus/$name/." "$work/"
	if (cd "$work" && "$f" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 "$work" >"$work.log" 2>&1); then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$')
		echo "ok   fuzz $name: ${runs:-?} executions in ${secs}s"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz $name"; tail -n 30 "$work.log" | sed 's/^/    /'
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | sed 's/^/    artifact: /'
		failn=$((failn + 1))
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $pass passed, $failn failed"
[ $failn = 0 ]
