#!/bin/sh
# 4 writers adding 250 files each to one SQLite history at once (WAL, busy
# timeout, BEGIN IMMEDIATE): 1,000 runs stored, none twice, nothing lost.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
[ -n "${TP_SANITIZE-}" ] && PER=50
DB="$PWD/c.db"
export DB
. "$TP_TOP/tests/cli/history-concurrency.sh"
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM tp_trials')" = $((8 * PER)) ] || fail "trial rows"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity check"
exit 0
