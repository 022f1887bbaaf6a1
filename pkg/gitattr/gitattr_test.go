package gitattr_test

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/testneed"
	"github.com/deploytag/deploytag/pkg/gitattr"
)

var cases = flag.Int("attrcases", 150, "random attribute configurations checked against git check-attr")

// world is a git repo whose index is made per case, for git check-attr
// --cached: the tree's own .gitattributes files and nothing else (no
// info/attributes, no user or system file).
type world struct {
	t   testing.TB
	env []string
	dir string
}

func newWorld(t testing.TB) *world {
	env := append(gittest.Env(t), "GIT_ATTR_NOSYSTEM=1", "XDG_CONFIG_HOME="+t.TempDir())
	dir := filepath.Join(t.TempDir(), "r")
	gittest.Git(t, env, ".", "init", "-q", dir)
	return &world{t: t, env: env, dir: dir}
}

// gitAnswers puts files (path -> contents, mode 100644 unless the path
// ends in "@" for a symlink) into a fresh index and asks git check-attr
// --cached --all about each of paths; it returns per path the attributes
// git gives, as "name=value" lines sorted.
func (w *world) gitAnswers(files map[string]string, paths []string) map[string]string {
	w.t.Helper()
	index := filepath.Join(w.t.TempDir(), "index")
	env := append(append([]string(nil), w.env...), "GIT_INDEX_FILE="+index)
	var info strings.Builder
	for p, body := range files {
		mode := "100644"
		if strings.HasSuffix(p, "@") {
			p, mode = strings.TrimSuffix(p, "@"), "120000"
		}
		oid := strings.TrimSpace(string(gittest.Raw(w.t, env, w.dir, []byte(body), "hash-object", "-w", "--stdin")))
		fmt.Fprintf(&info, "%s %s\t%s\n", mode, oid, p)
	}
	gittest.Raw(w.t, env, w.dir, []byte(info.String()), "update-index", "--add", "--index-info")
	in := strings.Join(paths, "\x00") + "\x00"
	out := gittest.Raw(w.t, env, w.dir, []byte(in), "check-attr", "--cached", "--stdin", "-z", "--all")
	got := map[string][]string{}
	f := bytes.Split(out, []byte{0})
	for i := 0; i+2 < len(f); i += 3 {
		got[string(f[i])] = append(got[string(f[i])], string(f[i+1])+"="+string(f[i+2]))
	}
	res := map[string]string{}
	for _, p := range paths {
		sort.Strings(got[p])
		res[p] = strings.Join(got[p], "\n")
	}
	return res
}

// goAnswers asks gitattr the same.
func goAnswers(t *testing.T, files map[string]string, paths []string) map[string]string {
	t.Helper()
	c, err := gitattr.New(func(dir string) ([]byte, bool, error) {
		name := path.Join(dir, ".gitattributes")
		if b, ok := files[name]; ok {
			return []byte(b), true, nil
		}
		if b, ok := files[name+"@"]; ok {
			return []byte(b), true, nil
		}
		return nil, false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]string{}
	for _, p := range paths {
		vals, err := c.Check(strings.TrimSuffix(p, "/"), strings.HasSuffix(p, "/"))
		if err != nil {
			t.Fatal(err)
		}
		var l []string
		for k, v := range vals {
			l = append(l, k+"="+v.String())
		}
		sort.Strings(l)
		res[p] = strings.Join(l, "\n")
	}
	return res
}

func compare(t *testing.T, w *world, name string, files map[string]string, paths []string) {
	t.Helper()
	want := w.gitAnswers(files, paths)
	got := goAnswers(t, files, paths)
	for _, p := range paths {
		if got[p] != want[p] {
			var fs []string
			for f, b := range files {
				fs = append(fs, fmt.Sprintf("%s:\n%s", f, b))
			}
			sort.Strings(fs)
			t.Errorf("%s: %q: gitattr says\n%s\ngit says\n%s\nwith\n%s", name, p, got[p], want[p], strings.Join(fs, "\n"))
			return
		}
	}
}

// Cases written out: each rule of the package doc against git.
func TestAgainstGitCases(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	paths := []string{"a", "a/", "b.txt", "a/b.txt", "a/b/", "a/b/c.txt", "a/b/c/d.txt", "tests/", "tests/t.txt",
		"x/tests/", "x/tests/t.txt", "docs/", "docs/a.md", "ver.txt", "lib/ver.txt", "!x", "#x", "a b", "dir/",
		"dir/file", "d.TXT", "[x]", "*", "a/*", "q?", "foo/bar/baz/", "foo/bar/baz/q", "foo/q", "sub/", "sub/ver.txt"}
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"basename and path", map[string]string{".gitattributes": "*.txt export-subst\n/a/b/ export-ignore\ntests export-ignore\n"}},
		{"deeper wins, later wins", map[string]string{
			".gitattributes":   "*.txt export-subst\n*.txt -export-subst foo=bar\n",
			"a/.gitattributes": "*.txt export-subst\nb.txt !export-subst\nb/ export-ignore\n",
		}},
		{"negative patterns ignored", map[string]string{".gitattributes": "* export-ignore\n!a export-ignore\n!x -export-ignore\n\\!x export-subst\n"}},
		{"macros from the top only", map[string]string{
			".gitattributes":   "[attr]pack export-ignore export-subst\n[attr]pack2 pack -export-subst\ntests pack2\n*.md binary\n",
			"a/.gitattributes": "[attr]local export-ignore\nb.txt local pack\n",
		}},
		{"a macro unset does not expand", map[string]string{".gitattributes": "[attr]pack export-ignore\n* -pack\ndocs/ pack\n"}},
		{"last on a line wins", map[string]string{".gitattributes": "ver.txt export-subst -export-subst\nlib/ver.txt -export-subst export-subst\n"}},
		{"bad name drops the line", map[string]string{".gitattributes": "ver.txt export-subst b@d\nb.txt export-ignore\n"}},
		{"quoted, comments, blanks, CRLF", map[string]string{".gitattributes": "# c\n\n  \"a b\" export-ignore\r\n\"a\\142.txt\"\texport-subst\n\t#x export-ignore\n\"#x\" foo\n"}},
		{"double star", map[string]string{".gitattributes": "**/tests/** export-ignore\nfoo/**/q export-subst\n**/baz/ x\na/** y\n"}},
		{"classes and escapes", map[string]string{".gitattributes": "[!a-c]* ea\n[[:upper:]]* up\n\\** star\nq[?] qq\n[x] brk\n[[:nope:]] bad\n*.TXT up2\n"}},
		{"file's folder is the base", map[string]string{"foo/.gitattributes": "bar/baz/ export-ignore\n/q export-subst\nbar/*/q export-subst\n*/q w\n"}},
		{"symlinked attributes file", map[string]string{".gitattributes@": "* export-subst\n"}},
		{"NUL ends the file", map[string]string{".gitattributes": "a export-subst\n\x00b.txt export-subst\n"}},
		{"values and the long line", map[string]string{".gitattributes": "* export-ignore=yes export-subst=\n" + "a " + strings.Repeat("x", 2100) + "\nb.txt " + strings.Repeat("y", 2000) + "\n"}},
		{"byte order mark", map[string]string{".gitattributes": "\xef\xbb\xbfa export-ignore\n*.txt export-subst\n"}},
	} {
		compare(t, w, tc.name, tc.files, paths)
	}
}

