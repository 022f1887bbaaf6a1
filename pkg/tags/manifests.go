package tags

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// HEAD, given where a tag is expected, stands for the basedir's checked-out
// commits.
const HEAD = "HEAD"

// TagManifest returns the manifest the tag records, read from the first
// repo (in the order given) whose copy records one (FirstManifest), or
// says why there is none (Copies.ManifestErr).
func TagManifest(ctx context.Context, g *git.Runner, repos []basedir.Repo, tag string) (manifest.Manifest, error) {
	s := FirstManifest(ctx, g, repos, tag)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Manifest, s.ManifestErr()
}

// ManifestOf returns the manifest of the HEADs (tag "HEAD") or of a tag.
func ManifestOf(ctx context.Context, g *git.Runner, repos []basedir.Repo, tag string, jobs int) (manifest.Manifest, error) {
	if tag == HEAD {
		return Heads(ctx, g, repos, jobs)
	}
	return TagManifest(ctx, g, repos, tag)
}

// Commit is one commit in a change's log.
type Commit struct {
	Commit  string `json:"commit"`
	Subject string `json:"subject"`
}

// Change is a repo whose commit differs between two manifests.
type Change struct {
	Name string `json:"name"`
	From string `json:"from"` // empty: the repo is new
	To   string `json:"to"`   // empty: the repo was dropped
	// Ahead counts the commits in To and not in From, Behind those in From
	// and not in To (a rollback); both are -1 when unknown.
	Ahead  int `json:"ahead"`
	Behind int `json:"behind"`
	// Log lists the commits in To and not in From, newest first; Dropped
	// those in From and not in To (a rollback). Filled only when asked.
	Log     []Commit `json:"log,omitempty"`
	Dropped []Commit `json:"dropped,omitempty"`
}

// Diff lists the repos whose commit differs between from and to, sorted by
// name, counting commits each way in the basedir's copy of the repo and,
// with withLog, listing the commits in To and not in From (newest first).
// A repo that is not at hand, or lacks a commit, keeps counts of -1 and is
// reported in the returned warnings.
func Diff(ctx context.Context, g *git.Runner, repos []basedir.Repo, from, to manifest.Manifest, withLog bool, jobs int) ([]Change, []error) {
	names := map[string]bool{}
	for _, e := range from {
		names[e.Name] = true
	}
	for _, e := range to {
		names[e.Name] = true
	}
	byName := map[string]string{}
	for _, r := range repos {
		byName[r.Name] = r.Path
	}
	var changes []Change
	for _, n := range slices.Sorted(maps.Keys(names)) {
		a, _ := from.Lookup(n)
		b, _ := to.Lookup(n)
		if a != b {
			changes = append(changes, Change{Name: n, From: a, To: b, Ahead: -1, Behind: -1})
		}
	}
	warns := make([]error, len(changes))
	_ = basedir.Fanout{Jobs: jobs}.Each(ctx, len(changes), func(i int) string { return changes[i].Name },
		func(ctx context.Context, i int) error {
			c := &changes[i]
			if c.From == "" || c.To == "" {
				return nil
			}
			dir, ok := byName[c.Name]
			if !ok {
				warns[i] = basedir.Errorf(c.Name, "repo not in the basedir, commits not counted")
				return nil
			}
			warns[i] = basedir.Wrap(c.Name, count(ctx, g, dir, c, withLog))
			return nil
		})
	var out []error
	for _, w := range warns {
		if w != nil {
			out = append(out, w)
		}
	}
	if err := ctx.Err(); err != nil {
		out = append(out, fmt.Errorf("commits not counted: %w", err))
	}
	return changes, out
}

