package tagging

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// Heads returns the manifest of the repos' HEAD commits, one git process
// per repo, naming every repo whose HEAD cannot be read.
func Heads(ctx context.Context, g *git.Runner, repos []basedir.Repo, jobs int) (manifest.Manifest, error) {
	entries := make([]manifest.Entry, len(repos))
	errs := make([]error, len(repos))
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(max(jobs, 1))
	for i, r := range repos {
		eg.Go(func() error {
			objs, err := g.Resolve(ctx, r.Path, "HEAD^{commit}")
			switch {
			case err != nil:
				errs[i] = basedir.Wrap(r.Name, err)
			case objs[0].Missing:
				errs[i] = basedir.Errorf(r.Name, "HEAD has no commit yet (unborn branch)")
			default:
				entries[i] = manifest.Entry{Name: r.Name, Commit: objs[0].Oid}
			}
			return ctx.Err()
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return manifest.New(entries...)
}
