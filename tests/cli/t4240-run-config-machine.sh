#!/bin/sh
# run --config across machines and sizes: a conf without [bounds] takes the
# probe's bounds (not the chosen width); --mem-per-worker caps the width at
# usable memory / SIZE and says so; a conf tuned on another machine draws a
# warning; a suite.conf (tune --suite) is read by section, by run and export.
. "$TP_TESTLIB"
fp=$("$TP" probe --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
usable=$("$TP" probe --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["memory"]["usable_kb"])')
cat > nobounds.conf <<EOF2
[run]
workers = 2
strategy = exec
[machine]
fingerprint = $fp
EOF2
i=0; while [ $i -lt 400 ]; do echo $i; i=$((i + 1)); done > inputs.txt
expect_exit 0 "$TP" run --config nobounds.conf --log-decisions d.jsonl --inputs inputs.txt -- sh -c 'sleep 0.02'
case "$err" in *"another machine"*) fail "same fingerprint, yet warned: $err" ;; esac
wide=$(python3 -c 'import json,sys; print(max(json.loads(l)["to"] for l in open(sys.argv[1])))' d.jsonl)
[ "$wide" -gt 2 ] || fail "a conf without [bounds] pinned the width to its 2 workers"

# Memory: a third of what is usable per worker leaves room for about 3.
head -n 120 inputs.txt > few.txt
expect_exit 0 "$TP" run --config nobounds.conf --mem-per-worker "$((usable / 3))K" \
	--log-decisions m.jsonl --inputs few.txt -- sh -c 'sleep 0.02'
contains "$err" "per worker caps the width at"
wide=$(python3 -c 'import json,sys; print(max(json.loads(l)["to"] for l in open(sys.argv[1])))' m.jsonl)
[ "$wide" -le 3 ] || fail "--mem-per-worker usable/3: the width reached $wide"
expect_exit 2 "$TP" run --mem-per-worker 12 --count 1 -- true
contains "$err" "--mem-per-worker '12'"

# Another machine's conf: a warning naming both fingerprints; -q silences it.
sed "s/^fingerprint = .*/fingerprint = 0123456789abcdef/" nobounds.conf > other.conf
expect_exit 0 "$TP" run --config other.conf --count 3 -- true
contains "$err" "'other.conf' was tuned on another machine (fingerprint 0123456789abcdef, this one is $fp)"
expect_exit 0 "$TP" run -q --config other.conf --count 3 -- true
[ -z "$err" ] || fail "-q still warned: $err"

# suite.conf: sections name classes, config = FILE is read as written or
# next to the suite.conf.
mkdir tune-results
cat > tune-results/suite.conf <<EOF2
# tunepool suite: one section per workload class
# machine: $fp

[cpu]
workload = cpu:bytes=64K
workers = 2
config = elsewhere/cpu.conf

[sleep]
workload = sleep:ms=5
workers = 3
config = tune-results/sleep.conf
EOF2
printf '[run]\nworkers = 3\nstrategy = exec\n[bounds]\nmin_workers = 3\nmax_workers = 3\n' > tune-results/sleep.conf
printf '[run]\nworkers = 2\n' > tune-results/cpu.conf
expect_exit 0 "$TP" run --config tune-results/suite.conf --section sleep --results r.json --count 6 -- true
[ "$(json_get r.json 'd["trials"][0]["config"]["workers"]')" = 3 ] || fail "--section sleep: not 3 workers"
expect_exit 0 "$TP" export tune-results/suite.conf --section cpu --format env
contains "$out" "TUNEPOOL_WORKERS=2"
# The README's example.
expect_exit 0 "$TP" export tune-results/suite.conf --section sleep --format env
contains "$out" "TUNEPOOL_WORKERS=3"
expect_exit 2 "$TP" run --config tune-results/suite.conf --count 1 -- true
contains "$err" "'tune-results/suite.conf' is a suite.conf: choose a section with --section NAME (cpu, sleep)"
expect_exit 2 "$TP" export tune-results/suite.conf --section io
contains "$err" "no section '[io]' (sections: cpu, sleep)"
expect_exit 2 "$TP" run --config nobounds.conf --section cpu --count 1 -- true
contains "$err" "not a suite.conf"
expect_exit 2 "$TP" run --section cpu --count 1 -- true
contains "$err" "--section NAME needs --config"
exit 0
