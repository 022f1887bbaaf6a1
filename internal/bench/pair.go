package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The big-repo cases (release.go, export.go) each measure one tool against
// one baseline on one repo of many files, the bigRepo: each side runs once
// untimed (the page cache), then runs times in turn. Each is reported in a
// section of its own, between markers, which -release or -export rewrites
// alone.
type pairCase struct {
	name   string // shown, and matched by -only
	tool   string // the binary it needs
	runs   int
	target float64 // the tool's time over the baseline's must be at most this
	mem    bool    // runs under -mem too
	// sides prepares the case on the big repo and returns its two sides,
	// the tool first.
	sides func(b *Bench, big *bigRepo) ([2]sideFunc, error)
	names [2]string // the sides, in "Every run" and the log
	title string
	// about says what the sides do, a format taking the big repo's
	// description.
	about  string
	header string // the table's header line
	// start and end mark the section in the results file.
	start, end string
}

// A sideFunc makes a fresh command for one run of a side; done, when not
// nil, cleans up after the run, untimed.
type sideFunc func() (cmd *exec.Cmd, done func())

// pairCases are the big-repo cases, in the order they run and are reported.
var pairCases = []*pairCase{&releaseCase, &exportCase}

// pairRow is the result of one pairCase.
type pairRow struct {
	c          *pairCase
	big        bigRepo // its size
	times      [2][]time.Duration
	rss        [2]int64 // peaks, bytes
	err        string
	when, load string
}

// The big repo's size: BigFiles files, BigBytes in all (about), half of
// them in BigFilesBig big files. -quick makes it ten times smaller.
const (
	BigFiles    = 20_000
	BigFilesBig = 200
	BigBytes    = 200 << 20
	// bigTag is the deploy tag of the big repo's one commit.
	bigTag = "DEPLOY_20270101_000000_0000000"
)

// bigRepo is base/app: files files of random bytes, 100 a folder, one in
// files/big of them big, one in 500 executable, one in 1000 with a
// symlink to it beside it; stored uncompressed in one pack and tagged
// bigTag, a deploy tag whose message holds its manifest.
type bigRepo struct {
	files, big int
	bytes      int64 // about
	size       int64 // the bytes written
	base, repo string
	made       bool
}

// String describes the repo as made.
func (g *bigRepo) String() string {
	return fmt.Sprintf("%d files, %.0f MiB (random bytes,\n100 files a folder, %d of them %.1f MiB, a few executable, a few symlinks)",
		g.files, float64(g.size)/(1<<20), g.big, float64(g.bigSize())/(1<<20))
}

func (g *bigRepo) smallSize() int { return int(g.bytes/2) / (g.files - g.big) }
func (g *bigRepo) bigSize() int   { return int(g.bytes/2) / g.big }

// bigRepo makes the big repo the first time a case asks for it.
func (b *Bench) bigRepo() (*bigRepo, error) {
	g := &b.big
	if g.made {
		return g, nil
	}
	b.logf("generating a repo of %d files, about %d MiB", g.files, g.bytes>>20)
	dir := filepath.Join(b.tmp, "big")
	g.base = filepath.Join(dir, "base")
	g.repo = filepath.Join(g.base, "app")
	if err := os.MkdirAll(g.repo, 0o755); err != nil {
		return nil, err
	}
	if err := b.gitCmd(dir, nil, "init", "-q", g.repo); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, max(g.bigSize(), g.smallSize()*3/2))
	g.size = 0
	for i := range g.files {
		n := g.smallSize()/2 + rng.IntN(g.smallSize())
		if i%(g.files/g.big) == 0 {
			n = g.bigSize()
		}
		for j := range buf[:n] {
			buf[j] = byte(rng.Uint32())
		}
		p := filepath.Join(g.repo, fmt.Sprintf("d%03d", i/100), fmt.Sprintf("f%05d.dat", i))
		if i%100 == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
		}
		mode := os.FileMode(0o644)
		if i%500 == 1 {
			mode = 0o755
		}
		if err := os.WriteFile(p, buf[:n], mode); err != nil {
			return nil, err
		}
		g.size += int64(n)
		if i%1000 == 2 {
			if err := os.Symlink(filepath.Base(p), p+".link"); err != nil {
				return nil, err
			}
		}
	}
	// Packed once, in the foreground, as a real repo is: no automatic gc
	// starts in the background while the sides are timed.
	for _, args := range [][]string{
		{"-c", "core.compression=0", "-c", "core.looseCompression=0", "add", "."},
		{"-c", "gc.auto=0", "commit", "-q", "-m", "files"},
		{"-c", "pack.compression=0", "repack", "-a", "-d", "-q"},
	} {
		if err := b.gitCmd(g.repo, nil, args...); err != nil {
			return nil, err
		}
	}
	head, err := b.gitOut(g.repo, "rev-parse", "HEAD")
	if err != nil {
		return nil, err
	}
	man := fmt.Sprintf("app  %s\n", head)
	if err := b.gitCmd(g.repo, nil, "tag", "-a", "-m", bigTag+"\n\n"+man, bigTag); err != nil {
		return nil, err
	}
	g.made = true
	return g, nil
}

