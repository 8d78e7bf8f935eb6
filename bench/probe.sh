#!/bin/sh
# bench/probe.sh: `tunepool probe --json` against `lstopo-no-graphics --of xml`
# on this machine, same run, interleaved: median wall time of N runs each
# (ratio; goal <= 1.5x) and peak RSS from /usr/bin/time -f %M (goal <= 16 MiB).  Then checks that the
# usable CPUs and memory agree with `nproc` and with the cgroup files read
# here by an independent reader (python3).
#   usage: sh bench/probe.sh [RUNS]     (TP=path/to/tunepool to pick a binary)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
RUNS=${1:-11}
[ "$RUNS" -ge 5 ] 2>/dev/null || { echo "probe.sh: RUNS must be >= 5, not '$RUNS'" >&2; exit 2; }
[ -x "$TP" ] || { echo "probe.sh: build tunepool first ('make'); no '$TP'" >&2; exit 2; }
command -v python3 >/dev/null || { echo "probe.sh: python3 is needed" >&2; exit 2; }
LSTOPO=$(command -v lstopo-no-graphics || command -v lstopo || true)
[ -n "$LSTOPO" ] || { echo "probe.sh: lstopo-no-graphics not found (apt-get install hwloc)" >&2; exit 2; }

python3 - "$TP" "$LSTOPO" "$RUNS" <<'PY'
import json, os, resource, statistics, subprocess, sys, time

tp, lstopo, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmds = {"tunepool probe --json": [tp, "probe", "--json"],
        "lstopo-no-graphics --of xml": [lstopo, "--of", "xml"]}
wall = {k: [] for k in cmds}
rss = {k: [] for k in cmds}

timebin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

def run(argv):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    kb = 0
    if timebin:
        # A separate run under GNU time: its own fork holds no Python pages, so
        # %M is the command's own peak (getrusage from Python would count the
        # interpreter's pages copied into the child before exec).
        q = subprocess.run([timebin, "-f", "%M", "--"] + argv, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        kb = int(q.stderr.strip().splitlines()[-1])
    return p.returncode, dt, kb

for k, argv in cmds.items():	# warm the page cache
    run(argv)
for i in range(runs):
    for k, argv in cmds.items():	# interleaved, so load drifts hit both
        rc, dt, kb = run(argv)
        if rc != 0:
            sys.exit(f"probe.sh: '{' '.join(argv)}' exited {rc}")
        wall[k].append(dt)
        rss[k].append(kb)

print(f"machine load while measuring: {os.getloadavg()[0]:.2f} (1 min); {runs} runs each, interleaved")
for k in cmds:
    print(f"  {k:28s} wall median {statistics.median(wall[k]) * 1e3:7.2f} ms "
          f"(min {min(wall[k]) * 1e3:.2f}, max {max(wall[k]) * 1e3:.2f})  "
          f"peak RSS median {statistics.median(rss[k]) / 1024:5.1f} MiB")
a, b = (statistics.median(wall[k]) for k in cmds)
ratio = a / b
peak = max(rss["tunepool probe --json"]) / 1024
print(f"ratio tunepool/lstopo wall: {ratio:.2f}x  (goal <= 1.50x: {'met' if ratio <= 1.5 else 'NOT met'})")
if timebin:
    print(f"tunepool peak RSS (max of runs): {peak:.1f} MiB  (goal <= 16 MiB: {'met' if peak <= 16 else 'NOT met'})")
else:
    print("tunepool peak RSS: not measured (no /usr/bin/time; apt-get install time)")

# ---- agreement with nproc and the cgroup files (independent reader) ----
m = json.loads(subprocess.run([tp, "probe", "--json"], capture_output=True, text=True,
                              check=True).stdout)
nproc = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout)

def mounts():
    out = []
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        dash = f.index("-")
        fstype, opts = f[dash + 1], f[dash + 3].split(",")
        if fstype in ("cgroup", "cgroup2"):
            out.append((fstype, f[3], f[4], opts))
    return out

def levels(path, root):
    rel = path[len(root):] if root != "/" and path.startswith(root) else (path if root == "/" else "")
    rel = rel.rstrip("/")
    while True:
        yield rel
        if not rel:
            return
        rel = rel.rsplit("/", 1)[0]

def read(p):
    try:
        return open(p).read().split("\n")[0].strip()
    except OSError:
        return None

quota, mem = None, None
for line in open("/proc/self/cgroup"):
    hid, ctrls, path = line.rstrip("\n").split(":", 2)
    ctrls = ctrls.split(",") if ctrls else []
    for fstype, root, point, opts in mounts():
        if (not ctrls and fstype == "cgroup2") or (ctrls and fstype == "cgroup" and all(c in opts for c in ctrls)):
            for lv in levels(path, root):
                d = point + lv
                if fstype == "cgroup2":
                    v = read(d + "/cpu.max")
                    if v and not v.startswith("max"):
                        q, p = map(int, v.split())
                        quota = min(quota or 1e9, q / p)
                    lim, use = read(d + "/memory.max"), read(d + "/memory.current")
                elif "cpu" in ctrls or "memory" in ctrls:
                    q, p = read(d + "/cpu.cfs_quota_us"), read(d + "/cpu.cfs_period_us")
                    if q and p and int(q) > 0:
                        quota = min(quota or 1e9, int(q) / int(p))
                    lim, use = read(d + "/memory.limit_in_bytes"), read(d + "/memory.usage_in_bytes")
                else:
                    lim = use = None
                if lim and lim != "max" and int(lim) < 2**60 and int(lim) // 1024 <= m["memory"]["total_kb"]:
                    head = (int(lim) - int(use or 0)) // 1024
                    mem = head if mem is None else min(mem, head)
            break

want_cpus = min(nproc, quota) if quota else nproc
print(f"cpus usable: tunepool {m['cpus_usable']} [{m['cpus_usable_source']}], nproc {nproc}, "
      f"cgroup quota {quota if quota else 'none'} -> "
      f"{'match' if abs(m['cpus_usable'] - want_cpus) < 1e-6 else 'MISMATCH (want %s)' % want_cpus}")
avail = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemAvailable:"))
want_mem = min(avail, mem) if mem is not None else avail
got = m["memory"]["usable_kb"]
ok = abs(got - want_mem) <= max(0.02 * want_mem, 65536)	# MemAvailable moves between reads
print(f"memory usable: tunepool {got} KiB [{m['memory']['source']}], MemAvailable {avail} KiB, "
      f"cgroup headroom {mem if mem is not None else 'none'} -> {'match' if ok else 'MISMATCH'} "
      f"(within 2%: MemAvailable moves between reads)")
print(f"cgroup: {m.get('cgroup_version')}, PSI {'present' if m['pressure']['available'] else 'absent'}, "
      f"counters {m['counters']['papi']}")
PY
