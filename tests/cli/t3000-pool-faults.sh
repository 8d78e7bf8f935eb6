#!/bin/sh
# The pool under every strategy x every fault, through `tunepool bench`:
# a crash, a hang ended by --timeout, a non-zero exit, a retry that succeeds
# on the second attempt.  Built-in workloads take fault options (crash_every,
# hang_every, fail_every, flaky_dir); exec runs shell commands that fail.
. "$TP_TESTLIB"

# bench NAME EXIT ARGS...: one measured run; r-NAME.json holds it.
bench() {
	_name=$1 _want=$2
	shift 2
	expect_exit "$_want" "$TP" bench --repeat 1 --warmup 0 --workers 2 --keep-going \
		-o "r-$_name.json" "$@"
}
# check NAME TASKS FAILURES: the repeat ran TASKS tasks, FAILURES failed.
check() {
	python3 - "r-$1.json" "$2" "$3" <<'PY' || fail "$1: wrong tasks/failures"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["trials"][0]["repeats"][0]
assert (r["tasks"], r["failures"]) == (int(sys.argv[2]), int(sys.argv[3])), r
PY
}

mkdir flaky
for s in thread process:fork process:spawn; do
	strat=${s%%:*}
	start=
	[ "$strat" = process ] && start="--start ${s#*:}"
	tag=$(echo "$s" | tr : -)
	# shellcheck disable=SC2086
	set -- --strategy "$strat" $start

	# crash: a process worker dies of SIGSEGV on tasks 3 and 6 and is
	# replaced; a thread worker cannot crash safely, the task fails instead
	bench "crash-$tag" 1 -w sleep:ms=0,crash_every=3 --count 8 "$@"
	check "crash-$tag" 8 2

	# hang: task 2 waits 30 s; the timeout ends it (a process worker is
	# killed, a thread is abandoned) and the run goes on
	t0=$(date +%s)
	bench "hang-$tag" 1 -w sleep:ms=0,hang_every=2,hang_s=30s --count 3 --timeout 300ms "$@"
	check "hang-$tag" 3 1
	[ $(($(date +%s) - t0)) -lt 20 ] || fail "$s: the hang was not ended by the timeout"

	# non-zero result: tasks 2, 4, 6 fail
	bench "fail-$tag" 1 -w sleep:ms=0,fail_every=2 --count 6 "$@"
	check "fail-$tag" 6 3

	# retry: every first attempt fails, the second succeeds
	rm -f flaky/*
	bench "retry-$tag" 0 -w "sleep:ms=0,flaky_dir=$PWD/flaky" --count 5 --retries 1 "$@"
	check "retry-$tag" 5 0
	[ "$(ls flaky | wc -l)" = 5 ] || fail "$s: each input should have failed once"
done

# exec: the same faults from shell commands ($1 is the input)
bench crash-exec 1 --count 8 -- sh -c 'case $1 in 3|6) kill -SEGV $$;; esac' sh
check crash-exec 8 2
t0=$(date +%s)
bench hang-exec 1 --count 3 --timeout 300ms -- sh -c '[ "$1" != 2 ] || exec sleep 30' sh
check hang-exec 3 1
[ $(($(date +%s) - t0)) -lt 20 ] || fail "exec: the hang was not ended by the timeout"
bench fail-exec 1 --count 6 -- sh -c 'exit $(($1 % 2 == 0))' sh
check fail-exec 6 3
rm -f flaky/*
bench retry-exec 0 --count 5 --retries 1 -- \
	sh -c 'if [ -e "$0/$1" ]; then exit 0; fi; : >"$0/$1"; exit 1' "$PWD/flaky"
check retry-exec 5 0
[ "$(ls flaky | wc -l)" = 5 ] || fail "exec: each input should have failed once"
exit 0
