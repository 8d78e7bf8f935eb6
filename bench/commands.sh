#!/bin/sh
# Two commands compared: `tunepool bench --command A --command B` (interleaved
# runs over the same inputs) against hyperfine (all runs of A, then all of B)
# on the same work: gzip -1 vs gzip -9 over 4 files, one worker.  Prints the
# B/A time ratio each tool measured in each of K rounds, the median and the
# spread (max - min) of each, and the load average before and after: on a
# shared machine the interleaved ratio should drift less.
#   sh bench/commands.sh [K] [RUNS]        (TP=path/to/tunepool)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
K=${1:-3}
RUNS=${2:-10}
TP=${TP:-$top/build/tunepool}
[ -x "$TP" ] || { echo "commands: build tunepool first (make)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "commands: hyperfine is not installed, skipped"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-commands.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"
for i in 1 2 3 4; do seq 1 200000 > f$i; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
k=1
while [ $k -le "$K" ]; do
	hyperfine -N --runs "$RUNS" --warmup 1 \
		'sh -c "for f in f1 f2 f3 f4; do gzip -1 -c $f >/dev/null; done"' \
		'sh -c "for f in f1 f2 f3 f4; do gzip -9 -c $f >/dev/null; done"' \
		--export-json "hf$k.json" >/dev/null 2>&1
	"$TP" bench --workers 1 --repeat "$RUNS" -o "tp$k.json" \
		--command 'gzip -1 -c {} >/dev/null' --command 'gzip -9 -c {} >/dev/null' \
		::: f1 f2 f3 f4 >/dev/null 2>&1
	k=$((k + 1))
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
K="$K" python3 - <<'PY'
import json, os, statistics as st
K = int(os.environ["K"])
hf, tp = [], []
for k in range(1, K + 1):
    r = json.load(open("hf%d.json" % k))["results"]
    hf.append(st.median(r[1]["times"]) / st.median(r[0]["times"]))
    t = {x["config"]["command"]: st.median(p["throughput"] for p in x["repeats"])
         for x in json.load(open("tp%d.json" % k))["trials"]}
    tp.append(t["gzip -1 -c {} >/dev/null"] / t["gzip -9 -c {} >/dev/null"])
print("gzip -9 / gzip -1 time ratio, %d rounds:" % K)
for name, v in (("hyperfine (A then B)", hf), ("tunepool bench (interleaved)", tp)):
    print("  %-30s median %.2f  spread %.2f  (%s)" % (name, st.median(v), max(v) - min(v),
          " ".join("%.2f" % x for x in v)))
PY
