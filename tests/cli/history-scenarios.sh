# The history's CLI scenarios, sourced by t7000 (SQLite) and t7030 (PostgreSQL)
# with $DB naming the database: add with git metadata and tags, filters of
# list, show, duplicates, check against last:N / commit / branch, report with
# change points on a stepped and a flat history, prune, hyperfine exports.
GEN="$FIXTURES/history/gen.py"
H() { sub=$1; shift; "$TP" history "$sub" --db "$DB" "$@"; }
count() { H list --json "$@" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# --- add inside a git repository: commit and branch come from git.
mkdir repo && (cd repo && git init -q && git -c user.email=t@example.org -c user.name=t \
	commit --allow-empty -qm one) || fail "git init"
commit1=$(cd repo && git rev-parse HEAD) branch1=$(cd repo && git symbolic-ref --short HEAD)
python3 "$GEN" base 12 --seed 1
(cd repo && "$TP" history add --db "$DB" ../base/*.json --tag ci=nightly >../stdout.txt 2>../stderr.txt) ||
	fail "add: $(cat stderr.txt)"
contains "$(cat stdout.txt)" "added 12 runs to"
[ "$(count)" = 12 ] || fail "12 runs expected, got $(count)"
v=$(H list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len({(r["commit"], r["branch"], r["tags"], r["kind"], r["machine_class"]) for r in d}), d[0]["commit"], d[0]["branch"], d[0]["tags"])')
[ "$v" = "1 $commit1 $branch1 ci=nightly" ] || fail "git metadata: $v (want $commit1 $branch1)"

# --- overrides, and the filters of list.
python3 "$GEN" feat 3 --prefix feat --seed 2
expect_exit 0 H add feat/*.json --commit deadbeef01 --branch feature --tag ci=pr --tag os=linux \
	--date 2026-01-02T10:00:00Z
[ "$(count --branch feature)" = 3 ] || fail "--branch feature"
[ "$(count --tag ci=pr --tag os=linux)" = 3 ] || fail "--tag"
[ "$(count --tag ci=nightly)" = 12 ] || fail "--tag ci=nightly"
[ "$(count --commit deadbeef)" = 3 ] || fail "--commit prefix"
[ "$(count --until 2026-01-02)" = 3 ] || fail "--until a date includes that day"
[ "$(count --since 2026-01-03)" = 12 ] || fail "--since"
[ "$(count --machine a1b2c3 --workload cpu:ms=10ms)" = 15 ] || fail "--machine --workload"
[ "$(count --workload cpu)" = 15 ] || fail "--workload NAME"
[ "$(count --workload membw)" = 0 ] || fail "--workload membw"
[ "$(count --limit 4)" = 4 ] || fail "--limit"
expect_exit 0 H list --branch feature
contains "$out" "deadbeef01"
contains "$out" "ci=pr,os=linux"
expect_exit 2 H list --since yesterday
contains "$err" "--since 'yesterday' is not a date"
expect_exit 2 H list --tag nokey
contains "$err" "--tag 'nokey' is not KEY=VALUE"

# --- show: the metadata, the configs, and the stored file itself.
id=$(H list --json --branch feature --limit 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_exit 0 H show "$id"
contains "$out" "commit:    deadbeef01"
contains "$out" "w=4 b=1 thread"
H show "$id" --json >shown.json || fail "show --json"
python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a!=b)" \
	shown.json feat/feat-00003.json || fail "show --json is not the stored file"
expect_exit 2 H show 999999
contains "$err" "no run 999999 in"

# --- the same file twice: an error naming the stored run, nothing added.
expect_exit 2 H add feat/feat-00001.json base/run-00001.json
contains "$err" "already stored as run"
contains "$err" "nothing was added"
[ "$(count)" = 15 ] || fail "a duplicate add changed the count"
python3 "$GEN" extra 1 --prefix extra --seed 3
expect_exit 0 H add --skip-existing base/run-00002.json extra/extra-00001.json
contains "$out" "added 1 run to"
contains "$out" "1 already stored, skipped"
[ "$(count)" = 16 ] || fail "--skip-existing"

# --- check: the CI gate without a baseline file.
python3 "$GEN" slow 1 --prefix slow --seed 99 --level 80
python3 "$GEN" same 1 --prefix same --seed 98
expect_exit 1 H check slow/slow-00001.json
contains "$out" "history: 16 runs (last:20) of cpu:ms=10ms on a1b2c3d4e5f60718"
echo "$out" | grep 'w=1 b=1 thread' | grep -q regressed || fail "w=1 not regressed: $out"
contains "$out" "summary: 2 regressed"
expect_exit 0 H check same/same-00001.json
contains "$out" "summary: 0 regressed, 0 improved, 2 unchanged"
expect_exit 0 H check same/same-00001.json --against last:3
contains "$out" "21/7"
expect_exit 0 H check same/same-00001.json --against "commit:$(echo "$commit1" | cut -c1-8)"
contains "$out" "84/7"
expect_exit 1 H check slow/slow-00001.json --against branch:feature --format json
v=$(python3 -c "import json; d=json.load(open('stdout.txt')); print(sorted({r['verdict'] for r in d['rows']}), d['rows'][0]['base_repeats'])")
[ "$v" = "['regressed'] 21" ] || fail "check --format json: $v"
expect_exit 2 H check same/same-00001.json --against commit:0000000
contains "$err" "no run of commit '0000000'"
expect_exit 2 H check same/same-00001.json --against yesterday
contains "$err" "is not last:N, commit:REV or branch:NAME"
python3 "$GEN" other 1 --prefix other --fingerprint ffff0000ffff0000
expect_exit 0 H check other/other-00001.json
contains "$err" "nothing to judge"
contains "$err" "ffff0000ffff0000"

# --- report: a 20% step at run 16 of 30 is found at its commit; a flat history has none.
python3 "$GEN" step 30 --prefix step --workload cpu:ms=20ms --seed 5 --step 15:0.8 --noise 0.02
python3 "$GEN" flat 30 --prefix flat --workload cpu:ms=30ms --seed 7 --noise 0.03
i=0
for f in step/*.json; do
	i=$((i + 1)); n=$(printf %02d $i)
	H add "$f" --commit "c$n" --branch main --date "2026-02-01T00:00:${n}Z" >/dev/null ||
		fail "add $f"
done
expect_exit 0 H report --workload cpu:ms=20ms -o rep
contains "$out" "rep/history.md: 2 series, 2 change points"
[ "$(grep -c '| c16 |' rep/history.md)" = 2 ] || fail "change not at c16: $(cat rep/history.md)"
grep '| c16 |' rep/history.md | grep -q -- '-2[0-9]\.[0-9]%' || fail "change size: $(cat rep/history.md)"
[ -s rep/series-1.dat ] && [ -s rep/series-1.gp ] || fail "plot files"
grep -q 'set arrow' rep/series-1.gp || fail "change point not marked in the plot"
if command -v gnuplot >/dev/null; then
	ls rep/series-1.png rep/series-1.svg 2>/dev/null | grep -q . || fail "gnuplot drew nothing"
fi
expect_exit 0 H add flat/*.json
expect_exit 0 H report --workload cpu:ms=30ms -o flatrep
contains "$out" "2 series, 0 change points"
contains "$(cat flatrep/history.md)" "No change points."

# --- prune.
expect_exit 2 H prune
contains "$err" "say which runs go"
expect_exit 0 H prune --branch feature --dry-run
contains "$out" "would remove 3 runs"
[ "$(count --branch feature)" = 3 ] || fail "--dry-run removed runs"
expect_exit 0 H prune --branch feature
contains "$out" "removed 3 runs"
[ "$(count --branch feature)" = 0 ] || fail "prune --branch"
expect_exit 0 H prune --workload cpu:ms=20ms --keep-last 10
contains "$out" "removed 20 runs"
[ "$(count --workload cpu:ms=20ms)" = 10 ] || fail "--keep-last 10"
[ "$(count --workload cpu:ms=20ms --since 2026-02-01T00:00:21Z)" = 10 ] || fail "kept the wrong ones"

# --- hyperfine exports, measured by the real hyperfine.
if command -v hyperfine >/dev/null; then
	for k in 1 2; do
		hyperfine --runs 5 --warmup 1 -P n 1 3 'sleep 0.0{n}' --export-json "hf$k.json" \
			>/dev/null 2>&1 || fail "hyperfine"
	done
	expect_exit 0 H add hf1.json hf2.json
	[ "$(count --workload hyperfine)" = 2 ] || fail "hyperfine runs"
	H list --json --workload hyperfine | grep -q '"kind": "hyperfine"' || fail "kind hyperfine"
	expect_exit 0 H check hf2.json --threshold 50%
	contains "$out" "w=3 b=1 exec"
	contains "$out" "5/5"
fi
