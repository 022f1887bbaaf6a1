package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/releasetest"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
)

// These tests check the parts of the benchmark that need no built tools:
// the fixtures it generates and the report it writes. make bench runs the
// measurements themselves.

func testBench(t *testing.T) *Bench {
	return &Bench{ctx: t.Context(), tmp: t.TempDir(), env: gittest.Env(t), started: time.Now(),
		daemonAddr: "127.0.0.1:9"}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2, rounded down
		{[]time.Duration{10, 30}, 20},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	b := &Bench{rows: []row{
		{n: 1000, tags: 200, tool: "tag_repos", against: "naive loop", runs: 3,
			toolT: 400 * time.Millisecond, baseT: 500 * time.Millisecond, rss: 70 << 20, target: 0.8},
		{n: 100, tags: 200, tool: "push_tag (git://)", against: "xargs | git push", runs: 5,
			toolT: 800 * time.Millisecond, baseT: time.Second, rss: 70 << 20, target: 0.5},
		{n: 100, tags: 10000, tool: "create_deploy_tag", against: "rev-parse loop", runs: 3,
			toolT: 100 * time.Millisecond, baseT: 50 * time.Millisecond, rss: 8 << 20},
		{n: 1000, tags: 200, tool: "deploy", against: "(peak memory only)", runs: 1,
			toolT: 2 * time.Second, rss: 30 << 20},
		{n: 12, tags: 200, tool: "verify_deploy_tag", against: "rev-parse loop", err: "verify: exit status 1\nline two\nline three"},
		{n: 100, tags: 200, tool: "tag_for_deploy", against: "careful loop", runs: 5,
			toolT: 300 * time.Millisecond, baseT: time.Second, rss: 9 << 20, target: 0.36, loads: [2]load{3, 1}, others: 0.3},
	}}
	want := []string{
		"| 1000 | 200 | tag_repos | naive loop | 3 | 0.400 s | 0.500 s | 0.4 ms | 0.5 ms | 0.80 | ≤ 0.80 met | 70.0 MiB MISSED (< 64) |",
		`| 100 | 200 | push_tag (git://) | xargs \| git push | 5 | 0.800 s | 1.000 s | 8.0 ms | 10.0 ms | 0.80 | ≤ 0.50 MISSED by 60% | 70.0 MiB |`,
		"| 100 | 10000 | create_deploy_tag | rev-parse loop | 3 | 0.100 s | 0.050 s | 1.0 ms | 0.5 ms | 2.00 |  | 8.0 MiB |",
		"| 1000 | 200 | deploy | (peak memory only) | 1 | 2.000 s | | 2.0 ms | | | | 30.0 MiB |",
		"| 12 | 200 | verify_deploy_tag | rev-parse loop | | | | | | | FAILED: verify: exit status 1 line two | |",
		"| 100 | 200 | tag_for_deploy | careful loop | 5 | 0.300 s | 1.000 s | 3.0 ms | 10.0 ms | 0.30 | ≤ 0.36 met (unreliable: load 3.00 → 1.00, others 0.30 cores) | 9.0 MiB |",
	}
	got := strings.Split(strings.TrimSuffix(b.table(), "\n"), "\n")
	if len(got) != 2+len(want) {
		t.Fatalf("table:\n%s", b.table())
	}
	for i, w := range want {
		if got[2+i] != w {
			t.Errorf("row %d:\n got %s\nwant %s", i, got[2+i], w)
		}
	}
}

