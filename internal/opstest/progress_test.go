package opstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"

	"github.com/deploytag/deploytag/internal/cmdline"
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

// ticking is env with progress written every millisecond where stderr is
// no terminal (the interval is settable for tests only): every step that
// starts a git process lasts longer than that.
func ticking(env []string) []string {
	return append(append([]string(nil), env...), cmdline.ProgressEveryVar+"=1ms")
}

// progressLines checks that stderr, written without a terminal, is only
// whole progress lines of tool ("TOOL: STEP: N/M repos, ..., 3s"), and
// returns the steps they name, each once.
func progressLines(t *testing.T, tool, stderr string) map[string]bool {
	t.Helper()
	line := regexp.MustCompile(`^` + tool + `: ([a-z ]+): (\d+/\d+ repos, )?(\d+ files?, )?(\d+\.\d [KMGT]iB, |\d+ B, )?\d+(h|m|s|ms)?[0-9ms]*$`)
	steps := map[string]bool{}
	if stderr != "" && !strings.HasSuffix(stderr, "\n") {
		t.Errorf("%s: stderr does not end in a newline: %q", tool, stderr)
	}
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("%s: %q is no progress line", tool, l)
			continue
		}
		steps[m[1]] = true
	}
	return steps
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

	// Piped: whole lines while a step runs (every millisecond here, ten
	// seconds for real), never a redraw; stdout the same.
	stdout, stderr = runTool(t, ticking(env), false, "tag_repos", "--basedir", base, "v3")
	if stdout != "alpha\nbeta\ngamma\n" {
		t.Errorf("piped: stdout %q, want the repos", stdout)
	}
	if steps := progressLines(t, "tag_repos", stderr); !steps["checking"] || !steps["tagging"] {
		t.Errorf("piped tag_repos wrote no line for checking or tagging:\n%s", stderr)
	}
	_, stderr = runTool(t, ticking(env), false, "tag_for_deploy", "--time", "2026-11-25T14:25:02Z", base)
	if steps := progressLines(t, "tag_for_deploy", stderr); !steps["reading"] || !steps["tagging"] {
		t.Errorf("piped tag_for_deploy wrote no line for reading or tagging:\n%s", stderr)
	}
	// --quiet: not a byte, piped either.
	if _, stderr = runTool(t, ticking(env), false, "tag_repos", "--quiet", "--basedir", base, "v4"); stderr != "" {
		t.Errorf("piped tag_repos --quiet printed %q", stderr)
	}
	// A step shorter than the interval (ten seconds, here an hour): nothing.
	if _, stderr = runTool(t, append(env, cmdline.ProgressEveryVar+"=1h"), false, "tag_repos", "--basedir", base, "v5"); stderr != "" {
		t.Errorf("piped tag_repos printed %q for steps shorter than the interval", stderr)
	}
}

// TestProgressPushDeploy checks pushing, exporting, unpacking, checking
// a release and checking out: push_tag, deploy and checkout_deploy_tag
// draw on a terminal, write lines piped, and nothing with --quiet.
func TestProgressPushDeploy(t *testing.T) {
	env := gittest.Env(t)
	base := gittest.Repos(t, env, "alpha", "beta", "gamma")
	// Enough files for the export's count to show.
	for i := range 300 {
		gittest.WriteFile(t, filepath.Join(base, "gamma"), fmt.Sprintf("lib/%03d.txt", i), strings.Repeat("gamma\n", 500+i), 0o644)
	}
	gittest.Git(t, env, filepath.Join(base, "gamma"), "add", "-A")
	gittest.Git(t, env, filepath.Join(base, "gamma"), "commit", "-q", "-m", "lib")
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
	_, stderr = runTool(t, ticking(env), false, "checkout_deploy_tag", "--basedir", base, tag)
	if steps := progressLines(t, "checkout_deploy_tag", stderr); !steps["fetching"] {
		t.Errorf("piped checkout_deploy_tag wrote no line for fetching:\n%s", stderr)
	}
	if _, stderr = runTool(t, ticking(env), false, "checkout_deploy_tag", "--quiet", "--basedir", base, tag); stderr != "" {
		t.Errorf("piped checkout_deploy_tag --quiet printed %q", stderr)
	}

	_, stderr = runTool(t, ticking(env), false, "push_tag", "--basedir", base, "v1")
	if steps := progressLines(t, "push_tag", stderr); !steps["pushing"] {
		t.Errorf("piped push_tag wrote no line for pushing:\n%s", stderr)
	}
	if _, stderr = runTool(t, ticking(env), false, "push_tag", "--quiet", "--basedir", base, "v1"); stderr != "" {
		t.Errorf("piped push_tag --quiet printed %q", stderr)
	}
	_, stderr = runTool(t, ticking(env), false, "deploy", "--environment", "qa", "--basedir", base, "--time", "2026-11-25T14:25:02Z")
	if steps := progressLines(t, "deploy", stderr); !steps["tagging"] || !steps["pushing"] || !steps["exporting"] {
		t.Errorf("piped deploy wrote no line for tagging, pushing or exporting:\n%s", stderr)
	}
	if !regexp.MustCompile(`(?m)^deploy: exporting: [0-3]/3 repos, \d+ files?, `).MatchString(stderr) {
		t.Errorf("piped deploy never counted the files exported:\n%s", stderr)
	}
	if _, stderr = runTool(t, ticking(env), false, "deploy", "--quiet", "--environment", "qa", "--basedir", base, "--time", "2026-11-25T14:25:03Z"); stderr != "" {
		t.Errorf("piped deploy --quiet printed %q", stderr)
	}

	// On a host: unpacking an artifact (bytes read) and checking the
	// release against its proof (repos checked).
	artifact := filepath.Join(t.TempDir(), "release.tar")
	runTool(t, env, false, "deploy", "--environment", "qa", "--basedir", base, "--tag", tag, "--artifact", artifact)
	host := append(ticking(env), "XDG_STATE_HOME="+t.TempDir())
	_, stderr = runTool(t, host, false, "deploy", "--environment", "qa", "--from-artifact", artifact)
	if steps := progressLines(t, "deploy", stderr); !steps["unpacking"] || !steps["checking"] {
		t.Errorf("piped deploy --from-artifact wrote no line for unpacking or checking:\n%s", stderr)
	}
	if !regexp.MustCompile(`(?m)^deploy: unpacking: \d+(\.\d [KMG]i)?B, `).MatchString(stderr) {
		t.Errorf("piped deploy --from-artifact never counted the bytes unpacked:\n%s", stderr)
	}
	_, stderr = runTool(t, host, false, "verify_deploy_tag", "--environment", "qa", tag)
	if steps := progressLines(t, "verify_deploy_tag", stderr); !steps["checking"] {
		t.Errorf("piped verify_deploy_tag --environment wrote no line for checking:\n%s", stderr)
	}
}
