#!/bin/sh
# probe: human summary and --json on this machine; the keys of DESIGN.md.
. "$TP_TESTLIB"

expect_exit 0 "$TP" probe
for word in "cpu model" topology caches "cpus usable" memory pressure counters fingerprint \
	"seeds" "max(1, floor(min(cpus usable"; do
	contains "$out" "$word"
done

"$TP" probe --json >m.json 2>err.txt || fail "probe --json failed: $(cat err.txt)"
python3 - m.json <<'PY' || fail "probe --json has wrong keys or values: $(cat m.json)"
import json, os, sys
d = json.load(open(sys.argv[1]))
need = {"schema", "topology", "cpus_usable", "cpus_usable_source", "memory", "pressure",
        "counters", "seeds", "fingerprint"}
assert need <= set(d), need - set(d)
assert d["schema"] == 1
t = d["topology"]
for k in ("packages", "numa_nodes", "cores", "pus", "smt", "caches", "cpu_model", "vm"):
    assert k in t, k
assert t["pus"] >= 1 and t["cores"] >= 1 and t["smt"] >= 1
assert isinstance(t["vm"], bool)
for c in t["caches"]:
    assert {"level", "size_kb", "pus"} <= set(c), c
m = d["memory"]
for k in ("total_kb", "available_kb", "limit_kb", "usable_kb"):
    assert k in m, k
assert {"available", "cpu_some_avg10", "memory_some_avg10"} <= set(d["pressure"])
assert d["counters"]["papi"] in ("presets", "software", "unavailable")
assert isinstance(d["counters"]["events"], list)
s = d["seeds"]
for k in ("cpu", "memory", "latency", "max_workers"):
    assert isinstance(s[k], int) and s[k] >= 1, k
assert len(d["fingerprint"]) == 16 and int(d["fingerprint"], 16) >= 0
# Usable CPUs never exceed what the process may run on.
assert 0 < d["cpus_usable"] <= len(os.sched_getaffinity(0)), d["cpus_usable"]
PY

# The fingerprint is stable across runs.
"$TP" probe --json >m2.json || fail "second probe failed"
[ "$(json_get m.json 'd["fingerprint"]')" = "$(json_get m2.json 'd["fingerprint"]')" ] ||
	fail "fingerprint changed between two runs"
exit 0
