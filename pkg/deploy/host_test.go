package deploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/artifact"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/tags"
)

// buildArtifacts tags the repos of a fresh basedir n times (a commit in
// between) and returns each tag's artifact, built by Run with Artifact.
func buildArtifacts(t *testing.T, n int) (made []string, arts [][]byte) {
	t.Helper()
	g, base, repos := setup(t)
	env := gittest.Env(t)
	for i := range n {
		if i > 0 {
			os.WriteFile(filepath.Join(repos[0].Path, "CHANGES"), []byte(strings.Repeat("change\n", i)), 0o644)
			gittest.Git(t, env, repos[0].Path, "add", "CHANGES")
			gittest.Git(t, env, repos[0].Path, "commit", "-q", "-m", "change")
		}
		var b bytes.Buffer
		o := Options{Environment: "production", Basedir: base, Jobs: 2, Artifact: &b,
			Tagging: tags.DeployOptions{Repos: repos, Prefix: "DEPLOY", Time: time.Date(2026, 11, 25, 10, i, 0, 0, time.UTC)}}
		res, err := Run(context.Background(), g, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Root != "" || res.Release != "" {
			t.Errorf("an artifact build reports root %q release %q", res.Root, res.Release)
		}
		made, arts = append(made, res.Tag), append(arts, b.Bytes())
	}
	return made, arts
}

// tamperVerify stands in for the proof check: a release holding a file
// named TAMPERED anywhere fails it.
func tamperVerify(calls *[]string) VerifyFunc {
	return func(_ context.Context, dir, tag string, _ *gitobj.Written, _ []string) error {
		*calls = append(*calls, filepath.Base(dir)+" "+tag)
		var bad error
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Name() == "TAMPERED" {
				bad = errors.New("a/TAMPERED: added")
			}
			return err
		})
		return bad
	}
}

func hostOptions(t *testing.T, calls *[]string) Options {
	return Options{Environment: "production", Root: filepath.Join(t.TempDir(), "root"), LockTimeout: time.Second,
		User: "ann", Host: "web1", Verify: tamperVerify(calls)}
}

func live(t *testing.T, root string) string {
	t.Helper()
	r := &place.Root{Dir: root}
	tag, _ := r.Live()
	return tag
}

func logLines(t *testing.T, root string) []string {
	b, _ := os.ReadFile(filepath.Join(root, place.LogFile))
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Stage everywhere, then switch; a second tag in one go; rollback to the
// one before, not back again; a switch forward.
func TestStageSwitchRollback(t *testing.T) {
	tags, arts := buildArtifacts(t, 2)
	var calls []string
	o := hostOptions(t, &calls)
	out := filepath.Join(t.TempDir(), "command-saw")
	o.Command = []string{"sh", "-c", `echo "$DEPLOY_TAG $DEPLOY_ENVIRONMENT $(cat "$DEPLOY_MANIFEST" | wc -l) $(pwd)" >> "$OUT"`}
	o.Env = []string{"OUT=" + out, "PATH=" + os.Getenv("PATH")}

	res, err := FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(arts[0]), Name: "a.tar", SHA256: sum(arts[0]), Stage: true})
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join(o.Root, "releases", tags[0])
	if res.Tag != tags[0] || res.Release != rel || len(res.Manifest) != 2 {
		t.Errorf("staged %+v", res)
	}
	if got := live(t, o.Root); got != "" {
		t.Errorf("a stage switched current to %s", got)
	}
	if len(calls) != 1 || !strings.HasPrefix(calls[0], ".tmp-artifact-") {
		t.Errorf("verified %v; want the unpacked folder, before it took the tag's name", calls)
	}
	saw, _ := os.ReadFile(out)
	if want := tags[0] + " production 2 " + rel + "\n"; string(saw) != want {
		t.Errorf("the command saw %q, want %q", saw, want)
	}
	if b, _ := os.ReadFile(filepath.Join(o.Root, place.LogFile)); len(b) != 0 {
		t.Errorf("a stage logged a deploy: %s", b)
	}

	res, err = Switch(context.Background(), o, tags[0])
	if err != nil || res.Tag != tags[0] || res.Previous != "" {
		t.Fatalf("Switch = %+v, %v", res, err)
	}
	if live(t, o.Root) != tags[0] || len(calls) != 2 || calls[1] != tags[0]+" "+tags[0] {
		t.Errorf("after the switch: live %s, verified %v", live(t, o.Root), calls)
	}
	if saw, _ := os.ReadFile(out); strings.Count(string(saw), "\n") != 1 {
		t.Errorf("the switch ran the command again: %q", saw)
	}

	// In one go: unpack, verify, command, switch.
	res, err = FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(arts[1]), Name: "b.tar"})
	if err != nil || live(t, o.Root) != tags[1] || res.Previous != tags[0] {
		t.Fatalf("FromArtifact = %+v, %v; live %s", res, err, live(t, o.Root))
	}

	// Rollback: the release live before; a second one finds nothing
	// before it (never back to the release the first one left).
	res, err = Switch(context.Background(), o, "")
	if err != nil || res.Tag != tags[0] || live(t, o.Root) != tags[0] {
		t.Fatalf("rollback = %+v, %v; want %s live", res, err, tags[0])
	}
	if res, err = Switch(context.Background(), o, ""); err == nil || live(t, o.Root) != tags[0] {
		t.Fatalf("a second rollback = %+v, %v; want nothing to roll back to", res, err)
	}
	if res, err = Switch(context.Background(), o, tags[1]); err != nil {
		t.Fatal(err)
	}
	// A dry run verifies and switches nothing, and is not logged.
	n := len(logLines(t, o.Root))
	o.DryRun = true
	if res, err = Switch(context.Background(), o, ""); err != nil || res.Tag != tags[0] || live(t, o.Root) != tags[1] {
		t.Fatalf("dry rollback = %+v, %v; live %s", res, err, live(t, o.Root))
	}
	if len(logLines(t, o.Root)) != n {
		t.Error("a dry run was logged")
	}
	lines := logLines(t, o.Root)
	if len(lines) != 4 || !strings.Contains(lines[0], `"tag":"`+tags[0]+`","user":"ann","host":"web1","outcome":"ok"`) {
		t.Errorf("deploys.log:\n%s", strings.Join(lines, "\n"))
	}
}

