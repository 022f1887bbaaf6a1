package tags

import (
	"context"
	"errors"
	"io"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
)

// RunOperands is Run over the repos a command line names (tag_repos):
// operands select them in dir as basedir.Select does ("-" reads more
// from stdin); without operands they are the repos o.Commits lists, else
// configured, else every work tree of dir. A bad operand does not stop
// the checks of the good ones: every culprit is named in one run, and
// nothing is tagged. It returns the names of the repos that carry the
// tag, in order.
func RunOperands(ctx context.Context, g *git.Runner, o Options, dir string, configured, operands []string, stdin io.Reader) ([]string, error) {
	if o.Commits != nil {
		configured = o.Commits.Names()
	}
	repos, opErr := basedir.Select(dir, configured, operands, stdin)
	if len(repos) == 0 {
		return nil, opErr
	}
	if opErr != nil {
		_, err := Check(ctx, g, Options{Tag: o.Tag, Repos: repos, Commits: o.Commits, Jobs: o.Jobs})
		return nil, errors.Join(opErr, err)
	}
	o.Repos = repos
	plan, _, err := Run(ctx, g, o)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(plan.Repos))
	for i, rp := range plan.Repos {
		names[i] = rp.Repo.Name
	}
	return names, nil
}