// count fills c's counts, and with withLog its commits, from one git
// process in the repo at dir.
func count(ctx context.Context, g *git.Runner, dir string, c *Change, withLog bool) error {
	if withLog {
		b, err := g.Run(ctx, dir, LeftRightLogArgs(c.From, c.To)...)
		if err != nil {
			return fmt.Errorf("commits not counted: %w", err)
		}
		if c.Dropped, c.Log, err = ParseLeftRightLog(b); err != nil {
			return err
		}
		c.Behind, c.Ahead = len(c.Dropped), len(c.Log)
		return nil
	}
	b, err := g.Run(ctx, dir, "rev-list", "--left-right", "--count", c.From+"..."+c.To, "--")
	if err != nil {
		return fmt.Errorf("commits not counted: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return fmt.Errorf("rev-list: malformed output %q", strings.TrimSpace(string(b)))
	}
	behind, err1 := strconv.Atoi(f[0])
	ahead, err2 := strconv.Atoi(f[1])
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("rev-list: malformed output %q", strings.TrimSpace(string(b)))
	}
	c.Ahead, c.Behind = ahead, behind
	return nil
}

// LeftRightLogArgs is the one git call that lists, newest first, the
// commits on each side of from...to: those only in from marked "<", those
// only in to marked ">".
func LeftRightLogArgs(from, to string) []string {
	return []string{"-c", "log.showSignature=false", "log", "--left-right", "--no-decorate",
		"--format=%m%x00%H%x00%s", from + "..." + to, "--"}
}

// ParseLeftRightLog parses the output of LeftRightLogArgs into the commits
// only in from (left) and only in to (right), each newest first.
func ParseLeftRightLog(b []byte) (left, right []Commit, err error) {
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		side, rest, ok := strings.Cut(line, "\x00")
		h, subj, ok2 := strings.Cut(rest, "\x00")
		if !ok || !ok2 || !git.IsOid(h) || side != "<" && side != ">" {
			return nil, nil, fmt.Errorf("log: malformed line %q", line)
		}
		if side == "<" {
			left = append(left, Commit{Commit: h, Subject: subj})
		} else {
			right = append(right, Commit{Commit: h, Subject: subj})
		}
	}
	return left, right, nil
}

// ManifestJSON is the --json record of a manifest.
type ManifestJSON struct {
	Tag   *string           `json:"tag"` // null for the HEADs
	Repos manifest.Manifest `json:"repos"`
}

// ManifestRecord returns the --json record of m, the manifest of tag (or of
// the HEADs).
func ManifestRecord(tag string, m manifest.Manifest) ManifestJSON {
	r := ManifestJSON{Repos: m}
	if m == nil {
		r.Repos = manifest.Manifest{}
	}
	if tag != HEAD {
		r.Tag = &tag
	}
	return r
}

// DiffTags is Diff between the manifests of two deploys (tags, or HEAD);
// warnings about commits that could not be counted go to warnf.
func DiffTags(ctx context.Context, g *git.Runner, repos []basedir.Repo, from, to string, withLog bool, jobs int, warnf func(string, ...any)) ([]Change, error) {
	a, err := ManifestOf(ctx, g, repos, from, jobs)
	if err != nil {
		return nil, err
	}
	b, err := ManifestOf(ctx, g, repos, to, jobs)
	if err != nil {
		return nil, err
	}
	changes, warns := Diff(ctx, g, repos, a, b, withLog, jobs)
	for _, w := range warns {
		warnf("%v", w)
	}
	if changes == nil {
		changes = []Change{}
	}
	return changes, ctx.Err()
}

// FormatChanges renders changes as deploy_manifest --diff prints them.
func FormatChanges(changes []Change) string {
	var b strings.Builder
	count := func(n int) string {
		if n < 0 {
			return "?"
		}
		return strconv.Itoa(n)
	}
	for _, c := range changes {
		switch {
		case c.From == "":
			fmt.Fprintf(&b, "%s\tadded\t%s\n", c.Name, abbrev(c.To))
		case c.To == "":
			fmt.Fprintf(&b, "%s\tremoved\t%s\n", c.Name, abbrev(c.From))
		default:
			fmt.Fprintf(&b, "%s\t+%s -%s\t%s..%s\n", c.Name, count(c.Ahead), count(c.Behind), abbrev(c.From), abbrev(c.To))
		}
		for _, l := range c.Log {
			fmt.Fprintf(&b, "\t+ %s %s\n", abbrev(l.Commit), l.Subject)
		}
		for _, l := range c.Dropped {
			fmt.Fprintf(&b, "\t- %s %s\n", abbrev(l.Commit), l.Subject)
		}
	}
	return b.String()
}

func abbrev(oid string) string { return oid[:min(12, len(oid))] }
