#!/bin/sh
# compare as a CI gate: the repeats rule (--min-repeats and the smallest p the
# repeats can reach), workloads that differ (options named; another workload
# is an error without --force), and hyperfine's JSON export as input.
. "$TP_TESTLIB"
R="$FIXTURES/results"
# Keep the first K repeats of every trial of $1 into $2.
cut_repeats() { python3 - "$1" "$2" "$3" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d['trials']:
    t['repeats'] = t['repeats'][:int(sys.argv[3])]
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
}

# 3 and 3 repeats of a 20% drop: the smallest possible p is 2/C(6,3) = 0.1, so
# no verdict; the reason says what it would take.
cut_repeats "$R/cmp-base.json" base3.json 3
expect_exit 0 "$TP" compare base3.json "$R/cmp-few.json"
line=$(echo "$out" | grep 'w=4 b=1 thread')
contains "$line" "inconclusive"
contains "$line" "cannot reach p < 0.05 even when every repeat differs (smallest p 0.1)"
contains "$line" "it takes 5 in new (or 4 on each side)"
# Unchanged configs need no p: their CI lies within the threshold.
echo "$out" | grep 'w=1 b=1 thread' | grep -q unchanged || fail "3/3 unchanged: $out"
# A looser alpha lets the same 3 and 3 repeats decide.
expect_exit 1 "$TP" compare base3.json "$R/cmp-few.json" --alpha 0.11
echo "$out" | grep 'w=4 b=1 thread' | grep -q regressed || fail "alpha 0.11: $out"
# --min-repeats raises the floor: 7 and 3 is then inconclusive, and says so.
expect_exit 0 "$TP" compare "$R/cmp-base.json" "$R/cmp-few.json" --min-repeats 5
contains "$out" "fewer than 5 repeats (base 7, new 3): rerun with at least 5 on each side"
# Below the default floor of 3 nothing is decided.
cut_repeats "$R/cmp-base.json" base2.json 2
expect_exit 0 "$TP" compare base2.json "$R/cmp-few.json"
contains "$out" "fewer than 3 repeats (base 2, new 3)"
expect_exit 2 "$TP" compare "$R/cmp-base.json" "$R/cmp-few.json" --min-repeats 0
contains "$err" "--min-repeats '0'"

# Options that differ are named.
python3 -c "
import json; d = json.load(open('$R/cmp-base.json')); d['workload']['options'] = 'ms=20ms,k=3'
json.dump(d, open('opts.json', 'w'))
d['workload']['name'] = 'sleep'; json.dump(d, open('other.json', 'w'))"
expect_exit 0 "$TP" compare "$R/cmp-base.json" opts.json
contains "$err" "workloads differ: 'cpu' options ms=10ms,k=(unset) (base) vs ms=20ms,k=3 (new)"
contains "$out" "warning: workloads differ: 'cpu' options ms=10ms"
# Another workload is an error unless --force.
expect_exit 2 "$TP" compare "$R/cmp-base.json" other.json
contains "$err" "they measure different workloads, 'cpu' (base) and 'sleep' (new); --force"
expect_exit 0 "$TP" compare "$R/cmp-base.json" other.json --force
contains "$out" "compared because of --force"

# hyperfine exports: each command's times are its repeats, rows named by command.
expect_exit 1 "$TP" compare "$R/hf-base.json" "$R/hf-new.json"
echo "$out" | grep 'zstd -k data.bin' | grep -q regressed || fail "hyperfine zstd: $out"
echo "$out" | grep 'gzip -k data.bin' | grep -q unchanged || fail "hyperfine gzip: $out"
expect_exit 1 "$TP" compare "$R/hf-base.json" "$R/hf-new.json" --format json
[ "$(json_get stdout.txt "[r['command'] + ':' + r['verdict'] for r in d['rows']]")" = \
	"['gzip -k data.bin:unchanged', 'zstd -k data.bin:regressed']" ] || fail "hyperfine json: $out"
# A hyperfine file against a tunepool one measures different things.
expect_exit 2 "$TP" compare "$R/hf-base.json" "$R/cmp-base.json"
contains "$err" "'hyperfine' (base) and 'cpu' (new)"
# Live: hyperfine's own export of a real 5x slowdown is a regression.
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine --runs 6 'sleep 0.01' --export-json hb.json >/dev/null 2>&1 &&
		hyperfine --runs 6 'sleep 0.05' --export-json hn.json >/dev/null 2>&1 ||
		fail "hyperfine did not run"
	expect_exit 1 "$TP" compare hb.json hn.json
	contains "$out" "sleep 0.01 -> sleep 0.05"
	contains "$out" "regressed"
fi
exit 0
