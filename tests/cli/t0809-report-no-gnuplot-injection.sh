#!/bin/sh
# Strings from a results file (workload name and options, strategy, start)
# reach the gnuplot scripts only through one escaping function: crafted names
# that close a string and add a command ("\n!cmd", system(), backquotes)
# run nothing, neither in report nor when a user reruns the script, and the
# plots still render.
. "$TP_TESTLIB"
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed"
python3 - "$FIXTURES/results/tune-vm.json" <<'PY' || fail "cannot craft the results files"
import json, sys
payloads = ['x"\n!touch pwned1\n#', 'x" . system("touch pwned2") . "', 'x`touch pwned3`',
            'x\\".system("touch pwned4")."\\', "x'\nsystem 'touch pwned5'\n'",
            'x\\\n!touch pwned6', 'x\u0001\u001f\u007f\u00e9\u4e2d"`touch pwned7`"']
# Every field holds the payload at once (one report per payload).
for pi, p in enumerate(payloads):
    d = json.load(open(sys.argv[1]))
    d["workload"]["name"] = p
    d["workload"]["options"] = p
    short = p.encode()[:31].decode("utf-8", "ignore")  # strategy and start are short names
    for c in [t["config"] for t in d["trials"]] + [d["recommendation"]["config"]] + \
             d["recommendation"].get("near_equivalent", []):
        c["strategy"] = short
        c["start"] = short[::-1]
    json.dump(d, open("r-%d.json" % pi, "w"))
PY
ext=png
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || ext=svg
# pwned: prints the files a payload created, here or in out/.
pwned() { for f in pwned* out/pwned*; do [ -e "$f" ] && echo "$f"; done; }
n=0
for r in r-*.json; do
	rm -rf out pwned*
	expect_exit 0 "$TP" report "$r" -o out
	[ -z "$(pwned)" ] || fail "report $r ran a command: $(pwned)"
	for p in scaling efficiency latency heatmap; do
		[ -s "out/$p.$ext" ] || fail "report $r did not draw $p.$ext: $err"
	done
	contains "$err" "" # gnuplot warnings are allowed, errors are not:
	case $err in *"could not draw"*) fail "report $r: $err" ;; esac
	# Users redraw by running the script themselves.
	for g in out/*.gp; do
		(cd out && gnuplot "$(basename "$g")") >/dev/null 2>&1 || fail "gnuplot $g failed"
	done
	[ -z "$(pwned)" ] || fail "rerunning the scripts of $r ran a command: $(pwned)"
	n=$((n + 1))
done
[ $n = 7 ] || fail "ran $n crafted reports, wanted 7"
exit 0
