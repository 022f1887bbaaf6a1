// deploy_manifest prints the manifest of the checked-out code or of a
// deploy tag, or what changed between two deploys.
//
// # Synopsis
//
//	deploy_manifest [--basedir DIR] [--tag TAG] [--json] [--jobs N] [--config FILE] [--quiet]
//	deploy_manifest [--basedir DIR] --diff [--log] [--json] [--jobs N] [--config FILE] [--quiet] FROM TO
//
// # Description
//
// Without --tag it prints the manifest of the basedir's HEADs: one line per
// repo, its name and commit, sorted and aligned, as create_deploy_tag would
// name them. With --tag it prints the manifest recorded in the annotated
// tag's message (read from the first repo, by name, that carries it);
// --tag HEAD is refused like any name outside the tag grammar.
//
// --diff FROM TO lists the repos whose commit differs between two deploys,
// FROM and TO each a deploy tag or HEAD (the checked-out code), counting
// the commits each way in the basedir's copy of the repo. --log adds the
// one-line commits (and implies --diff), so
// "deploy_manifest --log $(show_deploy_tag --environment production) HEAD"
// shows what a deploy of the checked-out code would change.
//
// # Output
//
// The manifest, or one line per changed repo: its name, a tab, then
// "+AHEAD -BEHIND" (commits in TO and not in FROM, and the reverse; "?"
// when the repo is not at hand), a tab, and FROM..TO as short hashes; a
// repo only in TO says "added" and its commit, one only in FROM "removed".
// With --log each is followed by its commits, "\t+ HASH subject" for those
// gained and "\t- HASH subject" for those dropped (a rollback), newest
// first. With --json one record: {"tag", "repos": [{"name", "commit"}]},
// or for a diff {"from", "to", "repos": [{"name", "from", "to", "ahead",
// "behind", "log": [{"commit", "subject"}], "dropped": [...]}]}.
//
// # Exit status
//
//	0  the manifest (or the diff) is printed
//	1  a tag or repo cannot be read (each named)
//	2  a wrong command line
//
// # Examples
//
//	# the manifest of the checked-out code
//	deploy_manifest --basedir ~/src/tutor > manifest.txt
//	# the manifest a deploy tag records
//	deploy_manifest --tag DEPLOY_20261125_142501_3f9a2c1
//	# what changed between two deploys, commit by commit
//	deploy_manifest --log DEPLOY_20261124_090000_1b2c3d4 DEPLOY_20261125_142501_3f9a2c1
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
)

var (
	tagFlag  = cmdline.Completes(cmdline.Tags, &cli.StringFlag{Name: "tag", Usage: "print the manifest recorded in this deploy tag"})
	diffFlag = &cli.BoolFlag{Name: "diff", Usage: "list the repos changed between the deploys FROM and TO (tags, or HEAD)"}
	logFlag  = &cli.BoolFlag{Name: "log", Usage: "with --diff, list the one-line commits too (implies --diff)"}
)

func app() *cli.App {
	return cmdline.NewApp("deploy_manifest", "print the manifest of the HEADs or of a deploy tag, or diff two deploys", "[FROM TO]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, tagFlag, diffFlag, logFlag, cmdline.JSONFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	q := query{tag: c.String(tagFlag.Name), tagSet: c.IsSet(tagFlag.Name), diff: c.Bool(diffFlag.Name) || c.Bool(logFlag.Name),
		log: c.Bool(logFlag.Name), operands: c.Args().Slice()}
	if err := q.check(); err != nil {
		return cmdline.Usage(err)
	}
	env, repos, err := cmdline.SetupRepos(c, nil)
	if err != nil {
		return err
	}
	record, text, err := q.answer(c.Context, env.Git, repos, env.Jobs, env.Warnf)
	if err != nil {
		return err
	}
	return cmdline.Output(c, record, text)
}

func main() { os.Exit(cmdline.Main(app(), source)) }
