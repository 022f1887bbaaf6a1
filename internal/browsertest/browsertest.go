// Package browsertest checks pages in a real headless Chromium. A test
// serves its handler with a harness page beside it, on the same origin
// (Serve); the harness loads the page in a frame, acts as a person would,
// and writes what it saw as JSON into <pre id="result">, which chromium's
// --dump-dom prints and Result decodes.
package browsertest

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

	"github.com/deploytag/deploytag/internal/testneed"
)

// Chromium returns the path of the browser: $CHROMIUM, else the first of
// chromium, chromium-browser and google-chrome on PATH. Without one the
// test is skipped, or fails, as testneed.Need decides (make test and CI
// run the pages in it).
func Chromium(t testing.TB) string {
	t.Helper()
	return testneed.Path(t, "chromium")
}

// Serve serves page at / and harness at /_harness on 127.0.0.1 until the
// test ends, and returns the server's URL.
func Serve(t testing.TB, page http.Handler, harness string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", page)
	mux.HandleFunc("/_harness", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, harness)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Run runs bin headless with a fresh profile and home, no network of its
// own and at most 90 seconds, and returns its stdout; its stderr goes to
// the test log when it fails.
func Run(t testing.TB, bin string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=10000"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		t.Logf("chromium stderr:\n%s", stderr.String())
	}
	return stdout.Bytes(), err
}

var result = regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`)

// Result loads the harness of the server at url (from Serve) in bin and
// decodes what it wrote into <pre id="result"> into seen.
func Result(t testing.TB, bin, url string, seen any) {
	t.Helper()
	out, err := Run(t, bin, "--dump-dom", url+"/_harness")
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := result.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no result in the dumped DOM:\n%s", out)
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), seen); err != nil {
		t.Fatalf("result %q: %v", m[1], err)
	}
	t.Logf("browser saw %+v", seen)
}
