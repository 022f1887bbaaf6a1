package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

var flagRE = regexp.MustCompile(`--[a-z][a-z0-9-]*[a-z0-9]`)

// TestDocsMatchFlags keeps each binary's man page (the doc comment of its
// main.go), its --help and its README section true to each other: every
// flag the binary takes is in its man page, and every flag a synopsis
// shows (man page or README) is one the binary takes.
func TestDocsMatchFlags(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	tools, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range tools {
		tool := d.Name()
		t.Run(tool, func(t *testing.T) {
			out, err := exec.Command(filepath.Join(scripttest.BinDir(), tool), "--help").Output()
			if err != nil {
				t.Fatalf("%s --help: %v", tool, err)
			}
			flags := helpFlags(string(out))
			if len(flags) == 0 {
				t.Fatalf("%s --help lists no flags:\n%s", tool, out)
			}
			src, err := os.ReadFile(filepath.Join(root, "cmd", tool, "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			doc, _, ok := strings.Cut(string(src), "\npackage main")
			if !ok {
				t.Fatal("main.go has no package clause")
			}
			for _, f := range flags {
				if !slices.Contains(flagRE.FindAllString(doc, -1), f) {
					t.Errorf("%s takes %s, its man page (main.go doc comment) does not say so", tool, f)
				}
			}
			for where, synopsis := range map[string]string{
				"man page synopsis": section(doc, "// # Synopsis", "// #"),
				"README synopsis":   firstBlock(section(string(readme), "### "+tool+"\n", "\n##")),
			} {
				if synopsis == "" {
					t.Errorf("%s: no %s found", tool, where)
				}
				for _, f := range flagRE.FindAllString(synopsis, -1) {
					if !slices.Contains(flags, f) {
						t.Errorf("%s: the %s shows %s, which %s does not take", tool, where, f, tool)
					}
				}
			}
		})
	}
}

// helpFlags returns the long flags "--help" lists, but --help and --version.
func helpFlags(help string) []string {
	_, opts, _ := strings.Cut(help, "OPTIONS:")
	var flags []string
	for _, line := range strings.Split(opts, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "--") {
			continue
		}
		name := strings.TrimSuffix(f[0], ",")
		if name != "--help" && name != "--version" {
			flags = append(flags, name)
		}
	}
	return flags
}

// section returns the text of s from the line starting with start to the
// next line starting with end (or the end of s).
func section(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		s = s[:j]
	}
	return s
}

// firstBlock returns the first fenced code block of s.
func firstBlock(s string) string {
	_, rest, ok := strings.Cut(s, "```")
	if !ok {
		return ""
	}
	block, _, _ := strings.Cut(rest, "```")
	return block
}

// releaseRE finds what the docs give as the version of a release: in a
// file name (deploytag_1.2.3_amd64.deb, deploytag-1.2.3-1.x86_64.rpm), a
// go install query (@v1.2.3), a --version line (1.2.3 (commit ..., 1.2.3
// (go1...)) or a -devel version (1.2.4-devel+...).
var releaseRE = regexp.MustCompile(`deploytag[_-]v?(\d+\.\d+\.\d+)|@v(\d+\.\d+\.\d+)|\b(\d+\.\d+\.\d+) \((?:commit|go\d)|\b(\d+\.\d+\.\d+)-devel`)

// TestDocsVersionsExist: README and CHANGELOG name no release that was
// never made. A version they show is a vX.Y.Z tag of this repository;
// anything else is written X.Y.Z (0.0.1-devel, what make dist names a
// build before the first tag, excepted).
func TestDocsVersionsExist(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "tag", "-l", "v*").Output()
	if err != nil {
		t.Fatalf("git tag -l: %v", err)
	}
	tags := strings.Fields(string(out))
	for _, doc := range []string{"README.md", "CHANGELOG.md"} {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range releaseRE.FindAllStringSubmatch(line, -1) {
				v := m[1] + m[2] + m[3] + m[4]
				if v == "0.0.1" && m[4] != "" || slices.Contains(tags, "v"+v) {
					continue
				}
				t.Errorf("%s:%d names release %s, which has no tag v%s (tags: %q): write X.Y.Z", doc, i+1, v, v, tags)
			}
		}
	}
}

// outsideRE finds a pointer at a design page kept outside the repository:
// the word written in capitals, as that file's name is (built from
// parts, so this file does not match itself).
var outsideRE = regexp.MustCompile(`\bDESIG` + `N\b`)

// TestDocsSelfContained: no tracked file points at a design page outside
// the repository. The decisions the code rests on are in docs/design.md;
// a doc, comment or test name cites that, or says the thing itself.
func TestDocsSelfContained(t *testing.T) {
	for _, f := range trackedFiles(t) {
		b, err := os.ReadFile(f.abs)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if outsideRE.MatchString(line) {
				t.Errorf("%s:%d points outside the repository (%q): cite docs/design.md or say it here", f.rel, i+1, strings.TrimSpace(line))
			}
		}
	}
}
