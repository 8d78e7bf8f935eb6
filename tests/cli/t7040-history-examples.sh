#!/bin/sh
# The history examples of README.md, docs/tunepool.1 and `tunepool help
# history`, run as written; and the help itself.
. "$TP_TESTLIB"
command -v python3 >/dev/null || skip "python3 is not installed"
GEN="$FIXTURES/history/gen.py"
python3 "$GEN" g 6 --seed 40
cp g/run-00001.json results.json
expect_exit 0 "$TP" help history
contains "$out" "usage: tunepool history add FILE..."
contains "$out" "--against last:N"
# The examples, in order, exactly as documented.
examples=$("$TP" help history | sed -n 's/^  \(tunepool history [^#]*\).*/\1/p')
[ "$(echo "$examples" | wc -l)" = 4 ] || fail "examples in help: $examples"
for f in g/run-0000[2-5].json; do "$TP" history add --db h.db "$f" >/dev/null || fail "add $f"; done
cp g/run-00006.json new.json
echo "$examples" | while read -r line; do
	sh -c "$(echo "$line" | sed "s|^tunepool|\"$TP\"|")" >ex.out 2>ex.err ||
		fail "example '$line' failed: $(cat ex.err)"
done || exit 1
for doc in "$TP_TOP/README.md" "$TP_TOP/docs/tunepool.1"; do
	sed -n 's/^ *\(tunepool history [^#]*\).*/\1/p' "$doc" | sed 's/\\-/-/g; s/ *$//' |
	while read -r line; do
		echo "$examples" | sed 's/ *$//' | grep -qxF "$line" ||
			fail "'$line' in $(basename "$doc") is not one of the tested examples"
	done || exit 1
done
[ "$("$TP" history list --db h.db --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 5 ] ||
	fail "the examples did not add results.json"
[ -s trend/history.md ] || fail "the report example wrote no trend/history.md"
# The method the help describes is the one the report ran with.
pen=$(sed -n 's/.*penalty \([0-9.]*\) ln(n) per change, at least \([0-9]*\) runs per segment, and a change of at least \([0-9.]*\)%.*/\1 \2 \3/p' trend/history.md)
[ -n "$pen" ] || fail "no method line in the report: $(cat trend/history.md)"
set -- $pen
"$TP" help history | tr '\n' ' ' | grep -q "penalty of $1 ln(n) per change and at least $2 runs per segment" ||
	fail "help does not state penalty $1 and segments of $2"
"$TP" help history | tr '\n' ' ' | grep -q "changes under $3% between" || fail "help does not state $3%"
grep -q "plus $1 ln(n) per change, with at least $2 runs a segment" "$TP_TOP/docs/tunepool.1" ||
	fail "the man page does not state penalty $1"
exit 0
