package git

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/testneed"
)

func newRunner(t *testing.T, env []string) *Runner {
	t.Helper()
	r, err := New(context.Background(), Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func gitInit(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("git", "init", "-q", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	return dir
}

// A caller's GIT_DIR must not redirect the runner from -C.
func TestRunnerIgnoresCallerGitDir(t *testing.T) {
	t.Parallel()
	a, b := gitInit(t), gitInit(t)
	r := newRunner(t, append(os.Environ(), "GIT_DIR="+filepath.Join(b, ".git"), "GIT_WORK_TREE="+b))
	out, err := r.Run(context.Background(), a, "rev-parse", "--absolute-git-dir")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(filepath.Join(a, ".git"))
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("git dir = %s, want %s", got, want)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	r := newRunner(t, nil)
	dir := t.TempDir()
	_, err := r.Resolve(context.Background(), dir, "HEAD")
	if !errors.Is(err, ErrNotARepo) {
		t.Fatalf("Resolve outside a repo = %v, want ErrNotARepo", err)
	}
	var ge *Error
	if !errors.As(err, &ge) || ge.ExitCode != 128 || ge.Dir != dir {
		t.Fatalf("not a *git.Error with exit 128: %#v", err)
	}
	if !strings.HasPrefix(err.Error(), "not a git repository: git cat-file in "+dir+": ") {
		t.Fatalf("message = %q", err.Error())
	}
}

func TestCreateTagNeverReplaces(t *testing.T) {
	t.Parallel()
	dir := gitInit(t)
	r := newRunner(t, append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t"))
	ctx := context.Background()
	if _, err := r.Run(ctx, dir, "commit", "-q", "--allow-empty", "-m", "one"); err != nil {
		t.Fatal(err)
	}
	one, _ := r.Resolve(ctx, dir, "HEAD")
	if _, err := r.Run(ctx, dir, "commit", "-q", "--allow-empty", "-m", "two"); err != nil {
		t.Fatal(err)
	}
	two, _ := r.Resolve(ctx, dir, "HEAD")
	if err := r.CreateTag(ctx, dir, TagOptions{Name: "T", Commit: one[0].Oid, Message: "T\n"}); err != nil {
		t.Fatal(err)
	}
	err := r.CreateTag(ctx, dir, TagOptions{Name: "T", Commit: two[0].Oid, Message: "T\n"})
	if !errors.Is(err, ErrTagExists) {
		t.Fatalf("second CreateTag = %v, want ErrTagExists", err)
	}
	objs, _ := r.Resolve(ctx, dir, "refs/tags/T", "refs/tags/T^{commit}")
	if objs[1].Oid != one[0].Oid {
		t.Fatal("the tag moved")
	}
	// DeleteTagAt refuses when the tag is not at the object given.
	if err := r.DeleteTagAt(ctx, dir, "T", two[0].Oid); err == nil {
		t.Fatal("DeleteTagAt deleted a tag pointing elsewhere")
	}
	if err := r.DeleteTagAt(ctx, dir, "T", objs[0].Oid); err != nil {
		t.Fatal(err)
	}
}

// A network step past its deadline returns a timeout error quickly and
// leaves no git process behind.
func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	t.Parallel()
	testneed.Need(t, "pgrep")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	r := newRunner(t, nil)
	url := "git://" + l.Addr().String() + "/hung.git"
	start := time.Now()
	_, err = r.Do(context.Background(), Call{Args: []string{"ls-remote", "--", url}, Timeout: 500 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline", err)
	}
	if !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("message %q does not say it timed out", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
	out, _ := exec.Command("pgrep", "-f", l.Addr().String()).Output()
	if len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("git processes left behind: %s", out)
	}
}
