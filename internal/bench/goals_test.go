package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
)

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want load
	}{
		{"0.52 1.10 2.00 3/200 1234\n", 0.52},
		{"13.29 12.54 13.03 12/230 22992", 13.29},
		{"", -1},
		{"x 1 2", -1},
	} {
		if got := parseLoad1(tc.in); got != tc.want {
			t.Errorf("parseLoad1(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := load(-1).String(); got != "?" {
		t.Errorf("unknown load prints %q", got)
	}
}

func TestPerUnit(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		n    int
		unit string
		want string
	}{
		{2 * time.Second, 100, "repo", "20.0 ms"},
		{1234 * time.Millisecond, 1000, "repo", "1.2 ms"},
		{20 * time.Second, 20000, "file", "1000 µs"},
		{time.Second, 0, "file", ""},
	} {
		if got := perUnit(tc.d, tc.n, tc.unit); got != tc.want {
			t.Errorf("perUnit(%v, %d, %s) = %q, want %q", tc.d, tc.n, tc.unit, got, tc.want)
		}
	}
}

// The goals table: every goal, in order, each at the sizes measured, with
// the cost per unit, the goal's own target at that size, and the load
// (a row above the limit marked unreliable); a goal not measured says so.
func TestGoalsTable(t *testing.T) {
	results := []result{
		{goal: GoalTag, size: 1000, runs: 3, ours: 4 * time.Second, base: 10 * time.Second, loadStart: 0.3, loadEnd: 0.4, others: 0.05},
		{goal: GoalTag, size: 100, runs: 5, ours: 400 * time.Millisecond, base: time.Second, loadStart: 0.3, loadEnd: 2, others: 0.5},
		{goal: GoalExport, size: 20000, runs: 3, ours: 20 * time.Second, base: 25 * time.Second, loadStart: 0.1, loadEnd: 0.1},
		{goal: GoalPushSSH, size: 50, err: "push_tag: exit status 1\nfatal: x | y"},
	}
	got := goalsTable(results, false)
	for _, want := range []string{
		"| tag_for_deploy vs the careful loop (status check, then tag) | 1000 repos | 3 | 4.000 s | 10.000 s | 4.0 ms | 10.0 ms | 0.40 | ≤ 0.45 met | 0.30 → 0.40; others 0.05 cores |\n",
		"| tag_for_deploy vs the careful loop (status check, then tag) | 100 repos | 5 | 0.400 s | 1.000 s | 4.0 ms | 10.0 ms | 0.40 | ≤ 0.36 MISSED by 11% (unreliable) | 0.30 → 2.00; others 0.50 cores **unreliable** |\n",
		"| 20000 files | 3 | 20.000 s | 25.000 s | 1000 µs | 1250 µs | 0.80 | ≤ 0.60 MISSED by 33% | 0.10 → 0.10; others 0.00 cores |\n",
		"| push_tag vs `xargs -P4 git push`, one real sshd | 50 repos | | | | | | | FAILED: push_tag: exit status 1 fatal: x \\| y | |\n",
		"| push_tag vs `xargs -P4 git push`, file remotes | | | | | | | | not measured in this run | |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks\n%s\n%s", want, got)
		}
	}
	// Every goal has a line, in the order of goals.
	lines := strings.Split(strings.TrimSpace(got), "\n")[2:]
	last := -1
	for _, l := range lines {
		i := -1
		for k, g := range goals {
			if strings.HasPrefix(l, "| "+g.Name+" |") {
				i = k
			}
		}
		if i < last {
			t.Errorf("line out of order: %s", l)
		}
		last = i
	}
	for _, g := range goals {
		if !strings.Contains(got, "| "+g.Name+" |") {
			t.Errorf("goal %s missing", g.Key)
		}
		if len(g.Sizes) != 2 || len(g.QuickSizes) != 2 || len(g.Target) != 2 || g.Sizes[0] >= g.Sizes[1] {
			t.Errorf("goal %s: two sizes, growing, and a target for each", g.Key)
		}
	}
	// -quick judges its own sizes by the same targets.
	if q := goalsTable([]result{{goal: GoalTag, size: 12, runs: 3, ours: time.Second, base: 2 * time.Second}}, true); !strings.Contains(q, "| 0.50 | ≤ 0.36 MISSED") {
		t.Errorf("quick:\n%s", q)
	}
}

