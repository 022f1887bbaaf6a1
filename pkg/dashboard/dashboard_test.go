package dashboard_test

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/dashboard"
)

type statusJSON struct {
	Environment string  `json:"environment"`
	Root        string  `json:"root"`
	Tag         *string `json:"tag"`
	DeployedAt  *string `json:"deployed_at"`
	User        *string `json:"user"`
	Host        *string `json:"host"`
}

type deployJSON struct {
	Time     string  `json:"time"`
	Tag      string  `json:"tag"`
	User     string  `json:"user"`
	Host     string  `json:"host"`
	Outcome  string  `json:"outcome"`
	Error    *string `json:"error"`
	Previous *string `json:"previous"`
	Rollback bool    `json:"rollback"`
	// CheckOutput: null unless rolled back
	CheckOutput *string `json:"check_output"`
}

type detailJSON struct {
	statusJSON
	History []deployJSON `json:"history"`
	More    bool         `json:"more"`
}

type commitJSON struct {
	Commit  string `json:"commit"`
	Subject string `json:"subject"`
}

type diffJSON struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Repos []struct {
		Name    string       `json:"name"`
		From    string       `json:"from"`
		To      string       `json:"to"`
		Ahead   int          `json:"ahead"`
		Behind  int          `json:"behind"`
		Log     []commitJSON `json:"log"`
		Dropped []commitJSON `json:"dropped"`
	} `json:"repos"`
	Warnings []string `json:"warnings"`
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// /environments.json: every environment in the order served, its live
// tag, and when and by whom that tag was last deployed.
func TestEnvironmentsJSON(t *testing.T) {
	s := newSystem(t)
	hs := s.server(t, false, nil)
	var got []statusJSON
	getJSON(t, hs.URL+"/environments.json", &got)
	want := []statusJSON{
		// production's T1 went live again by the rollback, its last line.
		{"production", s.root("production"), &s.T1, &s.logs["production"][3], ptr("ann"), ptr("box")},
		// qa's failed redeploy of T3 is not when T3 went live.
		{"qa", s.root("qa"), &s.T3, &s.logs["qa"][2], ptr("ann"), ptr("box")},
		// dev: the redeploy of T3 is the last successful deploy of it.
		{"dev", s.root("dev"), &s.T3, &s.logs["dev"][3], ptr(evilUser), ptr("box")},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d environments, want 3: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Environment != w.Environment || g.Root != w.Root || str(g.Tag) != str(w.Tag) || str(g.DeployedAt) != str(w.DeployedAt) ||
			str(g.User) != str(w.User) || str(g.Host) != str(w.Host) {
			t.Errorf("environment %d = {%s %s %s %s %s %s}, want {%s %s %s %s %s %s}", i,
				g.Environment, g.Root, str(g.Tag), str(g.DeployedAt), str(g.User), str(g.Host),
				w.Environment, w.Root, str(w.Tag), str(w.DeployedAt), str(w.User), str(w.Host))
		}
	}

	// Nothing deployed (the root lost its current link): nulls, not an error.
	if err := os.Remove(filepath.Join(s.root("qa"), "current")); err != nil {
		t.Fatal(err)
	}
	getJSON(t, hs.URL+"/environments.json", &got)
	if g := got[1]; g.Environment != "qa" || g.Tag != nil || g.DeployedAt != nil || g.User != nil || g.Host != nil {
		t.Errorf("qa without current = %+v, want null tag, time, user and host", g)
	}
}

func ptr(s string) *string { return &s }

