# Sourced by t7020 (SQLite) and t7030 (PostgreSQL) with $DB set: 4 writers
# at once, each adding its 250 files 10 at a time (100 competing
# transactions); every run stored, none twice.  $PER (files per writer)
# is 50 under sanitizers.
GEN="$FIXTURES/history/gen.py"
PER=${PER:-250}
for w in 1 2 3 4; do
	python3 "$GEN" "w$w" "$PER" --prefix "w$w" --seed "$((w * 1000))"
done
for w in 1 2 3 4; do
	( cd "w$w" && ls | sort | xargs -n 10 sh -c '"$TP" history add --db "$DB" "$@" >/dev/null || exit 255' x ) \
		>"writer$w.log" 2>&1 &
	eval "pid$w=\$!"
done
for w in 1 2 3 4; do
	eval "wait \$pid$w" || fail "writer $w failed: $(cat "writer$w.log")"
done
v=$("$TP" history list --db "$DB" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d), len({r["source"].split("/")[-1] for r in d}), len({r["id"] for r in d}))')
want=$((4 * PER))
[ "$v" = "$want $want $want" ] || fail "runs, distinct files, ids: $v (want $want each)"
