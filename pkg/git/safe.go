package git

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Trust names the programs from a repo's own config that one call may
// start. The zero value, used by every call that only reads, starts none
// of them: a repo that is only inspected never runs its own code.
//
// What git 2.39 may start from config, and how each is kept off:
//   - core.fsmonitor (a hook, or the built-in daemon): core.fsmonitor=false
//   - hooks (.git/hooks, core.hooksPath: reference-transaction,
//     post-index-change, pre-auto-gc, ...): core.hooksPath=/dev/null
//   - the pager (core.pager, pager.<cmd>): --no-pager
//   - filter drivers (filter.<name>.clean, smudge, process) that the
//     repo's own config defines: each emptied, required=false, so bytes
//     are read as stored; except for Status, whose answer (is this file
//     still what was committed?) needs the clean filter (git-lfs), and
//     the calls that write a work tree
//   - gpg.program and gpg.ssh.program through log.showSignature:
//     log.showSignature=false (verify-tag, whose job is a signature, and
//     signing a tag still run them)
//
// Not overridden, because no call deploytag makes can start them:
// diff.external, diff.<name>.textconv and diff.<name>.command run only
// for commands that print patches (diff, log -p, show, blame); core.editor
// and sequence.editor only for commands that ask for a message; credential
// helpers, core.sshCommand, core.askPass (already off: GIT_ASKPASS is
// empty), remote.<name>.uploadpack and receivepack only for the network
// verbs, whose policy lives with them (pkg/network). The script test
// e2e invariant_repoconfig.txtar plants each of these in a repo and runs every
// read-only tool and pre-check against it.
type Trust uint8

const (
	// TrustHooks lets a call that writes run the repo's hooks as plain git
	// would (tagging, checkout, fetch, push).
	TrustHooks Trust = 1 << iota
	// TrustFilters lets a call that writes a work tree run the repo's
	// filter drivers (checkout).
	TrustFilters

	// TrustWrites is what a call that changes the repo or its work tree
	// gets: the repo behaves as it does for its owner.
	TrustWrites = TrustHooks | TrustFilters
)

// SafeArgs is the argv, before "-C DIR", that keeps a call from starting
// the programs named in a repo's config that t does not trust; drivers are
// the names of the filter drivers the repo's own config defines.
func SafeArgs(t Trust, drivers []string) []string {
	args := []string{"--no-pager", "-c", "core.fsmonitor=false", "-c", "log.showSignature=false"}
	if t&TrustHooks == 0 {
		args = append(args, "-c", "core.hooksPath=/dev/null")
	}
	if t&TrustFilters == 0 {
		for _, d := range drivers {
			for _, k := range []string{"clean=", "smudge=", "process=", "required=false"} {
				args = append(args, "-c", "filter."+d+"."+k)
			}
		}
	}
	return args
}

// repoDrivers returns the names of the filter drivers defined by the
// config of the repo at dir (its config, config.worktree and the files
// they include), sorted, or none if dir is not a repo. It reads files only;
// it starts nothing.
func repoDrivers(dir string) []string {
	if dir == "" {
		return nil
	}
	gitDir, common := gitDirs(dir)
	if gitDir == "" {
		return nil
	}
	seen := map[string]bool{}
	names := map[string]bool{}
	readDrivers(filepath.Join(common, "config"), names, seen, 0)
	readDrivers(filepath.Join(gitDir, "config.worktree"), names, seen, 0)
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// gitDirs finds the git folder of the work tree (or bare repo) at dir and
// its common folder (they differ for a linked work tree).
func gitDirs(dir string) (gitDir, common string) {
	dot := filepath.Join(dir, ".git")
	fi, err := os.Stat(dot)
	switch {
	case err == nil && fi.IsDir():
		gitDir = dot
	case err == nil:
		b, err := os.ReadFile(dot)
		p, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
		if err != nil || !ok {
			return "", ""
		}
		gitDir = strings.TrimSpace(p)
		if !filepath.IsAbs(gitDir) {
			gitDir = filepath.Join(dir, gitDir)
		}
	default:
		if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
			return "", ""
		}
		gitDir = dir // bare
	}
	common = gitDir
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		common = strings.TrimSpace(string(b))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitDir, common)
		}
	}
	return gitDir, common
}

// readDrivers adds to names the subsection of every [filter "NAME"] (or
// [filter.NAME]) section of the config file at path, and follows its
// include.path and includeIf.*.path entries whatever their condition
// (emptying a driver that git would not load costs nothing).
func readDrivers(path string, names, seen map[string]bool, depth int) {
	if depth > 10 || seen[path] {
		return
	}
	seen[path] = true
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for strings.HasPrefix(line, "[") {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				break
			}
			section = parseSection(line[1:end])
			if name, ok := strings.CutPrefix(section, "filter."); ok && name != "" {
				names[name] = true
			}
			line = strings.TrimSpace(line[end+1:])
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "path") {
			continue
		}
		if section != "include" && !strings.HasPrefix(section, "includeif.") {
			continue
		}
		inc := configValue(val)
		if rest, ok := strings.CutPrefix(inc, "~/"); ok {
			home, err := os.UserHomeDir()
			if err != nil {
				continue
			}
			inc = filepath.Join(home, rest)
		}
		if !filepath.IsAbs(inc) {
			inc = filepath.Join(filepath.Dir(path), inc)
		}
		readDrivers(inc, names, seen, depth+1)
	}
}

// parseSection turns `filter "x"` or `filter.x` into "filter.x"; the
// section name is case-insensitive, the subsection is not.
func parseSection(h string) string {
	h = strings.TrimSpace(h)
	if name, sub, ok := strings.Cut(h, " "); ok {
		sub = strings.TrimSpace(sub)
		sub = strings.TrimSuffix(strings.TrimPrefix(sub, `"`), `"`)
		sub = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(sub)
		return strings.ToLower(name) + "." + sub
	}
	if name, sub, ok := strings.Cut(h, "."); ok {
		return strings.ToLower(name) + "." + strings.ToLower(sub)
	}
	return strings.ToLower(h)
}

// configValue reads a config value: surrounding spaces and an unquoted
// trailing comment dropped, quotes removed.
func configValue(v string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case (c == '#' || c == ';') && !quoted:
			return strings.TrimSpace(b.String())
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}
