#!/bin/sh
# Reports: report.md and every gnuplot script match the golden files for the
# checked-in results fixtures.  gnuplot is kept out of PATH so the output does
# not depend on it; TP_UPDATE_GOLDEN=1 rewrites the golden files instead.
. "$TP_TESTLIB"
R="$FIXTURES/results"
G="$TP_TOP/tests/golden/report"

check() {	# check NAME FILES...: compares out-NAME/F with golden/NAME/F
	name=$1; shift
	for f in "$@"; do
		[ -f "out-$name/$f" ] || fail "report $name did not write $f"
		if [ "${TP_UPDATE_GOLDEN:-}" = 1 ]; then
			mkdir -p "$G/$name" && cp "out-$name/$f" "$G/$name/$f"
			continue
		fi
		diff -u "$G/$name/$f" "out-$name/$f" >diff.txt ||
			fail "$name/$f differs from the golden file:
$(head -n 40 diff.txt)"
	done
}

# A tuning run on a VM: model in words, near-equivalents, oversubscription,
# throttling, a noisy trial; four plots.
expect_exit 0 env PATH=/nonexistent "$TP" report "$R/tune-vm.json" -o out-tune-vm
contains "$err" "gnuplot was not found in PATH"
check tune-vm report.md scaling.gp heatmap.gp efficiency.gp latency.gp \
	scaling.dat heatmap.dat efficiency.dat latency.dat
md=$(cat out-tune-vm/report.md)
contains "$md" "contention σ = 0.04 limits speed-up to 25×"
contains "$md" "coherency κ = 0.001 puts the peak at 31 workers"
contains "$md" "oversubscribed"
contains "$md" "40× the context switches per task of 1 worker"
contains "$md" "cgroup throttling seen"
contains "$md" "noisy: \`w=64 b=1 thread\`"
contains "$md" "virtual machine without hardware counters"
contains "$md" "gnuplot was not found in PATH"
contains "$md" "**\`w=32 b=16 thread\`** for throughput"
contains "$md" "\`w=32 b=64 thread\`: median"

# A bench run with PAPI presets: IPC and LLC misses.
expect_exit 0 env PATH=/nonexistent "$TP" report "$R/bench-presets.json" -o out-bench-presets
check bench-presets report.md scaling.gp efficiency.gp
md=$(cat out-bench-presets/report.md)
contains "$md" "| IPC | LLC misses/task |"
contains "$md" "IPC falls from 2 at 1 worker to 0.5 at 8"

# A run with a monitor timeline.
expect_exit 0 env PATH=/nonexistent "$TP" report "$R/run-timeline.json" -o out-run-timeline
check run-timeline report.md timeline.gp timeline.dat
contains "$(cat out-run-timeline/report.md)" "No end-of-run summary: this file was written before"

# A real run's results (run-summary.json: tunepool run --workers 2 --max-workers 8
# --interval 100ms --results F -- sh -c 'sleep 0.05; test $(( $1 % 50 )) -ne 0'
# sh ::: $(seq 150)): its end-of-run summary as a table.
expect_exit 0 env PATH=/nonexistent "$TP" report "$R/run-summary.json" -o out-run-summary
check run-summary report.md timeline.gp timeline.dat latency.gp latency.dat
md=$(cat out-run-summary/report.md)
contains "$md" "| tasks | 147 ok, 3 failed | 2% of the tasks failed"
contains "$md" "| width (workers) | mean 2.2, peak 4 | from 2 to 2 workers (lowest 1) in 6 changes"
contains "$md" "| CPU used by the tasks | 3% of 2 usable CPUs | the CPUs were mostly idle"
contains "$md" "| worker efficiency | 100% busy | the workers were kept busy"

# Several files in one report, HTML as well.
expect_exit 0 env PATH=/nonexistent "$TP" report "$R/tune-vm.json" "$R/run-timeline.json" \
	-o both --format html
[ -f both/report.md ] && [ -f both/report.html ] || fail "html report missing"
[ -f both/r1-scaling.gp ] && [ -f both/r2-timeline.gp ] || fail "per-file plot prefixes missing"
html=$(cat both/report.html)
contains "$html" "<table>"
contains "$html" "<code>w=32 b=16 thread</code>"
exit 0
