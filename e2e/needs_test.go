package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

// Ways of deciding alone what to do when a program is missing: a script's
// [exec:PROG] condition or skip command, a Go test's Skip or LookPath.
var (
	scriptAdHocRE = regexp.MustCompile(`^\s*(!\s*)?(\[[^\]]*\]\s*)*(skip\b|.*\[!?exec:)`)
	goAdHocRE     = regexp.MustCompile(`\.Skip(f|Now)?\(|exec\.LookPath\(`)
)

// goAdHocAllowed are the Go files that may look programs up themselves,
// and why.
var goAdHocAllowed = map[string]string{
	"internal/testneed/testneed.go":     "the one helper that decides",
	"internal/scripttest/scripttest.go": "need, the scripts' door to testneed",
	"internal/opstest/dist_test.go":     "checks where the installed package put the tools, which no test needs",
	"e2e/needs_test.go":                 "this rule",
}

// TestNoAdHocSkips holds the suite to one rule for programs a test drives
// (internal/testneed): scripts say `need PROG`, Go tests call
// testneed.Need or testneed.Path, so a missing program is skipped with
// its name on a developer's machine and fails under CI=true or
// DEPLOYTAG_TEST_ALL=1, never skipped in silence or failed for want of
// it. A Go file counts as test code when it is a _test.go file or
// imports "testing" (the helpers of internal/); shipped code and the
// programs (bench, docgen) do not.
func TestNoAdHocSkips(t *testing.T) {
	for _, f := range trackedFiles(t) {
		isScript := strings.HasSuffix(f.rel, ".txtar")
		isGo := strings.HasSuffix(f.rel, ".go")
		if !isScript && !isGo || goAdHocAllowed[f.rel] != "" {
			continue
		}
		b, err := os.ReadFile(f.abs)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if isGo && !strings.HasSuffix(f.rel, "_test.go") && !strings.Contains(text, "\t\"testing\"\n") {
			continue // shipped code or a program: no test in it
		}
		re := goAdHocRE
		if isScript {
			// the script itself: what follows its first file section is data.
			if i := regexp.MustCompile(`(?m)^-- .* --$`).FindStringIndex(text); i != nil {
				text = text[:i[0]]
			}
			re = scriptAdHocRE
		}
		for i, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			if re.MatchString(line) {
				t.Errorf("%s:%d decides alone about a missing program (%q): use need PROG in a script, testneed.Need in Go", f.rel, i+1, strings.TrimSpace(line))
			}
		}
	}
}

type tracked struct{ rel, abs string }

// trackedFiles lists the regular files git tracks in the module.
func trackedFiles(t *testing.T) []tracked {
	t.Helper()
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	var files []tracked
	for _, rel := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		abs := filepath.Join(root, rel)
		if fi, err := os.Lstat(abs); err == nil && fi.Mode().IsRegular() {
			files = append(files, tracked{rel, abs})
		}
	}
	if len(files) < 100 {
		t.Fatalf("git ls-files listed %d files in %s", len(files), root)
	}
	return files
}
