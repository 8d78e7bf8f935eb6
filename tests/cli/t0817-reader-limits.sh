#!/bin/sh
# Every reader has a limit: a conf, results file or journal read from
# /dev/zero is refused quickly (exit 2) naming the limit, not read until
# memory runs out; a journal must be a regular file, and its limit is
# raised with TUNEPOOL_JOURNAL_MAX; a conf with a NUL byte or a key set twice
# is refused naming the file and line.
. "$TP_TESTLIB"
# bounded CMD...: CMD under a time limit and, without a sanitizer (which
# reserves huge shadow memory), a 1 GB address-space limit.
bounded() {
	if [ -n "${TP_SANITIZE-}" ]; then
		timeout 60 "$@" >stdout.txt 2>stderr.txt
	else
		timeout 60 sh -c 'ulimit -v 1000000; exec "$@"' sh "$@" >stdout.txt 2>stderr.txt
	fi
	rc=$?
	err=$(cat stderr.txt)
}
bounded "$TP" export /dev/zero
[ $rc = 2 ] || fail "export /dev/zero exited $rc, wanted 2: $err"
contains "$err" "over the limit of 1048576 bytes"
bounded "$TP" run -q --config /dev/zero -- true ::: a
[ $rc = 2 ] || fail "run --config /dev/zero exited $rc, wanted 2: $err"
contains "$err" "'/dev/zero'"
bounded "$TP" report /dev/zero -o rep
[ $rc = 2 ] || fail "report /dev/zero exited $rc, wanted 2: $err"
contains "$err" "over the limit of"
bounded "$TP" compare /dev/zero /dev/zero
[ $rc = 2 ] || fail "compare /dev/zero exited $rc, wanted 2: $err"
bounded "$TP" run -q --joblog /dev/zero --resume -- true ::: a
[ $rc = 2 ] || fail "run --resume from /dev/zero exited $rc, wanted 2: $err"
contains "$err" "not a regular file"
mkfifo fifo
bounded "$TP" run -q --joblog fifo --resume -- true ::: a
[ $rc = 2 ] || fail "run --resume from a FIFO exited $rc, wanted 2: $err"
contains "$err" "not a regular file"
# A journal over its limit, and the limit raised.
expect_exit 0 "$TP" run -q --joblog j.jsonl -- echo ::: a b c d e f
TUNEPOOL_JOURNAL_MAX=100 bounded "$TP" run -q --joblog j.jsonl --resume -- echo ::: a b c d e f g
[ $rc = 2 ] || fail "a journal over TUNEPOOL_JOURNAL_MAX exited $rc, wanted 2: $err"
contains "$err" "TUNEPOOL_JOURNAL_MAX"
contains "$err" "100"
TUNEPOOL_JOURNAL_MAX=1M expect_exit 0 "$TP" run --joblog j.jsonl --resume -- echo ::: a b c d e f g
[ "$out" = g ] || fail "the raised limit did not resume: '$out'"
# A conf with a NUL byte or a key set twice.
cp "$TP_TOP/tests/golden/export/tunepool.conf" good.conf
expect_exit 0 "$TP" export good.conf
awk '{ print } /^workers/ { print "batch = 1"; print "workers = 4" }' good.conf > dup.conf
expect_exit 2 "$TP" export dup.conf
contains "$err" "'dup.conf': line"
contains "$err" "duplicate key 'workers' in [run]"
{ head -n 3 good.conf; printf 'x\000y\n'; tail -n +4 good.conf; } > nul.conf
expect_exit 2 "$TP" export nul.conf
contains "$err" "'nul.conf': line 4: holds a NUL byte"
# The same through run --section (a suite.conf is read by the same reader).
expect_exit 2 "$TP" run --config nul.conf --section x -- true ::: 1
contains "$err" "'nul.conf': line 4: holds a NUL byte"
# Every other reader of a user's file has a limit too: model's measurements,
# history's results and hyperfine exports, compare's inputs.
for cmd in "model /dev/zero" "history add --db h.db /dev/zero" "compare /dev/zero /dev/zero" \
	"report /dev/zero -o rep"; do
	# shellcheck disable=SC2086
	expect_exit 2 timeout 60 "$TP" $cmd
	contains "$err" "over the limit of"
done
exit 0
