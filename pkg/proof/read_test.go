package proof_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
)

// tagged makes a repo with a file, a folder and an annotated tag T and
// returns the proof of it as git prints its objects.
func tagged(t *testing.T, f gitobj.Format, readme string) (proof.Repo, [][]byte) {
	env := gittest.Env(t)
	dir := filepath.Join(t.TempDir(), "api")
	gittest.Git(t, env, ".", "init", "-q", "--object-format="+string(f), dir)
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "lib", "a.rb"), []byte("a\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte(readme), 0o644)
	gittest.Git(t, env, dir, "add", ".")
	gittest.Git(t, env, dir, "commit", "-q", "-m", "c")
	commit := gittest.Git(t, env, dir, "rev-parse", "HEAD")
	gittest.Git(t, env, dir, "tag", "-a", "-m", "deploy\n\napi "+commit, "T")
	r := proof.Repo{
		Name:   "api",
		Tag:    gittest.Raw(t, env, dir, nil, "cat-file", "tag", "T"),
		Commit: gittest.Raw(t, env, dir, nil, "cat-file", "commit", commit),
		Tree:   gittest.Git(t, env, dir, "rev-parse", "T^{tree}"),
		Record: proof.Record{ObjectFormat: string(f)},
	}
	var trees [][]byte
	for _, h := range append([]string{r.Tree}, strings.Fields(gittest.Git(t, env, dir, "ls-tree", "-r", "-d", "--format=%(objectname)", "T"))...) { // no gitlinks here
		trees = append(trees, gittest.Raw(t, env, dir, nil, "cat-file", "tree", h))
	}
	return r, trees
}

func write(t *testing.T, r proof.Repo, trees [][]byte) string {
	t.Helper()
	rel := t.TempDir()
	if err := proof.Init(rel); err != nil {
		t.Fatal(err)
	}
	if err := proof.Write(rel, r); err != nil {
		t.Fatal(err)
	}
	for _, raw := range trees {
		if _, err := proof.AddObject(rel, r.Name, gitobj.Format(r.Record.ObjectFormat), gitobj.TypeTree, raw); err != nil {
			t.Fatal(err)
		}
	}
	return rel
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range []gitobj.Format{gitobj.SHA1, gitobj.SHA256} {
		want, trees := tagged(t, f, "r\n")
		rel := write(t, want, trees)
		rd, err := proof.Open(rel)
		if err != nil {
			t.Fatal(err)
		}
		names, stray, err := rd.Names()
		if err != nil || len(names) != 1 || names[0] != "api" || len(stray) != 0 {
			t.Fatalf("Names = %v, %v, %v", names, stray, err)
		}
		got, err := rd.Repo("api")
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Tag) != string(want.Tag) || string(got.Commit) != string(want.Commit) || got.Tree != want.Tree ||
			got.Record.ObjectFormat != string(f) || got.Record.Submodules == nil || got.Record.LFS == nil || got.Record.Export != nil {
			t.Errorf("%s: read back %+v", f, got)
		}
		raw, err := rd.Object("api", f, gitobj.TypeTree, want.Tree)
		if err != nil || string(raw) != string(trees[0]) {
			t.Errorf("%s: root tree object = %q, %v", f, raw, err)
		}
		b, _ := os.ReadFile(filepath.Join(rel, proof.Dir, "api", proof.RecordFile))
		wantRec := "{\n  \"object_format\": \"" + string(f) + "\",\n  \"submodules\": [],\n  \"lfs\": [],\n  \"export\": null\n}\n"
		if string(b) != wantRec {
			t.Errorf("record.json = %q, want %q", b, wantRec)
		}
	}
}

