#!/usr/bin/env bash
# make demo: build a basedir of sample repos (each with a bare remote) in a
# temporary folder and run the suite's main job on it: deploy (a build
# that generates a file, a shared log folder, a restart and a health
# check), deploy again after a commit, roll back, deploy a release whose
# check fails (switched back by itself), showing the tag in the standard
# place each time, and verify the live release on a host-like folder that
# has the release and verify_deploy_tag only (no repos, no git); then
# production gets the newer tag, and the demo ends by printing the command
# that serves the what-runs-where page over these deploys, and its URL
# (DEMO_SERVE=1 runs it until Ctrl-C; DEMO_PORT picks the port). Nothing
# outside the temporary folder changes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$here/bin:$PATH"
demo=$(mktemp -d "${TMPDIR:-/tmp}/deploytag-demo.XXXXXX")
export HOME="$demo/home" GIT_CONFIG_NOSYSTEM=1 XDG_STATE_HOME="$demo/state"
unset DEPLOY_ROOT DEPLOYTAG_BASEDIR DEPLOYTAG_CONFIG
mkdir -p "$HOME"
git config --global user.name "Demo Operator"
git config --global user.email demo@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*" >&2; "$@"; }
sys="$demo/system"
root="$demo/srv/qa"

say "sample repos in $sys, each with a bare remote in $demo/remotes"
for r in tutor-server tutor-js exercises tutor-deployment; do
	git init -q "$sys/$r"
	echo "# $r" >"$sys/$r/README.md"
	git init -q --bare "$demo/remotes/$r.git"
	git -C "$sys/$r" remote add origin "$demo/remotes/$r.git"
