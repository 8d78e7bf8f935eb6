#!/bin/sh
# The examples of "Coming from GNU parallel" in README.md and tunepool(1) run
# as written; those marked "# =parallel" (README) give parallel's stdout and
# files, byte for byte.  Both lists are the same examples.
. "$TP_TESTLIB"
export HOME="$TMPDIR/home"
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"
command -v parallel >/dev/null 2>&1 || skip "GNU parallel is not installed"
unset PARALLEL PARALLEL_SHELL
export SHELL=/bin/sh
readme="$TP_TOP/README.md" man="$TP_TOP/docs/tunepool.1"

mkdir fx
printf 'alpha\nbeta\n' > fx/hosts.txt
printf 'k1,v1\nk2,v2\n' > fx/pairs.csv
printf 'log a\n' > fx/a.log
printf 'log b\n' > fx/b.log

# The README's examples: the indented lines of the section.
sed -n '/^## Coming from GNU parallel/,/^## /p' "$readme" | sed -n 's/^    \(tunepool run .*\)$/\1/p' > readme.ex
# The man page's: .B lines of its section, roff escapes undone.
sed -n '/^\.SH COMING FROM GNU PARALLEL/,/^\.SH [A-Z]/p' "$man" | sed -n 's/^\.B \(tunepool run .*\)$/\1/p' |
	sed 's/\\-/-/g; s/\\(rs/\\/g; s/\\e/\\/g' > man.ex
[ "$(wc -l < readme.ex)" -ge 8 ] || fail "README: too few examples: $(cat readme.ex)"
sed 's/ *# =parallel$//' readme.ex | sed 's/  *$//' > readme.plain
sed 's/  *$//' man.ex > man.plain
cmp -s readme.plain man.plain || fail "README and tunepool(1) examples differ: $(diff readme.plain man.plain)"

n=0
while IFS= read -r line; do
	n=$((n + 1))
	cmd=$(printf '%s\n' "$line" | sed 's/ *# =parallel$//')
	args=${cmd#tunepool run }
	rm -rf t p && cp -R fx t && cp -R fx p
	(cd t && eval "\"\$TP\" run -q $args" > ../t.out 2> ../t.err; echo $? > ../t.rc)
	case $line in
	*"# =parallel")
		[ "$(cat t.rc)" = 0 ] || fail "example $n exited $(cat t.rc): $cmd: $(cat t.err)"
		(cd p && eval "parallel $args" > ../p.out 2> ../p.err)
		cmp -s t.out p.out || fail "example $n: stdout differs from parallel's: $cmd: $(cat t.out) vs $(cat p.out)"
		(cd t && find . -type f | sort | xargs md5sum) > t.files
		(cd p && find . -type f | sort | xargs md5sum) > p.files
		cmp -s t.files p.files || fail "example $n: files differ from parallel's: $cmd"
		;;
	*)
		# The others: exit 0, or 1 for the one that halts on a failure.
		case $cmd in *--halt*) want=1 ;; *) want=0 ;; esac
		[ "$(cat t.rc)" = $want ] || fail "example $n exited $(cat t.rc): $cmd: $(cat t.err)"
		;;
	esac
	case $cmd in
	*--joblog-format\ tsv*)
		head -n 1 t/jobs.tsv | grep -q '^Seq	Host	Starttime' || fail "example $n: no tsv joblog"
		[ -f t/a.log.gz ] && [ -f t/b.log.gz ] || fail "example $n: gzip did not run"
		;;
	esac
done < readme.ex
exit 0
