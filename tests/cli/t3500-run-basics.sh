#!/bin/sh
# run: placeholders, input sources, grouped output, keep-order, failure summary, bad usage.
. "$TP_TESTLIB"
expect_exit 0 "$TP" run -q -j 2 -- echo x{}y ::: a b c
[ "$(sort stdout.txt | tr '\n' ' ')" = "xay xby xcy " ] || fail "outputs: $out"
printf 'one\ntwo\nthree\n' > in.txt
expect_exit 0 "$TP" run -q -j 2 --inputs in.txt -- echo {#}:{}
[ "$(sort stdout.txt | tr '\n' ' ')" = "1:one 2:two 3:three " ] || fail "--inputs: $out"
printf 'p/q.txt\n' | "$TP" run -q -- echo {.} {/} {//} > o.txt || fail "stdin inputs"
[ "$(cat o.txt)" = "p/q q.txt p" ] || fail "placeholders: $(cat o.txt)"
# Each task's output stays whole: three lines per task, written with pauses.
expect_exit 0 "$TP" run -q -j 4 --shell -- 'for i in 1 2 3; do echo {}-$i; sleep 0.02; done' ::: a b c d
python3 - stdout.txt <<'PY' || fail "interleaved output: $out"
import sys
lines = open(sys.argv[1]).read().split()
assert len(lines) == 12, lines
for k in range(0, 12, 3):
    t = lines[k].split('-')[0]
    assert lines[k:k+3] == [t + '-1', t + '-2', t + '-3'], lines
PY
# --keep-order: input order whatever the finishing order.
expect_exit 0 "$TP" run -q -j 3 --keep-order --shell -- 'sleep 0.{}; echo {}' ::: 3 1 2
[ "$(echo $out)" = "3 1 2" ] || fail "keep-order: $out"
# A failing task: exit 1, a summary naming the input and its error line.
expect_exit 1 "$TP" run -q -j 2 --shell -- 'if [ {} = b ]; then echo broken input >&2; exit 3; fi; echo {}' ::: a b c
contains "$err" "1 of 3 tasks failed"
contains "$err" "'b'"
contains "$err" "exit status 3"
contains "$err" "broken input"
# Bad usage exits 2 naming the value.
expect_exit 2 "$TP" run --halt sometimes -- true ::: a
contains "$err" "sometimes"
expect_exit 2 "$TP" run --timeout abc -- true ::: a
contains "$err" "abc"
expect_exit 2 "$TP" run --resume -- true ::: a
contains "$err" "--joblog"
expect_exit 2 "$TP" run --controller hil -- true ::: a
contains "$err" "did you mean 'hill'"
expect_exit 2 "$TP" run --workers 0 -- true ::: a
expect_exit 2 "$TP" run -j 2
contains "$err" "no command"
expect_exit 0 "$TP" help run
contains "$out" "--log-decisions"
exit 0
