// show_deploy_tag prints the deploy tag of a deployed release, or serves it
// over HTTP.
//
// # Synopsis
//
//	show_deploy_tag [--environment ENV | --root DIR] [--basedir DIR] [--json] [--serve HOST:PORT] [--jobs N] [--config FILE]
//	                [--quiet] [PATH]
//	show_deploy_tag --all [--root DIR]... [--basedir DIR] [--json] [--serve HOST:PORT] [--config FILE]
//
// # Description
//
// It reads the standard place the deploy tool fills: <root>/current links
// to the live release, whose DEPLOY_TAG file holds the tag and a newline
// and whose DEPLOY_MANIFEST lists each repo and commit; <root>/deploys.log
// says when each tag was deployed.
//
// PATH may be any folder inside a release (it walks up to the nearest
// DEPLOY_TAG, so code running in <root>/current/<repo> can pass ".") or a
// root. Without PATH, the root is --root, else $DEPLOY_ROOT, else the
// root of --environment in deploy.toml, else
// $XDG_STATE_HOME/deploytag/ENV; with none of these, the current folder
// is walked up from (finding no release there, the hint names
// --environment and --root). When deploy.toml defines environments,
// --environment must name one of them, as for deploy.
//
// With --basedir (a folder holding the deployed repos; by default the
// current folder, when it holds repos), --json and --serve give each
// repo's version: the highest semantic-version tag (v1.2.3 or 1.2.3, pre-releases ranked
// as semver ranks them) contained in the deployed commit.
//
// --serve HOST:PORT serves the same over HTTP, reading the standard place
// on every request: /deploy_tag (text), /deploy_tag.json (JSON), / (a
// page for people, with a copy button) and /metrics (see Metrics). It
// binds exactly what it is given: a bare port binds to 127.0.0.1,
// 0.0.0.0:PORT to IPv4 alone, [::]:PORT to IPv6 alone. SIGINT or SIGTERM
// shuts it down gracefully.
//
// It reads files only: without --basedir, --config, --environment or
// --all, and outside a basedir, it needs neither git nor a deploy.toml.
//
// # What runs where
//
// --all covers every environment of deploy.toml, in the file's order, each
// at its configured root (else $XDG_STATE_HOME/deploytag/ENV; $DEPLOY_ROOT,
// which names one root, is not used), then each --root DIR, which may
// repeat, named by the environment its newest deploys.log line records,
// else by its folder. It prints one "ENV TAG" line per environment ("-"
// when nothing is deployed), or with --json the array of
// /environments.json.
//
// With --serve it serves, reading the roots on every request:
//
//	/                          a page for people: each environment's live tag (with
//	                           a copy button), when and by whom it was deployed, and
//	                           the environments side by side, repo by repo
//	/environments/NAME         its history, newest first: every attempt, failures
//	                           with their error, rollbacks marked, and what each
//	                           deploy changed per repo (commits gained and dropped)
//	/environments.json         [{"environment", "root", "tag", "deployed_at", "user", "host"}]
//	/environments/NAME.json    the same with "history" (?limit=N, default 100, 0 all)
//	/diff.json?from=TAG&to=TAG what changed between two deploys, as
//	                           deploy_manifest --diff --log --json prints it
//	/metrics                   every environment, for Prometheus (see Metrics)
//
// A deploy is a rollback when it put live a tag older, by the time in its
// name, than the tag live before it; a redeploy of the live tag is not
// one. Where the names cannot tell (the same second, or no time in a
// name), it is a return to a tag deployed before. Commits are counted and listed from the basedir's repos (one git
// process per changed repo; a diff of two tags, once counted, is kept);
// without them the pages show each repo's commits and say the log needs
// the repos. Commits link to the page commit_url in deploy.toml names.
//
// # Metrics
//
// /metrics, in Prometheus' text format, has for each environment:
//
//	deploytag_info{environment,tag} 1               the live tag (none while nothing is live)
//	deploytag_deploy_timestamp_seconds{environment} when it was deployed (deploys.log)
//	deploytag_deploys_total{environment,outcome}    attempts in deploys.log: ok, failed, rolled_back
//
// # Output
//
// The tag and a newline; with --json one record:
// {"tag", "environment", "deployed_at", "root", "repos": [{"name",
// "commit", "version"}]}, where environment, deployed_at, root and version
// are null when unknown. With --serve, nothing on stdout.
//
// # Exit status
//
//	0  the tag is printed (or served until SIGINT or SIGTERM)
//	1  no release is found, or its files are malformed (the file named)
//	2  a wrong command line
//
// # Examples
//
//	# the tag live in production
//	show_deploy_tag --environment production
//	# from code running in a release
//	cd /srv/tutor/current/tutor-server && show_deploy_tag .
//	# serve it over HTTP, and what runs where for every environment
//	show_deploy_tag --root /srv/tutor --serve 127.0.0.1:8099
//	show_deploy_tag --all --basedir ~/src/tutor --serve 8099
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/dashboard"
	"github.com/deploytag/deploytag/pkg/live"
)

