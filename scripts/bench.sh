#!/usr/bin/env bash
# make bench: measure the tools in bin/ against the shell loops they
# replace, print one table and write it to bench/RESULTS.md. The driver is
# internal/bench (package main); BENCH_FLAGS passes flags to it (e.g. -quick,
# or -floors for make floors).
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
# make floors (-floors) counts syscalls and programs with strace, and with
# -perf samples CPU time with perf.
need() { # need COMMAND PACKAGE
	command -v "$1" >/dev/null && return
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -q --no-install-recommends --no-upgrade "$2" >/dev/null
	else
		echo "bench: $1 is needed: install the $2 package" >&2
		exit 1
	fi
}
case " ${BENCH_FLAGS:-} $* " in *" -floors "*)
	need strace strace
	case " ${BENCH_FLAGS:-} $* " in *" -perf "*) need perf linux-perf ;; esac ;;
esac
# shellcheck disable=SC2086 # BENCH_FLAGS is a list of flags
exec go run ./internal/bench ${BENCH_FLAGS:-} "$@"
