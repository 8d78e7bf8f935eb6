#!/bin/sh
# Disk full (a file size limit, `ulimit -f`) while writing results, CSV,
# tunepool.conf, exports and the run journal: tunepool is not killed by
# SIGXFSZ, exits 3 with an error naming the file, the old file stays intact,
# no temporary file is left, and a journal cut short resumes with every input
# done exactly once.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"

# expect_full WHAT FILE CMD...: with no room for any byte (ulimit -f 0; the
# unit of -f differs between shells, 0 does not), CMD fails cleanly.
expect_full() {
	what=$1 file=$2; shift 2
	# Only CMD gets the limit; its stderr goes through a pipe, which no file
	# size limit applies to.
	{ sh -c 'ulimit -f 0; exec "$@"' sh "$@" 2>&1 >/dev/null; echo $? > rc.txt; } | cat > stderr.txt
	rc=$(cat rc.txt); err=$(cat stderr.txt)
	[ "$rc" = 3 ] || fail "$what under ulimit -f exited $rc (killed by a signal if > 128): $err"
	contains "$err" "'$file'"
	contains "$err" "File too large"
	ls ./*.tmp.* >/dev/null 2>&1 && fail "$what left a temporary file: $(ls ./*.tmp.*)"
	return 0
}

# bench -o results.json (the old results stay as they were)
expect_exit 0 "$TP" bench -w sleep:ms=1 --count 4 --workers 1,2 --repeat 1 --warmup 0 -o r.json
cp r.json r.ref
expect_full "bench -o" r.json "$TP" bench -w sleep:ms=2 --count 4 --workers 1,2 --repeat 1 --warmup 0 -o r.json
cmp -s r.json r.ref || fail "bench -o changed the old results.json on a failed write"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' r.json || fail "old results.json no longer parses"

# bench --csv
expect_exit 0 "$TP" bench -w sleep:ms=1 --count 4 --workers 1,2 --repeat 1 --warmup 0 --csv r.csv
cp r.csv r.csv.ref
expect_full "bench --csv" r.csv "$TP" bench -w sleep:ms=2 --count 4 --workers 1,2 --repeat 1 --warmup 0 --csv r.csv
cmp -s r.csv r.csv.ref || fail "bench --csv changed the old CSV on a failed write"

# tunepool.conf from tune -o (the result cache fails too: a warning), and export -o
expect_exit 0 "$TP" tune -w sleep:ms=1 --budget 4 --min-time 20ms --max-workers 4 -q -o t.conf
cp t.conf t.ref
expect_full "tune -o" t.conf "$TP" tune -w sleep:ms=1 --budget 4 --min-time 20ms --max-workers 4 --fresh -q -o t.conf
cmp -s t.conf t.ref || fail "tune -o changed the old tunepool.conf on a failed write"
cp "$TP_TOP/tests/golden/export/tunepool.conf" g.conf
"$TP" export g.conf --format json > e.json
cp e.json e.ref
expect_full "export -o" e.json "$TP" export g.conf --format env -o e.json
cmp -s e.json e.ref || fail "export -o changed the old file on a failed write"

# run --joblog: the journal fills up mid-run (one block: a few records); the run stops with exit 3, and a
# resume without the limit completes the rest, each input journaled once.
seq 1 100 > in.txt
{ sh -c 'ulimit -f 1; exec "$@"' sh "$TP" run -q --static -j 2 --joblog j.jsonl --inputs in.txt -- echo {} 2>&1 >/dev/null; echo $? > rc.txt; } | cat > e1.txt
[ "$(cat rc.txt)" = 3 ] || fail "run with a full journal exited $(cat rc.txt): $(cat e1.txt)"
contains "$(cat e1.txt)" "journal 'j.jsonl'"
contains "$(cat e1.txt)" "File too large"
n1=$(wc -l < j.jsonl)
[ "$n1" -lt 100 ] || fail "the journal was not cut short ($n1 records)"
expect_exit 0 "$TP" run -q --static -j 2 --joblog j.jsonl --resume --inputs in.txt -- echo {}
python3 - j.jsonl <<'PY' || fail "journal after resume: $(cat j.jsonl)"
import json, sys, collections
c = collections.Counter(json.loads(l)["input"] for l in open(sys.argv[1]))
assert sorted(c, key=int) == [str(i) for i in range(1, 101)], sorted(c, key=int)
assert set(c.values()) == {1}, {k: v for k, v in c.items() if v != 1}
PY

# tunepool ignores SIGXFSZ for its own writes; the tasks it starts must get
# the default disposition back (bit 25 of SigIgn clear).
expect_exit 0 "$TP" run -q -j 1 -- sh -c 'sed -n "s/^SigIgn:[[:space:]]*//p" /proc/$$/status' ::: a
python3 -c 'import sys; m = int(sys.argv[1], 16); sys.exit(1 if m & (1 << 24) else 0)' "$out" ||
	fail "a task inherited SIGXFSZ ignored (SigIgn $out)"
exit 0
