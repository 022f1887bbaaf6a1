// deploy puts the code of one deploy tag into an environment's standard
// place, making and pushing the tag first when none is given.
//
// # Synopsis
//
//	deploy --environment ENV [--tag TAG] [--basedir DIR] [--root DIR] [--no-push] [--dry-run]
//	       [--lock-timeout D] [--jobs N] [--remote NAME] [--timeout D] [--config FILE] [--quiet]
//	       [--prefix P] [--sign] [--allow-dirty] [--time T] [--json]
//	deploy --environment ENV [--tag TAG] --artifact FILE|- [--basedir DIR] [--no-push] ...
//	deploy --environment ENV --from-artifact FILE|- [--sha256 HEX] [--stage] [--root DIR] [--keep N] ...
//	deploy --environment ENV (--switch TAG | --rollback) [--dry-run] [--root DIR] [--keep N] ...
//
// # Description
//
// With --tag, deploy creates no tag: TAG must be an annotated deploy tag
// in every repo its manifest names (read from the tag message), at the
// recorded commit, each repo in the basedir and each copy of the tag
// recording the same manifest; otherwise every problem is named and
// nothing is deployed. Without --tag it runs the tag_for_deploy
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
// The release is every repo's tagged tree, byte for byte, read from git
// (never a copy of a work tree: untracked and uncommitted files are not
// deployed) into ROOT/releases/TAG, with DEPLOY_TAG, DEPLOY_MANIFEST and
// DEPLOY_PROOF (the proof verify_deploy_tag checks with no repos) at its
// top. No filter, eol conversion or export attribute applies; submodules
// are filled at their recorded commits, recursively (fetched from their
// URL only when missing), and Git LFS files hold the content their
// pointers name, checked; a commit or LFS object that cannot be had fails
// the deploy, naming each. Repos listed in deploy.toml's
// export_attributes get export-ignore and export-subst as git archive
// applies them, %(describe) leaving deploy tags out. A top-level file
// showing a version tool that would take the deploy tag for the version
// (setuptools-scm, git describe in a Makefile, ...) is warned about. The
// release is built in a hidden temporary folder and renamed when complete. A release
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
// On a host, --from-artifact FILE (- for stdin) deploys the release an
// artifact holds, with no basedir, no repos and no git: under the root's
// lock it unpacks the artifact into a hidden folder under releases/
// (refusing paths that climb out or pass through symlinks, links,
// devices, an artifact cut short), checks its SHA-256 when --sha256 is
// given, verifies the release against its own proof (DEPLOY_PROOF, as
// verify_deploy_tag --root does) before anything else, and only then
// renames it to releases/TAG, runs the environment's command, switches
// current and logs. --stage does everything but the switch (a successful
// stage is not logged: the deploy happens at the switch), so a fleet
// stages on every host first. --switch TAG then points current at a
// release kept under the root, after verifying it again (the command is
// not run again); --rollback switches to the release live before the
// current one (the newest successful deploy in deploys.log other than the
// live tag, still kept). With --dry-run, --switch and --rollback only
// verify and print the tag they would switch to. Every mode prunes to
// --keep (default: the environment's keep), never removing the live
// release or the one before it.
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
// only. --from-artifact, --switch and --rollback print the tag deployed,
// staged, or (with --dry-run) that would be switched to.
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
//	deploy --environment production --root /srv/tutor --from-artifact release.tar --stage
//	deploy --environment production --root /srv/tutor --switch DEPLOY_20261125_142501_3f9a2c1
//	deploy --environment production --root /srv/tutor --rollback
package main

import (
	"os"
	"regexp"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/deploy"
	"github.com/deploytag/deploytag/pkg/deploytag"
)

