#!/bin/sh
# Out of file descriptors (ulimit -n 32) with 64 workers: tunepool narrows the
# pool to what the open-files limit allows, says so once, and runs every
# task: run (exec), bench under exec and process (fork and spawn); the
# thread strategy needs no descriptor per worker and is not narrowed.
. "$TP_TESTLIB"
seq 1 100 > in.txt
# limited CMD...: CMD under ulimit -n 32 (60 s at most); it must succeed.
limited() {
	timeout 60 sh -c 'ulimit -n 32 && exec "$@"' sh "$@" >stdout.txt 2>stderr.txt
	rc=$?
	err=$(cat stderr.txt)
	[ $rc != 124 ] || fail "'$*' hung under ulimit -n 32"
	[ $rc = 0 ] || fail "'$*' exited $rc under ulimit -n 32: $err"
}
# narrowed: the one warning naming the limit and the width used.
narrowed() {
	contains "$err" "open-files limit 32 allows only"
	[ "$(grep -c 'open-files limit' stderr.txt)" = 1 ] || fail "warned more than once: $err"
	case "$err" in *error*) fail "an error while narrowing: $err" ;; esac
}

limited "$TP" run -q --static -j 64 --joblog j.jsonl --inputs in.txt -- echo {}
narrowed
[ "$(sort -n stdout.txt | uniq | wc -l)" = 100 ] || fail "run printed $(wc -l < stdout.txt) of 100"
# The journal has every input exactly once; a resume has nothing left to run.
expect_exit 0 "$TP" run -q --static -j 2 --joblog j.jsonl --resume --inputs in.txt -- echo {}
[ -z "$out" ] || fail "resume after a complete narrowed run ran again: $out"
python3 - j.jsonl <<'PY' || fail "journal after a narrowed run: $(cat j.jsonl)"
import json, sys, collections
c = collections.Counter(json.loads(l)["input"] for l in open(sys.argv[1]))
assert sorted(c, key=int) == [str(i) for i in range(1, 101)], sorted(c, key=int)
assert set(c.values()) == {1}, {k: v for k, v in c.items() if v != 1}
PY
# The reviewed case: 8 workers at 32 open files stopped after 4 tasks.
limited "$TP" run --static -j 8 -- echo {} ::: $(seq 100)
narrowed
[ "$(sort -n stdout.txt | uniq | wc -l)" = 100 ] || fail "run -j 8 printed $(wc -l < stdout.txt) of 100"
# Adaptive: the controller's width is held under the limit too.
limited "$TP" run -q -j 64 --inputs in.txt -- echo {}
narrowed
[ "$(sort -n stdout.txt | uniq | wc -l)" = 100 ] || fail "adaptive run printed $(wc -l < stdout.txt) of 100"
for start in spawn fork; do
	limited "$TP" bench -w sleep:ms=1 --count 64 --workers 64 --strategy process --start $start \
		--repeat 1 --warmup 0 -o p.json
	narrowed
	[ "$(json_get p.json 'sum(r["tasks"] for t in d["trials"] for r in t["repeats"])')" = 64 ] ||
		fail "bench process/$start did not run all 64 tasks: $(cat p.json)"
done
limited "$TP" bench --count 64 --workers 64 --repeat 1 --warmup 0 -o e.json -- true {}
narrowed
[ "$(json_get e.json 'sum(r["tasks"] for t in d["trials"] for r in t["repeats"])')" = 64 ] ||
	fail "bench exec did not run all 64 tasks"
limited "$TP" bench -w sleep:ms=1 --count 64 --workers 64 --strategy thread --repeat 1 --warmup 0 -o t.json
case "$err" in *open-files*) fail "the thread strategy was narrowed: $err" ;; esac
exit 0
