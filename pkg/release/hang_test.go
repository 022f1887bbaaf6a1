package release

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/proof"
)

// An export that fails early in a long walk (a blob missing after 1,000
// files, 4,000 more to come) ends with that failure, however far the
// walker had got in asking git for the rest: git's cat-file and ls-tree
// are killed, their pipes closed, and both are waited for. It once hung
// for good: the reader stopped taking git's answers while the walker
// still sent requests, so cat-file and the walker each waited on the
// other's full pipe. The schedule runs 20 times; a run that reaches the
// safety deadline has hung.
func TestExportFailingEarlyInALongWalkEnds(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	dir := filepath.Join(t.TempDir(), "long")
	commit, missing := gittest.LongBrokenRepo(t, env, dir)
	gittest.Git(t, env, dir, "tag", "-a", "-m", testTag, testTag)
	g := gittest.Client(t, gittest.Runner(t, env))
	for i := range 20 {
		rel := t.TempDir()
		if err := proof.Init(rel); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		start := time.Now()
		_, err := Export(ctx, g, testTag, Source{Name: "long", Path: dir, Commit: commit}, rel)
		hung := ctx.Err() != nil
		cancel()
		switch {
		case hung || errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("run %d: the export hung until its safety deadline: %v", i, err)
		case err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "b.dat"):
			t.Fatalf("run %d: err = %v, want the missing blob %s of b.dat named", i, err, missing)
		}
		t.Logf("run %d ended in %s", i, time.Since(start).Round(time.Millisecond))
		if left := liveWith(dir); len(left) > 0 {
			t.Fatalf("run %d: git processes left after the export returned: %v", i, left)
		}
	}
}

// liveWith lists the processes whose command line holds word (Linux; none
// elsewhere).
func liveWith(word string) []string {
	ents, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), word) {
			found = append(found, e.Name()+" "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}
