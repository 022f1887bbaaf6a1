// list_deploy_tags lists the deploy tags of a basedir's repos, newest
// first.
//
// # Synopsis
//
//	list_deploy_tags [--basedir DIR] [--remote] [--timeout D] [--limit N] [--long | --json] [--jobs N] [--config FILE]
//	                 [--quiet]
//
// # Description
//
// It lists the tags that have the deploy-tag form PREFIX_YYYYMMDD_HHMMSS_HASH7
// (never v1.2.3 or other tags) found in any repo of the basedir, newest
// first: by the time in the name, then by name, so with one prefix the
// order is plain reverse name order. A tag is "missing" from a repo it
// names (by the manifest in its message, or, when no copy records one,
// every repo of the basedir) that lacks it.
//
// With --remote it reads each repo's remote (ls-remote, each bounded by
// --timeout: one repo's step, not the whole run) instead of the local
// tags; the remote is $DEPLOYTAG_REMOTE, else the config's remote, else
// origin. Remotes on one ssh host share one ssh connection (see push_tag).
// A remote that fails or hangs is named and nothing is listed.
//
// # Output
//
// One tag per line; a tag some repos lack is followed by a space,
// "missing:" and their names comma-separated:
//
//	DEPLOY_20261125_142501_3f9a2c1
//	DEPLOY_20261124_090000_1b2c3d4 missing: tutor-js
//
// With --long two fields follow the tag, before any "missing:": the time
// in RFC 3339 and the number of repos the tag names. The first field is
// always the tag, so "list_deploy_tags | head -1 | cut -d' ' -f1" is the
// newest tag. With --json an array of {"tag", "time", "repos", "present",
// "missing"}.
//
// # Exit status
//
//	0  the tags are listed (also when there are none)
//	1  a repo or remote cannot be read (each named)
//	2  a wrong command line
//
// # Examples
//
//	# the five newest deploy tags of the current folder's repos
//	list_deploy_tags --limit 5
//	# the deploy tags the remotes have, with time and repo count
//	list_deploy_tags --remote --long
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/tags"
)

var (
	remoteFlag = &cli.BoolFlag{Name: "remote", Usage: "list the tags of each repo's remote instead of the local ones"}
	limitFlag  = &cli.IntFlag{Name: "limit", Aliases: []string{"n"}, Usage: "list at most N tags (0: all)"}
	longFlag   = &cli.BoolFlag{Name: "long", Aliases: []string{"l"}, Usage: "add the time and the number of repos after each tag"}
)

func app() *cli.App {
	return cmdline.NewApp("list_deploy_tags", "list deploy tags, newest first", "",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, remoteFlag, cmdline.TimeoutFlag, limitFlag, longFlag,
			cmdline.JSONFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	switch {
	case c.NArg() != 0:
		return cmdline.Usagef("no operands expected")
	case c.Int(limitFlag.Name) < 0:
		return cmdline.Usagef("--limit must be 0 (all) or more, not %d", c.Int(limitFlag.Name))
	case c.Bool(longFlag.Name) && c.Bool(cmdline.JSONFlag.Name):
		return cmdline.Usagef("give --long or --json, not both")
	}
	env, repos, err := cmdline.SetupRepos(c, nil)
	if err != nil {
		return err
	}
	opts := tags.ListOptions{Repos: repos, Timeout: env.Timeout, Jobs: env.Jobs, Limit: c.Int(limitFlag.Name)}
	if c.Bool(remoteFlag.Name) {
		if opts.Remote, err = env.RemoteEnv(); err != nil {
			return err
		}
	}
	list, err := tags.List(c.Context, env.Net, opts)
	if err != nil {
		return err
	}
	return cmdline.Output(c, list, tags.ListLines(list, c.Bool(longFlag.Name)))
}

func main() { os.Exit(cmdline.Main(app(), source)) }
