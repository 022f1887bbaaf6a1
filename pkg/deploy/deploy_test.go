package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/tags"
)

func setup(t *testing.T) (*network.Client, string, []basedir.Repo) {
	t.Helper()
	_, g, base, repos := gittest.World(t, "a", "b")
	return gittest.Client(t, g), base, repos
}

// The push step runs before anything is built, and a failing push
// deploys nothing but is logged.
func TestPushComesFirst(t *testing.T) {
	g, base, repos := setup(t)
	root := filepath.Join(t.TempDir(), "root")
	var sawReleases []os.DirEntry
	var pushedTag string
	var pushedRepos []string
	o := Options{
		Environment: "qa", Basedir: base, Root: root, Jobs: 2, LockTimeout: time.Second,
		Tagging: tags.DeployOptions{Repos: repos, Prefix: "DEPLOY", Time: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		Push: func(ctx context.Context, tag string, rs []basedir.Repo) error {
			sawReleases, _ = os.ReadDir(filepath.Join(root, place.ReleasesDir))
			pushedTag = tag
			for _, r := range rs {
				pushedRepos = append(pushedRepos, r.Name)
			}
			return nil
		},
	}
	res, err := Run(context.Background(), g, o)
	if err != nil {
		t.Fatal(err)
	}
	if pushedTag != res.Tag || strings.Join(pushedRepos, ",") != "a,b" || len(sawReleases) != 0 {
		t.Errorf("push of %q to %v saw releases %v; want %s to a,b before any release", pushedTag, pushedRepos, sawReleases, res.Tag)
	}

	o.Tag, o.Tagging = res.Tag, tags.DeployOptions{}
	o.Root = filepath.Join(t.TempDir(), "root2")
	o.Push = func(context.Context, string, []basedir.Repo) error { return errors.New("remote said no (b)") }
	_, err = Run(context.Background(), g, o)
	if err == nil || !strings.Contains(err.Error(), "(nothing deployed): remote said no (b)") {
		t.Fatalf("failing push: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(o.Root, place.ReleasesDir)); len(ents) != 0 {
		t.Errorf("a failed push left releases %v", ents)
	}
	if _, err := os.Lstat(filepath.Join(o.Root, place.CurrentLink)); err == nil {
		t.Error("a failed push made current")
	}
	log, _ := os.ReadFile(filepath.Join(o.Root, place.LogFile))
	if !strings.Contains(string(log), `"outcome":"failed","error":"pushing `) {
		t.Errorf("deploys.log = %s", log)
	}
}

func TestDryRunMakesNothing(t *testing.T) {
	g, base, repos := setup(t)
	root := filepath.Join(t.TempDir(), "root")
	o := Options{Environment: "qa", Basedir: base, Root: root, DryRun: true, Command: []string{"./x", "a b"},
		Tagging: tags.DeployOptions{Repos: repos, Prefix: "DEPLOY", Time: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}}
	res, err := Run(context.Background(), g, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(root); err == nil {
		t.Error("a dry run made the root")
	}
	if tags := gittest.Git(t, gittest.Env(t), repos[0].Path, "tag", "-l"); tags != "" {
		t.Errorf("a dry run made tags: %s", tags)
	}
	plan := res.Plan(o)
	for _, want := range []string{"tag DEPLOY_20261125_100000_", "create yes\n", "push no\n", `command "./x" "a b"` + "\n", "workdir .\n", "repo a "} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
}
