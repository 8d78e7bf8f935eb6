#!/bin/sh
# run --persistent lines: COMMAND starts once per worker slot and answers one
# line per input line; results match a per-input run of the same transform
# (tr, the outside oracle), -k keeps input order, stderr lines carry the slot,
# inputs holding the framing's delimiter are refused, never split.
. "$TP_TESTLIB"
cat > up.sh <<'SH'
echo "start $$" >&2
while IFS= read -r line; do printf '%s\n' "$line" | tr a-z A-Z; done
SH
seq 1 60 | sed 's/^/item/' > in.txt
expect_exit 0 "$TP" run -q -k -j 3 --static --persistent lines --inputs in.txt -- sh up.sh
[ "$out" = "$(tr a-z A-Z < in.txt)" ] || fail "lines results differ from tr: $out"
# One process per slot, not one per input: three start lines, each tagged.
[ "$(grep -c '^\[worker [0-2]\] start [0-9]*$' stderr.txt)" = 3 ] || fail "worker starts: $err"
# Without -k every result still arrives once.
expect_exit 0 "$TP" run -q -j 2 --persistent lines --inputs in.txt -- sh up.sh
[ "$(echo "$out" | sort)" = "$(tr a-z A-Z < in.txt | sort)" ] || fail "unordered results: $out"
# A newline inside an input cannot be framed as a line: that input fails, the others run.
expect_exit 1 "$TP" run -q -k -j 1 --persistent lines -- sh up.sh ::: a "b
c" d
[ "$out" = "A
D" ] || fail "newline input: $out"
contains "$err" "holds a newline"
# Usage errors name the value.
expect_exit 2 "$TP" run --persistent yaml -- sh up.sh ::: a
contains "$err" "unknown framing 'yaml'"
expect_exit 2 "$TP" run --persistent lines -- sh up.sh {} ::: a
contains "$err" "'{}' holds the placeholder '{}'"
expect_exit 2 "$TP" run --persistent lines --shell -- 'sh up.sh' ::: a
contains "$err" "without --shell"
expect_exit 2 "$TP" run --persistent lines -w sleep:ms=1 --count 2
contains "$err" "needs a command"
# A command that cannot run fails its inputs and stops after a few, exit 1.
expect_exit 1 "$TP" run -q -j 1 --persistent lines -- ./no-such-worker ::: a b c d e f g h
contains "$err" "cannot run './no-such-worker'"
exit 0
