# Helpers for the CLI tests; sourced with: . "$TP_TESTLIB"
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
# expect_exit CODE CMD...: runs CMD, output in $out (stdout) and $err (stderr).
expect_exit() {
	want=$1; shift
	"$@" >stdout.txt 2>stderr.txt; got=$?
	out=$(cat stdout.txt); err=$(cat stderr.txt)
	[ "$got" = "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $err"
}
# contains TEXT NEEDLE
contains() { case "$1" in *"$2"*) ;; *) fail "expected '$2' in: $1" ;; esac; }
# json_get FILE EXPR: python3 is not required; use jq-like access through the binary-free awk? Use python3 when present.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {'d': d}))" "$1" "$2"; }
