package push_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/push"
)

// world makes a sealed git runner and repos, each with one commit and the
// annotated tag T; those in withRemote get a bare origin.
func world(t *testing.T, names []string, withRemote map[string]bool) (*network.Client, []basedir.Repo, string) {
	t.Helper()
	env := gittest.Env(t)
	g := gittest.Client(t, gittest.Runner(t, env))
	base := gittest.Repos(t, env, names...)
	remotes := t.TempDir()
	var repos []basedir.Repo
	for _, n := range names {
		p := filepath.Join(base, n)
		gittest.Git(t, env, p, "tag", "-a", "-m", "T", "--", "T", "HEAD")
		if withRemote[n] {
			bare := filepath.Join(remotes, n+".git")
			gittest.Git(t, env, remotes, "init", "-q", "--bare", bare)
			gittest.Git(t, env, p, "remote", "add", "origin", bare)
		}
		repos = append(repos, basedir.Repo{Name: n, Path: p})
	}
	return g, repos, remotes
}

func TestPushConfirmsEachRepoOnce(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	g, repos, remotes := world(t, names, map[string]bool{"a": true, "b": true, "c": true, "d": true})
	var mu sync.Mutex
	inside := 0
	var got []string
	o := push.Options{Tag: "T", Repos: repos, Timeout: 30 * time.Second, Jobs: 4, OnPushed: func(repo string) {
		mu.Lock()
		inside++
		if inside > 1 {
			t.Error("OnPushed called concurrently")
		}
		mu.Unlock()
		got = append(got, repo)
		mu.Lock()
		inside--
		mu.Unlock()
	}}
	for run := 0; run < 2; run++ { // the second run finds every tag there
		got = nil
		if err := push.Push(context.Background(), g, o); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Fatalf("run %d: OnPushed for %q, want %q", run, got, names)
		}
	}
	for _, n := range names {
		out, err := g.Run(context.Background(), filepath.Join(remotes, n+".git"), "for-each-ref", "--format=%(refname)")
		if err != nil || string(out) != "refs/tags/T\n" {
			t.Errorf("remote %s has %q (%v), want only refs/tags/T", n, out, err)
		}
	}
}

func TestPushPreflightNamesEveryRepo(t *testing.T) {
	g, repos, remotes := world(t, []string{"a", "b", "c"}, map[string]bool{"a": true, "c": true})
	// c lacks the tag
	if _, err := g.Run(context.Background(), repos[2].Path, "tag", "-d", "T"); err != nil {
		t.Fatal(err)
	}
	var pushed []string
	err := push.Push(context.Background(), g, push.Options{Tag: "T", Repos: repos, Remote: "origin", Jobs: 2,
		OnPushed: func(r string) { pushed = append(pushed, r) }})
	var failed []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *basedir.RepoError
		if !errors.As(e, &re) {
			t.Fatalf("error %v is not a RepoError", e)
		}
		failed = append(failed, re.Repo)
	}
	if !slices.Equal(failed, []string{"b", "c"}) || len(pushed) != 0 {
		t.Fatalf("failed %q, pushed %q; want b and c failed, nothing pushed (%v)", failed, pushed, err)
	}
	out, _ := g.Run(context.Background(), filepath.Join(remotes, "a.git"), "for-each-ref")
	if len(out) != 0 {
		t.Fatalf("remote a got %q before preflight passed", out)
	}
}

func TestPushRefusesBadRemoteName(t *testing.T) {
	g, repos, _ := world(t, []string{"a"}, map[string]bool{"a": true})
	for _, r := range []string{"-x", "--mirror", "a b", "../x"} {
		err := push.Push(context.Background(), g, push.Options{Tag: "T", Repos: repos, Remote: r})
		if err == nil || !strings.Contains(err.Error(), "invalid remote name") {
			t.Errorf("remote %q: got %v", r, err)
		}
	}
	if err := push.Push(context.Background(), g, push.Options{Tag: "T"}); err == nil {
		t.Error("no repos: no error")
	}
}
