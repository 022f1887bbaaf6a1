// Package gittest makes real temporary git repos for package tests. Every
// helper runs git with -C and a sealed environment, so tests may run in
// parallel.
package gittest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/network"
)

// Env is the sealed environment of every git run by these helpers.
func Env(t testing.TB) []string {
	home := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[tag]\n\tgpgSign = false\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C",
		"GIT_AUTHOR_DATE=2026-11-25T12:00:00Z", "GIT_COMMITTER_DATE=2026-11-25T12:00:00Z",
	}
}

// Git runs git -C dir args in env and returns its trimmed stdout.
func Git(t testing.TB, env []string, dir string, args ...string) string {
	t.Helper()
	return strings.TrimSpace(string(Raw(t, env, dir, nil, args...)))
}

// Repos makes base/NAME for each name, each with one commit, and returns base.
func Repos(t testing.TB, env []string, names ...string) string {
	t.Helper()
	base := t.TempDir()
	for _, n := range names {
		dir := filepath.Join(base, n)
		Git(t, env, base, "init", "-q", dir)
		if err := os.WriteFile(filepath.Join(dir, "README"), []byte(n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		Git(t, env, dir, "add", "README")
		Git(t, env, dir, "commit", "-q", "-m", "start "+n)
	}
	return base
}

// Runner returns a git runner working in env.
func Runner(t testing.TB, env []string) *git.Runner {
	t.Helper()
	g, err := git.New(context.Background(), git.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Client returns g with the network policy (network.New), its shared
// ssh connections ended when the test ends.
func Client(t testing.TB, g *git.Runner) *network.Client {
	c := network.New(g, network.Options{})
	t.Cleanup(func() { c.Close() })
	return c
}

// World makes a sealed environment and a basedir of repos NAME..., one
// commit each, and returns the environment, a runner in it, the basedir
// and its repos in name order.
func World(t testing.TB, names ...string) (env []string, g *git.Runner, base string, repos []basedir.Repo) {
	t.Helper()
	env = Env(t)
	base = Repos(t, env, names...)
	repos, err := basedir.Discover(base)
	if err != nil {
		t.Fatal(err)
	}
	return env, Runner(t, env), base, repos
}

// Raw runs git -C dir args in env with stdin (may be nil) and returns its
// stdout untouched: for raw objects, whose bytes count.
func Raw(t testing.TB, env []string, dir string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = strings.NewReader(string(stdin))
	}
	return Output(t, cmd)
}

// Output runs cmd and returns its stdout; if it fails, the test fails
// with the command line and its stderr.
func Output(t testing.TB, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr)
	}
	return out
}

// WriteFile writes body to dir/rel with mode (whatever the umask), making
// the folders on the way.
func WriteFile(t testing.TB, dir, rel, body string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

// LongBrokenRepo makes dir a repo whose branch main (HEAD) is one commit
// a release cannot be made from: after 1,000 small files (a/) comes a
// blob missing from the object store (b.dat), then 4,000 files of 1 to 4
// KiB, each in a folder of its own (c/NNNN/f), all in one pack made by git
// fast-import (the work tree is left empty, the index too). An export
// meets the missing blob early with thousands of requests still to make,
// and the folders keep the walker busy making them (not waiting on the
// reader) when it fails: the shape that once hung deploy for good. It
// returns the commit and the missing blob.
func LongBrokenRepo(t testing.TB, env []string, dir string) (commit, missing string) {
	t.Helper()
	Git(t, env, filepath.Dir(dir), "init", "-q", dir)
	missing = strings.TrimSpace(string(Raw(t, env, dir, []byte("the blob that goes missing\n"), "hash-object", "-w", "--stdin")))
	var in strings.Builder
	file := func(path, body string) {
		fmt.Fprintf(&in, "M 100644 inline %s\ndata %d\n%s\n", path, len(body), body)
	}
	in.WriteString("commit refs/heads/main\ncommitter Test <test@example.com> 1795608000 +0000\ndata 14\na long commit\n")
	for i := range 1000 {
		file(fmt.Sprintf("a/%04d", i), fmt.Sprintf("small %d\n", i))
	}
	fmt.Fprintf(&in, "M 100644 %s b.dat\n", missing)
	for i := range 4000 {
		line := fmt.Sprintf("file %04d of the long part of the tree\n", i)
		file(fmt.Sprintf("c/%04d/f", i), strings.Repeat(line, (1024+i%3072)/len(line)+1))
	}
	Raw(t, env, dir, []byte(in.String()), "fast-import", "--quiet")
	if err := os.Remove(filepath.Join(dir, ".git", "objects", missing[:2], missing[2:])); err != nil {
		t.Fatal(err)
	}
	return Git(t, env, dir, "rev-parse", "HEAD"), missing
}
