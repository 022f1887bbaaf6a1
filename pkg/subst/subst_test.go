package subst_test

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/pkg/subst"
)

var rounds = flag.Int("substrounds", 40, "random export-subst files checked against git archive")

type repo struct {
	t   testing.TB
	env []string
	dir string
}

// rawErr runs git in dir and returns its stdout, or an error with its
// stderr.
func rawErr(env []string, dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	return out, nil
}

func newRepo(t testing.TB) *repo {
	env := append(gittest.Env(t), "GIT_ATTR_NOSYSTEM=1", "XDG_CONFIG_HOME="+t.TempDir(), "TZ=UTC")
	dir := filepath.Join(t.TempDir(), "r")
	gittest.Git(t, env, ".", "init", "-q", dir)
	return &repo{t: t, env: env, dir: dir}
}

func (r *repo) git(stdin string, args ...string) string {
	r.t.Helper()
	return strings.TrimSpace(string(gittest.Raw(r.t, r.env, r.dir, []byte(stdin), args...)))
}

// commit writes a commit object whose header lines after the tree are
// head (author, committer, ...), with message msg, over a tree holding
// f (marked export-subst) with the given contents; it returns the
// commit's hash and raw object.
func (r *repo) commit(head, msg, f string) (string, []byte) {
	r.t.Helper()
	blob := r.git(f, "hash-object", "-w", "--stdin")
	attrs := r.git("f export-subst\n", "hash-object", "-w", "--stdin")
	tree := r.git(fmt.Sprintf("100644 blob %s\t.gitattributes\n100644 blob %s\tf\n", attrs, blob), "mktree")
	raw := "tree " + tree + "\n" + head + "\n" + msg
	h := r.git(raw, "hash-object", "-t", "commit", "-w", "--literally", "--stdin")
	return h, []byte(raw)
}

// archived is f as git archive writes it for commit h.
func (r *repo) archived(h string) ([]byte, error) {
	r.t.Helper()
	out, err := rawErr(r.env, r.dir, "archive", "--format=tar", h, "f")
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		hd, err := tr.Next()
		if err != nil {
			return nil, err
		}
		if hd.Name == "f" {
			return io.ReadAll(tr)
		}
	}
}

// logAnswer answers a recorded span as deploytag does: git log on the
// commit.
func (r *repo) logAnswer(h string) subst.Answer {
	return func(format string) (string, error) {
		out, err := rawErr(r.env, r.dir, "-c", "log.showSignature=false", "log", "--no-walk", "--date=default",
			"--pretty=format:"+format, h, "--")
		return string(out), err
	}
}

const (
	std = "author A U Thor <author@example.com> 1764072000 +0100\ncommitter C O Mitter <committer@example.com> 1764075600 -0530"
)

// heads are commit headers git can write, and some it writes only when
// asked to take bytes as they are.
var heads = []string{
	std,
	std + "\nencoding UTF-8",
	std + "\nencoding utf8",
	"author No Mail 1764072000 +0000\ncommitter <> 0 +0000",
	"author  Spaces   <a@b>   1764072000   +0000  \ncommitter x <y> 1764072000",
	"author A <a@b> 99999999999 +1400\ncommitter B <b@c> 1 -1200",
	"author A <a@b> 1764072000 -0001\ncommitter B <b@c> 1764072000 +0000",
	"author A <a@b> 1764072000 +9999\ncommitter B <b@c> 1764072000 -9959",
	"author A <a@b> 01764072000 +0200\ncommitter B <b@c> 18446744073709551616 +0200",
	"author A <a@b>> 5 +0000\ncommitter B <<b@c> 5 +0000",
	"author A <a@b> nodate\ncommitter B <b@c> 1764072000 zone",
	"author First <f@x> 1 +0000\nauthor Second <s@x> 2 +0000\ncommitter C <c@x> 3 +0000",
	"parent 0123456789abcdef0123456789abcdef01234567\nparent 89abcdef0123456789abcdef0123456789abcdef\n" + std,
	std + "\ngpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----",
	"author Ünïcödé Nämé <ü@example.com> 1764072000 +0000\ncommitter 名前 <n@example.com> 1764072000 +0900",
}

