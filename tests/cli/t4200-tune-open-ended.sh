#!/bin/sh
# tune: the search space of wait-bound work has no arbitrary edge.  20 ms
# sleeps keep gaining past the 16-worker edge of the candidates; the search
# doubles while the best sits at the edge and gains, until the hard limit
# binds (here the 256 inputs, then --max-workers), and the conf's
# max_workers is the hard limit, not the widest width measured.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
expect_exit 0 "$TP" tune -v --fresh -w sleep:ms=20 --count 256 --min-time 30ms -o s.conf \
	--results s.json
contains "$err" "is the upper edge and still gains: measuring 32"
# It reaches the inputs (widest = 256 below); whether it then says "is the
# hard limit" depends on 256 in one round beating 128 in two, which a
# sanitizer's thread start-up can tip.
w=$(json_get s.json 'd["recommendation"]["config"]["workers"]')
[ "$w" -ge 128 ] || fail "20 ms sleeps gain up to the 256 inputs; recommended $w"
widest=$(json_get s.json 'max(t["config"]["workers"] for t in d["trials"])')
[ "$widest" = 256 ] || fail "measured up to $widest, not the 256 inputs"
max=$(sed -n 's/^max_workers = //p' s.conf)
[ "$max" -gt 256 ] || fail "conf max_workers $max is the widest width measured, not the hard limit"
[ "$(json_get s.json 'd["recommendation"]["complete"]')" = True ] || fail "a finished search is complete"
grep -q '^complete' s.conf && fail "complete = true is the default and not written"

# --max-workers is a hard limit: never measured past, and the conf keeps it.
expect_exit 0 "$TP" tune -v --fresh -w sleep:ms=20 --count 256 --min-time 30ms --max-workers 40 \
	-o m.conf --results m.json
contains "$err" "is the hard limit (max_workers 40)"
widest=$(json_get m.json 'max(t["config"]["workers"] for t in d["trials"])')
[ "$widest" = 40 ] || fail "--max-workers 40: measured up to $widest"
grep -q '^max_workers = 40$' m.conf || fail "conf max_workers is not 40: $(grep max_workers m.conf)"

# The inputs are the job: no run does more tasks than it has, the final
# race's equal work included (whole rounds of 60 on 19 workers: 76).  Runs
# of 1 s would want more than 60 tasks at any width.
seq 60 > in.txt
expect_exit 0 env PARALLEL_SHELL=/bin/sh "$TP" tune --fresh --inputs in.txt --min-time 1s \
	--shell -o j.conf --results j.json -- 'sleep 0.002 # {}'
most=$(json_get j.json 'max(r["tasks"] for t in d["trials"] for r in t["repeats"])')
[ "$most" -le 60 ] || fail "a run of $most tasks on a job of 60 inputs"
[ "$most" = 60 ] || fail "no run did the whole job (widest run $most tasks)"
exit 0
