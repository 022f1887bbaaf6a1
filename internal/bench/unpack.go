package main

import (
	"os/exec"
	"path/filepath"
)

// Deploying an artifact on a host: deploy --from-artifact (unpack under
// the lock, verify against the proof, rename, switch, log) with no repos
// and only the tool on PATH, against tar -x of the same artifact then
// sha1sum of every file it holds.
const UnpackCase = "deploy --from-artifact"

var unpackCase = pairCase{
	name: UnpackCase, tool: "deploy", goal: GoalUnpack, kind: kindRandom, runs: 3,
	sides: unpackSides,
	names: [2]string{"deploy --from-artifact", "tar -x; sha1sum"},
	title: "Deploying an artifact on a host",
	about: "the artifact of one repo's release (`deploy --artifact`), deployed with\n" +
		"`deploy --from-artifact A` into a fresh root from a folder with no repos, only the tool on PATH;\n" +
		"against `tar -x -f A` into a fresh folder, then `find . -type f -print0 | xargs -0 sha1sum` there.",
	start: "<!-- release unpack: written by internal/bench -unpack -->",
	end:   "<!-- /release unpack -->",
}

var unpackMixedCase = pairCase{
	name: UnpackCase + ", 0.1–40 KiB files", tool: "deploy", goal: GoalUnpackMix, kind: kindMixed, runs: 3,
	sides: unpackSides, memSide: unpackMem,
	names: unpackCase.names,
	title: "Deploying an artifact of files of 0.1–40 KiB on a host",
	about: unpackCase.about + " The repo is made as /work/shared/bench/release-io.sh makes it.",
	start: "<!-- release unpack mixed: written by internal/bench -unpack -->",
	end:   "<!-- /release unpack mixed -->",
}

func unpackTool(b *Bench, artifact string) sideFunc {
	return func() (*exec.Cmd, func()) {
		root, done := b.freshDir("unpack-bench")
		cmd := b.cmd(filepath.Join(b.bin, "deploy"), "--environment", "bench", "--root", root,
			"--from-artifact", artifact, "--quiet")
		cmd.Dir = filepath.Dir(artifact)
		cmd.Env = []string{"PATH=" + b.bin, "HOME=" + filepath.Dir(artifact)} // no git, no repos
		return cmd, done
	}
}

func unpackSides(b *Bench, big *bigRepo) (sides [2]sideFunc, _ error) {
	a, err := b.artifact(big)
	if err != nil {
		return sides, err
	}
	sides[0] = unpackTool(b, a)
	sides[1] = func() (*exec.Cmd, func()) {
		dest, done := b.freshDir("unpack-bench")
		cmd := b.cmd("bash", "-c", `mkdir -p "$2" && tar -x -C "$2" -f "$1" && cd "$2" && find . -type f -print0 | xargs -0 sha1sum >/dev/null`,
			"bash", a, dest)
		cmd.Env = b.env
		return cmd, done
	}
	return sides, nil
}

func unpackMem(b *Bench, big *bigRepo) (sideFunc, error) {
	a, err := b.artifact(big)
	if err != nil {
		return nil, err
	}
	return unpackTool(b, a), nil
}