// What must never be installed: a checksum mismatch, a release that fails
// its proof, an artifact cut short; and a switch to a release not kept or
// edited since.
func TestHostRefusals(t *testing.T) {
	tags, arts := buildArtifacts(t, 2)
	var calls []string
	o := hostOptions(t, &calls)
	o.Keep = 1
	if _, err := FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(arts[0]), Name: "a.tar"}); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", what, err, want)
		}
		if got := live(t, o.Root); got != tags[0] {
			t.Errorf("%s: live is %s", what, got)
		}
		ents, _ := os.ReadDir(filepath.Join(o.Root, place.ReleasesDir))
		if len(ents) != 1 || ents[0].Name() != tags[0] {
			t.Errorf("%s: releases/ holds %v", what, ents)
		}
	}

	bad := append([]byte(nil), arts[1]...)
	i := bytes.Index(bad, []byte("change\n"))
	bad[i] = 'T'
	_, err := FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(bad), Name: "b.tar", SHA256: sum(arts[1])})
	check("checksum", err, "b.tar has sha256 "+sum(bad)+", not "+sum(arts[1])+" (damaged in transit?)")
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("checksum mismatch: %v is not ErrChecksum", err)
	}

	_, err = FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(arts[1][:len(arts[1])/2]), Name: "b.tar"})
	check("cut short", err, "unpacking b.tar: "+artifact.ErrCorrupt.Error())

	tampered := tamperedArtifact(t, arts[1], tags[1])
	_, err = FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(tampered), Name: "b.tar"})
	check("proof", err, "release "+tags[1]+" in b.tar does not verify; nothing installed: a/TAMPERED: added")

	_, err = Switch(context.Background(), o, tags[1])
	check("not kept", err, "release "+tags[1]+" is not kept in ")
	_, err = Switch(context.Background(), o, "")
	check("no previous", err, "nothing to roll back to: no release deployed before "+tags[0]+" is kept")

	// A staged release edited before the switch is not switched to.
	if _, err := FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(arts[1]), Name: "b.tar", Stage: true}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(o.Root, "releases", tags[1], "a", "TAMPERED"), nil, 0o644)
	_, err = Switch(context.Background(), o, tags[1])
	if err == nil || !strings.Contains(err.Error(), "release "+tags[1]+" does not verify; not switched: a/TAMPERED: added") || live(t, o.Root) != tags[0] {
		t.Errorf("switch to an edited release: %v; live %s", err, live(t, o.Root))
	}
	lines := logLines(t, o.Root)
	if last := lines[len(lines)-1]; !strings.Contains(last, `"tag":"`+tags[1]+`"`) || !strings.Contains(last, `"outcome":"failed"`) {
		t.Errorf("the failed switch was not logged: %s", last)
	}
	// A fresh artifact restores it, and keep = 1 prunes nothing live or
	// previous.
	os.Remove(filepath.Join(o.Root, "releases", tags[1], "a", "TAMPERED"))
	res, err := FromArtifact(context.Background(), o, Artifact{R: bytes.NewReader(arts[1]), Name: "b.tar"})
	if err != nil || live(t, o.Root) != tags[1] || len(res.Pruned) != 0 {
		t.Fatalf("FromArtifact = %+v, %v", res, err)
	}
}

// tamperedArtifact is art with a file TAMPERED added to repo a.
func tamperedArtifact(t *testing.T, art []byte, tag string) []byte {
	t.Helper()
	dir := t.TempDir()
	if _, err := artifact.Unpack(bytes.NewReader(art), dir, artifact.Limits{}, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a", "TAMPERED"), []byte("x"), 0o644)
	var b bytes.Buffer
	if err := artifact.Write(&b, dir, tag); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A sender that stalls mid-artifact does not hold the host forever: an
// interrupt (ctx) ends the read, nothing is installed, the lock is free.
func TestFromArtifactInterrupted(t *testing.T) {
	_, arts := buildArtifacts(t, 1)
	var calls []string
	o := hostOptions(t, &calls)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	go pw.Write(arts[0][:len(arts[0])/2]) // then nothing, never closed
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := FromArtifact(ctx, o, Artifact{R: pr, Name: "stdin"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "unpacking stdin") {
			t.Errorf("interrupted FromArtifact: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("FromArtifact still reading 30s after the interrupt")
	}
	if ents, _ := os.ReadDir(filepath.Join(o.Root, place.ReleasesDir)); len(ents) != 0 {
		t.Errorf("an interrupted unpack left %v", ents)
	}
	r := &place.Root{Dir: o.Root}
	l, err := r.Lock(context.Background(), time.Second, "next", nil)
	if err != nil {
		t.Fatalf("the lock stayed held: %v", err)
	}
	l.Unlock()
}
