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
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --suppressions=$top/tests/valgrind.supp --num-callers=30"
pass=0 failn=0
# check NAME CMD...: runs tunepool CMD under memcheck (its own exit status is
# not judged here, only valgrind's verdict).
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
	else
		echo "ok   valgrind $name (exit $rc, ${secs}s)"
		pass=$((pass + 1))
	fi
}
R="$top/tests/fixtures/results"
check probe probe
check probe-json probe --json --synthetic "pack:2 numa:2 core:4 pu:2"
check probe-xml probe --topology "$top/tests/fixtures/topo-2s64c-smt2-4numa.xml"
check bench bench -w cpu:bytes=4K --count 40 --workers 1,2 --batch 1,4 --strategy thread --repeat 2 --warmup 1 -o b.json --csv b.csv
check bench-exec bench --workers 1,2 --repeat 1 --warmup 0 -o e.json -- true {} ::: a b c d
check tune tune -w sleep:ms=1 --budget 6 --min-time 20ms --max-workers 4 --fresh -q -o t.conf --results t.json
check report report "$R/tune-vm.json" "$R/run-timeline.json" -o rep --format html
check compare compare "$R/cmp-base.json" "$R/cmp-regressed.json"
check compare-json compare "$R/cmp-base.json" "$R/cmp-noise.json" --format json
check export export "$top/tests/golden/export/tunepool.conf" --format slurm
check run run -q -j 2 --joblog j.jsonl --results r.json -w cpu:bytes=1K --count 50
check run-resume run -q -j 2 --joblog j.jsonl --resume -w cpu:bytes=1K --count 60
# exec tasks need pidfd_open, which valgrind 3.19 lacks: this checks the
# error path (exit 3) rather than the tasks.
check run-exec run -q --static -j 2 -- echo {} ::: a b c
echo "valgrind: $pass passed, $failn failed"
[ $failn = 0 ]
