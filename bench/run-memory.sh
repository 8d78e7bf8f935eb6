#!/bin/sh
# bench/run-memory.sh: peak RSS of `tunepool run` over 10^6 streamed inputs
# (a built-in no-op-sized task, so the run is about dispatch and bookkeeping:
# inputs streamed from stdin, journal on, adaptive monitor on).  Median of
# RUNS runs from /usr/bin/time -f %M; goal <= 32 MiB, and flat: about the
# same at N/10 inputs.
#   usage: sh bench/run-memory.sh [RUNS] [N]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
RUNS=${1:-5}
N=${2:-1000000}
[ "$RUNS" -ge 5 ] 2>/dev/null || { echo "run-memory.sh: RUNS must be >= 5, not '$RUNS'" >&2; exit 2; }
[ -x "$TP" ] || { echo "run-memory.sh: build tunepool first ('make'); no '$TP'" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run-memory.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-runmem.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# measure N: runs RUNS times, prints the median peak RSS in KiB on stdout.
measure() {
	n=$1 kb="" i=0
	while [ $i -lt "$RUNS" ]; do
		rm -f "$tmp/j.jsonl"
		start=$(date +%s.%N)
		seq 1 "$n" | /usr/bin/time -f %M -o "$tmp/rss" "$TP" run -q -w cpu:bytes=64 --joblog "$tmp/j.jsonl" >/dev/null 2>"$tmp/err" || {
			echo "run-memory.sh: run failed: $(tail -n 3 "$tmp/err")" >&2; exit 1; }
		end=$(date +%s.%N)
		lines=$(wc -l < "$tmp/j.jsonl")
		[ "$lines" = "$n" ] || { echo "run-memory.sh: journal has $lines records, not $n" >&2; exit 1; }
		r=$(tail -n 1 "$tmp/rss")
		echo "$n inputs, run $((i + 1)): peak RSS $r KiB, $(echo "$end - $start" | bc) s" >&2
		kb="$kb $r"
		i=$((i + 1))
	done
	echo $kb | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
small=$((N / 10))
med=$(measure "$N") || exit 1
med_small=$(measure "$small") || exit 1
echo "run-memory: median peak RSS over $RUNS runs of $N streamed inputs: $med KiB = $(echo "scale=1; $med / 1024" | bc) MiB (goal <= 32 MiB)"
echo "run-memory: flat: $small inputs $med_small KiB, $N inputs $med KiB: x$(echo "scale=2; $med / $med_small" | bc) for 10x the inputs (goal: about 1)"
