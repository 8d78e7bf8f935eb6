#!/bin/sh
# Paths that name the same file are refused up front (exit 2, both named),
# by identity (device and inode), not by name: ./x, a hard link, a symlink to
# an input, and two spellings of a path that does not exist yet all alias.
# Nothing runs and the files are unchanged.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
printf 'a\nb\n' > in.txt
ln in.txt hard.txt
ln -s in.txt link.txt
mkdir sub
cp "$TP_TOP/tests/golden/export/tunepool.conf" g.conf
cp g.conf g.ref
# aliased WHAT1 WHAT2 CMD...: refused with exit 2 naming both options.
aliased() {
	w1=$1 w2=$2; shift 2
	rm -f ran
	"$@" >stdout.txt 2>stderr.txt
	rc=$?
	err=$(cat stderr.txt)
	[ $rc = 2 ] || fail "'$*' exited $rc, wanted 2: $err"
	contains "$err" "$w1"
	contains "$err" "$w2"
	contains "$err" "same file"
	[ -e ran ] && fail "'$*' ran a task before refusing"
	cmp -s in.txt hard.txt && [ "$(cat in.txt)" = "$(printf 'a\nb')" ] || fail "'$*' changed the inputs"
	return 0
}
aliased --inputs --joblog "$TP" run -q --inputs in.txt --joblog ./in.txt -- touch ran
aliased --inputs --joblog "$TP" run -q --inputs link.txt --joblog hard.txt -- touch ran
aliased --inputs --results "$TP" run -q --inputs in.txt --results sub/../in.txt -- touch ran
aliased --joblog --results "$TP" run -q --joblog new.jsonl --results ./new.jsonl -- touch ran ::: a
aliased --joblog --log-decisions "$TP" run -q --joblog sub/x.jsonl --log-decisions "$TMPDIR/sub/x.jsonl" \
	-- touch ran ::: a
[ -e new.jsonl ] || [ -e sub/x.jsonl ] && fail "a refused run created its journal"
aliased --config --results "$TP" run -q --config g.conf --results ./g.conf -- touch ran ::: a
aliased --inputs -o "$TP" bench --inputs in.txt -o hard.txt --workers 1 --repeat 1 -- touch ran {}
aliased -o --csv "$TP" bench -w sleep:ms=1 --count 2 -o r.out --csv ./r.out --workers 1 --repeat 1
aliased -o --results "$TP" tune -w sleep:ms=1 --budget 2 -q -o t.out --results sub/../t.out
aliased CONFIG -o "$TP" export g.conf -o ./g.conf
cmp -s g.conf g.ref || fail "export -o over its own CONFIG changed it"
# Distinct files are fine, and /dev/null may be named twice.
expect_exit 0 "$TP" run -q --joblog /dev/null --results /dev/null -- true ::: a
expect_exit 0 "$TP" run -q --inputs in.txt --joblog j.jsonl --results r.json -- true {}
exit 0
