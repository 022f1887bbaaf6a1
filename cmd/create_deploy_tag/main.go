// create_deploy_tag prints a new deploy tag. It creates nothing.
//
// # Synopsis
//
//	create_deploy_tag [--basedir DIR] [--prefix P] [--manifest FILE|-] [--time T] [--jobs N] [--config FILE]
//	                  [--json] [--quiet] [REPO...]
//
// # Description
//
// The tag is PREFIX_YYYYMMDD_HHMMSS_HASH7: the time is UTC (now, or --time),
// and HASH7 is the first seven hex digits of the SHA-256 of the canonical
// manifest ("name SP hash LF" per repo, sorted) of the commits it names:
// the HEADs of the REPOs (default: the basedir's repos, or deploy.toml's
// repos), or the commits listed in --manifest (- reads it from stdin). The
// same code gets the same suffix; tags sort by time as plain strings.
//
// # Output
//
// One line on stdout: the tag. With --json, a JSON record instead:
//
//	{"tag": "DEPLOY_20261125_142501_3f9a2c1", "prefix": "DEPLOY",
//	 "time": "2026-11-25T14:25:01Z", "hash": "3f9a2c1...(64 hex)",
//	 "repos": [{"name": "tutor-js", "commit": "f5476fd..."}, ...]}
//
// where hash is the SHA-256 of the canonical manifest and repos lists
// the repos it names, sorted.
//
// # Exit status
//
//	0  the tag is printed
//	1  a repo cannot be read, or the manifest is malformed
//	2  a wrong command line (a bad prefix, a bad --time)
//
// # Examples
//
//	# the tag the HEADs of ~/src/tutor would get
//	create_deploy_tag --basedir ~/src/tutor
//	# make a tag and apply it to every repo of the current folder
//	create_deploy_tag | xargs tag_repos
//	# the tag of a manifest's commits, at a given time
//	create_deploy_tag --time 2026-11-25T14:25:01Z --manifest deploy.manifest
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/tags"
)

func app() *cli.App {
	return cmdline.NewApp("create_deploy_tag", "print a new deploy tag for the repos' HEADs or a manifest",
		"[REPO...]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, cmdline.PrefixFlag, cmdline.CommitsFlag, cmdline.TimeFlag, cmdline.JobsFlag,
			cmdline.JSONFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	if c.IsSet(cmdline.CommitsFlag.Name) && c.NArg() > 0 {
		return cmdline.Usagef("give either --manifest or REPO operands, not both")
	}
	env, err := cmdline.Setup(c)
	if err != nil {
		return err
	}
	m, err := env.ManifestArg(c, nil)
	if !c.IsSet(cmdline.CommitsFlag.Name) {
		var repos []basedir.Repo
		if repos, err = env.Repos(c.Args().Slice()); err == nil {
			m, err = tags.Heads(c.Context, env.Git, repos, env.Jobs)
		}
	}
	if err != nil {
		return err
	}
	t, err := tags.Name(env.Prefix, env.Time, m)
	if err != nil {
		return err
	}
	return cmdline.Output(c, t, t.Tag+"\n")
}

func main() { os.Exit(cmdline.Main(app(), source)) }
