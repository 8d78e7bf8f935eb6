#!/bin/sh
# history on bad input: a corrupt, truncated or foreign database, one of a
# newer schema, a locked one, a malformed file among good ones, and a crash
# in the middle of an add: each a clear error, and no partial rows.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is not installed"
GEN="$FIXTURES/history/gen.py"
python3 "$GEN" g 40 --seed 4
runs() { sqlite3 "$1" 'SELECT count(*) FROM tp_runs'; }

# Not a database at all.
head -c 8192 /dev/urandom >junk.db
expect_exit 2 "$TP" history list --db junk.db
contains "$err" "cannot open 'junk.db'"
contains "$err" "corrupt or truncated, or not a SQLite database"

# A real history truncated to half: an error, never a silent short list.
expect_exit 0 "$TP" history add --db t.db g/*.json
size=$(wc -c <t.db)
[ "$size" -gt 65536 ] || fail "history too small to truncate: $size"
rm -f t.db-wal t.db-shm
truncate -s $((size / 2)) t.db
expect_exit 2 "$TP" history list --db t.db
contains "$err" "'t.db'"
contains "$err" "malformed"

# Another program's database is not taken over.
sqlite3 other.db 'CREATE TABLE accounts (id INTEGER); INSERT INTO accounts VALUES (1);'
expect_exit 2 "$TP" history add --db other.db g/run-00001.json
contains "$err" "it is a database of something else"
[ "$(sqlite3 other.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'tp_%'")" = 0 ] ||
	fail "tables added to a foreign database"

# Written by a newer tunepool: refused, untouched.
expect_exit 0 "$TP" history add --db new.db g/run-00001.json
sqlite3 new.db 'UPDATE tp_schema SET version = 7'
expect_exit 2 "$TP" history add --db new.db g/run-00002.json
contains "$err" "written by a newer tunepool (history schema 7; this one reads up to 2)"
[ "$(runs new.db)" = 1 ] || fail "a newer database was written to"

# A malformed file among good ones: nothing stored.
expect_exit 0 "$TP" history add --db m.db g/run-00001.json
printf '{"schema": 1, "tool": {"name": "tunepool", "version": "0.1.0"}, "workload": {"name": "cpu"}, "trials": [{"config": {"workers": "x"}}]}' >bad.json
expect_exit 2 "$TP" history add --db m.db g/run-00002.json bad.json g/run-00003.json
contains "$err" "'bad.json'"
contains "$err" "trials[0]"
head -c 100 g/run-00004.json >cut.json
expect_exit 2 "$TP" history add --db m.db g/run-00002.json cut.json
contains "$err" "cannot read 'cut.json': line 1"
[ "$(runs m.db)" = 1 ] || fail "partial add: $(runs m.db) runs"
printf '{"results": [{"command": "sleep 1", "times": [0.5, -1]}]}' >hfbad.json
expect_exit 2 "$TP" history add --db m.db g/run-00002.json hfbad.json
contains "$err" "cannot read 'hfbad.json': results[0].times[1] is not a positive number"
printf '{"results": [{"command": "sleep 1"}]}' >hfbad.json
expect_exit 2 "$TP" history add --db m.db hfbad.json
contains "$err" "results[0].times is not a non-empty array"
expect_exit 2 "$TP" history add --db m.db missing.json
contains "$err" "cannot read 'missing.json': No such file or directory"

# The same content twice in one add: an error, or stored once with --skip-existing.
cp g/run-00006.json twin.json
expect_exit 2 "$TP" history add --db m.db g/run-00006.json twin.json
contains "$err" "cannot add 'twin.json': the same results are already stored as run"
[ "$(runs m.db)" = 1 ] || fail "a twin add stored runs"
expect_exit 0 "$TP" history add --db m.db --skip-existing g/run-00006.json twin.json
contains "$out" "added 1 run to 'm.db' (1 already stored, skipped)"
sqlite3 m.db "DELETE FROM tp_trials WHERE run_id = (SELECT id FROM tp_runs WHERE source = 'g/run-00006.json');
	DELETE FROM tp_runs WHERE source = 'g/run-00006.json'"

# Locked by another writer: waits --wait, then fails naming the lock; nothing lost.
( echo '.timeout 5000'; echo 'BEGIN EXCLUSIVE; INSERT INTO tp_schema VALUES (2);'; sleep 4; echo 'ROLLBACK;' ) |
	sqlite3 m.db &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
# Wait until the holder really has the lock (a loaded machine may be slow).
i=0
while sqlite3 -cmd '.timeout 0' m.db 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the sqlite3 shell never took the lock"
	sleep 0.02
done
start=$(date +%s)
expect_exit 3 "$TP" history add --db m.db --wait 1 g/run-00005.json
contains "$err" "the database is locked by another process (waited 1 s)"
[ $(( $(date +%s) - start )) -lt 4 ] || fail "--wait 1 waited too long"
wait $holder
trap - EXIT
expect_exit 0 "$TP" history add --db m.db g/run-00005.json
[ "$(runs m.db)" = 2 ] || fail "after the lock: $(runs m.db) runs"

# Killed while the add's transaction is open: nothing of it is kept, the
# database is intact and the same files add cleanly afterwards.
TP_TEST_HISTORY_STALL=30 "$TP" history add --db m.db g/run-0001*.json g/run-0002*.json \
	>stall.out 2>stall.err &
adder=$!
trap 'kill -9 $adder 2>/dev/null' EXIT
i=0
until grep -q "holding the transaction" stall.err; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "add never reached its commit: $(cat stall.err)"
	sleep 0.1
done
kill -9 $adder
wait $adder 2>/dev/null
trap - EXIT
[ "$(runs m.db)" = 2 ] || fail "a killed add left $(runs m.db) runs"
[ "$(sqlite3 m.db 'PRAGMA integrity_check')" = ok ] || fail "integrity check after the kill"
expect_exit 0 "$TP" history add --db m.db g/run-0001*.json g/run-0002*.json
contains "$out" "added 20 runs"
[ "$(sqlite3 m.db 'SELECT count(*) FROM tp_trials')" = $(( (2 + 20) * 2 )) ] || fail "trial rows"

# Disk full (no room for a byte: ulimit -f 0) during an add: exit 3 naming the
# database, not killed by SIGXFSZ, and what was stored before is intact.
sqlite3 m.db 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
{ sh -c 'ulimit -f 0; exec "$@"' sh "$TP" history add --db m.db g/run-0003*.json 2>&1 >/dev/null
  echo $? >rc.txt; } | cat >stderr.txt
[ "$(cat rc.txt)" = 3 ] || fail "add on a full disk exited $(cat rc.txt): $(cat stderr.txt)"
contains "$(cat stderr.txt)" "'m.db'"
contains "$(cat stderr.txt)" "File too large"
[ "$(runs m.db)" = 22 ] || fail "after the full disk: $(runs m.db) runs"
[ "$(sqlite3 m.db 'PRAGMA integrity_check')" = ok ] || fail "integrity check after the full disk"
exit 0
