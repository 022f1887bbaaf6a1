// verify_deploy_tag checks that a deploy tag is intact in the repos, that
// the work trees are at it, and that a deployed release is exactly it.
//
// # Synopsis
//
//	verify_deploy_tag [--basedir DIR] [--environment ENV | --root DIR] [--signed] [--json] [--jobs N] [--config FILE]
//	                  [--quiet] TAG
//
// # Description
//
// In the basedir it checks that every repo of the tag's manifest (read from
// the annotated tag's message) carries TAG as an annotated tag at the
// commit the manifest records, that every copy of the tag records the same
// manifest, that no other repo carries it, and that each work tree's HEAD
// is at the tag with no uncommitted changes to tracked files. With
// manifest_repo configured, a manifests/<TAG> recorded on that repo's
// deploy-manifests branch must match the tag's manifest.
//
// With --environment or --root it also checks the live release of that
// root (<root>/current): DEPLOY_TAG names TAG, DEPLOY_MANIFEST is the tag's
// manifest, the release holds no other entries, and each repo's folder is
// exactly the tag's tree: its git tree hash, computed in a scratch index
// and object folder (the repo is only read), equals TAG^{tree}. Files
// edited, added or deleted are named.
//
// With --signed every copy of the tag must carry a signature that
// "git verify-tag" accepts (gpg, or ssh with gpg.ssh.allowedSignersFile).
//
// # Output
//
// One line per repo, then with a release one per release file checked:
// the name, a tab, and "ok" or every difference separated by "; ":
//
//	repo-a	ok
//	repo-b	HEAD at 1a2b3c4d5e6f, not at the tag (9f8e7d6c5b4a)
//	repo-c	release files edited: app.rb; release files added: x.txt
//	DEPLOY_TAG	ok
//	DEPLOY_MANIFEST	ok
//
// With --json one record: {"tag", "ok", "release", "repos": [{"name",
// "ok", "problems": [...], "edited", "added", "deleted"}]}, the three file
// lists present only when not empty.
//
// # Exit status
//
// 0 if everything matches, 1 on any difference (each named on stdout, the
// culprits summed up on stderr) or if the check cannot be made, 2 for a
// wrong command line.
//
// # Examples
//
//	verify_deploy_tag --basedir ~/src/tutor DEPLOY_20261125_142501_3f9a2c1
//	verify_deploy_tag --environment production --signed "$(show_deploy_tag --environment production)"
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/deployinfo"
	"github.com/deploytag/deploytag/pkg/deploytag"
	"github.com/deploytag/deploytag/pkg/verify"
)

var (
	environmentFlag = &cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Usage: "also check the live release of this environment"}
	rootFlag        = &cli.StringFlag{Name: "root", Usage: "also check the live release of this root", TakesFile: true}
	signedFlag      = &cli.BoolFlag{Name: "signed", Usage: "require every copy of the tag to carry a signature that verifies"}
)

func app() *cli.App {
	return cliutil.NewApp("verify_deploy_tag", "check a deploy tag in the repos and in a deployed release", "TAG",
		[]cli.Flag{cliutil.BasedirFlag, cliutil.ConfigFlag, environmentFlag, rootFlag, signedFlag, cliutil.JSONFlag, cliutil.JobsFlag, cliutil.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	if c.NArg() != 1 {
		return cliutil.Usagef("want exactly one TAG, got %d operands", c.NArg())
	}
	tag, envName, root := c.Args().First(), c.String(environmentFlag.Name), c.String(rootFlag.Name)
	if err := cliutil.TagOperand(tag); err != nil {
		return err
	}
	if c.IsSet(environmentFlag.Name) {
		if err := deploytag.ValidEnvironment(envName); err != nil {
			return cliutil.Usage(err)
		}
	}
	jobs, err := cliutil.Jobs(c)
	if err != nil {
		return err
	}
	env, err := cliutil.Setup(c)
	if err != nil {
		return err
	}
	repos, err := basedir.Select(env.Basedir, env.Config.Repos, nil, nil)
	if err != nil {
		return err
	}
	opts := verify.Options{Tag: tag, Repos: repos, Signed: c.Bool(signedFlag.Name), Jobs: jobs,
		ManifestRepo: env.Config.ManifestRepo}
	if envName != "" || root != "" {
		if root, err = env.ReleaseRoot(root, envName); err != nil {
			return err
		}
		if opts.Release, err = deployinfo.LiveRelease(root); err != nil {
			return err
		}
	}
	rep, err := verify.Verify(c.Context, env.Git, opts)
	if err != nil {
		return err
	}
	if c.Bool(cliutil.JSONFlag.Name) {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, l := range rep.Lines {
			if _, err := fmt.Fprintf(c.App.Writer, "%s\t%s\n", l.Name, l.Text()); err != nil {
				return err
			}
		}
	}
	if !rep.OK {
		return fmt.Errorf("%s does not match: %s", tag, strings.Join(rep.Failed(), ", "))
	}
	return nil
}

func main() { os.Exit(cliutil.Main(app())) }
