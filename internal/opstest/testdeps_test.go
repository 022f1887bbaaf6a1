package opstest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/internal/testneed"
)

// fakeApt is an apt-get (and a sudo that runs it) that records each call
// in $APT_LOG and, for a simulation (-s), prints $APT_SIMULATE. With
// APT_FAIL=1 it fails whatever it is asked.
const fakeApt = `#!/bin/sh
echo "$*" >>"$APT_LOG"
[ "$APT_FAIL" = 1 ] && { echo "fake apt-get: not to be called" >&2; exit 1; }
for a; do [ "$a" = -s ] && printf '%s' "$APT_SIMULATE"; done
exit 0
`

const fakeSudo = `#!/bin/sh
while case $1 in *=*) export "$1";; *) false;; esac; do shift; done
exec "$@"
`

// runTestDeps runs scripts/test-deps.sh with path as PATH and the fake
// apt-get first on it; it returns stderr, the apt-get calls, and the error.
func runTestDeps(t *testing.T, path string, env ...string) (stderr string, calls []string, err error) {
	t.Helper()
	root, rerr := scripttest.ModuleRoot()
	if rerr != nil {
		t.Fatal(rerr)
	}
	fake := t.TempDir()
	for name, body := range map[string]string{"apt-get": fakeApt, "sudo": fakeSudo} {
		if err := os.WriteFile(filepath.Join(fake, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	log := filepath.Join(t.TempDir(), "apt.log")
	cmd := exec.Command(filepath.Join(root, "scripts", "test-deps.sh"))
	cmd.Env = append(innerEnv(), "PATH="+fake+string(os.PathListSeparator)+path, "APT_LOG="+log, "TEST_DEPS_UPGRADE=")
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if out.Len() > 0 {
		t.Errorf("test-deps.sh printed on stdout: %q", out.String())
	}
	if b, rerr := os.ReadFile(log); rerr == nil {
		calls = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	return errb.String(), calls, err
}

// testDepsPATH are the programs test-deps.sh runs and looks for on PATH
// (it looks for sshd at its Debian place).
var testDepsPATH = []string{"bash", "env", "id", "sed", "paste", "git", "gpg", "pgrep", "ssh-keygen", "git-lfs",
	"chromium", "man", "zsh", "ansible-playbook", "rpm"}

// pathWithout is a folder of links to testDepsPATH, less those in
// missing, for use as the whole PATH.
func pathWithout(t *testing.T, missing ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range testDepsPATH {
		if strings.Contains(" "+strings.Join(missing, " ")+" ", " "+p+" ") {
			continue
		}
		if err := os.Symlink(testneed.Path(t, p), filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTestDepsPresent: on a machine where every program the tests drive
// is installed, make test's first step changes nothing: apt-get is never
// called (the fake one first on PATH fails if it is), and it prints
// nothing. A machine that lacks one is not such a machine: the test is
// skipped there, or fails under CI (testneed).
func TestTestDepsPresent(t *testing.T) {
	testneed.Need(t, append([]string{"sshd"}, testDepsPATH...)...)
	stderr, calls, err := runTestDeps(t, os.Getenv("PATH"), "APT_FAIL=1")
	if err != nil || stderr != "" || calls != nil {
		t.Errorf("with every program present: %v, stderr %q, apt-get called as %q", err, stderr, calls)
	}
	// The same with only the programs themselves on PATH: nothing else
	// the script might look for (apt, dpkg) is taken as a need.
	stderr, calls, err = runTestDeps(t, pathWithout(t), "APT_FAIL=1")
	if err != nil || stderr != "" || calls != nil {
		t.Errorf("with only the programs on PATH: %v, stderr %q, apt-get called as %q", err, stderr, calls)
	}
}

// TestTestDepsMissing: what is missing is installed, and only that,
// without recommended packages and upgrading nothing, each program named
// with the tests that need it; an install that would upgrade a package
// already there stops before it, naming the package, unless
// TEST_DEPS_UPGRADE=1.
func TestTestDepsMissing(t *testing.T) {
	path := pathWithout(t, "zsh", "git-lfs")
	stderr, calls, err := runTestDeps(t, path, "APT_SIMULATE=Inst zsh (5.9-4 Debian:12 [amd64])\nInst git-lfs (3.3.0-1 Debian:12 [amd64])\n")
	if err != nil {
		t.Fatalf("test-deps.sh: %v\n%s", err, stderr)
	}
	wantErr := "test-deps: installing git-lfs: git-lfs, for Git LFS files in releases and checkouts\n" +
		"test-deps: installing zsh: zsh, for zsh completion\n"
	if stderr != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, wantErr)
	}
	install := "install -y -q --no-install-recommends --no-upgrade "
	want := []string{"update -q", install + "-s git-lfs zsh", install + "git-lfs zsh"}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("apt-get called as\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}

	upgrade := "APT_SIMULATE=Inst libc6 [2.36-9+deb12u4] (2.36-9+deb12u7 Debian:12 [amd64])\nInst zsh (5.9-4 Debian:12 [amd64])\n"
	stderr, calls, err = runTestDeps(t, pathWithout(t, "zsh"), upgrade)
	if err == nil || !strings.HasSuffix(stderr, "test-deps: installing zsh would upgrade libc6 (2.36-9+deb12u4); upgrade them yourself, or run again with TEST_DEPS_UPGRADE=1\n") {
		t.Errorf("an install needing an upgrade: %v\n%s", err, stderr)
	}
	if want := []string{"update -q", install + "-s zsh"}; strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("an install needing an upgrade called apt-get as %q, want %q", calls, want)
	}
	_, calls, err = runTestDeps(t, pathWithout(t, "zsh"), upgrade, "TEST_DEPS_UPGRADE=1")
	if err != nil || len(calls) != 3 || calls[2] != install+"zsh" {
		t.Errorf("with TEST_DEPS_UPGRADE=1: %v, apt-get called as %q", err, calls)
	}
}
