package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/dashboard"
	"github.com/deploytag/deploytag/pkg/deploy"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/tags"
)

// system is three environments deployed for real (pkg/deploy over real
// repos), several times each:
//
//	production  T1, T2, T3 failed (its command exits 1), T1 (a rollback)
//	qa          T1, T2, T3, T3 failed (a redeploy of the live tag)
//	dev         T1, T2, T3, T3 again (a redeploy, not a rollback)
//
// T2 adds two commits to tutor-js, the newer one with the subject
// "<script>alert(1)</script>"; T3 one to tutor-server.
type system struct {
	env        []string
	g          *git.Runner
	base       string
	repos      []basedir.Repo
	envs       []dashboard.Env
	T1, T2, T3 string
	// commits by name: js1 (start), js2 "fix the login page",
	// js3 (the script subject), srv1 (start), srv2 "speed up the API"
	c    map[string]string
	logs map[string][]string // per environment, the log times, oldest first
}

const (
	scriptSubject = "<script>alert(1)</script>"
	evilUser      = "<i>mallory</i>"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newSystem(t *testing.T) *system {
	t.Helper()
	s := &system{c: map[string]string{}, logs: map[string][]string{}}
	s.env, s.g, s.base, s.repos = gittest.World(t, "tutor-js", "tutor-server")
	roots := t.TempDir()
	for _, n := range []string{"production", "qa", "dev"} {
		s.envs = append(s.envs, dashboard.Env{Name: n, Root: filepath.Join(roots, n)})
	}
	head := func(repo string) string {
		return gittest.Git(t, s.env, filepath.Join(s.base, repo), "rev-parse", "HEAD")
	}
	commit := func(repo, subject string) string {
		dir := filepath.Join(s.base, repo)
		f := filepath.Join(dir, "change.txt")
		old, _ := os.ReadFile(f)
		if err := os.WriteFile(f, append(old, subject+"\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		gittest.Git(t, s.env, dir, "add", "change.txt")
		gittest.Git(t, s.env, dir, "commit", "-q", "-m", subject)
		return head(repo)
	}
	s.c["js1"], s.c["srv1"] = head("tutor-js"), head("tutor-server")
	s.T1 = s.tag(t, t0)
	s.c["js2"] = commit("tutor-js", "fix the login page")
	s.c["js3"] = commit("tutor-js", scriptSubject)
	s.T2 = s.tag(t, t0.Add(time.Hour))
	s.c["srv2"] = commit("tutor-server", "speed up the API")
	s.T3 = s.tag(t, t0.Add(2*time.Hour))

	at := t0.Add(3 * time.Hour)
	step := func(envName, tag string, fail bool) {
		t.Helper()
		at = at.Add(time.Minute)
		var root string
		for _, e := range s.envs {
			if e.Name == envName {
				root = e.Root
			}
		}
		o := deploy.Options{
			Environment: envName, Basedir: s.base, Root: root, Tag: tag, Jobs: 2, LockTimeout: time.Second,
			User: "ann", Host: "box", Now: func() time.Time { return at },
		}
		if envName == "dev" {
			o.User = evilUser
		}
		if fail {
			o.Command = []string{"false"}
		}
		_, err := deploy.Run(context.Background(), gittest.Client(t, s.g), o)
		if (err != nil) != fail {
			t.Fatalf("deploy %s to %s: %v", tag, envName, err)
		}
		s.logs[envName] = append(s.logs[envName], at.Format(time.RFC3339))
	}
	for _, tag := range []string{s.T1, s.T2} {
		step("production", tag, false)
		step("qa", tag, false)
		step("dev", tag, false)
	}
	step("dev", s.T3, false)
	step("qa", s.T3, false)
	step("production", s.T3, true)
	step("production", s.T1, false)
	step("dev", s.T3, false)
	step("qa", s.T3, true)
	return s
}

// tag makes a deploy tag of the HEADs at time at, in every repo.
func (s *system) tag(t *testing.T, at time.Time) string {
	t.Helper()
	d, err := tags.ForDeploy(context.Background(), s.g, tags.DeployOptions{Repos: s.repos, Prefix: "DEPLOY", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return d.Tag
}

func (s *system) root(name string) string {
	for _, e := range s.envs {
		if e.Name == name {
			return e.Root
		}
	}
	return ""
}

// server serves s: with its repos and commit links, or (bare) from the
// roots alone.
func (s *system) server(t *testing.T, bare bool, trace io.Writer) *httptest.Server {
	t.Helper()
	o := dashboard.Options{Envs: s.envs, Jobs: 2, ErrorLog: func(err error) { t.Logf("server: %v", err) },
		Now: func() time.Time { return t0.Add(27 * time.Hour) }}
	if !bare {
		g := s.g
		if trace != nil {
			var err error
			if g, err = git.New(context.Background(), git.Options{Env: s.env, Trace: trace}); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := config.Parse([]byte(`commit_url = "https://git.example.org/{repo}/commit/{commit}"`), "deploy.toml")
		if err != nil {
			t.Fatal(err)
		}
		o.Git, o.Repos, o.CommitLink = g, s.repos, cfg.CommitLink
	}
	srv, err := dashboard.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// getJSON GETs url, wants 200 and JSON, and decodes it strictly into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	code, hd, b := get(t, url)
	if code != 200 || hd.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s = %d %s: %s", url, code, hd.Get("Content-Type"), b)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, b)
	}
}

func contains(s string, subs ...string) []string {
	var missing []string
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			missing = append(missing, sub)
		}
	}
	return missing
}
