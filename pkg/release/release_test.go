package release

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if err != nil || out != place.Fresh || final != r.ReleasePath("T1") {
		t.Fatalf("Install = %s, %v, %v", final, out, err)
	}
	// A second identical build leaves the release alone.
	tmp, _ = Build(context.Background(), g, r, "T1", m, srcs, Options{Jobs: 1})
	if _, out, err := r.Install(tmp, "T1"); err != nil || out != place.Intact {
		t.Fatalf("Install again = %v, %v; want Intact", out, err)
	}
	if err := os.WriteFile(filepath.Join(final, "a", "README"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp, _ = Build(context.Background(), g, r, "T1", m, srcs, Options{Jobs: 1})
	if _, out, err := r.Install(tmp, "T1"); err != nil || out != place.Restored {
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
	ents, _ := os.ReadDir(filepath.Join(r.Dir, place.ReleasesDir))
	if len(ents) != 1 {
		t.Errorf("releases/ holds %v, want only T1", ents)
	}
	// A commit that does not exist: the build fails naming the repo and
	// leaves nothing behind.
	bad := append([]Source(nil), srcs...)
	bad[1].Commit = strings.Repeat("0", 40)
	if _, err := Build(context.Background(), g, r, "T2", m, bad, Options{Jobs: 2}); err == nil || !strings.Contains(err.Error(), "(b)") {
		t.Errorf("Build with a missing commit: %v", err)
	}
	ents, _ = os.ReadDir(filepath.Join(r.Dir, place.ReleasesDir))
	if len(ents) != 1 {
		t.Errorf("a failed build left %v", ents)
	}
}