var (
	envFlag         = cliutil.EnvironmentFlag("environment to deploy to (dev, qa, production, ...)")
	tagFlag         = &cli.StringFlag{Name: "tag", Usage: "existing deploy tag to deploy (default: make one for the checked-out code)"}
	rootFlag        = &cli.StringFlag{Name: "root", EnvVars: []string{"DEPLOY_ROOT"}, TakesFile: true, Usage: "the environment's root (default: config root, else $XDG_STATE_HOME/deploytag/ENV)"}
	noPushFlag      = &cli.BoolFlag{Name: "no-push", Usage: "do not push the tag (for experiments not meant to be shared)"}
	dryRunFlag      = &cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan and change nothing"}
	lockTimeoutFlag = &cli.DurationFlag{Name: "lock-timeout", Value: 10 * time.Minute, Usage: "how long to wait for another deploy to the environment to finish"}
	allowDirtyFlag  = &cli.BoolFlag{Name: "allow-dirty", Usage: "without --tag, tag the committed code even if tracked files have uncommitted changes"}
	artifactFlag    = &cli.StringFlag{Name: "artifact", TakesFile: true, Usage: "write the release as a reproducible tar to `FILE` (- for stdout) instead of deploying it here"}
	fromFlag        = &cli.StringFlag{Name: "from-artifact", TakesFile: true, Usage: "deploy the release in the artifact `FILE` (- for stdin), verified against its own proof; no repos or git needed"}
	sha256Flag      = &cli.StringFlag{Name: "sha256", Usage: "with --from-artifact: the artifact's bytes must have this SHA-256 (`HEX`)"}
	stageFlag       = &cli.BoolFlag{Name: "stage", Usage: "with --from-artifact: do everything but the switch of current"}
	switchFlag      = &cli.StringFlag{Name: "switch", Usage: "switch current to the release of `TAG` kept under the root, after verifying it again"}
	rollbackFlag    = &cli.BoolFlag{Name: "rollback", Usage: "switch current to the release live before the current one, after verifying it again"}
	keepFlag        = &cli.IntFlag{Name: "keep", Usage: "releases to keep under the root, live and previous always among them; 0 keeps all (default: the environment's keep)"}
)

