#!/bin/sh
# bench as hyperfine users expect: several commands in one bench (interleaved,
# same inputs) with how many times as fast the fastest ran; mean +- sd, min
# and max beside the median and CI; --prepare and --cleanup around every run,
# untimed; a failure reason when tasks fail, and a config whose tasks failed
# is never the best.
. "$TP_TESTLIB"

# --prepare and --cleanup run once around every run: 2 configs x (1 warm-up +
# 3 repeats) = 8 each, in order (prepare, the run, cleanup).
expect_exit 0 "$TP" bench --workers 1,2 --repeat 3 --prepare 'echo prepare >> hooks.log' \
	--cleanup 'echo cleanup >> hooks.log' -- sh -c 'echo task >> hooks.log' sh ::: a b
[ "$(grep -c prepare hooks.log)" = 8 ] && [ "$(grep -c cleanup hooks.log)" = 8 ] ||
	fail "hooks ran $(grep -c prepare hooks.log)/$(grep -c cleanup hooks.log) times"
[ "$(uniq hooks.log | tr '\n' ' ' | sed 's/prepare task cleanup //g')" = "" ] ||
	fail "hooks out of order: $(uniq hooks.log | tr '\n' ' ')"
head -1 stdout.txt | grep -q 'mean +- sd .* min .* max' || fail "no mean/sd/min/max columns: $out"
# The figures agree with the repeats in results.json.
expect_exit 0 "$TP" bench --workers 1 --repeat 4 -o r.json -w sleep:ms=2 --count 20
row=$(grep '^w=1 b=1 thread' stdout.txt)
want=$(python3 -c "
import json, statistics as s
x = [r['throughput'] for r in json.load(open('r.json'))['trials'][0]['repeats']]
print('%.1f +- %.1f %.1f %.1f' % (s.mean(x), s.stdev(x), min(x), max(x)))")
got=$(echo "$row" | awk '{print $7, $8, $9, $10, $11}')
[ "$got" = "$want" ] || fail "mean +- sd min max: '$got', want '$want' (row: $row)"

# A failing prepare stops the bench: exit 1, the command and its status named.
expect_exit 1 "$TP" bench --workers 1 --repeat 2 --prepare 'exit 3' -- true ::: 1
contains "$err" "--prepare 'exit 3' failed (exit status 3)"

# Failed tasks: the reason (input, status, stderr) is printed, and the config
# that fails fast is not the best.  The task takes a lock for 50 ms: one wide
# it always succeeds; two wide the second of two tasks started together fails
# at once, which makes w=2 look fastest.
cat > locked.sh <<'SHEOF'
mkdir lock 2>/dev/null || { echo "lock busy for $1" >&2; exit 4; }
sleep 0.05
rmdir lock
SHEOF
expect_exit 1 "$TP" bench --workers 1,2 --repeat 2 --keep-going -- sh locked.sh ::: 1 2 3 4 5 6 7 8
echo "$out" | grep '^w=1 b=1 exec' | grep -q '<- best' || fail "w=1 is not the best: $out"
echo "$out" | grep '^w=2 b=1 exec' | grep -q '(tasks failed)' || fail "w=2 not marked failed: $out"
contains "$out" "failures (configs with failed tasks are never the best):"
echo "$out" | grep -q "^  w=2 b=1 exec: [0-9]* of 16 tasks failed; first: input '[0-9]': exit status 4: lock busy for [0-9]" ||
	fail "no failure reason: $out"
# Without --keep-going the error names the first failure too.
expect_exit 1 "$TP" bench --workers 2 --repeat 2 -- sh locked.sh ::: 1 2 3 4
contains "$err" "tasks failed under w=2 b=1 exec (first: input '"
contains "$err" "exit status 4: lock busy for"

# Several commands: interleaved (not all of one, then all of the other), on
# the same inputs, each config once per command, the fastest named.
expect_exit 0 "$TP" bench --workers 1 --repeat 4 -o mc.json --csv mc.csv \
	--command 'echo "slow {}" >> runs.log; sleep 0.05' --command 'echo "fast {}" >> runs.log; sleep 0.01' \
	::: 1 2
blocks=$(awk '{print $1}' runs.log | uniq | wc -l)
[ "$blocks" -ge 4 ] || fail "the commands ran one after the other ($blocks blocks): $(cat runs.log)"
[ "$(grep slow runs.log | awk '{print $2}' | sort | uniq -c | tr -s ' ')" = \
	"$(grep fast runs.log | awk '{print $2}' | sort | uniq -c | tr -s ' ')" ] || fail "inputs differ: $(cat runs.log)"
contains "$out" "w=1 b=1 exec: 'echo \"fast {}\" >> runs.log; sleep 0.01' is the fastest"
echo "$out" | grep -Eq "^  [0-9.]+x \(95% CI [0-9.]+ to [0-9.]+\) as fast as 'echo \"slow" || fail "no ratio: $out"
ratio=$(echo "$out" | sed -n 's/^  \([0-9.]*\)x .*/\1/p')
# 5 nominally; start-up costs of sh on a loaded machine pull it towards 1.
python3 -c "import sys; sys.exit(0 if 1.3 < float('$ratio') < 8 else 1)" || fail "ratio $ratio, want about 5"
[ "$(json_get mc.json "sorted(set(t['config']['command'] for t in d['trials']))")" = \
	"['echo \"fast {}\" >> runs.log; sleep 0.01', 'echo \"slow {}\" >> runs.log; sleep 0.05']" ] ||
	fail "results.json commands: $(cat mc.json | head -c 600)"
head -1 mc.csv | grep -q '^config_workers,config_batch,config_strategy,config_start,config_command,repeat,' ||
	fail "csv header: $(head -1 mc.csv)"
# The results read back: report and compare take them.
expect_exit 0 "$TP" report mc.json -o mc-report
contains "$(cat mc-report/report.md)" "exec: echo"
expect_exit 0 "$TP" compare mc.json mc.json
contains "$out" "over 2 matched configs"
# The README's example, as written.
mkdir data && for i in 1 2 3; do seq 1 3000 > data/f$i; done
expect_exit 0 "$TP" bench --workers 2 --command 'gzip -1 -c {} >/dev/null' --command 'gzip -9 -c {} >/dev/null' ::: data/*
contains "$out" "is the fastest"
expect_exit 2 "$TP" bench --command 'true' --command 'true' ::: 1
contains "$err" "given twice"
expect_exit 2 "$TP" bench --command 'true' -w sleep ::: 1
contains "$err" "give one workload"
exit 0
