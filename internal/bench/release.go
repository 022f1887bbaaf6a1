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

	"github.com/deploytag/deploytag/internal/releasetest"
)

// Verifying a release on its host (verify_deploy_tag --root, no repos, no
// git on PATH) against hashing the same files with coreutils: a release
// of ReleaseFiles files, ReleaseBytes in all, in one repo.
const (
	ReleaseCase   = "verify_deploy_tag --root (no repos)"
	ReleaseFiles  = 20_000
	ReleaseBig    = 200       // files of releaseBigSize among them
	ReleaseBytes  = 200 << 20 // about
	ReleaseTarget = 1.5
	releaseRuns   = 5
	releaseTag    = "DEPLOY_20270101_000000_0000000"
	releaseSmall  = (ReleaseBytes/2 - 0) / (ReleaseFiles - ReleaseBig)
	releaseBig    = (ReleaseBytes / 2) / ReleaseBig
)

// relRow is the result, reported in its own table.
type relRow struct {
	files       int
	bytes       int64
	tool, base  time.Duration
	rss         int64
	baseRSS     int64
	err         string
	ratioTarget float64
	when, load  string // date, and load averages at start and end
}

// releaseFixture makes a repo of ReleaseFiles files (random bytes, a few
// executable, a few symlinks, 100 files a folder), tags it as a deploy
// tag records a manifest, and writes its release and proof into
// root/releases/<tag> the way mkrelease does: git archive, then the raw
// objects from git. It returns the root and the release's byte count.
func (b *Bench) releaseFixture() (root string, size int64, err error) {
	dir := filepath.Join(b.tmp, "release-bench")
	repo := filepath.Join(dir, "base", "app")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return "", 0, err
	}
	if err := b.gitCmd(dir, nil, "init", "-q", repo); err != nil {
		return "", 0, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, releaseBig)
	for i := range ReleaseFiles {
		n := releaseSmall/2 + rng.IntN(releaseSmall)
		if i%(ReleaseFiles/ReleaseBig) == 0 {
			n = releaseBig
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
	for _, args := range [][]string{
		{"-c", "core.compression=0", "-c", "core.looseCompression=0", "add", "."},
		{"commit", "-q", "-m", "files"},
	} {
		if err := b.gitCmd(repo, nil, args...); err != nil {
			return "", 0, err
		}
	}
	head, err := b.gitOut(repo, "rev-parse", "HEAD")
	if err != nil {
		return "", 0, err
	}
	man := fmt.Sprintf("app  %s\n", head)
	if err := b.gitCmd(repo, nil, "tag", "-a", "-m", releaseTag+"\n\n"+man, releaseTag); err != nil {
		return "", 0, err
	}
	root = filepath.Join(dir, "root")
	rel := filepath.Join(root, "releases", releaseTag)
	if err := os.MkdirAll(filepath.Join(rel, "app"), 0o755); err != nil {
		return "", 0, err
	}
	cmd := b.cmd("bash", "-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "bash", repo, releaseTag, filepath.Join(rel, "app"))
	if err := b.run1(cmd); err != nil {
		return "", 0, err
	}
	git := func(args ...string) ([]byte, error) {
		c := b.cmd("git", args...)
		c.Dir, c.Env = repo, b.env
		return c.Output()
	}
	if err := releasetest.WriteProof(git, rel, "app", releaseTag); err != nil {
		return "", 0, err
	}
	for name, content := range map[string]string{"DEPLOY_TAG": releaseTag + "\n", "DEPLOY_MANIFEST": man} {
		if err := os.WriteFile(filepath.Join(rel, name), []byte(content), 0o644); err != nil {
			return "", 0, err
		}
	}
	return root, size, os.Symlink(filepath.Join("releases", releaseTag), filepath.Join(root, "current"))
}

func (b *Bench) gitOut(dir string, args ...string) (string, error) {
	cmd := b.cmd("git", args...)
	cmd.Dir, cmd.Env = dir, b.env
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// releaseBench times the tool and the baseline in turn, releaseRuns times
// each after one untimed run of each (to fill the page cache for both),
// and reads each one's peak memory with GNU time.
func (b *Bench) releaseBench() (r relRow) {
	r = relRow{files: ReleaseFiles, ratioTarget: ReleaseTarget, when: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	loadStart := loadavg()
	defer func() { r.load = loadStart + " at the start, " + loadavg() + " at the end" }()
	b.logf("generating a release of %d files, about %d MiB", ReleaseFiles, ReleaseBytes>>20)
	root, size, err := b.releaseFixture()
	r.bytes = size
	if err != nil {
		r.err = err.Error()
		return r
	}
	host := filepath.Join(b.tmp, "release-bench", "host")
	hostBin := filepath.Join(host, "bin")
	if err := os.MkdirAll(hostBin, 0o755); err != nil {
		r.err = err.Error()
		return r
	}
	if err := os.Symlink(filepath.Join(b.bin, "verify_deploy_tag"), filepath.Join(hostBin, "verify_deploy_tag")); err != nil {
		r.err = err.Error()
		return r
	}
	tool := func() *exec.Cmd {
		cmd := b.cmd(timeBin, "-f", "%M", "verify_deploy_tag", "--root", root)
		cmd.Dir = host
		cmd.Env = []string{"PATH=" + hostBin, "HOME=" + host} // no git, no repos
		return cmd
	}
	base := func() *exec.Cmd {
		cmd := b.cmd(timeBin, "-f", "%M", "bash", "-c", "find . -type f -print0 | xargs -0 sha1sum >/dev/null")
		cmd.Dir = filepath.Join(root, "current", "app")
		cmd.Env = b.env
		return cmd
	}
	once := func(mk func() *exec.Cmd) (time.Duration, int64, error) {
		cmd := mk()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return 0, 0, fmt.Errorf("%v: %v\n%s", cmd.Args[3:], err, firstLines(stderr.String(), 5))
		}
		// GNU time prints %M last, after the command's own stderr.
		var kib int64
		sc := bufio.NewScanner(strings.NewReader(stderr.String()))
		for sc.Scan() {
			fmt.Sscan(sc.Text(), &kib)
		}
		return d, kib * 1024, nil
	}
	sides := []func() *exec.Cmd{tool, base}
	var times [2][]time.Duration
	for run := -1; run < releaseRuns; run++ {
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
	r.tool, r.base = median(times[0]), median(times[1])
	b.logf("  %s: %.3f s against %.3f s = %.2f, peak %.1f MiB", ReleaseCase, r.tool.Seconds(), r.base.Seconds(),
		r.tool.Seconds()/r.base.Seconds(), float64(r.rss)/(1<<20))
	return r
}

func (r relRow) section() string {
	var s strings.Builder
	fmt.Fprintf(&s, "## Verifying a release on its host\n\n`%s`: a release of %d files, %.0f MiB (random bytes,\n"+
		"100 files a folder, %d of them %.1f MiB, a few executable, a few symlinks) with its proof, checked\n"+
		"from a folder with no repos and only the tool on PATH; against `find . -type f -print0 | xargs -0 sha1sum`\n"+
		"over the same files. Each side ran once untimed (page cache), then %d times in turn; medians.\n"+
		"Measured %s; load averages (1, 5, 15 min) %s (the machine is shared).\n\n",
		ReleaseCase, r.files, float64(r.bytes)/(1<<20), ReleaseBig, float64(releaseBig)/(1<<20), releaseRuns, r.when, r.load)
	s.WriteString("| tool median | find \\| xargs sha1sum median | ratio | target | tool peak RSS | sha1sum peak RSS |\n|---:|---:|---:|---|---:|---:|\n")
	if r.err != "" {
		fmt.Fprintf(&s, "| | | | FAILED: %s | | |\n", strings.ReplaceAll(firstLines(r.err, 2), "\n", " "))
		return s.String()
	}
	ratio := r.tool.Seconds() / r.base.Seconds()
	verdict := fmt.Sprintf("≤ %.2f met", r.ratioTarget)
	if ratio > r.ratioTarget {
		verdict = fmt.Sprintf("≤ %.2f MISSED by %.0f%%", r.ratioTarget, (ratio/r.ratioTarget-1)*100)
	}
	mem := fmt.Sprintf("%.1f MiB", float64(r.rss)/(1<<20))
	if r.rss >= MemTarget {
		mem += " MISSED (< 64)"
	}
	fmt.Fprintf(&s, "| %.3f s | %.3f s | %.2f | %s | %s | %.1f MiB |\n", r.tool.Seconds(), r.base.Seconds(), ratio, verdict, mem,
		float64(r.baseRSS)/(1<<20))
	return s.String()
}

// Markers around the section in the results file, so that -release alone
// replaces it and leaves the rest as the last full run wrote it.
const (
	releaseStart = "<!-- release verify: written by internal/bench -release -->"
	releaseEnd   = "<!-- /release verify -->"
)

// spliceRelease puts the section into the results file at out, replacing
// the one there or, failing that, going before the notes (or at the end).
func spliceRelease(out, section string) error {
	old, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	block := releaseStart + "\n" + section + releaseEnd + "\n"
	s := string(old)
	switch i, j := strings.Index(s, releaseStart), strings.Index(s, releaseEnd); {
	case i >= 0 && j > i:
		s = s[:i] + block + s[j+len(releaseEnd)+1:]
	case strings.Contains(s, notesMarker):
		k := strings.Index(s, notesMarker)
		s = s[:k] + block + "\n" + s[k:]
	default:
		s += "\n" + block
	}
	return os.WriteFile(out, []byte(s), 0o644)
}

// runRelease is -release: the release case alone, its section spliced
// into out.
func (b *Bench) runRelease(out string) error {
	if !b.has("verify_deploy_tag") {
		return fmt.Errorf("%s is not built", filepath.Join(b.bin, "verify_deploy_tag"))
	}
	r := b.releaseBench()
	sec := r.section()
	fmt.Print(sec)
	if out != "" {
		if err := spliceRelease(out, sec); err != nil {
			return err
		}
	}
	if r.err != "" {
		return fmt.Errorf("%s", r.err)
	}
	return nil
}
