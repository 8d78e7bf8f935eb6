#!/bin/sh
# tune on lock contention (cs_mode=sleep): the best width is (cs_us + wait_us) / cs_us = 5.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
expect_exit 0 "$TP" tune -w lock:cs_mode=sleep,cs_us=1000,wait_us=4000 --budget 6s \
	--min-time 50ms --max-workers 12 -o lock.conf --results lock.json
w=$(sed -n 's/^workers = //p' lock.conf)
[ "$w" -ge 4 ] && [ "$w" -le 8 ] || fail "lock: recommended $w workers, want about 5 (4..8)"
[ "$(json_get lock.json 'd["recommendation"]["objective"]')" = throughput ] || fail "objective"
exit 0
