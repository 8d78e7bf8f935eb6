#!/bin/sh
# Reports with gnuplot: the images exist beside their scripts and are linked.
. "$TP_TESTLIB"
R="$FIXTURES/results"
expect_exit 0 "$TP" report "$R/tune-vm.json" "$R/run-timeline.json" -o out --format html
ext=png
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || ext=svg
for p in r1-scaling r1-heatmap r1-efficiency r1-latency r2-timeline; do
	[ -s "out/$p.$ext" ] || fail "out/$p.$ext was not drawn"
	[ -f "out/$p.gp" ] && [ -f "out/$p.dat" ] || fail "$p script or data missing"
	if [ $ext = png ]; then
		head -c 4 "out/$p.png" | od -c | grep -q 'P   N   G' || fail "$p.png is not a PNG"
	fi
	contains "$(cat out/report.md)" "]($p.$ext)"
	contains "$(cat out/report.html)" "<img src=\"data:image/"
done
# One worker count has nothing to scale over: no scaling plot for the run.
[ ! -f out/r2-scaling.gp ] || fail "a scaling plot was drawn for a single worker count"
# Rerunning a script by hand redraws its image (users restyle this way).
rm "out/r1-scaling.$ext"
(cd out && gnuplot r1-scaling.gp) || fail "gnuplot r1-scaling.gp failed"
[ -s "out/r1-scaling.$ext" ] || fail "rerunning the script drew nothing"
exit 0
