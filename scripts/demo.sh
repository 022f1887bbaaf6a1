#!/usr/bin/env bash
# make demo: build a basedir of sample repos in a temporary folder and run
# the suite's main job on it. Nothing outside the temporary folder changes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$here/bin:$PATH"
demo=$(mktemp -d "${TMPDIR:-/tmp}/deploytag-demo.XXXXXX")
export HOME="$demo/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "Demo Operator"
git config --global user.email demo@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say "sample repos in $demo/system"
for r in tutor-server tutor-js exercises tutor-deployment; do
	git init -q "$demo/system/$r"
	echo "# $r" >"$demo/system/$r/README.md"
	git -C "$demo/system/$r" add README.md
	git -C "$demo/system/$r" commit -q -m "start $r"
done
ls "$demo/system"

say "tag_for_deploy $demo/system"
tag=$(tag_for_deploy "$demo/system")
echo "$tag"

say "git show $tag (in tutor-js)"
git -C "$demo/system/tutor-js" show --no-patch "$tag"

echo
echo "demo files are in $demo (remove with: rm -rf $demo)"
