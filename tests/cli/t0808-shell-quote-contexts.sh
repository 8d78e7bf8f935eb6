#!/bin/sh
# --shell quotes each input for the spot it lands in: a bare word, inside the
# script's own '...' or "...", inside $(...) or backticks, or a comment.  A
# corpus of hostile inputs (quotes, $(), backticks, ; | &&, newlines, every
# byte 1..255, a leading -) must reach the command byte for byte, and nothing
# the inputs spell may run; for run, bench and tune.
. "$TP_TESTLIB"
export XDG_CACHE_HOME="$TMPDIR/cache"
python3 - "$TP" <<'PY' || fail "see above"
import os, subprocess, sys, glob
tp = sys.argv[1].encode()
corpus = [b";touch pwned1;", b"$(touch pwned2)", b"`touch pwned3`", b"| touch pwned4",
          b"&& touch pwned5", b"'", b'"', b"\\", b"\\'", b"'\"'\"'", b"';touch pwned6;'",
          b'";touch pwned7;"', b"\\\";touch pwned8;\\\"", b"a b\tc", b"*", b"~", b"$HOME",
          b"${IFS}x", b"-n", b"--", b"#x", b"x\n;touch pwned9\n", b"\ntouch pwned10 #",
          b")touch pwned11(", b"`", b"$(", b"\\`touch pwned12\\`", b"'$(touch pwned13)'",
          bytes(b for b in range(1, 256) if b != 10), bytes(range(128, 256))]
# (template, expected output for input x)
contexts = [
    (b"printf %s {} > o.{#}", lambda x: x),
    (b"printf %s '{}' > o.{#}", lambda x: x),
    (b'printf %s "{}" > o.{#}', lambda x: x),
    (b"printf %s x{}\"y{}\"'z{}' > o.{#}", lambda x: b"x" + x + b"y" + x + b"z" + x),
    (b'printf %s "$(printf %s "{}")" > o.{#}', lambda x: x.rstrip(b"\n")),
    (b"printf %s $(printf \"%s\" '{}' | od -An -tx1 | tr -d ' \\n') > o.{#}",
     lambda x: x.hex().encode()),
    (b"printf %s \"`printf %s {}`\" > o.{#}", lambda x: x.rstrip(b"\n")),
    (b"printf %s > o.{#} # {}", lambda x: b""),
    (b"printf %s \"$1\" > o.{#}; : '{}' \"{}\"", lambda x: b""),
]
bad = 0
def check(what, cmd, exp, n=len(corpus)):
    global bad
    for f in glob.glob("o.*") + glob.glob("pwned*"):
        os.unlink(f)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pw = glob.glob("pwned*")
    if pw:
        print("FAIL: %s: input ran as shell: %s" % (what, pw)); bad += 1
    if r.returncode != 0:
        print("FAIL: %s: exit %d: %s" % (what, r.returncode, r.stderr[-500:])); bad += 1
        return
    for i, x in enumerate(corpus[:n]):
        try:
            got = open("o.%d" % (i + 1), "rb").read()
        except OSError:
            print("FAIL: %s: no output for input %r" % (what, x)); bad += 1; continue
        if got != exp(x):
            print("FAIL: %s: input %r arrived as %r" % (what, x, got)); bad += 1
for tpl, exp in contexts:
    check("run %r" % tpl, [tp, b"run", b"-q", b"--static", b"-j", b"2", b"--shell", b"--", tpl, b":::"] + corpus, exp)
# Inputs appended when the script names no placeholder land in a bare word
# ({#} alone appends nothing, as in GNU parallel: the file comes from the
# task's PARALLEL_SEQ instead).
check("run appended", [tp, b"run", b"-q", b"-j", b"1", b"--shell", b"--", b"printf %s > o.$PARALLEL_SEQ", b":::"] + corpus,
      lambda x: x)
# bench and tune quote with the same function.
with open("in.txt", "wb") as f:
    for x in corpus:
        if b"\n" not in x:
            f.write(x + b"\n")
for tpl in (b"printf %s {} >/dev/null", b"printf %s '{}' >/dev/null", b'printf %s "{}" >/dev/null'):
    for f in glob.glob("pwned*"):
        os.unlink(f)
    r = subprocess.run([tp, b"bench", b"--workers", b"1", b"--repeat", b"1", b"--warmup", b"0",
                        b"--shell", b"--inputs", b"in.txt", b"--", tpl], capture_output=True)
    if glob.glob("pwned*") or r.returncode:
        print("FAIL: bench %r: exit %d, ran %s" % (tpl, r.returncode, glob.glob("pwned*"))); bad += 1
    r = subprocess.run([tp, b"tune", b"--budget", b"2", b"--min-time", b"10ms", b"--max-workers", b"1",
                        b"-q", b"-o", b"t.conf", b"--shell", b"--inputs", b"in.txt", b"--", tpl],
                       capture_output=True)
    if glob.glob("pwned*") or r.returncode:
        print("FAIL: tune %r: exit %d, ran %s %s" % (tpl, r.returncode, glob.glob("pwned*"), r.stderr[-300:])); bad += 1
sys.exit(1 if bad else 0)
PY
exit 0
