#!/bin/sh
# run --persistent: a worker that crashes, hangs past --timeout or breaks the
# protocol fails only the input in flight, which --retries runs again on a new
# worker; the others finish on the same workers.  A worker that dies at once
# is restarted with backoff and the run gives up; --resume skips what the
# journal shows finished.
. "$TP_TESTLIB"
cat > w.sh <<'SH'
echo "start $$" >&2
while IFS= read -r x; do
	case $x in
	crash-once) if [ ! -e crashed ]; then : > crashed; exit 9; fi ;;
	crash) kill -SEGV $$ ;;
	hang) sleep 60 ;;
	esac
	echo "did $x"
done
SH
# A crash fails the input in flight only; --retries 1 runs it again and it passes.
expect_exit 0 "$TP" run -q -k -j 2 --static --retries 1 --persistent lines --joblog j1.jsonl -- sh w.sh ::: a crash-once b c
[ "$out" = "did a
did crash-once
did b
did c" ] || fail "crash then retry: $out"
grep '"input":"crash-once"' j1.jsonl | grep -q '"attempt":2' || fail "retry not journaled: $(cat j1.jsonl)"
# A crash without retries: that input fails with the signal, the rest run.
expect_exit 1 "$TP" run -q -k -j 1 --persistent lines --joblog j2.jsonl -- sh w.sh ::: a crash b
[ "$out" = "did a
did b" ] || fail "crash: $out"
contains "$err" "#2 'crash': worker 0 died: killed by signal 11"
grep '"input":"crash"' j2.jsonl | grep -q '"signal":11' || fail "signal not journaled: $(cat j2.jsonl)"
# A hang past --timeout is ended (its whole group) and the worker restarted.
start=$(date +%s)
expect_exit 1 "$TP" run -q -k -j 1 --timeout 1s --persistent lines --joblog j3.jsonl -- sh w.sh ::: a hang b
[ $(( $(date +%s) - start )) -lt 15 ] || fail "the hang was not ended"
[ "$out" = "did a
did b" ] || fail "timeout: $out"
contains "$err" "timed out after 1s"
grep '"input":"hang"' j3.jsonl | grep -q '"status":"timeout"' || fail "timeout not journaled: $(cat j3.jsonl)"
# json: an answer that is not JSON, or names another seq, breaks the protocol.
cat > j.sh <<'SH'
while IFS= read -r rec; do
	seq=${rec#*\"seq\":}; seq=${seq%%,*}
	case $rec in
	*garbage*) echo "not json" ;;
	*wrongseq*) echo '{"seq":999,"ok":true,"result":"x"}' ;;
	*) printf '{"seq":%s,"ok":true,"result":"r%s"}\n' "$seq" "$seq" ;;
	esac
done
SH
expect_exit 1 "$TP" run -q -k -j 1 --persistent json -- sh j.sh ::: a garbage b wrongseq c
[ "$out" = "r1
r3
r5" ] || fail "protocol errors: $out"
contains "$err" "#2 'garbage': worker 0 broke the json protocol: answer 'not json' is not a JSON object"
contains "$err" "#4 'wrongseq': worker 0 broke the json protocol"
# A worker that dies before answering, every time: backoff, then the run stops.
start=$(date +%s)
expect_exit 1 "$TP" run -q -j 2 --persistent lines -- sh -c 'echo "no model file" >&2; exit 4' ::: $(seq 1 50)
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the dying worker was retried too long"
contains "$err" "exited 5 times in a row before answering (last: exit status 4: no model file); stopping"
# --resume: inputs the journal shows finished are skipped.
expect_exit 0 "$TP" run -q -k -j 2 --persistent lines --joblog r.jsonl -- sh w.sh ::: a b
expect_exit 0 "$TP" run -q -k -j 2 --persistent lines --joblog r.jsonl --resume -- sh w.sh ::: a b c d
[ "$out" = "did c
did d" ] || fail "resume: $out"
# The journal hash covers the framing: exec mode of the same command skips nothing.
expect_exit 0 "$TP" run -q -k -j 1 --joblog r.jsonl --resume -- echo did {} ::: a
[ "$out" = "did a" ] || fail "exec after persistent resumed: $out"
# Ctrl-C: the workers are ended (the hanging one too), the journal keeps
# what finished, exit 130; a resume runs the rest.  (A task is its command,
# input and input line, so the resume keeps a, b and c on their lines.)
"$TP" run -q -k -j 2 --static --persistent lines --joblog s.jsonl -- sh w.sh ::: a b c hang >o1.txt 2>e1.txt &
pid=$!
i=0
while [ "$(cat s.jsonl 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted run exited $rc: $(cat e1.txt)"
grep -q '"input":"hang"' s.jsonl && fail "the interrupted input was journaled: $(cat s.jsonl)"
expect_exit 0 "$TP" run -q -k -j 2 --persistent lines --joblog s.jsonl --resume -- sh w.sh ::: a b c d
contains "$out" "did d"
python3 - s.jsonl <<'PY' || fail "journal after resume: $(cat s.jsonl)"
import json, sys
seen = [json.loads(l)["input"] for l in open(sys.argv[1])]
assert sorted(seen) == ["a", "b", "c", "d"], seen
PY
exit 0
