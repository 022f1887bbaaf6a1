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

// The file cases (release.go, export.go, unpack.go) each measure one tool
// against one baseline on repos of many files (bigRepo), at the two sizes
// of the case's goal: each side runs once untimed (the page cache), then
// runs times in turn. Each case is reported in a section of its own,
// between markers, which -release, -export or -unpack rewrites alone.
type pairCase struct {
	name string // shown, and matched by -only
	tool string // the binary it needs
	goal string // its goal (goals.go): the sizes and the targets
	kind string // the repos: kindRandom or kindMixed
	runs int
	// sides prepares the case on a repo and returns its two sides, the
	// tool first.
	sides func(b *Bench, big *bigRepo) ([2]sideFunc, error)
	// memSide, when not nil, is the tool side alone, run once on the
	// memory repo (MemFiles files) for its peak memory.
	memSide func(b *Bench, big *bigRepo) (sideFunc, error)
	names   [2]string // the sides, in "Every run" and the log
	title   string
	// about says what the sides do.
	about string
	// start and end mark the section in the results file.
	start, end string
}

// A sideFunc makes a fresh command for one run of a side; done, when not
// nil, cleans up after the run, untimed.
type sideFunc func() (cmd *exec.Cmd, done func())

// pairCases are the file cases, in the order they run and are reported.
var pairCases = []*pairCase{&releaseCase, &exportCase, &exportMixedCase, &unpackCase, &unpackMixedCase}

// pairRow is the result of one pairCase at one size.
type pairRow struct {
	c        *pairCase
	big      bigRepo // its size
	times    [2][]time.Duration
	rss      [2]int64 // peaks, bytes
	err      string
	when     string
	loads    [2]load // at the start and the end
	others   float64 // cores other work took meanwhile (-1: unknown)
	loadText string  // the three load averages, at the start and the end
}

// Repo kinds.
const (
	// kindRandom: random bytes, 100 files a folder, one file in 100 of
	// 0.5 MiB and the others about 5 KiB (10 KiB a file on average),
	// stored uncompressed in one pack, a few executables and symlinks.
	kindRandom = "random"
	// kindMixed: as /work/shared/bench/release-io.sh makes them: 100
	// files a folder, each of 100, 1000, 4000 or 40000 random bytes
	// (chosen at random), committed and packed by git gc (compressed).
	kindMixed = "mixed"
	// MemFiles is the size of the repo the file tools' peak memory is
	// taken on (of kindMixed).
	MemFiles = 60_000
	// bigTag is the deploy tag of a big repo's one commit.
	bigTag = "DEPLOY_20270101_000000_0000000"
)

// bigRepo is base/app of one kind and size, tagged bigTag, a deploy tag
// whose message holds its manifest.
type bigRepo struct {
	kind       string
	files, big int   // big: how many of kindRandom's 0.5 MiB files
	bytes      int64 // about, for kindRandom
	size       int64 // the bytes written
	base, repo string
	made       bool
	artifact   string // made by artifact()
}

// newBigRepo describes a repo of the kind with n files.
func newBigRepo(kind string, n int) bigRepo {
	g := bigRepo{kind: kind, files: n}
	if kind == kindRandom {
		g.big = max(n/100, 1)
		g.bytes = int64(n) * 10 << 10
	}
	return g
}

// String describes the repo as made.
func (g *bigRepo) String() string {
	if g.kind == kindMixed {
		return fmt.Sprintf("%d files, %.0f MiB (random bytes, 100 files a folder, each of 100, 1000, 4000 or 40000 bytes; packed by git gc)",
			g.files, float64(g.size)/(1<<20))
	}
	return fmt.Sprintf("%d files, %.0f MiB (random bytes, in one uncompressed pack,\n100 files a folder, %d of them %.1f MiB, a few executable, a few symlinks)",
		g.files, float64(g.size)/(1<<20), g.big, float64(g.bigSize())/(1<<20))
}

func (g *bigRepo) smallSize() int { return int(g.bytes/2) / (g.files - g.big) }
func (g *bigRepo) bigSize() int   { return int(g.bytes/2) / g.big }

