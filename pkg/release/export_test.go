package release

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/proof"
)

const testTag = "DEPLOY_20261125_120000_abcdef0"

// exactRepo makes a repo whose tree holds what a release must keep byte
// for byte, then gives it a local config that would change the bytes of
// any checkout or "git archive": autocrlf, a smudge filter, ident, and
// export attributes (not opted in).
func exactRepo(t *testing.T, env []string, format string) (dir, commit string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "api")
	gittest.Git(t, env, filepath.Dir(dir), "init", "-q", "--object-format="+format, dir)
	gittest.WriteFile(t, dir, "a.txt", "one\ntwo\n", 0o644)
	gittest.WriteFile(t, dir, "crlf.txt", "x\r\ny\r\n", 0o644)
	gittest.WriteFile(t, dir, "id.c", "/* $Id$ */\n", 0o644)
	gittest.WriteFile(t, dir, "run.sh", "#!/bin/sh\necho hi\n", 0o755)
	gittest.WriteFile(t, dir, "sub/deep/file.dat", "deep\n", 0o644)
	gittest.WriteFile(t, dir, "tests/t.txt", "test\n", 0o644)
	gittest.WriteFile(t, dir, "ver.txt", "$Format:%H$\n", 0o644)
	gittest.WriteFile(t, dir, ".gitattributes", "*.txt filter=up\n*.dat text eol=crlf\nid.c ident\ntests/ export-ignore\nver.txt export-subst\n", 0o644)
	big := bytes.Repeat([]byte("0123456789abcdef"), (smallBlob/16)*3+5)
	gittest.WriteFile(t, dir, "big.bin", string(big), 0o644)
	for i := range 100 {
		gittest.WriteFile(t, dir, fmt.Sprintf("many/%03d/f", i), fmt.Sprintf("file %d\n", i), os.FileMode(0o644|(i%2)*0o111))
	}
	for name, target := range map[string]string{"link": "a.txt", "dangling": "nowhere/missing", "dirlink": "sub", "up": "../../etc/passwd"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Git(t, env, dir, "add", "-A")
	gittest.Git(t, env, dir, "commit", "-q", "-m", "start")
	gittest.Git(t, env, dir, "tag", "-a", "-m", testTag, testTag)
	gittest.Git(t, env, dir, "config", "core.autocrlf", "true")
	gittest.Git(t, env, dir, "config", "filter.up.smudge", "tr a-z A-Z")
	gittest.Git(t, env, dir, "config", "filter.up.clean", "cat")
	return dir, gittest.Git(t, env, dir, "rev-parse", "HEAD")
}

func exportOne(t *testing.T, s Source) (string, error) {
	t.Helper()
	env := gittest.Env(t)
	g := gittest.Client(t, gittest.Runner(t, env))
	rel := t.TempDir()
	if err := proof.Init(rel); err != nil {
		t.Fatal(err)
	}
	_, err := Export(context.Background(), g, testTag, s, rel)
	return rel, err
}

