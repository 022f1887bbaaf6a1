package git_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/git"
)

// A caller slower than git (the export writing files while ls-tree is long
// done) still gets every entry: git's output waits in a pipe, not behind
// a copier that gives up.
func TestWalkTreeSlowReader(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	base := gittest.Repos(t, env, "r")
	dir := filepath.Join(base, "r")
	// More listing than the pipes between git and the caller hold, made
	// straight in the index (one blob under many long names).
	long := strings.Repeat("n", 240)
	blob := gittest.Git(t, env, dir, "hash-object", "-w", "--stdin")
	var index strings.Builder
	for _, p := range []string{"a/x", "a/y", "b"} {
		fmt.Fprintf(&index, "100644 %s\t%s\n", blob, p)
	}
	for i := range 1500 {
		fmt.Fprintf(&index, "100644 %s\tc/%s%04d\n", blob, long, i)
	}
	cmd := exec.Command("git", "-C", dir, "update-index", "--index-info")
	cmd.Env, cmd.Stdin = env, strings.NewReader(index.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update-index: %v\n%s", err, out)
	}
	gittest.Git(t, env, dir, "commit", "-q", "-m", "files")
	g := gittest.Runner(t, env)
	var got []string
	err := g.WalkTree(context.Background(), dir, "HEAD", func(e git.TreeEntry) error {
		if len(got) == 1400 {
			// Near the end, git has written the rest and exited; wait
			// longer than exec's WaitDelay.
			time.Sleep(2500 * time.Millisecond)
		}
		got = append(got, e.Mode+" "+e.Path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"100644 README", "040000 a", "100644 a/x", "100644 a/y", "100644 b", "040000 c"}
	for i := range 1500 {
		want = append(want, fmt.Sprintf("100644 c/%s%04d", long, i))
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
	if err := g.WalkTree(context.Background(), dir, "0000000000000000000000000000000000000000", func(git.TreeEntry) error { return nil }); err == nil {
		t.Error("a missing commit walked without error")
	}
}
