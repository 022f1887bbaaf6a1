package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Exporting a release: deploy --tag --no-push (one cat-file --batch and
// one ls-tree per repo, files written in parallel, the proof written) of
// the big repo, against the serial "git archive | tar -x" it replaced.
const ExportCase = "deploy --no-push (export of one big repo)"

var exportCase = pairCase{
	name: ExportCase, tool: "deploy", runs: 3, target: 0.5,
	sides: exportSides,
	names: [2]string{"deploy", "git archive | tar -x"},
	title: "Exporting a release",
	about: "one repo, in one uncompressed pack, of %s, deployed\n" +
		"with `deploy --tag T --no-push` into a fresh root (tag check, export, proof, install, switch, log);\n" +
		"against `git archive T | tar -x` of the same repo into a fresh folder.",
	header: "| deploy median | git archive \\| tar -x median | ratio | target | deploy peak RSS | git archive \\| tar peak RSS |\n|---:|---:|---:|---|---:|---:|\n",
	start:  "<!-- release export: written by internal/bench -export -->",
	end:    "<!-- /release export -->",
}

// exportSides exports into a fresh folder each run, removed afterwards.
func exportSides(b *Bench, big *bigRepo) (sides [2]sideFunc, _ error) {
	outs := filepath.Join(b.tmp, "export-bench")
	fresh := func() (string, func()) {
		b.seq++
		dest := filepath.Join(outs, fmt.Sprint(b.seq))
		return dest, func() { os.RemoveAll(dest) }
	}
	sides[0] = func() (*exec.Cmd, func()) {
		root, done := fresh()
		cmd := b.cmd(filepath.Join(b.bin, "deploy"), "--environment", "bench", "--tag", bigTag,
			"--basedir", big.base, "--root", root, "--no-push")
		cmd.Env = b.env
		return cmd, done
	}
	sides[1] = func() (*exec.Cmd, func()) {
		dest, done := fresh()
		cmd := b.cmd("bash", "-c", `mkdir -p "$2/app" && git -C "$1" archive "$3" | tar -x -C "$2/app"`,
			"bash", big.repo, dest, bigTag)
		cmd.Env = b.env
		return cmd, done
	}
	return sides, nil
}
