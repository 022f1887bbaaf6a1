package tags

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/deploytag/deploytag/internal/gitprocs"
	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/manifest"
)

const tag = "DEPLOY_20261125_142501_3f9a2c1"

// copiesWorld makes repos NAME... and the manifest of their HEADs plus
// extra (repos it names that are not in the basedir), and returns the
// environment, the basedir's repos and the tag message recording it.
func copiesWorld(t *testing.T, extra []manifest.Entry, names ...string) ([]string, []basedir.Repo, string) {
	t.Helper()
	env, _, _, repos := gittest.World(t, names...)
	entries := append([]manifest.Entry(nil), extra...)
	for _, r := range repos {
		entries = append(entries, manifest.Entry{Name: r.Name, Commit: gittest.Git(t, env, r.Path, "rev-parse", "HEAD")})
	}
	m, err := manifest.New(entries...)
	if err != nil {
		t.Fatal(err)
	}
	return env, repos, manifest.TagMessage(tag, m)
}

// broken makes base/NAME look like a work tree (a .git file) that git
// cannot read.
func broken(t *testing.T, base, name string) basedir.Repo {
	t.Helper()
	dir := filepath.Join(base, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git"), []byte("gitdir: "+filepath.Join(base, "nowhere")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return basedir.Repo{Name: name, Path: dir}
}

func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// Every way a copy can be wrong, each said once, each on its own repo; a
// repo that cannot be read is named alone, and one the manifest does not
// name is not blamed at all.
func TestReadCopiesNamesEachCulprit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// f is named by the manifest but cannot be read; x is not named and
	// cannot be read either; gone is named but not in the basedir.
	named := []manifest.Entry{{Name: "f", Commit: strings.Repeat("1", 40)}, {Name: "gone", Commit: strings.Repeat("2", 40)}}
	env, repos, msg := copiesWorld(t, named, "a", "b", "c", "d", "e")
	g := gittest.Runner(t, env)
	base := filepath.Dir(repos[0].Path)
	a, c, d, e := repos[0], repos[2], repos[3], repos[4] // b lacks the tag
	f := broken(t, base, "f")
	x := broken(t, base, "x")
	repos = append(repos[:5], f, x)

	for _, r := range []basedir.Repo{a, d, e} {
		gittest.Git(t, env, r.Path, "tag", "-a", "-m", msg, tag)
	}
	// b lacks the tag; c has it lightweight; d's was moved to a new
	// commit, keeping the message; e's message is not a manifest.
	gittest.Git(t, env, c.Path, "tag", tag)
	recorded := gittest.Git(t, env, d.Path, "rev-parse", "HEAD")
	gittest.Git(t, env, d.Path, "commit", "-q", "--allow-empty", "-m", "moved")
	gittest.Git(t, env, d.Path, "tag", "-d", tag)
	gittest.Git(t, env, d.Path, "tag", "-a", "-m", msg, tag)
	moved := gittest.Git(t, env, d.Path, "rev-parse", "HEAD")
	gittest.Git(t, env, e.Path, "tag", "-d", tag)
	gittest.Git(t, env, e.Path, "tag", "-a", "-m", "release notes", tag)

	s, err := ReadCopies(ctx, g, repos, tag, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.From != 0 || manifest.TagMessage(tag, s.Manifest) != msg {
		t.Fatalf("manifest from copy %d: %v", s.From, s.Manifest)
	}
	ca := s.All[0]
	if ca.Missing || ca.Lightweight || ca.Err != nil || !ca.Records() || ca.Commit == "" || ca.Tree == "" ||
		ca.Tree != gittest.Git(t, env, a.Path, "rev-parse", "HEAD^{tree}") || ca.Object != gittest.Git(t, env, a.Path, "rev-parse", "refs/tags/"+tag) {
		t.Errorf("a's copy %+v", ca)
	}
	if p := s.Problems(0); len(p) != 0 {
		t.Errorf("a is blamed: %v", p)
	}
	_, err = s.Check()
	got := errLines(err)
	want := []string{
		"tag " + tag + " is missing (b)",
		"tag " + tag + " is a lightweight tag, not a deploy tag (c)",
		"tag " + tag + " is at commit " + moved[:12] + ", but the manifest records " + recorded[:12] + " (d)",
		"message of tag " + tag + " is not a manifest: tag message does not start with the tag name " + tag + " (tag message) (e)",
		"", // f: git's own words
		"repo of tag " + tag + " is not in the basedir (gone)",
	}
	if len(got) != len(want) {
		t.Fatalf("Check:\n%s\nwant %d lines", err, len(want))
	}
	for i := range want {
		if want[i] == "" {
			if !strings.HasSuffix(got[i], "(f)") || strings.Contains(got[i], "tag "+tag) {
				t.Errorf("f: %q, want git's failure naming f", got[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("line %d: %q\nwant %q", i, got[i], want[i])
		}
	}
	if strings.Contains(err.Error(), "(x)") {
		t.Errorf("x, which the manifest does not name, is blamed: %v", err)
	}
	if re := s.ReadErr(); len(errLines(re)) != 2 || !strings.HasSuffix(errLines(re)[1], "(x)") {
		t.Errorf("ReadErr = %v, want f and x", re)
	}
}

// A copy recording another manifest is named against the one the
// manifest came from; a copy in a repo the manifest does not name is
// named too.
func TestCopiesDisagree(t *testing.T) {
	t.Parallel()
	env, repos, msg := copiesWorld(t, nil, "a", "b")
	g := gittest.Runner(t, env)
	gittest.Git(t, env, repos[0].Path, "tag", "-a", "-m", msg, tag)
	other := strings.Replace(msg, "\nb ", "\nc ", 1) // names c, not b
	gittest.Git(t, env, repos[1].Path, "tag", "-a", "-m", other, tag)
	s, err := ReadCopies(context.Background(), g, repos, tag, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := errLines(errors.Join(s.Problems(1)...)); strings.Join(got, "\n") != "tag "+tag+" records a manifest different from the one in a" {
		t.Errorf("b: %q", got)
	}
	// Read from b first: its manifest does not name b, and a's disagrees.
	s, err = ReadCopies(context.Background(), g, []basedir.Repo{repos[1], repos[0]}, tag, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := errLines(errors.Join(s.Problems(0)...)); strings.Join(got, "\n") != "carries tag "+tag+", but its manifest does not name this repo" {
		t.Errorf("b: %q", got)
	}
	if got := errLines(errors.Join(s.Problems(1)...)); strings.Join(got, "\n") != "tag "+tag+" records a manifest different from the one in b" {
		t.Errorf("a: %q", got)
	}
}

// With no copy recording a manifest, the error says why, per repo.
func TestManifestErr(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, repos, _ := copiesWorld(t, nil, "a", "b", "c")
	g := gittest.Runner(t, env)
	_, err := TagManifest(ctx, g, repos, tag)
	if got := errLines(err); strings.Join(got, "\n") != "tag "+tag+" is in no repo of the basedir" {
		t.Errorf("no copy: %q", got)
	}
	gittest.Git(t, env, repos[1].Path, "tag", tag)
	gittest.Git(t, env, repos[2].Path, "tag", "-a", "-m", "notes", tag)
	_, err = TagManifest(ctx, g, repos, tag)
	want := "tag " + tag + " is a lightweight tag, not a deploy tag (b)\n" +
		"message of tag " + tag + " is not a manifest: tag message does not start with the tag name " + tag + " (tag message) (c)"
	if err == nil || err.Error() != want {
		t.Errorf("no manifest: %v\nwant %s", err, want)
	}
}

// FirstManifest stops at the first copy recording a manifest, and every
// read of a copy is one git process in its repo.
func TestOneGitProcessPerCopy(t *testing.T) {
	realGit, err := gitprocs.RealGit(os.Getenv("PATH"))
	if err != nil {
		t.Fatal(err)
	}
	wrap := t.TempDir()
	if err := gitprocs.Install(wrap, realGit); err != nil {
		t.Fatal(err)
	}
	env, repos, msg := copiesWorld(t, nil, "a", "b", "c", "d")
	base := filepath.Dir(repos[0].Path)
	for _, r := range repos[1:] {
		gittest.Git(t, env, r.Path, "tag", "-a", "-m", msg, tag)
	}
	log := filepath.Join(t.TempDir(), "gitprocs.log")
	t.Setenv("PATH", wrap+string(os.PathListSeparator)+os.Getenv("PATH"))
	g := gittest.Runner(t, append(env, "PATH="+os.Getenv("PATH"), gitprocs.LogVar+"="+log))
	count := func() map[string][]string {
		b, _ := os.ReadFile(log)
		calls, err := gitprocs.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		per, _, err := gitprocs.PerRepo(calls, base)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for n, cs := range per {
			out[n] = gitprocs.Subs(cs)
		}
		return out
	}
	ctx := context.Background()
	if _, err := os.Create(log); err != nil {
		t.Fatal(err)
	}
	s := FirstManifest(ctx, g, repos, tag)
	if s.From != 1 || len(s.All) != 2 || !s.All[0].Missing {
		t.Errorf("FirstManifest read %d copies, manifest from %d", len(s.All), s.From)
	}
	if got := count(); !reflect.DeepEqual(got, map[string][]string{"a": {"cat-file"}, "b": {"cat-file"}, "c": {}, "d": {}}) {
		t.Errorf("FirstManifest ran %v", got)
	}
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCopies(ctx, g, repos, tag, 2); err != nil {
		t.Fatal(err)
	}
	for n, subs := range count() {
		if !reflect.DeepEqual(subs, []string{"cat-file"}) {
			t.Errorf("ReadCopies ran %v in %s, want one cat-file", subs, n)
		}
	}
}

// Every copy records the whole manifest, so keeping one per repo would
// make memory grow with the square of the repo count: a Copy holds only
// the manifest's hash, and Copies the first manifest in repo order,
// whatever order the copies come in.
func TestCopyHoldsNoManifest(t *testing.T) {
	t.Parallel()
	ct := reflect.TypeOf(Copy{})
	for i := 0; i < ct.NumField(); i++ {
		f := ct.Field(i)
		if f.Type == reflect.TypeOf(manifest.Manifest(nil)) || f.Type == reflect.TypeOf(manifest.Entry{}) || f.Type == reflect.TypeOf([]byte(nil)) {
			t.Errorf("Copy.%s holds a manifest or a raw tag object (%s): one per repo makes memory quadratic", f.Name, f.Type)
		}
	}
	const n = 200
	s := &Copies{From: -1}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for k := 1; k < n; k++ {
		i := (k * 37) % n
		if i == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := manifest.New(manifest.Entry{Name: fmt.Sprintf("r%d", i), Commit: strings.Repeat("a", 40)})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			s.keep(i, m)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if s.From != 1 || len(s.Manifest) != 1 || s.Manifest[0].Name != "r1" {
		t.Errorf("kept copy %d's manifest %v, want copy 1's", s.From, s.Manifest)
	}
}
