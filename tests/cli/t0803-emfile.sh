#!/bin/sh
# Out of file descriptors (ulimit -n 32) with 64 workers: tunepool is not
# killed and does not hang; it either finishes at a narrower width or stops
# with exit 3 and a message naming the open-files limit, and a journal it
# leaves resumes (with a width that fits) to every input exactly once.
. "$TP_TESTLIB"
seq 1 100 > in.txt
# limited CMD...: CMD under ulimit -n 32 (60 s at most), exit status in rc.
limited() {
	timeout 60 sh -c 'ulimit -n 32 && exec "$@"' sh "$@" >stdout.txt 2>stderr.txt
	rc=$?
	err=$(cat stderr.txt)
	[ $rc != 124 ] || fail "'$*' hung under ulimit -n 32"
	[ $rc -lt 128 ] || fail "'$*' died of signal $((rc - 128)) under ulimit -n 32: $err"
	case $rc in
	0) ;;
	3) contains "$err" "open files" ;;
	*) fail "'$*' exited $rc under ulimit -n 32: $err" ;;
	esac
}

limited "$TP" run -q --static -j 64 --joblog j.jsonl --inputs in.txt -- echo {}
[ $rc = 0 ] && { [ "$(sort -n stdout.txt | uniq | wc -l)" = 100 ] || fail "run finished but printed $(wc -l < stdout.txt) of 100"; }
expect_exit 0 "$TP" run -q --static -j 2 --joblog j.jsonl --resume --inputs in.txt -- echo {}
python3 - j.jsonl <<'PY' || fail "journal after EMFILE and resume: $(cat j.jsonl)"
import json, sys, collections
c = collections.Counter(json.loads(l)["input"] for l in open(sys.argv[1]))
assert sorted(c, key=int) == [str(i) for i in range(1, 101)], sorted(c, key=int)
assert set(c.values()) == {1}, {k: v for k, v in c.items() if v != 1}
PY
limited "$TP" run -q -j 64 --inputs in.txt -- echo {}
limited "$TP" bench -w sleep:ms=1 --count 64 --workers 64 --strategy process --start spawn --repeat 1 --warmup 0 -o p.json
limited "$TP" bench -w sleep:ms=1 --count 64 --workers 64 --strategy process --start fork --repeat 1 --warmup 0 -o p.json
limited "$TP" bench -w sleep:ms=1 --count 64 --workers 64 --strategy thread --repeat 1 --warmup 0 -o t.json
[ $rc = 0 ] || fail "thread strategy needs no descriptor per worker, yet: $err"
limited "$TP" bench --count 64 --workers 64 --repeat 1 --warmup 0 -o e.json -- true {}
exit 0
