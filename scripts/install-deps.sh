#!/bin/sh
# Installs the Debian packages tunepool builds, tests and benchmarks with.
# Run as root it calls apt-get for whatever is missing; otherwise it prints the
# exact command to run and fails only when a build dependency is missing.
set -u

BUILD_PKGS="build-essential pkg-config libhwloc-dev hwloc libpapi-dev papi-tools \
libcmocka-dev libjansson-dev libinih-dev libgsl-dev gnuplot-nox libsqlite3-dev libpq-dev"
# Peers for bench/, the services and references the tests run against (GNU
# parallel, a private Slurm cluster and PostgreSQL, R's nls, a headless
# browser) and tools for the hardening checks; never required to build.
EXTRA_PKGS="parallel hyperfine clang valgrind python3 sqlite3 xz-utils zstd \
postgresql slurmctld slurmd slurm-client munge chromium-headless-shell r-base-core"

missing=""
for p in $BUILD_PKGS ${TUNEPOOL_EXTRA_PKGS-$EXTRA_PKGS}; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "install-deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
		apt-get update -qq >/dev/null 2>&1
		apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
			{ echo "install-deps: apt-get install failed for:$missing" >&2; exit 3; }
	fi
	exit 0
fi

echo "install-deps: missing packages:$missing" >&2
echo "install-deps: run: sudo apt-get install -y$missing" >&2
for p in $missing; do
	case " $BUILD_PKGS " in *" $p "*) exit 3 ;; esac
done
exit 0
