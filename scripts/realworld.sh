#!/usr/bin/env bash
# make realworld: the whole pipeline over local clones of public repos, every
# release compared with its tag's tree byte for byte by git's own view.
#
#   scripts/realworld.sh --setup DIR      clone the repos listed below into DIR
#   scripts/realworld.sh DIR [SYSTEM...]  run the pipeline over them (all systems,
#                                         or the ones named)
#
# It is a test harness, not part of make test: it needs clones that CI cannot
# fetch. Each SYSTEM (one basedir) is copied from DIR into a scratch folder
# (git clone, so DIR's clones never change), each repo gets a bare copy as
# its origin, and then: an older tag by create_deploy_tag --manifest |
# tag_repos, a new one by tag_for_deploy, push_tag to the bare copies, deploy
# of both to one root, verify_deploy_tag --root on a host without git (env -i,
# PATH holding only our tools) and with the repos, deploy --artifact twice
# (the two byte-identical), deploy --from-artifact into a fresh root without
# git, checkout_deploy_tag into an empty folder (submodules and LFS files
# checked with git and git-lfs), deploy --rollback. Each
# release is compared with git archive's view of the tag (attributes
# neutralised, or applied for repos listed in export_attributes), submodules
# with their recorded commits taken from their own clones in DIR, Git LFS
# files with the sha256 of their pointer: diff -r, then every entry's type,
# mode and symlink target.
#
# Prints one line per system or repo and step, then a summary; exits 1 on
# any failure or difference. Environment: REALWORLD_BIN (the tools, default
# bin/), REALWORLD_WORK (scratch, default a temporary folder, removed unless
# REALWORLD_KEEP=1 or something failed), REALWORLD_TIMEOUT (per tool run,
# default 1800 s), REALWORLD_SOURCE (--setup: the URL to clone, {owner} and
# {name} standing for a repo's; default its URL below).
set -uo pipefail

# The repos, one per line: system (the basedir it is deployed in; "sub" for
# a submodule's source, cloned but deployed only inside its superproject),
# name (its folder in DIR and in the basedir), URL (as .gitmodules spells it
# for a submodule; "-" for a stand-in made by --setup), the commit deployed,
# and options: export (in export_attributes: export-ignore and export-subst
# apply), subinit (git submodule update --init before tagging, from the
# clones in DIR, so deploy reads .git/modules; without it deploy fetches
# each submodule itself, from DIR through url.<clone>.insteadOf), ahead (the
# commit is not on the remote yet: push_tag carries it, and its LFS objects
# go through git-lfs's pre-push hook).
# Commits are pinned so a run here and a run elsewhere deploy the same trees.
# laravel/framework is at v8.41.0: later commits hold bin/splitsh-lite as a
# blob that some snapshots lack. prezto is one commit before its bump of
# zsh-syntax-highlighting to a commit that some snapshots lack; a snapshot
# of powerlevel10k that lacks a binary of its history serves as a shallow
# clone (prezto's .gitmodules asks for one). setuptools-scm is deployed as
# stored: with export it has two %(describe) placeholders, which git
# archive expands only once per archive and deploy in both files.
REPOS='
openstax   tutor-server               https://github.com/openstax/tutor-server.git                7cc6d5f29e10f67b993253f7cabb6355e9ca7b68 -
openstax   tutor-js                   https://github.com/openstax/tutor-js.git                    7f3135c1c5a803bcd8f74f4c90834e2833d360c6 -
openstax   accounts                   https://github.com/openstax/accounts.git                    f29b1947d42f4c27c1d9fd19c6377b74b1b52447 -
openstax   exercises                  https://github.com/openstax/exercises.git                   b1e83a21db8af38b9c26eb85d137949d1a26958a -
openstax   exchange                   https://github.com/openstax/exchange.git                    0fd98379b35af1ec132291e52335224bb0da7ad5 -
openstax   biglearn-api               https://github.com/openstax/biglearn-api.git                ff107550f6b36ab3be2aac7231920c7366748dc2 -
framework  framework                  https://github.com/laravel/framework.git                    05417155d886df8710e55c84e12622b52d83c47c export
git        git                        https://github.com/git/git.git                              1a3e64c6c4a623626ff0687008732a8e007e2a1c -
sub        sha1collisiondetection     https://github.com/cr-marcstevens/sha1collisiondetection.git - -
prezto     prezto                     https://github.com/sorin-ionescu/prezto.git                 a25e62938bb15a51fb29c197c9587e965d5d2d1d subinit
sub        zsh-autosuggestions        https://github.com/zsh-users/zsh-autosuggestions.git        - -
sub        zsh-completions            https://github.com/zsh-users/zsh-completions.git            - -
sub        fasd                       https://github.com/whjvenyl/fasd.git                        - -
sub        zsh-history-substring-search https://github.com/zsh-users/zsh-history-substring-search.git - -
sub        agnoster-zsh-theme         https://github.com/agnoster/agnoster-zsh-theme.git          - -
sub        zsh-async                  https://github.com/mafredri/zsh-async.git                   - -
sub        powerlevel10k              https://github.com/romkatv/powerlevel10k.git                - -
sub        prezto_powerline           https://github.com/davidjrice/prezto_powerline.git          - -
sub        pure                       https://github.com/sindresorhus/pure.git                    - -
sub        zsh-syntax-highlighting    https://github.com/zsh-users/zsh-syntax-highlighting.git    - -
zstd       zstd                       https://github.com/facebook/zstd.git                        2dddf0905619b70c25faeca7f1a39601dc97616f -
vfkit      vfkit                      https://github.com/crc-org/vfkit.git                        b2bc27e50b6103a8f6664ad599fbd3fc0970797f export
setuptools-scm setuptools-scm         https://github.com/pypa/setuptools-scm.git                  ffa8d49233d90dc84787130d05110ca1606e1924 -
tldr       tldr                       https://github.com/tldr-pages/tldr.git                      08e345f42639f67d99282813247ac670dc6e87cb -
lfs-sample lfs-sample                 -                                                           HEAD ahead
'

