#!/bin/sh
# Outputs that are not regular files: a character device (a private
# /dev/null) or a FIFO is written in place and stays what it was, "-" is
# standard output, a directory is refused with exit 2 before any work; for
# export -o, bench -o/--csv, tune -o/--results, run --results and report files.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
# A character device to write to: as root a private one (never the machine's
# /dev/null: a regression would replace it), else /dev/null, which a
# non-root user cannot replace.
if [ "$(id -u)" = 0 ]; then
	mknod null c 1 3 || skip "cannot mknod a character device"
	NULL=$TMPDIR/null
else
	NULL=/dev/null
fi
cp "$TP_TOP/tests/golden/export/tunepool.conf" g.conf
B="-w sleep:ms=1 --count 4 --workers 1 --repeat 1 --warmup 0"
T="-w sleep:ms=1 --budget 4 --min-time 10ms --max-workers 2 -q"
# each OPT CMD...: CMD's output named by OPT, with OUT standing for the path.
run_with() {
	path=$1; shift
	set -- $(echo "$@" | sed "s|OUT|$path|g")
	"$@" >stdout.txt 2>stderr.txt
	echo $?
}
for c in "export g.conf --format env -o OUT" "bench $B -o OUT" "bench $B --csv OUT" \
	 "tune $T -o OUT" "tune $T -o t.conf --results OUT" "run -q -j 1 --results OUT -- true ::: a"; do
	# A character device: written in place, still a device.
	rc=$(run_with "$NULL" "$TP" $c)
	[ "$rc" = 0 ] || fail "'$c' with $NULL exited $rc: $(cat stderr.txt)"
	[ -c "$NULL" ] || fail "'$c' replaced the character device $NULL by a $(stat -c %F "$NULL")"
	# A FIFO: its reader gets the whole output, and it stays a FIFO.
	rm -f fifo got
	mkfifo fifo
	cat fifo > got &
	reader=$!
	rc=$(run_with "$TMPDIR/fifo" "$TP" $c)
	wait $reader
	[ "$rc" = 0 ] || fail "'$c' with a FIFO exited $rc: $(cat stderr.txt)"
	[ -p fifo ] || fail "'$c' replaced the FIFO by a $(stat -c %F fifo)"
	[ -s got ] || fail "'$c': the FIFO's reader got nothing"
	# "-": standard output.
	rc=$(run_with - "$TP" $c)
	[ "$rc" = 0 ] || fail "'$c' with - exited $rc: $(cat stderr.txt)"
	[ -e ./- ] && fail "'$c' created a file named '-'"
	[ -s stdout.txt ] || fail "'$c' with - wrote nothing to standard output"
	# A directory: refused up front, exit 2, named.
	rm -rf d && mkdir d
	rc=$(run_with "$TMPDIR/d" "$TP" $c)
	[ "$rc" = 2 ] || fail "'$c' with a directory exited $rc, wanted 2: $(cat stderr.txt)"
	contains "$(cat stderr.txt)" "'$TMPDIR/d'"
	contains "$(cat stderr.txt)" "directory"
	[ -d d ] || fail "'$c' removed the directory"
done
# The results of --results - parse as JSON.
"$TP" bench $B -o - 2>/dev/null | sed -n '/^{/,$p' | python3 -c 'import json,sys; json.load(sys.stdin)' ||
	fail "bench -o - did not print the results as JSON"
# Report files: a FIFO planted as report.md is written in place.
"$TP" bench -w sleep:ms=1 --count 4 --workers 1,2 --repeat 1 --warmup 0 -o r.json >/dev/null 2>&1 ||
	fail "bench for the report"
mkdir rep
mkfifo rep/report.md
cat rep/report.md > got &
reader=$!
expect_exit 0 "$TP" report r.json -o rep
wait $reader
[ -p rep/report.md ] || fail "report replaced the FIFO report.md"
contains "$(cat got)" "#"
exit 0