var messages = []string{
	"\nSubject line\n\nBody line one\nbody line two\n",
	"\n\n\n  \nSubject  with   spaces  \nand a second subject line\n\n\n\nbody after blank lines\n\n",
	"\n",
	"\nOnly a subject",
	"\nsubject\x00after a NUL\n",
	"\nfeat: Add ... things!! (part 2)...\n\nSigned-off-by: A <a@b>\n",
	"\n\tTabbed\r\n\r\nCRLF body\r\n",
	"\n.. leading dots and_underscores-and--dashes..\n",
}

// Formats every placeholder computed from the commit, and junk around them.
var tokens = []string{
	"%H", "%T", "%P", "%m", "%e", "%s", "%f", "%b", "%B", "%n", "%%", "%x00", "%x41", "%x4", "%xZZ",
	"%an", "%ae", "%al", "%ad", "%aD", "%at", "%ai", "%aI", "%as", "%cn", "%ce", "%cl", "%cd", "%cD", "%ct", "%ci", "%cI", "%cs",
	"%ax", "%c", "%a", "%gd", "%gD", "%gs", "%gn", "%gE", "%gz", "%S", "%N", "%Gz", "%G",
	"%Cred", "%Cgreen", "%Cblue", "%Creset", "%C(auto)", "%C(red bold)", "%C(auto,blue)", "%C(nonsense)", "%Cyellow", "%C(",
	"%+s", "%-b", "% an", "%+z", "%-z", "% %", "%+", "%-", "%(", "%(desc", "%(describ", "%q", "%", "%+x41", "%-x00",
	"wxyz", " ", "\n", "\n\n", "é", "\t", "$", "%+n", "%-n", "% n",
}

func randFormat(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.Intn(6) {
		b.WriteString(tokens[rng.Intn(len(tokens))])
	}
	return strings.ReplaceAll(b.String(), "$", "")
}

func TestAgainstGitArchive(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	rng := rand.New(rand.NewSource(22))
	n := 0
	for round := range *rounds {
		head := heads[round%len(heads)]
		msg := messages[rng.Intn(len(messages))]
		var f strings.Builder
		f.WriteString("first line\n")
		for i := range 40 {
			fmt.Fprintf(&f, "line %d: $Format:%s$\n", i, randFormat(rng))
		}
		f.WriteString("$Format:unclosed")
		h, raw := r.commit(head, msg, f.String())
		want, gitErr := r.archived(h)
		got, spans, err := subst.Expand([]byte(f.String()), raw, h, func(f string) (string, error) {
			return "", fmt.Errorf("no span here needs an answer: %q", f)
		})
		switch {
		case gitErr != nil && err != nil:
			continue // both refuse (a date git dies on)
		case gitErr != nil || err != nil:
			t.Errorf("round %d: git archive: %v; subst: %v\nheader:\n%s\nfile:\n%s", round, gitErr, err, head, f.String())
			continue
		}
		n++
		if !bytes.Equal(got, want) || len(spans) != 0 {
			t.Errorf("round %d (%d spans asked):\nheader:\n%s\nmessage %q\nsubst:\n%q\ngit:\n%q", round, len(spans), head, msg, got, want)
		}
	}
	if n < *rounds/2 {
		t.Errorf("only %d of %d rounds compared", n, *rounds)
	}
}

