#!/bin/sh
# run --slurm on the private two-node cluster: the inputs sliced over one
# array, every input run exactly once, the output complete (the same lines as
# GNU parallel gives), one journal for the job and a summary per node; each
# slice uses its class's conf from fleet merge; misuse is refused.
. "$TP_TESTLIB"
. "$TP_TOP/tests/cli/fleet-lib.sh"
export XDG_CACHE_HOME="$TMPDIR/cache"
cluster_up 47120
seq 1 40 > in.txt
expect_exit 0 "$TP" run --slurm --shared slices --static -j 2 --poll-max 1s --inputs in.txt -- echo out {}
contains "$err" "submitted job"
contains "$err" "2 of 2 slices"
contains "$err" "40 inputs: 40 ok, 0 failed, 0 not run on 2 nodes"
contains "$err" "node n1: "
contains "$err" "node n2: "
if command -v parallel >/dev/null; then
	parallel echo out {} :::: in.txt > want.txt
else
	sed 's/^/out /' in.txt > want.txt
fi
[ "$(echo "$out" | sort)" = "$(sort want.txt)" ] || fail "outputs differ from GNU parallel's: $out"
python3 - slices/journal.jsonl <<'PY' || fail "journal: $(cat slices/journal.jsonl)"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
seen = {}
for r in recs:
    seen[r["input"]] = seen.get(r["input"], 0) + 1
    assert r["status"] == "ok" and r["node"] in ("n1", "n2"), r
assert sorted(seen, key=int) == [str(i) for i in range(1, 41)], sorted(seen)
assert set(seen.values()) == {1}, seen
assert {r["node"] for r in recs} == {"n1", "n2"}, "one node did everything"
PY
# A second run into the same directory must say --resume; --resume of a
# finished job submits nothing and prints nothing again.
expect_exit 2 "$TP" run --slurm --shared slices --static -j 2 --inputs in.txt -- echo out {}
contains "$err" "holds an earlier job"
expect_exit 0 "$TP" run --slurm --shared slices --resume --static -j 2 -- echo out {}
[ -z "$out" ] || fail "resume of a finished job printed again: $out"
case $err in *submitted*) fail "resume of a finished job submitted: $err" ;; esac
expect_exit 2 "$TP" run --slurm --shared slices --resume -- echo other {}
contains "$err" "the command differs"
# Class confs (the README and man page examples): each slice finds the conf
# of its own hardware class.
expect_exit 0 "$TP" fleet tune -w sleep:ms=2 --budget 4 --min-time 30ms -o fleet
expect_exit 0 "$TP" fleet merge fleet/*.json -o fleet/classes
contains "$out" "merged 2 nodes into 2 classes"
expect_exit 0 "$TP" run --slurm --shared job --confs fleet/classes -- echo {} ::: a b c d
[ "$(echo "$out" | sort | tr '\n' ' ')" = "a b c d " ] || fail "outputs: $out"
for k in 0 1; do
	grep -q "no conf for" job/out/$k.err && fail "slice $k found no class conf: $(cat job/out/$k.err)"
	n=$(cut -d' ' -f1 job/state/$k.nodes)
	c=$(srun -w "$n" --exclusive "$TP" fleet conf-for "$TMPDIR/fleet/classes" "$n")
	[ "$c" = "$TMPDIR/fleet/classes/$(grep "^$n	" fleet/classes/index.tsv | cut -f3)" ] ||
		fail "conf-for $n: '$c', index: $(cat fleet/classes/index.tsv)"
done
grep -q "conf-for '$TMPDIR/fleet/classes'" job/run.sh || fail "run.sh does not look the conf up: $(cat job/run.sh)"
expect_exit 0 "$TP" run --slurm --shared job --resume --confs fleet/classes -- echo {}
contains "$err" "4 inputs: 4 ok"
# Misuse.
expect_exit 2 "$TP" run --slurm -- echo {} ::: a
contains "$err" "missing --shared DIR"
expect_exit 2 "$TP" run --slurm --shared x --joblog j.jsonl -- echo {} ::: a
contains "$err" "--joblog does not apply"
expect_exit 2 "$TP" run --slurm --shared x --slices 0 -- echo {} ::: a
contains "$err" "--slices '0'"
exit 0
