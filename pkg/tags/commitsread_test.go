package tags

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// With CommitsRead (tag_for_deploy), the tag-is-free check reads the ref
// files, but every refusal of the git check still happens, before any repo
// is tagged: a tag at another commit (loose or packed), a lightweight tag,
// a lock. A tag already at the commit counts as done.
func TestCheckCommitsReadKeepsEveryCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, env, repos := setup(t, "a", "b", "c", "d", "e")
	heads := make([]manifest.Entry, len(repos))
	for i, r := range repos {
		heads[i] = manifest.Entry{Name: r.Name, Commit: gittest.Git(t, env, r.Path, "rev-parse", "HEAD")}
	}
	m, err := manifest.New(heads...)
	if err != nil {
		t.Fatal(err)
	}
	// b: T at another commit, packed; c: lightweight T; d: a lock; e: T at HEAD.
	gittest.Git(t, env, repos[1].Path, "commit", "-q", "--allow-empty", "-m", "later")
	gittest.Git(t, env, repos[1].Path, "tag", "-a", "-m", "T", "T", "HEAD")
	gittest.Git(t, env, repos[1].Path, "pack-refs", "--all")
	gittest.Git(t, env, repos[1].Path, "reset", "-q", "--hard", "HEAD~1")
	gittest.Git(t, env, repos[2].Path, "tag", "T")
	if err := os.WriteFile(filepath.Join(repos[3].Path, ".git", "refs", "tags", "T.lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, env, repos[4].Path, "tag", "-a", "-m", "T", "T", "HEAD")

	_, err = Check(ctx, g, Options{Tag: "T", Repos: repos, Commits: m, CommitsRead: true, Jobs: 2})
	if err == nil {
		t.Fatal("Check passed")
	}
	for _, want := range []string{"already exists at commit", "(b)", "lightweight", "(c)", "stale lock", "(d)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error lacks %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{"(a)", "(e)"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("Check error names %s:\n%v", bad, err)
		}
	}

	plan, err := Check(ctx, g, Options{Tag: "T", Repos: []basedir.Repo{repos[0], repos[4]}, Commits: m, CommitsRead: true})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Repos[0].State != ToCreate || plan.Repos[1].State != Done {
		t.Errorf("states = %v, %v; want ToCreate, Done", plan.Repos[0].State, plan.Repos[1].State)
	}
	if plan.Repos[0].Commit != heads[0].Commit {
		t.Errorf("a's commit = %s, want %s", plan.Repos[0].Commit, heads[0].Commit)
	}
}
