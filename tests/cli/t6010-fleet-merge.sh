#!/bin/sh
# fleet merge: results grouped by fingerprint into one conf per class; the
# config that holds across a class (not one node's favourite); a node 30%
# slower than its class flagged, with the p-value R's wilcox.test gives;
# sibling confs' memory kept; bad inputs named.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
expect_exit 0 "$TP" tune -w sleep:ms=1 --budget 2 --min-time 20ms --max-workers 2 \
	-o t.conf --results t.json
mkdir -p r other
# Synthetic nodes from the real file: class aaaa (a3 slow), class bbbb (b2 prefers w=1).
python3 - <<'PY' || fail "cannot write the node files"
import copy, json
t = json.load(open("t.json"))
def node(name, fp, tput, rec):
    d = copy.deepcopy(t)
    d["machine"]["fingerprint"] = fp
    rep = d["trials"][0]["repeats"][0]
    d["trials"] = []
    for w, base in tput:
        reps = []
        for i in range(6):
            r = copy.deepcopy(rep); r["throughput"] = base * (1 + 0.003 * i + 0.0007 * len(name) * w)
            r["tasks"] = 100; r["wall_s"] = 100 / r["throughput"]; r["rss_peak_kb"] = 5000 * w
            reps.append(r)
        v = sorted(r["throughput"] for r in reps)
        m = (v[2] + v[3]) / 2
        d["trials"].append({"config": {"workers": w, "batch": 1, "strategy": "thread", "start": ""},
                            "repeats": reps, "stats": {"n": 6, "median": m, "ci_low": v[0],
                            "ci_high": v[5], "mad": 0.0, "outliers": 0}})
    d["recommendation"]["config"] = {"workers": rec, "batch": 1, "strategy": "thread", "start": ""}
    json.dump(d, open("r/%s.json" % name, "w"))
node("a1", "aaaa", [(1, 100), (2, 190)], 2)
node("a2", "aaaa", [(1, 101), (2, 191)], 2)
node("a3", "aaaa", [(1, 70), (2, 133)], 2)
node("b1", "bbbb", [(1, 100), (2, 150)], 2)
node("b2", "bbbb", [(1, 150), (2, 148)], 1)
PY
printf '[run]\nworkers = 2\n[bounds]\nmax_workers = 16\nmemory_per_worker = 1M\nmemory_base = 7000K\n' > r/a2.conf
expect_exit 0 "$TP" fleet merge r/*.json -o classes
contains "$out" "merged 5 nodes into 2 classes, 1 slow"
contains "$out" "slow node a3"
[ -f classes/aaaa.conf ] && [ -f classes/bbbb.conf ] || fail "class confs missing: $(ls classes)"
[ "$(sed -n 's/^workers = //p' classes/bbbb.conf)" = 2 ] || fail "class bbbb: want the w=2 that holds across b1 and b2"
[ "$(sed -n 's/^memory_base = //p' classes/aaaa.conf)" = 7000K ] || fail "a2.conf's memory base lost"
[ "$(sed -n 's/^max_workers = //p' classes/aaaa.conf)" = 16 ] || fail "a2.conf's bounds lost"
contains "$(cat classes/aaaa.conf)" "# fleet merge: 3 nodes: a1 a2 a3"
[ "$(json_get classes/index.json '[c["slow_nodes"] for c in d["classes"]]')" = "[['a3'], []]" ] ||
	fail "slow nodes: $(cat classes/index.json)"
grep -q '^b2	bbbb	bbbb.conf	' classes/index.tsv || fail "index.tsv: $(cat classes/index.tsv)"
# The class conf is a working tunepool.conf: exports and validates.
expect_exit 0 "$TP" export classes/aaaa.conf -f slurm
contains "$out" "#SBATCH --mem="
# Outside oracle for the health check: R's one-sided Wilcoxon (Mann-Whitney) test.
if command -v Rscript >/dev/null; then
	json_get r/a3.json '" ".join(str(r["throughput"]) for r in d["trials"][1]["repeats"])' > a.txt
	for n in a1 a2; do json_get r/$n.json '" ".join(str(r["throughput"]) for r in d["trials"][1]["repeats"])'; done > b.txt
	rp=$(Rscript -e 'a <- scan("a.txt", quiet=TRUE); b <- scan("b.txt", quiet=TRUE); cat(wilcox.test(a, b, alternative="less")$p.value)')
	ours=$(json_get classes/index.json '[n["p"] for n in d["nodes"] if n["node"] == "a3"][0]')
	python3 -c "import sys; r, o = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(r - o) > 1e-6 + 1e-3 * r)" "$rp" "$ours" ||
		fail "p for a3: ours $ours, R $rp"
	echo "p ours $ours R $rp" >&2
fi
# Errors name the file and the problem.
python3 -c "import json; d=json.load(open('r/b1.json')); d['workload']['options']='cpu:x=1'; json.dump(d, open('other/c1.json','w'))"
expect_exit 2 "$TP" fleet merge r/a1.json other/c1.json -o bad
contains "$err" "cannot merge 'other/c1.json': workload"
python3 -c "import json; d=json.load(open('r/b1.json')); del d['machine']['fingerprint']; json.dump(d, open('other/b1.json','w'))"
expect_exit 2 "$TP" fleet merge other/b1.json -o bad
contains "$err" "'other/b1.json': machine.fingerprint is missing"
cp r/a1.json other/a1.json
expect_exit 2 "$TP" fleet merge r/a1.json other/a1.json -o bad
contains "$err" "node 'a1'"
expect_exit 2 "$TP" fleet merge r/a1.json
contains "$err" "missing -o CONFDIR"
expect_exit 2 "$TP" fleet merge -o bad
expect_exit 2 "$TP" fleet merge r/none.json -o bad
contains "$err" "r/none.json"
expect_exit 2 "$TP" fleet merge r/a1.json -o bad --threshold 200%
expect_exit 0 "$TP" help fleet
contains "$out" "fleet merge groups results by hardware class"
contains "$out" "run --slurm --shared DIR"
expect_exit 0 "$TP" --help
contains "$out" "fleet "
expect_exit 2 "$TP" fleet frobnicate
contains "$err" "unknown subcommand 'frobnicate'"
exit 0
