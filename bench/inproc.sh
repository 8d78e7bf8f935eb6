#!/bin/sh
# In-process dispatch: 10^6 tasks of about 1 us (the cpu workload's hash over
# BYTES) under tunepool's thread strategy at its best batch, against an OpenMP
# schedule(dynamic, chunk) loop over the same kernel source at its best chunk
# (bench/omp_peer.c).  The best batch and chunk come from a first pass; then
# REPEAT rounds alternate the two (ABBA order, so load drift hits both alike).
# Prints both medians, their ratio and the median of the per-round ratios.
# Goal: >= 0.95x OpenMP.   Env: N, BYTES, WORKERS, REPEAT, BATCHES, TP_BUILD.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${TP_BUILD:-build}
TP="$top/$B/tunepool"
N=${N:-1000000}
BYTES=${BYTES:-20480}
WORKERS=${WORKERS:-$(nproc)}
REPEAT=${REPEAT:-7}
BATCHES=${BATCHES:-64,256,1024,4096}
[ -x "$TP" ] || { echo "inproc: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-inproc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# The peer is compiled from the same kernel source with the same flags.
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -fopenmp -I"$top" "$top/bench/omp_peer.c" \
	"$top/workloads/hash.c" -o "$tmp/omp_peer"
export OMP_NUM_THREADS="$WORKERS" OMP_PROC_BIND=false

tp_run() {	# tp_run BATCH-LIST REPEAT -> "batch median" of the best
	"$TP" bench -w "cpu:bytes=$BYTES" --count "$N" --workers "$WORKERS" --batch "$1" \
		--strategy thread --repeat "$2" --warmup 0 -o "$tmp/r.json" >/dev/null
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
b = max(d["trials"], key=lambda t: t["stats"]["median"])
print(b["config"]["batch"], b["stats"]["median"])' "$tmp/r.json"
}
omp_run() {	# omp_run CHUNK -> tasks/s
	"$tmp/omp_peer" "$N" "$BYTES" "$1" 2>/dev/null
}

# Pass 1: the best batch of tunepool and the best chunk of OpenMP.
set -- $(tp_run "$BATCHES" 3)
tp_batch=$1
best=0 omp_chunk=0
for c in $(echo "$BATCHES" | tr ',' ' '); do
	omp_run "$c" >/dev/null
	v=$(omp_run "$c")
	if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$v" "$best"; then
		best=$v omp_chunk=$c
	fi
done

# Pass 2: alternate, ABBA.
r=0
: >"$tmp/pairs.txt"
while [ $r -lt "$REPEAT" ]; do
	if [ $((r % 2)) = 0 ]; then
		t=$(tp_run "$tp_batch" 1 | cut -d' ' -f2); o=$(omp_run "$omp_chunk")
	else
		o=$(omp_run "$omp_chunk"); t=$(tp_run "$tp_batch" 1 | cut -d' ' -f2)
	fi
	echo "$t $o" >>"$tmp/pairs.txt"
	r=$((r + 1))
done

echo "inproc: $N tasks of cpu:bytes=$BYTES, $WORKERS workers, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/pairs.txt" "$tp_batch" "$omp_chunk" <<'PY'
import statistics, sys
pairs = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
t = statistics.median(p[0] for p in pairs)
o = statistics.median(p[1] for p in pairs)
rr = statistics.median(p[0] / p[1] for p in pairs)
print("  tunepool thread  batch %-6s %12.0f tasks/s (median of %d)" % (sys.argv[2], t, len(pairs)))
print("  OpenMP dynamic   chunk %-6s %12.0f tasks/s (median of %d)" % (sys.argv[3], o, len(pairs)))
print("  per-round ratios: " + " ".join("%.3f" % (p[0] / p[1]) for p in pairs))
print("inproc: ratio %.3fx OpenMP (median of per-round ratios %.3fx; goal >= 0.95x): %s"
      % (t / o, rr, "met" if t / o >= 0.95 else "NOT met"))
PY
