#!/bin/sh
# tuner-quality: does `tune --search auto` find what the exhaustive grid finds,
# at a fraction of its cost, and the same answer run after run?
# For cpu, sleep (20 ms), lock (cs_mode=sleep, cs 2 ms, wait 8 ms: best 5),
# membw and `gzip -6 -c` on generated files: one grid, QUALITY_RUNS autos
# (fresh, different seeds).  Prints, per workload:
#   thr   auto's recommended config re-measured / grid's best config re-measured
#         (one `tunepool bench` session, interleaved, 5 repeats each)
#   evals auto's runs / grid's runs      time  auto's wall time / grid's
#   same  autos whose recommendation equals or is near-equivalent to the first's
# Goals: thr >= 0.97, time <= 0.30, same >= 9 of 10.  Timings on a loaded
# machine are noisy: quote them with the load.
#   sh bench/tuner-quality.sh            (QUALITY_RUNS=3 default; 10 for the goal)
#   QUALITY_ONLY="lock sleep" sh bench/tuner-quality.sh
#   QUALITY_KEEP=DIR keeps every run's results and logs under DIR.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TP=${TP:-$top/build/tunepool}
RUNS=${QUALITY_RUNS:-3}
ONLY=${QUALITY_ONLY:-"cpu sleep lock membw gzip"}
work=$(mktemp -d "${TMPDIR:-/tmp}/tp-quality.XXXXXX")
keep=${QUALITY_KEEP:-}
trap '[ -n "$keep" ] && mkdir -p "$keep" && cp -r "$work"/. "$keep"/; rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
[ -x "$TP" ] || { echo "tuner-quality: build first (make)"; exit 2; }

# gzip inputs: 32 files of 16..512 KiB of compressible text.
mkdir -p "$work/files"
i=0
while [ $i -lt 32 ]; do
	kib=$(( 16 + (i * 37) % 497 ))
	python3 -c "
import random, sys
r = random.Random($i)
words = [''.join(r.choice('abcdefghij') for _ in range(r.randint(2, 9))) for _ in range(400)]
out = []
n = 0
while n < $kib * 1024:
    w = r.choice(words); out.append(w); n += len(w) + 1
sys.stdout.write(' '.join(out))" > "$work/files/f$i.txt"
	echo "$work/files/f$i.txt" >> "$work/files.txt"
	i=$((i + 1))
done

# name | workload and inputs (tune and bench alike) | tune-only options
cases() {
	cat <<CASES
cpu|-w cpu:bytes=256K --count 1024|--min-time 100ms
sleep|-w sleep:ms=20 --count 512|--max-workers 32 --min-time 100ms
lock|-w lock:cs_mode=sleep,cs_us=2000,wait_us=8000 --count 512|--max-workers 32 --min-time 100ms
membw|-w membw:bytes=6M --count 256|--min-time 100ms
gzip|--inputs $work/files.txt --shell -- gzip -6 -c {} \\> /dev/null|--min-time 100ms
CASES
}

# run_tune OUT ARGS...: wall seconds and runs into OUT.time / OUT.runs
run_tune() {
	out=$1; shift
	t0=$(date +%s.%N)
	"$TP" tune -v -o "$out.conf" --results "$out.json" "$@" >"$out.out" 2>"$out.err" || {
		echo "tune failed: $*" >&2; tail -n 5 "$out.err" >&2; return 1; }
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.2f\n", $2 - $1 }' > "$out.time"
	sed -n 's/.* search: \([0-9]*\) runs in .*/\1/p' "$out.err" | tail -n 1 > "$out.runs"
}

py() { python3 -c "$@"; }

