// deploy puts the code of one deploy tag into an environment's standard
// place, making and pushing the tag first when none is given.
//
// # Synopsis
//
//	deploy --environment ENV [--tag TAG] [--basedir DIR] [--root DIR] [--no-push] [--dry-run]
//	       [--lock-timeout D] [--jobs N] [--remote NAME] [--timeout D] [--config FILE] [--quiet]
//	       [--prefix P] [--sign] [--allow-dirty] [--time T] [--json]
//	deploy --environment ENV [--tag TAG] --artifact FILE|- [--basedir DIR] [--no-push] ...
//
// # Description
//
// With --tag, deploy creates no tag: TAG must be an annotated deploy tag
// in every repo its manifest names (read from the tag message), at the
// recorded commit, each repo in the basedir; otherwise every problem is
// named and nothing is deployed. Without --tag it runs the tag_for_deploy
// flow on the basedir's checked-out code (refusing uncommitted changes to
// tracked files) and deploys the new tag; a tag it created stays even if
// a later step fails, and the error names it so the deploy can be retried
// with --tag. --prefix, --sign, --allow-dirty and --time shape the new
// tag as they do for tag_for_deploy, so they cannot go with --tag.
//
// For a real environment (push = true, the default) the tag is pushed to
// every repo's remote before anything is deployed; a failed push deploys
// nothing. --no-push (or push = false) skips that, for experiments not
// meant to be shared.
//
// The release is every repo exported from git at the tag (never a copy of
// a work tree: untracked and uncommitted files are not deployed) into
// ROOT/releases/TAG, with DEPLOY_TAG and DEPLOY_MANIFEST at its top. It is
// built in a hidden temporary folder and renamed when complete. A release
// of the tag that is already there is checked and, if edited by hand,
// restored. The environment's command, if any, then runs from the release
// (or its workdir) with DEPLOY_TAG, DEPLOY_ENVIRONMENT, DEPLOY_RELEASE and
// DEPLOY_MANIFEST set, its output on stderr. Only if it succeeds does
// ROOT/current switch to the release (atomically). Every attempt is
// logged in ROOT/deploys.log. One deploy at a time per root: a second one
// waits for the lock, saying so, up to --lock-timeout. Redeploying an
// older tag is the rollback.
//
// With --artifact, deploy settles and pushes the tag as above, then
// writes the release (DEPLOY_TAG, DEPLOY_MANIFEST, the repo folders) as
// one tar file to FILE, or to stdout with -, and deploys nothing where it
// runs: no root is made, nothing is switched or logged. The tar is
// reproducible: entries sorted, owners 0 and unnamed, the time in the
// tag's name as every mtime, git's modes; so the same tag gives the same
// bytes on any machine, at any time, and the artifact's SHA-256 names the
// release. FILE is written beside itself and renamed when complete.
//
// The root is --root, else $DEPLOY_ROOT, else the environment's root in
// deploy.toml, else $XDG_STATE_HOME/deploytag/ENV (~/.local/state/...),
// made on demand. When deploy.toml defines environments, ENV must be one
// of them.
//
// # Output
//
// The deployed tag, one line, once current names it. With --dry-run the
// plan instead, one "key value" line each: tag, create (yes if the tag
// would be made), environment, root, release, push, command (and workdir),
// then "repo NAME COMMIT" per repo; nothing is changed.
//
// With --artifact FILE, the tag; with --artifact -, the artifact's bytes
// only.
//
// With --json, a JSON record instead (with --dry-run
// too, then saying what would be done): tag, environment, root, release,
// created, pushed, command, workdir, previous (the tag live before, or
// null), restored, pruned, dry_run and repos ([{"name", "commit"}]);
// docs/json.md gives the schema.
//
// # Exit status
//
// 0 on success, 1 if the deploy failed (current is left as it was), 2 for
// a wrong command line, including an environment or tag name outside its
// grammar.
//
// # Examples
//
//	deploy --environment qa --basedir ~/src/tutor
//	deploy --environment production --tag DEPLOY_20261125_142501_3f9a2c1
//	cat ~/.local/state/deploytag/qa/current/DEPLOY_TAG
//	deploy --environment production --tag DEPLOY_20261125_142501_3f9a2c1 --artifact release.tar
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/artifact"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/deployflow"
	"github.com/deploytag/deploytag/pkg/deploytag"
	"github.com/deploytag/deploytag/pkg/tagging"
)

var (
	envFlag         = &cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Usage: "environment to deploy to (dev, qa, production, ...)"}
	tagFlag         = &cli.StringFlag{Name: "tag", Usage: "existing deploy tag to deploy (default: make one for the checked-out code)"}
	rootFlag        = &cli.StringFlag{Name: "root", EnvVars: []string{"DEPLOY_ROOT"}, TakesFile: true, Usage: "the environment's root (default: config root, else $XDG_STATE_HOME/deploytag/ENV)"}
	noPushFlag      = &cli.BoolFlag{Name: "no-push", Usage: "do not push the tag (for experiments not meant to be shared)"}
	dryRunFlag      = &cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan and change nothing"}
	lockTimeoutFlag = &cli.DurationFlag{Name: "lock-timeout", Value: defaultLockTimeout, Usage: "how long to wait for another deploy to the environment to finish"}
	allowDirtyFlag  = &cli.BoolFlag{Name: "allow-dirty", Usage: "without --tag, tag the committed code even if tracked files have uncommitted changes"}
	artifactFlag    = &cli.StringFlag{Name: "artifact", TakesFile: true, Usage: "write the release as a reproducible tar to `FILE` (- for stdout) instead of deploying it here"}
)

