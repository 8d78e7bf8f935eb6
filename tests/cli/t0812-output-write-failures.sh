#!/bin/sh
# A task's output that cannot be written (ENOSPC on /dev/full, EFBIG past a
# file size limit) is never lost silently: that task is not journaled as
# done, dispatch stops, the exit is 3 with a message, and --resume runs
# exactly the tasks whose output was not delivered.  bench's table and
# --log-decisions: a failed write is exit 3 too.
. "$TP_TESTLIB"
seq 1 40 > in.txt
run_cmd() { "$TP" run -j 2 --joblog j.jsonl --inputs in.txt "$@" -- sh -c \
	'printf "out-%s\n" "$1"; [ "$1" -gt 4 ] || { head -c 3000 /dev/zero | tr "\0" x; echo; }' sh {}; }
# journal_ok: the inputs journaled ok, one per line.
journal_ok() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["status"] == "ok": print(r["input"])' j.jsonl 2>/dev/null; }
# ENOSPC: nothing can be written, nothing may be journaled as done.
rm -f j.jsonl
run_cmd > /dev/full 2> err.txt; rc=$?
[ "$rc" = 3 ] || fail "run > /dev/full exited $rc, wanted 3: $(cat err.txt)"
contains "$(cat err.txt)" "cannot write the output of task"
contains "$(cat err.txt)" "No space left on device"
[ -z "$(journal_ok)" ] || fail "tasks whose output went nowhere were journaled ok: $(journal_ok | tr '\n' ' ')"
# --resume delivers every output, each once.
run_cmd --resume > out.txt 2> err.txt || fail "resume exited $?: $(cat err.txt)"
[ "$(grep -c '^out-' out.txt)" = 40 ] || fail "resume printed $(grep -c '^out-' out.txt) outputs, wanted 40"
[ "$(grep '^out-' out.txt | sort -u | wc -l)" = 40 ] || fail "resume printed an output twice"
[ "$(journal_ok | sort -u | wc -l)" = 40 ] || fail "the journal does not hold 40 done tasks"
[ "$(journal_ok | wc -l)" = 40 ] || fail "a task was journaled done twice"

# EFBIG: the first outputs fit under the limit, a big one does not.
rm -f j.jsonl
{ sh -c 'ulimit -f 2; exec "$@"' sh "$TP" run -j 1 --keep-order --joblog j.jsonl --inputs in.txt -- sh -c \
	'printf "out-%s\n" "$1"; [ "$1" -ne 3 ] || { head -c 3000 /dev/zero | tr "\0" x; echo; }' sh {} \
	> part.txt 2>&1; echo $? > rc.txt; } 2>/dev/null
rc=$(cat rc.txt)
[ "$rc" = 3 ] || fail "run past a file size limit exited $rc, wanted 3: $(tail -n 3 part.txt)"
done1=$(journal_ok | tr '\n' ' ')
[ "$done1" = "1 2 " ] || fail "journaled done before the failed write: '$done1', wanted '1 2 '"
"$TP" run -j 1 --keep-order --joblog j.jsonl --resume --inputs in.txt -- sh -c \
	'printf "out-%s\n" "$1"; [ "$1" -ne 3 ] || { head -c 3000 /dev/zero | tr "\0" x; echo; }' sh {} \
	> rest.txt 2> err.txt || fail "resume exited $?: $(cat err.txt)"
[ "$(head -n 1 rest.txt)" = out-3 ] || fail "resume did not start with the undelivered task 3: $(head -n 1 rest.txt)"
[ "$(grep -c '^out-' rest.txt)" = 38 ] || fail "resume ran $(grep -c '^out-' rest.txt) tasks, wanted 38"

# bench's table and --log-decisions.
"$TP" bench -w sleep:ms=1 --count 4 --workers 1 --repeat 1 --warmup 0 > /dev/full 2> err.txt; rc=$?
[ "$rc" = 3 ] || fail "bench > /dev/full exited $rc, wanted 3"
contains "$(cat err.txt)" "standard output"
"$TP" run -q --static -j 2 --interval 50ms --log-decisions /dev/full -w sleep:ms=20 --count 20 2> err.txt; rc=$?
[ "$rc" = 3 ] || fail "run --log-decisions /dev/full exited $rc, wanted 3"
contains "$(cat err.txt)" "/dev/full"
exit 0
