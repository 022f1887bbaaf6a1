package place

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newRoot opens a root in a new folder.
func newRoot(t *testing.T) *Root {
	t.Helper()
	r, err := Open(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLockTimeout(t *testing.T) {
	r := newRoot(t)
	l, err := r.Lock(context.Background(), time.Second, "first", nil)
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	_, err = r.Lock(context.Background(), 10*time.Millisecond, "second", func(h string) { seen = h })
	if !errors.Is(err, ErrLockTimeout) || seen != "first" {
		t.Fatalf("second Lock: %v (holder %q)", err, seen)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l, err = r.Lock(context.Background(), 10*time.Millisecond, "third", nil)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	l.Unlock()
}

func TestPruneKeepsLiveAndPrevious(t *testing.T) {
	r := newRoot(t)
	now := time.Now()
	for i, tag := range []string{"T1", "T2", "T3", "T4", "T5"} {
		p := r.ReleasePath(tag)
		os.Mkdir(p, 0o755)
		at := now.Add(time.Duration(i) * time.Minute)
		os.Chtimes(p, at, at)
	}
	os.Mkdir(r.path(ReleasesDir, ".tmp-T6-1"), 0o755)
	removed, err := r.Prune(2, "T2", "T1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(removed, " ") != "T5 T4 T3" {
		t.Errorf("removed %v, want T5 T4 T3 (live T2 and previous T1 kept)", removed)
	}
	removed, _ = r.Prune(0, "")
	if len(removed) != 0 {
		t.Errorf("keep 0 removed %v", removed)
	}
}

func TestLogLine(t *testing.T) {
	r := newRoot(t)
	at := time.Date(2026, 11, 25, 14, 25, 1, 0, time.UTC)
	h, err := r.OpenLog()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Append(NewEntry(at, "qa", "T1", "ann", "box", nil)); err != nil {
		t.Fatal(err)
	}
	if err := h.Append(NewEntry(at, "qa", "T2", "ann", "box", errors.New("two\nlines"))); err != nil {
		t.Fatal(err)
	}
	h.Close()
	b, _ := os.ReadFile(r.path(LogFile))
	want := `{"time":"2026-11-25T14:25:01Z","environment":"qa","tag":"T1","user":"ann","host":"box","outcome":"ok"}
{"time":"2026-11-25T14:25:01Z","environment":"qa","tag":"T2","user":"ann","host":"box","outcome":"failed","error":"two; lines"}
`
	if string(b) != want {
		t.Errorf("deploys.log =\n%s\nwant\n%s", b, want)
	}
}
