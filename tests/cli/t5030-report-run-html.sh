#!/bin/sh
# A run's report shows what the run did (its end-of-run summary, every width
# change, the timeline in segments, the failures), and the HTML report is one
# self-contained file: loaded in a real headless Chromium, every image decodes
# and no request leaves the file.  The screenshot is kept in $TP_BUILD/test-artifacts/.
. "$TP_TESTLIB"
R="$FIXTURES/results"

expect_exit 0 "$TP" report "$R/run-timeline.json" -o run --format html
md=$(cat run/report.md)
contains "$md" "## Run"
contains "$md" "2000 tasks in 6.737 s (296.9 tasks/s overall)"
contains "$md" "The width started at 2 and ended at 3 after 2 changes over 14.5 s"
contains "$md" "at 2 s: 2 → 4 workers"
contains "$md" "at 7 s: 4 → 3 workers"
contains "$md" "| 2 | 7 | 4 | 299.7 | 97% | 0 |"
# Not a one-config table with a zero-width CI, nor a repeats warning.
case $md in *"## Configurations"*|*"fewer than 5 repeats"*|*"## Recommendation"*)
	fail "a run report with tuning sections: $md" ;; esac

# A real run that stays at 8 is at 8 throughout its timeline.
expect_exit 0 "$TP" run --workers 8 --static --results s8.json -- sleep 0.05 ::: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
[ "$(json_get s8.json "sorted(set(p['workers'] for p in d['timeline']))")" = "[8]" ] ||
	fail "static 8: timeline $(json_get s8.json "[p['workers'] for p in d['timeline']]")"
expect_exit 0 "$TP" report s8.json -o s8
contains "$(cat s8/report.md)" "The width started at 8 and ended at 8 after 0 changes"
# Its end-of-run summary is in the report, read back from the results.
[ "$(json_get s8.json "d['summary']['ok']")" = 16 ] || fail "s8.json: no summary"
contains "$(cat s8/report.md)" "| width (workers) | mean 8, peak 8 | the width held at 8 workers |"
contains "$(cat s8/report.md)" "| tasks | 16 ok, 0 failed | every task succeeded |"

# Failures of a real run are counted.
expect_exit 1 "$TP" run --workers 2 --static --results fail.json -- sh -c 'exit $1' sh ::: 0 1 0 1 0
expect_exit 0 "$TP" report fail.json -o fail
contains "$(cat fail/report.md)" "5 tasks in "
contains "$(cat fail/report.md)" "; 2 failed (see Warnings)."
contains "$(cat fail/report.md)" "| tasks | 3 ok, 2 failed | 40% of the tasks failed"

# A real run's results with a summary (the fixture t5000 checks), as HTML.
expect_exit 0 "$TP" report "$R/run-summary.json" -o sum --format html
contains "$(cat sum/report.html)" "<td>worker efficiency</td>"

