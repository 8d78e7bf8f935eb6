#!/bin/sh
# The journal has one writer: a second run on a journal that a live run
# holds is refused (exit 2) with the holder's pid, and the holder's journal
# is untouched; once it ends the journal is free again.  Each record is one
# write of the whole line, however long (inputs of 100 KB): a reader never
# sees a torn line in the middle of the file.
. "$TP_TESTLIB"
"$TP" run -q -j 1 --joblog j.jsonl -- sh -c 'sleep 0.2' sh ::: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 \
	2>holder.txt &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
i=0
while [ ! -s j.jsonl ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s j.jsonl ] || fail "the first run wrote no record"
expect_exit 2 "$TP" run -q -j 1 --joblog j.jsonl -- true ::: a b c
contains "$err" "j.jsonl"
contains "$err" "pid $holder"
expect_exit 2 "$TP" run -q -j 1 --joblog ./j.jsonl --resume -- true ::: a b c
contains "$err" "in use"
kill -TERM $holder
wait $holder
trap - EXIT
python3 -c '
import json, sys
for l in open("j.jsonl"):
    assert json.loads(l)["input"] in [str(i) for i in range(1, 16)], l
' || fail "the refused runs wrote into the holder's journal"
expect_exit 0 "$TP" run -q -j 1 --joblog j.jsonl -- true ::: a

# Long records: one write(2) each, and the file is whole lines throughout.
python3 -c '
for i in range(30):
    print(chr(97 + i % 26) * (100000 + i))' > big.txt
rm -f j2.jsonl
# (strace cannot trace a sanitizer build reliably: the plain run checks it.)
if [ -z "${TP_SANITIZE-}" ] && command -v strace >/dev/null 2>&1 &&
	strace -f -qq -e trace=none true 2>/dev/null; then
	strace -f -qq -e trace=write -e signal=none -o trace.txt \
		"$TP" run -q -j 4 --joblog j2.jsonl --inputs big.txt -- true {} >/dev/null 2>&1 ||
		fail "run under strace failed"
	# Every journal write starts a record and ends its line.
	python3 - trace.txt <<'PY' || fail "a journal record took more than one write"
import re, sys
n = 0
for l in open(sys.argv[1]):
    m = re.search(r'write\(\d+, "\{\\"seq\\".*?"(?:\.\.\.)?, (\d+)\) = (\d+)', l)
    if m:
        n += 1
        assert m.group(1) == m.group(2), l[:200]
        assert int(m.group(1)) > 100000, l[:200]
assert n == 30, n
PY
else
	"$TP" run -q -j 4 --joblog j2.jsonl --inputs big.txt -- true {} || fail "run with long inputs failed"
fi
python3 -c '
import json
lines = open("j2.jsonl").read().split("\n")
assert lines[-1] == "", "the journal does not end a line"
assert len(lines) == 31, len(lines)
for l in lines[:-1]:
    json.loads(l)' || fail "the journal of long records is not 30 whole lines"
exit 0
