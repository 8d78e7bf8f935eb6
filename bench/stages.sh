#!/bin/sh
# Staged pipelines: a wait-bound stage (sleep 200 ms, print the input) feeding
# a CPU stage (gzip -6 of a 2 MB file), N inputs (default 40):
#   tunepool run -- STAGE1 --then STAGE2   (adaptive widths, one pool each)
#   xargs -P A ... | xargs -P B ...        (static pairs, swept; the best)
#   xargs -P W STAGE1;STAGE2               (one stage, swept; the best)
# Every runner runs the same wrapper, which counts the tasks of each stage
# running at once; the peak per stage is printed.  Goals: tunepool >= 0.9x
# the best pair and the best single width, and its CPU stage never above
# usable CPUs + 1 at once.  Medians of R rounds (default 3), with the load.
#   sh bench/stages.sh [N] [R]          (TP=path/to/tunepool)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-40}
R=${2:-3}
TP=${TP:-$top/build/tunepool}
[ -x "$TP" ] || { echo "stages: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-stages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
head -c 1500000 /dev/urandom | base64 -w 76 | head -c 2000000 > "$tmp/data"
# count STAGE CMD...: runs CMD as one task of STAGE, noting how many run at once.
cat > "$tmp/count" <<'EOF'
#!/bin/sh
d=$TP_STAGE_DIR/$1; shift
mkdir -p "$d"
f=$(mktemp "$d/run.XXXXXX")
ls "$d" | wc -l >> "$d.peak"
"$@"
rc=$?
rm -f "$f"
exit $rc
EOF
chmod +x "$tmp/count"
printf '#!/bin/sh\nsleep 0.2; echo "$1"\n' > "$tmp/wait"
printf '#!/bin/sh\ngzip -6 -c "%s" > /dev/null; echo "$1"\n' "$tmp/data" > "$tmp/cpu"
chmod +x "$tmp/wait" "$tmp/cpu"

TP="$TP" N="$N" R="$R" TMP="$tmp" python3 - <<'EOF'
import os, shutil, statistics, subprocess, time
N, R, tmp, tp = int(os.environ["N"]), int(os.environ["R"]), os.environ["TMP"], os.environ["TP"]
cpus = len(os.sched_getaffinity(0))
c, w, g = (os.path.join(tmp, x) for x in ("count", "wait", "cpu"))
inputs = "".join("%d\n" % i for i in range(1, N + 1)).encode()

def timed(cmd):
    d = os.path.join(tmp, "peaks")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    env = dict(os.environ, TP_STAGE_DIR=d)
    t0 = time.monotonic()
    out = subprocess.run(cmd, input=inputs, shell=True, env=env, capture_output=True, check=True).stdout
    t = time.monotonic() - t0
    assert len(out.split()) == N, (cmd, out[:200])
    def peak(s):
        try:
            return max(int(x) for x in open(os.path.join(d, s + ".peak")).read().split())
        except FileNotFoundError:
            return 0
    return t, peak("wait"), peak("cpu")

configs = {"tunepool --then (adaptive)": "%s run -q -- %s wait %s {} --then %s cpu %s {}" % (tp, c, w, c, g)}
for a in (8, 32):
    for b in range(1, cpus + 2):
        configs["xargs -P%d | xargs -P%d" % (a, b)] = (
            "xargs -P%d -I{} %s wait %s {} | xargs -P%d -I{} %s cpu %s {}" % (a, c, w, b, c, g))
for s in sorted({cpus, 2 * cpus, 16}):
    configs["xargs -P%d (one stage)" % s] = (
        "xargs -P%d -I{} sh -c '%s wait %s \"$1\" > /dev/null; %s cpu %s \"$1\"' _ {}" % (s, c, w, c, g))
runs = {k: [] for k in configs}
for r in range(R):
    for k, cmd in configs.items():
        runs[k].append(timed(cmd))
load = open("/proc/loadavg").read().split()[:3]
print("stages: %d inputs, sleep 200 ms then gzip -6 of 2 MB; median of %d interleaved rounds; "
      "%d usable CPUs; load average %s (machine shared: expect noise)" % (N, R, cpus, " ".join(load)))
print("%-34s %8s %9s %12s %11s" % ("runner", "wall s", "tasks/s", "peak wait", "peak cpu"))
med = {}
for k, v in runs.items():
    med[k] = statistics.median(x[0] for x in v)
    print("%-34s %8.2f %9.2f %12d %11d" % (k, med[k], N / med[k], max(x[1] for x in v), max(x[2] for x in v)))
tpk = "tunepool --then (adaptive)"
pair = min((med[k], k) for k in med if "|" in k)
one = min((med[k], k) for k in med if "one stage" in k)
print("tunepool vs best pair (%s): %.2fx (goal >= 0.9x)" % (pair[1], pair[0] / med[tpk]))
print("tunepool vs best single stage (%s): %.2fx (goal >= 0.9x)" % (one[1], one[0] / med[tpk]))
print("tunepool cpu stage peak: %d at once (goal <= usable CPUs + 1 = %d)" % (max(x[2] for x in runs[tpk]), cpus + 1))
EOF