func TestWriteRefusesInconsistentRepos(t *testing.T) {
	t.Parallel()
	good, _ := tagged(t, gitobj.SHA1, "r\n")
	for _, tc := range []struct {
		name string
		edit func(r *proof.Repo)
		want string
	}{
		{"other tree", func(r *proof.Repo) { r.Tree = strings.Repeat("0", 40) }, "but the commit names"},
		{"edited commit", func(r *proof.Repo) { r.Commit = append([]byte(nil), r.Commit...); r.Commit[len(r.Commit)-2] ^= 1 }, "but the tag names"},
		{"format", func(r *proof.Repo) { r.Record.ObjectFormat = "md5" }, "unknown object format"},
		{"lfs unsorted", func(r *proof.Repo) {
			p := "version https://git-lfs.github.com/spec/v1\noid sha256:" + strings.Repeat("a", 64) + "\nsize 3\n"
			r.Record.LFS = []proof.LFSFile{{Path: "a", Pointer: p}, {Path: "a", Pointer: p}}
		}, "not after"},
		{"lfs not a pointer", func(r *proof.Repo) { r.Record.LFS = []proof.LFSFile{{Path: "a", Pointer: "hello\n"}} }, "not a git-lfs"},
		{"object not its hash", func(r *proof.Repo) { r.Objects = map[string][]byte{strings.Repeat("1", 40): []byte("x")} }, "no commit, tree or blob object"},
	} {
		r := good
		tc.edit(&r)
		rel := t.TempDir()
		if err := proof.Init(rel); err != nil {
			t.Fatal(err)
		}
		if err := proof.Write(rel, r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestReaderNamesBadFiles(t *testing.T) {
	t.Parallel()
	good, trees := tagged(t, gitobj.SHA1, "r\n")
	other, _ := tagged(t, gitobj.SHA1, "other\n")
	for _, tc := range []struct {
		name string
		edit func(dir string) // dir: DEPLOY_PROOF/api
		file string
		kind proof.Kind
		open bool // the error comes from Open
	}{
		{"no proof", func(dir string) { os.RemoveAll(filepath.Dir(dir)) }, "DEPLOY_PROOF", proof.Missing, true},
		{"format", func(dir string) {
			os.WriteFile(filepath.Join(dir, "..", "FORMAT"), []byte("deploytag-proof 2\n"), 0o644)
		}, "DEPLOY_PROOF/FORMAT", proof.Malformed, true},
		{"no tag", func(dir string) { os.Remove(filepath.Join(dir, "tag")) }, "DEPLOY_PROOF/api/tag", proof.Missing, false},
		{"no record", func(dir string) { os.Remove(filepath.Join(dir, "record.json")) }, "DEPLOY_PROOF/api/record.json", proof.Missing, false},
		{"swapped commit", func(dir string) { os.WriteFile(filepath.Join(dir, "commit"), other.Commit, 0o644) }, "DEPLOY_PROOF/api/commit", proof.Tampered, false},
		{"edited commit", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "commit"))
			os.WriteFile(filepath.Join(dir, "commit"), append(b, 'x'), 0o644)
		}, "DEPLOY_PROOF/api/commit", proof.Tampered, false},
		{"other tree", func(dir string) { os.WriteFile(filepath.Join(dir, "tree"), []byte(other.Tree+"\n"), 0o644) }, "DEPLOY_PROOF/api/tree", proof.Tampered, false},
		{"tree no newline", func(dir string) { os.WriteFile(filepath.Join(dir, "tree"), []byte(good.Tree), 0o644) }, "DEPLOY_PROOF/api/tree", proof.Malformed, false},
		{"tag garbage", func(dir string) { os.WriteFile(filepath.Join(dir, "tag"), []byte("hello\n"), 0o644) }, "DEPLOY_PROOF/api/tag", proof.Malformed, false},
		{"record unknown key", func(dir string) {
			os.WriteFile(filepath.Join(dir, "record.json"), []byte(`{"object_format":"sha1","submodules":[],"lfs":[],"export":null,"x":1}`), 0o644)
		}, "DEPLOY_PROOF/api/record.json", proof.Malformed, false},
		{"record key missing", func(dir string) {
			os.WriteFile(filepath.Join(dir, "record.json"), []byte(`{"object_format":"sha1","submodules":[],"lfs":[]}`), 0o644)
		}, "DEPLOY_PROOF/api/record.json", proof.Malformed, false},
		{"record null list", func(dir string) {
			os.WriteFile(filepath.Join(dir, "record.json"), []byte(`{"object_format":"sha1","submodules":null,"lfs":[],"export":null}`), 0o644)
		}, "DEPLOY_PROOF/api/record.json", proof.Malformed, false},
		{"record nested unknown", func(dir string) {
			os.WriteFile(filepath.Join(dir, "record.json"), []byte(`{"object_format":"sha1","submodules":[],"lfs":[],"export":{"ignored":[],"substituted":[],"x":[]}}`), 0o644)
		}, "DEPLOY_PROOF/api/record.json", proof.Malformed, false},
		{"record trailing", func(dir string) {
			os.WriteFile(filepath.Join(dir, "record.json"), []byte(`{"object_format":"sha1","submodules":[],"lfs":[],"export":null} {}`), 0o644)
		}, "DEPLOY_PROOF/api/record.json", proof.Malformed, false},
		{"tag a symlink", func(dir string) {
			os.Rename(filepath.Join(dir, "tag"), filepath.Join(dir, "..", "elsewhere"))
			os.Symlink("../elsewhere", filepath.Join(dir, "tag"))
		}, "DEPLOY_PROOF/api/tag", proof.Malformed, false},
	} {
		rel := write(t, good, trees)
		tc.edit(filepath.Join(rel, proof.Dir, "api"))
		rd, err := proof.Open(rel)
		if err == nil {
			if tc.open {
				t.Errorf("%s: Open succeeded", tc.name)
				continue
			}
			_, err = rd.Repo("api")
		}
		pe, ok := proof.IsProof(err)
		if !ok || pe.File != tc.file || pe.Kind != tc.kind {
			t.Errorf("%s: err = %v, want %s %s", tc.name, err, tc.file, tc.kind)
		}
	}
}

