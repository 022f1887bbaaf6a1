// Package versionwarn finds the places where a deploy tag would become a
// repo's version by accident. A deploy tag is an annotated tag on the very
// commit deployed, so "git describe" there answers with the deploy tag,
// and so does every tool built on it: setuptools-scm and its kin,
// Makefiles and npm scripts that run git describe, and %(describe) in an
// export-subst file such as .git_archival.txt (expanded by git archive,
// and by forges serving tarballs of the commit).
//
// deploytag's own export-subst expansion leaves deploy tags out (see
// pkg/release); for everything else it warns, naming the file and how to
// exclude deploy tags. The checks read a repo's top-level files only and
// are pure functions of their bytes.
package versionwarn

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Files are the top-level files Check knows.
var Files = []string{
	".git_archival.txt", "GNUmakefile", "Makefile", "makefile",
	"package.json", "pyproject.toml", "setup.cfg", "setup.py",
}

// MaxSize is the largest file Check reads; bigger ones are not looked at.
const MaxSize = 1 << 20

var (
	describeRE    = regexp.MustCompile(`git\s+describe\b[^\n]*`)
	excludeRE     = regexp.MustCompile(`--exclude[= ]`)
	archivalRE    = regexp.MustCompile(`%\(describe(:[^)]*)?\)`)
	scmToolRE     = regexp.MustCompile(`(?i)setuptools[-_]scm|use_scm_version|hatch-vcs|versioningit|poetry-dynamic-versioning|dunamai|setuptools-git-versioning`)
	scmExcludedRE = regexp.MustCompile(`--exclude|exclude=`)
)

// Check returns the warning for the top-level file name holding content,
// or "" when the file cannot pick up a deploy tag. prefix is the deploy
// tags' prefix, for the hint.
func Check(name string, content []byte, prefix string) string {
	glob := prefix + "_*"
	switch name {
	case ".git_archival.txt":
		for _, m := range archivalRE.FindAll(content, -1) {
			if !bytes.Contains(m, []byte("exclude=")) {
				return fmt.Sprintf("%s: %s names the deploy tag in any git archive of a deployed commit; write %%(describe:tags=true,exclude=%s) instead", name, m, glob)
			}
		}
	case "Makefile", "GNUmakefile", "makefile", "package.json":
		for _, m := range describeRE.FindAll(content, -1) {
			if !excludeRE.Match(m) {
				return fmt.Sprintf("%s: %q answers with the deploy tag on a deployed commit; add --exclude '%s'", name, clip(m), glob)
			}
		}
	case "pyproject.toml", "setup.cfg", "setup.py":
		if m := scmToolRE.Find(content); m != nil && !scmExcludedRE.Match(content) {
			return fmt.Sprintf("%s: %s takes the version from git describe, which answers with the deploy tag on a deployed commit; "+
				"make its describe command exclude deploy tags (for setuptools-scm: git_describe_command = \"git describe --dirty --tags --long --match '*[0-9]*' --exclude '%s'\")",
				name, m, glob)
		}
	}
	return ""
}

// clip shows the git describe command alone, cut where the shell or the
// file's syntax goes on.
// WorkTree checks the files of a work tree's top folder (as committed, for
// a clean tree) and returns the warnings, in Files order. Files missing,
// unreadable, bigger than MaxSize or not regular are skipped.
func WorkTree(dir, prefix string) []string {
	var out []string
	for _, name := range Files {
		p := filepath.Join(dir, name)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > MaxSize {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if w := Check(name, b, prefix); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func clip(b []byte) string {
	if i := bytes.IndexAny(b, ")\"'`;|&"); i >= 0 {
		b = b[:i]
	}
	s := string(bytes.TrimSpace(b))
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}
