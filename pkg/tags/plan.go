package tags

import (
	"context"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/names"
)

// PlanForDeploy does every check ForDeploy does and names the tag it
// would create, but creates nothing: it is ForDeploy for a dry run.
func PlanForDeploy(ctx context.Context, g *git.Runner, o DeployOptions) (Deployed, error) {
	warnf := o.Warnf
	if warnf == nil {
		warnf = func(string, ...any) {}
	}
	m, err := statuses(ctx, g, o, warnf)
	if err != nil {
		return Deployed{}, err
	}
	t, err := names.New(o.Prefix, o.Time, m.Hash())
	if err != nil {
		return Deployed{}, err
	}
	d := Deployed{Tag: t.String(), Manifest: m}
	if _, err := Check(ctx, g, Options{Tag: d.Tag, Repos: o.Repos, Commits: m, Sign: o.Sign, Jobs: o.Jobs}); err != nil {
		return Deployed{}, err
	}
	return d, nil
}
