#!/bin/sh
# bench interrupted by SIGINT: exit 130, results and CSV hold every finished
# repeat (the progress line, forced with --bar, says when runs have finished).
. "$TP_TESTLIB"
"$TP" bench -w sleep:ms=5 --count 10 --workers 1,2 --repeat 50 --warmup 0 --bar \
	-o r.json --csv r.csv >out.txt 2>err.txt &
pid=$!
i=0
until grep -q "run 3/" err.txt 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || { kill $pid; fail "no progress: $(cat err.txt)"; }
	sleep 0.05
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "exit $rc, wanted 130: $(cat err.txt)"
contains "$(cat err.txt)" "interrupted"
n=$(json_get r.json "sum(len(t['repeats']) for t in d['trials'])")
[ "$n" -ge 3 ] || fail "$n repeats kept, at least 3 finished"
[ "$n" -lt 100 ] || fail "the bench did not stop"
[ "$(($(wc -l <r.csv) - 1))" = "$n" ] || fail "CSV rows differ from JSON repeats"
contains "$(cat out.txt)" "median tasks/s"

# The io workload's temporary directory is removed on SIGINT too.
mkdir iot
TMPDIR="$PWD/iot" "$TP" bench -w io:bytes=16K,fsync=no --count 50 --workers 1,2 --repeat 50 \
	--warmup 0 --bar >/dev/null 2>err2.txt &
pid=$!
i=0
until grep -q "run 2/" err2.txt 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || { kill $pid; fail "no progress: $(cat err2.txt)"; }
	sleep 0.05
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "io: exit $rc, wanted 130: $(cat err2.txt)"
[ -z "$(ls iot)" ] || fail "io left files behind: $(ls -R iot)"
exit 0
