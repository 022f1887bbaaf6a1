package live_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/deploy"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/tags"
)

// A small Go service mounts the handler over a release made by the real
// deploy workflow (tag, export with git archive, switch current, log) and
// answers with the tag and the manifest the deploy recorded.
func TestHandlerOverARealDeploy(t *testing.T) {
	env, g, base, repos := gittest.World(t, "tutor-js", "tutor-server")
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	res, err := deploy.Run(ctx, gittest.Client(t, g), deploy.Options{
		Environment: "production", Basedir: base, Root: root, Jobs: 2, LockTimeout: 5 * time.Second,
		Tagging: tags.DeployOptions{Repos: repos, Prefix: "DEPLOY", Time: time.Date(2026, 11, 25, 14, 25, 1, 0, time.UTC)},
	})
	must(t, err)

	mux := http.NewServeMux()
	h := live.NewHandler(live.HandlerOptions{
		Source: live.Source{Path: filepath.Join(root, "current", "tutor-server")},
	})
	mux.Handle("/deploy_tag", h)
	mux.Handle("/deploy_tag.json", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	if code, _, body := get(t, srv.URL+"/deploy_tag"); code != 200 || body != res.Tag+"\n" {
		t.Fatalf("GET /deploy_tag = %d %q, want %s", code, body, res.Tag)
	}
	_, _, body := get(t, srv.URL+"/deploy_tag.json")
	var info live.Info
	must(t, json.Unmarshal([]byte(body), &info))
	if info.Tag != res.Tag || info.Environment == nil || *info.Environment != "production" || info.DeployedAt == nil {
		t.Fatalf("GET /deploy_tag.json = %s", body)
	}
	if got, want := string(info.Manifest().Canonical()), string(res.Manifest.Canonical()); got != want {
		t.Errorf("served manifest\n%s\nwant the deployed one\n%s", got, want)
	}
	if head := gittest.Git(t, env, filepath.Join(base, "tutor-js"), "rev-parse", "HEAD"); info.Repos[0].Commit != head {
		t.Errorf("tutor-js commit %s, want %s", info.Repos[0].Commit, head)
	}
}
