// Package testneed decides what a test does when a program it drives is
// missing (sshd, chromium, ansible-playbook, git-lfs, ...): on a
// developer's machine the test is skipped with one line naming the
// program and the Debian package that has it; with CI=true or
// DEPLOYTAG_TEST_ALL=1 (make test sets it) the test fails instead, so a
// CI machine that lost a program cannot pass by skipping. git is never
// optional: without it every test that needs it fails.
//
// Go tests call Need (or Path, for the program's path); scripts run the
// `need PROG...` command of internal/scripttest, which uses Check. Nothing
// else in the suite looks programs up on its own (e2e TestNoAdHocSkips).
package testneed

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// AllVar set to 1, like CI=true, makes a missing program a failure.
const AllVar = "DEPLOYTAG_TEST_ALL"

// SSHD is where the tests start OpenSSH's server (Debian's place; it is
// not on an ordinary user's PATH).
const SSHD = "/usr/sbin/sshd"

// packages names the Debian package of each program the suite drives,
// for the reason line; scripts/test-deps.sh installs those outside
// Debian's base system.
var packages = map[string]string{
	"git":              "git",
	"git-lfs":          "git-lfs",
	"gpg":              "gpg",
	"gpgconf":          "gpgconf",
	"ssh":              "openssh-client",
	"ssh-keygen":       "openssh-client",
	"sshd":             "openssh-server",
	"pgrep":            "procps",
	"ps":               "procps",
	"chromium":         "chromium",
	"man":              "man-db",
	"zsh":              "zsh",
	"bash":             "bash",
	"ansible-playbook": "ansible-core",
	"ansible-doc":      "ansible-core",
	"python3":          "python3",
	"rpm":              "rpm",
	"dpkg":             "dpkg",
	"dpkg-deb":         "dpkg",
	"make":             "make",
	"unshare":          "util-linux",
	"flock":            "util-linux",
	"strace":           "strace",
	"sh":               "dash",
	"tar":              "tar",
	"timeout":          "coreutils",
	"stat":             "coreutils",
	"chmod":            "coreutils",
	"sha256sum":        "coreutils",
}

// Package returns the Debian package that has program, or "".
func Package(program string) string { return packages[program] }

// Strict reports whether a missing program fails the test rather than
// skipping it: CI=true or DEPLOYTAG_TEST_ALL=1.
func Strict() bool {
	return strings.EqualFold(os.Getenv("CI"), "true") || os.Getenv(AllVar) == "1"
}

// Find returns the path of program as the tests start it, searching the
// PATH list path ("" means this process's PATH): sshd is SSHD, chromium
// is $CHROMIUM or the first of chromium, chromium-browser and
// google-chrome.
func Find(program, path string) (string, error) {
	if path == "" {
		path = os.Getenv("PATH")
	}
	switch program {
	case "sshd":
		return executable(SSHD)
	case "chromium":
		for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
			if name == "" {
				continue
			}
			if p, err := lookPath(name, path); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("chromium: %w", fs.ErrNotExist)
	}
	return lookPath(program, path)
}

// lookPath is exec.LookPath over the list path instead of $PATH.
func lookPath(name, path string) (string, error) {
	if strings.Contains(name, "/") {
		return executable(name)
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		if p, err := executable(filepath.Join(dir, name)); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

func executable(p string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s: not an executable file", p)
	}
	return p, nil
}

// Check looks up each program on the PATH list path ("": this process's)
// and, when some are missing, returns one line naming them, with whether
// the test must fail (Strict, or git missing) rather than skip. All
// present, it returns "".
func Check(path string, programs ...string) (reason string, fail bool) {
	var missing, pkgs []string
	for _, p := range programs {
		if _, err := Find(p, path); err == nil {
			continue
		}
		missing = append(missing, p)
		if p == "git" {
			fail = true
		}
		if pkg := packages[p]; pkg != "" && !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	if len(missing) == 0 {
		return "", false
	}
	where := "not found"
	if len(pkgs) > 0 {
		where += " (Debian: " + strings.Join(pkgs, ", ") + "; scripts/test-deps.sh installs what the tests drive)"
	}
	names := strings.Join(missing, ", ")
	switch {
	case fail:
		return "needs " + names + ": " + where + "; git is never optional", true
	case Strict():
		return "needs " + names + ": " + where + "; a failure, not a skip, with CI=true or " + AllVar + "=1", true
	}
	return "skipped: needs " + names + ": " + where, false
}

// T is the part of testing.TB (and of testscript.T) that Need uses.
type T interface {
	Skip(args ...any)
	Fatal(args ...any)
}

// Need skips t, or fails it (see Check), unless every program is on
// this process's PATH.
func Need(t T, programs ...string) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	reason, fail := Check("", programs...)
	switch {
	case reason == "":
	case fail:
		t.Fatal(reason)
	default:
		t.Skip(reason)
	}
}

// Path is Need for one program, returning its path.
func Path(t T, program string) string {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	Need(t, program)
	p, err := Find(program, "")
	if err != nil {
		// Need returned: only a T whose Skip and Fatal return gets here.
		t.Fatal("testneed: " + program + " vanished")
	}
	return p
}