func app() *cli.App {
	return cliutil.NewApp("deploy", "deploy a tag (made and pushed if not given) to an environment's standard place", "",
		[]cli.Flag{envFlag, tagFlag, cliutil.BasedirFlag, rootFlag, noPushFlag, dryRunFlag, lockTimeoutFlag, cliutil.ConfigFlag,
			cliutil.JobsFlag, cliutil.RemoteFlag, cliutil.TimeoutFlag, cliutil.PrefixFlag, cliutil.SignFlag, allowDirtyFlag,
			cliutil.TimeFlag, cliutil.QuietFlag, cliutil.JSONFlag, artifactFlag, fromFlag, sha256Flag, stageFlag,
			switchFlag, rollbackFlag, keepFlag},
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
	if c.Int(keepFlag.Name) < 0 {
		return cliutil.Usagef("--keep must be 0 (keep all) or more, not %d", c.Int(keepFlag.Name))
	}
	if d := c.Duration(lockTimeoutFlag.Name); d < 0 {
		return cliutil.Usagef("--lock-timeout must not be negative, not %s", d)
	}
	if err := hostMode(c); err != nil {
		return err
	}
	if c.IsSet(fromFlag.Name) || c.IsSet(switchFlag.Name) || c.Bool(rollbackFlag.Name) {
		return runHost(c, env)
	}
	tag := c.String(tagFlag.Name)
	if c.IsSet(tagFlag.Name) {
		if err := cliutil.TagOperand(tag); err != nil {
			return err
		}
		if set := cliutil.SetFlags(c, cliutil.PrefixFlag.Name, cliutil.SignFlag.Name, allowDirtyFlag.Name, cliutil.TimeFlag.Name); len(set) > 0 {
			return cliutil.Usagef("--%s makes a new tag; it cannot go with --tag", set[0])
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
	e, ecfg, o, err := setup(c, env, true)
	if err != nil {
		return err
	}
	o.Basedir, o.Tag, o.Progress, o.ExportAttributes = e.Basedir, tag, e.Progress(), e.Config.ExportAttributes
	if tag == "" {
		repos, err := e.Repos(nil)
		if err != nil {
			return err
		}
		o.Tagging = e.TaggingOptions(repos, c.Bool(allowDirtyFlag.Name))
	}
	o.Tagging.ManifestRepo = e.Config.ManifestRepo
	if ecfg.Pushes() && !c.Bool(noPushFlag.Name) {
		o.Push = deploy.Pusher(e.Git, e.PushOptions())
	}
	if art != "" {
		res, err := deploy.RunToArtifact(c.Context, e.Git, o, art, c.App.Writer)
		if err != nil || art == "-" {
			return err
		}
		return deploy.WriteResult(c.App.Writer, res, o, false)
	}
	res, err := deploy.Run(c.Context, e.Git, o)
	if err != nil {
		return err
	}
	if o.DryRun && !c.Bool(cliutil.JSONFlag.Name) {
		_, err = c.App.Writer.Write([]byte(res.Plan(o)))
		return err
	}
	return deploy.WriteResult(c.App.Writer, res, o, c.Bool(cliutil.JSONFlag.Name))
}

// hostMode checks the flags of the modes that run on a host from an
// artifact or a kept release: one mode at a time, and none of the flags
// that need repos.
func hostMode(c *cli.Context) error {
	modes := cliutil.SetFlags(c, artifactFlag.Name, fromFlag.Name, switchFlag.Name, rollbackFlag.Name)
	if len(modes) > 1 {
		return cliutil.Usagef("--%s and --%s cannot go together", modes[0], modes[1])
	}
	if set := cliutil.SetFlags(c, stageFlag.Name, sha256Flag.Name); len(set) > 0 && !c.IsSet(fromFlag.Name) {
		return cliutil.Usagef("--%s goes with --from-artifact", set[0])
	}
	if len(modes) == 0 || modes[0] == artifactFlag.Name {
		return nil
	}
	if set := cliutil.SetFlags(c, tagFlag.Name, noPushFlag.Name, cliutil.PrefixFlag.Name, cliutil.SignFlag.Name, allowDirtyFlag.Name,
		cliutil.TimeFlag.Name, cliutil.RemoteFlag.Name); len(set) > 0 {
		return cliutil.Usagef("--%s needs the repos; it cannot go with --%s", set[0], modes[0])
	}
	switch {
	case c.IsSet(fromFlag.Name) && c.String(fromFlag.Name) == "":
		return cliutil.Usagef("--from-artifact is empty")
	case c.IsSet(fromFlag.Name) && c.Bool(dryRunFlag.Name):
		return cliutil.Usagef("--dry-run goes with --switch or --rollback, not --from-artifact")
	case c.IsSet(sha256Flag.Name) && !sha256RE.MatchString(c.String(sha256Flag.Name)):
		return cliutil.Usagef("--sha256 %q is not 64 hex digits", c.String(sha256Flag.Name))
	case c.IsSet(switchFlag.Name):
		return cliutil.TagOperand(c.String(switchFlag.Name))
	}
	return nil
}

var sha256RE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// runHost deploys from an artifact, or switches to a kept release, with
// no repos and no git.
func runHost(c *cli.Context, env string) error {
	e, _, o, err := setup(c, env, false)
	if err != nil {
		return err
	}
	o.Verify = deploy.VerifyProof(e.Jobs)
	var res deploy.Result
	switch {
	case c.IsSet(fromFlag.Name):
		a := deploy.Artifact{Name: c.String(fromFlag.Name), SHA256: c.String(sha256Flag.Name), Stage: c.Bool(stageFlag.Name)}
		res, err = deploy.FromArtifactFile(c.Context, o, a, c.App.Reader)
	default:
		res, err = deploy.Switch(c.Context, o, c.String(switchFlag.Name))
	}
	if err != nil {
		return err
	}
	o.Tag = res.Tag // given by the artifact or the operator, never made here
	return deploy.WriteResult(c.App.Writer, res, o, c.Bool(cliutil.JSONFlag.Name))
}

// setup is the start both modes share: the env (with git when withGit),
// the environment's config, and the options every deploy takes from them
// and the flags.
func setup(c *cli.Context, env string, withGit bool) (*cliutil.Env, config.Environment, deploy.Options, error) {
	setupEnv := cliutil.SetupFiles
	if withGit {
		setupEnv = cliutil.Setup
	}
	e, err := setupEnv(c)
	if err != nil {
		return nil, config.Environment{}, deploy.Options{}, err
	}
	o, ecfg, err := e.DeployOptions(c, rootFlag.Name, env)
	if err != nil {
		return nil, config.Environment{}, deploy.Options{}, err
	}
	o.DryRun, o.LockTimeout = c.Bool(dryRunFlag.Name), c.Duration(lockTimeoutFlag.Name)
	if c.IsSet(keepFlag.Name) {
		o.Keep = c.Int(keepFlag.Name)
	}
	return e, ecfg, o, nil
}

func main() { os.Exit(cliutil.Main(app())) }
