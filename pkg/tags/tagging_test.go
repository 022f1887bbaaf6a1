package tags

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
	"github.com/deploytag/deploytag/pkg/git"
)

func setup(t *testing.T, names ...string) (*git.Runner, []string, []basedir.Repo) {
	t.Helper()
	env, g, _, repos := gittest.World(t, names...)
	return g, env, repos
}

// A failure part-way through Apply removes exactly the tags that run
// created: not a tag that was already there.
func TestApplyRollsBackOnlyItsOwnTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, env, repos := setup(t, "a", "b", "c", "d")
	// b already carries the tag at the right commit: it counts as done.
	gittest.Git(t, env, repos[1].Path, "tag", "-a", "-m", "T", "T", "HEAD")
	plan, err := Check(ctx, g, Options{Tag: "T", Repos: repos, Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Repos[1].State != Done {
		t.Fatal("b's existing tag was not counted as done")
	}
	// d's tag is blocked after the checks passed (a lock appears).
	lock := filepath.Join(repos[3].Path, ".git", "refs", "tags", "T.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = plan.Apply(ctx, g)
	if err == nil || !strings.Contains(err.Error(), "(d)") {
		t.Fatalf("Apply = %v, want a failure naming d", err)
	}
	for i, want := range []bool{false, true, false, false} {
		has := gittest.Git(t, env, repos[i].Path, "tag", "--list", "T") == "T"
		if has != want {
			t.Errorf("%s has tag: %v, want %v", repos[i].Name, has, want)
		}
	}
	// The lock is not ours to remove.
	if _, err := os.Stat(lock); err != nil {
		t.Fatal("the lock file was removed")
	}
}

// A run cancelled part-way (Ctrl-C after the first repo is tagged) starts
// no other repo, then takes back the tag it created.
func TestApplyInterruptedRollsBack(t *testing.T) {
	t.Parallel()
	g, env, repos := setup(t, "a", "b", "c")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr := &cancelAfterFirst{step: "tagging", cancel: cancel}
	plan, err := Check(context.Background(), g, Options{Tag: "T", Repos: repos, Jobs: 1, Progress: pr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Apply(ctx, g)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, basedir.ErrInterrupted) {
		t.Fatalf("Apply = %v, want it interrupted", err)
	}
	if !slices.Equal(pr.done, []string{"a"}) {
		t.Fatalf("tagged %q before the cancel took hold, want only a", pr.done)
	}
	for _, r := range repos {
		if gittest.Git(t, env, r.Path, "tag", "--list") != "" {
			t.Errorf("%s kept a tag after an interrupted run", r.Name)
		}
	}
}

// cancelAfterFirst cancels once the first repo of its step is done.
type cancelAfterFirst struct {
	step, cur string
	cancel    func()
	done      []string
}

func (p *cancelAfterFirst) Start(step string, _ int) { p.cur = step }
func (p *cancelAfterFirst) Stop()                    {}
func (p *cancelAfterFirst) Done(item string) {
	if p.cur == p.step {
		p.done = append(p.done, item)
		p.cancel()
	}
}

func TestForDeployRecordsAndTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, env, repos := setup(t, "app", "ops")
	d, err := ForDeploy(ctx, g, DeployOptions{Repos: repos, Prefix: "DEPLOY", Jobs: 2, ManifestRepo: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(ctx, g, repos[1].Path, "", d.Tag)
	if err != nil || m.Hash() != d.Manifest.Hash() {
		t.Fatalf("ReadManifest = %v, %v", m, err)
	}
	if !strings.HasSuffix(d.Tag, "_"+d.Manifest.Hash()[:7]) {
		t.Fatalf("tag %s does not end in the manifest hash", d.Tag)
	}
	for _, r := range repos {
		if gittest.Git(t, env, r.Path, "cat-file", "-t", d.Tag) != "tag" {
			t.Errorf("%s lacks the annotated tag", r.Name)
		}
	}
}

// A lock that goes within LockGrace belonged to a git still at work (as
// after a killed run): the check waits it out instead of calling it stale.
func TestCheckWaitsOutALiveLock(t *testing.T) {
	t.Parallel()
	g, _, repos := setup(t, "a")
	lock := filepath.Join(repos[0].Path, ".git", "refs", "tags", "T.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.Remove(lock)
	}()
	plan, err := Check(context.Background(), g, Options{Tag: "T", Repos: repos})
	if err != nil {
		t.Fatalf("Check with a lock that went = %v", err)
	}
	if plan.Repos[0].State != ToCreate {
		t.Fatalf("state = %v, want ToCreate", plan.Repos[0].State)
	}
}
