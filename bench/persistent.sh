#!/bin/sh
# Persistent workers against the Python pools they replace.
#   1. A Python function with 0.5 s of init and ~5 ms of CPU per input, N inputs
#      (default 400): `tunepool run --persistent json` (contrib/python/
#      tunepool_worker.py, widths and records in flight (-b, its chunksize)
#      swept) vs ProcessPoolExecutor(initializer=...) swept over max_workers
#      and chunksize (its best), vs one process per input
#      (python3 started per input, so init per input: measured on N1 inputs,
#      default 24, and quoted as a rate).  Wall time of the whole job, init
#      included for everybody.  Goals: >= 0.9x the best executor, >= 10x one
#      process per input.
#   2. A trivial echo worker (python3, one line in, one line out): per-input
#      time through `tunepool run --persistent lines -j 1` vs a raw pipe
#      ping-pong loop in C (bench/pingpong.c: write a line, read the answer)
#      on the same worker, E inputs (default 20,000).  Goal: within 1.2x.
# Each figure is the median of R rounds (default 3), interleaved; the load
# average is printed with the results.
#   sh bench/persistent.sh [N] [R] [N1] [E]          (TP=path/to/tunepool)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-400}
R=${2:-3}
N1=${3:-24}
E=${4:-20000}
TP=${TP:-$top/build/tunepool}
[ -x "$TP" ] || { echo "persistent: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-persistent.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

cat > "$tmp/task.py" <<'EOF'
import time
state = None
def init():
    global state
    time.sleep(0.5)                    # load a model, open a database...
    state = 1
def process(item):
    t = time.process_time()
    while time.process_time() - t < 0.005:   # ~5 ms of CPU
        pass
    return str(int(item) * state)
EOF
cat > "$tmp/worker.py" <<EOF
import sys
sys.path.insert(0, "$top/contrib/python")
sys.path.insert(0, "$tmp")
import tunepool_worker, task
tunepool_worker.serve(task.process, init=task.init)
EOF
cat > "$tmp/once.py" <<EOF
import sys
sys.path.insert(0, "$tmp")
import task
task.init()
print(task.process(sys.argv[1]))
EOF
cat > "$tmp/pool.py" <<'EOF'
import sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
import task
if __name__ == "__main__":
    n, w, c = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    t0 = time.monotonic()
    with ProcessPoolExecutor(max_workers=w, initializer=task.init,
                             mp_context=multiprocessing.get_context(sys.argv[4])) as ex:
        out = list(ex.map(task.process, [str(i) for i in range(1, n + 1)], chunksize=c))
    assert len(out) == n
    print(time.monotonic() - t0)
EOF
cat > "$tmp/echo.py" <<'EOF'
import sys
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stdout.flush()
EOF
${CC:-cc} -O2 -o "$tmp/pingpong" "$top/bench/pingpong.c"

TP="$TP" N="$N" R="$R" N1="$N1" E="$E" TMP="$tmp" python3 - <<'EOF'
import os, statistics, subprocess, sys, time
N, R, N1, E = (int(os.environ[k]) for k in ("N", "R", "N1", "E"))
tmp, tp = os.environ["TMP"], os.environ["TP"]
cpus = len(os.sched_getaffinity(0))
widths = sorted({1, 2, cpus, 2 * cpus})
inputs = "".join("%d\n" % i for i in range(1, N + 1)).encode()

def timed(cmd, stdin=None):
    t0 = time.monotonic()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - t0

def tunepool(w, b):
    return timed([tp, "run", "-q", "--static", "-j", str(w), "-b", str(b), "--persistent", "json",
                  "--", sys.executable, os.path.join(tmp, "worker.py")], inputs)

def pool(w, c, ctx):
    out = subprocess.run([sys.executable, os.path.join(tmp, "pool.py"), str(N), str(w), str(c), ctx],
                         capture_output=True, check=True, text=True, cwd=tmp)
    return float(out.stdout)

def per_input():
    cmd = "%s %s {}" % (sys.executable, os.path.join(tmp, "once.py"))
    return timed(["xargs", "-P%d" % cpus, "-I{}", "sh", "-c", cmd],
                 "".join("%d\n" % i for i in range(1, N1 + 1)).encode())

runs = {}
def add(name, v):
    runs.setdefault(name, []).append(v)

for r in range(R):
    for w in widths:
        for c in (1, 4, 16):
            add(("tunepool", w, c), tunepool(w, c))
            add(("pool", w, c), pool(w, c, "spawn"))
    add(("per-input",), per_input())
    add(("raw-echo",), float(subprocess.run([os.path.join(tmp, "pingpong"), str(E), sys.executable,
                                            os.path.join(tmp, "echo.py")],
                                           capture_output=True, check=True, text=True).stdout))
    add(("tp-echo",), timed([tp, "run", "-q", "--static", "-j", "1", "--persistent", "lines", "--",
                            sys.executable, os.path.join(tmp, "echo.py")],
                           "".join("%d\n" % i for i in range(1, E + 1)).encode()))

med = {k: statistics.median(v) for k, v in runs.items()}
load = open("/proc/loadavg").read().split()[:3]
print("persistent: %d inputs, 0.5 s init + ~5 ms CPU each; median of %d interleaved rounds; "
      "%d usable CPUs; load average %s (machine shared: expect noise)" % (N, R, cpus, " ".join(load)))
print("%-46s %9s %9s" % ("runner", "wall s", "tasks/s"))
best_tp = min((med[k], k) for k in med if k[0] == "tunepool")
best_pool = min((med[k], k) for k in med if k[0] == "pool")
for k in sorted(med):
    if k[0] == "tunepool":
        name = "tunepool --persistent json -j%d -b%d" % (k[1], k[2])
    elif k[0] == "pool":
        name = "ProcessPoolExecutor(max_workers=%d) chunksize=%d" % (k[1], k[2])
    else:
        continue
    mark = "  <- best" if k in (best_tp[1], best_pool[1]) else ""
    print("%-46s %9.2f %9.1f%s" % (name, med[k], N / med[k], mark))
per_rate = N1 / med[("per-input",)]
print("%-46s %9.2f %9.1f   (%d inputs, xargs -P%d)" % ("one python3 per input", med[("per-input",)],
                                                       per_rate, N1, cpus))
tp_rate, pool_rate = N / best_tp[0], N / best_pool[0]
print("tunepool best vs best executor: %.2fx (goal >= 0.9x)" % (tp_rate / pool_rate))
print("tunepool best vs one process per input: %.1fx (goal >= 10x)" % (tp_rate / per_rate))
raw_us = med[("raw-echo",)] / E * 1e6
tp_us = med[("tp-echo",)] / E * 1e6
print("echo worker, %d inputs: raw pipe ping-pong (C) %.1f us/input (round trips only), tunepool "
      "--persistent lines -j1 %.1f us/input (whole command: start-up included): %.2fx (goal <= 1.2x)"
      % (E, raw_us, tp_us, tp_us / raw_us))
EOF
