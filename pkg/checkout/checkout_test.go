package checkout

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/tags"
)

// deploy makes repos a, b, c with bare remotes in remotes/NAME.git, tags
// them for a deploy, pushes the tags and returns the runner, the
// environment, the remotes' folder and the tag.
func deploy(t *testing.T) (*network.Client, []string, string, string) {
	t.Helper()
	ctx := context.Background()
	env, g, _, repos := gittest.World(t, "a", "b", "c")
	remotes := t.TempDir()
	d, err := tags.ForDeploy(ctx, g, tags.DeployOptions{Repos: repos, Prefix: "DEPLOY", Time: time.Date(2026, 11, 25, 14, 25, 1, 0, time.UTC), Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		bare := filepath.Join(remotes, r.Name+".git")
		gittest.Git(t, env, remotes, "init", "-q", "--bare", bare)
		gittest.Git(t, env, r.Path, "push", "-q", bare, "HEAD:refs/heads/main", "refs/tags/"+d.Tag)
	}
	return gittest.Client(t, g), env, remotes, d.Tag
}

func TestRunClonesThenIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, env, remotes, tag := deploy(t)
	dir := t.TempDir()
	opts := Options{Basedir: dir, Tag: tag, URLTemplate: filepath.Join(remotes, "{name}.git"), Jobs: 2}
	m, err := os.CreateTemp(t.TempDir(), "manifest")
	if err != nil {
		t.Fatal(err)
	}
	msg := gittest.Git(t, env, filepath.Join(remotes, "a.git"), "tag", "-l", "--format=%(contents)", tag)
	_, body, _ := strings.Cut(msg, "\n\n")
	if _, err := m.WriteString(body + "\n"); err != nil {
		t.Fatal(err)
	}
	m.Close()
	opts.ManifestFile = m.Name()

	res, err := Run(ctx, g, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(res.Repos, want) || !slices.Equal(res.Cloned, want) {
		t.Fatalf("Run = repos %v cloned %v, want %v cloned", res.Repos, res.Cloned, want)
	}
	for _, e := range res.Manifest {
		if head := gittest.Git(t, env, filepath.Join(dir, e.Name), "rev-parse", "HEAD"); head != e.Commit {
			t.Errorf("%s at %s, want %s", e.Name, head, e.Commit)
		}
	}
	// Again, now without a template or manifest: the URLs come from the
	// clones' remotes and the manifest from the tag; nothing is cloned.
	res, err = Run(ctx, g, Options{Basedir: dir, Tag: tag})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cloned) != 0 || len(res.Repos) != 3 || !strings.HasPrefix(res.Source, "tag "+tag+" in ") {
		t.Fatalf("re-run = %+v, want 3 repos, none cloned, the manifest from a tag", res)
	}
}

// A failed preflight leaves neither a clone nor a temporary folder.
func TestRunFailureLeavesNoClone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, env, remotes, tag := deploy(t)
	dir := t.TempDir()
	// c's remote is gone: a and b clone fine in the preflight, c fails.
	if err := os.RemoveAll(filepath.Join(remotes, "c.git")); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, env, dir, "clone", "-q", filepath.Join(remotes, "a.git"), "a")
	_, err := Run(ctx, g, Options{Basedir: dir, Tag: tag, Jobs: 1})
	var re *basedir.RepoError
	if !errors.As(err, &re) || re.Repo != "c" || !strings.Contains(err.Error(), "cloning ") {
		t.Fatalf("Run = %v, want a clone failure naming c", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "a" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("basedir holds %v after a failed run, want just a", names)
	}
	if head := gittest.Git(t, env, filepath.Join(dir, "a"), "symbolic-ref", "HEAD"); head != "refs/heads/main" {
		t.Fatalf("a moved to %s", head)
	}
}