func TestExportIsTheTreeByteForByte(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"sha1", "sha256"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			env := gittest.Env(t)
			dir, commit := exactRepo(t, env, format)
			rel, err := exportOne(t, Source{Name: "api", Path: dir, Commit: commit})
			if err != nil {
				t.Fatal(err)
			}
			tree := gittest.Git(t, env, dir, "rev-parse", commit+"^{tree}")
			if got := hashDir(t, filepath.Join(rel, "api"), format, nil, nil); got != tree {
				t.Errorf("release tree %s, tagged tree %s", got, tree)
			}
			for p, want := range map[string]os.FileMode{"a.txt": 0o644, "run.sh": 0o755, "many/001/f": 0o755, "sub": 0o755 | os.ModeDir, "sub/deep": 0o755 | os.ModeDir} {
				fi, err := os.Lstat(filepath.Join(rel, "api", p))
				if err != nil || fi.Mode() != want {
					t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode(), err, want)
				}
			}
			if l, err := os.Readlink(filepath.Join(rel, "api", "dangling")); err != nil || l != "nowhere/missing" {
				t.Errorf("dangling symlink = %q, %v", l, err)
			}
			pd := filepath.Join(rel, proof.Dir, "api")
			if b, _ := os.ReadFile(filepath.Join(pd, proof.TreeFile)); string(b) != tree+"\n" {
				t.Errorf("proof tree = %q, want %s", b, tree)
			}
			if b, _ := os.ReadFile(filepath.Join(pd, proof.CommitFile)); string(b) != gittest.Git(t, env, dir, "cat-file", "commit", commit)+"\n" {
				t.Errorf("proof commit = %q", b)
			}
			if b, _ := os.ReadFile(filepath.Join(pd, proof.TagFile)); !strings.HasPrefix(string(b), "object "+commit+"\ntype commit\ntag "+testTag+"\n") {
				t.Errorf("proof tag = %q", b)
			}
			for _, tr := range []string{tree, gittest.Git(t, env, dir, "rev-parse", commit+":sub/deep")} {
				if _, err := os.Stat(filepath.Join(pd, proof.ObjectsDir, tr)); err != nil {
					t.Errorf("tree object %s not in the proof: %v", tr, err)
				}
			}
			var rec proof.Record
			if b, err := os.ReadFile(filepath.Join(pd, proof.RecordFile)); err != nil || json.Unmarshal(b, &rec) != nil {
				t.Fatalf("record.json: %v %s", err, b)
			}
			if rec.ObjectFormat != format || len(rec.Submodules)+len(rec.LFS) != 0 || rec.Export != nil {
				t.Errorf("record = %+v", rec)
			}
		})
	}
}

