#!/bin/sh
# history on a real PostgreSQL that this test starts itself (initdb in a
# private folder, Unix socket only, port 47230 of issue 18's range, stopped by
# pid): the SQLite scenarios, 4 concurrent writers, a newer schema, no
# server, and the server going away in the middle of an add.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v git >/dev/null || skip "git is not installed"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || skip "the PostgreSQL server is not installed (apt-get install postgresql)"
PORT=47230
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || skip "no postgres user to run the server as (the server refuses root)"
	as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
	as_pg() { "$@"; }
fi
pgdir=$(mktemp -d /tmp/tp-t7030.XXXXXX) || fail "mktemp"
chmod 755 "$pgdir"
mkdir "$pgdir/data" "$pgdir/sock"
[ "$(id -u)" = 0 ] && chown -R postgres "$pgdir"
pid=""
start_pg() {
	as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -t 30 \
		-o "-p $PORT -k $pgdir/sock -c listen_addresses='' -c fsync=off" start >/dev/null ||
		fail "cannot start PostgreSQL: $(tail -n 5 "$pgdir/log")"
	pid=$(head -n 1 "$pgdir/data/postmaster.pid")
}
# stop_pg SIGNAL: INT is a fast shutdown, QUIT an immediate one (a crash).
stop_pg() {
	[ -n "$pid" ] || return 0
	kill "-$1" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	pid=""
}
cleanup() { stop_pg INT; rm -rf "$pgdir"; }
trap cleanup EXIT
as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres >"$pgdir/initdb.log" 2>&1 ||
	fail "initdb: $(tail -n 5 "$pgdir/initdb.log")"
start_pg
url() { echo "postgresql://postgres@/$1?host=$pgdir/sock&port=$PORT"; }
psql_() { db=$1; shift; "$pgbin/psql" -X -q -At -h "$pgdir/sock" -p "$PORT" -U postgres -d "$db" -c "$@"; }
for d in hist conc gone newer fleet; do
	psql_ postgres "CREATE DATABASE $d" || fail "createdb $d"
done

# The scenarios of t7000, on PostgreSQL.
DB=$(url hist)
. "$TP_TOP/tests/cli/history-scenarios.sh"
[ "$(psql_ hist 'SELECT version FROM tp_schema')" = 2 ] || fail "schema version in PostgreSQL"
expect_exit 0 "$TP" history list --db "postgresql://postgres:secret@/hist?host=$pgdir/sock&port=$PORT" --limit 1
TUNEPOOL_DB="$DB" expect_exit 0 "$TP" history list --workload cpu --limit 1
contains "$out" "cpu:ms="

# fleet merge --db writes the nodes' results to PostgreSQL, tagged (issue 18b).
mkdir fleetr
for n in a1 a2 b1; do
	# each node's own figures (identical files would be one run)
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['machine']['fingerprint']=sys.argv[2]; [r.update(throughput=r['throughput']*(1+0.01*int(sys.argv[4]))) for t in d['trials'] for r in t['repeats']]; json.dump(d, open(sys.argv[3], 'w'))" \
		"$FIXTURES/results/tune-vm.json" "fp${n%?}" "fleetr/$n.json" "${n#?}" || fail "node file $n"
done
expect_exit 0 "$TP" fleet merge fleetr/*.json -o fleetc --db "$(url fleet)"
contains "$out" "added 3 runs"
expect_exit 0 "$TP" history list --db "$(url fleet)" --tag node=a2
contains "$out" "class=fpa,node=a2"
[ "$(psql_ fleet "SELECT count(*) FROM tp_tags WHERE key = 'class' AND value = 'fpa'")" = 2 ] ||
	fail "class tags in PostgreSQL"

# 4 concurrent writers.
t0=$(date +%s)
[ -n "${TP_SANITIZE-}" ] && PER=50
DB=$(url conc)
export DB
mkdir conc && cd conc || fail "mkdir"
. "$TP_TOP/tests/cli/history-concurrency.sh"
cd ..
echo "concurrency: $(( $(date +%s) - t0 )) s"
[ "$(psql_ conc 'SELECT count(DISTINCT content_hash) FROM tp_runs')" = $((4 * PER)) ] || fail "distinct runs"

# A database of a newer tunepool is refused.
expect_exit 0 "$TP" history add --db "$(url newer)" base/run-00001.json
psql_ newer 'UPDATE tp_schema SET version = 9'
expect_exit 2 "$TP" history add --db "$(url newer)" base/run-00002.json
contains "$err" "written by a newer tunepool (history schema 9"
[ "$(psql_ newer 'SELECT count(*) FROM tp_runs')" = 1 ] || fail "a newer database was written to"

# The server goes away while an add's transaction is open: a clear error
# (exit 3), nothing of that add kept; after a restart the same add works.
expect_exit 0 "$TP" history add --db "$(url gone)" base/run-00001.json
: >gone.err
TP_TEST_HISTORY_STALL=3 "$TP" history add --db "$(url gone)" base/run-0000[2-9].json base/run-0001*.json \
	>gone.out 2>gone.err &
adder=$!
i=0
until grep -q "holding the transaction" gone.err; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "add never reached its commit: $(cat gone.err)"
	sleep 0.1
done
stop_pg QUIT
wait $adder
rc=$?
[ $rc = 3 ] || fail "add exited $rc when the server went away; stderr: $(cat gone.err)"
contains "$(cat gone.err)" "lost the connection to 'postgresql://postgres@/gone?host="
expect_exit 3 "$TP" history list --db "$(url gone)"
contains "$err" "cannot connect to 'postgresql://postgres@/gone"
start_pg
[ "$(psql_ gone 'SELECT count(*) FROM tp_runs')" = 1 ] || fail "partial rows after the server went away"
[ "$(psql_ gone 'SELECT count(*) FROM tp_trials')" = 2 ] || fail "partial trial rows"
expect_exit 0 "$TP" history add --db "$(url gone)" base/run-0000[2-9].json base/run-0001*.json
contains "$out" "added 11 runs"
exit 0
