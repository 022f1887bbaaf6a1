package release

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/proof"
)

// nestedRepos makes bare upstreams b (a leaf), a (with b as vendor/b) and
// a work tree super (with a as lib/a, recursively checked out), each with
// one commit, super tagged with testTag.
func nestedRepos(t *testing.T, env []string) (up, super string) {
	t.Helper()
	up = t.TempDir()
	work := t.TempDir()
	allow := []string{"-c", "protocol.file.allow=always"}
	mk := func(name string, files map[string]string, subs map[string]string) {
		dir := filepath.Join(work, name)
		gittest.Git(t, env, work, "init", "-q", dir)
		for p, body := range files {
			gittest.WriteFile(t, dir, p, body, 0o644)
		}
		for p, from := range subs {
			gittest.Git(t, env, dir, append(allow, "submodule", "add", "-q", filepath.Join(up, from+".git"), p)...)
		}
		gittest.Git(t, env, dir, "add", "-A")
		gittest.Git(t, env, dir, "commit", "-q", "-m", "start "+name)
		gittest.Git(t, env, work, "clone", "-q", "--bare", dir, filepath.Join(up, name+".git"))
	}
	mk("b", map[string]string{"b.txt": "leaf\n"}, nil)
	mk("a", map[string]string{"a.txt": "middle\n"}, map[string]string{"vendor/b": "b"})
	mk("super", map[string]string{"top.txt": "top\n"}, nil)
	super = filepath.Join(work, "super")
	gittest.Git(t, env, super, append(allow, "submodule", "add", "-q", filepath.Join(up, "a.git"), "lib/a")...)
	gittest.Git(t, env, super, append(allow, "submodule", "update", "-q", "--init", "--recursive")...)
	gittest.Git(t, env, super, "commit", "-q", "-m", "add lib/a")
	gittest.Git(t, env, super, "tag", "-a", "-m", testTag, testTag)
	return up, super
}

func TestExportNestedSubmodules(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	_, super := nestedRepos(t, env)
	commit := gittest.Git(t, env, super, "rev-parse", "HEAD")
	aCommit := gittest.Git(t, env, super, "rev-parse", "HEAD:lib/a")
	bCommit := gittest.Git(t, env, filepath.Join(super, "lib/a"), "rev-parse", "HEAD:vendor/b")
	rel, err := exportOne(t, Source{Name: "super", Path: super, Commit: commit})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"top.txt": "top\n", "lib/a/a.txt": "middle\n", "lib/a/vendor/b/b.txt": "leaf\n"} {
		if b, err := os.ReadFile(filepath.Join(rel, "super", p)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v", p, b, err)
		}
	}
	for _, p := range []string{"lib/a/.git", "lib/a/vendor/b/.git"} {
		if _, err := os.Lstat(filepath.Join(rel, "super", p)); !os.IsNotExist(err) {
			t.Errorf("%s deployed", p)
		}
	}
	// The folders hash to the recorded trees, as the verifier will check.
	subtrees := map[string]string{}
	links := map[string]string{"lib/a": aCommit, "lib/a/vendor/b": bCommit}
	if got, want := hashDir(t, filepath.Join(rel, "super"), "sha1", links, subtrees), gittest.Git(t, env, super, "rev-parse", commit+"^{tree}"); got != want {
		t.Errorf("release tree %s, tagged %s", got, want)
	}
	pd := filepath.Join(rel, proof.Dir, "super")
	var rec proof.Record
	rb, _ := os.ReadFile(filepath.Join(pd, proof.RecordFile))
	if err := json.Unmarshal(rb, &rec); err != nil {
		t.Fatal(err)
	}
	want := []proof.Submodule{{Path: "lib/a", Commit: aCommit}, {Path: "lib/a/vendor/b", Commit: bCommit}}
	if len(rec.Submodules) != 2 || rec.Submodules[0] != want[0] || rec.Submodules[1] != want[1] {
		t.Errorf("submodules = %+v, want %+v", rec.Submodules, want)
	}
	for _, c := range []string{aCommit, bCommit} {
		b, err := os.ReadFile(filepath.Join(pd, proof.ObjectsDir, c))
		if err != nil || !strings.HasPrefix(string(b), "tree ") {
			t.Errorf("objects/%s = %q, %v", c, b, err)
		}
	}
}

