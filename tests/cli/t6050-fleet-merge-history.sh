#!/bin/sh
# fleet merge --db: every node's results added to the performance history in
# one transaction, tagged node=NAME and class=FINGERPRINT (SQLite; no Slurm:
# merge runs on result files); a merge run again skips what is stored; a bad
# --db writes nothing; without --db (TUNEPOOL_DB alone) merge stores nothing.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed"
export XDG_CACHE_HOME="$TMPDIR/cache"
expect_exit 0 "$TP" tune -w sleep:ms=1 --budget 2 --min-time 20ms --max-workers 2 \
	-o t.conf --results t.json
mkdir -p r
python3 - <<'PY' || fail "cannot write the node files"
import copy, json
t = json.load(open("t.json"))
for name, fp, f in (("a1", "aaaa", 1.0), ("a2", "aaaa", 1.01), ("b1", "bbbb", 1.5)):
    d = copy.deepcopy(t)
    d["machine"]["fingerprint"] = fp
    for tr in d["trials"]:
        for r in tr["repeats"]:
            r["throughput"] *= f
    json.dump(d, open("r/%s.json" % name, "w"))
PY
count() { "$TP" history list --db h.db --json "$@" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# Without --db nothing is stored, even with TUNEPOOL_DB set.
TUNEPOOL_DB="$PWD/env.db" expect_exit 0 "$TP" fleet merge r/*.json -o c0
[ ! -e env.db ] || fail "fleet merge without --db wrote TUNEPOOL_DB"
contains "$out" "merged 3 nodes into 2 classes"

expect_exit 0 "$TP" fleet merge r/*.json -o classes --db h.db
contains "$out" "merged 3 nodes into 2 classes"
contains "$out" "added 3 runs to 'h.db'"
[ -f classes/aaaa.conf ] && [ -f classes/bbbb.conf ] || fail "class confs missing: $(ls classes)"
[ "$(count)" = 3 ] || fail "want 3 runs: $("$TP" history list --db h.db)"
for n in a1 a2 b1; do
	[ "$(count --tag node=$n)" = 1 ] || fail "node=$n: $("$TP" history list --db h.db --tag node=$n)"
done
expect_exit 0 "$TP" history list --db h.db --tag node=a2
contains "$out" "class=aaaa,node=a2"
[ "$(count --tag class=aaaa)" = 2 ] || fail "class=aaaa: want a1 and a2"
[ "$(count --tag class=bbbb --tag node=b1)" = 1 ] || fail "class=bbbb node=b1"
[ "$(count --tag node=a3)" = 0 ] || fail "node=a3 matched a run"
# The runs are filed under their node's machine class, every repeat kept.
[ "$(sqlite3 h.db "SELECT machine_class FROM tp_runs r JOIN tp_tags g ON g.run_id = r.id WHERE g.key = 'node' AND g.value = 'b1'")" = bbbb ] ||
	fail "b1 not filed under class bbbb"
want=$(json_get r/a1.json 'sum(len(t["repeats"]) for t in d["trials"])')
got=$(sqlite3 h.db "SELECT sum(length(t.throughputs) - length(replace(t.throughputs, ' ', '')) + 1) FROM tp_trials t JOIN tp_tags g ON g.run_id = t.run_id WHERE g.key = 'node' AND g.value = 'a1'")
[ "$got" = "$want" ] || fail "a1: $got repeats stored, $want in the file"

# Merging again after one more node finished: the stored ones are skipped.
python3 -c "import json; d=json.load(open('r/b1.json')); [r.update(throughput=r['throughput']*1.02) for t in d['trials'] for r in t['repeats']]; json.dump(d, open('r/b2.json','w'))"
expect_exit 0 "$TP" fleet merge r/*.json -o classes --db h.db
contains "$out" "added 1 run to 'h.db' (3 already stored, skipped)"
[ "$(count)" = 4 ] && [ "$(count --tag node=b2)" = 1 ] || fail "b2 not added once"

# A bad --db is refused before anything is merged or written.
echo "not a database" > bad.db
expect_exit 2 "$TP" fleet merge r/*.json -o c1 --db bad.db
contains "$err" "bad.db"
[ ! -e c1 ] || fail "confs written although --db was refused"
# A bad node file: nothing merged, nothing stored.
python3 -c "import json; d=json.load(open('r/a1.json')); del d['machine']['fingerprint']; json.dump(d, open('bad-a9.json','w'))"
expect_exit 2 "$TP" fleet merge r/a1.json bad-a9.json -o c2 --db h.db
contains "$err" "machine.fingerprint is missing"
[ "$(count)" = 4 ] || fail "a failed merge stored runs"
expect_exit 2 "$TP" fleet merge r/a1.json -o c3 --db
# The README example, as written there.
ex='tunepool fleet merge fleet/*.json -o fleet/classes --db h.db'
grep -qF "    $ex " "$TP_TOP/README.md" || fail "README.md lacks the example '$ex'"
mkdir fleet && cp r/a1.json r/b1.json fleet/ && python3 -c "import json; d=json.load(open('r/a2.json')); [r.update(throughput=r['throughput']*1.03) for t in d['trials'] for r in t['repeats']]; json.dump(d, open('fleet/a3.json','w'))"
set -- $ex
shift
expect_exit 0 "$TP" "$@"
contains "$out" "added 1 run to 'h.db' (2 already stored, skipped)"
[ "$(count --tag node=a3)" = 1 ] || fail "the README example did not add node a3"
expect_exit 0 "$TP" help fleet
contains "$out" "--db FILE|URL"
exit 0
