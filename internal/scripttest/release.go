package scripttest

// The commands for the standard place, so that the tools reading releases
// can be tested before and besides the deploy tool (see the package doc).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/releasetest"
	"github.com/deploytag/deploytag/pkg/place"
)

func mkrelease(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 5 {
		ts.Fatalf("usage: mkrelease ROOT BASEDIR TAG [ENV [TIME]]")
	}
	root, base, tag := ts.MkAbs(args[0]), ts.MkAbs(args[1]), args[2]
	env, at := "test", "2026-11-25T14:30:00Z"
	if len(args) > 3 {
		env = args[3]
	}
	if len(args) > 4 {
		at = args[4]
	}
	ts.Check(releasetest.Make(root, base, tag, func(dir string) releasetest.Git {
		return func(args ...string) ([]byte, error) { return []byte(Git(ts, dir, args...)), nil }
	}))
	line, err := json.Marshal(map[string]string{"time": at, "environment": env, "tag": tag,
		"user": "tester", "host": "testhost", "outcome": "ok"})
	ts.Check(err)
	f, err := os.OpenFile(filepath.Join(root, place.LogFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	ts.Check(err)
	_, err = f.Write(append(line, '\n'))
	ts.Check(err)
	ts.Check(f.Close())
}

func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ts.Setenv(args[0], strconv.Itoa(freePort(ts)))
}

func httpget(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: httpget URL")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	var resp *http.Response
	var err error
	for {
		resp, err = client.Get(args[0])
		if err == nil || time.Now().After(deadline) {
			break
		}
		// The server may still be starting: poll until it listens.
		time.Sleep(20 * time.Millisecond)
	}
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stderr(), "%d %s\n", resp.StatusCode, resp.Header.Get("Content-Type"))
	_, _ = io.Copy(ts.Stdout(), bytes.NewReader(body))
	if ok := resp.StatusCode == http.StatusOK; ok == neg {
		ts.Fatalf("GET %s: status %d", args[0], resp.StatusCode)
	}
}
