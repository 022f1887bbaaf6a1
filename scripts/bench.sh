#!/usr/bin/env bash
# make bench: measure the tools in bin/ against the shell loops they
# replace, print one table and write it to bench/RESULTS.md. The driver is
# internal/bench (package main); BENCH_FLAGS passes flags to it (e.g. -quick).
set -euo pipefail
cd "$(dirname "$0")/.."
for c in git bash tar xargs sha256sum cp; do
	command -v "$c" >/dev/null || { echo "bench: $c is needed on PATH" >&2; exit 1; }
done
# Peak memory is read with GNU time.
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -q time >/dev/null
	else
		echo "bench: GNU time (/usr/bin/time) is needed: install the time package" >&2
		exit 1
	fi
fi
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
exec go run ./internal/bench ${BENCH_FLAGS:-} "$@"
