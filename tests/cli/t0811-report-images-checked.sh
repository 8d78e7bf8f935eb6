#!/bin/sh
# Report images go through the same checked writer as report.md: a symlink
# planted at an image's path is refused (exit 3, as for every output) and its target untouched, a
# FIFO there is written in place, and an image that cannot be written (file
# size limit: the disk is full) is an error (exit 3), never exit 0.
. "$TP_TESTLIB"
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed"
ext=png
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || ext=svg
R="$FIXTURES/results/tune-vm.json"
echo precious > target
for img in scaling heatmap efficiency latency; do
	rm -rf out && mkdir out
	ln -s "$TMPDIR/target" "out/$img.$ext"
	expect_exit 3 "$TP" report "$R" -o out
	[ "$(cat target)" = precious ] || fail "report wrote $img.$ext through a planted symlink"
	[ -L "out/$img.$ext" ] || fail "report replaced the symlink $img.$ext"
	contains "$err" "out/$img.$ext"
	contains "$err" "symbolic link"
done
# A FIFO planted as an image gets the whole image and stays a FIFO.
rm -rf out && mkdir out
mkfifo "out/scaling.$ext"
cat "out/scaling.$ext" > got &
reader=$!
expect_exit 0 "$TP" report "$R" -o out
wait $reader
[ -p "out/scaling.$ext" ] || fail "report replaced the FIFO scaling.$ext"
[ "$ext" = svg ] || head -c 4 got | od -c | grep -q 'P   N   G' || fail "the FIFO's reader got no PNG"
# No room for an image (each is over 8 KiB, the .md, .dat and .gp are not).
rm -rf out && mkdir out
{ sh -c 'ulimit -f 16; exec "$@"' sh "$TP" report "$R" -o out 2>&1 >/dev/null; echo $? > rc.txt; } |
	cat > stderr.txt
rc=$(cat rc.txt); err=$(cat stderr.txt)
[ "$rc" = 3 ] || fail "report with no room for its images exited $rc, wanted 3: $err"
contains "$err" ".$ext'"
contains "$err" "File too large"
ls out/*.tmp.* >/dev/null 2>&1 && fail "report left a temporary file: $(ls out/*.tmp.*)"
exit 0
