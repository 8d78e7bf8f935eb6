#!/bin/sh
# In-process dispatch: 10^6 tasks of about 1 us (the cpu workload's hash over
# BYTES) under tunepool's thread strategy at its best batch, against an OpenMP
# schedule(dynamic, chunk) loop over the same kernel source at its best chunk
# (bench/omp_peer.c).  Medians of REPEAT runs each; prints the ratio.
# Goal: >= 0.95x OpenMP.   Env: N, BYTES, WORKERS, REPEAT, BATCHES, TP_BUILD.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${TP_BUILD:-build}
TP="$top/$B/tunepool"
N=${N:-1000000}
BYTES=${BYTES:-20480}
WORKERS=${WORKERS:-$(nproc)}
REPEAT=${REPEAT:-5}
BATCHES=${BATCHES:-64,256,1024,4096}
[ -x "$TP" ] || { echo "inproc: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-inproc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# The peer is compiled from the same kernel source with the same flags.
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -fopenmp -I"$top" "$top/bench/omp_peer.c" \
	"$top/workloads/hash.c" -o "$tmp/omp_peer"

"$TP" bench -w "cpu:bytes=$BYTES" --count "$N" --workers "$WORKERS" --batch "$BATCHES" \
	--strategy thread --repeat "$REPEAT" --warmup 1 -o "$tmp/r.json" >"$tmp/table.txt"
set -- $(python3 - "$tmp/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
best = max(d["trials"], key=lambda t: t["stats"]["median"])
print(best["config"]["batch"], best["stats"]["median"], len(best["repeats"]))
PY
)
tp_batch=$1 tp_median=$2 tp_n=$3

# OpenMP: one warm-up, then REPEAT rounds over every chunk, interleaved.
export OMP_NUM_THREADS="$WORKERS" OMP_PROC_BIND=false
chunks=$(echo "$BATCHES" | tr ',' ' ')
for c in $chunks; do "$tmp/omp_peer" "$N" "$BYTES" "$c" >/dev/null 2>&1; done
r=0
while [ $r -lt "$REPEAT" ]; do
	for c in $chunks; do
		echo "$c $("$tmp/omp_peer" "$N" "$BYTES" "$c" 2>/dev/null)" >>"$tmp/omp.txt"
	done
	r=$((r + 1))
done
set -- $(python3 - "$tmp/omp.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    c, v = line.split()
    runs.setdefault(int(c), []).append(float(v))
c, v = max(((c, statistics.median(v)) for c, v in runs.items()), key=lambda x: x[1])
print(c, v, len(runs[c]))
PY
)
omp_chunk=$1 omp_median=$2 omp_n=$3

echo "inproc: $N tasks of cpu:bytes=$BYTES, $WORKERS workers, load $(cut -d' ' -f1-3 /proc/loadavg)"
sed 's/^/  /' "$tmp/table.txt"
printf '  tunepool thread  batch %-6s %12.0f tasks/s (median of %s)\n' "$tp_batch" "$tp_median" "$tp_n"
printf '  OpenMP dynamic   chunk %-6s %12.0f tasks/s (median of %s)\n' "$omp_chunk" "$omp_median" "$omp_n"
python3 -c "import sys; r=float(sys.argv[1])/float(sys.argv[2]); print('inproc: ratio %.3fx OpenMP (goal >= 0.95x): %s' % (r, 'met' if r >= 0.95 else 'NOT met'))" "$tp_median" "$omp_median"
