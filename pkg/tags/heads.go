package tags

import (
	"context"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// Heads returns the manifest of the repos' HEAD commits, one git process
// per repo, naming every repo whose HEAD cannot be read.
func Heads(ctx context.Context, g *git.Runner, repos []basedir.Repo, jobs int) (manifest.Manifest, error) {
	entries := make([]manifest.Entry, len(repos))
	err := basedir.Fanout{Jobs: jobs}.Each(ctx, len(repos), func(i int) string { return repos[i].Name }, func(ctx context.Context, i int) error {
		objs, err := g.Resolve(ctx, repos[i].Path, "HEAD^{commit}")
		switch {
		case err != nil:
			return err
		case objs[0].Missing:
			return basedir.Errorf(repos[i].Name, "HEAD has no commit yet (unborn branch)")
		}
		entries[i] = manifest.Entry{Name: repos[i].Name, Commit: objs[0].Oid}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return manifest.New(entries...)
}
