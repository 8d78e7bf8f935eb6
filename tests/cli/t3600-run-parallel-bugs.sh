#!/bin/sh
# run, issue 13's bugs, each checked against GNU parallel where it defines the
# answer: a task that cannot start fails at once (journaled, the run ends), -k
# keeps NUL bytes, everything after ::: is inputs, unsupported placeholders are
# usage errors, a slow producer's first line starts at once, and the progress
# line never glues task output to itself.
. "$TP_TESTLIB"
export HOME="$TMPDIR/home"
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"
command -v parallel >/dev/null 2>&1 || skip "GNU parallel is not installed"

# 1. Cannot start: missing program, at -j 1 too (it used to wait forever).
for j in 1 3; do
	expect_exit 1 timeout 20 "$TP" run -q -j $j --joblog j$j.jsonl -- nonexist-tp13 {} ::: a b
	contains "$err" "cannot run 'nonexist-tp13': No such file or directory"
	[ "$(grep -c '"status":"failed"' j$j.jsonl)" = 2 ] || fail "-j $j: not journaled as failed: $(cat j$j.jsonl)"
done
# ... an argument over the kernel's limit (E2BIG), between tasks that run.
python3 -c "print('ok1'); print('x' * 200000); print('ok2')" > big.txt
expect_exit 1 timeout 20 "$TP" run -q -j 1 -k --inputs big.txt -- echo {}
contains "$err" "Argument list too long"
[ "$(cat stdout.txt)" = "$(printf 'ok1\nok2')" ] || fail "E2BIG: the other tasks: $(head -c 200 stdout.txt)"
# ... and a shell string given as one argument now runs through the shell.
expect_exit 0 timeout 20 "$TP" run -q -k 'echo {} | tr a-z A-Z' ::: ab cd
[ "$out" = "$(parallel -k 'echo {} | tr a-z A-Z' ::: ab cd)" ] || fail "shell string: $out"

# ... $PARALLEL_SHELL picks the shell, and bash functions exported with
# export -f run, as in parallel.
expect_exit 0 env PARALLEL_SHELL=/bin/bash "$TP" run -q -k 'echo ${BASH_VERSION:+bash} {}' ::: a
[ "$out" = "bash a" ] || fail "PARALLEL_SHELL=/bin/bash: $out"
expect_exit 0 env PARALLEL_SHELL=/bin/sh "$TP" run -q -k 'echo ${BASH_VERSION:+bash} {}' ::: a
[ "$out" = "a" ] || fail "PARALLEL_SHELL=/bin/sh: $out"
if command -v bash >/dev/null 2>&1; then
	PARALLEL_SHELL=/bin/bash bash -c 'f() { echo "f:$1"; }; export -f f; "$TP" run -q -k f {} ::: a b' > f.out ||
		fail "exported function: $(cat f.out)"
	PARALLEL_SHELL=/bin/bash bash -c 'f() { echo "f:$1"; }; export -f f; parallel -k f {} ::: a b' > f.par
	cmp f.out f.par || fail "exported function: $(cat f.out) vs parallel's $(cat f.par)"
fi

# ... --joblog-format tsv writes parallel's joblog: same header, and the same
# sequence numbers, exit values, signals and bytes received.
expect_exit 1 "$TP" run -q -j 1 --joblog tp.tsv --joblog-format tsv 'echo {}; exit {}' ::: 0 2 0
parallel -j 1 --joblog par.tsv 'echo {}; exit {}' ::: 0 2 0 > /dev/null
[ "$(head -n 1 tp.tsv)" = "$(head -n 1 par.tsv)" ] || fail "tsv joblog header: $(head -n 1 tp.tsv)"
[ "$(cut -f 1,2,5-8 tp.tsv)" = "$(cut -f 1,2,5-8 par.tsv)" ] || fail "tsv joblog: $(cat tp.tsv)"
expect_exit 2 "$TP" run -q --joblog x.tsv --joblog-format tsv --resume echo ::: a
contains "$err" "--resume"

# 2. -k with binary output: the same gzip stream as parallel's, byte for byte.
printf 'alpha\n' > a.txt; printf 'beta\000\001\377\n' > b.txt
"$TP" run -q -k -j 2 -- gzip -c ::: a.txt b.txt > tp.gz || fail "run -k gzip"
parallel -k -j 2 gzip -c ::: a.txt b.txt > par.gz
cmp tp.gz par.gz || fail "-k gzip: the stream differs from parallel's"
gzip -dc tp.gz | cmp - "$(printf 'alpha\nbeta\000\001\377\n' > want.txt; echo want.txt)" ||
	fail "-k gzip: not a valid stream of both inputs"
"$TP" run -q -k -j 3 -- printf 'x\000%s\000\n' ::: 1 2 3 > tp.bin
parallel -k -j 3 printf 'x\\000%s\\000\\n' ::: 1 2 3 > par.bin
cmp tp.bin par.bin || fail "-k NUL bytes: $(od -c tp.bin | head -3)"

