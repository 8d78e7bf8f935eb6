# Sourced by the fleet tests after lib.sh: cluster_up PORT starts the private
# cluster of tests/slurm-cluster.sh under $TMPDIR/cluster on PORT..PORT+2 (or
# the next free triple of the test's ten ports) and stops it on exit.
cluster_up() {
	[ "$(id -u)" = 0 ] || skip "slurmd and munged of the test cluster need root"
	cluster="$TMPDIR/cluster"
	trap 'sh "$TP_TOP/tests/slurm-cluster.sh" down "$cluster"' EXIT
	trap 'exit 130' INT TERM
	for p in "$1" $(($1 + 3)) $(($1 + 6)); do
		sh "$TP_TOP/tests/slurm-cluster.sh" up "$cluster" "$p" > cluster-up.log 2>&1
		rc=$?
		[ $rc = 0 ] && break
		[ $rc = 77 ] || { cat cluster-up.log; fail "the test cluster did not start"; }
	done
	[ $rc = 0 ] || skip "$(tail -n 1 cluster-up.log)"
	export SLURM_CONF="$cluster/slurm.conf"
}
# wait_job ID: polls scontrol until the job has ended (20 s at most); $state
# gets its final JobState.
wait_job() {
	i=0
	while [ $i -lt 200 ]; do
		state=$(scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)
		case $state in PENDING|RUNNING|COMPLETING|CONFIGURING|"") ;; *) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	fail "job $1 did not end within 20 s (state $state)"
}
