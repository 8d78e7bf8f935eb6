#!/bin/sh
# Outputs never follow a symlink planted at their path (results, CSV, conf,
# exports, reports, the journal): the write is refused with a message and the
# link's target is untouched; files are created mode 0644 (umask 022), also
# when replacing a file of another mode, and no temporary file is left.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
umask 022
echo "precious" > target
# refused WHAT LINK CMD...: LINK -> target is planted, CMD must not write through it.
refused() {
	what=$1 link=$2; shift 2
	rm -f "$link"
	ln -s "$TMPDIR/target" "$link"
	"$@" >stdout.txt 2>stderr.txt
	rc=$?
	[ "$rc" != 0 ] || fail "$what wrote through the symlink '$link' (exit 0)"
	[ "$rc" -lt 128 ] || fail "$what died of signal $((rc - 128))"
	[ "$(cat target)" = precious ] || fail "$what changed the symlink's target: $(cat target)"
	[ -L "$link" ] || fail "$what replaced the symlink '$link'"
	contains "$(cat stderr.txt)" "$link"
	contains "$(cat stderr.txt)" "symbolic link"
	rm -f "$link"
	ls ./*.tmp.* >/dev/null 2>&1 && fail "$what left a temporary file: $(ls ./*.tmp.*)"
	return 0
}
B="--count 4 --workers 1 --repeat 1 --warmup 0"
refused "bench -o" r.json "$TP" bench -w sleep:ms=1 $B -o r.json
refused "bench --csv" r.csv "$TP" bench -w sleep:ms=1 $B --csv r.csv
refused "tune -o" t.conf "$TP" tune -w sleep:ms=1 --budget 4 --min-time 10ms --max-workers 2 -q -o t.conf
refused "tune --results" tr.json "$TP" tune -w sleep:ms=1 --budget 4 --min-time 10ms --max-workers 2 -q \
	-o t2.conf --results tr.json
cp "$TP_TOP/tests/golden/export/tunepool.conf" g.conf
refused "export -o" e.txt "$TP" export g.conf --format env -o e.txt
refused "run --results" rr.json "$TP" run -q -j 1 --results rr.json -- true ::: a
refused "run --joblog" j.jsonl "$TP" run -q -j 1 --joblog j.jsonl -- true ::: a
"$TP" bench -w sleep:ms=1 $B -o base.json >/dev/null 2>&1 || fail "bench for the report"
mkdir rep
refused "report -o" rep/report.md "$TP" report base.json -o rep
# A dangling link is refused too (the write would create its target).
ln -s "$TMPDIR/nowhere" d.json
"$TP" bench -w sleep:ms=1 $B -o d.json >/dev/null 2>stderr.txt && fail "bench -o wrote through a dangling link"
contains "$(cat stderr.txt)" "symbolic link"
[ -e nowhere ] && fail "bench -o created the target of a dangling link"

# Modes: 0644 whatever the old file's mode was.
mode() { stat -c %a "$1"; }
echo old > m.json
chmod 600 m.json
expect_exit 0 "$TP" bench -w sleep:ms=1 $B -o m.json --csv m.csv
[ "$(mode m.json)" = 644 ] || fail "results.json mode $(mode m.json), wanted 644"
[ "$(mode m.csv)" = 644 ] || fail "CSV mode $(mode m.csv), wanted 644"
expect_exit 0 "$TP" export g.conf --format ini -o m.conf
[ "$(mode m.conf)" = 644 ] || fail "exported conf mode $(mode m.conf), wanted 644"
expect_exit 0 "$TP" run -q -j 1 --joblog m.jsonl -- true ::: a
[ "$(mode m.jsonl)" = 644 ] || fail "journal mode $(mode m.jsonl), wanted 644"
ls ./*.tmp.* >/dev/null 2>&1 && fail "a temporary file was left: $(ls ./*.tmp.*)"
exit 0
