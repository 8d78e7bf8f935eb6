#!/bin/sh
# export: every format from a checked-in config; bad configs name file and line.
. "$TP_TESTLIB"
golden="$FIXTURES/../golden/export"
# Every format in the registry, each with its golden file: a new format is
# tested by being listed (and fails here until it has one).
formats=$("$TP" help --list exports) || fail "help --list exports"
[ -n "$formats" ] || fail "no export formats listed"
for f in $formats; do
	[ -f "$golden/$f.out" ] || fail "export format '$f' has no golden file $golden/$f.out"
	expect_exit 0 "$TP" export "$golden/tunepool.conf" --format "$f"
	[ "$out" = "$(cat "$golden/$f.out")" ] || fail "export --format $f differs from $golden/$f.out: $out"
done
expect_exit 0 "$TP" export "$golden/tunepool.conf" -f env -o env.txt
contains "$(cat env.txt)" "TUNEPOOL_WORKERS=5"
expect_exit 0 "$TP" export "$golden/tunepool.conf" -f json
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["run"]["workers"]==5, d'
printf '[run]\nworkers = 4\nbatch = many\n' > bad.conf
expect_exit 2 "$TP" export bad.conf
contains "$err" "'bad.conf': line 3: batch = 'many' is not a number"
expect_exit 2 "$TP" export "$golden/tunepool.conf" --format yml
contains "$err" "unknown export format 'yml'"
expect_exit 2 "$TP" export
expect_exit 2 "$TP" export missing.conf
contains "$err" "missing.conf"
exit 0