// A file case's section: what was measured, then a line per size with
// the cost per file, the goal's verdict and the load, marked unreliable
// when other work took more than OthersLimit; a failed size says why.
func TestPairSection(t *testing.T) {
	small, big := newBigRepo(kindRandom, 2000), newBigRepo(kindRandom, 20000)
	small.size, big.size = 20<<20, 200<<20
	rows := []pairRow{
		{c: &exportCase, big: small, times: [2][]time.Duration{{time.Second, 3 * time.Second, 2 * time.Second}, {4 * time.Second, 4 * time.Second, 5 * time.Second}},
			rss: [2]int64{30 << 20, 200 << 20}, when: "2027-01-01 00:00 UTC", loads: [2]load{0.5, 1.2}, loadText: "0.50 0.40 0.30 at the start, 1.20 0.50 0.30 at the end"},
		{c: &exportCase, big: big, times: [2][]time.Duration{{19 * time.Second, 21 * time.Second, 20 * time.Second}, {40 * time.Second, 38 * time.Second, 39 * time.Second}},
			rss: [2]int64{30 << 20, 200 << 20}, when: "2027-01-01 00:10 UTC", loads: [2]load{2.5, 1}, others: -1, loadText: "2.50 at the start, 1.00 at the end"},
		{c: &exportCase, big: newBigRepo(kindRandom, 200), err: "deploy: exit status 1\nfatal: bad\nmore"},
	}
	s := section(&exportCase, rows, false)
	for _, want := range []string{
		"## Exporting a release\n\n`deploy --no-push (export of one big repo)`: one repo, deployed",
		"then 3 times in turn; medians.\n\n- 2000 files: 2000 files, 20 MiB (random bytes, in one uncompressed pack,\n100 files a folder, 20 of them 0.5 MiB",
		"- 20000 files: 20000 files, 200 MiB",
		"| files | deploy median | git archive \\| tar -x median | deploy per file | git archive \\| tar -x per file | ratio | goal |",
		"\n| 2000 | 2.000 s | 4.000 s | 1000 µs | 2000 µs | 0.50 | ≤ 0.60 met | 30.0 MiB | 200.0 MiB | 2027-01-01 00:00 UTC; 0.50 0.40 0.30 at the start, 1.20 0.50 0.30 at the end |\n",
		"\n| 20000 | 20.000 s | 39.000 s | 1000 µs | 1950 µs | 0.51 | ≤ 0.60 met (unreliable: other work) | 30.0 MiB | 200.0 MiB | 2027-01-01 00:10 UTC; 2.50 at the start, 1.00 at the end |\n",
		"\n| 200 | | | | | | FAILED: deploy: exit status 1 fatal: bad | | | |\n",
		"- 20000 files: deploy 19.00, 21.00, 20.00; git archive | tar -x 40.00, 38.00, 39.00\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q:\n%s", want, s)
		}
	}
	if r := rows[1].result(); r.goal != GoalExport || r.size != 20000 || r.runs != 3 || r.ours != 20*time.Second ||
		r.base != 39*time.Second || r.rss != 30<<20 || r.loadStart != 2.5 || r.loadEnd != 1 || r.others != -1 || r.err != "" {
		t.Errorf("result %+v", r)
	}
}

