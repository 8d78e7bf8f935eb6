#!/bin/sh
# probe on fixture machines: cgroup v2 ancestor quota, v1 quota, cpuset, 2 GiB
# container, plain host, and the 2-socket 64-core SMT-2 4-NUMA hwloc XML.
. "$TP_TESTLIB"
roots="$FIXTURES/fsroot"

probe_json() {	# FIXTURE OUT ARGS...
	fx=$1 outf=$2; shift 2
	TUNEPOOL_FSROOT="$roots/$fx" "$TP" probe --json "$@" >"$outf" 2>err.txt ||
		fail "probe on $fx failed: $(cat err.txt)"
}
check() {	# FILE EXPR WANT
	got=$(json_get "$1" "$2") || fail "cannot read $2 from $1"
	[ "$got" = "$3" ] || fail "$1: $2 = '$got', wanted '$3'"
}

probe_json cgv2-quota v2.json --synthetic "pack:2 numa:2 core:8 pu:2"
check v2.json 'd["cpus_usable"]' 2.5
check v2.json 'd["cpus_usable_source"]' "cgroup v2 cpu.max at /a"
check v2.json 'd["topology"]["pus"]' 64
check v2.json 'd["seeds"]["cpu"]' 2
check v2.json 'd["seeds"]["latency"]' 16
check v2.json 'd["memory"]["limit_kb"]' None
check v2.json 'd["memory"]["usable_kb"]' 12582912
check v2.json 'd["pressure"]["available"]' True
check v2.json 'd["pressure"]["cpu_some_avg10"]' 1.5

probe_json cgv1-quota v1.json --synthetic "pack:1 core:4 pu:1"
check v1.json 'd["cpus_usable"]' 1.5
check v1.json 'd["cpus_usable_source"]' "cgroup v1 cpu.cfs_quota_us at /docker"
check v1.json 'd["memory"]["limit_kb"]' None
check v1.json 'd["pressure"]["available"]' False
check v1.json 'd["cgroup_version"]' hybrid

probe_json cpuset cs.json --synthetic "pack:1 core:8 pu:1"
check cs.json 'd["cpus_usable"]' 4.0
check cs.json 'd["seeds"]["cpu"]' 4

probe_json mem2g mem.json --synthetic "pack:1 core:8 pu:1" --mem-per-worker 256M
check mem.json 'd["memory"]["limit_kb"]' 2097152
check mem.json 'd["memory"]["limit_kb"] * 1024 == 2 * 1024**3' True
check mem.json 'd["memory"]["usable_kb"]' 1572864
check mem.json 'd["seeds"]["max_workers"]' 6
check mem.json 'd["seeds"]["mem_per_worker_kb"]' 262144

probe_json host host.json --topology "$FIXTURES/topo-2s64c-smt2-4numa.xml"
check host.json 'd["topology"]["packages"]' 2
check host.json 'd["topology"]["numa_nodes"]' 4
check host.json 'd["topology"]["cores"]' 64
check host.json 'd["topology"]["pus"]' 128
check host.json 'd["topology"]["smt"]' 2
check host.json 'd["topology"]["vm"]' False
check host.json 'd["topology"]["cpu_model"]' "Fixture Xeon 32-core @ 2.40GHz"
check host.json '[c["pus"] for c in d["topology"]["caches"] if c["level"] == 3]' "[32]"
check host.json 'd["cpus_usable"]' 128.0
check host.json 'd["seeds"]["cpu"]' 64
check host.json 'd["seeds"]["memory"]' 32
check host.json 'd["memory"]["limit_kb"]' None

# The fingerprint moves with the limits and the shape, not between runs.
probe_json host host2.json --topology "$FIXTURES/topo-2s64c-smt2-4numa.xml"
probe_json cgv2-quota v2b.json --topology "$FIXTURES/topo-2s64c-smt2-4numa.xml"
probe_json mem2g memb.json --topology "$FIXTURES/topo-2s64c-smt2-4numa.xml"
f1=$(json_get host.json 'd["fingerprint"]')
[ "$f1" = "$(json_get host2.json 'd["fingerprint"]')" ] || fail "fingerprint not stable"
[ "$f1" != "$(json_get v2b.json 'd["fingerprint"]')" ] || fail "fingerprint ignores the CPU quota"
[ "$f1" != "$(json_get memb.json 'd["fingerprint"]')" ] || fail "fingerprint ignores the memory limit"

# The human form shows each seed's formula with its numbers.
TUNEPOOL_FSROOT="$roots/cgv2-quota" expect_exit 0 "$TP" probe --synthetic "pack:2 numa:2 core:8 pu:2"
contains "$out" "cpus usable  2.50  [cgroup v2 cpu.max at /a]"
contains "$out" "max(1, floor(min(cpus usable 2.50, usable cores 32))) = 2"
contains "$out" "sum over 4 NUMA nodes of ceil(usable cores / 2)"
contains "$out" "8 x floor(cpus usable) 2"
exit 0
