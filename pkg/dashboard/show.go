package dashboard

import (
	"context"
	"net/http"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/tags"
)

// ShowOptions say what Show shows and where the roots and the repos are:
// with All every environment of Envs, else the one release at Root (the
// root of its environment, as the command line resolved it), or with no
// Root the release Path is in (walked up to its DEPLOY_TAG) or is the
// root of.
type ShowOptions struct {
	All  bool
	Envs []Env // with All: what runs where (Configured)

	Root        string // one release: the root of its environment, if known
	Path        string // one release, with no Root: a folder in it, or a root
	Environment string // one release: the name of its environment, if known

	// Serve asks for a handler that reads the roots on every request
	// instead of what they hold now.
	Serve bool

	Config *config.Config
	Git    *git.Runner
	// Repos selects the basedir's repos. With All, without them the
	// pages still show tags, times and commits (the basedir may hold only
	// deploy.toml); for one release they are read only with Versions, and
	// must be there.
	Repos    func() ([]basedir.Repo, error)
	Versions bool
	Jobs     int
	Warnf    func(format string, args ...any)
	// ReposFlag names how the operator gives the repos (Options).
	ReposFlag string
}

// Shown is what Show found: the record and the text of what is live now,
// or, when served, the handler that serves it.
type Shown struct {
	Record  any
	Text    string
	Handler http.Handler
}

// Show is show_deploy_tag's one call: with o.All the environments of
// o.Envs, else one release, to serve (o.Serve) or print.
func Show(ctx context.Context, o ShowOptions) (Shown, error) {
	logErr := func(err error) { o.Warnf("%v", err) }
	if !o.All {
		return showRelease(ctx, o, live.HandlerOptions{Source: live.Source{Path: o.Path, Root: o.Root, Environment: o.Environment}, ErrorLog: logErr})
	}
	opts := Options{Envs: o.Envs, Git: o.Git, Jobs: o.Jobs, CommitLink: o.Config.CommitLink, ErrorLog: logErr, ReposFlag: o.ReposFlag}
	var err error
	if opts.Repos, err = o.Repos(); err != nil {
		o.Warnf("commits are not counted or listed: %v", err)
	}
	srv, err := New(opts)
	if err != nil || o.Serve {
		return Shown{Handler: srv}, err
	}
	sts := srv.Statuses()
	return Shown{Record: sts, Text: StatusLines(sts)}, nil
}

// showRelease is the one release of h.Source; with Versions, each repo's
// version from the basedir's repos. Served, a release that cannot be read
// yet is served anyway (503 until a deploy), with a first warning.
func showRelease(ctx context.Context, o ShowOptions, h live.HandlerOptions) (Shown, error) {
	if o.Versions {
		repos, err := o.Repos()
		if err != nil {
			return Shown{}, err
		}
		h.Enrich = func(ctx context.Context, info *live.Info) { tags.AddVersions(ctx, o.Git, repos, info, o.Jobs) }
	}
	if o.Serve {
		if _, err := h.Source.Load(); err != nil {
			o.Warnf("%v; serving anyway (503 until a deploy)", err)
		}
		return Shown{Handler: live.NewHandler(h)}, nil
	}
	info, err := h.Load(ctx)
	if err != nil {
		return Shown{}, err
	}
	return Shown{Record: info, Text: info.Tag + "\n"}, nil
}