// A -release or -export run replaces its own section and keeps the rest
// of the results file, the hand-written notes above all.
func TestSpliceSection(t *testing.T) {
	c := &releaseCase
	block := func(text string) string { return c.start + "\n" + text + "\n" + c.end + "\n" }
	for _, tc := range []struct{ name, old, want string }{
		{"replaced", "head\n\n" + block("old") + "\nmiddle\n" + notesMarker + "\nnotes\n",
			"head\n\n" + block("new") + "\nmiddle\n" + notesMarker + "\nnotes\n"},
		{"before the notes", "head\n" + notesMarker + "\nnotes\n", "head\n" + block("new") + "\n" + notesMarker + "\nnotes\n"},
		{"at the end", "head\n", "head\n\n" + block("new")},
		{"new file", "", "\n" + block("new")},
	} {
		out := filepath.Join(t.TempDir(), "RESULTS.md")
		if tc.old != "" {
			if err := os.WriteFile(out, []byte(tc.old), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := spliceSection(out, c.start, c.end, block("new")); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// The basedir fixture: repos copied from one template, each with its bare
// remote, a history, and the tags asked for, packed, as deploy tags whose
// messages hold a manifest; the work trees clean.
func TestFixture(t *testing.T) {
	t.Parallel()
	b := testBench(t)
	f, err := b.fixture(3, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"r0001", "r0002", "r0003"} {
		repo := filepath.Join(f.Base, name)
		if s := gittest.Git(t, b.env, repo, "status", "--porcelain"); s != "" {
			t.Errorf("%s is not clean: %s", name, s)
		}
		if n := gittest.Git(t, b.env, repo, "rev-list", "--count", "main"); n != "5" {
			t.Errorf("%s has %s commits on main, want 5", name, n)
		}
		tags := strings.Fields(gittest.Git(t, b.env, repo, "tag", "-l"))
		if len(tags) != 7 {
			t.Fatalf("%s has tags %v, want 7", name, tags)
		}
		for _, tag := range tags {
			if !names.IsDeployTag(tag) {
				t.Errorf("%s: %s is no deploy tag", name, tag)
			}
		}
		obj := gittest.Git(t, b.env, repo, "cat-file", "tag", tags[6])
		_, msg, _ := strings.Cut(obj, "\n\n")
		if m, err := manifest.ParseTagMessage(tags[6], msg, tags[6]); err != nil || len(m) != 12 {
			t.Errorf("%s: the message of %s is no 12-repo manifest (%v):\n%s", name, tags[6], err, msg)
		}
		packed, err := os.ReadFile(filepath.Join(repo, ".git", "packed-refs"))
		if err != nil || strings.Count(string(packed), "refs/tags/") != 7 {
			t.Errorf("%s: tags not packed (%v):\n%s", name, err, packed)
		}
		remote := gittest.Git(t, b.env, repo, "remote", "get-url", "origin")
		if remote != filepath.Join(f.Remotes, name+".git") {
			t.Errorf("%s: origin is %s", name, remote)
		}
		if n := len(strings.Fields(gittest.Git(t, b.env, remote, "tag", "-l"))); n != 7 {
			t.Errorf("%s: the remote has %d tags, want 7", name, n)
		}
	}
}

// The big repo: its files as described, committed, tagged with its
// manifest; its release, made as the tests make one, holds them all.
func TestBigRepo(t *testing.T) {
	t.Parallel()
	b := testBench(t)
	g, err := b.bigRepo(kindRandom, 200)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := b.bigRepo(kindRandom, 200); err != nil || again != g {
		t.Errorf("made twice")
	}
	obj := gittest.Git(t, b.env, g.repo, "cat-file", "tag", bigTag)
	_, msg, _ := strings.Cut(obj, "\n\n")
	m, err := manifest.ParseTagMessage(bigTag, msg, bigTag)
	if err != nil || len(m) != 1 || m[0].Name != "app" || m[0].Commit != gittest.Git(t, b.env, g.repo, "rev-parse", "HEAD") {
		t.Errorf("tag message %q: %v %v", msg, m, err)
	}
	root := filepath.Join(b.tmp, "root")
	if err := releasetest.Make(root, g.base, bigTag, b.gitIn); err != nil {
		t.Fatal(err)
	}
	var files, big, execs, links int
	var size int64
	err = filepath.Walk(filepath.Join(root, "current", "app"), func(_ string, fi os.FileInfo, err error) error {
		switch {
		case err != nil || fi.IsDir():
			return err
		case fi.Mode()&os.ModeSymlink != 0:
			links++
		default:
			files++
			size += fi.Size()
			if fi.Size() == int64(g.bigSize()) {
				big++
			}
			if fi.Mode()&0o100 != 0 {
				execs++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 200 || big != 2 || execs != 1 || links != 1 || size != g.size {
		t.Errorf("release of %d files (%d big, %d executable), %d symlinks, %d bytes; want 200 (2, 1), 1, %d",
			files, big, execs, links, size, g.size)
	}
	if size < 2<<20*9/10 || size > 2<<20*11/10 {
		t.Errorf("%d bytes, want about %d", size, 2<<20)
	}
	if tag, err := os.ReadFile(filepath.Join(root, "current", "DEPLOY_TAG")); err != nil || string(tag) != bigTag+"\n" {
		t.Errorf("DEPLOY_TAG %q, %v", tag, err)
	}
}
