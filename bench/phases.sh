#!/bin/sh
# bench/phases.sh: one `tunepool run -w spec` whose inputs change character:
# 1,000 tasks sleeping 20 ms (best: many workers), then 1,000 lock tasks
# cs_mode=cpu,waiters=spin (best: about the usable CPUs), then 1,000 lock tasks
# cs_mode=sleep,cs_us=2000,wait_us=8000 (best: 5).  Median wall of RUNS runs:
#   --adaptive (hill, gradient)  vs  the oracle (each phase at its best static
#   width, phases timed apart and summed; goal adaptive <= 1.10x) and vs the
#   best single static width over the whole run (goal: adaptive faster);
#   stationary (3,000 tasks of the third phase): adaptive vs its best static
#   width (goal <= 1.05x).
#   usage: sh bench/phases.sh [RUNS]    (WIDTHS="2 4 5 8 16 32 64" to change)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
RUNS=${1:-5}
WIDTHS=${WIDTHS:-"1 2 4 5 8 16 32 64"}
[ "$RUNS" -ge 5 ] 2>/dev/null || { echo "phases.sh: RUNS must be >= 5, not '$RUNS'" >&2; exit 2; }
[ -x "$TP" ] || { echo "phases.sh: build tunepool first ('make'); no '$TP'" >&2; exit 2; }
command -v python3 >/dev/null || { echo "phases.sh: python3 is needed" >&2; exit 2; }

python3 - "$TP" "$RUNS" "$WIDTHS" <<'PY'
import os, statistics, subprocess, sys, tempfile, time

tp, runs, widths = sys.argv[1], int(sys.argv[2]), [int(w) for w in sys.argv[3].split()]
phases = ["sleep:ms=20", "lock:cs_mode=cpu,waiters=spin",
          "lock:cs_mode=sleep,cs_us=2000,wait_us=8000"]
tmp = tempfile.mkdtemp(prefix="tp-phases.")
def write(name, lines):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write("\n".join(lines) + "\n")
    return p
files = {"all": write("all.txt", [s for s in phases for _ in range(1000)])}
for i, s in enumerate(phases):
    files["p%d" % (i + 1)] = write("p%d.txt" % (i + 1), [s] * 1000)
files["stationary"] = write("st.txt", [phases[2]] * 3000)

def run(inputs, extra):
    argv = [tp, "run", "-q", "-w", "spec", "--inputs", inputs, "--max-workers", str(max(widths))] + extra
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode:
        sys.exit("phases.sh: %s exited %d: %s" % (" ".join(argv), r.returncode, r.stderr.decode()[-400:]))
    return dt

configs = [("static", w) for w in widths] + [("hill", 0), ("gradient", 0)]
def extra(c):
    return ["--static", "-j", str(c[1])] if c[0] == "static" else ["--controller", c[0]]

times = {}
# Interleave repeats so drift in the machine's load hits every config alike.
for rep in range(runs):
    for key in ("all", "p1", "p2", "p3", "stationary"):
        for c in configs:
            if key in ("p1", "p2", "p3") and c[0] != "static":
                continue
            times.setdefault((key, c), []).append(run(files[key], extra(c)))
    print("phases.sh: repeat %d/%d done" % (rep + 1, runs), file=sys.stderr)

med = {k: statistics.median(v) for k, v in times.items()}
def best(key):
    return min(((med[(key, c)], c[1]) for c in configs if c[0] == "static" and (key, c) in med))
print("median wall over %d runs (machine shared with other jobs; ratios are what count)" % runs)
for key in ("all", "stationary", "p1", "p2", "p3"):
    row = " ".join("%s=%.2fs" % ("w%d" % c[1] if c[0] == "static" else c[0], med[(key, c)])
                   for c in configs if (key, c) in med)
    print("  %-10s %s" % (key, row))
oracle = sum(best("p%d" % i)[0] for i in (1, 2, 3))
print("oracle (per-phase best: %s) = %.2fs" % (", ".join("p%d w%d" % (i, best("p%d" % i)[1]) for i in (1, 2, 3)), oracle))
bs, bw = best("all")
print("best single static width for the whole run: w%d = %.2fs" % (bw, bs))
for ctl in ("hill", "gradient"):
    a = med[("all", (ctl, 0))]
    print("%-8s phases: %.2fs = %.2fx oracle (goal <= 1.10) and %.2fx best static (goal < 1.00)"
          % (ctl, a, a / oracle, a / bs))
ss, sw = best("stationary")
for ctl in ("hill", "gradient"):
    a = med[("stationary", (ctl, 0))]
    print("%-8s stationary: %.2fs = %.2fx best static w%d %.2fs (goal <= 1.05)" % (ctl, a, a / ss, sw, ss))
PY
