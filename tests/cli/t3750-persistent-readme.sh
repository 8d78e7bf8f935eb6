#!/bin/sh
# The README's persistent-worker and stage examples, run as written (tunepool
# replaced by the built binary), on a worker.py that uses
# contrib/python/tunepool_worker.py and a data/ folder.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
cat > worker.py <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["TP_TOP"], "contrib", "python"))
import tunepool_worker
words = None
def init():
    global words
    words = {"1": "one", "2": "two"}
def process(item):
    return words.get(item, item)
if __name__ == "__main__":
    tunepool_worker.serve(process, init=init)
PY
seq 1 30 > inputs.txt
mkdir data
for f in a b c; do seq 1 2000 > data/$f.txt; done
sed -n '/^Persistent workers (/,/^Exit codes/p' "$TP_TOP/README.md" | sed -n 's/^    tunepool \(.*\)$/\1/p' |
	sed 's/  *#.*$//' > examples.txt
[ "$(wc -l < examples.txt)" = 5 ] || fail "README examples: $(cat examples.txt)"
n=0
while IFS= read -r ex; do
	n=$((n + 1))
	eval "\"\$TP\" $ex" > "ex$n.out" 2> "ex$n.err" </dev/null || {
		# the examples that read inputs.txt redirect it themselves
		fail "README example '$ex' failed: $(cat "ex$n.err")"
	}
done < examples.txt
[ "$(sed -n 1,3p ex1.out)" = "one
two
3" ] || fail "run example: $(cat ex1.out)"
contains "$(cat ex2.out)" "start-up and init"
grep -q '^strategy = persistent$' tunepool.conf || fail "tune example conf: $(cat tunepool.conf)"
contains "$(cat ex4.out)" "executor_kwargs = dict(max_workers="
# the stages: every file compressed (gzip's own check), both stages journaled
for f in a b c; do gzip -t data/$f.txt.gz || fail "stage 2 did not compress data/$f.txt"; done
[ "$(grep -c '"stage":1' jobs.jsonl)" = 3 ] && [ "$(grep -c '"stage":2' jobs.jsonl)" = 3 ] ||
	fail "stage journal: $(cat jobs.jsonl)"
exit 0
