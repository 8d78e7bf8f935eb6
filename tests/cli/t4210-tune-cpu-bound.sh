#!/bin/sh
# tune on CPU-bound work (gzip): widening stops once throughput is flat past
# the usable CPUs with the CPUs saturated, so the search ends well inside its
# budget and never recommends more workers than it measured as useful; the
# tasks' output (gzip -c: binary) stays out of tune's, or goes to
# --task-output FILE; a budget that cuts the search marks the pick
# provisional (complete = false) in the conf and the results.
. "$TP_TESTLIB"
command -v gzip >/dev/null || skip "gzip is not installed"
export XDG_CACHE_HOME="$TMPDIR/cache"
cpus=$("$TP" probe --json | python3 -c 'import json,sys,math; print(math.ceil(json.load(sys.stdin)["cpus_usable"]))')
head -c 100000 /dev/urandom | od -An -tx1 > data.txt	# ~300 KB of text: ~30 ms of gzip -6
i=0; while [ $i -lt 12 ]; do echo data.txt; i=$((i + 1)); done > inputs.txt

start=$(date +%s)
expect_exit 0 "$TP" tune -v --fresh --budget 120s --min-time 50ms -o g.conf --results g.json \
	--inputs inputs.txt -- gzip -6 -c {}
took=$(( $(date +%s) - start ))
case "$out" in *"$(printf '\037\213')"*) fail "gzip's binary output reached tune's stdout" ;; esac
[ "$(printf '%s\n' "$out" | grep -cv '^\(recommended\|model\|near-equivalent\|wrote\)')" = 0 ] ||
	fail "tune's stdout has more than its own lines: $(printf '%s' "$out" | head -c 200)"
[ "$took" -lt 60 ] || fail "a CPU-bound search took ${took}s of a 120s budget"
w=$(json_get g.json 'd["recommendation"]["config"]["workers"]')
widest=$(json_get g.json 'max(t["config"]["workers"] for t in d["trials"] if t["config"]["batch"] == 1)')
# Noise on a loaded machine may pick any width up to twice the CPUs; none
# past it is measured, let alone picked.
[ "$w" -le $((2 * cpus)) ] || fail "recommended $w workers for gzip on $cpus CPUs"
[ "$widest" -le $((2 * cpus)) ] || fail "widened to $widest workers on $cpus saturated CPUs"
[ "$(json_get g.json 'd["recommendation"]["complete"]')" = True ] || fail "the search was cut short"

# --task-output keeps what the tasks wrote: whole gzip streams.
expect_exit 0 "$TP" tune --fresh --budget 6 --min-time 20ms --task-output tasks.gz -o t.conf \
	--inputs inputs.txt -- gzip -1 -c {}
[ -s tasks.gz ] || fail "--task-output tasks.gz is empty"
gzip -t tasks.gz || fail "--task-output holds no valid gzip streams"

# A budget of 3 runs cuts the search: provisional, said on stderr and in both files.
expect_exit 0 "$TP" tune --fresh --budget 3 --min-time 20ms -o p.conf --results p.json \
	--inputs inputs.txt -- gzip -1 -c {}
contains "$err" "provisional (complete = false)"
grep -q '^complete = false$' p.conf || fail "p.conf does not say complete = false"
[ "$(json_get p.json 'd["recommendation"]["complete"]')" = False ] || fail "results say complete"
expect_exit 0 "$TP" export p.conf --format ini
contains "$out" "complete = false"
exit 0