// Random configurations: patterns, folders and paths drawn from a small
// alphabet so that they meet often, every answer checked against git.
func TestAgainstGitRandom(t *testing.T) {
	t.Parallel()
	testneed.Need(t, "git")
	w := newWorld(t)
	rng := rand.New(rand.NewSource(22))
	elems := []string{"a", "b", "ab", "x.txt", "t", ".c", "a b"}
	globs := []string{"*", "**", "?", "a*", "*.txt", "[ab]", "[!a]", "[a-c]*", "\\*", "*b", "[[:alpha:]]*", "a?", "x.*", "[]a]", "[^t]"}
	attrs := []string{"export-ignore", "export-subst", "-export-ignore", "!export-subst", "export-ignore=1", "m1", "-m1", "m2", "binary", "foo"}
	elem := func() string { return elems[rng.Intn(len(elems))] }
	randPath := func() string {
		n := 1 + rng.Intn(4)
		var parts []string
		for range n {
			parts = append(parts, elem())
		}
		return strings.Join(parts, "/")
	}
	randPattern := func() string {
		n := 1 + rng.Intn(3)
		var parts []string
		for range n {
			if rng.Intn(2) == 0 {
				parts = append(parts, globs[rng.Intn(len(globs))])
			} else {
				parts = append(parts, elem())
			}
		}
		p := strings.Join(parts, "/")
		switch rng.Intn(8) {
		case 0:
			p = "/" + p
		case 1:
			p += "/"
		case 2:
			p = "!" + p
		}
		if strings.ContainsAny(p, " ") || rng.Intn(10) == 0 {
			p = `"` + strings.ReplaceAll(p, `\`, `\\`) + `"`
		}
		return p
	}
	for i := range *cases {
		files := map[string]string{}
		dirs := []string{""}
		for range rng.Intn(3) {
			d := randPath()
			dirs = append(dirs, d)
		}
		for _, d := range dirs {
			var b strings.Builder
			if d == "" || rng.Intn(4) == 0 {
				fmt.Fprintf(&b, "[attr]m1 export-ignore\n[attr]m2 m1 -export-subst\n")
			}
			for range 1 + rng.Intn(5) {
				b.WriteString(randPattern())
				for range 1 + rng.Intn(3) {
					b.WriteString(" " + attrs[rng.Intn(len(attrs))])
				}
				b.WriteString("\n")
			}
			files[path.Join(d, ".gitattributes")] = b.String()
		}
		var paths []string
		seen := map[string]bool{}
		for range 40 {
			p := randPath()
			if rng.Intn(2) == 0 {
				p += "/"
			}
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
		compare(t, w, fmt.Sprintf("random case %d", i), files, paths)
	}
}

// FuzzAgainstGit: any top-level .gitattributes and any path (a folder
// when dir is set): gitattr gives the attributes git check-attr gives.
func FuzzAgainstGit(f *testing.F) {
	testneed.Need(f, "git")
	f.Add([]byte("*.txt export-subst\ntests/ export-ignore\n"), "tests", true)
	f.Add([]byte("[attr]m export-ignore\n**/a/** m -export-subst\n"), "x/a/b", false)
	f.Add([]byte("\"a\\040b\" export-ignore\n!a foo\n"), "a b", false)
	f.Add([]byte("[!a-c]* x\n[[:space:]] y\n"), "d", true)
	w := newWorld(f)
	f.Fuzz(func(t *testing.T, attrs []byte, p string, dir bool) {
		if p == "" || strings.ContainsRune(p, 0) || path.Clean(p) != p || strings.HasPrefix(p, "/") ||
			p == "." || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") ||
			strings.Contains(p, "/./") || strings.HasPrefix(p, "./") || strings.HasSuffix(p, "/.") {
			return
		}
		w.t = t
		q := p
		if dir {
			q += "/"
		}
		files := map[string]string{".gitattributes": string(attrs)}
		compare(t, w, "fuzz", files, []string{q})
	})
}