// /environments/NAME.json: the status plus the history newest first, each
// attempt with its outcome, the tag live before it and the rollback mark.
func TestEnvironmentJSON(t *testing.T) {
	s := newSystem(t)
	hs := s.server(t, false, nil)
	var got detailJSON
	getJSON(t, hs.URL+"/environments/production.json", &got)
	lt := s.logs["production"]
	if got.Environment != "production" || got.Root != s.root("production") || str(got.Tag) != s.T1 ||
		str(got.DeployedAt) != lt[3] || str(got.User) != "ann" || str(got.Host) != "box" || got.More {
		t.Errorf("production status = %+v", got.statusJSON)
	}
	want := []deployJSON{
		{lt[3], s.T1, "ann", "box", "ok", nil, &s.T2, true, nil},
		{lt[2], s.T3, "ann", "box", "failed", ptr("?"), &s.T2, false, nil},
		{lt[1], s.T2, "ann", "box", "ok", nil, &s.T1, false, nil},
		{lt[0], s.T1, "ann", "box", "ok", nil, nil, false, nil},
	}
	checkHistory(t, "production", got.History, want)
	if e := got.History[1].Error; e == nil || !strings.Contains(*e, "command false failed") {
		t.Errorf("the failed deploy's error = %q, want the command's failure", str(e))
	}

	// A limit: the newest attempts, each still knowing the tag before it.
	getJSON(t, hs.URL+"/environments/production.json?limit=2", &got)
	checkHistory(t, "production?limit=2", got.History, want[:2])
	if !got.More {
		t.Error("limit=2 of 4: more must be true")
	}
	getJSON(t, hs.URL+"/environments/production.json?limit=0", &got)
	checkHistory(t, "production?limit=0", got.History, want)

	// dev: a redeploy of the live tag is no rollback; the user name is
	// served as recorded.
	getJSON(t, hs.URL+"/environments/dev.json", &got)
	ld := s.logs["dev"]
	checkHistory(t, "dev", got.History, []deployJSON{
		{ld[3], s.T3, evilUser, "box", "ok", nil, &s.T3, false, nil},
		{ld[2], s.T3, evilUser, "box", "ok", nil, &s.T2, false, nil},
		{ld[1], s.T2, evilUser, "box", "ok", nil, &s.T1, false, nil},
		{ld[0], s.T1, evilUser, "box", "ok", nil, nil, false, nil},
	})

	for _, tc := range []struct{ path, code string }{
		{"/environments/staging.json", "404"},
		{"/environments/../qa.json", "404"},
		{"/environments/qa.json?limit=-1", "400"},
		{"/environments/qa.json?limit=x", "400"},
		{"/environments.json/", "404"},
		{"/deploy_tag", "404"},
	} {
		if code, _, body := get(t, hs.URL+tc.path); fmt.Sprint(code) != tc.code {
			t.Errorf("GET %s = %d %s, want %s", tc.path, code, body, tc.code)
		}
	}
	resp, err := http.Post(hs.URL+"/environments.json", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /environments.json = %d, want 405", resp.StatusCode)
	}
}

func checkHistory(t *testing.T, what string, got, want []deployJSON) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d attempts, want %d: %+v", what, len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		errOK := (g.Error == nil) == (w.Error == nil)
		if g.Time != w.Time || g.Tag != w.Tag || g.User != w.User || g.Host != w.Host || g.Outcome != w.Outcome || !errOK ||
			str(g.Previous) != str(w.Previous) || g.Rollback != w.Rollback || str(g.CheckOutput) != str(w.CheckOutput) {
			t.Errorf("%s: attempt %d = {%s %s %s %s %s err=%s prev=%s rollback=%v}, want {%s %s %s %s %s err=%v prev=%s rollback=%v}", what, i,
				g.Time, g.Tag, g.User, g.Host, g.Outcome, str(g.Error), str(g.Previous), g.Rollback,
				w.Time, w.Tag, w.User, w.Host, w.Outcome, w.Error != nil, str(w.Previous), w.Rollback)
		}
	}
}

