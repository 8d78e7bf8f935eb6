#!/bin/sh
# tune measures each worker's peak memory, children included (sh -c runs a
# python3 that holds 40 MiB), and writes it as memory_per_worker;
# --mem-per-worker SIZE overrides the measured figure.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
export XDG_CACHE_HOME="$TMPDIR/cache"
task='python3 -c "b = b\"x\" * (40 << 20)"'
expect_exit 0 "$TP" tune --fresh --max-workers 2 --budget 3 --min-time 20ms -o m.conf --results m.json \
	--shell -- "$task" ::: 1 2 3 4
kb=$(sed -n 's/^memory_per_worker = \([0-9]*\)K$/\1/p' m.conf)
[ -n "$kb" ] || fail "no memory_per_worker in m.conf: $(cat m.conf)"
[ "$kb" -ge $((40 * 1024)) ] || fail "memory_per_worker ${kb}K is below the child's 40 MiB"
[ "$kb" -lt $((400 * 1024)) ] || fail "memory_per_worker ${kb}K is not one worker's"
rss=$(json_get m.json 'min(r["rss_peak_kb"] for t in d["trials"] for r in t["repeats"])')
[ "$rss" -ge $((40 * 1024)) ] || fail "a repeat's rss_peak_kb $rss misses the child's memory"
expect_exit 0 "$TP" tune --fresh --max-workers 2 --budget 2 --min-time 20ms -o g.conf \
	--mem-per-worker 1G --shell -- "$task" ::: 1 2 3 4
grep -q '^memory_per_worker = 1048576K$' g.conf || fail "--mem-per-worker 1G: $(grep memory g.conf)"
expect_exit 2 "$TP" tune --mem-per-worker lots -w sleep:ms=1
contains "$err" "--mem-per-worker 'lots'"
exit 0
