#!/bin/sh
# Process and thread limits narrow the pool as EMFILE does: under a process
# limit (RLIMIT_NPROC), EAGAIN from posix_spawn, fork or pthread_create
# requeues the task, narrows the pool, warns once, and every task finishes
# (exec, process and thread strategies).
. "$TP_TESTLIB"
command -v prlimit >/dev/null 2>&1 || skip "prlimit (util-linux) is not installed"
# Root is exempt from RLIMIT_NPROC: drop to nobody for the limited runs.
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is not installed"
	uid=65534
	AS="setpriv --reuid=$uid --regid=65534 --clear-groups"
	chmod 777 "$TMPDIR"
else
	uid=$(id -u)
	AS=""
fi
# limited N CMD...: CMD with room for N more processes of its user.
limited() {
	n=$(( $(ps -u "$uid" --no-headers 2>/dev/null | wc -l) + $1 )); shift
	$AS prlimit --nproc=$n "$@" >stdout.txt 2>stderr.txt
	rc=$?
	out=$(cat stdout.txt); err=$(cat stderr.txt)
}
# narrowed WHAT: every task ran, one warning.
narrowed() {
	[ "$rc" = 0 ] || fail "$1 under a process limit exited $rc: $err"
	[ "$(echo "$err" | grep -c 'process/thread limit')" = 1 ] ||
		fail "$1: wanted one warning about the process limit: $err"
}
limited 4 "$TP" run -j 8 --static -- sh -c 'echo "$1"; exec sleep 0.05' sh {} ::: $(seq 1 30)
narrowed "run (exec)"
[ "$(echo "$out" | sort -n | tr '\n' ' ')" = "$(seq 1 30 | tr '\n' ' ')" ] ||
	fail "run (exec): not every task ran once: $out"
limited 4 "$TP" run -j 8 --static -w sleep:ms=5 --count 60 --results r.json
narrowed "run (thread)"
[ "$(json_get r.json 'd["trials"][0]["repeats"][0]["tasks"]')" = 60 ] || fail "run (thread): not 60 tasks"
limited 4 "$TP" bench -w sleep:ms=5 --count 40 --strategy process --start fork,spawn --workers 8 \
	--repeat 1 --warmup 0 -o b.json
[ "$rc" = 0 ] || fail "bench (process) under a process limit exited $rc: $err"
contains "$err" "process/thread limit"
python3 -c '
import json, sys
d = json.load(open("b.json"))
assert len(d["trials"]) == 2, d["trials"]
for t in d["trials"]:
    assert t["repeats"][0]["tasks"] == 40 and t["repeats"][0]["failures"] == 0, t
' || fail "bench (process): not every task ran"
exit 0
