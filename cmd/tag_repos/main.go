// tag_repos applies one annotated tag to many repos, all or nothing.
//
// # Synopsis
//
//	tag_repos [--basedir DIR] [--manifest FILE|-] [--sign] [--jobs N] [--config FILE] [--quiet] TAG [REPO...]
//
// # Description
//
// TAG goes on HEAD of each REPO, or on the commit --manifest lists for it.
// A REPO is a repo name in the basedir or a path (containing a slash) to a
// work tree; - reads more REPOs from stdin, one per line. Without REPOs it
// tags the basedir's repos (deploy.toml's repos, or every git work tree in
// the basedir), or with --manifest every repo the manifest lists.
//
// Every repo is checked before any is tagged: the commit must exist, the
// tag must be absent or already at that commit, and no stale lock may
// block it. Tags are then created in parallel; if one fails, the tags this
// run created are removed and no repo gains the tag. A tag already at the
// intended commit counts as done, so a re-run is safe. A tag is never
// moved or deleted otherwise. Each tag's message is the tag name, a blank
// line and the manifest of every repo tagged.
//
// Tagging runs over the same repos take turns: each holds an flock on
// deploytag-tagging.flock in every repo's git folder from its checks to
// its end (rollback included), so a run never counts as done a tag that
// another run is about to take back. A killed run's locks go with it; a
// run that waits says so on stderr, and gives up after 10 minutes.
//
// TAG must match [A-Za-z0-9][A-Za-z0-9._+-]*, at most 128 characters, and
// not be HEAD; it need not be a deploy tag. A name shaped like a deploy
// tag (PREFIX_YYYYMMDD_HHMMSS_HEX) must be one in full: a real date and
// time and exactly 7 lower-case hex digits.
//
// # Output
//
// The name of each repo tagged (or already tagged), one per line, printed
// only once every repo is.
//
// # Exit status
//
//	0  every repo carries the tag
//	1  a repo failed (each named on stderr, and none gained the tag)
//	2  a wrong command line
//
// # Examples
//
//	# make a deploy tag and apply it to every repo of the current folder
//	create_deploy_tag | xargs tag_repos
//	# a tag on two repos
//	tag_repos DEPLOY_20261125_142501_3f9a2c1 tutor-server tutor-js
//	# the repos read from stdin
//	ls -d ~/src/*/ | tag_repos v2.1.4 -
package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/tags"
)

func app() *cli.App {
	return cmdline.NewApp("tag_repos", "apply one annotated tag to many repos, all or nothing",
		"TAG [REPO...]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, cmdline.CommitsFlag, cmdline.SignFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	tag, env, err := cmdline.SetupTag(c)
	if err != nil {
		return err
	}
	operands := c.Args().Tail()
	m, err := env.ManifestArg(c, operands)
	if err != nil {
		return err
	}
	names, err := tags.RunOperands(c.Context, env.Git, tags.Options{Tag: tag, Commits: m, Sign: env.Sign, Jobs: env.Jobs, Progress: env.Progress(), Waiting: env.WaitingTag}, env.Basedir, env.Config.Repos, operands, env.Stdin)
	if err != nil {
		return err
	}
	return cmdline.Output(c, nil, strings.Join(names, "\n")+"\n")
}

func main() { os.Exit(cmdline.Main(app(), source)) }
