#!/bin/sh
# Limits on what outside input can make tunepool hold: an input line over
# 1 MiB is refused naming the file (or stdin) and the line, before or while
# running, for run, bench and tune; nothing past the bad line is run; a huge
# synthetic topology is refused quickly instead of exhausting memory.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
{ echo first; head -c 1100000 /dev/zero | tr '\0' x; echo; echo after; } > long.txt
# A line of exactly the limit is fine.
{ head -c 1048576 /dev/zero | tr '\0' y; echo; } > max.txt

# too_long CMD...: refused with the file and line named; nothing killed it.
too_long() {
	"$@" >stdout.txt 2>stderr.txt
	rc=$?
	err=$(cat stderr.txt)
	[ $rc != 0 ] && [ $rc -lt 128 ] || fail "'$*' exited $rc on an over-long line: $err"
	contains "$err" "line 2 is longer than 1048576 bytes"
	return 0
}
too_long "$TP" bench --inputs long.txt --workers 1 --repeat 1 --warmup 0 -- true {}
[ $rc = 2 ] || fail "bench: an over-long input line exited $rc, wanted 2"
contains "$err" "'long.txt'"
too_long "$TP" tune --inputs long.txt --budget 2 -q -o t.conf -- true {}
[ $rc = 2 ] || fail "tune: an over-long input line exited $rc, wanted 2"
contains "$err" "'long.txt'"
too_long "$TP" tune -w sleep:ms=0 --inputs long.txt --budget 2 -q -o t.conf
[ $rc = 2 ] || fail "tune -w: an over-long input line exited $rc, wanted 2"
[ -e t.conf ] && fail "tune wrote a conf despite bad inputs"
too_long "$TP" run -q -j 1 --joblog j.jsonl --inputs long.txt -- echo {}
contains "$err" "'long.txt'"
[ $rc = 2 ] || fail "run: an over-long input line exited $rc, wanted 2"
case "$(cat stdout.txt)" in *after*) fail "run went on past the over-long line" ;; esac
too_long sh -c '"$@" < long.txt' sh "$TP" run -q -j 1 -- echo {}
contains "$err" "<stdin>"
expect_exit 0 "$TP" run -q -j 1 --inputs max.txt -w sleep:ms=0
# A NUL byte inside a line is data: held inputs keep their full length (the
# sanitizer build catches a read past a shortened copy).
printf 'ab\000cdefghijklmnopqrstuvwxyz\nsecond\n' > nul.txt
expect_exit 0 "$TP" bench -w cpu:bytes=64 --inputs nul.txt --workers 1 --repeat 1 --warmup 0 -o nul.json
contains "$(json_get nul.json 'd["workload"]["input_signature"]')" ":2"

# --synthetic: a description of more than a real machine's PUs is refused
# fast (hwloc would build every object: minutes and gigabytes).
start=$(date +%s)
"$TP" probe --synthetic "pack:1000 core:1000 pu:1000" >stdout.txt 2>stderr.txt
rc=$?
[ $rc = 2 ] || fail "a synthetic topology of 10^9 PUs exited $rc: $(cat stderr.txt)"
contains "$(cat stderr.txt)" "pack:1000 core:1000 pu:1000"
[ $(($(date +%s) - start)) -lt 10 ] || fail "refusing the huge synthetic topology took too long"
expect_exit 0 "$TP" probe --synthetic "pack:2 numa:2 core:16 pu:2"
exit 0
