package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/deploytag/deploytag/pkg/live"
)

// harness is served beside the page, on the same origin, only in this
// test: it loads the page in a frame, checks that the tag is visible,
// clicks the copy button and writes what it saw into #result, which
// chromium's --dump-dom then prints.
const harness = `<!DOCTYPE html><html><body><pre id="result">pending</pre>
<iframe id="f" src="/" width="900" height="600"></iframe>
<script>
var frame = document.getElementById('f');
function report(o) { document.getElementById('result').textContent = JSON.stringify(o); }
frame.addEventListener('load', function () {
  var doc = frame.contentDocument, win = frame.contentWindow;
  var tag = doc.getElementById('tag'), button = doc.getElementById('copy'), status = doc.getElementById('status');
  var r = tag.getBoundingClientRect(), cs = win.getComputedStyle(tag);
  var seen = {
    text: tag.textContent,
    visible: r.width > 0 && r.height > 0 && cs.visibility === 'visible' && cs.display !== 'none' && cs.opacity !== '0',
    button: button ? button.textContent : null
  };
  button.click();
  var tries = 0;
  (function wait() {
    if (!status.getAttribute('data-copied') && tries++ < 100) { setTimeout(wait, 20); return; }
    seen.selection = win.getSelection().toString();
    seen.copied = status.getAttribute('data-copied');
    seen.status = status.textContent;
    report(seen);
  })();
});
</script></body></html>`

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: install Debian's chromium (apt-get install chromium), as .ci/run does, or set $CHROMIUM")
	return ""
}

// The page, checked in a real headless browser: the tag is visible and the
// copy button selects it (and copies it where the browser allows).
func TestPageInHeadlessChromium(t *testing.T) {
	bin := chromium(t)
	root := t.TempDir()
	install(t, root, tag1, nil)
	mux := http.NewServeMux()
	mux.Handle("/", live.NewHandler(live.HandlerOptions{Source: live.Source{Root: root}}))
	mux.HandleFunc("/_harness", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, harness)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000",
		"--dump-dom", srv.URL+"/_harness")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no result in the dumped DOM:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	var seen struct {
		Text, Button, Selection, Copied, Status string
		Visible                                 bool
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &seen); err != nil {
		t.Fatalf("result %q: %v\nstderr:\n%s", m[1], err, stderr.String())
	}
	t.Logf("browser saw %+v", seen)
	if seen.Text != tag1 || !seen.Visible {
		t.Errorf("tag shown as %q, visible=%v; want %s visible", seen.Text, seen.Visible, tag1)
	}
	if seen.Selection != tag1 {
		t.Errorf("after the copy button the selection is %q, want the tag", seen.Selection)
	}
	if seen.Copied != "yes" && seen.Copied != "no" || seen.Status == "" {
		t.Errorf("the copy button reported nothing: copied=%q status=%q", seen.Copied, seen.Status)
	}
}
