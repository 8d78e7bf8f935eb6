#!/bin/sh
# bench/phases.sh: one `tunepool run -w spec` whose inputs change character:
#   p1: 1,000 tasks sleeping 20 ms                    (best: many workers)
#   p2: 1,000 lock tasks cs_mode=cpu,waiters=spin,cs_us=50,wait_us=0,cpu_us=0
#       (the holder computes 50 us while the waiters busy-wait: once spinners
#       outnumber the usable CPUs they preempt the holder and throughput
#       collapses; best: 1-2 workers)
#   p3: 1,000 lock tasks cs_mode=sleep,cs_us=2000,wait_us=8000   (best: >= 5)
# It measures every static width on each phase alone (the oracle is the sum
# of each phase's best), on the whole run (the best single static width), and
# --adaptive with hill and gradient (starting at the probe's seed, as `run`
# does); then a stationary run (3,000 tasks of p3): adaptive vs its best
# static width.  Goals: adaptive <= 1.10x the oracle and faster than the best
# single static width; stationary <= 1.05x the best static.
# Medians over RUNS repeats, interleaved so that drift in the machine's load
# hits every config alike; widths slower than 1.5x the best in the first
# repeat are not repeated (their first time is shown with a '*').
#   usage: sh bench/phases.sh [RUNS]    (WIDTHS="1 2 4 8 16 32 64" to change)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
RUNS=${1:-5}
WIDTHS=${WIDTHS:-"1 2 4 8 16 32 64"}
[ "$RUNS" -ge 3 ] 2>/dev/null || { echo "phases.sh: RUNS must be >= 3, not '$RUNS'" >&2; exit 2; }
[ -x "$TP" ] || { echo "phases.sh: build tunepool first ('make'); no '$TP'" >&2; exit 2; }
command -v python3 >/dev/null || { echo "phases.sh: python3 is needed" >&2; exit 2; }

python3 - "$TP" "$RUNS" "$WIDTHS" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile, time

tp, runs, widths = sys.argv[1], int(sys.argv[2]), [int(w) for w in sys.argv[3].split()]
maxw = max(widths)
phases = ["sleep:ms=20",
          "lock:cs_mode=cpu,waiters=spin,cs_us=50,wait_us=0,cpu_us=0",
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
keys = ["p1", "p2", "p3", "all", "stationary"]

def run(inputs, extra):
    argv = [tp, "run", "-q", "-w", "spec", "--inputs", inputs, "--max-workers", str(maxw)] + extra
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode:
        sys.exit("phases.sh: %s exited %d: %s" % (" ".join(argv), r.returncode, r.stderr.decode()[-400:]))
    return dt

statics = [("static", w) for w in widths]
adaptive = [("hill", 0), ("gradient", 0)]
def extra(c):
    return ["--static", "-j", str(c[1])] if c[0] == "static" else ["--controller", c[0]]
def name(c):
    return "w%d" % c[1] if c[0] == "static" else c[0]

times = {}
todo = {k: statics + (adaptive if k in ("all", "stationary") else []) for k in keys}
for rep in range(runs):
    for key in keys:
        for c in todo[key]:
            times.setdefault((key, c), []).append(run(files[key], extra(c)))
    if rep == 0:
        # Keep repeating only the static widths that can still be the best.
        for key in keys:
            best = min(times[(key, c)][0] for c in statics)
            todo[key] = [c for c in todo[key] if c[0] != "static" or times[(key, c)][0] <= 1.5 * best]
    print("phases.sh: repeat %d/%d done" % (rep + 1, runs), file=sys.stderr)
shutil.rmtree(tmp)

med = {k: statistics.median(v) for k, v in times.items()}
def best(key):
    return min((med[(key, c)], c[1]) for c in statics)
print("median wall over %d repeats (machine shared with other jobs; ratios are what count;"
      " * = first repeat only)" % runs)
for key in keys:
    row = " ".join("%s=%.2fs%s" % (name(c), med[(key, c)], "*" if len(times[(key, c)]) == 1 else "")
                   for c in statics + adaptive if (key, c) in med)
    print("  %-10s %s" % (key, row))
for key in ("all", "stationary"):
    for c in adaptive + [(("static", best(key)[1]))]:
        print("  %-10s %-8s every repeat: %s" % (key, name(c), " ".join("%.2fs" % t for t in times[(key, c)])))
oracle = sum(best("p%d" % i)[0] for i in (1, 2, 3))
print("oracle (each phase at its best: %s) = %.2fs"
      % (", ".join("p%d w%d" % (i, best("p%d" % i)[1]) for i in (1, 2, 3)), oracle))
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