func TestObjectTampered(t *testing.T) {
	t.Parallel()
	good, trees := tagged(t, gitobj.SHA1, "r\n")
	rel := write(t, good, trees)
	p := filepath.Join(rel, proof.Dir, "api", "objects", good.Tree)
	os.WriteFile(p, trees[1], 0o644) // another tree under the root's name
	rd, err := proof.Open(rel)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rd.Object("api", gitobj.SHA1, gitobj.TypeTree, good.Tree)
	if pe, ok := proof.IsProof(err); !ok || pe.Kind != proof.Tampered {
		t.Errorf("swapped object: err = %v, want tampered", err)
	}
	missing := strings.Repeat("0", 40)
	_, err = rd.Object("api", gitobj.SHA1, gitobj.TypeTree, missing)
	if pe, ok := proof.IsProof(err); !ok || pe.Kind != proof.Missing || pe.File != "DEPLOY_PROOF/api/objects/"+missing {
		t.Errorf("absent object: err = %v, want missing", err)
	}
}

func TestParsePointer(t *testing.T) {
	t.Parallel()
	oid := strings.Repeat("ab", 32)
	good := "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 12345\n"
	p, err := proof.ParsePointer(good)
	if err != nil || p.Oid != oid || p.Size != 12345 {
		t.Fatalf("ParsePointer = %+v, %v", p, err)
	}
	for _, bad := range []string{
		strings.TrimSuffix(good, "\n"),
		strings.Replace(good, "v1", "v2", 1),
		strings.Replace(good, "sha256:", "sha1:", 1),
		strings.Replace(good, "12345", "-1", 1),
		strings.Replace(good, "12345", "012", 1),
		"version https://git-lfs.github.com/spec/v1\nsize 1\n",
	} {
		if _, err := proof.ParsePointer(bad); err == nil {
			t.Errorf("ParsePointer(%q) accepted", bad)
		}
	}
}
