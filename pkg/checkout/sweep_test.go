package checkout

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// sweep removes the folders of dead runs and leaves a live run's alone.
func TestSweepLeavesLiveRunsAlone(t *testing.T) {
	base := t.TempDir()
	live, liveDone, err := makeCloneDir(base, "live")
	if err != nil {
		t.Fatal(err)
	}
	defer liveDone()
	dead, _, err := makeCloneDir(base, "dead")
	if err != nil {
		t.Fatal(err)
	}
	deadFree(t, dead) // its run is gone, and its lock with it
	young := filepath.Join(base, ".young.clone-1")
	old := filepath.Join(base, ".old.clone-2")
	lone := filepath.Join(base, ".lone.clone-3"+ownerSuffix)
	for _, d := range []string{young, old, filepath.Join(base, "repo"), filepath.Join(base, ".other")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(lone, nil, 0o600)
	past := time.Now().Add(-2 * orphanAge)
	os.Chtimes(old, past, past)
	removed, err := sweep(base)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	if want := []string{filepath.Base(dead), ".old.clone-2"}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for _, d := range []string{live, live + ownerSuffix, young, filepath.Join(base, "repo"), filepath.Join(base, ".other")} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	for _, d := range []string{dead, dead + ownerSuffix, lone} {
		if _, err := os.Lstat(d); err == nil {
			t.Errorf("%s left", d)
		}
	}
	liveDone()
	if ents, _ := os.ReadDir(base); len(ents) != 3 {
		t.Errorf("after the live run: %v", ents)
	}
}

// deadFree makes sure nobody in this process holds dead's owner lock: the
// test's makeCloneDir holds it through an open file we drop by reopening.
func deadFree(t *testing.T, dead string) {
	t.Helper()
	// The lock is held by the *os.File inside makeCloneDir's closure, which
	// this test dropped without calling it; a finalizer may not have run,
	// so release it the way a dying process would: remove and remake the
	// owner file (a new file has no lock).
	if err := os.Remove(dead + ownerSuffix); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dead+ownerSuffix, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}
