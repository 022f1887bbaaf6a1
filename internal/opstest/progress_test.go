package opstest

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/scripttest"
)

// runTool runs a built tool with stdout to a pipe and stderr either to a
// pipe or, with tty, to a pseudo-terminal, and returns both streams.
func runTool(t *testing.T, env []string, tty bool, tool string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(scripttest.BinDir(), tool), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	if !tty {
		cmd.Stderr = &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, errb.String())
		}
		return out.String(), errb.String()
	}
	ptmx, pts, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pts
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	done := make(chan []byte)
	go func() {
		b, err := io.ReadAll(ptmx)
		if err != nil && !errors.Is(err, syscall.EIO) { // EIO: the terminal's last user is gone
			t.Errorf("reading the terminal: %v", err)
		}
		done <- b
	}()
	err = cmd.Wait()
	b := <-done
	if err != nil {
		t.Fatalf("%s %s: %v\n%q", tool, strings.Join(args, " "), err, b)
	}
	return out.String(), string(b)
}

func TestProgressOnTerminalOnly(t *testing.T) {
	env := gittest.Env(t)
	base := gittest.Repos(t, env, "alpha", "beta", "gamma")

	// On a terminal: a count, a bar and the repo, redrawn in place, then cleared.
	stdout, stderr := runTool(t, env, true, "tag_repos", "--basedir", base, "v1")
	if stdout != "alpha\nbeta\ngamma\n" {
		t.Errorf("stdout %q, want the repos", stdout)
	}
	for _, want := range []string{"\rtag_repos: checking [", "\rtag_repos: tagging [====================] 3/3 ", "] 1/3 "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("terminal shows no %q:\n%q", want, stderr)
		}
	}
	if !strings.HasSuffix(stderr, "\r\x1b[K") || strings.Contains(stderr, "\n") {
		t.Errorf("the progress line is not cleared at the end, or spans lines:\n%q", stderr)
	}

	stdout, stderr = runTool(t, env, true, "tag_for_deploy", "--time", "2026-11-25T14:25:01Z", base)
	for _, want := range []string{"tag_for_deploy: reading [", "tag_for_deploy: checking [", "tag_for_deploy: tagging [====================] 3/3 "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("terminal shows no %q:\n%q", want, stderr)
		}
	}
	if !strings.HasPrefix(stdout, "DEPLOY_20261125_142501_") {
		t.Errorf("stdout %q, want the tag", stdout)
	}

	// --quiet: nothing, even on a terminal.
	if _, stderr = runTool(t, env, true, "tag_repos", "--quiet", "--basedir", base, "v2"); stderr != "" {
		t.Errorf("--quiet still shows %q", stderr)
	}

	// Piped: not a byte of progress.
	if stdout, stderr = runTool(t, env, false, "tag_repos", "--basedir", base, "v3"); stderr != "" || stdout != "alpha\nbeta\ngamma\n" {
		t.Errorf("piped: stdout %q stderr %q, want the repos and nothing", stdout, stderr)
	}
	if _, stderr = runTool(t, env, false, "tag_for_deploy", "--time", "2026-11-25T14:25:02Z", base); stderr != "" {
		t.Errorf("piped tag_for_deploy printed %q", stderr)
	}
}

// TestProgressPushDeploy checks pushing, exporting and checking out:
// push_tag, deploy and checkout_deploy_tag draw on a terminal and stay
// silent piped.
func TestProgressPushDeploy(t *testing.T) {
	env := gittest.Env(t)
	base := gittest.Repos(t, env, "alpha", "beta", "gamma")
	remotes := t.TempDir()
	for _, r := range []string{"alpha", "beta", "gamma"} {
		bare := filepath.Join(remotes, r+".git")
		gittest.Git(t, env, remotes, "init", "-q", "--bare", bare)
		gittest.Git(t, env, filepath.Join(base, r), "remote", "add", "origin", bare)
	}
	env = append(env, "XDG_STATE_HOME="+t.TempDir())
	gittest.Git(t, env, filepath.Join(base, "alpha"), "tag", "-a", "-m", "v1", "v1")
	gittest.Git(t, env, filepath.Join(base, "beta"), "tag", "-a", "-m", "v1", "v1")
	gittest.Git(t, env, filepath.Join(base, "gamma"), "tag", "-a", "-m", "v1", "v1")

	stdout, stderr := runTool(t, env, true, "push_tag", "--basedir", base, "v1")
	if !strings.Contains(stderr, "\rpush_tag: pushing [====================] 3/3 ") || !strings.HasSuffix(stderr, "\r\x1b[K") {
		t.Errorf("push_tag on a terminal shows %q", stderr)
	}
	if stdout == "" {
		t.Error("push_tag printed no repo")
	}

	stdout, stderr = runTool(t, env, true, "deploy", "--environment", "qa", "--basedir", base, "--time", "2026-11-25T14:25:01Z")
	for _, step := range []string{"reading", "checking", "tagging", "pushing", "exporting"} {
		if want := "\rdeploy: " + step + " [====================] 3/3 "; !strings.Contains(stderr, want) {
			t.Errorf("deploy on a terminal shows no %q:\n%q", want, stderr)
		}
	}
	if !strings.HasPrefix(stdout, "DEPLOY_20261125_142501_") {
		t.Errorf("deploy printed %q, want the tag", stdout)
	}
	tag := strings.TrimSpace(stdout)

	_, stderr = runTool(t, env, true, "checkout_deploy_tag", "--basedir", base, tag)
	for _, step := range []string{"fetching", "checking out"} {
		if want := "\rcheckout_deploy_tag: " + step + " [====================] 3/3 "; !strings.Contains(stderr, want) {
			t.Errorf("checkout_deploy_tag on a terminal shows no %q:\n%q", want, stderr)
		}
	}
	if _, stderr = runTool(t, env, false, "checkout_deploy_tag", "--basedir", base, tag); stderr != "" {
		t.Errorf("piped checkout_deploy_tag printed %q", stderr)
	}

	if _, stderr = runTool(t, env, false, "push_tag", "--basedir", base, "v1"); stderr != "" {
		t.Errorf("piped push_tag printed %q", stderr)
	}
	if _, stderr = runTool(t, env, false, "deploy", "--environment", "qa", "--basedir", base, "--time", "2026-11-25T14:25:02Z"); stderr != "" {
		t.Errorf("piped deploy printed %q", stderr)
	}
}
