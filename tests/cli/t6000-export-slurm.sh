#!/bin/sh
# export --format slurm on a real Slurm: the header of a conf tuned inside a
# job on the 1-CPU node is accepted by `sbatch --test-only` and runs; a conf
# asking for more CPUs than any node has is refused, so the directives count.
. "$TP_TESTLIB"
. "$TP_TOP/tests/cli/fleet-lib.sh"
export XDG_CACHE_HOME="$TMPDIR/cache"
cluster_up 47100
# Tuned on n1 inside an exclusive job: 1 usable CPU, the measured memory base.
expect_exit 0 srun -w n1 --exclusive "$TP" tune -w sleep:ms=2 --budget 4 --min-time 30ms \
	--max-workers 4 -o n1.conf --results n1.json
grep -q '^memory_base = [1-9][0-9]*K$' n1.conf || fail "no measured memory_base in: $(cat n1.conf)"
[ "$(sed -n 's/^cpus_usable = //p' n1.conf)" = 1 ] || fail "n1 is not 1 usable CPU: $(cat n1.conf)"
expect_exit 0 "$TP" export n1.conf --format slurm -o job.sh
[ "$(head -n 1 job.sh)" = "#!/bin/bash" ] || fail "no #! line: $(cat job.sh)"
contains "$(cat job.sh)" "#SBATCH --cpus-per-task=1"
grep -q 'TUNEPOOL_' job.sh && fail "variables nothing reads: $(cat job.sh)"
# --mem = (base + workers x per-worker) x 1.25, never below what the tuned runs used.
base=$(sed -n 's/^memory_base = \([0-9]*\)K$/\1/p' n1.conf)
per=$(sed -n 's/^memory_per_worker = \([0-9]*\)K$/\1/p' n1.conf)
w=$(sed -n 's/^workers = //p' n1.conf)
mem=$(sed -n 's/^#SBATCH --mem=\([0-9]*\)M$/\1/p' job.sh)
peak=$(json_get n1.json 'max(r["rss_peak_kb"] for t in d["trials"] for r in t["repeats"])')
[ "$mem" -eq $(( ( (base + w * per) * 5 / 4 + 1023) / 1024 )) ] || fail "--mem=${mem}M from base $base, $w x $per"
[ $((mem * 1024)) -ge "$peak" ] || fail "--mem=${mem}M is below the tuned runs' peak ${peak}K"
expect_exit 0 sbatch --test-only job.sh
contains "$err" "on nodes n"
# The header is a whole batch script: it runs, on one CPU.
printf 'nproc > %s/ran.txt\n' "$TMPDIR" >> job.sh
expect_exit 0 sbatch --parsable job.sh
wait_job "$out"
[ "$state" = COMPLETED ] || fail "the exported job ended $state"
[ "$(cat ran.txt)" = 1 ] || fail "the job saw $(cat ran.txt) CPUs, wanted 1"
# The golden conf asks for 3 CPUs (2.5 usable): no node has them.
expect_exit 0 "$TP" export "$FIXTURES/../golden/export/tunepool.conf" -f slurm -o big.sh
expect_exit 1 sbatch --test-only big.sh
contains "$err" "Requested node configuration is not available"
exit 0
