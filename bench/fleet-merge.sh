#!/bin/sh
# fleet merge at fleet scale: 1,000 generated node results (4 hardware
# classes, 24 trials x 5 repeats each, a few slow nodes) merged into class
# confs.  Goal: under 2 s.  Prints the median of 5 runs of `fleet merge`, of
# the peer (python3 json.load of the same files: the parse alone) and their
# ratio, with the load average.  NODES=N changes the count.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
nodes=${NODES:-1000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tp-fleet-merge.XXXXXX")
trap 'rm -rf "$dir"' EXIT
[ -x "$TP" ] || { echo "build first: make"; exit 1; }
export XDG_CACHE_HOME="$dir/cache"
"$TP" tune -w sleep:ms=1 --budget 2 --min-time 20ms --max-workers 2 -o "$dir/t.conf" \
	--results "$dir/t.json" >/dev/null 2>&1
mkdir "$dir/r"
python3 - "$dir/t.json" "$dir/r" "$nodes" <<'PY'
import copy, json, random, sys
t = json.load(open(sys.argv[1])); out = sys.argv[2]; n = int(sys.argv[3])
rng = random.Random(1)
rep0 = t["trials"][0]["repeats"][0]
for i in range(n):
    d = copy.deepcopy(t)
    cls = i % 4
    d["machine"]["fingerprint"] = "%016x" % (0xc1a55 + cls)
    slow = 0.7 if i % 97 == 0 else 1.0
    d["trials"] = []
    for w in range(1, 25):
        base = 100 * w / (1 + 0.05 * (w - 1) + 0.002 * w * (w - 1)) * (1 + cls / 10) * slow
        reps = []
        for _ in range(5):
            r = copy.deepcopy(rep0); r["throughput"] = base * rng.uniform(0.97, 1.03)
            r["wall_s"] = 100 / r["throughput"]; r["tasks"] = 100; reps.append(r)
        v = sorted(x["throughput"] for x in reps)
        d["trials"].append({"config": {"workers": w, "batch": 1, "strategy": "thread", "start": ""},
                            "repeats": reps, "stats": {"n": 5, "median": v[2], "ci_low": v[0],
                            "ci_high": v[4], "mad": 0.0, "outliers": 0}})
    best = max(d["trials"], key=lambda x: x["stats"]["median"])
    d["recommendation"]["config"] = best["config"]
    json.dump(d, open("%s/node%04d.json" % (out, i), "w"))
PY
size=$(du -sh "$dir/r" | cut -f1)
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
timeit() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
for i in 1 2 3 4 5; do timeit "$TP" fleet merge "$dir"/r/*.json -o "$dir/classes"; done | median > "$dir/m"
for i in 1 2 3 4 5; do timeit python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "$dir"/r/*.json; done | median > "$dir/p"
"$TP" fleet merge "$dir"/r/*.json -o "$dir/classes" | tail -n 1
m=$(cat "$dir/m"); p=$(cat "$dir/p")
echo "fleet merge of $nodes results ($size): median ${m}s (goal < 2 s); python3 json.load alone: ${p}s; ratio merge/parse $(echo "scale=2; $m / $p" | bc)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