here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "realworld: $*" >&2; exit 2; }

# The list as arrays.
sys=() name=() url=() commit=() opts=()
while read -r s n u c o; do
	[ -n "${s:-}" ] || continue
	sys+=("$s") name+=("$n") url+=("$u") commit+=("$c") opts+=("$o")
done <<<"$REPOS"

has_opt() { [[ ",${opts[$1]}," == *",$2,"* ]]; }

# --setup DIR: clone every repo of the list into DIR (skipping those there),
# and make the local Git LFS stand-in.
setup() {
	local dir=$1 i src owner repo
	mkdir -p "$dir" || exit 1
	for i in "${!name[@]}"; do
		[ "${url[$i]}" != - ] || continue
		if [ -e "$dir/${name[$i]}" ]; then
			echo "realworld: ${name[$i]}: already in $dir"
			continue
		fi
		src=${url[$i]} owner=${url[$i]#https://github.com/}
		repo=${owner#*/} owner=${owner%%/*} repo=${repo%.git}
		if [ -n "${REALWORLD_SOURCE:-}" ]; then
			src=${REALWORLD_SOURCE//\{owner\}/$owner} src=${src//\{name\}/$repo}
		fi
		echo "realworld: cloning $src into $dir/${name[$i]}"
		git clone -q --no-checkout -- "$src" "$dir/${name[$i]}" || exit 1
		if [ "${commit[$i]}" = - ]; then
			git -C "$dir/${name[$i]}" checkout -q || exit 1
		else
			git -C "$dir/${name[$i]}" -c advice.detachedHead=false checkout -q --detach "${commit[$i]}" || exit 1
		fi
	done
	[ -e "$dir/lfs-sample" ] && echo "realworld: lfs-sample: already in $dir" && return
	echo "realworld: making lfs-sample, a local Git LFS repo with its content (a stand-in for a public one)"
	make_lfs_sample "$dir/lfs-sample"
}

# make_lfs_sample DIR: a repo whose files are mostly Git LFS objects: small
# and big ones (over 128 KiB, which deploy streams), an executable one, a
# symlink to one, in folders; two commits. Made with fixed names and dates
# so its commits are the same everywhere.
make_lfs_sample() {
	local d=$1 i
	git lfs version >/dev/null 2>&1 || { echo "realworld: lfs-sample needs git-lfs" >&2; exit 1; }
	(
		set -e
		export GIT_AUTHOR_NAME=realworld GIT_AUTHOR_EMAIL=realworld@example.org GIT_COMMITTER_NAME=realworld \
			GIT_COMMITTER_EMAIL=realworld@example.org GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
		git init -q -b main "$d"
		cd "$d"
		git lfs install --local >/dev/null
		printf '*.bin filter=lfs diff=lfs merge=lfs -text\n' >.gitattributes
		mkdir -p assets/icons data tools
		printf '# lfs-sample\n\nA stand-in for a public repo with Git LFS content.\n' >README.md
		for i in $(seq 1 20); do
			awk -v n="$i" 'BEGIN { for (k = 0; k < 64 * n; k++) printf "icon %d line %d\n", n, k }' >"assets/icons/icon-$i.bin"
		done
		awk 'BEGIN { for (k = 0; k < 20000; k++) printf "logo %08d\n", k * 7919 % 100003 }' >assets/logo.bin
		awk 'BEGIN { for (k = 0; k < 300000; k++) printf "big %08d\n", k * 104729 % 1000003 }' >data/big.bin
		printf '#!/bin/sh\necho tool\n' >tools/tool.bin
		chmod 755 tools/tool.bin
		ln -s data/big.bin latest.bin
		git add -A
		git commit -q -m 'LFS sample: icons, logo, a big file, a tool'
		awk 'BEGIN { for (k = 0; k < 50000; k++) printf "new %08d\n", k }' >data/new.bin
		echo changed >>assets/icons/icon-1.bin
		git add -A
		GIT_AUTHOR_DATE='2026-01-02T00:00:00Z' GIT_COMMITTER_DATE='2026-01-02T00:00:00Z' git commit -q -m 'LFS sample: a new file, an icon changed'
	) || exit 1
}

# Timing and reporting.
now_us() { echo "${EPOCHREALTIME/./}"; }
secs() { awk -v a="$1" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
declare -A res   # res[repo:step] = ok | FAIL | skip
line() { printf '%-28s %-15s %-4s %7ss  %s\n' "$1" "$2" "$3" "$4" "${5:-}"; }
# show FILE...: the first lines of each (a failing tool's stderr, a diff).
show() {
	local f
	for f in "$@"; do [ -s "$f" ] && sed -n '1,15s/^/    | /p' "$f"; done
	return 0
}

# run LOG CMD...: one tool run, bounded, its streams in LOG.out and LOG.err.
run() {
	local log=$1
	shift
	timeout -k 10 "$step_timeout" "$@" >"$log.out" 2>"$log.err"
	local rc=$?
	[ $rc -ne 124 ] || echo "realworld: timed out after ${step_timeout}s (a hang?)" >>"$log.err"
	return $rc
}

# view GITDIR COMMIT DEST EXPORT: git's own view of COMMIT's tree in DEST,
# written by git archive from a throwaway repo that borrows GITDIR's objects
# (so no config or attributes of the repo's own apply): eol, filters and
# ident neutralised; export-ignore and export-subst neutralised too unless
# EXPORT=1, in which case the repo's tags other than deploy tags are there
# for %(describe). Submodules are filled from their clones in DIR, LFS
# pointers replaced by their objects (checked against the pointer's sha256
# and size). Prints the number of LFS files and of submodules.
view() {
	local gd=$1 c=$2 dest=$3 exp=$4 tmp
	tmp=$(mktemp -d "$work/.view.XXXXXX") || return 1
	git init -q --bare "$tmp" || return 1
	echo "$gd/objects" >"$tmp/objects/info/alternates"
	printf '* -text -eol -crlf -filter -ident -working-tree-encoding\n' >"$tmp/info/attributes"
	if [ "$exp" = 1 ]; then
		git -C "$gd" for-each-ref --format='%(objectname) %(refname)' refs/tags |
			grep -Ev ' refs/tags/[A-Z][A-Z0-9]*_[0-9]{8}_[0-9]{6}_[0-9a-f]{7}$' >"$tmp/packed-refs"
	else
		printf '* -export-ignore -export-subst\n' >>"$tmp/info/attributes"
	fi
	mkdir -p "$dest" || return 1
	git --git-dir="$tmp" -c core.autocrlf=false -c tar.umask=022 archive --format=tar "$c" |
		tar -x -p --no-same-owner -C "$dest" || { echo "git archive of $c in $gd failed" >&2; return 1; }
	local h p n sgd surl j found lfs=0 subs=0 counts
	while IFS= read -r -d '' ent; do
		p=${ent#*$'\t'} h=${ent%%$'\t'*} h=${h##* }
		[ -d "$dest/$p" ] || continue   # export-ignored
		n=$(git --git-dir="$tmp" config --blob "$c:.gitmodules" --get-regexp '^submodule\..*\.path$' |
			awk -v p="$p" '$2 == p { sub(/^submodule\./, "", $1); sub(/\.path$/, "", $1); print $1; exit }')
		surl=$(git --git-dir="$tmp" config --blob "$c:.gitmodules" --get "submodule.$n.url")
		found=
		for j in "${!url[@]}"; do
			[ "${url[$j]%.git}" = "${surl%.git}" ] && found=$j && break
		done
		[ -n "$found" ] || { echo "submodule $p: $surl is not in the list" >&2; return 1; }
		sgd=$(git -C "$clones/${name[$found]}" rev-parse --path-format=absolute --git-common-dir) || return 1
		rmdir "$dest/$p" && counts=$(view "$sgd" "$h" "$dest/$p" 0) || return 1
		lfs=$((lfs + ${counts% *})) subs=$((subs + 1 + ${counts#* }))
	done < <(git --git-dir="$tmp" ls-tree -r -z "$c" | grep -z '^160000 ')
	# LFS pointers: small files whose first line is the spec's version line
	# (a submodule's were replaced by its own call).
	local f oid size got obj
	while IFS= read -r -d '' f; do
		[ "$(head -n1 "$f")" = "version https://git-lfs.github.com/spec/v1" ] || continue
		oid=$(sed -n 's/^oid sha256:\([0-9a-f]\{64\}\)$/\1/p' "$f") size=$(sed -n 's/^size \([0-9]*\)$/\1/p' "$f")
		[ -n "$oid" ] && [ -n "$size" ] || continue
		obj=$gd/lfs/objects/${oid:0:2}/${oid:2:2}/$oid
		[ -f "$obj" ] || { echo "LFS object $oid of ${f#"$dest"/} is not in $gd/lfs" >&2; return 1; }
		got=$(sha256sum <"$obj") got=${got%% *}
		[ "$got" = "$oid" ] && [ "$(stat -c %s "$obj")" = "$size" ] || { echo "LFS object $oid does not match its pointer" >&2; return 1; }
		cat "$obj" >"$f" && lfs=$((lfs + 1))
	done < <(find "$dest" -type f -size -1024c -print0 | xargs -0 -r grep -lZ -x -F 'version https://git-lfs.github.com/spec/v1')
	rm -rf "$tmp"
	echo "$lfs $subs"
}

# same VIEW TREE OUT: the two folders hold the same entries: contents (diff
# -r, symlinks compared as links), then type, mode and link target of each.
same() {
	local a=$1 b=$2 out=$3
	diff -r -q --no-dereference "$a" "$b" >"$out" 2>&1
	local d=$?
	diff <(cd "$a" && find . -mindepth 1 -printf '%y %m %p -> %l\n' | sort) \
		<(cd "$b" && find . -mindepth 1 -printf '%y %m %p -> %l\n' | sort) >>"$out"
	local m=$?
	[ $d -eq 0 ] && [ $m -eq 0 ]
}

# compare SYSTEM TAG RELEASE STEP: every repo's folder in RELEASE against the
# view of TAG; the release's top holds those folders and DEPLOY_* only.
compare() {
	local s=$1 tag=$2 rel=$3 step=$4 r t0 ok=0 detail
	for r in "${members[@]}"; do
		t0=$(now_us)
		if same "$work/$s/view/$tag/$r" "$rel/$r" "$logs/$step.$r.diff"; then
			line "$s/$r" "$step" ok "$(secs "$t0")" "${stats[$tag:$r]}"
			[ -n "${res[$r:$step]:-}" ] || res[$r:$step]=ok
		else
			line "$s/$r" "$step" FAIL "$(secs "$t0")" "release differs from git's view of $tag"
			show "$logs/$step.$r.diff"
			res[$r:$step]=FAIL ok=1
		fi
	done
	local want have
	want=$(printf '%s\n' "${members[@]}" DEPLOY_MANIFEST DEPLOY_PROOF DEPLOY_TAG | sort)
	have=$(cd "$rel" && ls -A | sort)
	if [ "$want" != "$have" ]; then
		line "$s" "$step" FAIL 0 "release top: $(echo $have) (want $(echo $want))"
		ok=1
	fi
	[ "$(cat "$rel/DEPLOY_TAG")" = "$tag" ] || { line "$s" "$step" FAIL 0 "DEPLOY_TAG is not $tag"; ok=1; }
	if [ "$(grep -Ev '^(#|$)' "$rel/DEPLOY_MANIFEST" | awk '{ print $1, $2 }' | sort)" != "$(sort "$work/$s/manifest.$tag")" ]; then
		line "$s" "$step" FAIL 0 "DEPLOY_MANIFEST is not the manifest of $tag"
		ok=1
	fi
	return $ok
}

# step SYSTEM NAME DETAIL CMD...: one tool step for the whole system; on
# failure every repo of it fails the step and the rest of the system is
# skipped. The command's output is in $logs/NAME.out.
step() {
	local s=$1 st=$2 detail=$3 t0 r
	shift 3
	t0=$(now_us)
	run "$logs/$st" "$@"
	local rc=$?
	if [ $rc -eq 0 ]; then
		line "$s" "$st" ok "$(secs "$t0")" "$detail"
		for r in "${members[@]}"; do [ -n "${res[$r:$st]:-}" ] || res[$r:$st]=ok; done
		return 0
	fi
	line "$s" "$st" FAIL "$(secs "$t0")" "exit $rc: $*"
	show "$logs/$st.err" "$logs/$st.out"
	for r in "${members[@]}"; do res[$r:$st]=FAIL; done
	return 1
}
check() { # check SYSTEM STEP WHAT CONDITION...: a condition on a step's result
	local s=$1 st=$2 what=$3 r
	shift 3
	"$@" >"$logs/$st.check" 2>&1 && return 0
	line "$s" "$st" FAIL 0 "$what"
	show "$logs/$st.check"
	for r in "${members[@]}"; do res[$r:$st]=FAIL; done
	return 1
}

tags_at() { # tags_at TAG: each repo's tag is annotated and at the commit its manifest names
	local r
	for r in "${members[@]}"; do
		[ "$(git -C "$base/$r" cat-file -t "refs/tags/$1")" = tag ] || return 1
		grep -qx "$r $(git -C "$base/$r" rev-parse "refs/tags/$1^{commit}")" "$work/$s/manifest.$1" || return 1
	done
}
remotes_have() { # remotes_have TAG: each bare copy has the tag object of the repo
	local r
	for r in "${members[@]}"; do
		[ "$(git -C "$work/$s/remotes/$r.git" rev-parse -q --verify "refs/tags/$1")" = \
			"$(git -C "$base/$r" rev-parse "refs/tags/$1")" ] || return 1
	done
}
current_is() { [ "$(readlink "$1/current")" = "releases/$2" ] && [ "$(cat "$1/current/DEPLOY_TAG")" = "$2" ]; }
# all_ok FILE: verify_deploy_tag's lines all say ok (a note may follow,
# "ok; not covered by the signature, as recorded: ...").
all_ok() { ! grep -Ev $'\tok(; .*)?$' "$1"; }
# checked_out DIR TAG: each repo of DIR is at the tag, clean (untracked
# files too), every submodule initialised at its recorded commit, every LFS
# file with its content, as git and git-lfs see them.
checked_out() {
	local r
	for r in "${members[@]}"; do
		[ -d "$1/$r" ] || { echo "no $r"; return 1; }
		[ "$(git -C "$1/$r" rev-parse HEAD)" = "$(git -C "$1/$r" rev-parse "$2^{commit}")" ] || { echo "$r: HEAD is not at $2"; return 1; }
		[ -z "$(git -C "$1/$r" status --porcelain)" ] || { echo "$r: git status:"; git -C "$1/$r" status --porcelain | head; return 1; }
		! git -C "$1/$r" submodule status --recursive | grep -v '^ ' || { echo "$r: a submodule is not at its commit"; return 1; }
		if git lfs version >/dev/null 2>&1; then
			! git -C "$1/$r" lfs ls-files | grep -v '^[0-9a-f]* \* ' || { echo "$r: LFS files without content"; return 1; }
		fi
	done
}

# subinit REPO: git submodule update --init, each submodule cloned from its
# clone in DIR by path (a local clone copies objects as they are, where a
# fetch would need all of the history, which some snapshots lack in part).
subinit() {
	local key u n j
	git -C "$1" submodule -q init || return 1
	while read -r key u; do
		n=${key#submodule.} n=${n%.url}
		for j in "${!url[@]}"; do
			[ "${url[$j]%.git}" != "${u%.git}" ] || git -C "$1" config "submodule.$n.url" "$clones/${name[$j]}"
		done
	done < <(git -C "$1" config -f .gitmodules --get-regexp '^submodule\..*\.url$')
	git -C "$1" submodule -q update || return 1
}

# behind GITDIR REFS COMMIT: the refs under REFS that hold COMMIT step back
# to its parent, so a push of a tag at COMMIT carries the commit (and a Git
# LFS pre-push hook has objects to send).
behind() {
	local ref
	for ref in $(git -C "$1" for-each-ref --format='%(refname)' --contains "$3" "$2"); do
		[ "$ref" = "$2/HEAD" ] || git -C "$1" update-ref "$ref" "$3~1" || return 1
	done
}

# prepare SYSTEM: scratch basedir, bare copies as origins, deploy.toml, the
# manifests of the two tags (the listed commits, and their first parents).
prepare() {
	local s=$1 i r gd src c
	mkdir -p "$base" "$work/$s/remotes" "$logs" || return 1
	for i in "${!name[@]}"; do
		[ "${sys[$i]}" = "$s" ] || continue
		r=${name[$i]} src=$clones/$r
		[ -d "$src" ] || { echo "no clone $src (scripts/realworld.sh --setup $clones)"; return 1; }
		GIT_LFS_SKIP_SMUDGE=1 git clone -q --no-checkout -- "$src" "$base/$r" || return 1
		c=${commit[$i]}
		[ "$c" != HEAD ] || c=$(git -C "$src" rev-parse HEAD)
		git -C "$base/$r" cat-file -e "$c^{commit}" 2>/dev/null ||
			{ echo "$r: commit $c is not in $src (git -C $src fetch)"; return 1; }
		GIT_LFS_SKIP_SMUDGE=1 git -C "$base/$r" checkout -q --detach "$c" || return 1
		git clone -q --bare -- "$src" "$work/$s/remotes/$r.git" || return 1
		git -C "$base/$r" remote set-url origin "$work/$s/remotes/$r.git" || return 1
		if has_opt "$i" ahead; then
			behind "$work/$s/remotes/$r.git" refs/heads "$c" || return 1
			behind "$base/$r" refs/remotes/origin "$c" || return 1
		fi
		gd=$(git -C "$src" rev-parse --path-format=absolute --git-common-dir)
		if [ -d "$gd/lfs/objects" ]; then
			# The clone's LFS objects, and the bare copy's as its public
			# remote's LFS store holds them (where checkout's clone gets them).
			mkdir -p "$base/$r/.git/lfs" "$work/$s/remotes/$r.git/lfs" || return 1
			cp -al "$gd/lfs/objects" "$base/$r/.git/lfs/" && cp -al "$gd/lfs/objects" "$work/$s/remotes/$r.git/lfs/" || return 1
			git -C "$base/$r" lfs install --local >/dev/null || return 1
		fi
		if has_opt "$i" subinit; then
			subinit "$base/$r" || return 1
		fi
		echo "$r $c" >>"$work/$s/manifest.new"
		echo "$r $(git -C "$base/$r" rev-parse -q --verify "$c~1" || echo "$c")" >>"$work/$s/manifest.old"
	done
	{
		printf 'repos = ['
		printf '"%s", ' "${members[@]}" | sed 's/, $//'
		printf ']\n'
		[ ${#exported[@]} -eq 0 ] || { printf 'export_attributes = ['; printf '"%s", ' "${exported[@]}" | sed 's/, $//'; printf ']\n'; }
		printf '\n[environments.realworld]\nkeep = 0\n'
	} >"$base/deploy.toml"
}

# views SYSTEM TAG: git's view of TAG for each repo, with files and size.
views() {
	local s=$1 tag=$2 r i lfs subs counts exp files size
	for r in "${members[@]}"; do
		exp=0
		for i in "${exported[@]}"; do [ "$i" != "$r" ] || exp=1; done
		counts=$(view "$(git -C "$base/$r" rev-parse --path-format=absolute --git-common-dir)" \
			"$(git -C "$base/$r" rev-parse "refs/tags/$tag^{commit}")" \
			"$work/$s/view/$tag/$r" "$exp" 2>"$logs/view.$r.err") || { show "$logs/view.$r.err"; return 1; }
		lfs=${counts% *} subs=${counts#* }
		files=$(find "$work/$s/view/$tag/$r" -type f -o -type l | wc -l)
		size=$(find "$work/$s/view/$tag/$r" -type f -printf '%s\n' | awk '{ t += $1 } END { printf "%.1f MiB", t / 1048576 }')
		stats[$tag:$r]="$files files, $size"
		[ "$lfs" = 0 ] || stats[$tag:$r]+=", $lfs LFS"
		[ "$subs" = 0 ] || stats[$tag:$r]+=", $subs submodule$([ "$subs" = 1 ] || echo s)"
		[ "$exp" = 0 ] || stats[$tag:$r]+=", export attributes"
		[ "$tag" != "$new" ] || { nfiles[$r]=$files nsize[$r]=$size notes[$r]=${stats[$tag:$r]#*MiB}; }
	done
}

# pipeline SYSTEM: every step; returns 1 on any failure.
pipeline() {
	local s=$1 i r old new sum t0=$(now_us) bad=0
	members=() exported=()
	for i in "${!name[@]}"; do
		[ "${sys[$i]}" = "$s" ] || continue
		members+=("${name[$i]}")
		! has_opt "$i" export || exported+=("${name[$i]}")
	done
	base=$work/$s/base logs=$work/$s/log
	for r in "${members[@]}"; do system[$r]=$s; done
	echo "== $s: ${members[*]}"
	local st=$(now_us)
	if ! prepare "$s" >"$work/$s.setup.log" 2>&1; then
		line "$s" setup FAIL "$(secs "$st")"
		show "$work/$s.setup.log"
		for r in "${members[@]}"; do res[$r:setup]=FAIL; done
		return 1
	fi
	line "$s" setup ok "$(secs "$st")" "scratch basedir, bare copies as origins"
	for r in "${members[@]}"; do res[$r:setup]=ok; done

	# Tags: an older one through create_deploy_tag --manifest | tag_repos, the
	# new one through tag_for_deploy.
	step "$s" tag-old "create_deploy_tag --manifest | tag_repos" bash -c \
		'create_deploy_tag --basedir "$1" --manifest "$2" --time "$3" | tee "$4" | xargs tag_repos --basedir "$1" --manifest "$2"' \
		- "$base" "$work/$s/manifest.old" "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" "$work/$s/tag.old" || return 1
	old=$(cat "$work/$s/tag.old")
	cp "$work/$s/manifest.old" "$work/$s/manifest.$old"
	check "$s" tag-old "$old is not on every repo at its manifest's commit" tags_at "$old" || return 1
	step "$s" tag "tag_for_deploy" tag_for_deploy --basedir "$base" || return 1
	new=$(cat "$logs/tag.out")
	cp "$work/$s/manifest.new" "$work/$s/manifest.$new"
	check "$s" tag "$new is not on every repo at HEAD" tags_at "$new" || return 1
	line "$s" tags ok 0 "old $old, new $new"

	step "$s" push "push_tag, both tags" bash -c 'push_tag --basedir "$1" "$2" && push_tag --basedir "$1" "$3"' - "$base" "$old" "$new" || return 1
	check "$s" push "a bare copy lacks a tag or has another object" eval 'remotes_have "$old" && remotes_have "$new"' || return 1

	# git's views of both tags.
	local vt=$(now_us)
	views "$s" "$old" && views "$s" "$new" || { line "$s" view FAIL "$(secs "$vt")" "git archive view"; for r in "${members[@]}"; do res[$r:deploy]=FAIL; done; return 1; }
	line "$s" view ok "$(secs "$vt")" "git archive of both tags"

	local r1=$work/$s/root1 r2=$work/$s/root2
	step "$s" deploy-old "deploy --tag $old" deploy --environment realworld --basedir "$base" --root "$r1" --tag "$old" || return 1
	compare "$s" "$old" "$r1/releases/$old" deploy-old || bad=1
	step "$s" deploy "deploy --tag $new" deploy --environment realworld --basedir "$base" --root "$r1" --tag "$new" || return 1
	check "$s" deploy "current is not $new" current_is "$r1" "$new" || bad=1
	compare "$s" "$new" "$r1/releases/$new" deploy || bad=1

	step "$s" verify-host "verify_deploy_tag --root, no git" "${host[@]}" verify_deploy_tag --root "$r1" "$new" || bad=1
	check "$s" verify-host "a line is not ok" all_ok "$logs/verify-host.out" || bad=1
	step "$s" verify-repos "verify_deploy_tag --root --basedir" verify_deploy_tag --basedir "$base" --root "$r1" "$new" || bad=1
	check "$s" verify-repos "a line is not ok" all_ok "$logs/verify-repos.out" || bad=1

	step "$s" artifact "deploy --artifact" deploy --environment realworld --basedir "$base" --tag "$new" --artifact "$work/$s/a1.tar" || return 1
	step "$s" artifact-again "deploy --artifact, umask 077, TZ elsewhere, one job" bash -c \
		'umask 077; TZ=Pacific/Chatham deploy --environment realworld --basedir "$1" --tag "$2" --jobs 1 --artifact "$3"' \
		- "$base" "$new" "$work/$s/a2.tar" || return 1
	sum=$(sha256sum <"$work/$s/a1.tar") sum=${sum%% *}
	if check "$s" artifact "the two artifacts differ" cmp -s "$work/$s/a1.tar" "$work/$s/a2.tar"; then
		line "$s" artifact ok 0 "byte-identical, $(stat -c %s "$work/$s/a1.tar") bytes, sha256 ${sum:0:16}…"
	else
		bad=1
	fi

	step "$s" from-artifact "deploy --from-artifact --sha256, no git" \
		"${host[@]}" deploy --environment realworld --root "$r2" --from-artifact "$work/$s/a1.tar" --sha256 "$sum" || return 1
	check "$s" from-artifact "current is not $new" current_is "$r2" "$new" || bad=1
	compare "$s" "$new" "$r2/releases/$new" from-artifact || bad=1
	step "$s" verify-host2 "verify_deploy_tag --root, no git" "${host[@]}" verify_deploy_tag --root "$r2" || bad=1
	check "$s" verify-host2 "a line is not ok" all_ok "$logs/verify-host2.out" || bad=1

	mkdir -p "$work/$s/empty"
	step "$s" checkout "checkout_deploy_tag into an empty folder, the tag and one repo's name" \
		checkout_deploy_tag --basedir "$work/$s/empty" --url-template "$work/$s/remotes/{name}.git" "$new" "${members[0]}" || bad=1
	check "$s" checkout "the checkout is not the tag" checked_out "$work/$s/empty" "$new" || bad=1
	step "$s" verify-checkout "verify_deploy_tag in it" verify_deploy_tag --basedir "$work/$s/empty" "$new" || bad=1

	step "$s" rollback "deploy --rollback, no git" "${host[@]}" deploy --environment realworld --root "$r1" --rollback || return 1
	check "$s" rollback "current is not $old" current_is "$r1" "$old" || bad=1
	compare "$s" "$old" "$r1/releases/$old" rollback || bad=1
	step "$s" verify-rollback "verify_deploy_tag --root, no git" "${host[@]}" verify_deploy_tag --root "$r1" "$old" || bad=1
	check "$s" verify-rollback "a line is not ok" all_ok "$logs/verify-rollback.out" || bad=1

	line "$s" total "$([ $bad = 0 ] && echo ok || echo FAIL)" "$(secs "$t0")"
	return $bad
}

# The summary: one row per repo, each step's outcome.
cols=(tag push deploy verify artifact from-artifact checkout rollback)
declare -A colsteps=(
	[tag]="setup tag-old tag" [push]="push" [deploy]="deploy-old deploy"
	[verify]="verify-host verify-repos verify-host2 verify-checkout" [artifact]="artifact artifact-again"
	[from-artifact]="from-artifact" [checkout]="checkout" [rollback]="rollback verify-rollback")
summary() {
	local r c st v failed=0 n=0
	printf '\n%-24s %-14s %7s %10s' repo system files size
	for c in "${cols[@]}"; do printf ' %-*s' $((${#c} > 4 ? ${#c} : 4)) "$c"; done
	printf ' %8s\n' time
	for r in "$@"; do
		n=$((n + 1))
		local rowbad=0
		printf '%-24s %-14s %7s %10s' "$r" "${system[$r]}" "${nfiles[$r]:--}" "${nsize[$r]:--}"
		for c in "${cols[@]}"; do
			v=ok
			for st in ${colsteps[$c]}; do   # FAIL beats a step not run beats ok
				case ${res[$r:$st]:-} in FAIL) v=FAIL ;; ok) ;; *) [ $v = FAIL ] || v=skip ;; esac
			done
			[ $v = ok ] || rowbad=1
			printf ' %-*s' $((${#c} > 4 ? ${#c} : 4)) "$v"
		done
		local note=${notes[$r]:-}
		printf ' %8s  %s\n' "${systime[${system[$r]}]:--}" "${note#, }"
		failed=$((failed + rowbad))
	done
	echo
	echo "realworld: $n repos, $((n - failed)) passed every step, $failed failed"
	[ $failed -eq 0 ]
}

main() {
	[ $# -ge 1 ] || die "usage: scripts/realworld.sh [--setup] DIR [SYSTEM...]"
	if [ "$1" = --setup ]; then
		[ $# -eq 2 ] || die "usage: scripts/realworld.sh --setup DIR"
		setup "$2"
		return
	fi
	clones=$(cd "$1" 2>/dev/null && pwd) || die "no folder $1 (make realworld REALWORLD_DIR=DIR; scripts/realworld.sh --setup DIR clones the repos)"
	shift
	bin=${REALWORLD_BIN:-$here/bin}
	bin=$(cd "$bin" && pwd) || exit 1
	step_timeout=${REALWORLD_TIMEOUT:-1800}
	local t
	for t in create_deploy_tag tag_repos tag_for_deploy push_tag deploy verify_deploy_tag checkout_deploy_tag; do
		[ -x "$bin/$t" ] || die "no $bin/$t (make build)"
	done
	local systems=("$@") all s
	all=$(printf '%s\n' "${sys[@]}" | grep -vx sub | awk '!seen[$0]++')
	[ $# -gt 0 ] || mapfile -t systems <<<"$all"
	for s in "${systems[@]}"; do
		grep -qx -- "$s" <<<"$all" || die "no system $s in the list (systems: $(echo $all))"
	done
	work=${REALWORLD_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/realworld.XXXXXX")}
	mkdir -p "$work" && work=$(cd "$work" && pwd) || exit 1

	# A private git world: its own HOME and config, the list's URLs pointing
	# at the clones in DIR (so submodules come from there), no system config.
	export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 LC_ALL=C XDG_CONFIG_HOME=$work/home/.config
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
		DEPLOY_ROOT DEPLOYTAG_BASEDIR DEPLOYTAG_CONFIG DEPLOYTAG_PREFIX DEPLOYTAG_REMOTE DEPLOYTAG_JOBS DEPLOYTAG_TIMEOUT \
		DEPLOYTAG_QUIET DEPLOYTAG_URL_TEMPLATE
	export PATH="$bin:$PATH"
	mkdir -p "$HOME"
	git config --global user.name realworld
	git config --global user.email realworld@example.org
	git config --global advice.detachedHead false
	git config --global protocol.file.allow always
	local i
	for i in "${!url[@]}"; do
		[ "${url[$i]}" != - ] && [ -d "$clones/${name[$i]}" ] || continue
		git config --global --add "url.$clones/${name[$i]}.insteadOf" "${url[$i]%.git}"
		git config --global --add "url.$clones/${name[$i]}.insteadOf" "${url[$i]%.git}.git"
	done
	! git lfs version >/dev/null 2>&1 || git lfs install --skip-repo >/dev/null
	hostbin=$work/hostbin
	host=(env -i PATH="$hostbin")   # a host with our tools and no git
	mkdir -p "$hostbin"
	for t in deploy verify_deploy_tag show_deploy_tag; do ln -sf "$bin/$t" "$hostbin/$t"; done
	env -i PATH="$hostbin" git --version >/dev/null 2>&1 && die "git is reachable from $hostbin"

	echo "realworld: $("$bin/deploy" --version), $(git --version), $(git lfs version 2>/dev/null || echo 'no git-lfs')"
	echo "realworld: clones in $clones, scratch in $work"
	declare -gA system systime nfiles nsize notes stats
	local failed=0 repos=()
	for s in "${systems[@]}"; do
		t=$(now_us)
		pipeline "$s"
		local rc=$?
		systime[$s]=$(secs "$t")s
		if [ $rc -eq 0 ]; then
			[ "${REALWORLD_KEEP:-}" = 1 ] || rm -rf "${work:?}/$s"
		else
			failed=1
			echo "realworld: $s failed; its scratch stays in $work/$s"
		fi
		repos+=("${members[@]}")
	done
	summary "${repos[@]}" || failed=1
	if [ $failed = 0 ] && [ "${REALWORLD_KEEP:-}" != 1 ] && [ -z "${REALWORLD_WORK:-}" ]; then
		rm -rf "$work"
	fi
	return $failed
}

[ "${BASH_SOURCE[0]}" != "$0" ] || main "$@"   # sourced: the functions only
