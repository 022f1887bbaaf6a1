package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/deploytag/deploytag/internal/releasetest"
)

// Fixture is a basedir of N repos, each with a bare remote, a short
// history and Tags existing annotated deploy tags, all packed (as in a
// long-lived repo after gc).
type Fixture struct {
	N, Tags int
	Root    string // holds base/ and remotes/
	Base    string
	Remotes string
}

// gitCmd runs git in dir, in the sealed environment of the benchmark.
func (b *Bench) gitCmd(dir string, stdin []byte, args ...string) error {
	cmd := b.cmd("git", args...)
	cmd.Dir = dir
	cmd.Env = b.env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return nil
}

// gitIn runs git in dir, in the sealed environment, and returns its
// stdout.
func (b *Bench) gitIn(dir string) releasetest.Git {
	return func(args ...string) ([]byte, error) {
		cmd := b.cmd("git", args...)
		cmd.Dir, cmd.Env = dir, b.env
		return cmd.Output()
	}
}

func (b *Bench) gitOut(dir string, args ...string) (string, error) {
	out, err := b.gitIn(dir)(args...)
	return strings.TrimSpace(string(out)), err
}

// template makes (once per tag count) a work tree and a bare clone to copy.
func (b *Bench) template(tags int) (work, bare string, err error) {
	work = filepath.Join(b.tmp, fmt.Sprintf("template-%d", tags))
	bare = work + ".git"
	if _, err := os.Stat(bare); err == nil {
		return work, bare, nil
	}
	if err := b.gitCmd(b.tmp, nil, "init", "-q", work); err != nil {
		return "", "", err
	}
	if err := b.gitCmd(work, fastImport(tags), "fast-import", "--quiet"); err != nil {
		return "", "", err
	}
	for _, args := range [][]string{
		{"reset", "-q", "--hard", "main"},
		{"pack-refs", "--all"},
		{"clone", "-q", "--bare", "--no-local", work, bare},
	} {
		if err := b.gitCmd(work, nil, args...); err != nil {
			return "", "", err
		}
	}
	return work, bare, b.gitCmd(bare, nil, "pack-refs", "--all")
}

// fastImport is a stream of 5 commits on main touching 20 files, then
// tags annotated deploy tags (names sorted by time, messages holding a
// 12-repo manifest, as deploytag writes them) on those commits.
func fastImport(tags int) []byte {
	var s bytes.Buffer
	data := func(b string) { fmt.Fprintf(&s, "data %d\n%s\n", len(b), b) }
	when := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := 1; c <= 5; c++ {
		fmt.Fprintf(&s, "commit refs/heads/main\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\n", c, when.Unix()+int64(c))
		data(fmt.Sprintf("change %d", c))
		if c > 1 {
			fmt.Fprintf(&s, "from :%d\n", c-1)
		}
		for f := 0; f < 20; f++ {
			if c == 1 || f%10 == c {
				fmt.Fprintf(&s, "M 100644 inline src/file%02d.txt\n", f)
				data(strings.Repeat(fmt.Sprintf("line %d of file %d, version %d\n", f, f, c), 40))
			}
		}
		s.WriteString("\n")
	}
	for i := 0; i < tags; i++ {
		at := when.Add(time.Duration(i) * 3 * time.Hour)
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		name := fmt.Sprintf("DEPLOY_%s_%x", at.Format("20060102_150405"), sum[:4])[:len("DEPLOY_20200101_000000_")+7]
		var msg strings.Builder
		msg.WriteString(name + "\n\n")
		for r := 0; r < 12; r++ {
			h := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", i, r)))
			fmt.Fprintf(&msg, "repo-%02d  %x\n", r, h[:20])
		}
		fmt.Fprintf(&s, "tag %s\nfrom :%d\ntagger Bench <bench@example.com> %d +0000\n", name, 1+i%5, at.Unix())
		data(msg.String())
	}
	return s.Bytes()
}

// fixture makes a basedir of n repos with tags existing tags each, once:
// a second call returns the first one's.
func (b *Bench) fixture(n, tags int) (*Fixture, error) {
	if f := b.fixtures[[2]int{n, tags}]; f != nil {
		return f, nil
	}
	f, err := b.newFixture(n, tags)
	if err != nil {
		return nil, err
	}
	if b.fixtures == nil {
		b.fixtures = map[[2]int]*Fixture{}
	}
	b.fixtures[[2]int{n, tags}] = f
	return f, nil
}

// newFixture makes the basedir and remotes of a fixture.
func (b *Bench) newFixture(n, tags int) (*Fixture, error) {
	work, bare, err := b.template(tags)
	if err != nil {
		return nil, err
	}
	f := &Fixture{N: n, Tags: tags, Root: filepath.Join(b.tmp, fmt.Sprintf("n%d-t%d", n, tags))}
	f.Base = filepath.Join(f.Root, "base")
	f.Remotes = filepath.Join(f.Root, "remotes")
	for _, d := range []string{f.Base, f.Remotes} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	return f, parallel(n, 4, func(i int) error {
		name := fmt.Sprintf("r%04d", i+1)
		repo, remote := filepath.Join(f.Base, name), filepath.Join(f.Remotes, name+".git")
		for _, cp := range [][2]string{{work, repo}, {bare, remote}} {
			if out, err := b.cmd("cp", "-a", cp[0], cp[1]).CombinedOutput(); err != nil {
				return fmt.Errorf("cp -a %s %s: %v\n%s", cp[0], cp[1], err, out)
			}
		}
		rel, err := filepath.Rel(b.tmp, remote)
		if err != nil {
			return err
		}
		cfg, err := os.OpenFile(filepath.Join(repo, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(cfg, "[remote \"origin\"]\n\turl = %s\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n", remote)
		fmt.Fprintf(cfg, "[remote \"daemon\"]\n\turl = git://%s/%s\n\tfetch = +refs/heads/*:refs/remotes/daemon/*\n", b.daemonAddr, filepath.ToSlash(rel))
		if err := cfg.Close(); err != nil {
			return err
		}
		// The copy has new inodes: refresh the index once, as any work
		// tree in use has been.
		return b.gitCmd(repo, nil, "status", "--porcelain")
	})
}

// parallel runs fn(0..n-1) on at most jobs goroutines and returns the
// first error.
func parallel(n, jobs int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