printf '%-6s %-22s %-22s %6s %6s %6s %5s\n' workload grid-best auto-rec thr evals time same
for name in $ONLY; do
	line=$(cases | grep "^$name|") || continue
	wl=$(echo "$line" | cut -d'|' -f2)
	extra=$(echo "$line" | cut -d'|' -f3)
	d="$work/$name"; mkdir -p "$d"
	# shellcheck disable=SC2086
	eval "set -- $extra --search grid --fresh --seed 1 $wl"
	run_tune "$d/grid" "$@" || continue
	r=1
	while [ $r -le "$RUNS" ]; do
		eval "set -- $extra --search auto --fresh --seed $r $wl"
		run_tune "$d/auto$r" "$@" || break
		r=$((r + 1))
	done
	# grid's best measured config, auto's recommendation (run 1)
	gb=$(py "import json; d=json.load(open('$d/grid.json')); t=max(d['trials'], key=lambda t: t['stats']['median'] or 0); c=t['config']; print(c['workers'], c['batch'], c['strategy'], c['start'] or '-', t['stats']['median'])")
	ar=$(py "import json; d=json.load(open('$d/auto1.json')); c=d['recommendation']['config']; print(c['workers'], c['batch'], c['strategy'], c['start'] or '-', d['recommendation']['value'])")
	set -- $gb; gw=$1 gbat=$2 gs=$3 gst=$4 grate=$5
	set -- $ar; aw=$1 abat=$2 as=$3 ast=$4
	# re-measure both in one interleaved bench session, ~0.5 s per run
	# whole rounds of workers x batch for both, as the tuner measures: a
	# partial last round would measure the remainder, not the config
	n=$(py "
import math
l = math.lcm($gw * $gbat, $aw * $abat)
n = max(64, int($grate * 0.5))
print(-(-n // l) * l if l <= 4 * n else n)")
	bwl=$(echo "$wl" | sed "s/--count [0-9]*/--count $n/")
	starts=""; [ "$gst" != - ] && starts="$gst"; [ "$ast" != - ] && starts="${starts:+$starts,}$ast"
	eval "set -- $bwl"
	"$TP" bench --workers "$gw,$aw" --batch "$gbat,$abat" --strategy "$gs,$as" \
		${starts:+--start "$starts"} --repeat 5 --warmup 1 -o "$d/re.json" "$@" \
		>"$d/re.out" 2>"$d/re.err" || { echo "bench failed: $(tail -n 3 "$d/re.err")" >&2; }
	thr=$(py "
import json
d = json.load(open('$d/re.json'))
def med(w, b, s, st):
    for t in d['trials']:
        c = t['config']
        if c['workers'] == w and c['batch'] == b and c['strategy'] == s and (c['start'] or '-') == st:
            return t['stats']['median']
g = med($gw, $gbat, '$gs', '$gst'); a = med($aw, $abat, '$as', '$ast')
print('%.3f' % (a / g) if g and a else 'n/a')" 2>/dev/null || echo n/a)
	evals=$(py "
import statistics
a = [int(open('$d/auto%d.runs' % r).read() or 0) for r in range(1, $RUNS + 1)]
t = [float(open('$d/auto%d.time' % r).read()) for r in range(1, $RUNS + 1)]
g = int(open('$d/grid.runs').read() or 1); gt = float(open('$d/grid.time').read())
print('%.3f %.3f' % (statistics.median(a) / g, statistics.median(t) / gt))")
	same=$(py "
import json
def rec(r):
    d = json.load(open('$d/auto%d.json' % r))['recommendation']
    key = lambda c: (c['workers'], c['batch'], c['strategy'], c['start'])
    return key(d['config']), set(key(c) for c in d.get('near_equivalent', []))
c1, n1 = rec(1)
ok = 0
for r in range(1, $RUNS + 1):
    c, n = rec(r)
    ok += c == c1 or c in n1 or c1 in n
print('%d/%d' % (ok, $RUNS))")
	gm=$gs; [ "$gst" != - ] && gm="$gs/$gst"
	am=$as; [ "$ast" != - ] && am="$as/$ast"
	printf '%-6s %-22s %-22s %6s %6s %6s %5s\n' "$name" "w=$gw b=$gbat $gm" \
		"w=$aw b=$abat $am" "$thr" $evals "$same"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
