package live_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/live"
)

const (
	tag1 = "DEPLOY_20261125_142501_3f9a2c1"
	tag2 = "DEPLOY_20261125_150000_0a1b2c3"
	shaA = "d969dc1f88eabe71577157884604fddd05a6e497"
	shaB = "f5476fdb225482e195d84828aae9fb4d6b72e91d"
)

// install lays out root/releases/TAG as the deploy tool does, switches
// root/current to it and logs it.
func install(t *testing.T, root, tag string, files map[string]string) {
	t.Helper()
	rel := filepath.Join(root, "releases", tag)
	must(t, os.MkdirAll(filepath.Join(rel, "tutor-server"), 0o755))
	must(t, os.MkdirAll(filepath.Join(rel, "tutor-js"), 0o755))
	base := map[string]string{
		"DEPLOY_TAG":      tag + "\n",
		"DEPLOY_MANIFEST": "tutor-js      " + shaB + "\ntutor-server  " + shaA + "\n",
	}
	for k, v := range files {
		base[k] = v
	}
	for name, content := range base {
		must(t, os.WriteFile(filepath.Join(rel, name), []byte(content), 0o644))
	}
	tmp := filepath.Join(root, "current.tmp")
	must(t, os.Symlink(filepath.Join("releases", tag), tmp))
	must(t, os.Rename(tmp, filepath.Join(root, "current")))
	f, err := os.OpenFile(filepath.Join(root, "deploys.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	must(t, err)
	_, err = f.WriteString(`{"time":"2026-11-25T14:30:00Z","environment":"production","tag":"` + tag + `","user":"u","host":"h","outcome":"ok"}` + "\n")
	must(t, err)
	must(t, f.Close())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// A Go service mounts the handler over a deployed release and answers
// with the tag; a redeploy shows at once.
func TestHandlerServesTheTag(t *testing.T) {
	root := t.TempDir()
	install(t, root, tag1, nil)
	mux := http.NewServeMux()
	h := live.NewHandler(live.HandlerOptions{Source: live.Source{Path: filepath.Join(root, "current", "tutor-server")}})
	mux.Handle("/deploy_tag", h)
	mux.Handle("/deploy_tag.json", h)
	mux.HandleFunc("/app", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "the app") })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	code, hd, body := get(t, srv.URL+"/deploy_tag")
	if code != 200 || body != tag1+"\n" || hd.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("GET /deploy_tag = %d %q %q", code, hd.Get("Content-Type"), body)
	}
	code, _, body = get(t, srv.URL+"/deploy_tag.json")
	var info struct {
		Tag         string  `json:"tag"`
		Environment *string `json:"environment"`
		DeployedAt  *string `json:"deployed_at"`
		Root        *string `json:"root"`
		Repos       []struct {
			Name    string  `json:"name"`
			Commit  string  `json:"commit"`
			Version *string `json:"version"`
		} `json:"repos"`
	}
	must(t, json.Unmarshal([]byte(body), &info))
	realRoot, _ := filepath.EvalSymlinks(root)
	if code != 200 || info.Tag != tag1 || *info.Environment != "production" || *info.DeployedAt != "2026-11-25T14:30:00Z" ||
		*info.Root != realRoot || len(info.Repos) != 2 || info.Repos[0].Name != "tutor-js" || info.Repos[0].Commit != shaB ||
		info.Repos[1].Name != "tutor-server" || info.Repos[1].Commit != shaA || info.Repos[0].Version != nil {
		t.Fatalf("GET /deploy_tag.json = %d %s", code, body)
	}
	if _, _, body := get(t, srv.URL+"/app"); body != "the app" {
		t.Fatalf("the service's own routes are untouched: %q", body)
	}

	install(t, root, tag2, nil)
	if _, _, body := get(t, srv.URL+"/deploy_tag"); body != tag2+"\n" {
		t.Fatalf("after a redeploy GET /deploy_tag = %q, want %s", body, tag2)
	}
}

func TestHandlerServesNothingElse(t *testing.T) {
	root := t.TempDir()
	install(t, root, tag1, nil)
	srv := httptest.NewServer(live.NewHandler(live.HandlerOptions{Source: live.Source{Root: root}}))
	defer srv.Close()
	for _, p := range []string{"/DEPLOY_MANIFEST", "/current/DEPLOY_TAG", "/deploy_tag/", "/../deploys.log", "/index.html"} {
		if code, _, body := get(t, srv.URL+p); code != 404 || strings.Contains(body, shaA) {
			t.Errorf("GET %s = %d %q, want 404", p, code, body)
		}
	}
	resp, err := http.Post(srv.URL+"/deploy_tag", "text/plain", strings.NewReader("x"))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /deploy_tag = %d", resp.StatusCode)
	}
	must(t, os.Remove(filepath.Join(root, "current")))
	if code, _, body := get(t, srv.URL+"/deploy_tag"); code != 503 || strings.Contains(body, root) {
		t.Errorf("nothing deployed: GET /deploy_tag = %d %q, want 503 without paths", code, body)
	}
}

func TestPageEscapesAndIsSelfContained(t *testing.T) {
	root := t.TempDir()
	install(t, root, tag1, nil)
	// A hostile environment name in the log must come out escaped.
	must(t, os.WriteFile(filepath.Join(root, "deploys.log"),
		[]byte(`{"time":"2026-11-25T14:30:00Z","environment":"<script>alert(1)</script>","tag":"`+tag1+`","outcome":"ok"}`+"\n"), 0o644))
	srv := httptest.NewServer(live.NewHandler(live.HandlerOptions{Source: live.Source{Root: root}}))
	defer srv.Close()
	code, hd, body := get(t, srv.URL+"/")
	if code != 200 || !strings.Contains(body, `<code id="tag">`+tag1+`</code>`) || !strings.Contains(body, "tutor-server") ||
		!strings.Contains(body, shaA[:12]) || !strings.Contains(body, `datetime="2026-11-25T14:30:00Z"`) {
		t.Fatalf("GET / = %d\n%s", code, body)
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("environment not escaped:\n%s", body)
	}
	for _, ext := range []string{"src=", "href=", "@import", "url("} {
		if strings.Contains(body, ext) {
			t.Errorf("page refers to an external asset (%s)", ext)
		}
	}
	if csp := hd.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; script-src 'sha256-") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestFindRelease(t *testing.T) {
	root := t.TempDir()
	install(t, root, tag1, nil)
	deep := filepath.Join(root, "current", "tutor-js", "a", "b")
	must(t, os.MkdirAll(deep, 0o755))
	for _, p := range []string{deep, filepath.Join(root, "current"), root, filepath.Join(root, "releases", tag1, "tutor-js")} {
		info, err := live.Read(p)
		if err != nil || info.Tag != tag1 {
			t.Errorf("Read(%s) = %v, %v", p, info, err)
		}
	}
	if _, err := live.Read(t.TempDir()); !errors.Is(err, live.ErrNoRelease) {
		t.Errorf("Read(empty) = %v, want ErrNoRelease", err)
	}
}

func TestParseTag(t *testing.T) {
	for in, ok := range map[string]bool{
		tag1 + "\n": true, tag1: true, "v1.2.3\n": true,
		"": false, "\n": false, tag1 + "\n\n": false, tag1 + "\r\n": false, "-x\n": false, "a b\n": false, tag1 + "\n" + tag2 + "\n": false,
	} {
		_, err := live.ParseTag([]byte(in), "f")
		if (err == nil) != ok {
			t.Errorf("ParseTag(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}
