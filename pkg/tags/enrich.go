package tags

import (
	"context"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/live"
)

// AddVersions fills the Version of each repo of info found in repos.
func AddVersions(ctx context.Context, g *git.Runner, repos []basedir.Repo, info *live.Info, jobs int) {
	vs := Versions(ctx, g, repos, info.Manifest(), jobs)
	for i, r := range info.Repos {
		if v, ok := vs[r.Name]; ok {
			info.Repos[i].Version = &v
		}
	}
}
