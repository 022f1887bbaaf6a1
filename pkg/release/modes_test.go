package release

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
)

// buildOne builds release T1 of repos a and b, a's files of every mode,
// in a new root, and returns the build's folder.
func buildOne(t *testing.T) string {
	t.Helper()
	env := gittest.Env(t)
	base := gittest.Repos(t, env, "a", "b")
	os.Chmod(filepath.Join(base, "a", "README"), 0o700)
	os.MkdirAll(filepath.Join(base, "a", "sub", "deeper"), 0o755)
	os.WriteFile(filepath.Join(base, "a", "sub", "deeper", "f"), []byte("f\n"), 0o600)
	gittest.Git(t, env, filepath.Join(base, "a"), "add", "-A")
	gittest.Git(t, env, filepath.Join(base, "a"), "commit", "-qm", "modes")
	return buildT1(t, env, base).tmp
}

// newRoot opens a root in a new folder.
func newRoot(t *testing.T) *place.Root {
	t.Helper()
	r, err := place.Open(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// built is release T1 of repos a and b, built in a new root.
type built struct {
	g    *network.Client
	r    *place.Root
	m    manifest.Manifest
	srcs []Source
	tmp  string // the build, not installed
}

// buildT1 tags repos a and b of base T1 at their HEADs and builds T1 of
// them in a new root.
func buildT1(t *testing.T, env []string, base string) built {
	t.Helper()
	f := built{g: gittest.Client(t, gittest.Runner(t, env))}
	var entries []manifest.Entry
	for _, n := range []string{"a", "b"} {
		c := gittest.Git(t, env, filepath.Join(base, n), "rev-parse", "HEAD")
		gittest.Git(t, env, filepath.Join(base, n), "tag", "-a", "-m", "T1", "T1")
		f.srcs = append(f.srcs, Source{Name: n, Path: filepath.Join(base, n), Commit: c})
		entries = append(entries, manifest.Entry{Name: n, Commit: c})
	}
	f.m, _ = manifest.New(entries...)
	f.r = newRoot(t)
	var err error
	if f.tmp, err = Build(context.Background(), f.g, f.r, "T1", f.m, f.srcs, Options{Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	return f
}

// Every top-level entry of a release that is not a repo's folder is a name
// no repo may take (manifest.ReservedNames), so no repo can collide with it.
func TestReleaseTopNamesAreReserved(t *testing.T) {
	tmp := buildOne(t)
	ents, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "a" || e.Name() == "b" {
			continue
		}
		if !slices.Contains(manifest.ReservedNames, e.Name()) {
			t.Errorf("release top holds %s, which manifest.ReservedNames does not reserve", e.Name())
		}
		if manifest.ValidName(e.Name()) == nil || manifest.ValidName(strings.ToLower(e.Name())) == nil {
			t.Errorf("repo name %s is accepted", e.Name())
		}
	}
}

// Release modes come from git's modes alone, whatever the umask: folders
// 0755, files 0644, executables 0755, DEPLOY_TAG and DEPLOY_MANIFEST 0644.
// Not parallel: the umask is the process's.
func TestBuildModesIgnoreUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	tmp := buildOne(t)
	want := map[string]fs.FileMode{
		".": fs.ModeDir | 0o755, "a": fs.ModeDir | 0o755, "b": fs.ModeDir | 0o755,
		"a/sub": fs.ModeDir | 0o755, "a/sub/deeper": fs.ModeDir | 0o755,
		"a/sub/deeper/f": 0o644, "a/README": 0o755, "b/README": 0o644,
		place.TagFile: 0o644, place.ManifestFile: 0o644,
	}
	for rel, mode := range want {
		fi, err := os.Lstat(filepath.Join(tmp, rel))
		if err != nil || fi.Mode() != mode {
			t.Errorf("%s: mode %v (%v), want %v", rel, fi.Mode(), err, mode)
		}
	}
}
