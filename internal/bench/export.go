package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Exporting a release: deploy --tag --no-push (one cat-file --batch and
// one ls-tree per repo, files written in parallel, the proof written) of
// one repo of ExportFiles files, ExportBytes in all, against the serial
// "git archive | tar -x" it replaced.
const (
	ExportCase   = "deploy --no-push (export of one big repo)"
	ExportFiles  = 20_000
	ExportBig    = 200       // files of exportBigSize among them
	ExportBytes  = 200 << 20 // about
	ExportTarget = 0.5
	exportRuns   = 3
	exportTag    = "DEPLOY_20270101_000000_0000000"
	exportSmall  = (ExportBytes / 2) / (ExportFiles - ExportBig)
	exportBig    = (ExportBytes / 2) / ExportBig
)

// expRow is the result, reported in its own section.
type expRow struct {
	files             int
	bytes             int64
	tool, base        time.Duration
	rss, baseRSS      int64
	err               string
	when, load        string
	toolRuns, baseRun []time.Duration
}

// exportFixture makes base/app: ExportFiles files of random bytes (100 a
// folder, ExportBig of them big, a few executable, a few symlinks),
// stored uncompressed in one pack, tagged as a deploy tag whose message
// holds its manifest.
func (b *Bench) exportFixture() (base string, size int64, err error) {
	dir := filepath.Join(b.tmp, "export-bench")
	base = filepath.Join(dir, "base")
	repo := filepath.Join(base, "app")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return "", 0, err
	}
	if err := b.gitCmd(dir, nil, "init", "-q", repo); err != nil {
		return "", 0, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, exportBig)
	for i := range ExportFiles {
		n := exportSmall/2 + rng.IntN(exportSmall)
		if i%(ExportFiles/ExportBig) == 0 {
			n = exportBig
		}
		for j := range buf[:n] {
			buf[j] = byte(rng.Uint32())
		}
		p := filepath.Join(repo, fmt.Sprintf("d%03d", i/100), fmt.Sprintf("f%05d.dat", i))
		if i%100 == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return "", 0, err
			}
		}
		mode := os.FileMode(0o644)
		if i%500 == 1 {
			mode = 0o755
		}
		if err := os.WriteFile(p, buf[:n], mode); err != nil {
			return "", 0, err
		}
		size += int64(n)
		if i%1000 == 2 {
			if err := os.Symlink(filepath.Base(p), p+".link"); err != nil {
				return "", 0, err
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
		if err := b.gitCmd(repo, nil, args...); err != nil {
			return "", 0, err
		}
	}
	c := b.cmd("git", "rev-parse", "HEAD")
	c.Dir, c.Env = repo, b.env
	out, err := c.Output()
	if err != nil {
		return "", 0, err
	}
	head := strings.TrimSpace(string(out))
	man := fmt.Sprintf("app  %s\n", head)
	return base, size, b.gitCmd(repo, nil, "tag", "-a", "-m", exportTag+"\n\n"+man, exportTag)
}

// exportBench times deploy and the baseline in turn, exportRuns times each
// after one untimed run of each (page cache), each into a fresh folder
// removed afterwards (untimed), and reads each one's peak memory with GNU
// time.
func (b *Bench) exportBench() (r expRow) {
	r = expRow{files: ExportFiles, when: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	loadStart := loadavg()
	defer func() { r.load = loadStart + " at the start, " + loadavg() + " at the end" }()
	b.logf("generating a repo of %d files, about %d MiB", ExportFiles, ExportBytes>>20)
	base, size, err := b.exportFixture()
	r.bytes = size
	if err != nil {
		r.err = err.Error()
		return r
	}
	outs := filepath.Join(b.tmp, "export-bench", "out")
	seq := 0
	tool := func() (*exec.Cmd, string) {
		seq++
		root := filepath.Join(outs, fmt.Sprint(seq))
		cmd := b.cmd(timeBin, "-f", "%M", filepath.Join(b.bin, "deploy"), "--environment", "bench", "--tag", exportTag,
			"--basedir", base, "--root", root, "--no-push")
		cmd.Env = b.env
		return cmd, root
	}
	baseline := func() (*exec.Cmd, string) {
		seq++
		dest := filepath.Join(outs, fmt.Sprint(seq))
		cmd := b.cmd(timeBin, "-f", "%M", "bash", "-c", `mkdir -p "$2/app" && git -C "$1" archive "$3" | tar -x -C "$2/app"`,
			"bash", filepath.Join(base, "app"), dest, exportTag)
		cmd.Env = b.env
		return cmd, dest
	}
	once := func(mk func() (*exec.Cmd, string)) (time.Duration, int64, error) {
		cmd, dest := mk()
		defer os.RemoveAll(dest)
		var stderr strings.Builder
		cmd.Stdout = nil
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return 0, 0, fmt.Errorf("%v: %v\n%s", cmd.Args[3:], err, firstLines(stderr.String(), 5))
		}
		var kib int64
		sc := bufio.NewScanner(strings.NewReader(stderr.String()))
		for sc.Scan() {
			fmt.Sscan(sc.Text(), &kib)
		}
		return d, kib * 1024, nil
	}
	sides := []func() (*exec.Cmd, string){tool, baseline}
	var times [2][]time.Duration
	for run := -1; run < exportRuns; run++ {
		for k := range sides {
			i := (k + max(run, 0)) % 2
			d, rss, err := once(sides[i])
			if err != nil {
				r.err = err.Error()
				return r
			}
			if run < 0 {
				continue // warming the page cache
			}
			times[i] = append(times[i], d)
			if i == 0 {
				r.rss = max(r.rss, rss)
			} else {
				r.baseRSS = max(r.baseRSS, rss)
			}
		}
	}
	r.toolRuns, r.baseRun = times[0], times[1]
	r.tool, r.base = median(times[0]), median(times[1])
	b.logf("  %s: %.3f s against %.3f s = %.2f, peak %.1f MiB", ExportCase, r.tool.Seconds(), r.base.Seconds(),
		r.tool.Seconds()/r.base.Seconds(), float64(r.rss)/(1<<20))
	return r
}

