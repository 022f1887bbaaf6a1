package tags

import (
	"context"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// HighestVersion returns the tag of highest semantic-version precedence
// among names, or "" if none is a semantic version. A leading "v" is
// allowed; pre-releases rank below their release as semver ranks them;
// anything else (deploy tags, "1.2", "release-3") is ignored. Of tags of
// equal precedence (v1.2.3 and 1.2.3, or differing build metadata) the
// one first by name wins, so the answer never depends on input order.
func HighestVersion(names []string) string {
	var best string
	var bestV *semver.Version
	for _, n := range names {
		v, err := semver.StrictNewVersion(strings.TrimPrefix(n, "v"))
		if err != nil {
			continue
		}
		if bestV == nil {
			best, bestV = n, v
			continue
		}
		switch c := v.Compare(bestV); {
		case c > 0, c == 0 && n < best:
			best, bestV = n, v
		}
	}
	return best
}

// Versions returns, for each repo of m found in repos, the highest
// semantic-version tag contained in (reachable from) its commit. Repos
// that are not at hand, lack the commit or carry no such tag are absent
// from the result: their version is unknown, which is not an error.
func Versions(ctx context.Context, g *git.Runner, repos []basedir.Repo, m manifest.Manifest, jobs int) map[string]string {
	byName := map[string]string{}
	for _, r := range repos {
		byName[r.Name] = r.Path
	}
	out := make([]string, len(m))
	// Failures only leave a version unknown, so the error is not read.
	_ = basedir.Fanout{Jobs: jobs}.Each(ctx, len(m), func(i int) string { return m[i].Name }, func(ctx context.Context, i int) error {
		dir, ok := byName[m[i].Name]
		if !ok {
			return nil
		}
		b, err := g.Run(ctx, dir, MergedTagsArgs(m[i].Commit)...)
		if err == nil {
			out[i] = HighestVersion(strings.Split(strings.TrimSpace(string(b)), "\n"))
		}
		return nil
	})
	res := map[string]string{}
	for i, e := range m {
		if out[i] != "" {
			res[e.Name] = out[i]
		}
	}
	return res
}

// MergedTagsArgs is the argv listing the tags whose commits commit
// contains; commit is a full object name, never user text.
func MergedTagsArgs(commit string) []string {
	return []string{"for-each-ref", "--merged=" + commit, "--format=%(refname:strip=2)", "--", "refs/tags/"}
}
