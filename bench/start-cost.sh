#!/bin/sh
# Start cost of process workers: `--start fork` vs `--start spawn`, from a
# parent with 1 GiB resident (and from a small parent for reference).  The
# parent's memory comes from TUNEPOOL_BENCH_BALLAST_MB, a benchmark-only hook
# read by the pool (runner/pool.c): the pool allocates and touches that many
# MiB before its workers start.  The figure is the pool's own
# "pool::worker_start_s" counter: seconds from starting a worker to its READY
# message, averaged over the W workers of a run; median of R repeats.
#   sh bench/start-cost.sh [W] [R] [MB]       (TP=path/to/tunepool)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-4}
R=${2:-5}
MB=${3:-1024}
TP=${TP:-$top/build/tunepool}
[ -x "$TP" ] || { echo "start-cost: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-startcost.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

for mb in 0 "$MB"; do
	TUNEPOOL_BENCH_BALLAST_MB=$mb "$TP" bench -w sleep:ms=0 --count "$W" --workers "$W" \
		--strategy process --start fork,spawn --repeat "$R" --warmup 1 \
		-o "$tmp/r$mb.json" >/dev/null 2>&1
done
MB="$MB" W="$W" R="$R" TMP="$tmp" python3 - <<'PY'
import json, os, statistics
mb, tmp = os.environ["MB"], os.environ["TMP"]
print("process worker start: %s workers, median of %s repeats (machine shared: expect noise)"
      % (os.environ["W"], os.environ["R"]))
print("%-22s %12s %12s %10s" % ("parent resident", "fork ms", "spawn ms", "fork/spawn"))
for m in ("0", mb):
    med = {}
    for t in json.load(open(os.path.join(tmp, "r%s.json" % m)))["trials"]:
        v = [r["counters"]["pool::worker_start_s"] for r in t["repeats"]
             if "pool::worker_start_s" in r.get("counters", {})]
        med[t["config"]["start"]] = statistics.median(v) * 1e3
    print("%-22s %12.2f %12.2f %9.2fx" % ("small" if m == "0" else "+%s MiB" % m,
          med["fork"], med["spawn"], med["fork"] / med["spawn"]))
PY
