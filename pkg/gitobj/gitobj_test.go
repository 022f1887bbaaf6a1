package gitobj_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/gitobj"
)

// newRepo makes an empty repo of format f.
func newRepo(t *testing.T, f gitobj.Format) (env []string, dir string) {
	env = gittest.Env(t)
	dir = filepath.Join(t.TempDir(), "r")
	gittest.Git(t, env, ".", "init", "-q", "--object-format="+string(f), dir)
	return env, dir
}

var formats = []gitobj.Format{gitobj.SHA1, gitobj.SHA256}

func TestHashBlob(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // past one copy buffer
	for _, f := range formats {
		env, dir := newRepo(t, f)
		for _, tc := range []struct {
			name    string
			content []byte
		}{
			{"empty", nil},
			{"text", []byte("hello\n")},
			{"crlf", []byte("a\r\nb\r\n")},
			{"nul", []byte{0, 1, 2, 0}},
			{"big", big},
		} {
			p := filepath.Join(t.TempDir(), tc.name)
			if err := os.WriteFile(p, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			// --no-filters: the raw bytes, whatever the config says.
			want := gittest.Git(t, env, dir, "hash-object", "--no-filters", p)
			got, err := gitobj.HashBlob(f, int64(len(tc.content)), bytes.NewReader(tc.content))
			if err != nil || got != want {
				t.Errorf("%s %s: HashBlob = %s, %v; git says %s", f, tc.name, got, err, want)
			}
			if b := gitobj.HashBytes(f, gitobj.TypeBlob, tc.content); b != want {
				t.Errorf("%s %s: HashBytes = %s; git says %s", f, tc.name, b, want)
			}
		}
	}
}

func TestHashBlobSize(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{4, 6} {
		_, err := gitobj.HashBlob(gitobj.SHA1, size, strings.NewReader("hello"))
		if !errors.Is(err, gitobj.ErrSize) {
			t.Errorf("size %d of a 5-byte stream: err = %v, want ErrSize", size, err)
		}
	}
}

func TestHashTree(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		env, dir := newRepo(t, f)
		blob := gitobj.HashBytes(f, gitobj.TypeBlob, []byte("x\n"))
		link := gitobj.HashBytes(f, gitobj.TypeBlob, []byte("target"))
		empty, err := gitobj.HashTree(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := gittest.Git(t, env, dir, "mktree", "--missing"); empty != want {
			t.Errorf("%s: empty tree %s, git says %s", f, empty, want)
		}
		commit := strings.Repeat("1", f.HexLen())
		// Names chosen to hit git's order: "a.b" < "a/" < "a0", and a
		// gitlink sorts as a file, not as "sub/".
		entries := []gitobj.Entry{
			{Name: "a", Mode: gitobj.ModeTree, Hash: empty},
			{Name: "a.b", Mode: gitobj.ModeFile, Hash: blob},
			{Name: "a0", Mode: gitobj.ModeExec, Hash: blob},
			{Name: "link", Mode: gitobj.ModeSymlink, Hash: link},
			{Name: "sub", Mode: gitobj.ModeGitlink, Hash: commit},
			{Name: "sub.txt", Mode: gitobj.ModeFile, Hash: blob},
			{Name: "sub-", Mode: gitobj.ModeTree, Hash: empty},
			{Name: "Z", Mode: gitobj.ModeFile, Hash: blob},
		}
		gitobj.Sort(entries)
		var in strings.Builder
		for _, e := range entries {
			typ := map[gitobj.Mode]string{gitobj.ModeTree: "tree", gitobj.ModeGitlink: "commit"}[e.Mode]
			if typ == "" {
				typ = "blob"
			}
			in.WriteString(e.Mode.String() + " " + typ + " " + e.Hash + "\t" + e.Name + "\n")
		}
		want := strings.TrimSpace(string(gittest.Raw(t, env, dir, []byte(in.String()), "mktree", "--missing")))
		got, err := gitobj.HashTree(f, entries)
		if err != nil || got != want {
			t.Fatalf("%s: HashTree = %s, %v; git mktree says %s", f, got, err, want)
		}
		// and back: git's own tree object bytes parse to the same entries.
		raw, err := gitobj.TreeBytes(f, entries)
		if err != nil {
			t.Fatal(err)
		}
		back, err := gitobj.ParseTree(f, raw)
		if err != nil || len(back) != len(entries) {
			t.Fatalf("%s: ParseTree = %v, %v", f, back, err)
		}
		for i := range back {
			if back[i] != entries[i] {
				t.Errorf("%s: entry %d = %v, want %v", f, i, back[i], entries[i])
			}
		}
	}
}

func TestTreeOfRealRepo(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		env, dir := newRepo(t, f)
		for p, c := range map[string]string{"a/b/c.txt": "c\n", "a.txt": "a\n", "a-b/x": "x", "bin/run": "#!/bin/sh\n"} {
			full := filepath.Join(dir, p)
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.Chmod(filepath.Join(dir, "bin/run"), 0o755)
		os.Symlink("a/b/c.txt", filepath.Join(dir, "ln"))
		gittest.Git(t, env, dir, "add", ".")
		gittest.Git(t, env, dir, "commit", "-q", "-m", "files")
		tree := gittest.Git(t, env, dir, "rev-parse", "HEAD^{tree}")
		raw := rawObject(t, env, dir, f, gitobj.TypeTree, tree)
		entries, err := gitobj.ParseTree(f, raw)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Mode.String()+" "+e.Name)
		}
		want := "040000 a-b 100644 a.txt 040000 a 040000 bin 120000 ln" // "-" and "." sort before "/"
		if got := strings.Join(names, " "); got != want {
			t.Errorf("%s: entries %q, want %q", f, got, want)
		}
		if got, err := gitobj.HashTree(f, entries); err != nil || got != tree {
			t.Errorf("%s: HashTree of the parsed entries = %s, %v, want %s", f, got, err, tree)
		}
	}
}

func TestTreeBytesRejects(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("a", 40)
	for _, tc := range []struct {
		name    string
		entries []gitobj.Entry
		want    string
	}{
		{"order", []gitobj.Entry{{"b", gitobj.ModeFile, h}, {"a", gitobj.ModeFile, h}}, "out of order"},
		{"twice", []gitobj.Entry{{"a", gitobj.ModeFile, h}, {"a", gitobj.ModeFile, h}}, "twice"},
		{"slash", []gitobj.Entry{{"a/b", gitobj.ModeFile, h}}, "not allowed"},
		{"mode", []gitobj.Entry{{"a", "100664", h}}, "mode"},
		{"hash", []gitobj.Entry{{"a", gitobj.ModeFile, h[:39]}}, "not a sha1 hash"},
	} {
		if _, err := gitobj.TreeBytes(gitobj.SHA1, tc.entries); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// rawObject reads object oid of type typ from the repo at dir as git
// stores it, and fails unless its bytes hash to oid.
func rawObject(t *testing.T, env []string, dir string, f gitobj.Format, typ, oid string) []byte {
	t.Helper()
	raw := gittest.Raw(t, env, dir, nil, "cat-file", typ, oid)
	if got := gitobj.HashBytes(f, typ, raw); got != oid {
		t.Fatalf("%s: %s %s hashes to %s", f, typ, oid, got)
	}
	return raw
}
