#!/bin/sh
# history on the default SQLite store: add/list/show/prune/check/report (the
# scenarios shared with PostgreSQL), the default path under XDG_DATA_HOME and
# TUNEPOOL_DB.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v git >/dev/null || skip "git is not installed"
DB="$PWD/h.db"
. "$TP_TOP/tests/cli/history-scenarios.sh"

# WAL mode, and the schema version.
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ] || fail "not in WAL mode"
[ "$(sqlite3 "$DB" 'SELECT version FROM tp_schema')" = 2 ] || fail "schema version"

# The default database lives under XDG_DATA_HOME; TUNEPOOL_DB overrides it.
XDG_DATA_HOME="$PWD/xdg" expect_exit 0 "$TP" history add base/run-00003.json
[ -s xdg/tunepool/history.db ] || fail "no database under XDG_DATA_HOME"
XDG_DATA_HOME="$PWD/xdg" expect_exit 0 "$TP" history list
contains "$out" "cpu:ms=10ms"
TUNEPOOL_DB="$PWD/env.db" expect_exit 0 "$TP" history add base/run-00004.json
contains "$out" "env.db"
[ -s env.db ] || fail "TUNEPOOL_DB not used"
# Results of every kind: a real bench run, and tune and run results.
expect_exit 0 "$TP" bench -w sleep:ms=1 --count 4 --workers 1,2 --repeat 2 --warmup 0 -o real.json
expect_exit 0 "$TP" history add --db kinds.db real.json "$FIXTURES/results/tune-vm.json" \
	"$FIXTURES/results/run-timeline.json"
v=$("$TP" history list --db kinds.db --json | python3 -c 'import json,sys; print(" ".join(sorted(r["kind"] + ":" + r["workload"] + ":" + str(r["configs"]) for r in json.load(sys.stdin))))')
[ "$v" = "bench:sleep:2 run:exec:1 tune:cpu:21" ] || fail "kinds: $v"
fp=$("$TP" probe --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
[ "$("$TP" history list --db kinds.db --json --workload sleep | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["machine_class"])')" = "$fp" ] ||
	fail "a real bench run is not filed under this machine's fingerprint $fp"
expect_exit 0 "$TP" history prune --db kinds.db --all
contains "$out" "removed 3 runs"
[ "$(sqlite3 kinds.db 'SELECT count(*) FROM tp_runs') $(sqlite3 kinds.db 'SELECT count(*) FROM tp_trials')" = "0 0" ] ||
	fail "prune --all left rows"
expect_exit 2 "$TP" history
contains "$err" "history: needs a command: add, list, show, prune, check or report"
expect_exit 2 "$TP" history add --db kinds.db
contains "$err" "history add: needs results files"
expect_exit 2 "$TP" history check --db kinds.db
contains "$err" "history check: needs one results file"
expect_exit 2 "$TP" history list --db kinds.db --against last:3
contains "$err" "history list: unknown option '--against'"
expect_exit 2 "$TP" history frobnicate
contains "$err" "unknown history command 'frobnicate'"
exit 0
