#!/bin/sh
# run as a drop-in for everyday GNU parallel use: a table of cases, each run
# through `parallel` and `tunepool run -q` in twin folders on the same inputs,
# comparing stdout bytes, stderr bytes, the exit code and the files created.
#   same: all four are equal.
#   doc:  a documented difference ("Coming from GNU parallel" in tunepool(1)):
#         stdout and files equal; exit 0 where parallel's is 0, else 1 (not
#         parallel's count of failures); stderr is tunepool's own summary.
#   out:  stdout and files equal; the exit status differs too (parallel exits
#         101 after --halt done=N; tunepool 0 when no task failed).
#   usage: both refuse it (parallel: some failure; tunepool: 2, bad usage).
# TP_COMPAT_LIST=1 prints the table (name, kind) instead of failing fast.
. "$TP_TESTLIB"
export HOME="$TMPDIR/home"
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"
command -v parallel >/dev/null 2>&1 || skip "GNU parallel is not installed"
unset PARALLEL PARALLEL_SHELL
export SHELL=/bin/sh

# The fixture folder both tools start from.
mkdir fx fx/dir
printf 'x\ny\n' > fx/f1.txt
printf '2\n' > fx/procs.txt
printf '1\n2\n' > fx/f2.txt
printf 'a,b\nc,d\ne,f,g\n' > fx/csv.txt
printf 'a\tb\nc\td\n' > fx/tsv.txt
printf 'one\000two words\000line\nbreak\000' > fx/nul.txt
printf 'l1\n\nl3 with  spaces\nlast-no-newline' > fx/lines.txt
printf 'alpha\n' > fx/a.txt
printf 'beta\000\377\n' > fx/b.txt
python3 -c "print('L' * 50000)" > fx/long.txt
# A command without shell syntax in its words: parallel joins the words of an
# argv-form command into a shell line, tunepool execs them as they are.
printf '#!/bin/sh\nfor a; do printf "[%%s]\\n" "$a"; done\n' > fx/show
chmod +x fx/show
cat > fx/awkward.txt <<'AWK'
a b  c
it's
"double"
$HOME and $(date) and `id`
back\slash\\n
-n
--help
ünïcödé 😀
*.txt
	tab	lead
;|&><
AWK
printf 'trailing space \n' >> fx/awkward.txt

# tpx: tunepool-only options for the cases that follow (-j N is where an
# adaptive pool starts; the --halt cases count on -j1 holding, as parallel's).
n=0 failed=0 tpx=
# c KIND STDIN ARGS...: one case; STDIN a fixture file or '-' (/dev/null).
c() {
	kind=$1 stdin=$2; shift 2
	n=$((n + 1))
	rm -rf p t && cp -R fx p && cp -R fx t
	if [ "$stdin" = - ]; then src=/dev/null; else src="$TMPDIR/fx/$stdin"; fi
	# Side by side: parallel's start-up (perl) is most of the time.
	(cd p && parallel "$@" < "$src" > ../p.out 2> ../p.err; echo $? > ../p.rc) &
	(cd t && "$TP" run -q $tpx "$@" < "$src" > ../t.out 2> ../t.err; echo $? > ../t.rc)
	wait
	why=""
	cmp -s p.out t.out || why="$why stdout"
	(cd p && find . -type f | sort | xargs md5sum) > p.files
	(cd t && find . -type f | sort | xargs md5sum) > t.files
	cmp -s p.files t.files || why="$why files"
	prc=$(cat p.rc) trc=$(cat t.rc)
	case $kind in
	same)
		[ "$prc" = "$trc" ] || why="$why exit($prc/$trc)"
		cmp -s p.err t.err || why="$why stderr"
		;;
	doc)
		want=0; [ "$prc" = 0 ] || want=1
		[ "$trc" = "$want" ] || why="$why exit($prc/$trc)"
		;;
	usage)
		[ "$prc" != 0 ] && [ "$trc" = 2 ] || why="$why exit($prc/$trc)"
		;;
	esac
	if [ -n "${TP_COMPAT_LIST-}" ]; then
		printf '%3d %-4s %s %s\n' "$n" "$kind" "${why:-ok}" "$*"
	elif [ -n "$why" ]; then
		echo "case $n ($kind): differs in$why: parallel $*" >&2
		echo "  parallel: rc $prc: $(head -c 300 p.out | od -c | head -4)" >&2
		echo "  tunepool: rc $trc: $(head -c 300 t.out | od -c | head -4)" >&2
		echo "  parallel stderr: $(head -c 300 p.err)" >&2
		echo "  tunepool stderr: $(head -c 300 t.err)" >&2
		failed=$((failed + 1))
	fi
}