// runPair measures one big-repo case.
func (b *Bench) runPair(c *pairCase) (r pairRow) {
	r = pairRow{c: c, big: b.big, when: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	loadStart := loadavg()
	defer func() { r.load = loadStart + " at the start, " + loadavg() + " at the end" }()
	fail := func(err error) pairRow {
		r.err = err.Error()
		return r
	}
	big, err := b.bigRepo()
	if err != nil {
		return fail(err)
	}
	r.big = *big
	sides, err := c.sides(b, big)
	if err != nil {
		return fail(err)
	}
	err = b.inTurn(2, c.runs, 1, func(i int, warm bool) error {
		cmd, done := sides[i]()
		if done != nil {
			defer done()
		}
		d, rss, err := b.timed(cmd, c.names[i])
		if err != nil || warm {
			return err
		}
		r.times[i] = append(r.times[i], d)
		r.rss[i] = max(r.rss[i], rss)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	b.logf("  %s: %.3f s against %.3f s = %.2f, peak %.1f MiB", c.name, r.tool().Seconds(), r.base().Seconds(),
		r.ratio(), float64(r.rss[0])/(1<<20))
	return r
}

func (r pairRow) tool() time.Duration { return median(r.times[0]) }
func (r pairRow) base() time.Duration { return median(r.times[1]) }
func (r pairRow) ratio() float64      { return r.tool().Seconds() / r.base().Seconds() }

// section is the case's part of the results file, markers excluded.
func (r pairRow) section() string {
	var s strings.Builder
	fmt.Fprintf(&s, "## %s\n\n`%s`: "+r.c.about, r.c.title, r.c.name, &r.big)
	fmt.Fprintf(&s, " Each side ran once untimed (page cache), then %d times in turn; medians.\n"+
		"Measured %s; load averages (1, 5, 15 min) %s (the machine is shared).\n\n", r.c.runs, r.when, r.load)
	s.WriteString(r.c.header)
	if r.err != "" {
		fmt.Fprintf(&s, "| | | | FAILED: %s | | |\n", strings.ReplaceAll(firstLines(r.err, 2), "\n", " "))
		return s.String()
	}
	fmt.Fprintf(&s, "| %.3f s | %.3f s | %.2f | %s | %s | %.1f MiB |\n", r.tool().Seconds(), r.base().Seconds(), r.ratio(),
		verdict(r.ratio(), r.c.target), peak(r.rss[0], true), float64(r.rss[1])/(1<<20))
	fmt.Fprintf(&s, "\nEvery run, in seconds: %s %s; %s %s.\n", r.c.names[0], secs(r.times[0]), r.c.names[1], secs(r.times[1]))
	return s.String()
}

// block is the section with its markers, as the results file holds it.
func (r pairRow) block() string { return r.c.start + "\n" + r.section() + r.c.end + "\n" }

// runAlone is -release or -export: the case alone, its section spliced
// into out.
func (b *Bench) runAlone(c *pairCase, out string) error {
	if !b.has(c.tool) {
		return fmt.Errorf("%s is not built", filepath.Join(b.bin, c.tool))
	}
	r := b.runPair(c)
	fmt.Print(r.section())
	if out != "" {
		if err := spliceSection(out, c.start, c.end, r.block()); err != nil {
			return err
		}
	}
	if r.err != "" {
		return fmt.Errorf("%s", r.err)
	}
	return nil
}

// spliceSection puts block, a marked section, into the results file at
// out, replacing the one between start and end there or, failing that,
// going before the notes (or at the end).
func spliceSection(out, start, end, block string) error {
	old, err := os.ReadFile(out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	s := string(old)
	switch i, j := strings.Index(s, start), strings.Index(s, end); {
	case i >= 0 && j > i:
		s = s[:i] + block + s[j+len(end)+1:]
	case strings.Contains(s, notesMarker):
		k := strings.Index(s, notesMarker)
		s = s[:k] + block + "\n" + s[k:]
	default:
		s += "\n" + block
	}
	return os.WriteFile(out, []byte(s), 0o644)
}
