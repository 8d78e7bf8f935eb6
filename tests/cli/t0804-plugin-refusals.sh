#!/bin/sh
# Plugins: a wrong ABI version, a missing entry symbol or function, a file that
# is no shared object and a directory are refused with a message naming the
# file (exit 2) by run, bench and tune, before any worker starts; and a plugin
# loads only from the path given: a bare name never searches LD_LIBRARY_PATH
# or the system library path.
. "$TP_TESTLIB"
P="$TP_BUILD/plugins"
[ -f "$P/upper.so" ] || fail "example plugins not built (make cli-test builds them)"
export XDG_CACHE_HOME="$TMPDIR/cache"
for sub in run bench tune; do
	case $sub in
	run) set -- run -q --static -j 2 --joblog j.jsonl ;;
	bench) set -- bench --workers 1,2 --strategy thread,process --repeat 1 --warmup 0 ;;
	tune) set -- tune --budget 2 -q -o t.conf ;;
	esac
	expect_exit 2 "$TP" "$@" --plugin "$P/bad_abi.so" ::: a b
	contains "$err" "bad_abi.so"
	contains "$err" "ABI"
	expect_exit 2 "$TP" "$@" --plugin "$P/no_entry.so" ::: a b
	contains "$err" "no_entry.so"
	contains "$err" "tunepool_plugin_entry"
	expect_exit 2 "$TP" "$@" --plugin "$P/no_process.so" ::: a b
	contains "$err" "'process'"
	printf 'not an ELF file\n' > junk.so
	expect_exit 2 "$TP" "$@" --plugin ./junk.so ::: a b
	contains "$err" "junk.so"
	mkdir -p dir.so
	expect_exit 2 "$TP" "$@" --plugin ./dir.so ::: a b
	contains "$err" "dir.so"
	[ -e t.conf ] && fail "$sub wrote a conf for a refused plugin"
	[ -s j.jsonl ] && fail "$sub journaled tasks of a refused plugin"
done

# A bare name is looked up in the current directory only.
mkdir -p libdir cwd
cp "$P/upper.so" libdir/libtpup.so
cd cwd
export LD_LIBRARY_PATH="$TMPDIR/libdir"
expect_exit 2 "$TP" run -q --plugin libtpup.so ::: a
contains "$err" "libtpup.so"
unset LD_LIBRARY_PATH
# libc is on every library path; as a bare name it must not be found there.
expect_exit 2 "$TP" run -q --plugin libc.so.6 ::: a
contains "$err" "libc.so.6"
# The same bare name present in the current directory is the one loaded.
cp "$TMPDIR/libdir/libtpup.so" .
expect_exit 0 "$TP" run -q --static -j 1 --plugin libtpup.so ::: a b
exit 0