func app() *cli.App {
	return cliutil.NewApp("deploy", "deploy a tag (made and pushed if not given) to an environment's standard place", "",
		[]cli.Flag{envFlag, tagFlag, cliutil.BasedirFlag, rootFlag, noPushFlag, dryRunFlag, lockTimeoutFlag, cliutil.ConfigFlag,
			cliutil.JobsFlag, cliutil.RemoteFlag, cliutil.TimeoutFlag, cliutil.PrefixFlag, cliutil.SignFlag, allowDirtyFlag,
			cliutil.TimeFlag, cliutil.QuietFlag, cliutil.JSONFlag, artifactFlag},
		run)
}

func run(c *cli.Context) error {
	env := c.String(envFlag.Name)
	switch {
	case c.NArg() > 0:
		return cliutil.Usagef("unexpected operand %q: deploy takes flags only", c.Args().First())
	case !c.IsSet(envFlag.Name):
		return cliutil.Usagef("--environment is required")
	}
	if err := deploytag.ValidEnvironment(env); err != nil {
		return cliutil.Usage(err)
	}
	tag := c.String(tagFlag.Name)
	if c.IsSet(tagFlag.Name) {
		if err := cliutil.TagOperand(tag); err != nil {
			return err
		}
		for _, f := range []string{cliutil.PrefixFlag.Name, cliutil.SignFlag.Name, allowDirtyFlag.Name, cliutil.TimeFlag.Name} {
			if c.IsSet(f) {
				return cliutil.Usagef("--%s makes a new tag; it cannot go with --tag", f)
			}
		}
	}
	art := c.String(artifactFlag.Name)
	if c.IsSet(artifactFlag.Name) {
		switch {
		case art == "":
			return cliutil.Usagef("--artifact is empty")
		case c.Bool(dryRunFlag.Name) || c.Bool(cliutil.JSONFlag.Name):
			return cliutil.Usagef("--artifact writes a file; it cannot go with --dry-run or --json")
		}
	}
	jobs, err := cliutil.Jobs(c)
	if err != nil {
		return err
	}
	at, err := cliutil.Time(c)
	if err != nil {
		return err
	}
	if d := c.Duration(cliutil.TimeoutFlag.Name); d <= 0 {
		return cliutil.Usagef("--timeout must be positive, not %s", d)
	}
	if d := c.Duration(lockTimeoutFlag.Name); d < 0 {
		return cliutil.Usagef("--lock-timeout must not be negative, not %s", d)
	}
	e, err := cliutil.Setup(c)
	if err != nil {
		return err
	}
	ecfg, err := e.Config.LookupEnvironment(env)
	if err != nil {
		return err
	}
	prefix, err := e.Prefix(c)
	if err != nil {
		return err
	}
	remote, err := e.Remote(c)
	if err != nil {
		return err
	}
	root, err := rootFor(c, e, env)
	if err != nil {
		return err
	}
	o := deployflow.Options{
		Environment: env, Basedir: e.Basedir, Root: root, Tag: tag,
		Command: ecfg.Command, Workdir: ecfg.Workdir, Keep: ecfg.Keep, Env: os.Environ(),
		DryRun: c.Bool(dryRunFlag.Name), Jobs: jobs, LockTimeout: c.Duration(lockTimeoutFlag.Name),
		User: userName(), Host: hostName(), Stderr: e.Stderr, Warnf: e.Warnf,
		Notef:            func(f string, a ...any) { fmt.Fprintf(e.Stderr, "deploy: "+f+"\n", a...) },
		Progress:         e.Progress(),
		ExportAttributes: e.Config.ExportAttributes,
	}
	if tag == "" {
		repos, err := basedir.Select(e.Basedir, e.Config.Repos, nil, nil)
		if err != nil {
			return err
		}
		o.Tagging = tagging.DeployOptions{Repos: repos, Prefix: prefix, Time: at, Sign: e.Sign(c),
			AllowDirty: c.Bool(allowDirtyFlag.Name), Jobs: jobs, ManifestRepo: e.Config.ManifestRepo, Warnf: e.Warnf,
			Progress: e.Progress(), Waiting: func(repo string) { e.Notef("waiting for another tagging run (%s)", repo) }}
	}
	o.Tagging.ManifestRepo = e.Config.ManifestRepo
	if ecfg.Pushes() && !c.Bool(noPushFlag.Name) {
		o.Push = pusher(e, remote, c.Duration(cliutil.TimeoutFlag.Name), jobs)
	}
	var out *artifact.File
	switch {
	case art == "-":
		o.Artifact = c.App.Writer
	case art != "":
		if out, err = artifact.Create(art); err != nil {
			return err
		}
		defer out.Abort()
		o.Artifact = out
	}
	res, err := deployflow.Run(c.Context, e.Git, o)
	if err != nil {
		return err
	}
	switch {
	case art == "-":
		return nil
	case out != nil:
		if err := out.Commit(); err != nil {
			return fmt.Errorf("writing %s: %w", art, err)
		}
	}
	if c.Bool(cliutil.JSONFlag.Name) {
		return writeJSON(c.App.Writer, res, o)
	}
	if o.DryRun {
		_, err = c.App.Writer.Write([]byte(res.Plan(o)))
		return err
	}
	_, err = c.App.Writer.Write([]byte(res.Tag + "\n"))
	return err
}

func main() { os.Exit(cliutil.Main(app())) }
