package githttp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPushCloneAuthFail(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if out, err := git(t, root, "init", "-q", "--bare", "a.git"); err != nil {
		t.Fatal(out)
	}
	s := New(t, root, Options{})
	work := filepath.Join(t.TempDir(), "w")
	for _, args := range [][]string{{"init", "-q", work}, {"-C", work, "commit", "-q", "--allow-empty", "-m", "x"}} {
		if out, err := git(t, t.TempDir(), args...); err != nil {
			t.Fatal(out)
		}
	}
	if out, err := git(t, work, "push", "-q", s.AuthURL("a.git"), "HEAD:refs/heads/main"); err != nil {
		t.Fatalf("push: %s", out)
	}
	if out, err := git(t, work, "ls-remote", s.AuthURL("a.git")); err != nil || !strings.Contains(out, "refs/heads/main") {
		t.Fatalf("ls-remote after push: %s (%v)", out, err)
	}
	if out, err := git(t, work, "ls-remote", s.RepoURL("a.git")); err == nil || !strings.Contains(out, "could not read Username") {
		t.Fatalf("no credentials: %s (%v)", out, err)
	}
	wrong := strings.Replace(s.AuthURL("a.git"), s.Password, "wrong", 1)
	if out, err := git(t, work, "ls-remote", wrong); err == nil || !strings.Contains(out, "Authentication failed") {
		t.Fatalf("wrong password: %s (%v)", out, err)
	}
	for status, want := range map[int]string{403: "403", 404: "not found", 500: "500"} {
		s.Fail("/a.git", status)
		if out, err := git(t, work, "ls-remote", s.AuthURL("a.git")); err == nil || !strings.Contains(out, want) {
			t.Errorf("status %d: %s (%v)", status, out, err)
		}
	}
	s.Fail("/a.git", 0)
	s.Stop()
	if out, err := git(t, work, "ls-remote", s.AuthURL("a.git")); err == nil || !strings.Contains(out, "Failed to connect") {
		t.Fatalf("after Stop: %s (%v)", out, err)
	}
}
