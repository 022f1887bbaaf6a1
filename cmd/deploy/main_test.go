package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/scripttest"
)

func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }

func TestScript(t *testing.T) {
	p := scripttest.Params("testdata/script")
	p.Cmds["treeeq"] = treeeq
	p.Cmds["waitfile"] = waitfile
	scripttest.Run(t, p)
}

// treeeq DIR REPO REV: the files under DIR are exactly the tree of REV in
// REPO, by git tree hash (contents, modes, symlinks, and no extra file),
// computed with a private index so neither DIR nor REPO changes.
func treeeq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: treeeq DIR REPO REV")
	}
	dir, repo := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	index := filepath.Join(ts.MkAbs("."), ".treeeq-index")
	defer os.Remove(index)
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+index, "HOME="+ts.Getenv("HOME"), "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			ts.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	os.Remove(index)
	run("-C", repo, "--work-tree="+dir, "add", "--force", "--all", ".")
	got := run("-C", repo, "--work-tree="+dir, "write-tree")
	want := run("-C", repo, "rev-parse", "--verify", "--end-of-options", args[2]+"^{tree}")
	if (got == want) == neg {
		ts.Fatalf("tree of %s is %s, tree of %s is %s", args[0], got, args[2], want)
	}
}

// waitfile PATH: wait (at most a minute) until PATH exists.
func waitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	p := ts.MkAbs(args[0])
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Lstat(p); err == nil {
			return
		}
	}
	ts.Fatalf("%s did not appear", args[0])
}
