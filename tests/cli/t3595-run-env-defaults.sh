#!/bin/sh
# `export --format env` writes only what something reads: run takes
# TUNEPOOL_WORKERS (and _MIN_/_MAX_WORKERS) as defaults below its options.
. "$TP_TESTLIB"
printf '[run]\nworkers = 7\nbatch = 1\n[bounds]\nmin_workers = 1\nmax_workers = 8\n' >t.conf
"$TP" export t.conf --format env >env.txt || fail "export env"
grep -q '^TUNEPOOL_WORKERS=7$' env.txt || fail "env: $(cat env.txt)"
for v in $(sed -n 's/^\(TUNEPOOL_[A-Z_]*\)=.*/\1/p' env.txt); do
	case $v in TUNEPOOL_WORKERS|TUNEPOOL_MIN_WORKERS|TUNEPOOL_MAX_WORKERS) ;;
	*) fail "export env writes $v, which nothing reads" ;; esac
done
set -a; . ./env.txt; set +a
maxslot() { sort -n | tail -n 1; }
got=$("$TP" run -q --static -- sh -c 'sleep 0.3; echo {%}' ::: 1 2 3 4 5 6 7 8 | maxslot)
[ "$got" = 7 ] || fail "TUNEPOOL_WORKERS=7 ran $got at once"
got=$("$TP" run -q --static -j 2 -- sh -c 'sleep 0.3; echo {%}' ::: 1 2 3 4 5 6 | maxslot)
[ "$got" = 2 ] || fail "-j 2 did not win over TUNEPOOL_WORKERS: $got at once"
TUNEPOOL_WORKERS=many expect_exit 2 "$TP" run -q -- true ::: 1
contains "$err" "TUNEPOOL_WORKERS 'many'"
exit 0