// /diff.json: deploy_manifest --diff --log --json's record, both ways, from
// one git process per changed repo, and kept once counted.
func TestDiffJSON(t *testing.T) {
	s := newSystem(t)
	var trace bytes.Buffer
	hs := s.server(t, false, &trace)
	var got diffJSON
	getJSON(t, hs.URL+"/diff.json?from="+s.T1+"&to="+s.T3, &got)
	if got.From != s.T1 || got.To != s.T3 || len(got.Repos) != 2 || len(got.Warnings) != 0 {
		t.Fatalf("diff = %+v", got)
	}
	js, srv := got.Repos[0], got.Repos[1]
	if js.Name != "tutor-js" || js.From != s.c["js1"] || js.To != s.c["js3"] || js.Ahead != 2 || js.Behind != 0 ||
		!slices.Equal(js.Log, []commitJSON{{s.c["js3"], scriptSubject}, {s.c["js2"], "fix the login page"}}) || js.Dropped != nil {
		t.Errorf("tutor-js = %+v", js)
	}
	if srv.Name != "tutor-server" || srv.From != s.c["srv1"] || srv.To != s.c["srv2"] || srv.Ahead != 1 || srv.Behind != 0 ||
		!slices.Equal(srv.Log, []commitJSON{{s.c["srv2"], "speed up the API"}}) {
		t.Errorf("tutor-server = %+v", srv)
	}
	logs := regexp.MustCompile(`(?m)\blog --left-right\b`).FindAllString(trace.String(), -1)
	if len(logs) != 2 {
		t.Errorf("want one git log per changed repo (2), ran:\n%s", trace.String())
	}

	// Kept: the same pair again runs no git at all.
	trace.Reset()
	getJSON(t, hs.URL+"/diff.json?from="+s.T1+"&to="+s.T3, &got)
	if trace.Len() != 0 {
		t.Errorf("a diff asked twice ran git again:\n%s", trace.String())
	}

	// The rollback's way: the commits dropped.
	got = diffJSON{}
	getJSON(t, hs.URL+"/diff.json?from="+s.T2+"&to="+s.T1, &got)
	if len(got.Repos) != 1 || got.Repos[0].Ahead != 0 || got.Repos[0].Behind != 2 || got.Repos[0].Log != nil ||
		!slices.Equal(got.Repos[0].Dropped, []commitJSON{{s.c["js3"], scriptSubject}, {s.c["js2"], "fix the login page"}}) {
		t.Errorf("rollback diff = %+v", got)
	}
	got = diffJSON{}
	getJSON(t, hs.URL+"/diff.json?from="+s.T3+"&to="+s.T3, &got)
	if got.Repos == nil || len(got.Repos) != 0 {
		t.Errorf("a tag against itself: repos = %#v, want []", got.Repos)
	}

	for _, tc := range []struct{ query, code string }{
		{"", "400"},
		{"?from=" + s.T1, "400"},
		{"?from=-x&to=" + s.T1, "400"},
		{"?from=" + s.T1 + "&to=DEPLOY_20991231_000000_0000000", "404"},
	} {
		if code, _, body := get(t, hs.URL+"/diff.json"+tc.query); fmt.Sprint(code) != tc.code {
			t.Errorf("GET /diff.json%s = %d %s, want %s", tc.query, code, body, tc.code)
		}
	}
}

// Without the repos, from the roots alone: tags, times and each repo's
// commits, counts unknown (-1), and the page says the log needs the repos.
func TestWithoutRepos(t *testing.T) {
	s := newSystem(t)
	hs := s.server(t, true, nil)
	var sts []statusJSON
	getJSON(t, hs.URL+"/environments.json", &sts)
	if len(sts) != 3 || str(sts[0].Tag) != s.T1 || str(sts[1].Tag) != s.T3 {
		t.Fatalf("environments = %+v", sts)
	}
	var d diffJSON
	getJSON(t, hs.URL+"/diff.json?from="+s.T1+"&to="+s.T2, &d)
	if len(d.Repos) != 1 || d.Repos[0].Name != "tutor-js" || d.Repos[0].From != s.c["js1"] || d.Repos[0].To != s.c["js3"] ||
		d.Repos[0].Ahead != -1 || d.Repos[0].Behind != -1 || d.Repos[0].Log != nil || len(d.Warnings) != 1 ||
		!strings.Contains(d.Warnings[0], "not counted (tutor-js)") {
		t.Errorf("diff without repos = %+v", d)
	}
	_, _, body := get(t, hs.URL+"/environments/production")
	page := string(body)
	if m := contains(page, "The log of commits needs the repos", short(s.c["js1"]), short(s.c["js3"]), "commits not counted"); m != nil {
		t.Errorf("page without repos lacks %q", m)
	}
}

func short(c string) string { return c[:12] }