var (
	environmentFlag = cmdline.EnvironmentFlag("environment whose live tag to show")
	rootFlag        = cmdline.RootFlag("root of the standard place (holds current, releases, deploys.log); with --all, repeatable", true)
	serveFlag       = &cli.StringFlag{Name: "serve", Usage: "serve /deploy_tag, /deploy_tag.json, / and /metrics on HOST:PORT"}
	allFlag         = &cli.BoolFlag{Name: "all", Usage: "every environment of deploy.toml, and each --root: what runs where"}
)

func app() *cli.App {
	a := cmdline.NewApp("show_deploy_tag", "print the deploy tag of a deployed release", "[PATH]",
		[]cli.Flag{environmentFlag, rootFlag, allFlag, cmdline.BasedirFlag, cmdline.ConfigFlag, cmdline.JSONFlag, serveFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
	a.DisableSliceFlagSeparator = true // a root may hold a comma
	return a
}

func run(c *cli.Context) error {
	envName, err := cmdline.EnvironmentArg(c)
	if err != nil {
		return err
	}
	q := query{paths: c.Args().Slice(), roots: cmdline.Roots(c), environment: envName, all: c.Bool(allFlag.Name),
		json: c.Bool(cmdline.JSONFlag.Name), serve: c.IsSet(serveFlag.Name), addr: c.String(serveFlag.Name)}
	if err := q.check(); err != nil {
		return cmdline.Usage(err)
	}
	// Git and deploy.toml are needed only for --all, versions (with --json
	// and --serve, from the basedir: by default the current folder, when
	// it holds repos) and configured roots: an app asking for its tag
	// needs neither installed.
	withRepos := c.IsSet(cmdline.BasedirFlag.Name) || (q.json || q.serve) && basedir.HoldsRepos(c.String(cmdline.BasedirFlag.Name))
	env, err := cmdline.SetupIf(c, q.all || withRepos || c.IsSet(cmdline.ConfigFlag.Name) || envName != "")
	if err != nil {
		return err
	}
	o := dashboard.ShowOptions{Config: env.Config, Git: env.Git, Repos: func() ([]basedir.Repo, error) { return env.Repos(nil) },
		Versions: withRepos, Jobs: env.Jobs, Warnf: env.Warnf, ReposFlag: "--" + cmdline.BasedirFlag.Name}
	if err := q.where(env, &o); err != nil {
		return err
	}
	s, err := dashboard.Show(c.Context, o)
	switch {
	case err != nil:
		return q.hint(err)
	case q.serve:
		cmdline.Serves(c.App)
		return live.Serve(c.Context, q.addr, s.Handler, env.Serving)
	}
	return cmdline.Output(c, s.Record, s.Text)
}

func main() { os.Exit(cmdline.Main(app(), source)) }