command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed: no images to embed"
expect_exit 0 "$TP" report "$R/tune-vm.json" "$R/run-timeline.json" -o both --format html
html=both/report.html
# Every src is a data: URI; nothing else is referenced.
n_img=$(grep -o '<img ' "$html" | wc -l)
[ "$n_img" -ge 5 ] || fail "only $n_img images in the HTML report"
[ "$(grep -o 'src="data:image/png;base64,' "$html" | wc -l)" = "$n_img" ] ||
	[ "$(grep -o 'src="data:image/svg+xml;base64,' "$html" | wc -l)" = "$n_img" ] ||
	fail "an image is not embedded"
if grep -Eq '(src|href)="(https?:|//|file:|[a-z0-9_-]+\.(png|svg|css|js))' "$html"; then
	fail "an external reference: $(grep -Eo '(src|href)="[^"]{0,40}' "$html" | grep -v data: | head -3)"
fi
# The report still works when moved away from its folder.
mkdir alone && cp "$html" alone/report.html

browser=$(command -v chromium-headless-shell || command -v chromium || true)
[ -n "$browser" ] || skip "no headless Chromium (Debian's chromium-headless-shell)"
# A copy with a checker script: counts the images that decoded, the resources
# fetched (Resource Timing) and the requests the report's own CSP blocked.
check_page() {	# check_page IN OUT
	python3 - "$1" "$2" <<'PYEOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("style-src 'unsafe-inline'", "style-src 'unsafe-inline'; script-src 'unsafe-inline'", 1)
probe = """<script>
var blocked = 0;
document.addEventListener('securitypolicyviolation', function () { blocked++; });
window.addEventListener('load', function () {
  setTimeout(function () {
    var im = Array.prototype.slice.call(document.images);
    var ok = im.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
    var res = performance.getEntriesByType('resource').length;
    var out = document.createElement('pre');
    out.id = 'tp-check';
    out.textContent = 'images=' + im.length + ' decoded=' + ok + ' resources=' + res + ' blocked=' + blocked;
    document.body.appendChild(out);
  }, 200);
});
</script>
"""
s = s.replace("</body>", probe + "</body>", 1)
open(sys.argv[2], "w").write(s)
PYEOF
}
run_browser() {	# run_browser URL ARGS...: the DOM after load on stdout
	url=$1; shift
	timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$PWD/profile" --virtual-time-budget=3000 "$@" "$url" 2>browser.log
}
check_page alone/report.html alone/check.html
run_browser "file://$PWD/alone/check.html" --dump-dom >dom.txt || fail "chromium failed: $(tail -3 browser.log)"
res=$(grep -o 'images=[0-9]* decoded=[0-9]* resources=[0-9]* blocked=[0-9]*' dom.txt) ||
	fail "the checker did not run: $(tail -3 browser.log)"
[ "$res" = "images=$n_img decoded=$n_img resources=0 blocked=0" ] || fail "in the browser: $res"

# The check can fail: a page with a missing file and an external image.
sed 's|<img src="data:image/png;base64,[^"]*"|<img src="missing.png"|' alone/report.html > alone/broken.html
check_page alone/broken.html alone/check-broken.html
run_browser "file://$PWD/alone/check-broken.html" --dump-dom >dom2.txt
res2=$(grep -o 'images=[0-9]* decoded=[0-9]* resources=[0-9]* blocked=[0-9]*' dom2.txt)
case $res2 in "images=$n_img decoded=$n_img resources=0 blocked=0"|"")
	fail "the browser check passed a broken page: '$res2'" ;; esac

# A screenshot of the report of a run with a summary (its images embedded),
# kept for people to look at; moved away from its folder, it still loads
# whole and shows the summary table.
art="$TP_BUILD/test-artifacts/t5030-report-run-html"
mkdir -p "$art" alone-run && cp sum/report.html alone-run/report.html
n_run=$(grep -o '<img ' alone-run/report.html | wc -l)
[ "$n_run" -ge 1 ] || fail "the run report has no image"
check_page alone-run/report.html alone-run/check.html
run_browser "file://$PWD/alone-run/check.html" --dump-dom >dom3.txt || fail "chromium failed: $(tail -3 browser.log)"
res3=$(grep -o 'images=[0-9]* decoded=[0-9]* resources=[0-9]* blocked=[0-9]*' dom3.txt)
[ "$res3" = "images=$n_run decoded=$n_run resources=0 blocked=0" ] || fail "run report in the browser: '$res3'"
contains "$(cat dom3.txt)" "End-of-run summary"
contains "$(cat dom3.txt)" "<td>CPU used by the tasks</td>"
run_browser "file://$PWD/alone-run/report.html" --screenshot="$art/run-report.png" \
	--window-size=1100,2000 >/dev/null || fail "no screenshot: $(tail -3 browser.log)"
[ -s "$art/run-report.png" ] || fail "the screenshot is empty"
cp alone-run/report.html "$art/run-report.html"
cp "$html" "$art/report.html"
exit 0
