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
	"github.com/deploytag/deploytag/pkg/place"
)

func TestBuildInstallSwitch(t *testing.T) {
	env := gittest.Env(t)
	base := gittest.Repos(t, env, "a", "b")
	f := buildT1(t, env, base)
	g, r, m, srcs, tmp := f.g, f.r, f.m, f.srcs, f.tmp
	for _, n := range []string{"a", "b"} {
		gittest.Git(t, env, filepath.Join(base, n), "tag", "-a", "-m", "T2", "T2")
	}
	if !strings.HasPrefix(filepath.Base(tmp), ".tmp-T1-") {
		t.Errorf("built in %s, want a hidden temporary folder", tmp)
	}
	final, out, err := r.Install(tmp, "T1")
	if err != nil || out != Fresh || final != r.ReleasePath("T1") {
		t.Fatalf("Install = %s, %v, %v", final, out, err)
	}
	// A second identical build leaves the release alone.
	tmp, _ = r.Build(context.Background(), g, "T1", m, srcs, 1)
	if _, out, err := r.Install(tmp, "T1"); err != nil || out != Intact {
		t.Fatalf("Install again = %v, %v; want Intact", out, err)
	}
	if err := os.WriteFile(filepath.Join(final, "a", "README"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp, _ = r.Build(context.Background(), g, "T1", m, srcs, 1)
	if _, out, err := r.Install(tmp, "T1"); err != nil || out != Restored {
		t.Fatalf("Install over an edit = %v, %v; want Restored", out, err)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "a", "README")); string(b) != "a\n" {
		t.Errorf("README after restore = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(final, place.TagFile)); string(b) != "T1\n" {
		t.Errorf("DEPLOY_TAG = %q", b)
	}
	if _, ok := r.Live(); ok {
		t.Error("Live before any switch")
	}
	if err := r.Switch("T1"); err != nil {
		t.Fatal(err)
	}
	if tag, ok := r.Live(); !ok || tag != "T1" {
		t.Errorf("Live = %q, %v", tag, ok)
	}
	ents, _ := os.ReadDir(r.path(place.ReleasesDir))
	if len(ents) != 1 {
		t.Errorf("releases/ holds %v, want only T1", ents)
	}
	// A commit that does not exist: the build fails naming the repo and
	// leaves nothing behind.
	bad := append([]Source(nil), srcs...)
	bad[1].Commit = strings.Repeat("0", 40)
	if _, err := r.Build(context.Background(), g, "T2", m, bad, 2); err == nil || !strings.Contains(err.Error(), "(b)") {
		t.Errorf("Build with a missing commit: %v", err)
	}
	ents, _ = os.ReadDir(r.path(place.ReleasesDir))
	if len(ents) != 1 {
		t.Errorf("a failed build left %v", ents)
	}
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
	os.Mkdir(r.path(place.ReleasesDir, ".tmp-T6-1"), 0o755)
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
	b, _ := os.ReadFile(r.path(place.LogFile))
	want := `{"time":"2026-11-25T14:25:01Z","environment":"qa","tag":"T1","user":"ann","host":"box","outcome":"ok"}
{"time":"2026-11-25T14:25:01Z","environment":"qa","tag":"T2","user":"ann","host":"box","outcome":"failed","error":"two; lines"}
`
	if string(b) != want {
		t.Errorf("deploys.log =\n%s\nwant\n%s", b, want)
	}
}
