#!/bin/sh
# Every measured run says which counters it recorded and, when PAPI's were
# not, why (counters_source in results.json; the report repeats it): the
# probe may list perf:: events that a run cannot count for its workers.
. "$TP_TESTLIB"
expect_exit 0 "$TP" bench -w sleep:ms=1 --workers 2 --repeat 2 -o b.json
src=$(json_get b.json 'sorted({r["counters_source"] for t in d["trials"] for r in t["repeats"]})')
case "$src" in
*"papi: "*) json_get b.json '[n for n in d["trials"][0]["repeats"][0]["counters"]]' | grep -q 'perf::' ||
	fail "counters_source says papi but no perf:: counter was recorded: $src" ;;
*"rusage"*) json_get b.json '[n for n in d["trials"][0]["repeats"][0]["counters"]]' | grep -q 'rusage::nvcsw' ||
	fail "counters_source says rusage but no rusage counter: $src"
	case "$src" in *": "*) ;; *) fail "no reason given for rusage: $src" ;; esac ;;
*) fail "no counters_source in the runs: $src" ;;
esac
expect_exit 0 "$TP" report b.json -o rep
grep -q "Recorded in the runs: " rep/report.md || fail "the report does not say which counters were recorded"
exit 0
