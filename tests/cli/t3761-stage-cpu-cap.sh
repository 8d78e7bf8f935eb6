#!/bin/sh
# run -- WAIT --then CPU: the CPU-bound stage is held at usable CPUs + 1 tasks
# at once, while the wait-bound stage before it goes far past the CPUs.  Each
# task notes how many of its stage run at once (a marker file per running
# task); the decision log of the CPU stage names the guard.
. "$TP_TESTLIB"
cpus=$(nproc)
cap=$((cpus + 1))
# A wait-bound stage wide enough to flood the CPU stage: 24 at once needs
# more than CPUs + 1 workers, so the cap is the only thing that holds stage 2.
cat > count <<'SH'
#!/bin/sh
d=$PWD/peak.$1; shift
mkdir -p "$d"
f=$(mktemp "$d/run.XXXXXX")
ls "$d" | wc -l >> "$d.log"
"$@"
rc=$?
rm -f "$f"
exit $rc
SH
# Mostly CPU (the shell loop, the wrapper's forks) with a short wait: without
# the cap the demand estimate would widen this stage past CPUs + 1.
cat > spin <<'SH'
#!/bin/sh
i=0; while [ $i -lt 9000 ]; do i=$((i + 1)); done
sleep 0.03
echo "$1"
SH
chmod +x count spin
seq 1 80 > in.txt
"$TP" run -q --summary --max-workers 32 --log-decisions d.jsonl -- ./count wait sh -c 'sleep 0.3; echo "$0"' {} \
	--then ./count cpu ./spin {} < in.txt > o.txt 2> e.txt || fail "pipeline: $(cat e.txt)"
[ "$(sort -n o.txt)" = "$(cat in.txt)" ] || fail "outputs: $(cat o.txt)"
pw=$(sort -n peak.wait.log | tail -1)
pc=$(sort -n peak.cpu.log | tail -1)
echo "peak wait-bound stage $pw, CPU-bound stage $pc ($cpus usable CPUs)"
[ "$pc" -le "$cap" ] || fail "the CPU-bound stage ran $pc at once (cap $cap): $(cat e.txt)"
[ "$pw" -gt "$cap" ] || fail "the wait-bound stage stayed at $pw (cap $cap applies only to CPU-bound stages)"
# Each stage logs its own decisions (d.jsonl, d.stage2.jsonl).
[ -s d.jsonl ] && [ -s d.stage2.jsonl ] || fail "per-stage decision logs: $(ls)"
exit 0