// bigRepo makes the repo of the kind and size the first time a case asks
// for it.
func (b *Bench) bigRepo(kind string, n int) (*bigRepo, error) {
	key := fmt.Sprintf("%s-%d", kind, n)
	if g, ok := b.bigs[key]; ok {
		return g, nil
	}
	g := newBigRepo(kind, n)
	b.logf("generating a repo of %d files (%s)", n, kind)
	dir := filepath.Join(b.tmp, "big-"+key)
	g.base = filepath.Join(dir, "base")
	g.repo = filepath.Join(g.base, "app")
	if err := os.MkdirAll(g.repo, 0o755); err != nil {
		return nil, err
	}
	if err := b.gitCmd(dir, nil, "init", "-q", g.repo); err != nil {
		return nil, err
	}
	var pack [][]string
	switch kind {
	case kindRandom:
		if err := g.writeRandom(); err != nil {
			return nil, err
		}
		// Packed once, in the foreground, as a real repo is: no automatic
		// gc starts in the background while the sides are timed.
		pack = [][]string{
			{"-c", "core.compression=0", "-c", "core.looseCompression=0", "add", "."},
			{"-c", "gc.auto=0", "commit", "-q", "-m", "files"},
			{"-c", "pack.compression=0", "repack", "-a", "-d", "-q"},
		}
	case kindMixed:
		if err := g.writeMixed(); err != nil {
			return nil, err
		}
		pack = [][]string{{"add", "-A"}, {"-c", "gc.auto=0", "commit", "-q", "-m", "files"}, {"gc", "-q"}}
	default:
		return nil, fmt.Errorf("no repo kind %q", kind)
	}
	for _, args := range pack {
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
	if b.bigs == nil {
		b.bigs = map[string]*bigRepo{}
	}
	b.bigs[key] = &g
	return &g, nil
}

// writeRandom writes kindRandom's files: one in files/big big, one in 500
// executable, one in 1000 with a symlink to it beside it.
func (g *bigRepo) writeRandom() error {
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
				return err
			}
		}
		mode := os.FileMode(0o644)
		if i%500 == 1 {
			mode = 0o755
		}
		if err := os.WriteFile(p, buf[:n], mode); err != nil {
			return err
		}
		g.size += int64(n)
		if i%1000 == 2 {
			if err := os.Symlink(filepath.Base(p), p+".link"); err != nil {
				return err
			}
		}
	}
	return nil
}

// mixedSizes are kindMixed's file sizes, as release-io.sh picks them.
var mixedSizes = []int{100, 1000, 4000, 40000}

// writeMixed writes kindMixed's files.
func (g *bigRepo) writeMixed() error {
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, mixedSizes[len(mixedSizes)-1])
	g.size = 0
	for i := range g.files {
		n := mixedSizes[rng.IntN(len(mixedSizes))]
		for j := range buf[:n] {
			buf[j] = byte(rng.Uint32())
		}
		p := filepath.Join(g.repo, fmt.Sprintf("d%03d", i/100), fmt.Sprintf("f%03d.dat", i%100))
		if i%100 == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(p, buf[:n], 0o644); err != nil {
			return err
		}
		g.size += int64(n)
	}
	return nil
}

// artifact makes (once) the repo's release as an artifact, with deploy
// --artifact.
func (b *Bench) artifact(g *bigRepo) (string, error) {
	if g.artifact != "" {
		return g.artifact, nil
	}
	a := filepath.Join(filepath.Dir(g.base), "release.tar")
	cmd := b.cmd(filepath.Join(b.bin, "deploy"), "--environment", "bench", "--tag", bigTag, "--basedir", g.base,
		"--no-push", "--artifact", a, "--quiet")
	if err := b.run1(cmd); err != nil {
		return "", err
	}
	g.artifact = a
	return a, nil
}

// runPair measures one file case at each size of its goal.
func (b *Bench) runPair(c *pairCase) []pairRow {
	var rows []pairRow
	for _, n := range goalByKey(c.goal).sizes(b.quick) {
		if b.ctx.Err() != nil {
			break
		}
		rows = append(rows, b.runPairAt(c, n))
	}
	return rows
}

func (b *Bench) runPairAt(c *pairCase, n int) (r pairRow) {
	r = pairRow{c: c, big: newBigRepo(c.kind, n)}
	fail := func(err error) pairRow {
		r.err = err.Error()
		return r
	}
	big, err := b.bigRepo(c.kind, n)
	if err != nil {
		return fail(err)
	}
	r.big = *big
	sides, err := c.sides(b, big)
	if err != nil {
		return fail(err)
	}
	r.when = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	w := startWatch()
	r.loadText = loadavg()
	defer func() {
		r.loads, r.others = w.stop()
		r.loadText += " at the start, " + loadavg() + " at the end; " + othersText(r.others)
	}()
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
	b.logf("  %s, %d files: %.3f s against %.3f s = %.2f, peak %.1f MiB", c.name, n, r.tool().Seconds(), r.base().Seconds(),
		r.ratio(), float64(r.rss[0])/(1<<20))
	return r
}

func (r pairRow) tool() time.Duration { return median(r.times[0]) }
func (r pairRow) base() time.Duration { return median(r.times[1]) }
func (r pairRow) ratio() float64      { return r.tool().Seconds() / r.base().Seconds() }

