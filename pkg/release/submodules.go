package release

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/network"
)

// Submodule is one gitlink of a commit's tree, as .gitmodules of that
// commit describes it: what a checkout needs to fill it as the export does.
type Submodule struct {
	Path   string // '/'-separated, relative to the top of the tree
	Name   string // the [submodule "NAME"] of .gitmodules, a plain path
	Commit string // the commit the tree records
	URL    string // where to fetch it, as the export would (see SubmoduleURL)
}

// Submodules lists the submodules of commit in the repo at dir (a work
// tree or a git directory), in tree order, with the URL each is fetched
// from. A gitlink .gitmodules has no entry for, or whose name is not a
// plain path, is an error naming it.
func Submodules(ctx context.Context, g *git.Runner, dir, commit string) ([]Submodule, error) {
	var links []git.TreeEntry
	if err := g.WalkTree(ctx, dir, commit, func(e git.TreeEntry) error {
		if e.Type == "commit" {
			links = append(links, e)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(links) == 0 {
		return nil, nil
	}
	mods, err := readGitmodules(ctx, g, dir, commit)
	if err != nil {
		return nil, err
	}
	subs := make([]Submodule, 0, len(links))
	for _, l := range links {
		m, ok := mods[l.Path]
		if !ok {
			return nil, fmt.Errorf("submodule %s at commit %s: .gitmodules of commit %s has no entry for it", l.Path, l.Oid, commit)
		}
		if !safePath(m.name) {
			return nil, fmt.Errorf("submodule %s: name %q is not a plain path", l.Path, m.name)
		}
		url, err := submoduleURL(ctx, g, dir, m)
		if err != nil {
			return nil, fmt.Errorf("submodule %s: %w", l.Path, err)
		}
		subs = append(subs, Submodule{Path: l.Path, Name: m.name, Commit: l.Oid, URL: url})
	}
	return subs, nil
}

// Unavailable is the one wording, the export's and checkout's, of a
// submodule at path whose commit cannot be had: why is what the fetch
// said (pkg/network's error names the URL, redacted, and quotes the
// server's most telling line).
func Unavailable(path, commit string, why error) error {
	return fmt.Errorf("submodule %s at commit %s cannot be had: %w", path, commit, why)
}

// FetchSubmodule makes s.Commit present in the git directory into,
// creating it (bare) if it does not exist, and fetching the commit from
// s.URL, through pkg/network's policy, only when into lacks it: the
// export's own fetch of a missing submodule commit.
func FetchSubmodule(ctx context.Context, g *network.Client, into string, s Submodule) error {
	if !isGitDir(into) {
		if err := os.MkdirAll(filepath.Dir(into), 0o755); err != nil {
			return err
		}
		if _, err := g.Do(ctx, git.Call{Args: []string{"init", "--quiet", "--bare", "--object-format=" + objectFormat(s.Commit), "--", into}}); err != nil {
			return err
		}
	}
	if hasCommit(ctx, g.Runner, into, s.Commit) {
		return nil
	}
	return fetchCommit(ctx, g, into, s.URL, s.Commit)
}
