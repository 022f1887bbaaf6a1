package git

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSafeArgs(t *testing.T) {
	base := []string{"--no-pager", "-c", "core.fsmonitor=false", "-c", "log.showSignature=false"}
	hooksOff := []string{"-c", "core.hooksPath=/dev/null"}
	lfsOff := []string{"-c", "filter.lfs.clean=", "-c", "filter.lfs.smudge=", "-c", "filter.lfs.process=", "-c", "filter.lfs.required=false"}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		trust   Trust
		drivers []string
		want    []string
	}{
		{"read, no drivers", 0, nil, cat(base, hooksOff)},
		{"read, a driver", 0, []string{"lfs"}, cat(base, hooksOff, lfsOff)},
		{"hooks trusted", TrustHooks, []string{"lfs"}, cat(base, lfsOff)},
		{"filters trusted", TrustFilters, []string{"lfs"}, cat(base, hooksOff)},
		{"writes", TrustWrites, []string{"lfs"}, base},
	} {
		if got := SafeArgs(tc.trust, tc.drivers); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: SafeArgs = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRepoDrivers(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("repo/.git/HEAD", "ref: refs/heads/main\n")
	write("repo/.git/config", `[core]
	bare = false
[filter "x"]
	clean = mark
[Filter "Quoted \"q\""] smudge = mark
[filter.old]
	process = mark
[include]
	path = extra.cfg ; a comment
[includeIf "gitdir:/nowhere/"]
	path = "../cond.cfg"
[diff "notafilter"]
	textconv = mark
`)
	write("repo/.git/extra.cfg", "[filter \"inc\"]\n\tclean = mark\n[include]\n\tpath = extra.cfg\n")
	write("repo/cond.cfg", "[filter \"cond\"]\n\tsmudge = mark\n")
	write("repo/.git/config.worktree", "[filter \"wt\"]\n\tclean = mark\n")
	want := []string{"Quoted \"q\"", "cond", "inc", "old", "wt", "x"}
	if got := repoDrivers(filepath.Join(dir, "repo")); !reflect.DeepEqual(got, want) {
		t.Errorf("repoDrivers = %q, want %q", got, want)
	}

	// A linked work tree: .git is a file, the config is in the common folder.
	write("repo/.git/worktrees/lt/commondir", "../..\n")
	write("linked/.git", "gitdir: ../repo/.git/worktrees/lt\n")
	if got := repoDrivers(filepath.Join(dir, "linked")); !reflect.DeepEqual(got, []string{"Quoted \"q\"", "cond", "inc", "old", "x"}) {
		t.Errorf("linked work tree: repoDrivers = %q", got)
	}
	if got := repoDrivers(filepath.Join(dir, "nothing")); got != nil {
		t.Errorf("not a repo: repoDrivers = %q, want none", got)
	}
}
