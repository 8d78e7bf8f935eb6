#!/bin/sh
# export --format python prints a snippet that runs as pasted: its kwargs drive
# a real ProcessPoolExecutor(initializer=...), and its tunepool recipe (the
# worker.py it shows, the command line it prints) gives the same results.  A
# conf with strategy = persistent makes `run --config` start persistent
# workers with the conf's framing.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
cat > tunepool.conf <<'INI'
[run]
workers = 2
batch = 1
strategy = persistent
framing = json
start = none
[bounds]
min_workers = 1
max_workers = 4
INI
expect_exit 0 "$TP" export tunepool.conf --format python
printf '%s\n' "$out" > snippet.py
contains "$out" 'executor_kwargs = dict(max_workers=2, mp_context=multiprocessing.get_context(mp_context))'
contains "$out" '$ tunepool run --config tunepool.conf -- python3 worker.py < inputs.txt'
cat > mytasks.py <<'PY'
import os
factor = None
def init():
    global factor
    factor = 3
def process(item):
    return str(int(item) * factor)
PY
seq 1 20 > inputs.txt
# The Python pool, with the snippet's kwargs pasted in.
cat > pool.py <<'PY'
exec(open("snippet.py").read())
from concurrent.futures import ProcessPoolExecutor
from mytasks import init, process
if __name__ == "__main__":      # spawn re-imports this file in each worker
    inputs = [l.strip() for l in open("inputs.txt")]
    with ProcessPoolExecutor(initializer=init, **executor_kwargs) as ex:
        results = list(ex.map(process, inputs, **map_kwargs))
    print("\n".join(results))
PY
python3 pool.py > pool.txt 2> pool.err || fail "the pasted snippet did not run: $(cat pool.err)"
[ "$(sed -n 20p pool.txt)" = 60 ] || fail "pool results: $(cat pool.txt)"
# The recipe, as printed.
sed -n 's/^#   \(import tunepool_worker\|from mytasks import init, process\|tunepool_worker.serve(process, init=init)\)$/\1/p' snippet.py > worker.py
[ "$(wc -l < worker.py)" = 3 ] || fail "recipe lines: $(cat worker.py)"
cmd=$(sed -n 's/^#   \$ tunepool run \(.*\) < inputs.txt$/\1/p' snippet.py)
[ -n "$cmd" ] || fail "no command line in the snippet"
PYTHONPATH="$TP_TOP/contrib/python" "$TP" run -q -k $cmd < inputs.txt > tp.txt 2> tp.err || fail "recipe run: $(cat tp.err)"
[ "$(cat tp.txt)" = "$(cat pool.txt)" ] || fail "tunepool and the pool differ: $(cat tp.txt) vs $(cat pool.txt)"
# run --config used persistent workers: two workers, each announced ready once.
"$TP" run -k --config tunepool.conf --joblog j.jsonl -- sh -c 'echo "up $TUNEPOOL_WORKER $TUNEPOOL_FRAMING" >&2; while read -r r; do s=${r#*\"seq\":}; echo "{\"seq\":${s%%,*},\"ok\":true}"; done' < inputs.txt > /dev/null 2> e.txt || fail "run --config: $(cat e.txt)"
grep -q '^\[worker 0\] up 0 json$' e.txt || fail "conf framing not used: $(cat e.txt)"
[ "$(grep -c ' up ' e.txt)" -le 4 ] || fail "more workers than max_workers: $(cat e.txt)"
[ "$(wc -l < j.jsonl)" = 20 ] || fail "journal: $(cat j.jsonl)"
# A framing without strategy = persistent is refused, naming the file.
printf '[run]\nstrategy = exec\nframing = json\n' > bad.conf
expect_exit 2 "$TP" export bad.conf
contains "$err" "'bad.conf': framing = 'json' applies only to strategy = persistent"
exit 0
