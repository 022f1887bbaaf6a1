package dashboard

import (
	"context"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/tags"
)

// ShowOptions configure Show: where the roots and the repos are.
type ShowOptions struct {
	Config  *config.Config
	Basedir string
	// ConfiguredRoot gives the root of one of Config's environments (for
	// --all); ReleaseRoot the root of one release from --root and the
	// environment, by the tool's precedence, which RootFromEnv says an
	// environment variable ($DEPLOY_ROOT) takes part in.
	ConfiguredRoot func(env string) (string, error)
	ReleaseRoot    func(root, env string) (string, error)
	RootFromEnv    bool
	Git            *git.Runner
	// Repos selects the basedir's repos. With --all, without them the
	// pages still show tags, times and commits (the basedir may hold only
	// deploy.toml); for one release they are read only with Versions, and
	// must be there.
	Repos    func() ([]basedir.Repo, error)
	Versions bool
	Jobs     int
	Warnf    func(format string, args ...any)
}

// Show is show_deploy_tag: with q.All the environments Configured finds,
// else the one release of q (live.Query.Show), to serve (q.Serve) or
// print.
func Show(ctx context.Context, q live.Query, o ShowOptions) (live.Shown, error) {
	logErr := func(err error) { o.Warnf("%v", err) }
	if !q.All {
		return showRelease(ctx, q, o, live.HandlerOptions{Source: live.Source{Path: q.Path(), Environment: q.Environment}, ErrorLog: logErr})
	}
	envs, err := Configured(o.Config, o.Basedir, o.ConfiguredRoot, q.Roots)
	if err != nil {
		return live.Shown{}, err
	}
	opts := Options{Envs: envs, Git: o.Git, Jobs: o.Jobs, CommitLink: o.Config.CommitLink, ErrorLog: logErr}
	if opts.Repos, err = o.Repos(); err != nil {
		o.Warnf("commits are not counted or listed: %v", err)
	}
	srv, err := New(opts)
	if err != nil || q.Serve {
		return live.Shown{Handler: srv}, err
	}
	sts := srv.Statuses()
	return live.Shown{Record: sts, Text: StatusLines(sts)}, nil
}

// showRelease is the one release of q: at the root of its environment or
// root (or of RootFromEnv), else found from its PATH; with Versions, each
// repo's version from the basedir's repos.
func showRelease(ctx context.Context, q live.Query, o ShowOptions, h live.HandlerOptions) (live.Shown, error) {
	var err error
	if q.Environment != "" || q.Root() != "" || o.RootFromEnv {
		if h.Source.Root, err = o.ReleaseRoot(q.Root(), q.Environment); err != nil {
			return live.Shown{}, err
		}
	}
	if o.Versions {
		repos, err := o.Repos()
		if err != nil {
			return live.Shown{}, err
		}
		h.Enrich = func(ctx context.Context, info *live.Info) { tags.AddVersions(ctx, o.Git, repos, info, o.Jobs) }
	}
	return q.Show(ctx, h, o.Warnf)
}
