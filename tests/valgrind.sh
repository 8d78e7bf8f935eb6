#!/bin/sh
# valgrind memcheck over probe, bench, a short tune, report, compare, export
# and run: any memory error or definite leak fails (exit 99 from valgrind).
# Usage: tests/valgrind.sh [BUILD_DIR]   (make valgrind; not part of make test)
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-${TP_BUILD:-build}}
case $b in /*) ;; *) b="$top/$b" ;; esac
tp="$b/tunepool"
command -v valgrind >/dev/null || { echo "valgrind: not installed, skipped"; exit 0; }
[ -x "$tp" ] || { echo "valgrind: $tp not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tp-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
# --child-silent-after-fork: a forked child (the guard process that ends the
# tasks if tunepool is killed, fork-started workers) inherits the other
# threads' buffers in flight at the fork, which then read as "definitely
# lost" when it exits; the parent's own leaks are still checked.
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --child-silent-after-fork=yes
	--show-leak-kinds=definite --suppressions=$top/tests/valgrind.supp --num-callers=30"
pass=0 failn=0
# check NAME CMD...: runs tunepool CMD under memcheck (its own exit status is
# not judged here, only valgrind's verdict); with want_rc set, tunepool must
# also exit with it, and with want_out its sorted stdout (lines joined by
# spaces) must be that: see expect.
check() {
	name=$1; shift
	start=$(date +%s)
	(cd "$work" && $vg "$tp" "$@" >"$work/$name.out" 2>"$work/$name.log")
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc = 99 ] || grep -q '^==[0-9]*== ' "$work/$name.log"; then
		echo "FAIL valgrind $name (${secs}s)"
		grep '^==' "$work/$name.log" | head -n 60 | sed 's/^/    /'
		failn=$((failn + 1))
	elif [ -n "$want_rc" ] && [ $rc != "$want_rc" ]; then
		echo "FAIL valgrind $name: exit $rc, wanted $want_rc (${secs}s)"
		grep -v '^--' "$work/$name.log" | head -n 20 | sed 's/^/    /'
		failn=$((failn + 1))
	elif [ -n "$want_out" ] && [ "$(sort "$work/$name.out" | tr '\n' ' ')" != "$want_out" ]; then
		echo "FAIL valgrind $name: printed '$(tr '\n' ' ' < "$work/$name.out")', wanted '$want_out' (${secs}s)"
		failn=$((failn + 1))
	else
		echo "ok   valgrind $name (exit $rc, ${secs}s)"
		pass=$((pass + 1))
	fi
}
want_rc= want_out=
# expect RC OUT NAME CMD...: check, where tunepool must exit RC and print OUT
# ("" = anything).
expect() {
	want_rc=$1 want_out=$2
	shift 2
	check "$@"
	want_rc= want_out=
}
R="$top/tests/fixtures/results"
check probe probe
check probe-json probe --json --synthetic "pack:2 numa:2 core:4 pu:2"
check probe-xml probe --topology "$top/tests/fixtures/topo-2s64c-smt2-4numa.xml"
check bench bench -w cpu:bytes=4K --count 40 --workers 1,2 --batch 1,4 --strategy thread --repeat 2 --warmup 1 -o b.json --csv b.csv
# Exec tasks run for real: valgrind lacks pidfd_open (ENOSYS), so children
# are watched through the SIGCHLD fallback.
expect 0 "" bench-exec bench --workers 1,2 --repeat 1 --warmup 0 -o e.json -- true {} ::: a b c d
check tune tune -w sleep:ms=1 --budget 6 --min-time 20ms --max-workers 4 --fresh -q -o t.conf --results t.json
check report report "$R/tune-vm.json" "$R/run-timeline.json" -o rep --format html
check compare compare "$R/cmp-base.json" "$R/cmp-regressed.json"
check compare-json compare "$R/cmp-base.json" "$R/cmp-noise.json" --format json
expect 1 "" compare-hyperfine compare "$R/hf-base.json" "$R/hf-new.json"
expect 0 "" model model "$top/tests/fixtures/model/sdm91.csv" --weights absolute --json
expect 0 "" model-hyperfine model "$top/tests/fixtures/model/sdm91-hyperfine.json" --plot m.png
expect 0 "" bench-commands bench --workers 1 --repeat 1 --warmup 0 --command 'true {}' --command ': {}' --prepare true ::: a b
check export export "$top/tests/golden/export/tunepool.conf" --format slurm
check run run -q -j 2 --joblog j.jsonl --results r.json -w cpu:bytes=1K --count 50
check run-resume run -q -j 2 --joblog j.jsonl --resume -w cpu:bytes=1K --count 60
expect 0 "a b c " run-exec run -q --static -j 2 -- echo {} ::: a b c
# a failing task, a crash and a timeout: exit 1, the others still print
expect 1 "1 4 " run-exec-faults run -q --static -j 2 --timeout 2 -- \
	sh -c 'case $1 in 2) exit 3;; 3) kill -SEGV $$;; 5) sleep 30;; esac; echo $1' sh {} ::: 1 2 3 4 5
# grouped output past 1 MiB spills to a temp file and is copied out
expect 0 "" run-exec-spill run -q --static -j 2 --keep-order -- sh -c 'head -c 3000000 /dev/zero' ::: a b
[ "$(wc -c < "$work/run-exec-spill.out")" = 6000000 ] ||
	{ echo "FAIL valgrind run-exec-spill: $(wc -c < "$work/run-exec-spill.out") bytes of 6000000"; failn=$((failn + 1)); }
expect 0 "" bench-process bench -w sleep:ms=1 --count 20 --workers 2 --strategy process --start fork --repeat 1 --warmup 0 -o pf.json
echo "valgrind: $pass passed, $failn failed"
[ $failn = 0 ]
