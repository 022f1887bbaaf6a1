#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the test suite drives
# besides Go, and only those that are missing: nothing else changes on the
# machine. Each package is installed without its recommended packages
# (--no-install-recommends; the tests need none of them) and nothing
# already installed is upgraded (--no-upgrade; and when a new package
# would need a newer version of one already there, it stops and names
# them, unless TEST_DEPS_UPGRADE=1, which .ci/run sets on its throwaway
# machine). It prints one line per program it installs, saying which tests
# need it, and nothing when all are present. `make test`, `make
# dist-check` and .ci/run call it.
set -euo pipefail

# program, Debian package, the tests that need it. A program is present
# when it is on PATH (sshd: /usr/sbin/sshd, where the tests start it).
deps=(
	"git|git|every test (the tools drive git)"
	"gpg|gpg|signed tags checked with gpg (pkg/sigcheck, verify --signed)"
	"pgrep|procps|the checks that no git or server process is left behind"
	"ssh-keygen|openssh-client|ssh-signed tags and the ssh remotes' keys"
	"sshd|openssh-server|ssh remotes and fleet hosts, each its own sshd on 127.0.0.1"
	"git-lfs|git-lfs|Git LFS files in releases and checkouts"
	"chromium|chromium|the show_deploy_tag pages in a headless browser"
	"man|man-db|the installed man pages (make install, the .deb)"
	"zsh|zsh|zsh completion"
	"ansible-playbook|ansible-core|the ansible/ role against sshd hosts (e2e/fleet_test.go)"
	"rpm|rpm|the .rpm packages make dist-check reads"
)

present() {
	case $1 in
	sshd) [ -x /usr/sbin/sshd ] ;;
	git-lfs) command -v git-lfs >/dev/null && git lfs version >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null ;;
	esac
}

need=()
for d in "${deps[@]}"; do
	IFS='|' read -r prog pkg why <<<"$d"
	present "$prog" && continue
	need+=("$pkg")
	echo "test-deps: installing $pkg: $prog, for $why" >&2
done
((${#need[@]})) || exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "test-deps: missing ${need[*]}; install them (Debian: apt-get install --no-install-recommends ${need[*]}) and run again" >&2
		exit 1
	}
	sudo=(sudo DEBIAN_FRONTEND=noninteractive)
fi
if ! command -v apt-get >/dev/null; then
	echo "test-deps: missing ${need[*]} and no apt-get here; install them and run again" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
install=(apt-get install -y -q --no-install-recommends --no-upgrade)
"${sudo[@]}" apt-get update -q >&2
# apt upgrades a package already installed when a new one depends on a
# newer version of it, --no-upgrade or not: ask it first (-s changes
# nothing) and name those. "Inst NAME [OLD] (NEW ...)" is an upgrade.
upgrades=$("${sudo[@]}" "${install[@]}" -s "${need[@]}" | sed -n 's/^Inst \([^ ]*\) \[\([^]]*\)\].*/\1 (\2)/p' | paste -sd, -)
if [ -n "$upgrades" ] && [ "${TEST_DEPS_UPGRADE:-}" != 1 ]; then
	echo "test-deps: installing ${need[*]} would upgrade ${upgrades//,/, }; upgrade them yourself, or run again with TEST_DEPS_UPGRADE=1" >&2
	exit 1
fi
"${sudo[@]}" "${install[@]}" "${need[@]}" >&2
