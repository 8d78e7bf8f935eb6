#!/bin/sh
# Dispatch cost: N x /bin/true at W workers (default 2,000 x 2) through
# tunepool's exec strategy (`tunepool bench ... -- /bin/true`), xargs -P W -n1,
# GNU parallel -j W, and a raw posix_spawn loop (bench/raw_spawn.c, built here
# with cc).  Every command gets the input as its last argument.  Runs are
# interleaved, R rounds (default 5); prints the median tasks/s of each and its
# ratio to the raw loop.  Goal: tunepool >= 0.9x the raw loop.
#   sh bench/dispatch.sh [N] [W] [R]          (TP=path/to/tunepool)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-2000}
W=${2:-2}
R=${3:-5}
TP=${TP:-$top/build/tunepool}
[ -x "$TP" ] || { echo "dispatch: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-dispatch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-cc} -O2 -o "$tmp/raw_spawn" "$top/bench/raw_spawn.c"
seq "$N" >"$tmp/inputs"
have_parallel=0
command -v parallel >/dev/null 2>&1 && have_parallel=1

TP="$TP" N="$N" W="$W" R="$R" TMP="$tmp" HAVE_PARALLEL=$have_parallel python3 - <<'EOF'
import json, os, statistics, subprocess, time
N, W, R, tmp, tp = int(os.environ["N"]), int(os.environ["W"]), int(os.environ["R"]), os.environ["TMP"], os.environ["TP"]
inputs = open(os.path.join(tmp, "inputs"), "rb").read()
res = os.path.join(tmp, "r.json")

def timed(cmd, stdin=None):
    t0 = time.monotonic()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - t0

def raw():
    out = subprocess.run([os.path.join(tmp, "raw_spawn"), str(N), str(W), "/bin/true"],
                         capture_output=True, check=True, text=True).stdout
    return float(out)

def tunepool():
    wall = timed([tp, "bench", "--count", str(N), "--workers", str(W), "--strategy", "exec",
                  "--repeat", "1", "--warmup", "0", "-o", res, "--", "/bin/true"])
    rep = json.load(open(res))["trials"][0]["repeats"][0]
    return rep["wall_s"], wall

runs = {"raw posix_spawn loop": [], "tunepool exec (pool)": [], "tunepool exec (whole command)": [],
        "xargs -P%d -n1" % W: []}
if os.environ["HAVE_PARALLEL"] == "1":
    runs["parallel -j%d" % W] = []
for r in range(R):
    runs["raw posix_spawn loop"].append(raw())
    pool, whole = tunepool()
    runs["tunepool exec (pool)"].append(pool)
    runs["tunepool exec (whole command)"].append(whole)
    runs["xargs -P%d -n1" % W].append(timed(["xargs", "-P%d" % W, "-n1", "/bin/true"], inputs))
    if "parallel -j%d" % W in runs:
        runs["parallel -j%d" % W].append(timed(["parallel", "--will-cite", "-j%d" % W, "/bin/true"], inputs))

base = N / statistics.median(runs["raw posix_spawn loop"])
print("dispatch: %d x /bin/true at %d workers, median of %d interleaved runs (machine shared: expect noise)" % (N, W, R))
print("%-32s %10s %8s" % ("runner", "tasks/s", "vs raw"))
for name, walls in runs.items():
    tps = N / statistics.median(walls)
    print("%-32s %10.1f %7.2fx" % (name, tps, tps / base))
goal = N / statistics.median(runs["tunepool exec (pool)"]) / base
print("goal tunepool exec >= 0.90x raw: %s (%.2fx)" % ("met" if goal >= 0.9 else "NOT met", goal))
EOF
