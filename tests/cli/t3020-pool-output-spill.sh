#!/bin/sh
# Grouped output past 1 MiB per task spills to an unlinked temp file: RSS
# stays bounded for a 300 MB task output, every byte arrives, each task's
# output stays whole (not interleaved with another's), --keep-order holds.
. "$TP_TESTLIB"
# 300 MB of one task's stdout, counted, under a peak-RSS measurement.
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o rss.txt "$TP" run -q --static -j 1 -- sh -c 'head -c 300000000 /dev/zero' ::: x \
		2>stderr.txt | wc -c > bytes.txt
	[ "$(cat bytes.txt)" = 300000000 ] || fail "300 MB of output came out as $(cat bytes.txt) bytes: $(cat stderr.txt)"
	rss_kb=$(tail -n 1 rss.txt)
	if [ -n "${TP_SANITIZE:-}" ]; then
		echo "peak RSS ${rss_kb} KiB (not judged under the sanitizers)"
	else
		[ "$rss_kb" -lt 40960 ] || fail "peak RSS ${rss_kb} KiB for a 300 MB task output (bound 40 MiB)"
	fi
fi
# Two tasks of 3 MB each, running at once: each one's bytes come out whole.
expect_exit 0 "$TP" run -q --static -j 2 -- sh -c 'head -c 3000000 /dev/zero | tr "\0" "$1"' sh {} ::: a b
[ "$(printf %s "$out" | wc -c)" = 6000000 ] || fail "two 3 MB outputs came out as $(printf %s "$out" | wc -c) bytes"
runs=$(printf %s "$out" | tr -s ab)
[ "$runs" = ab ] || [ "$runs" = ba ] || fail "two tasks' outputs interleaved: runs '$(printf %s "$runs" | head -c 40)'"
# In input order: a slow spilled first task, then small ones.
expect_exit 0 "$TP" run -q --static -j 3 --keep-order -- \
	sh -c 'if [ $1 = 1 ]; then sleep 0.3; head -c 2000000 /dev/zero | tr "\0" x; echo; else echo $1; fi' sh {} ::: 1 2 3 4
first=$(printf '%s\n' "$out" | head -n 1)
[ ${#first} = 2000000 ] || fail "the spilled first output is ${#first} bytes on its line"
[ "$(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')" = "2 3 4 " ] || fail "--keep-order after a spill: $(printf '%s\n' "$out" | tail -n 3)"
# No temp file is left behind.
ls "$TMPDIR" | grep -q tunepool && fail "spill files left in \$TMPDIR: $(ls "$TMPDIR")"
exit 0
