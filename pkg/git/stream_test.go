package git

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/testneed"
)

// The pipelines to a long-lived git (cat-file --batch, ls-tree) end in
// both directions, against a real git: when this side's context ends
// while a write waits on git's full stdin, or a read on git's silent
// stdout; and when git dies while this side waits on it. Each blocked
// call must return within a safety deadline (a call still blocked then
// has hung), and no git may be left running.

// bigBlobRepo makes a repo holding one blob of 1 MiB, and returns it and
// the blob: git's answer to one request fills every pipe buffer.
func bigBlobRepo(t *testing.T) (dir, blob string) {
	t.Helper()
	dir = gitInit(t)
	cmd := exec.Command("git", "-C", dir, "hash-object", "-w", "--stdin")
	cmd.Stdin = strings.NewReader(strings.Repeat("0123456789abcdef", 1<<16))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return dir, strings.TrimSpace(string(out))
}

// wideTree makes a repo whose commit lists 3,000 files, more than a pipe
// holds, and returns it and the commit.
func wideTree(t *testing.T) (dir, commit string) {
	t.Helper()
	dir, blob := bigBlobRepo(t)
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, "100644 blob %s\tfile-with-a-long-name-%04d\n", blob, i)
	}
	run := func(stdin string, args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(args, err)
		}
		return strings.TrimSpace(string(out))
	}
	tree := run(in.String(), "mktree")
	return dir, run("", "commit-tree", "-m", "wide", tree)
}

// within waits for done, failing the test if it has not come by the
// safety deadline.
func within(t *testing.T, what string, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still blocked 30s later: hung", what)
		return nil
	}
}

// gitsIn lists the live processes whose command line names dir.
func gitsIn(t *testing.T, dir string) string {
	t.Helper()
	testneed.Need(t, "pgrep")
	out, _ := exec.Command("pgrep", "-f", "-a", dir).Output()
	return strings.TrimSpace(string(out))
}

// gitPid is the pid of the one git running in dir.
func gitPid(t *testing.T, dir string) int {
	t.Helper()
	testneed.Need(t, "pgrep")
	for range 500 {
		out, _ := exec.Command("pgrep", "-f", dir).Output()
		if f := strings.Fields(string(out)); len(f) == 1 {
			pid, _ := strconv.Atoi(f[0])
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no single git in %s: %s", dir, gitsIn(t, dir))
	return 0
}

// flood asks cf for blob again and again, never reading an answer, until
// a Flush fails (once the pipes are full, a Flush blocks until then); it
// reports how many requests went out on sent.
func flood(cf *CatFile, blob string, sent chan<- int) error {
	for i := 1; ; i++ {
		if err := cf.Request(blob); err != nil {
			return err
		}
		if err := cf.Flush(); err != nil {
			return err
		}
		select {
		case sent <- i:
		default:
		}
	}
}

func TestCatFileCancelledWhileWritingToAFullPipe(t *testing.T) {
	t.Parallel()
	dir, blob := bigBlobRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cf, err := newRunner(t, nil).CatFile(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan int, 1)
	done := make(chan error, 1)
	go func() { done <- flood(cf, blob, sent) }()
	// One request is through: git writes its answer, which nobody
	// reads, and the requests fill its stdin (a pipe holds 4 to 64 KiB).
	<-sent
	cancel() // the writer is blocked on git's full stdin, or soon will be
	err = within(t, "Flush after cancel", done)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "git cat-file in "+dir+": interrupted") {
		t.Errorf("Flush after cancel = %v, want git cat-file interrupted", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- cf.Close() }()
	within(t, "Close after cancel", closed)
	if left := gitsIn(t, dir); left != "" {
		t.Errorf("git left running: %s", left)
	}
}

func TestCatFileCancelledWhileReadingASilentPipe(t *testing.T) {
	t.Parallel()
	dir, blob := bigBlobRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cf, err := newRunner(t, nil).CatFile(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// The request stays in this side's buffer: git waits for a request,
	// Next for an answer.
	if err := cf.Request(blob); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := cf.Next(); done <- err }()
	gitPid(t, dir)
	cancel()
	err = within(t, "Next after cancel", done)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Next after cancel = %v, want interrupted", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- cf.Close() }()
	within(t, "Close after cancel", closed)
	if left := gitsIn(t, dir); left != "" {
		t.Errorf("git left running: %s", left)
	}
}

func TestCatFileDiesWhileWritingAndReading(t *testing.T) {
	t.Parallel()
	for _, side := range []string{"writing", "reading"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			dir, blob := bigBlobRepo(t)
			cf, err := newRunner(t, nil).CatFile(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			if side == "writing" {
				sent := make(chan int, 1)
				go func() { done <- flood(cf, blob, sent) }()
				<-sent
			} else {
				if err := cf.Request(blob); err != nil {
					t.Fatal(err)
				}
				go func() { _, err := cf.Next(); done <- err }()
			}
			if err := syscall.Kill(gitPid(t, dir), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if err := within(t, side+" when git died", done); err == nil {
				t.Errorf("%s when git died: no error", side)
			}
			closed := make(chan error, 1)
			go func() { closed <- cf.Close() }()
			var ge *Error
			if err := within(t, "Close when git died", closed); !errors.As(err, &ge) || ge.ExitCode != -1 {
				t.Errorf("Close when git died = %#v, want a *git.Error of a killed git", err)
			}
		})
	}
}

func TestWalkTreeCancelledWhileGitWaitsToWrite(t *testing.T) {
	t.Parallel()
	dir, commit := wideTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan struct{})
	done := make(chan error, 1)
	n := 0
	go func() {
		done <- newRunner(t, nil).WalkTree(ctx, dir, commit, func(TreeEntry) error {
			if n++; n == 1 {
				close(first)
				<-ctx.Done() // git fills the pipe meanwhile; the caller does not say it stopped
			}
			return nil
		})
	}()
	<-first
	cancel()
	err := within(t, "WalkTree after cancel", done)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "git ls-tree in "+dir+": interrupted") {
		t.Errorf("WalkTree after cancel = %v, want git ls-tree interrupted", err)
	}
	// The pipe was cut at the cancel: what git had written into it is
	// not read (a pipe holds far fewer than the 3,000 entries).
	if n >= 3000 {
		t.Errorf("fn saw %d entries after the cancel: the listing was read to its end", n)
	}
	if left := gitsIn(t, dir); left != "" {
		t.Errorf("git left running: %s", left)
	}
}

func TestWalkTreeGitDiesMidListing(t *testing.T) {
	t.Parallel()
	dir, commit := wideTree(t)
	first := make(chan struct{})
	killed := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		n := 0
		done <- newRunner(t, nil).WalkTree(context.Background(), dir, commit, func(TreeEntry) error {
			if n++; n == 1 {
				close(first)
				<-killed
			}
			return nil
		})
	}()
	<-first
	if err := syscall.Kill(gitPid(t, dir), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(killed)
	err := within(t, "WalkTree when git died", done)
	var ge *Error
	if !errors.As(err, &ge) {
		t.Errorf("WalkTree when git died mid-listing = %v, want a *git.Error (a cut listing is no listing)", err)
	}
}