// Each placeholder alone, on every header and message: the surest way to
// see which one differs.
func TestEachPlaceholder(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	var f strings.Builder
	for _, tok := range tokens {
		fmt.Fprintf(&f, "[%s]=[$Format:%s$]\n", strings.ReplaceAll(tok, "$", ""), strings.ReplaceAll(tok, "$", ""))
	}
	for i, head := range heads {
		for j, msg := range messages {
			h, raw := r.commit(head, msg, f.String())
			want, gitErr := r.archived(h)
			got, _, err := subst.Expand([]byte(f.String()), raw, h, r.logAnswer(h))
			if (gitErr != nil) != (err != nil) {
				t.Errorf("header %d, message %d: git archive: %v; subst: %v", i, j, gitErr, err)
				continue
			}
			if err != nil {
				continue
			}
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for k := range min(len(gl), len(wl)) {
				if gl[k] != wl[k] {
					t.Errorf("header %d %q, message %d %q: line %d: subst %q, git %q", i, head, j, msg, k, gl[k], wl[k])
					break
				}
			}
			if len(gl) != len(wl) {
				t.Errorf("header %d, message %d: %d lines, git %d", i, j, len(gl), len(wl))
			}
		}
	}
}

// Spans whose answer is not the commit's are asked for, in order, and
// the answers (here git log's, as deploytag asks them) go where the spans
// were; for these, git archive writes the same.
func TestRecordedSpans(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	file := "v=$Format:%(describe)$\nd=$Format:%d$\nh=$Format:%h$ t=$Format:%t$\nn=$Format:%aN$\nH=$Format:%H$\nw=$Format:%w(10)%s$\n"
	h, raw := r.commit(std, "\nsubject that wraps around\n", file)
	r.git("", "tag", "-a", "-m", "v", "v1.0", h)
	r.git("", "update-ref", "refs/heads/main", h)
	want, err := r.archived(h)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	got, spans, err := subst.Expand([]byte(file), raw, h, func(f string) (string, error) {
		asked = append(asked, f)
		return r.logAnswer(h)(f)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("subst:\n%s\ngit:\n%s", got, want)
	}
	wantAsked := []string{"%(describe)", "%d", "%h", "%t", "%aN", "%w(10)%s"}
	if strings.Join(asked, "|") != strings.Join(wantAsked, "|") || len(spans) != len(wantAsked) {
		t.Errorf("asked %q, want %q; spans %v", asked, wantAsked, spans)
	}
	for _, s := range spans {
		checked, err := subst.CheckAbbrev(s, raw, h)
		if checked != (s.Format == "%h" || s.Format == "%t") || err != nil {
			t.Errorf("CheckAbbrev(%v) = %v, %v", s, checked, err)
		}
		if checked {
			s.Answer = "0000000"
			if _, err := subst.CheckAbbrev(s, raw, h); err == nil {
				t.Errorf("CheckAbbrev(%v) takes a wrong hash", s)
			}
		}
	}
	// A commit in another encoding than UTF-8: every span is asked for.
	h2, raw2 := r.commit(std+"\nencoding ISO-8859-1", "\nsubject\n", "H=$Format:%H$ s=$Format:%s$")
	_, spans, err = subst.Expand([]byte("H=$Format:%H$ s=$Format:%s$"), raw2, h2, r.logAnswer(h2))
	if err != nil || len(spans) != 2 {
		t.Errorf("ISO-8859-1 commit: spans %v, %v", spans, err)
	}
}

func TestNoBlankLineAfterHeader(t *testing.T) {
	raw := []byte("tree 0123456789abcdef0123456789abcdef01234567\nauthor A <a@b> 1 +0000\n")
	if _, _, err := subst.Expand([]byte("$Format:%B$"), raw, strings.Repeat("1", 40), nil); err == nil {
		t.Error("a commit with no message separator expanded")
	}
}

// FuzzAgainstGit: any author and committer line, message and format of
// computed placeholders: subst writes what git archive writes, or both
// refuse.
func FuzzAgainstGit(f *testing.F) {
	f.Add("A U Thor <a@example.com> 1764072000 +0100", "C <c@example.com> 1 -0530", "\nsubject\n\nbody\n", "%H %ad %s%n%-b%x41")
	f.Add("No Mail 5 +0000", "<> 0 +9999", "\n\n  x  \n", "%an|%ae|%al|%at|%aD|%ai|%aI|%as|%f|%+s")
	f.Add("A <a@b> 99999999999999999999 -0001", "B <b@c> 1 -1200", "\n..x..\n", "%ad %cd %C(red)%Cgreen%m%e")
	r := newRepo(f)
	f.Fuzz(func(t *testing.T, author, committer, msg, format string) {
		if strings.ContainsAny(author+committer, "\n\x00") || strings.ContainsAny(format, "$\x00") || !strings.HasPrefix(msg, "\n") {
			return
		}
		r.t = t
		file := "x $Format:" + format + "$ y\n"
		h, raw := r.commit("author "+author+"\ncommitter "+committer, msg, file)
		got, spans, err := subst.Expand([]byte(file), raw, h, func(string) (string, error) { return "", nil })
		if len(spans) > 0 {
			return // not computed here
		}
		want, gitErr := r.archived(h)
		if (err != nil) != (gitErr != nil) {
			t.Fatalf("git archive: %v; subst: %v", gitErr, err)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("subst %q, git %q", got, want)
		}
	})
}

// git archive (2.32 on) expands the first %(describe) of an archive and
// leaves every later one as written: files in tree order, spans in order,
// magic prefixes and describes git cannot parse counted too. Describes
// and ExpandN, carried from file to file as the export carries them,
// write what git archive writes.
func TestDescribeOncePerArchive(t *testing.T) {
	t.Parallel()
	for i, files := range []map[string]string{
		{
			// tree order: a-b.txt, a.txt, a/x.txt, b.txt
			"a-b.txt": "none here: $Format:%H$\n",
			"a.txt":   "first: $Format:%h %(describe) and %(describe:tags)$ | $Format:%-(describe)$\n",
			"a/x.txt": "$Format:%(describe)$ $Format:%+(describe)$ $Format:x\n\n%-(describe)y$ $Format:% (describe:tags)$ $Format:%%(describe)$\n",
			"b.txt":   "$Format:%(describe:tags)$ $Format:%d %(describe)$\n",
		},
		{
			// a describe git cannot parse uses the one up
			"a.txt": "$Format:%(describe:nonsense)$\n",
			"b.txt": "$Format:%(describe)$\n",
		},
		{
			// magic prefix on the first; a recorded span after the limit
			"a.txt": "$Format:%+(describe)$\n",
			"b.txt": "$Format:%h %(describe)$ $Format:%x25(describe)$\n",
		},
	} {
		r := newRepo(t)
		var names []string
		for name, content := range files {
			p := filepath.Join(r.dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
		if err := os.WriteFile(filepath.Join(r.dir, ".gitattributes"), []byte("*.txt export-subst\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r.git("", "add", "-A")
		r.git("", "commit", "-q", "-m", "files")
		r.git("", "tag", "-a", "-m", "v", "v1.0")
		h := r.git("", "rev-parse", "HEAD")
		raw := []byte(r.git("", "cat-file", "commit", h) + "\n")
		out, err := rawErr(r.env, r.dir, "archive", "--format=tar", h)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]byte{}
		tr := tar.NewReader(bytes.NewReader(out))
		for {
			hd, err := tr.Next()
			if err != nil {
				break
			}
			want[hd.Name], _ = io.ReadAll(tr)
		}
		sort.Strings(names) // byte order of full paths is git's tree order
		left := subst.ArchiveDescribes
		for _, name := range names {
			n, err := subst.Describes([]byte(files[name]), raw, h)
			if err != nil {
				t.Fatal(err)
			}
			use := min(left, n)
			got, _, err := subst.ExpandN([]byte(files[name]), raw, h, use, r.logAnswer(h))
			left -= use
			if err != nil {
				t.Fatalf("archive %d, %s: %v", i, name, err)
			}
			if !bytes.Equal(got, want[name]) {
				t.Errorf("archive %d, %s:\nsubst: %q\ngit:   %q", i, name, got, want[name])
			}
		}
	}
}
