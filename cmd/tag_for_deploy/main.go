// tag_for_deploy names the checked-out code of every repo with a new deploy
// tag and applies it, all or nothing.
//
// # Synopsis
//
//	tag_for_deploy [--prefix P] [--sign] [--allow-dirty] [--time T] [--jobs N] [--config FILE] [--quiet] [BASEDIR | --basedir DIR]
//
// # Description
//
// It reads HEAD and the status of every repo of BASEDIR (default: the
// current folder, or --basedir), refuses uncommitted changes to tracked
// files, naming every such repo, unless --allow-dirty (which tags the
// committed code and warns), and warns about untracked files, which never
// block and are never deployed. It then makes the tag, as
// create_deploy_tag would, and applies it to every repo as tag_repos
// would: all or nothing, never moving a tag, taking turns with any other
// tagging run over the same repos (tag_repos's lock).
//
// A deploy tag sits on the very commit it names, so "git describe" there
// answers with it: when a repo's top-level files show a version tool that
// would take the deploy tag for the version (setuptools-scm and its kin
// in pyproject.toml, setup.cfg or setup.py; git describe in a Makefile or
// package.json; %(describe) in .git_archival.txt) and do not exclude
// deploy tags, it warns, naming the repo and the file, and says how to
// exclude them.
//
// When deploy.toml sets manifest_repo, the manifest is also committed as
// manifests/<TAG> on the deploy-manifests branch of that repo, without
// touching its work tree, index or HEAD.
//
// # Output
//
// One line on stdout: the tag, once every repo carries it.
//
// # Exit status
//
//	0  every repo carries the new tag, which is printed
//	1  a repo is dirty or cannot be tagged (each named; no repo gained the tag)
//	2  a wrong command line
//
// # Examples
//
//	# tag the checked-out code of every repo of ~/src/tutor
//	tag_for_deploy ~/src/tutor
//	# tag, then push the tag
//	TAG=$(tag_for_deploy) && push_tag "$TAG"
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/tags"
)

var allowDirtyFlag = cmdline.AllowDirtyFlag("tag the committed code even if tracked files have uncommitted changes")

func app() *cli.App {
	return cmdline.NewApp("tag_for_deploy", "create a deploy tag for the checked-out code and apply it to every repo",
		"[BASEDIR]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, cmdline.PrefixFlag, cmdline.SignFlag, allowDirtyFlag,
			cmdline.TimeFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	dir := c.String(cmdline.BasedirFlag.Name)
	switch {
	case c.NArg() > 1:
		return cmdline.Usagef("too many operands: want at most one BASEDIR")
	case c.NArg() == 1 && c.IsSet(cmdline.BasedirFlag.Name):
		return cmdline.Usagef("give BASEDIR or --basedir, not both")
	case c.NArg() == 1:
		dir = c.Args().First()
	}
	env, err := cmdline.SetupIn(c, dir)
	if err != nil {
		return err
	}
	repos, err := env.Repos(nil)
	if err != nil {
		return err
	}
	d, err := tags.ForDeploy(c.Context, env.Git, tags.DeployOptions{Repos: repos, Prefix: env.Prefix, Time: env.Time, Sign: env.Sign,
		AllowDirty: c.Bool(allowDirtyFlag.Name), DirtyOverride: cmdline.DirtyOverride, Jobs: env.Jobs, ManifestRepo: env.Config.ManifestRepo, Warnf: env.Warnf,
		Progress: env.Progress(), Waiting: env.WaitingTag, VersionWarnings: true})
	if err != nil {
		return err
	}
	return cmdline.Output(c, nil, d.Tag+"\n")
}

func main() { os.Exit(cmdline.Main(app(), source)) }
