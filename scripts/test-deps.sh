#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the test suite drives
# besides Go and git: ssh-keygen (signed tags), sshd (ssh remotes and
# fleet hosts, each started by its test on 127.0.0.1), git-lfs (LFS files in
# releases), chromium (the
# show_deploy_tag page in a real browser), man and zsh (installed man pages
# and completion), ansible-playbook (the ansible/ role, e2e/fleet_test.go),
# rpm (make dist-check reads the .rpm packages). It does nothing when
# they are all present; `make test` and .ci/run both call it.
set -euo pipefail

need=()
command -v git >/dev/null || need+=(git)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
git lfs version >/dev/null 2>&1 || need+=(git-lfs)
command -v chromium >/dev/null || need+=(chromium)
command -v man >/dev/null || need+=(man-db)
command -v zsh >/dev/null || need+=(zsh)
command -v ansible-playbook >/dev/null || need+=(ansible-core)
command -v rpm >/dev/null || need+=(rpm)
((${#need[@]})) || exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "test-deps: missing ${need[*]}; install them (Debian: apt-get install ${need[*]}) and run again" >&2
		exit 1
	}
	sudo=(sudo)
fi
if ! command -v apt-get >/dev/null; then
	echo "test-deps: missing ${need[*]} and no apt-get here; install them and run again" >&2
	exit 1
fi
echo "test-deps: installing ${need[*]}" >&2
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${need[@]}"