// Everything printed is escaped: a commit subject and a user name holding
// HTML are shown as text; commits link to the configured pages.
func TestPagesEscape(t *testing.T) {
	s := newSystem(t)
	hs := s.server(t, false, nil)
	code, hd, body := get(t, hs.URL+"/environments/qa")
	page := string(body)
	if code != 200 || hd.Get("Content-Type") != "text/html; charset=utf-8" || !strings.HasPrefix(hd.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("GET /environments/qa = %d %v", code, hd)
	}
	if strings.Contains(page, scriptSubject) || strings.Count(page, "<script>") != 1 {
		t.Errorf("the subject %s reached the page unescaped", scriptSubject)
	}
	if m := contains(page, html.EscapeString(scriptSubject), "fix the login page", "speed up the API",
		`href="https://git.example.org/tutor-js/commit/`+s.c["js3"]+`"`, `<li class="gained">`,
		`<a href="/diff.json?from=`+s.T2+`&amp;to=`+s.T3+`">diff.json</a>`); m != nil {
		t.Errorf("qa page lacks %q", m)
	}
	_, _, body = get(t, hs.URL+"/environments/dev")
	if page := string(body); strings.Contains(page, evilUser) || !strings.Contains(page, html.EscapeString(evilUser)) {
		t.Errorf("the user name %s is not escaped on the dev page", evilUser)
	}
	_, _, body = get(t, hs.URL+"/")
	page = string(body)
	if strings.Contains(page, evilUser) || !strings.Contains(page, html.EscapeString(evilUser)) {
		t.Errorf("the user name %s is not escaped on the overview", evilUser)
	}
	for _, bad := range []string{"http://", "https://", "src=", "@import", "url("} {
		if bad == "https://" || bad == "http://" {
			// Commit links are navigation, not loads; nothing else names a URL.
			page = regexp.MustCompile(`href="https://git\.example\.org/[^"]*"`).ReplaceAllString(page, "")
		}
		if strings.Contains(page, bad) {
			t.Errorf("the overview loads from elsewhere: %q", bad)
		}
	}
	// The production page marks its rollback and shows the failure.
	_, _, body = get(t, hs.URL+"/environments/production")
	page = string(body)
	if strings.Count(page, `<span class="badge rollback">rollback</span>`) != 1 || strings.Count(page, `<span class="badge failed">failed</span>`) != 1 ||
		!strings.Contains(page, "command false failed") {
		t.Errorf("production page: want one rollback and one failure marked:\n%s", page)
	}
}

// The rollback rule on hand-written logs, deploy tags and other names.
func TestRollbackRule(t *testing.T) {
	const (
		a = "DEPLOY_20261125_100000_aaaaaaa"
		b = "DEPLOY_20261125_110000_bbbbbbb"
		c = "HOTFIX_20261125_120000_ccccccc"
		d = "DEPLOY_20261125_100000_ddddddd" // the second of a
	)
	for _, tc := range []struct {
		name string
		tags []string // oldest first; "!" before a tag marks a failed attempt
		want []bool   // newest first
	}{
		{"forward", []string{a, b, c}, []bool{false, false, false}},
		{"back by time, whatever the prefix", []string{a, c, b}, []bool{true, false, false}},
		{"redeploy", []string{a, b, b}, []bool{false, false, false}},
		{"forward again after a rollback", []string{a, b, a, b}, []bool{false, true, false, false}},
		{"failed attempts are skipped", []string{a, b, "!" + c, a}, []bool{true, false, false, false}},
		{"same second: seen before", []string{a, d, a}, []bool{true, false, false}},
		{"same second: new", []string{d, a}, []bool{false, false}},
		{"names without time: seen before", []string{"v1", "v2", "v1", "v3"}, []bool{false, true, false, false}},
		{"names without time: new", []string{"v2", "v1"}, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			var log strings.Builder
			for i, tag := range tc.tags {
				outcome := "ok"
				if t, ok := strings.CutPrefix(tag, "!"); ok {
					tag, outcome = t, "failed"
				}
				fmt.Fprintf(&log, `{"time":"2026-11-25T13:%02d:00Z","environment":"qa","tag":%q,"user":"u","host":"h","outcome":%q}`+"\n", i, tag, outcome)
			}
			if err := os.WriteFile(filepath.Join(root, "deploys.log"), []byte(log.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			srv, err := dashboard.New(dashboard.Options{Envs: []dashboard.Env{{Name: "qa", Root: root}}})
			if err != nil {
				t.Fatal(err)
			}
			for _, limit := range []int{0, 1, 2} {
				hist, _, err := srv.History(dashboard.Env{Name: "qa", Root: root}, limit)
				if err != nil {
					t.Fatal(err)
				}
				var got []bool
				for _, d := range hist {
					got = append(got, d.Rollback)
				}
				want := tc.want
				if limit > 0 {
					want = want[:limit]
				}
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: rollbacks = %v, want %v", limit, got, want)
				}
			}
		})
	}
}
