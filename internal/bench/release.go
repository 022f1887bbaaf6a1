package main

import (
	"os"
	"os/exec"
	"path/filepath"

	"github.com/deploytag/deploytag/internal/releasetest"
)

// Verifying a release on its host (verify_deploy_tag --root, no repos, no
// git on PATH) against hashing the same files with coreutils: the release
// of a big repo, made the way the tests' mkrelease makes one.
const ReleaseCase = "verify_deploy_tag --root (no repos)"

var releaseCase = pairCase{
	name: ReleaseCase, tool: "verify_deploy_tag", goal: GoalVerifyHost, kind: kindRandom, runs: 5,
	sides: releaseSides, memSide: releaseMem,
	names: [2]string{"verify_deploy_tag", "find | xargs sha1sum"},
	title: "Verifying a release on its host",
	about: "a release of one repo with its proof, checked from a folder with no repos and\n" +
		"only the tool on PATH; against `find . -type f -print0 | xargs -0 sha1sum` over the same files.",
	start: "<!-- release verify: written by internal/bench -release -->",
	end:   "<!-- /release verify -->",
}

// hostRelease writes the repo's release and its proof into a root, and a
// host folder whose PATH holds only the tool; it returns the root and
// the tool's side.
func hostRelease(b *Bench, big *bigRepo) (string, sideFunc, error) {
	dir := filepath.Join(filepath.Dir(big.base), "release-bench")
	root, host := filepath.Join(dir, "root"), filepath.Join(dir, "host")
	hostBin := filepath.Join(host, "bin")
	tool := filepath.Join(hostBin, "verify_deploy_tag")
	side := func() (*exec.Cmd, func()) {
		cmd := b.cmd(tool, "--root", root)
		cmd.Dir = host
		cmd.Env = []string{"PATH=" + hostBin, "HOME=" + host} // no git, no repos
		return cmd, nil
	}
	if _, err := os.Stat(tool); err == nil {
		return root, side, nil
	}
	if err := releasetest.Make(root, big.base, bigTag, b.gitIn); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(hostBin, 0o755); err != nil {
		return "", nil, err
	}
	if err := os.Symlink(filepath.Join(b.bin, "verify_deploy_tag"), tool); err != nil {
		return "", nil, err
	}
	return root, side, nil
}

func releaseSides(b *Bench, big *bigRepo) (sides [2]sideFunc, _ error) {
	root, tool, err := hostRelease(b, big)
	if err != nil {
		return sides, err
	}
	sides[0] = tool
	sides[1] = func() (*exec.Cmd, func()) {
		cmd := b.cmd("bash", "-c", "find . -type f -print0 | xargs -0 sha1sum >/dev/null")
		cmd.Dir = filepath.Join(root, "current", "app")
		cmd.Env = b.env
		return cmd, nil
	}
	return sides, nil
}

func releaseMem(b *Bench, big *bigRepo) (sideFunc, error) {
	_, tool, err := hostRelease(b, big)
	return tool, err
}
