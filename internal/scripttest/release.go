package scripttest

// The commands for the standard place, so that the tools reading releases
// can be tested before and besides the deploy tool (see the package doc).

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/releasetest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/proof"
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

// forgerecord edits a release's record.json as someone who can write the
// release would, to claim what the tag's tree may not allow:
//
//	forgerecord RELEASE REPO ignore PATH MODE HASH
//	forgerecord RELEASE REPO subst PATH MODE TAGGED DEPLOYED  (replacing PATH's entry)
//	forgerecord RELEASE REPO lfs PATH FILE       (a pointer to FILE's bytes)
//	forgerecord RELEASE REPO submodule PATH COMMIT
//	forgerecord RELEASE REPO build PATH MODE HASH   (a build output, the record's order kept)
func forgerecord(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: forgerecord RELEASE REPO ignore|subst|lfs|submodule|build ARGS...")
	}
	file := filepath.Join(ts.MkAbs(args[0]), proof.Rel(args[1], proof.RecordFile))
	b, err := os.ReadFile(file)
	ts.Check(err)
	var r proof.Record
	ts.Check(proof.UnmarshalRecord(b, &r))
	a := args[3:]
	need := func(n int) {
		if len(a) != n {
			ts.Fatalf("forgerecord %s: want %d arguments", args[2], n)
		}
	}
	if r.Export == nil && (args[2] == "ignore" || args[2] == "subst") {
		r.Export = &proof.Export{Ignored: []proof.Ignored{}, Substituted: []proof.Substituted{}}
	}
	switch args[2] {
	case "ignore":
		need(3)
		r.Export.Ignored = append(r.Export.Ignored, proof.Ignored{Path: a[0], Mode: a[1], Hash: a[2]})
	case "subst":
		need(4)
		s := proof.Substituted{Path: a[0], Mode: a[1], Tagged: a[2], Deployed: a[3], Recorded: []proof.Recorded{}}
		r.Export.Substituted = slices.DeleteFunc(r.Export.Substituted, func(x proof.Substituted) bool { return x.Path == s.Path })
		r.Export.Substituted = append(r.Export.Substituted, s)
	case "lfs":
		need(2)
		data, err := os.ReadFile(ts.MkAbs(a[1]))
		ts.Check(err)
		sum := sha256.Sum256(data)
		r.LFS = append(r.LFS, proof.LFSFile{Path: a[0],
			Pointer: fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%x\nsize %d\n", sum, len(data))})
	case "submodule":
		need(2)
		found := false
		for i := range r.Submodules {
			if r.Submodules[i].Path == a[0] {
				r.Submodules[i].Commit, found = a[1], true
			}
		}
		if !found {
			r.Submodules = append(r.Submodules, proof.Submodule{Path: a[0], Commit: a[1]})
		}
	case "build":
		need(3)
		if r.Build == nil {
			ts.Fatalf("forgerecord build: %s has no build record", file)
		}
		r.Build.Added = append(r.Build.Added, proof.Output{Path: a[0], Mode: a[1], Hash: a[2]})
		slices.SortFunc(r.Build.Added, func(x, y proof.Output) int { return strings.Compare(x.Path, y.Path) })
	default:
		ts.Fatalf("forgerecord: unknown %q", args[2])
	}
	out, err := proof.MarshalRecord(r)
	ts.Check(err)
	ts.Check(os.WriteFile(file, out, 0o644))
}
