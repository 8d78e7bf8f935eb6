#!/bin/sh
# {} substitution never injects shell syntax: inputs full of shell
# metacharacters reach the command as exactly one argument each, without a
# shell (run, bench, tune) and quoted with --shell; nothing they spell runs.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
cat > in.txt <<'EOF'
; touch pwned1
$(touch pwned2)
`touch pwned3`
| touch pwned4
&& touch pwned5
> pwned6
it's'; touch pwned7; '
"; touch pwned8; "
\'; touch pwned9 #
a b	c *
-n
EOF
n=$(wc -l < in.txt)
no_pwned() {
	ls pwned* >/dev/null 2>&1 && fail "$1 ran input text as shell: $(ls pwned*)"
	return 0
}
# same_lines FILE: FILE holds exactly the inputs (any order).
same_lines() {
	[ "$(sort "$1")" = "$(sort in.txt)" ] || fail "$2: outputs differ from the inputs: $(cat "$1")"
}

expect_exit 0 "$TP" run -q --static -j 2 --inputs in.txt -- printf '%s\n' {}
no_pwned "run"
echo "$out" > o.txt
same_lines o.txt "run"

# Several placeholders in one word, and inputs appended when there is none.
expect_exit 0 "$TP" run -q --static -j 2 --keep-order --inputs in.txt -- printf '[%s]\n' 'x{}y'
no_pwned "run x{}y"
[ "$(echo "$out" | wc -l)" = "$n" ] || fail "run x{}y printed $(echo "$out" | wc -l) lines for $n inputs"
expect_exit 0 "$TP" run -q --static -j 2 --inputs in.txt -- printf '%s\n'
no_pwned "run (appended)"
echo "$out" > o.txt
same_lines o.txt "run (appended)"

# --shell: the command is a script, each input is quoted into it.
expect_exit 0 "$TP" run -q --static -j 2 --shell --inputs in.txt -- "printf '%s\n' {}"
no_pwned "run --shell"
echo "$out" > o.txt
same_lines o.txt "run --shell"
expect_exit 0 "$TP" run -q --static -j 2 --shell --inputs in.txt -- "printf '%s|%s|%s\n' {} {/} {#} >/dev/null"
no_pwned "run --shell {/} {#}"

# The journal keeps the input as given.
expect_exit 0 "$TP" run -q --static -j 2 --joblog j.jsonl --inputs in.txt -- true {}
python3 - j.jsonl in.txt <<'PY' || fail "journal inputs differ"
import json, sys
got = sorted(json.loads(l)["input"] for l in open(sys.argv[1]))
want = sorted(l.rstrip("\n") for l in open(sys.argv[2]))
assert got == want, (got, want)
PY

# bench and tune run exec workloads the same way.
expect_exit 0 "$TP" bench --workers 1,2 --repeat 1 --warmup 0 --inputs in.txt -- printf '%s\n' {}
no_pwned "bench"
expect_exit 0 "$TP" bench --workers 1 --repeat 1 --warmup 0 --shell --inputs in.txt -- "printf '%s\n' {} >/dev/null"
no_pwned "bench --shell"
expect_exit 0 "$TP" tune --budget 4 --min-time 10ms --max-workers 2 -q -o t.conf --inputs in.txt -- printf '%s\n' {}
no_pwned "tune"
exit 0