# 3. After ::: everything is an input, options or not, with '--' or without.
expect_exit 0 "$TP" run -q -k -- echo ::: -j 5 --bar a
[ "$out" = "$(parallel -k echo ::: -j 5 --bar a)" ] || fail "::: -j 5: $out"
expect_exit 0 "$TP" run -q -k echo ::: -k --halt a
[ "$out" = "$(parallel -k echo ::: -k --halt a)" ] || fail "::: -k --halt: $out"

# 4. Placeholders: unsupported ones are usage errors naming them, and the
# input is never appended after one.
for ph in '{=uc=}' '{+/}' '{##}' '{0}' '{-1}' '{1+.}'; do
	expect_exit 2 "$TP" run -q -- echo "x$ph" ::: a
	contains "$err" "'$ph'"
	[ -z "$out" ] || fail "$ph: ran: $out"
done
# Shell braces are not placeholders.
expect_exit 0 "$TP" run -q -k -- sh -c 'echo ${0} {x,y}' ::: a
[ "$out" = a\ {x,y} ] || fail "shell braces: $out"

# 5. A slow producer: the first task's output comes before the next line.
t0=$(date +%s%N)
{ echo first; sleep 4; echo second; } | "$TP" run -q -j 4 -- echo |
	{ read -r line; date +%s%N > t1; echo "$line" > l1; cat > /dev/null; }
[ "$(cat l1)" = first ] || fail "slow producer: $(cat l1)"
ms=$(( ($(cat t1) - t0) / 1000000 ))
[ "$ms" -lt 3000 ] || fail "slow producer: the first output came after ${ms} ms"

# 6. The progress line: task output starts on a line of its own (the bar is
# blanked before it and drawn again after), stdout and stderr on one file.
"$TP" run --bar -j 1 -- sh -c 'sleep 0.7; echo out{}; echo err{} >&2' ::: 1 2 3 > both.txt 2>&1 ||
	fail "run --bar"
python3 - both.txt <<'PY' || fail "progress glued to output: $(od -c both.txt | head -20)"
import re, sys
data = open(sys.argv[1], 'rb').read()
assert b'workers' in data, data
for m in re.finditer(rb'(out|err)[123]', data):
    before = data[m.start() - 1:m.start()] if m.start() else b'\n'
    assert before in (b'\n', b'\r'), (m.group(), data[max(0, m.start() - 40):m.end()])
PY
# --halt fail=N%: a percentage of all tasks when the total is known: one early
# failure of 100 does not halt fail=5% (it used to, as 1 of 1 finished).
# --static: one task at a time, so "after 5" is exact (an adaptive -j 1
# widens once its first tasks end, and a sixth may finish with the fifth).
expect_exit 1 "$TP" run -q -j 1 --static -k --halt now,fail=5% 'test {} = 1 && exit 1; echo {}' ::: $(seq 1 100)
[ "$(wc -l < stdout.txt)" = 99 ] || fail "--halt fail=5%: ran $(wc -l < stdout.txt) of 99"
expect_exit 1 "$TP" run -q -j 1 --static -k --halt now,fail=5% 'test {} -le 5 && exit 1; echo {}' ::: $(seq 1 100)
[ ! -s stdout.txt ] || fail "--halt fail=5% after 5 of 100 failed: ran $(wc -l < stdout.txt) more"

# The end-of-run summary: --summary on stderr, always in --results.
expect_exit 0 "$TP" run -q --summary --results r.json -j 2 echo ::: a b c
contains "$err" "run: 3 ok, 0 failed"
contains "$err" "width mean"
contains "$err" "workers busy"
[ "$(json_get r.json "d['summary']['ok']")" = 3 ] || fail "results summary: $(cat r.json)"
json_get r.json "d['summary']['width']['peak'] >= 1 and d['summary']['elapsed_s'] > 0" | grep -q True ||
	fail "results summary: $(cat r.json)"
expect_exit 0 "$TP" run -q -j 2 echo ::: a
case $err in *"run: 1 ok"*) fail "a summary without --summary off a terminal" ;; esac
# -j FILE (parallel's procfile): read again when it changes, while tasks run.
echo 1 > procs
( sleep 1.5; echo 3 > procs ) &
changer=$!
expect_exit 0 "$TP" run -q -j procs 'mkdir -p r; touch r/{}; ls r | wc -l >> conc; sleep 0.5; rm r/{}' ::: $(seq 1 12)
wait $changer
[ "$(head -n 2 conc | sort -u)" = 1 ] || fail "-j FILE: the first tasks ran $(head -n 2 conc | tr '\n' ' ') at once, wanted 1"
[ "$(sort -n conc | tail -n 1)" = 3 ] || fail "-j FILE: never 3 at once after the change: $(tr '\n' ' ' < conc)"
echo 'many' > procs
expect_exit 2 "$TP" run -q -j procs echo ::: a
contains "$err" "'many'"
# --strategy and --start on run (the fork warning's advice works), checked
# against the strategy table.
expect_exit 0 "$TP" run -q -w sleep:ms=1 --count 4 --strategy process --start spawn
expect_exit 2 "$TP" run -q -w sleep:ms=1 --count 4 --strategy proces
contains "$err" "did you mean 'process'"
expect_exit 2 "$TP" run -q -w sleep:ms=1 --count 4 --strategy process --start forkk
contains "$err" "'forkk'"
exit 0