// The growth table: the cost of one more unit for each side, from a
// goal's two sizes.
func TestGrowthTable(t *testing.T) {
	results := []result{
		{goal: GoalPushFile, size: 100, ours: 3 * time.Second, base: 2 * time.Second},
		{goal: GoalPushFile, size: 1000, ours: 21 * time.Second, base: 20 * time.Second},
		{goal: GoalExport, size: 2000, ours: time.Second, base: time.Second},
	}
	got := growthTable(results)
	want := "| push_tag vs `xargs -P4 git push`, file remotes | 100 → 1000 repos | 20.0 ms | 20.0 ms | 1.00 |\n"
	if !strings.Contains(got, want) || strings.Contains(got, "export") {
		t.Errorf("got\n%s\nwant the line\n%s", got, want)
	}
	if growthTable(results[2:]) != "" {
		t.Error("one size gives no growth")
	}
}

// The memory table: each tool at 1000 repos once, and the file tools on
// the memory repo, against the 64 MiB target.
func TestMemTable(t *testing.T) {
	b := &Bench{rows: []row{
		{n: 1000, tags: 200, tool: "push_tag (file)", against: "serial", rss: 13 << 20},
		{n: 1000, tags: 200, tool: "push_tag (file)", against: "xargs", rss: 13 << 20},
		{n: 100, tags: 200, tool: "deploy", rss: 100 << 20},
		{n: 1000, tags: 10000, tool: "verify_deploy_tag", rss: 100 << 20},
	}, mem: []memRow{
		{name: "deploy", files: 60000, rss: 70 << 20},
		{name: "verify_deploy_tag", files: 60000, err: "exit status 1\nmore"},
	}}
	want := "| tool | at | peak RSS | target |\n|---|---|---:|---|\n" +
		"| push_tag (file) | 1000 repos | 13.0 MiB | < 64 MiB met |\n" +
		"| deploy | 60000 files | 70.0 MiB | < 64 MiB MISSED |\n" +
		"| verify_deploy_tag | 60000 files | | FAILED: exit status 1 |\n"
	if got := b.memTable(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// The mixed repo: as release-io.sh makes it, 100 files a folder of the
// four sizes, committed, packed, tagged.
func TestMixedRepo(t *testing.T) {
	t.Parallel()
	b := testBench(t)
	g, err := b.bigRepo(kindMixed, 250)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[int64]int{}
	var total int64
	err = filepath.Walk(g.repo, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			if fi != nil && fi.Name() == ".git" {
				return filepath.SkipDir
			}
			return err
		}
		sizes[fi.Size()]++
		total += fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 4 || sizes[100]+sizes[1000]+sizes[4000]+sizes[40000] != 250 || total != g.size {
		t.Errorf("file sizes %v (%d bytes, recorded %d)", sizes, total, g.size)
	}
	if n := gittest.Git(t, b.env, g.repo, "ls-tree", "-r", "--name-only", bigTag); strings.Count(n, "\n") != 249 ||
		!strings.Contains(n, "d002/f049.dat") {
		t.Errorf("tree of the tag:\n%.300s", n)
	}
	// Every object but the tag (made after the pack, as release-io.sh
	// makes it) is in the one pack.
	if s := gittest.Git(t, b.env, g.repo, "count-objects", "-v"); !strings.Contains(s, "count: 1\n") || !strings.Contains(s, "packs: 1\n") {
		t.Errorf("not in one pack:\n%s", s)
	}
}
