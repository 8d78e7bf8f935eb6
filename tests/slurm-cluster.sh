#!/bin/sh
# A private single-host Slurm cluster for the fleet tests: munged on a private
# socket, slurmctld and two slurmd fake nodes (n1: 1 CPU, feature classA;
# n2: 2 CPUs, feature classB) pinned with task/affinity, so that a job run
# --exclusive on each sees a different machine (two hardware classes).
#
#   tests/slurm-cluster.sh up DIR [PORT]   start (idempotent); ports PORT..PORT+2
#                                          (default 47100), all state under DIR
#   tests/slurm-cluster.sh down DIR        cancel every job, stop by pid, keep DIR
#   tests/slurm-cluster.sh env DIR         print "export SLURM_CONF=..." for eval
#
# Exits 0 when the cluster answers, 77 with a reason on the last line when Slurm
# or munge is not installed or a port is taken, 1 when start-up failed (the logs
# under DIR are printed).  Nothing outside DIR is touched; only the processes
# started here (pids under DIR/pid) are ever stopped.
set -u

die() { echo "slurm-cluster: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "slurm-cluster: '$1' is not installed (scripts/install-deps.sh)"; exit 77; }; }

port_taken() {
	# ss prints sockets as ADDR:PORT, in any state: a client's ephemeral port
	# (the range holds 47100..) blocks a bind as much as a listener does.
	ss -Htan 2>/dev/null | awk '{print $4}' | grep -q ":$1\$"
}

# A daemon lost its port between the check and its bind (another process's
# ephemeral port): stop what started, exit 77 so the caller takes other ports.
lost_port() {
	grep -qs "Address already in use" "$dir"/log/*.log || return 0
	down
	echo "slurm-cluster: a port of $port..$((port + 2)) was taken while starting"
	exit 77
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits up to $2 tenths of a second for command $1 to succeed.
poll() {
	i=0
	while [ $i -lt "$2" ]; do
		sh -c "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

show_logs() {
	for f in "$dir"/log/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f" >&2
		tail -n 15 "$f" >&2
	done
}

write_conf() {
	cat >"$dir/slurm.conf" <<EOF
# private test cluster written by tests/slurm-cluster.sh
ClusterName=tptest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SlurmdParameters=config_overrides
EnforcePartLimits=ALL
SchedulerParameters=batch_sched_delay=0
MinJobAge=3600
MailProg=/bin/true
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/pid/slurmctld.daemon.pid
SlurmdPidFile=$dir/pid/slurmd-%n.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
NodeName=n1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + 1)) CPUs=1 Boards=1 SocketsPerBoard=1 CoresPerSocket=1 ThreadsPerCore=1 RealMemory=2000 Features=classA State=UNKNOWN
NodeName=n2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + 2)) CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=4000 Features=classB State=UNKNOWN
PartitionName=tp Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
EOF
}

up() {
	need munged; need mungekey; need slurmctld; need slurmd; need sbatch; need ss
	export SLURM_CONF="$dir/slurm.conf"
	if alive "$dir/pid/munged" && alive "$dir/pid/slurmctld" && alive "$dir/pid/slurmd-n1" &&
	   alive "$dir/pid/slurmd-n2" && scontrol ping >/dev/null 2>&1; then
		return 0
	fi
	# A half-started cluster from before: stop what is left of it, start clean.
	[ -d "$dir/pid" ] && down
	for p in $port $((port + 1)) $((port + 2)); do
		port_taken "$p" && { echo "slurm-cluster: port $p is in use"; exit 77; }
	done
	rm -rf "$dir/state" "$dir/spool" "$dir/munge"
	mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/pid" "$dir/munge" || die "cannot create '$dir'"
	chmod 0711 "$dir/munge"
	write_conf
	mungekey -c -k "$dir/munge/munge.key" >/dev/null 2>&1 || die "mungekey failed"
	chmod 0600 "$dir/munge/munge.key"
	munged -F -f --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
		--pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
		--log-file="$dir/log/munged.log" >>"$dir/log/munged.log" 2>&1 &
	echo $! >"$dir/pid/munged"
	poll "test -S '$dir/munge/munge.socket'" 50 || { show_logs; die "munged did not start"; }
	slurmctld -D -c >>"$dir/log/slurmctld.out.log" 2>&1 &
	echo $! >"$dir/pid/slurmctld"
	poll "scontrol ping | grep -q UP" 100 || { lost_port; show_logs; die "slurmctld did not answer"; }
	for n in n1 n2; do
		slurmd -D -N "$n" >>"$dir/log/slurmd-$n.out.log" 2>&1 &
		echo $! >"$dir/pid/slurmd-$n"
	done
	# Ready when both nodes are idle (first scheduling pass after a few s).
	poll "test \$(sinfo -h -N -t idle -o %N | sort -u | wc -l) -eq 2" 300 ||
		{ lost_port; sinfo -N >&2; show_logs; die "the nodes did not come up"; }
}

# Stops a pid from a file: TERM, then KILL after 5 s; a zombie counts as gone.
stop_pid() {
	[ -f "$1" ] || return 0
	p=$(cat "$1")
	if kill -0 "$p" 2>/dev/null; then
		kill -TERM "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && break
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$p" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null &&
			kill -KILL "$p" 2>/dev/null
	fi
	rm -f "$1"
}

# slurmstepd processes of this cluster: they inherited our SLURM_CONF.
our_stepds() {
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}; p=${p%/environ}
		case $(cat "/proc/$p/comm" 2>/dev/null) in slurmstepd) ;; *) continue ;; esac
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "SLURM_CONF=$dir/slurm.conf" && echo "$p"
	done
}

down() {
	[ -d "$dir/pid" ] || return 0
	export SLURM_CONF="$dir/slurm.conf"
	if alive "$dir/pid/slurmctld"; then
		scancel --quiet --user="$(id -un)" >/dev/null 2>&1
		poll "test -z \"\$(squeue -h -t running,completing -o %i)\"" 50
	fi
	for d in slurmd-n1 slurmd-n2 slurmctld; do stop_pid "$dir/pid/$d"; done
	for p in $(our_stepds); do
		kill -KILL "$p" 2>/dev/null
	done
	stop_pid "$dir/pid/munged"
	return 0
}

cmd=${1-}
dir=${2-}
port=${3:-47100}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: slurm-cluster.sh up|down|env DIR [PORT]"
mkdir -p "$dir" || die "cannot create '$dir'"
dir=$(cd "$dir" && pwd)
case $cmd in
up) up ;;
down) down ;;
env) echo "export SLURM_CONF='$dir/slurm.conf'" ;;
*) die "unknown action '$cmd'; use up, down or env" ;;
esac
