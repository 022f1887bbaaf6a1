package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Exporting a release: deploy --tag --no-push (one cat-file --batch and
// one ls-tree per repo, files written in parallel, the proof written) of
// a big repo, against the serial "git archive | tar -x" it replaced.
const ExportCase = "deploy --no-push (export of one big repo)"

var exportCase = pairCase{
	name: ExportCase, tool: "deploy", goal: GoalExport, kind: kindRandom, runs: 3,
	sides: exportSides,
	names: [2]string{"deploy", "git archive | tar -x"},
	title: "Exporting a release",
	about: "one repo, deployed with `deploy --tag T --no-push` into a fresh root (tag check, export, proof,\n" +
		"install, switch, log); against `git archive T | tar -x` of the same repo into a fresh folder.",
	start: "<!-- release export: written by internal/bench -export -->",
	end:   "<!-- /release export -->",
}

var exportMixedCase = pairCase{
	name: ExportCase + ", 0.1–40 KiB files", tool: "deploy", goal: GoalExportMix, kind: kindMixed, runs: 3,
	sides: exportSides, memSide: exportMem,
	names: exportCase.names,
	title: "Exporting a release of files of 0.1–40 KiB",
	about: exportCase.about + " The repo is made as /work/shared/bench/release-io.sh makes it.",
	start: "<!-- release export mixed: written by internal/bench -export -->",
	end:   "<!-- /release export mixed -->",
}

// fresh is a fresh folder under dir, and a function removing it.
func (b *Bench) freshDir(dir string) (string, func()) {
	b.seq++
	dest := filepath.Join(b.tmp, dir, fmt.Sprint(b.seq))
	return dest, func() { os.RemoveAll(dest) }
}

func exportTool(b *Bench, big *bigRepo) sideFunc {
	return func() (*exec.Cmd, func()) {
		root, done := b.freshDir("export-bench")
		cmd := b.cmd(filepath.Join(b.bin, "deploy"), "--environment", "bench", "--tag", bigTag,
			"--basedir", big.base, "--root", root, "--no-push", "--quiet")
		cmd.Env = b.env
		return cmd, done
	}
}

// exportSides exports into a fresh folder each run, removed afterwards.
func exportSides(b *Bench, big *bigRepo) (sides [2]sideFunc, _ error) {
	sides[0] = exportTool(b, big)
	sides[1] = func() (*exec.Cmd, func()) {
		dest, done := b.freshDir("export-bench")
		cmd := b.cmd("bash", "-c", `mkdir -p "$2/app" && git -C "$1" archive "$3" | tar -x -C "$2/app"`,
			"bash", big.repo, dest, bigTag)
		cmd.Env = b.env
		return cmd, done
	}
	return sides, nil
}

func exportMem(b *Bench, big *bigRepo) (sideFunc, error) { return exportTool(b, big), nil }