# Placeholders, one source.
c same - -k echo {} ::: a b c
c same - -k echo {.} ::: a.txt b.tar.gz dir/c.d/e .hidden
c same - -k echo {/} ::: /a/b.txt dir/ x /
c same - -k echo {//} ::: /a/b.txt dir/x x /x
c same - -k echo {/.} ::: /a/b.txt dir/c.d/e x.y.z
c same - -k echo {#} {} ::: a b c
c same - -j1 -k echo {%} {} ::: a b c
c same - -k echo x{}y ::: a b
c same - -k echo {} {} ::: a
c same - -k echo pre ::: a b
c same - -k echo {#}-{}-{.} ::: p/q.r
c same - -k echo {foo} ::: a
c same - -k echo {1} {1.} {1/} {1//} {1/.} ::: dir/x.y
# Several sources.
c same - -k echo {1} {2} ::: a b ::: c d
c same - -k echo ::: a b ::: c d
c same - -k echo {} ::: a b ::: c d
c same - -k echo {2} {1} ::: a b ::: 1 2 3
c same - -k echo {1}{2}{3} ::: a ::: b ::: c d
c same - -k echo {3} ::: a ::: b
c same - --link -k echo {1} {2} ::: a b c ::: 1 2 3
c same - --link -k echo ::: a b c ::: 1 2
c same - -k echo {1}{2} ::: a b :::+ 1 2
c same - -k echo {1}{2}{3} ::: a b :::+ 1 2 ::: x y
c same - -k echo :::: f1.txt
c same - -k echo {1}-{2} :::: f1.txt ::: p q
c same - -k echo {1}-{2} :::: f1.txt ::::+ f2.txt
c same - -k echo {1}-{2} :::: f1.txt f2.txt
c same - -k -a f1.txt echo
c same - -k -a f1.txt -a f2.txt echo {1}-{2}
c same - -k echo {1/} {2//} {2/.} ::: dir/a.b ::: x/y/z.w
c same f1.txt -k echo {} :::: -
# -0 and --colsep.
c same nul.txt -0 -k echo
c same - --null -k -a nul.txt echo [{}]
c same csv.txt --colsep , -k echo {2} {1}
c same tsv.txt --colsep '\t' -k echo {2}-{1}
c same csv.txt --colsep , -k echo {}
c same csv.txt --colsep , -k echo
c same - --colsep , -k echo {1} ::: a,b c,d
c same - --colsep '\s+' -k echo {2}={1} ::: 'a  b' 'c d'
c same - --colsep '[,;]' -k echo {1}-{2}-{3} ::: 'a,b;c' 'd;e'
c same - --colsep '\|' -k echo {2} ::: 'x|y' '|z'
c usage - --colsep '(' -k echo ::: a
# Standard input.
c same lines.txt -k echo
c same lines.txt -k echo [{}]
c same f1.txt -j 1 echo {#}
c same long.txt -k 'printf %s {} | wc -c'
# Awkward inputs, argv form (no shell on tunepool's side).
c same awkward.txt -k ./show
c same awkward.txt -k ./show {}
c same awkward.txt -k ./show {} {#}
c same awkward.txt -k ./show x{}y {.} {/}
c same - -k ./show ::: 'a b' "it's" '"q"' '$HOME' 'b\s' -n --help 'ü😀' '*' ''
c same - -k ./show {.} ::: 'sp ace.txt' "q'uote.c"
c same - -k ./show {/} ::: 'd i r/f i.le' '/$x/y'
# Shell strings.
c same - -k 'echo {} | tr a-z A-Z' ::: ab cd
c same - -k 'echo {}; echo {}-again' ::: a b
c same - -k 'x={}; echo ${x}y' ::: a
c same - -k 'echo "$PARALLEL_SEQ"' ::: a b c
c same - -k 'echo {} > {}.out' ::: f1 f2
c same - -k 'printf "%s\n" {}' ::: 'a b' "c'd" '$x'
c same awkward.txt -k 'printf "%s\n" {}'
c same - -k 'echo {1} and {2}' ::: a ::: 'b c'
c same - -k touch {}.done ::: a b
c doc - -k 'test {} = b && exit 3; echo {}' ::: a b c
# Environment.
c same - -k 'echo $PARALLEL_SEQ {}' ::: a b c
c same - -j1 -k 'echo $PARALLEL_JOBSLOT' ::: a b
c same - -j1 -k ./show {#} {%} ::: a b
# Output: grouping, order, tags, bytes.
c same - -k --tag echo x ::: a b
c same - -k --tag echo x ::: a ::: b c
c same - -k --tagstring '{}-t' echo x ::: a b
c same - -j1 -k 'echo out{}; echo err{} >&2' ::: a b
c same - -j 3 -k 'sleep 0.{}; echo {}' ::: 3 1 2
c same - -k "printf 'x\\000y\\n'" ::: a
c same - -k gzip -c ::: a.txt b.txt
c same - -k cat ::: b.txt a.txt
# Exit status: 1 instead of the count of failures.
c doc - -k false ::: a
c doc - -k 'echo {}; exit {}' ::: 0 3 0
c doc - -k 'exit {}' ::: 1 2
c doc - -k nonexist-tp13 ::: a
# --halt, on a width that holds.
tpx=--static
c doc - -j1 -k --halt now,fail=1 'echo {}; exit {}' ::: 0 1 0 0
c doc - -j1 -k --halt soon,fail=1 'echo {}; exit {}' ::: 0 1 0 0
c doc - -j1 -k --halt now,success=1 'echo {}; exit {}' ::: 1 0 1
c out - -j1 -k --halt now,done=2 'echo {}' ::: a b c d
c doc - -j1 -k --halt soon,fail=50% 'echo {}; exit {}' ::: 1 0 0 0
c doc - -j1 -k --halt now,fail=20% 'echo {}; exit {}' ::: 0 1 1 0 0 0 0 0 0 0
tpx=
# Several inputs per command.
c same - -j1 -X -k echo ::: a b c
c same - -j1 -m -k echo ::: a b c
c same - -j1 -X -k echo x{}y ::: a b c
c same - -n 2 -k echo ::: a b c d e
c same - -n 2 -k echo {2}-{1} ::: a b c d
c same - -n 3 -k echo {} ::: 1 2 3 4 5 6 7
c same - -j 2 -X -k echo ::: 1 2 3 4
c same - -j1 -X -k echo {#} ::: a b
# --dry-run.
c same - --dry-run echo {} ::: a b
c same - --dry-run -k echo {} {#} ::: x y z
c same - --dry-run 'echo {} | wc' ::: 'a b'
# Width.
c same - -j 0 -k echo ::: a b c
c same - -j 50% -k echo ::: a b
c same - -j +1 -k echo ::: a b
c same - -j -1 -k echo ::: a b
c same - --jobs 2 -k echo ::: a b
c same - -j procs.txt -k echo ::: a b c
c same - -j 1 echo ::: a b c
# Output modes and start gates.
c same - -j1 -m -k echo x{}y ::: a b c
c same - -j1 -m -k ./show {} ::: a b
c same - -j 2 -k 'echo e{} >&2; sleep 0.{}; echo o{}' ::: 3 1
c same - -j 1 -u 'echo u{}' ::: a b
c same - -j 1 --line-buffer 'echo l{}; echo m{}' ::: a b
c same - -j 2 --delay 0.1 -k echo ::: a b c
c same - -k --memfree 1k echo ::: a b
c same - -k --load 1000 echo ::: a b
c same - -k --nice 3 'nice; true' ::: a
# Everything after ::: is inputs.
c same - -k echo ::: -j 5 -k --halt
c same - -k echo ::: -- a
c same - -k -- echo ::: --tag x
c same - -k echo -n x{} ::: a b
c same - -j 2 -k ./show -n {} ::: -j 3

[ -z "${TP_COMPAT_LIST-}" ] || exit 0
[ "$n" -ge 80 ] || fail "only $n cases"
[ "$failed" = 0 ] || fail "$failed of $n cases differ from GNU parallel"
exit 0
