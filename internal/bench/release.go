package main

import (
	"os"
	"os/exec"
	"path/filepath"

	"github.com/deploytag/deploytag/internal/releasetest"
)

// Verifying a release on its host (verify_deploy_tag --root, no repos, no
// git on PATH) against hashing the same files with coreutils: the release
// of the big repo, made the way the tests' mkrelease makes one.
const ReleaseCase = "verify_deploy_tag --root (no repos)"

var releaseCase = pairCase{
	name: ReleaseCase, tool: "verify_deploy_tag", runs: 5, target: 1.5, mem: true,
	sides: releaseSides,
	names: [2]string{"verify_deploy_tag", "find | xargs sha1sum"},
	title: "Verifying a release on its host",
	about: "a release of %s with its proof, checked\n" +
		"from a folder with no repos and only the tool on PATH; against `find . -type f -print0 | xargs -0 sha1sum`\n" +
		"over the same files.",
	header: "| tool median | find \\| xargs sha1sum median | ratio | target | tool peak RSS | sha1sum peak RSS |\n|---:|---:|---:|---|---:|---:|\n",
	start:  "<!-- release verify: written by internal/bench -release -->",
	end:    "<!-- /release verify -->",
}

// releaseSides writes the big repo's release and its proof into a root,
// and a host folder whose PATH holds only the tool.
func releaseSides(b *Bench, big *bigRepo) (sides [2]sideFunc, _ error) {
	dir := filepath.Join(b.tmp, "release-bench")
	root, host := filepath.Join(dir, "root"), filepath.Join(dir, "host")
	if err := releasetest.Make(root, big.base, bigTag, b.gitIn); err != nil {
		return sides, err
	}
	hostBin := filepath.Join(host, "bin")
	if err := os.MkdirAll(hostBin, 0o755); err != nil {
		return sides, err
	}
	tool := filepath.Join(hostBin, "verify_deploy_tag")
	if err := os.Symlink(filepath.Join(b.bin, "verify_deploy_tag"), tool); err != nil {
		return sides, err
	}
	sides[0] = func() (*exec.Cmd, func()) {
		cmd := b.cmd(tool, "--root", root)
		cmd.Dir = host
		cmd.Env = []string{"PATH=" + hostBin, "HOME=" + host} // no git, no repos
		return cmd, nil
	}
	sides[1] = func() (*exec.Cmd, func()) {
		cmd := b.cmd("bash", "-c", "find . -type f -print0 | xargs -0 sha1sum >/dev/null")
		cmd.Dir = filepath.Join(root, "current", "app")
		cmd.Env = b.env
		return cmd, nil
	}
	return sides, nil
}