func (r expRow) section() string {
	var s strings.Builder
	fmt.Fprintf(&s, "## Exporting a release\n\n`%s`: one repo of %d files, %.0f MiB (random bytes,\n"+
		"in one uncompressed pack, 100 files a folder, %d of them %.1f MiB, a few executable, a few symlinks), deployed\n"+
		"with `deploy --tag T --no-push` into a fresh root (tag check, export, proof, install, switch, log);\n"+
		"against `git archive T | tar -x` of the same repo into a fresh folder. Each side ran once untimed\n"+
		"(page cache), then %d times in turn; medians. Measured %s; load averages (1, 5, 15 min) %s\n"+
		"(the machine is shared).\n\n",
		ExportCase, r.files, float64(r.bytes)/(1<<20), ExportBig, float64(exportBig)/(1<<20), exportRuns, r.when, r.load)
	s.WriteString("| deploy median | git archive \\| tar -x median | ratio | target | deploy peak RSS | git archive \\| tar peak RSS |\n|---:|---:|---:|---|---:|---:|\n")
	if r.err != "" {
		fmt.Fprintf(&s, "| | | | FAILED: %s | | |\n", strings.ReplaceAll(firstLines(r.err, 2), "\n", " "))
		return s.String()
	}
	ratio := r.tool.Seconds() / r.base.Seconds()
	verdict := fmt.Sprintf("≤ %.2f met", ExportTarget)
	if ratio > ExportTarget {
		verdict = fmt.Sprintf("≤ %.2f MISSED by %.0f%%", ExportTarget, (ratio/ExportTarget-1)*100)
	}
	mem := fmt.Sprintf("%.1f MiB", float64(r.rss)/(1<<20))
	if r.rss >= MemTarget {
		mem += " MISSED (< 64)"
	}
	fmt.Fprintf(&s, "| %.3f s | %.3f s | %.2f | %s | %s | %.1f MiB |\n", r.tool.Seconds(), r.base.Seconds(), ratio, verdict, mem,
		float64(r.baseRSS)/(1<<20))
	fmt.Fprintf(&s, "\nEvery run, in seconds: deploy %s; git archive | tar -x %s.\n", secs(r.toolRuns), secs(r.baseRun))
	return s.String()
}

func secs(ds []time.Duration) string {
	var p []string
	for _, d := range ds {
		p = append(p, fmt.Sprintf("%.2f", d.Seconds()))
	}
	return strings.Join(p, ", ")
}

// Markers around the section in the results file, so that -export alone
// replaces it and leaves the rest as the last full run wrote it.
const (
	exportStart = "<!-- release export: written by internal/bench -export -->"
	exportEnd   = "<!-- /release export -->"
)

// spliceSection puts a marked section into the results file at out,
// replacing the one there or, failing that, going before the notes (or at
// the end).
func spliceSection(out, start, end, section string) error {
	old, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	block := start + "\n" + section + end + "\n"
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

// runExport is -export: the export case alone, its section spliced into
// out.
func (b *Bench) runExport(out string) error {
	if !b.has("deploy") {
		return fmt.Errorf("%s is not built", filepath.Join(b.bin, "deploy"))
	}
	r := b.exportBench()
	sec := r.section()
	fmt.Print(sec)
	if out != "" {
		if err := spliceSection(out, exportStart, exportEnd, sec); err != nil {
			return err
		}
	}
	if r.err != "" {
		return fmt.Errorf("%s", r.err)
	}
	return nil
}
