#!/bin/sh
# History throughput: `tunepool history add` of N generated results files
# (default 10,000, one command, one transaction) into a fresh database, and
# `tunepool history check` of one new run against a history of 1,000 runs
# (the default --against last:20, and last:1000 pooling them all).  SQLite
# and PostgreSQL side by side (PostgreSQL: a private server started here, as
# in tests/cli/t7030, port 47240); as a floor, the sqlite3 shell storing the
# same files raw (readfile() into one table, one transaction).  Medians of R
# rounds (default 3).  Goals: add <= 10 s, check <= 1 s.
#   sh bench/history.sh [N] [R]          (TP=path/to/tunepool)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}
R=${2:-3}
TP=${TP:-$top/build/tunepool}
[ -x "$TP" ] || { echo "history: build tunepool first (make)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/tp-bench-history.XXXXXX)
chmod 755 "$tmp"
pid=""
cleanup() {
	[ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
python3 "$top/tests/fixtures/history/gen.py" "$tmp/files" "$N" --seed 1
python3 "$top/tests/fixtures/history/gen.py" "$tmp/new" 1 --prefix new --seed 777

url=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ]; then
	if [ "$(id -u)" = 0 ]; then as_pg() { (cd / && runuser -u postgres -- "$@"); }; else as_pg() { "$@"; }; fi
	mkdir "$tmp/pg" "$tmp/sock"
	[ "$(id -u)" = 0 ] && chown postgres "$tmp/pg" "$tmp/sock"
	if as_pg "$pgbin/initdb" -D "$tmp/pg/data" -A trust -U postgres >/dev/null 2>&1 &&
	   as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -w \
		-o "-p 47240 -k $tmp/sock -c listen_addresses=''" start >/dev/null 2>&1; then
		pid=$(head -n 1 "$tmp/pg/data/postmaster.pid")
		url="postgresql://postgres@/postgres?host=$tmp/sock&port=47240"
	fi
fi

TP="$TP" N="$N" R="$R" TMP="$tmp" URL="$url" PGBIN="$pgbin" python3 - <<'PY'
import glob, os, resource, statistics, subprocess, time
tp, n, R, tmp, url, pgbin = (os.environ[k] for k in ("TP", "N", "R", "TMP", "URL", "PGBIN"))
n, R = int(n), int(R)
files = sorted(glob.glob(os.path.join(tmp, "files", "*.json")))
new = os.path.join(tmp, "new", "new-00001.json")
sock = os.path.join(tmp, "sock")

cpu = {}

def timed(cmd, **kw):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, **kw)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed.cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall

def record(key, wall):
    res.setdefault(key, []).append(wall)
    cpu.setdefault(key, []).append(timed.cpu)

def psql(sql):
    subprocess.run([os.path.join(pgbin, "psql"), "-X", "-q", "-h", sock, "-p", "47240", "-U",
                    "postgres", "-d", "postgres", "-c", sql], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

def fresh(backend, tag):
    if backend == "sqlite":
        db = os.path.join(tmp, "h-%s.db" % tag)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        return db
    psql("DROP TABLE IF EXISTS tp_tags, tp_trials, tp_runs, tp_schema")
    return url

backends = ["sqlite"] + (["postgresql"] if url else [])
res = {}
for r in range(R):
    for b in backends:
        db = fresh(b, "add")
        record((b, "add %d files" % n), timed([tp, "history", "add", "--db", db] + files))
        db = fresh(b, "check")
        subprocess.run([tp, "history", "add", "--db", db] + files[:1000], check=True, stdout=subprocess.DEVNULL)
        for against in ("last:20", "last:1000"):
            record((b, "check vs 1,000 (%s)" % against),
                   timed([tp, "history", "check", "--db", db, new, "--against", against]))
    # The floor: the sqlite3 shell storing the same files raw, one transaction.
    raw = os.path.join(tmp, "raw.db")
    if os.path.exists(raw):
        os.unlink(raw)
    script = "PRAGMA journal_mode=WAL; CREATE TABLE f(name TEXT); CREATE TABLE d(doc TEXT);\n" \
             "BEGIN;\n" + "".join("INSERT INTO d VALUES (readfile('%s'));\n" % f for f in files) + "COMMIT;\n"
    record(("sqlite3 shell", "add %d files" % n), timed(["sqlite3", raw], input=script.encode()))

load = open("/proc/loadavg").read().split()[:3]
print("history: %d generated results files, median of %d rounds; load average %s" % (n, R, " ".join(load)))
if not url:
    print("(PostgreSQL server not available: SQLite only)")
print("(cpu s: user+sys of the client process; a PostgreSQL server's own CPU is not in it)")
print("%-16s %-30s %10s %8s %8s" % ("store", "operation", "median s", "cpu s", "goal"))
for (b, op), v in res.items():
    goal = "<= 10 s" if op.startswith("add") else "<= 1 s"
    print("%-16s %-30s %10.3f %8.3f %8s" % (b, op, statistics.median(v), statistics.median(cpu[(b, op)]), goal))
add = "add %d files" % n
s = statistics.median(res[("sqlite", add)])
print("ratios: tunepool sqlite / raw sqlite3 shell = %.2f" % (s / statistics.median(res[("sqlite3 shell", add)])))
if url:
    print("ratios: postgresql / sqlite: add %.2f, check last:20 %.2f" % (
        statistics.median(res[("postgresql", add)]) / s,
        statistics.median(res[("postgresql", "check vs 1,000 (last:20)")]) /
        statistics.median(res[("sqlite", "check vs 1,000 (last:20)")])))
PY
