package deploy

import (
	"context"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/tags"
)

// Tagged is an existing deploy tag, checked in the basedir.
type Tagged struct {
	Tag      string
	Manifest manifest.Manifest
	Repos    []basedir.Repo // the manifest's repos, in the basedir, by name
}

// CheckTag reads every copy of an existing deploy tag in the basedir
// (tags.ReadCopies) and checks it (tags.Copies.Check): the manifest
// is the one recorded by the preferred repo's copy if it records one,
// else by the first repo's (by name) that does; every repo it names must
// be in the basedir and carry the tag, annotated, at the recorded commit,
// recording the same manifest. Every problem is reported, each naming its
// repo; a repo the manifest does not name is never blamed. tag must
// already be checked against the tag grammar.
func CheckTag(ctx context.Context, g *git.Runner, dir, tag, preferred string, jobs int) (Tagged, error) {
	// The tag's manifest says which repos are deployed; a work tree outside
	// the name grammar cannot be one of them.
	all, err := basedir.Discover(dir)
	if err != nil && !(basedir.OnlyNotTaken(err) && len(all) > 0) {
		return Tagged{}, err
	}
	order := make([]basedir.Repo, 0, len(all))
	for _, r := range all {
		if r.Name == preferred {
			order = append([]basedir.Repo{r}, order...)
		} else {
			order = append(order, r)
		}
	}
	copies, err := tags.ReadCopies(ctx, g, order, tag, jobs)
	if err != nil {
		return Tagged{}, err
	}
	repos, err := copies.Check()
	if err != nil {
		return Tagged{}, err
	}
	return Tagged{Tag: tag, Manifest: copies.Manifest, Repos: repos}, nil
}