func TestExportAttributesOptIn(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	dir, commit := exactRepo(t, env, "sha1")
	gittest.Git(t, env, dir, "tag", "-a", "-m", "v1", "v1.0", commit)
	gittest.WriteFile(t, dir, "ver2.txt", "", 0o644)
	rel, err := exportOne(t, Source{Name: "api", Path: dir, Commit: commit, ExportAttributes: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(rel, "api", "tests")); !os.IsNotExist(err) {
		t.Errorf("tests/ deployed despite export-ignore: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(rel, "api", "ver.txt"))
	if string(b) != commit+"\n" {
		t.Errorf("ver.txt = %q, want the expanded commit", b)
	}
	var rec proof.Record
	rb, _ := os.ReadFile(filepath.Join(rel, proof.Dir, "api", proof.RecordFile))
	if err := json.Unmarshal(rb, &rec); err != nil || rec.Export == nil {
		t.Fatalf("record.json: %v %s", err, rb)
	}
	testsTree := gittest.Git(t, env, dir, "rev-parse", commit+":tests")
	if len(rec.Export.Ignored) != 1 || rec.Export.Ignored[0] != (proof.Ignored{Path: "tests", Mode: "040000", Hash: testsTree}) {
		t.Errorf("ignored = %+v", rec.Export.Ignored)
	}
	verBlob := gittest.Git(t, env, dir, "rev-parse", commit+":ver.txt")
	want := proof.Substituted{Path: "ver.txt", Mode: "100644", Tagged: verBlob, Deployed: hex.EncodeToString(objectHash("sha1", "blob", b)), Recorded: []proof.Recorded{}}
	if len(rec.Export.Substituted) != 1 || !reflect.DeepEqual(rec.Export.Substituted[0], want) {
		t.Errorf("substituted = %+v, want %+v", rec.Export.Substituted, want)
	}
	// Put back what the record says changed, and the tree is the tag's.
	if err := os.WriteFile(filepath.Join(rel, "api", "ver.txt"), []byte("$Format:%H$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := hashDir(t, filepath.Join(rel, "api"), "sha1", nil, nil)
	if got == gittest.Git(t, env, dir, "rev-parse", commit+"^{tree}") {
		t.Error("tree equal without tests/: export-ignore applied nothing")
	}
}

func TestExportSubstLeavesDeployTagsOutOfDescribe(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	dir := filepath.Join(t.TempDir(), "py")
	gittest.Git(t, env, filepath.Dir(dir), "init", "-q", dir)
	gittest.WriteFile(t, dir, ".git_archival.txt", "describe: $Format:%(describe)$ tags: $Format:%(describe:tags)$\n", 0o644)
	gittest.WriteFile(t, dir, ".gitattributes", ".git_archival.txt export-subst\n", 0o644)
	gittest.Git(t, env, dir, "add", "-A")
	gittest.Git(t, env, dir, "commit", "-q", "-m", "start")
	gittest.Git(t, env, dir, "tag", "-a", "-m", "v", "v2.1.4")
	gittest.Git(t, env, dir, "tag", "-a", "-m", testTag, testTag)
	commit := gittest.Git(t, env, dir, "rev-parse", "HEAD")
	rel, err := exportOne(t, Source{Name: "py", Path: dir, Commit: commit, ExportAttributes: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(rel, "py", ".git_archival.txt"))
	// the second %(describe) stays as written, as git archive leaves it
	if string(b) != "describe: v2.1.4 tags: %(describe:tags)\n" {
		t.Errorf(".git_archival.txt = %q, want the version, not the deploy tag, then the placeholder", b)
	}
}

func TestExportLFS(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	dir := filepath.Join(t.TempDir(), "assets")
	gittest.Git(t, env, filepath.Dir(dir), "init", "-q", dir)
	content := bytes.Repeat([]byte{0, 1, 2, 250}, 5000)
	sum := sha256.Sum256(content)
	oid := hex.EncodeToString(sum[:])
	pointer := fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", oid, len(content))
	gittest.WriteFile(t, dir, "logo.bin", pointer, 0o644)
	gittest.WriteFile(t, dir, "gone.bin", strings.Replace(pointer, oid[:8], "00000000", 1), 0o644)
	gittest.WriteFile(t, dir, "also/gone.bin", strings.Replace(pointer, oid[:8], "11111111", 1), 0o644)
	gittest.WriteFile(t, dir, ".git/lfs/objects/"+oid[0:2]+"/"+oid[2:4]+"/"+oid, string(content), 0o644)
	gittest.Git(t, env, dir, "add", "-A")
	gittest.Git(t, env, dir, "commit", "-q", "-m", "start")
	gittest.Git(t, env, dir, "tag", "-a", "-m", testTag, testTag)
	commit := gittest.Git(t, env, dir, "rev-parse", "HEAD")
	_, err := exportOne(t, Source{Name: "assets", Path: dir, Commit: commit})
	if err == nil || !strings.Contains(err.Error(), "cannot deploy also/gone.bin: Git LFS object 11111111") || !strings.Contains(err.Error(), "\ncannot deploy gone.bin: Git LFS object 00000000") {
		t.Fatalf("missing LFS objects: %v", err)
	}
	gittest.Git(t, env, dir, "rm", "-q", "gone.bin", "also/gone.bin")
	gittest.Git(t, env, dir, "commit", "-q", "-m", "only the one we have")
	gittest.Git(t, env, dir, "tag", "-f", "-a", "-m", testTag, testTag)
	commit = gittest.Git(t, env, dir, "rev-parse", "HEAD")
	rel, err := exportOne(t, Source{Name: "assets", Path: dir, Commit: commit})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(rel, "assets", "logo.bin")); !bytes.Equal(b, content) {
		t.Errorf("logo.bin holds %d bytes, not the LFS object", len(b))
	}
	rb, _ := os.ReadFile(filepath.Join(rel, proof.Dir, "assets", proof.RecordFile))
	var rec proof.Record
	if err := json.Unmarshal(rb, &rec); err != nil || len(rec.LFS) != 1 || rec.LFS[0] != (proof.LFSFile{Path: "logo.bin", Pointer: pointer}) {
		t.Errorf("record.json lfs: %v %s", err, rb)
	}
	// A store object whose bytes are not what the pointer says.
	gittest.WriteFile(t, dir, ".git/lfs/objects/"+oid[0:2]+"/"+oid[2:4]+"/"+oid, "tampered", 0o644)
	if _, err := exportOne(t, Source{Name: "assets", Path: dir, Commit: commit}); err == nil || !strings.Contains(err.Error(), "does not match its pointer") {
		t.Errorf("tampered LFS object: %v", err)
	}
}

func TestParseLFSPointer(t *testing.T) {
	oid := strings.Repeat("ab", 32)
	good := "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize 12\n"
	if p, ok := parseLFSPointer([]byte(good)); !ok || p.Oid != oid || p.Size != 12 {
		t.Errorf("good pointer: %+v %v", p, ok)
	}
	for _, bad := range []string{
		strings.TrimSuffix(good, "\n"),
		strings.Replace(good, "size 12", "size x", 1),
		strings.Replace(good, "sha256:", "sha1:", 1),
		"version https://git-lfs.github.com/spec/v1\nsize 12\noid sha256:" + oid + "\n", // unsorted
		"hello\n",
	} {
		if _, ok := parseLFSPointer([]byte(bad)); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestResolveRelativeURL(t *testing.T) {
	for _, tc := range []struct{ base, rel, want string }{
		{"/srv/git/api.git", "../lib.git", "/srv/git/lib.git"},
		{"git://h:9418/x/api", "../lib", "git://h:9418/x/lib"},
		{"git@host:team/api.git", "../lib.git", "git@host:team/lib.git"},
		{"git@host:api.git", "../lib.git", "git@host:lib.git"},
		{"/srv/api", "./lib", "/srv/api/lib"},
	} {
		if got := resolveRelativeURL(tc.base, tc.rel); got != tc.want {
			t.Errorf("resolve(%q, %q) = %q, want %q", tc.base, tc.rel, got, tc.want)
		}
	}
}

// An opted-in repo's release is what git archive makes of the tag with the
// tree's own .gitattributes (nested files, macros, negations, export-subst
// placeholders computed from the commit), whatever the deploying repo's
// info/attributes or the user's attributes file say; and the proof holds
// every blob the verifier checks the record with.
func TestExportAttributesAsGitArchive(t *testing.T) {
	t.Parallel()
	env := append(gittest.Env(t), "GIT_ATTR_NOSYSTEM=1")
	dir := filepath.Join(t.TempDir(), "web")
	gittest.Git(t, env, filepath.Dir(dir), "init", "-q", dir)
	for p, body := range map[string]string{
		".gitattributes":      "[attr]pack export-ignore\n.gitattributes export-ignore\ndocs/ pack\n*.tmp export-ignore\n!keep.tmp -export-ignore\nver.txt export-subst\n**/gen/** export-ignore\n\"with space.txt\" export-ignore\n",
		"README":              "readme\n",
		"docs/a.md":           "doc\n",
		"a.tmp":               "tmp\n",
		"keep.tmp":            "kept? no: negative patterns are ignored\n",
		"ver.txt":             "H=$Format:%H$ T=$Format:%T$ s=$Format:%s$\nd=$Format:%ad$ I=$Format:%cI$ f=$Format:%f$\nh=$Format:%h$\n",
		"with space.txt":      "x\n",
		"lib/.gitattributes":  "*.md export-subst\nkeep.tmp -export-ignore\n[attr]local export-ignore\nlocal.txt local\n",
		"lib/x.md":            "lib $Format:%an <%ae>$ $Format:%-b$\n",
		"lib/keep.tmp":        "kept: a deeper file says so\n",
		"lib/local.txt":       "kept: macros count in the top file only\n",
		"lib/gen/out.js":      "generated\n",
		"lib/deep/gen/x/y.js": "generated\n",
		"lib/deep/z.js":       "z\n",
	} {
		gittest.WriteFile(t, dir, p, body, 0o644)
	}
	gittest.Git(t, env, dir, "add", "-A")
	gittest.Git(t, env, dir, "commit", "-q", "-m", "Release: the web app", "-m", "body text")
	gittest.Git(t, env, dir, "tag", "-a", "-m", testTag, testTag)
	commit := gittest.Git(t, env, dir, "rev-parse", "HEAD")

	// git archive of the tag, with the tree's attributes only.
	want := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(gittest.Raw(t, env, dir, nil, "archive", "--format=tar", commit)))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			want[h.Name] = string(b)
		}
	}
	// Attributes beside the tree must not change the release.
	gittest.WriteFile(t, dir, ".git/info/attributes", "README export-ignore\n* export-subst\n", 0o644)
	gittest.WriteFile(t, t.TempDir(), "x", "", 0o644)
	userAttrs := filepath.Join(t.TempDir(), "attributes")
	gittest.WriteFile(t, filepath.Dir(userAttrs), "attributes", "lib/deep/z.js export-ignore\n", 0o644)
	gittest.Git(t, env, dir, "config", "core.attributesFile", userAttrs)

	rel, err := exportOne(t, Source{Name: "web", Path: dir, Commit: commit, ExportAttributes: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	root := filepath.Join(rel, "web")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			r, _ := filepath.Rel(root, p)
			got[filepath.ToSlash(r)] = string(b)
		}
		return err
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("release:\n%v\ngit archive:\n%v", got, want)
	}
	if !strings.Contains(got["ver.txt"], "H="+commit+" ") || !strings.Contains(got["lib/x.md"], "lib Test <test@example.com> body text") {
		t.Errorf("not expanded: ver.txt %q, lib/x.md %q", got["ver.txt"], got["lib/x.md"])
	}
	// The proof holds the blobs of both .gitattributes files and of both
	// export-subst sources; h= is recorded with git's answer.
	for _, p := range []string{".gitattributes", "lib/.gitattributes", "ver.txt", "lib/x.md"} {
		oid := gittest.Git(t, env, dir, "rev-parse", commit+":"+p)
		if _, err := os.Stat(filepath.Join(rel, proof.Dir, "web", proof.ObjectsDir, oid)); err != nil {
			t.Errorf("blob of %s not in the proof: %v", p, err)
		}
	}
	var rec proof.Record
	rb, _ := os.ReadFile(filepath.Join(rel, proof.Dir, "web", proof.RecordFile))
	if err := proof.UnmarshalRecord(rb, &rec); err != nil {
		t.Fatal(err)
	}
	var ver proof.Substituted
	for _, s := range rec.Export.Substituted {
		if s.Path == "ver.txt" {
			ver = s
		}
	}
	short := gittest.Git(t, env, dir, "rev-parse", "--short", commit)
	if !reflect.DeepEqual(ver.Recorded, []proof.Recorded{{Format: "%h", Answer: short}}) {
		t.Errorf("ver.txt recorded %+v, want %%h answered %s", ver.Recorded, short)
	}
}

// Each %(describe) git expands leaves deploy tags out, a magic prefix
// kept; "%%(describe)" is text and stays as it is.
func TestExcludeDeployTags(t *testing.T) {
	x := names.DescribeExclude
	for in, want := range map[string]string{
		"%(describe)":                 "%(describe:exclude=" + x + ")",
		"%(describe:tags)":            "%(describe:tags,exclude=" + x + ")",
		"%+(describe) %-(describe)":   "%+(describe:exclude=" + x + ") %-(describe:exclude=" + x + ")",
		"%%(describe)":                "%%(describe)",
		"%%%(describe)":               "%%%(describe:exclude=" + x + ")",
		"%h %-gD(describe:tags) %%(d": "%h %-gD(describe:tags) %%(d",
	} {
		if got := ExcludeDeployTags(in); got != want {
			t.Errorf("ExcludeDeployTags(%q) = %q, want %q", in, got, want)
		}
	}
}
