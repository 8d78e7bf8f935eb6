#!/bin/sh
# bench/run-dispatch.sh: dispatch cost.  N x /bin/true at the same width W:
# `tunepool run` (journal and output grouping on; --static and adaptive)
# against a raw posix_spawn loop (bench/raw_spawn.c, B1's; reused, not
# copied), xargs -P W and GNU parallel -j W.  Median wall of RUNS runs each,
# interleaved; prints each as a ratio of the raw loop's throughput
# (goal: tunepool run >= 0.9x the raw loop).
#   usage: sh bench/run-dispatch.sh [RUNS] [N] [W]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
RUNS=${1:-5}
N=${2:-5000}
W=${3:-$(nproc)}
[ "$RUNS" -ge 5 ] 2>/dev/null || { echo "run-dispatch.sh: RUNS must be >= 5, not '$RUNS'" >&2; exit 2; }
[ -x "$TP" ] || { echo "run-dispatch.sh: build tunepool first ('make'); no '$TP'" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run-dispatch.sh: python3 is needed" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-dispatch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
seq 1 "$N" > "$tmp/inputs"
RAW=""
if [ -f "$top/bench/raw_spawn.c" ]; then
	${CC:-cc} -O2 -o "$tmp/raw_spawn" "$top/bench/raw_spawn.c" && RAW="$tmp/raw_spawn"
fi
[ -n "$RAW" ] || echo "run-dispatch.sh: bench/raw_spawn.c missing or not compiling: no raw loop baseline" >&2
PARALLEL=$(command -v parallel || true)

python3 - "$TP" "$RUNS" "$N" "$W" "$tmp" "$RAW" "$PARALLEL" <<'PY'
import os, statistics, subprocess, sys, time

tp, runs, n, w, tmp, raw, parallel = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
inputs = os.path.join(tmp, "inputs")
journal = os.path.join(tmp, "j.jsonl")
peers = {
    "tunepool run --static": [tp, "run", "-q", "--static", "-j", str(w), "--joblog", journal,
                              "--inputs", inputs, "--", "/bin/true"],
    "tunepool run (adaptive)": [tp, "run", "-q", "-j", str(w), "--joblog", journal,
                                "--inputs", inputs, "--", "/bin/true"],
    "xargs -P": ["xargs", "-P", str(w), "-n", "1", "/bin/true"],
}
if parallel:
    peers["GNU parallel -j"] = [parallel, "--will-cite", "-j", str(w), "/bin/true"]
if raw:
    # raw_spawn N W COMMAND: appends the task number as the input, like the others.
    peers["raw posix_spawn loop"] = [raw, str(n), str(w), "/bin/true"]

def once(argv):
    if os.path.exists(journal):
        os.unlink(journal)
    with open(inputs) as f:
        t0 = time.perf_counter()
        r = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
    if r.returncode:
        sys.exit("run-dispatch.sh: %s exited %d: %s" % (argv[0], r.returncode, r.stderr.decode()[-300:]))
    return dt

times = {k: [] for k in peers}
for i in range(runs):
    for k, argv in peers.items():
        times[k].append(once(argv))
med = {k: statistics.median(v) for k, v in times.items()}
base_name = "raw posix_spawn loop" if raw else "xargs -P"
base = med[base_name]
print("dispatch: %d x /bin/true at width %d, median of %d runs (machine shared with other jobs)" % (n, w, runs))
for k in peers:
    print("  %-26s %7.3fs  %8.0f tasks/s  %.2fx %s" % (k, med[k], n / med[k], base / med[k], base_name))
if raw:
    r = base / med["tunepool run --static"]
    print("goal: tunepool run --static >= 0.90x the raw loop: %.2fx (%s)" % (r, "met" if r >= 0.9 else "not met"))
PY
