// Package gitprocs counts the git processes a tool starts, per repo. It
// puts a wrapper "git" first on PATH that appends its working folder and
// argv to a log, one line per process, then execs the real git. The log is
// read back into calls grouped by the repo their "-C DIR" names.
//
// Tests use it through two testscript commands:
//
//	gitwrap                        log every git started from now on
//	gitprocs BASE SUB... [-- SUB...]
//	    every repo of BASE (each immediate sub-folder holding .git) ran
//	    exactly the git subcommands SUB... (in any order), and the calls
//	    not in any repo of BASE were exactly those after "--"; the log is
//	    then emptied
//
// The benchmark driver (internal/bench) uses Install and Read directly.
package gitprocs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// LogVar is the environment variable holding the log's path.
const LogVar = "GITPROCS_LOG"

// Install writes the wrapper as dir/git, execing realGit (an absolute path,
// found before dir is put on PATH). Each call appends one line to $GITPROCS_LOG:
// the working folder and the arguments, separated by tabs, in one write.
func Install(dir, realGit string) error {
	if !filepath.IsAbs(realGit) {
		return fmt.Errorf("real git %q is not an absolute path", realGit)
	}
	script := "#!/bin/sh\n" +
		"line=\"$PWD\"\n" +
		"for a in \"$@\"; do line=\"$line\t$a\"; done\n" +
		"printf '%s\\n' \"$line\" >>\"$" + LogVar + "\"\n" +
		"exec '" + realGit + "' \"$@\"\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "git"), []byte(script), 0o755)
}

// RealGit finds git on the given PATH value.
func RealGit(path string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, "git")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return filepath.Abs(p)
		}
	}
	return "", exec.ErrNotFound
}

// Call is one logged git process.
type Call struct {
	Dir  string   // the absolute folder given by -C (or the working folder)
	Sub  string   // the subcommand, e.g. "tag"; "" if none
	Args []string // the whole argv after "git"
}

// Parse reads a log written by the wrapper.
func Parse(log []byte) ([]Call, error) {
	var calls []Call
	for _, line := range strings.Split(string(log), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		c := Call{Dir: f[0], Args: f[1:]}
		for i := 0; i < len(c.Args); i++ {
			switch a := c.Args[i]; {
			case a == "-C" && i+1 < len(c.Args):
				d := c.Args[i+1]
				if !filepath.IsAbs(d) {
					d = filepath.Join(c.Dir, d)
				}
				c.Dir = filepath.Clean(d)
				i++
			case a == "-c" && i+1 < len(c.Args):
				i++
			case strings.HasPrefix(a, "-"):
			default:
				c.Sub = a
				i = len(c.Args)
			}
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// PerRepo splits calls into those run in each immediate sub-folder of base
// (keyed by its name) and the rest. Every sub-folder of base holding .git
// gets an entry, even with no calls.
func PerRepo(calls []Call, base string) (repos map[string][]Call, other []Call, err error) {
	base, err = filepath.Abs(base)
	if err != nil {
		return nil, nil, err
	}
	repos = map[string][]Call{}
	ents, err := os.ReadDir(base)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		if _, err := os.Lstat(filepath.Join(base, e.Name(), ".git")); err == nil {
			repos[e.Name()] = nil
		}
	}
	for _, c := range calls {
		rel, err := filepath.Rel(base, c.Dir)
		if _, ok := repos[rel]; err == nil && ok {
			repos[rel] = append(repos[rel], c)
			continue
		}
		other = append(other, c)
	}
	return repos, other, nil
}

// Subs returns the sorted subcommands of calls.
func Subs(calls []Call) []string {
	s := make([]string, len(calls))
	for i, c := range calls {
		s[i] = c.Sub
	}
	slices.Sort(s)
	return s
}
