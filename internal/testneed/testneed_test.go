package testneed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pathOf makes a folder holding an executable for each name in present,
// and a file that is not executable for each in plain, and returns it.
func pathOf(t *testing.T, present, plain []string) string {
	dir := t.TempDir()
	for _, n := range present {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range plain {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheck(t *testing.T) {
	path := pathOf(t, []string{"zsh", "git"}, []string{"rpm"})
	for _, tc := range []struct {
		name     string
		ci, all  string
		path     string
		programs []string
		reason   string // a regexp; "" means nothing is missing
		fail     bool
	}{
		{"all present", "", "", path, []string{"zsh", "git"}, "", false},
		{"missing: skipped", "", "", path, []string{"zsh", "ansible-playbook"},
			`^skipped: needs ansible-playbook: not found \(Debian: ansible-core; scripts/test-deps.sh installs what the tests drive\)$`, false},
		{"not executable counts as missing", "", "", path, []string{"rpm"}, `^skipped: needs rpm: not found \(Debian: rpm;`, false},
		{"each missing one named, each package once", "", "", path, []string{"ssh", "zsh", "ssh-keygen"},
			`^skipped: needs ssh, ssh-keygen: not found \(Debian: openssh-client;`, false},
		{"unknown program: no package", "", "", path, []string{"no-such-program"}, `^skipped: needs no-such-program: not found$`, false},
		{"CI=true fails", "true", "", path, []string{"chromium"}, `^needs chromium: not found \(Debian: chromium; .*\); a failure, not a skip, with CI=true or DEPLOYTAG_TEST_ALL=1$`, true},
		{"DEPLOYTAG_TEST_ALL=1 fails", "", "1", path, []string{"chromium"}, `^needs chromium: `, true},
		{"CI=false skips", "false", "0", path, []string{"chromium"}, `^skipped: needs chromium`, false},
		{"git is never optional", "", "", pathOf(t, nil, nil), []string{"git"}, `^needs git: not found \(Debian: git; .*\); git is never optional$`, true},
		{"a path with a slash", "", "", path, []string{filepath.Join(path, "zsh")}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv(AllVar, tc.all)
			t.Setenv("CHROMIUM", "")
			reason, fail := Check(tc.path, tc.programs...)
			if tc.reason == "" {
				if reason != "" {
					t.Fatalf("Check = %q, want nothing missing", reason)
				}
				return
			}
			if !regexp.MustCompile(tc.reason).MatchString(reason) || fail != tc.fail {
				t.Errorf("Check = %q, fail %v; want %s, fail %v", reason, fail, tc.reason, tc.fail)
			}
		})
	}
}

// recorder is a T whose Skip and Fatal only record what they were told.
type recorder struct{ skipped, fatal string }

func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }

func TestNeedSkipsOrFails(t *testing.T) {
	t.Setenv("PATH", pathOf(t, []string{"zsh"}, nil))
	t.Setenv("CI", "")
	t.Setenv(AllVar, "")
	var r recorder
	Need(&r, "zsh")
	if r != (recorder{}) {
		t.Fatalf("zsh present: %+v", r)
	}
	Need(&r, "zsh", "rpm")
	if !strings.Contains(r.skipped, "needs rpm") || r.fatal != "" {
		t.Fatalf("rpm missing: %+v, want a skip naming it", r)
	}
	t.Setenv("CI", "true")
	r = recorder{}
	Need(&r, "rpm")
	if !strings.Contains(r.fatal, "needs rpm") || r.skipped != "" {
		t.Fatalf("rpm missing with CI=true: %+v, want a failure naming it", r)
	}
}

// TestSuiteWithoutPrograms runs real tests of the suite with go test on a
// PATH that has every program of this one but chromium,
// ansible-playbook and ssh-keygen: a Go test through Need (the browser
// pages, the Ansible fleet) and a script through need (an ssh-signed
// tag). Plainly run, each is skipped with a line naming what it lacks
// and go test passes; with CI=true or DEPLOYTAG_TEST_ALL=1 each fails.
// Without git, a Go test and a script package fail even plainly.
func TestSuiteWithoutPrograms(t *testing.T) {
	goBin := Path(t, "go")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no module root at %s: %v", root, err)
	}
	without := func(names ...string) string {
		return pathWithout(t, names...)
	}
	lacking := without("chromium", "chromium-browser", "google-chrome", "ansible-playbook", "ssh-keygen")
	args := []string{"-run", `^(TestPagesInHeadlessChromium|TestFleetAnsible|TestScript)$/^(sign_ssh)?$`,
		"./pkg/dashboard", "./e2e", "./cmd/tag_repos"}
	want := map[string]string{
		"TestPagesInHeadlessChromium": "needs chromium: not found",
		"TestFleetAnsible":            "needs ansible-playbook, ssh-keygen: not found",
		"TestScript/sign_ssh":         "needs ssh-keygen: not found",
	}

	out, err := goTest(t, goBin, root, lacking, nil, args...)
	if err != nil {
		t.Fatalf("go test without chromium, ansible-playbook and ssh-keygen: %v, want it to pass\n%s", err, out)
	}
	for name, why := range want {
		if !regexp.MustCompile(`(?m)^\s*--- SKIP: `+regexp.QuoteMeta(name)+` `).MatchString(out) || !strings.Contains(out, "skipped: "+why) {
			t.Errorf("plain run: %s not skipped with %q\n%s", name, "skipped: "+why, out)
		}
	}
	if strings.Contains(out, "--- FAIL") {
		t.Errorf("plain run: a test failed\n%s", out)
	}

	for _, strict := range []string{"CI=true", AllVar + "=1"} {
		out, err := goTest(t, goBin, root, lacking, []string{strict}, args...)
		if err == nil {
			t.Errorf("%s: go test passed without chromium, ansible-playbook and ssh-keygen\n%s", strict, out)
		}
		for name, why := range want {
			if !regexp.MustCompile(`(?m)^\s*--- FAIL: `+regexp.QuoteMeta(name)+` `).MatchString(out) || !strings.Contains(out, why+" (Debian") {
				t.Errorf("%s: %s did not fail with %q\n%s", strict, name, why, out)
			}
		}
		if strings.Contains(out, "--- SKIP") {
			t.Errorf("%s: a test was skipped\n%s", strict, out)
		}
	}

	out, err = goTest(t, goBin, root, without("git"), nil, "-run", `^(TestAgainstGitRandom|TestScript)$/^(sign_ssh)?$`, "./pkg/gitattr", "./cmd/tag_repos")
	if err == nil {
		t.Errorf("go test passed without git\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\s*--- FAIL: TestAgainstGitRandom `).MatchString(out) {
		t.Errorf("without git: TestAgainstGitRandom did not fail\n%s", out)
	}
	if !strings.Contains(out, "scripttest: needs git: not found") || !regexp.MustCompile(`(?m)^FAIL\s+\S+/cmd/tag_repos`).MatchString(out) {
		t.Errorf("without git: the scripts of cmd/tag_repos did not fail naming git\n%s", out)
	}
	if strings.Contains(out, "--- SKIP") {
		t.Errorf("without git: a test was skipped\n%s", out)
	}
}

// pathWithout is a folder of links to every program on this process's
// PATH (the first of each name) but those named.
func pathWithout(t *testing.T, names ...string) string {
	dir := t.TempDir()
	skip := map[string]bool{}
	for _, n := range names {
		skip[n] = true
	}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			n := e.Name()
			if skip[n] {
				continue
			}
			if _, err := executable(filepath.Join(d, n)); err != nil {
				continue
			}
			if err := os.Symlink(filepath.Join(d, n), filepath.Join(dir, n)); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// goTest runs go test -count=1 -v args in root with path as PATH, CI and
// DEPLOYTAG_TEST_ALL unset and env added; its go and test binaries are
// killed with it if the test ends first.
func goTest(t *testing.T, goBin, root, path string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, append([]string{"test", "-count=1", "-v"}, args...)...)
	cmd.Dir = root
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "PATH" && k != "CI" && k != AllVar && k != "CHROMIUM" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "PATH="+path), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}
