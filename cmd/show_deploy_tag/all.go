package main

import (
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/dashboard"
	"github.com/deploytag/deploytag/pkg/live"
)

// runAll is --all: every environment of deploy.toml at its root, then each
// --root, printed (one "ENV TAG" line each, or --json) or served.
func runAll(c *cli.Context) error {
	switch {
	case c.NArg() > 0:
		return cliutil.Usagef("--all takes no PATH")
	case c.IsSet(environmentFlag.Name):
		return cliutil.Usagef("give --all or --environment, not both")
	case c.IsSet(serveFlag.Name) && c.Bool(cliutil.JSONFlag.Name):
		return cliutil.Usagef("give --serve or --json, not both")
	}
	env, err := cliutil.Setup(c)
	if err != nil {
		return err
	}
	var configured []dashboard.Env
	for _, name := range env.Config.EnvironmentOrder {
		root, err := env.ConfiguredRoot(name)
		if err != nil {
			return err
		}
		configured = append(configured, dashboard.Env{Name: name, Root: root})
	}
	envs, err := dashboard.Envs(configured, c.StringSlice(rootFlag.Name))
	if err != nil {
		return err
	}
	if len(envs) == 0 {
		return cliutil.Usagef("--all: no environment: %s defines none and no --root was given", configName(env))
	}
	opts := dashboard.Options{Envs: envs, Jobs: env.Jobs, CommitLink: env.Config.CommitLink,
		ErrorLog: func(err error) { env.Warnf("%v", err) }}
	// Without the repos the pages still show tags, times and commits; the
	// basedir may hold only deploy.toml.
	if repos, err := env.Repos(nil); err != nil {
		env.Warnf("commits are not counted or listed: %v", err)
	} else {
		opts.Git, opts.Repos = env.Git, repos
	}
	srv, err := dashboard.New(opts)
	if err != nil {
		return err
	}
	if c.IsSet(serveFlag.Name) {
		addr, err := live.ServeAddr(c.String(serveFlag.Name))
		if err != nil {
			return cliutil.Usage(err)
		}
		cliutil.Serves(c.App)
		return live.Serve(c.Context, addr, srv, env.Serving)
	}
	sts := srv.Statuses()
	if c.Bool(cliutil.JSONFlag.Name) {
		return cliutil.WriteJSON(c.App.Writer, sts)
	}
	return dashboard.WriteStatuses(c.App.Writer, sts)
}

func configName(env *cliutil.Env) string {
	if env.Config.File != "" {
		return env.Config.File
	}
	return filepath.Join(env.Basedir, "deploy.toml")
}
