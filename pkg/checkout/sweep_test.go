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
	live, unlock, err := makeCloneDir(base, "live")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	dead, deadUnlock, err := makeCloneDir(base, "dead")
	if err != nil {
		t.Fatal(err)
	}
	deadUnlock() // its run is gone
	young := filepath.Join(base, ".young.clone-1")
	old := filepath.Join(base, ".old.clone-2")
	for _, d := range []string{young, old, filepath.Join(base, "repo"), filepath.Join(base, ".other")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
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
	for _, d := range []string{live, young, filepath.Join(base, "repo"), filepath.Join(base, ".other")} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
}
