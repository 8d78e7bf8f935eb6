#!/bin/sh
# Repeated input lines are distinct tasks: with inputs x x x where the second
# copy failed, --resume-failed reruns that copy and no other, and --resume
# reruns nothing.  Inputs that are not UTF-8 are journaled losslessly
# ("input_hex" holds every byte), each with its own record.
. "$TP_TESTLIB"
cmd() { "$TP" run -q -j 1 --joblog j.jsonl "$@" -- sh -c \
	'echo "$1" >> ran.txt; [ "$1" != 2 ] || [ -e fixed ]' sh {#} {} ::: x x x; }
cmd; rc=$?
[ "$rc" = 1 ] || fail "the first run exited $rc, wanted 1 (copy 2 fails)"
[ "$(cat ran.txt | tr '\n' ' ')" = "1 2 3 " ] || fail "the first run ran: $(cat ran.txt)"
: > ran.txt
touch fixed
cmd --resume-failed || fail "--resume-failed exited $?"
[ "$(cat ran.txt | tr '\n' ' ')" = "2 " ] || fail "--resume-failed reran copies '$(cat ran.txt | tr '\n' ' ')', wanted '2 '"
: > ran.txt
cmd --resume || fail "--resume exited $?"
[ ! -s ran.txt ] || fail "--resume reran copies '$(cat ran.txt | tr '\n' ' ')' of a finished run"

# Non-UTF-8 inputs keep their bytes.
printf 'caf\351\n\377\376\nok\n\303(\n' > latin.txt
rm -f j.jsonl
expect_exit 0 "$TP" run -q -j 1 --joblog j.jsonl --inputs latin.txt -- sh -c 'echo ran' sh {}
python3 - j.jsonl latin.txt <<'PY' || fail "the journal lost the bytes of a non-UTF-8 input"
import json, sys
want = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
got = []
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    got.append(bytes.fromhex(r["input_hex"]) if "input_hex" in r else r["input"].encode())
assert sorted(got) == sorted(want), (got, want)
PY
# A resume recognises each of them (same bytes, same task).
expect_exit 0 "$TP" run -q -j 1 --joblog j.jsonl --resume --inputs latin.txt -- sh -c 'echo ran' sh {}
[ -z "$out" ] || fail "--resume reran non-UTF-8 inputs: $out"
exit 0