done
cat >"$sys/tutor-deployment/deploy.sh" <<'SH'
#!/bin/sh
echo "deploy.sh: installing $DEPLOY_TAG into $DEPLOY_ENVIRONMENT from $(pwd)"
SH
# build: once, where the release is made; what it writes is recorded in
# the release's proof (here the front-end's bundle, made from its sources)
cat >"$sys/tutor-deployment/build.sh" <<'SH'
#!/bin/sh
mkdir -p ../tutor-js/dist
{ echo "// built for $DEPLOY_TAG"; cat ../tutor-js/*.js 2>/dev/null; } >../tutor-js/dist/app.js
echo "build.sh: generated tutor-js/dist/app.js"
SH
# restart: after every switch of current, from the new live release; it
# logs into tutor-server/log/, a shared folder kept across releases
cat >"$sys/tutor-deployment/restart.sh" <<'SH'
#!/bin/sh
echo "restarted $DEPLOY_TAG (was ${DEPLOY_PREVIOUS_TAG:-none})" >>../tutor-server/log/restarts.log
echo "restart.sh: restarted $DEPLOY_TAG"
SH
# check: the health check after the restart, tried until it passes or its
# time is up; a release that holds tutor-server/BROKEN never comes up
cat >"$sys/tutor-deployment/check.sh" <<'SH'
#!/bin/sh
if [ -e ../tutor-server/BROKEN ]; then echo "check.sh: tutor-server is not up"; exit 1; fi
SH
chmod +x "$sys/tutor-deployment/"*.sh
echo "console.log('tutor')" >"$sys/tutor-js/main.js"
mkdir -p "$sys/tutor-server/log"
touch "$sys/tutor-server/log/.keep"
for r in tutor-server tutor-js exercises tutor-deployment; do
	git -C "$sys/$r" add -A
	git -C "$sys/$r" commit -q -m "start $r"
	git -C "$sys/$r" push -q origin main
done
cat >"$sys/deploy.toml" <<'TOML'
manifest_repo = "tutor-deployment"

[environments.production]
root    = "../srv/production"
command = ["./deploy.sh"]
workdir = "tutor-deployment"

[environments.qa]
root    = "../srv/qa"
command = ["./deploy.sh"]
workdir = "tutor-deployment"
keep    = 5
build   = ["./build.sh"]
shared  = ["tutor-server/log/"]
restart = ["./restart.sh"]
check   = ["./check.sh"]
check_timeout  = "1s"
check_interval = "200ms"
TOML
ls "$sys"
cat "$sys/deploy.toml"

say "what would a deploy do? (--dry-run changes nothing)"
run deploy --environment qa --basedir "$sys" --dry-run

say "deploy to qa: tag the checked-out code, push the tag, export, build, link shared, run deploy.sh, switch current, restart, check"
tag1=$(run deploy --environment qa --basedir "$sys")
echo "$tag1"
run git ls-remote "$demo/remotes/tutor-deployment.git"
run cat "$root/current/DEPLOY_TAG"
say "the build's output is part of the release, the log folder a link into shared/"
run cat "$root/current/tutor-js/dist/app.js"
run ls -l "$root/current/tutor-server/"

say "a commit in tutor-js, then deploy again"
echo "console.log('new feature')" >"$sys/tutor-js/feature.js"
git -C "$sys/tutor-js" add feature.js
git -C "$sys/tutor-js" commit -q -m "new feature"
tag2=$(run deploy --environment qa --basedir "$sys")
echo "$tag2"
run cat "$root/current/DEPLOY_TAG"
run ls "$root/current/tutor-js"

say "roll back (the release before, still on disk: checked, not exported or built again, restarted)"
run deploy --environment qa --config "$sys/deploy.toml" --rollback
run cat "$root/current/DEPLOY_TAG"
run ls "$root/current/tutor-js"
say "the shared log folder outlived the releases: one restart per switch"
run cat "$root/shared/tutor-server/log/restarts.log"

say "a release that does not come up: its check fails, current goes back, restarted (exit 1)"
echo "the server does not start" >"$sys/tutor-server/BROKEN"
git -C "$sys/tutor-server" add BROKEN
git -C "$sys/tutor-server" commit -q -m "a change that breaks the server"
run deploy --environment qa --basedir "$sys" || echo "exit status $?"
run cat "$root/current/DEPLOY_TAG"
run tail -n 1 "$root/deploys.log"

say "the standard place"
run ls -l "$root" "$root/releases"
run cat "$root/current/DEPLOY_MANIFEST"
run cat "$root/deploys.log"

say "the host that runs the code checks it: the live release and verify_deploy_tag only, no repos, no git (source to the tag, the build's output to its record)"
host="$demo/host"
mkdir -p "$host/bin" "$host/srv/releases"
cp "$here/bin/verify_deploy_tag" "$host/bin/"
cp -a "$root/releases/$tag1" "$host/srv/releases/"
ln -s "releases/$tag1" "$host/srv/current"
run ls "$host/srv/current" "$host/srv/current/DEPLOY_PROOF"
(cd "$host" && PATH="$host/bin" run verify_deploy_tag --root "$host/srv")
say "a file changed on the host is named (exit 1)"
echo "# tampered" >>"$host/srv/current/tutor-js/README.md"
(cd "$host" && PATH="$host/bin" run verify_deploy_tag --root "$host/srv") || echo "exit status $?"

say "any repo tells the whole deploy: git show $tag1 (in tutor-js)"
run git -C "$sys/tutor-js" show --no-patch "$tag1"

say "production gets the newer tag; what runs where?"
run deploy --environment production --basedir "$sys" --tag "$tag2" >/dev/null
run show_deploy_tag --all --basedir "$sys"

port=${DEMO_PORT:-8099}
serve=(show_deploy_tag --all --basedir "$sys" --serve "127.0.0.1:$port")
echo
echo "demo files are in $demo (remove with: rm -rf $demo)"
say "what runs where, for people: every environment, its history, rollbacks and what changed"
if [ -n "${DEMO_SERVE:-}" ]; then
	echo "open http://127.0.0.1:$port/ (Ctrl-C stops the server)"
	exec "${serve[@]}"
fi
echo "serve it with:"
printf '  PATH=%q:$PATH %s\n' "$here/bin" "$(printf '%q ' "${serve[@]}")"
echo "then open:"
echo "  http://127.0.0.1:$port/"