// result is the row as a goal's result.
func (r pairRow) result() result {
	res := result{goal: r.c.goal, size: r.big.files, runs: r.c.runs, ours: r.tool(), base: r.base(), rss: r.rss[0],
		loadStart: r.loads[0], loadEnd: r.loads[1], others: r.others, err: r.err}
	if r.err == "" && len(r.times[0]) > 0 {
		res.runs = len(r.times[0])
	}
	return res
}

// section is the case's part of the results file, markers excluded: what
// it measures, then one line per size.
func section(c *pairCase, rows []pairRow, quick bool) string {
	var s strings.Builder
	fmt.Fprintf(&s, "## %s\n\n`%s`: %s Each side ran once untimed (page cache), then %d times in turn; medians.\n\n",
		c.title, c.name, c.about, c.runs)
	for _, r := range rows {
		fmt.Fprintf(&s, "- %d files: %s\n", r.big.files, &r.big)
	}
	fmt.Fprintf(&s, "\n| files | %s median | %s median | %s per file | %s per file | ratio | goal | %s peak RSS | %s peak RSS | measured, load (1, 5, 15 min) |\n",
		cell(c.names[0]), cell(c.names[1]), cell(c.names[0]), cell(c.names[1]), cell(c.names[0]), cell(c.names[1]))
	s.WriteString("|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n")
	g := goalByKey(c.goal)
	for _, r := range rows {
		if r.err != "" {
			fmt.Fprintf(&s, "| %d | | | | | | FAILED: %s | | | |\n", r.big.files, cell(strings.ReplaceAll(firstLines(r.err, 2), "\n", " ")))
			continue
		}
		v := verdict(r.ratio(), g.target(r.big.files, quick))
		if unreliable(r.others) {
			v += " (unreliable: other work)"
		}
		fmt.Fprintf(&s, "| %d | %.3f s | %.3f s | %s | %s | %.2f | %s | %s | %.1f MiB | %s; %s |\n", r.big.files,
			r.tool().Seconds(), r.base().Seconds(), perUnit(r.tool(), r.big.files, "file"), perUnit(r.base(), r.big.files, "file"),
			r.ratio(), v, peak(r.rss[0], true), float64(r.rss[1])/(1<<20), r.when, r.loadText)
	}
	s.WriteString("\nEvery run, in seconds:\n")
	for _, r := range rows {
		if r.err == "" {
			fmt.Fprintf(&s, "- %d files: %s %s; %s %s\n", r.big.files, c.names[0], secs(r.times[0]), c.names[1], secs(r.times[1]))
		}
	}
	return s.String()
}

// block is the section with its markers, as the results file holds it.
func block(c *pairCase, rows []pairRow, quick bool) string {
	return c.start + "\n" + section(c, rows, quick) + c.end + "\n"
}

// runAlone is -release, -export or -unpack: those cases alone, each
// section spliced into out.
func (b *Bench) runAlone(cs []*pairCase, out string) error {
	var errs []error
	for _, c := range cs {
		if !b.has(c.tool) {
			return fmt.Errorf("%s is not built", filepath.Join(b.bin, c.tool))
		}
		rows := b.runPair(c)
		fmt.Print(section(c, rows, b.quick))
		if out != "" {
			if err := spliceSection(out, c.start, c.end, block(c, rows, b.quick)); err != nil {
				return err
			}
		}
		for _, r := range rows {
			if r.err != "" {
				errs = append(errs, fmt.Errorf("%s", r.err))
			}
		}
	}
	return errors.Join(errs...)
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

// memRow is one tool's peak memory on the memory repo.
type memRow struct {
	name  string
	files int
	wall  time.Duration
	rss   int64
	err   string
}

// memFiles runs the tool side of each file case that has one, once, on a
// repo of MemFiles files (a tenth with -quick), for its peak memory.
func (b *Bench) memFiles(only string) []memRow {
	n := MemFiles
	if b.quick {
		n /= 10
	}
	var rows []memRow
	for _, c := range pairCases {
		if c.memSide == nil || !b.has(c.tool) || (only != "" && !strings.Contains(c.name, only)) || b.ctx.Err() != nil {
			continue
		}
		r := memRow{name: c.names[0], files: n}
		big, err := b.bigRepo(kindMixed, n)
		var side sideFunc
		if err == nil {
			side, err = c.memSide(b, big)
		}
		if err == nil {
			cmd, done := side()
			r.wall, r.rss, err = b.timed(cmd, c.names[0])
			if done != nil {
				done()
			}
		}
		if err != nil {
			r.err = err.Error()
		}
		b.logf("  peak memory of %s on %d files: %.1f MiB", r.name, n, float64(r.rss)/(1<<20))
		rows = append(rows, r)
	}
	return rows
}