func TestExportSubmoduleFetchedWhenMissing(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	up, super := nestedRepos(t, env)
	// A new commit of a upstream, recorded in super by hand: the local
	// modules/ never saw it.
	scratch := filepath.Join(t.TempDir(), "a")
	gittest.Git(t, env, up, "clone", "-q", filepath.Join(up, "a.git"), scratch)
	gittest.WriteFile(t, scratch, "new.txt", "new\n", 0o644)
	gittest.Git(t, env, scratch, "add", "new.txt")
	gittest.Git(t, env, scratch, "commit", "-q", "-m", "new")
	gittest.Git(t, env, scratch, "push", "-q", "origin", "HEAD")
	newA := gittest.Git(t, env, scratch, "rev-parse", "HEAD")
	gittest.Git(t, env, super, "update-index", "--cacheinfo", "160000,"+newA+",lib/a")
	gittest.Git(t, env, super, "commit", "-q", "-m", "bump lib/a")
	gittest.Git(t, env, super, "tag", "-f", "-a", "-m", testTag, testTag)
	commit := gittest.Git(t, env, super, "rev-parse", "HEAD")
	rel, err := exportOne(t, Source{Name: "super", Path: super, Commit: commit})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(rel, "super", "lib/a/new.txt")); err != nil || string(b) != "new\n" {
		t.Errorf("lib/a/new.txt = %q, %v", b, err)
	}
	// A commit nobody has: refused, naming path and commit.
	ghost := strings.Repeat("7", 40)
	gittest.Git(t, env, super, "update-index", "--cacheinfo", "160000,"+ghost+",lib/a")
	gittest.Git(t, env, super, "commit", "-q", "-m", "ghost")
	gittest.Git(t, env, super, "tag", "-f", "-a", "-m", testTag, testTag)
	commit = gittest.Git(t, env, super, "rev-parse", "HEAD")
	_, err = exportOne(t, Source{Name: "super", Path: super, Commit: commit})
	if err == nil || !strings.Contains(err.Error(), "submodule lib/a at commit "+ghost+" cannot be had") {
		t.Errorf("ghost submodule commit: %v", err)
	}
}

// A submodule never initialised here (no modules/, no work tree) is
// fetched from its URL into deploytag's own copy, nested ones too, and the
// next export finds it there without the network.
func TestExportSubmoduleNeverInitialised(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	up, super := nestedRepos(t, env)
	commit := gittest.Git(t, env, super, "rev-parse", "HEAD")
	gittest.Git(t, env, super, "submodule", "deinit", "-q", "--force", "--all")
	if err := os.RemoveAll(filepath.Join(super, ".git", "modules")); err != nil {
		t.Fatal(err)
	}
	rel, err := exportOne(t, Source{Name: "super", Path: super, Commit: commit})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(rel, "super", "lib/a/vendor/b/b.txt")); err != nil || string(b) != "leaf\n" {
		t.Errorf("lib/a/vendor/b/b.txt = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(super, ".git", "deploytag", "modules", "lib", "a", "HEAD")); err != nil {
		t.Errorf("no private copy of lib/a: %v", err)
	}
	if _, err := os.Stat(filepath.Join(super, ".git", "modules")); !os.IsNotExist(err) {
		t.Errorf("the repo's own modules/ was made: %v", err)
	}
	// The upstreams gone, the private copies serve.
	if err := os.RemoveAll(up); err != nil {
		t.Fatal(err)
	}
	if _, err := exportOne(t, Source{Name: "super", Path: super, Commit: commit}); err != nil {
		t.Errorf("second export, upstreams gone: %v", err)
	}
}
