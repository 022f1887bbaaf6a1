// deploy puts the code of one deploy tag into an environment's standard
// place, making and pushing the tag first when none is given.
//
// # Synopsis
//
//	deploy --environment ENV [--tag TAG] [--basedir DIR] [--root DIR] [--no-push] [--dry-run]
//	       [--lock-timeout D] [--jobs N] [--remote NAME] [--timeout D] [--config FILE] [--quiet]
//	       [--prefix P] [--sign] [--allow-dirty] [--time T] [--json]
//	       [--sign-build KEY]
//	deploy --environment ENV [--tag TAG] --artifact FILE|- [--basedir DIR] [--no-push] [--sign-build KEY] ...
//	deploy --environment ENV --from-artifact FILE|- [--sha256 HEX] [--stage] [--signed] [--signed-build]
//	       [--allowed-signers FILE] [--root DIR] [--keep N] ...
//	deploy --environment ENV (--switch TAG | --rollback) [--dry-run] [--signed] [--signed-build]
//	       [--allowed-signers FILE] [--root DIR] [--keep N] ...
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
// applies them, read from the tagged tree's own .gitattributes only (not
// info/attributes or the user's file) and expanded in Go from the tagged
// commit; the spans git must answer (%(describe), leaving deploy tags
// out; refs; ...) are recorded in the proof. A top-level file
// showing a version tool that would take the deploy tag for the version
// (setuptools-scm, git describe in a Makefile, ...) is warned about. The
// release is built in a hidden temporary folder and renamed when complete. A release
// of the tag that is already there is checked and, if edited by hand,
// restored.
//
// The environment's build, if any, runs once where a release is made (a
// deploy from the repos, or --artifact; never --from-artifact, whose
// artifact carries the output), in the staged release (or its workdir),
// with DEPLOY_TAG, DEPLOY_ENVIRONMENT, DEPLOY_RELEASE (the staged folder)
// and DEPLOY_MANIFEST set, before the proof is sealed: what it adds to
// the repos' folders becomes part of the release (files made 0644 or
// 0755, as git's modes are) and each repo's proof records it, a build
// record (argv, workdir, when, host, user, every path added with its mode
// and hash), signed with --sign-build KEY (an ssh private key; ssh-keygen
// -Y sign in deploytag's own namespace) for hosts that require it. A build
// that fails, or changes or deletes a file of the tag, or writes beside
// the repos' folders, is refused, naming the status or the files; nothing
// is switched, and the attempt is logged. Then the environment's shared
// paths (REPO/PATH, a folder's ending in /) become links into
// ROOT/shared/REPO/PATH, made empty where missing and kept across releases
// (never pruned); whatever the tag holds at such a path is replaced by the
// link, and the proof records the links. This happens wherever a release
// is installed, --from-artifact too. That record is not covered by the
// tag's signature, so a host judges it by its own shared paths: an
// artifact that records a link is refused, and so is a kept release
// (--switch, --rollback) recording one the environment does not share; a
// kept release redeployed from the repos is then exported again.
//
// The environment's command, if any, then runs from the release
// (or its workdir) with DEPLOY_TAG, DEPLOY_ENVIRONMENT, DEPLOY_RELEASE and
// DEPLOY_MANIFEST set, its output on stderr. It may not change the
// release: whatever it writes inside it, outside the shared paths, fails
// the deploy, naming the files, with a hint to move that work to the
// build or a shared path. Only if it succeeds does
// ROOT/current switch to the release (atomically); a root that cannot
// take a new current link is refused before anything is pushed or
// exported. Every attempt is
// logged in ROOT/deploys.log. One deploy at a time per root: a second one
// waits for the lock, saying so, up to --lock-timeout. Redeploying an
// older tag is the rollback.
//
// After every switch of current (a deploy, --from-artifact, --switch,
// --rollback, and the switch back below) the environment's restart, if
// any, runs from the new live release through ROOT/current (or its
// workdir), with DEPLOY_TAG, DEPLOY_PREVIOUS_TAG (the tag live before,
// empty on a first deploy), DEPLOY_ENVIRONMENT and DEPLOY_RELEASE set, its
// output on stderr. Then its check, if any, runs the same way, again every
// check_interval (default 2s) until it exits 0 or check_timeout (default
// 60s) passes; a try still running then is ended. When the check never
// passes or the restart fails, current goes back to the release live
// before, restart runs again for it, the attempt is logged with outcome
// rolled_back and the end of the check's last output (printed on stderr
// too), and deploy exits 1 naming the check (or the restart) and the tag
// live again. With nothing to go back to (a first deploy, or the same tag
// live before), the release stays live and the error says so. Old
// releases are pruned only once the check has passed.
//
// The environment's programs (command, restart, check) are argvs from
// deploy.toml, never shell lines. Each starts in a session of its own,
// with no controlling terminal and stdin from /dev/null (so one that
// would prompt fails instead of waiting), and is ended with its process
// group (SIGTERM, SIGKILL 2s later) when the deploy is interrupted, and
// killed if deploy dies. What a program leaves running in the background
// (a server a restart starts) is its own.
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
// stage is not logged: the deploy happens at the switch; nor does it
// restart or check anything), so a fleet stages on every host first; it
// first checks what the switch needs, so a host that staged can switch: a
// root that cannot take a new current link (read-only, immutable, not the
// deploy user's to write) is refused before anything is installed or the
// command runs. --switch TAG then points current at a release kept under
// the root, after verifying it again (the command is not run again;
// restart and check are). --rollback steps back through the history,
// as Capistrano does: to the newest kept release that was live before the
// current one and that no rollback left, so a second rollback goes one
// further back, never back to the release the first one left (in
// deploys.log, a deploy or switch of a tag that was live before is a
// return to it). With --dry-run, --switch and --rollback only verify
// (nothing restarted); --switch prints the tag it would switch to,
// --rollback FROM -> TO. Every mode prunes to --keep (default: the
// environment's keep), never removing the live release, the one a
// rollback would go to, or the one live until the switch.
//
// The proof shows a release is consistent; only the tag's signature says
// who made it. With --signed, --from-artifact, --switch and --rollback
// also require every repo's recorded tag object to carry a signature by
// an allowed key (ssh: --allowed-signers FILE, else the config's
// allowed_signers; gpg: the keyring), as verify_deploy_tag --signed does;
// an artifact whose tag is unsigned or signed by another key is refused
// before anything is installed, a kept release before current moves.
// Build outputs are not covered by the tag's signature: they are checked
// to the build record. With --signed-build (or the environment's
// signed_build = true) a host also requires every repo's build record to
// carry a signature by a key of the allowed signers (--allowed-signers,
// else allowed_signers), in deploytag's build namespace; an unsigned one,
// or one signed by another key, is refused like an unsigned tag.
//
// The root is --root, else $DEPLOY_ROOT, else the environment's root in
// deploy.toml, else $XDG_STATE_HOME/deploytag/ENV (~/.local/state/...),
// made on demand: the root, any folder missing on the way to it and
// releases/ are made 0755 whatever the umask, so the app's user can reach
// current. When deploy.toml defines environments, ENV must be one of them.
//
// # Output
//
// The deployed tag, one line, once current names it. With --dry-run the
// plan instead, one "key value" line each: tag, create (yes if the tag
// would be made), environment, root, release, push, then the steps in the
// order they would run: build, shared (one line per path), command,
// switch TAG, restart, check (with
// check_timeout and check_interval), each argv quoted or "none", and the
// workdir they run from; then "repo NAME COMMIT" per repo; nothing is
// changed.
//
// With --artifact FILE, the tag; with --artifact -, the artifact's bytes
// only. --from-artifact, --switch and --rollback print the tag deployed
// or staged; with --dry-run, --switch prints the tag it would switch to
// and --rollback "FROM -> TO", the live tag and the one it would go back
// to.
//
// With --json, a JSON record instead (with --dry-run
// too, then saying what would be done): tag, environment, root, release,
// created, pushed, command, restart, check, workdir, previous (the tag live before, or
// null), restored, pruned, dry_run and repos ([{"name", "commit"}]);
// docs/json.md gives the schema.
//
// # Exit status
//
//	0  deployed (or, with --dry-run, the plan printed)
//	1  the deploy failed: current is left as it was or, when the release went
//	   live and its restart or check failed, put back on the release live
//	   before (left on it when there is none); stderr says which tag is live
//	2  a wrong command line, including an environment or tag name outside its grammar
//	3  the deploy happened (current switched, the result is on stdout as on
//	   success) but deploys.log could not record it, e.g. on a full disk:
//	   stderr says why, and the host counts as switched
//
// # Examples
//
//	# tag the checked-out code of ~/src/tutor, push the tag, deploy it to qa
//	deploy --environment qa --basedir ~/src/tutor
//	# deploy an existing tag; redeploying an older tag is the rollback
//	deploy --environment production --tag DEPLOY_20261125_142501_3f9a2c1
//	# build the release as one file, then deploy it on a host with no repos and no git
//	deploy --environment production --tag DEPLOY_20261125_142501_3f9a2c1 --artifact release.tar
//	deploy --environment production --root /srv/tutor --from-artifact release.tar --stage
//	deploy --environment production --root /srv/tutor --switch DEPLOY_20261125_142501_3f9a2c1
//	# back to the release live before the current one
//	deploy --environment production --root /srv/tutor --rollback
package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
)

var (
	envFlag         = cmdline.EnvironmentFlag("environment to deploy to (dev, qa, production, ...)")
	tagFlag         = cmdline.Completes(cmdline.Tags, &cli.StringFlag{Name: "tag", Usage: "existing deploy tag to deploy (default: make one for the checked-out code)"})
	rootFlag        = cmdline.RootFlag("the environment's root (default: $"+cmdline.RootEnvVar+", else config root, else $XDG_STATE_HOME/deploytag/ENV)", false)
	noPushFlag      = &cli.BoolFlag{Name: "no-push", Usage: "do not push the tag (for experiments not meant to be shared)"}
	dryRunFlag      = &cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan and change nothing"}
	lockTimeoutFlag = &cli.DurationFlag{Name: "lock-timeout", Value: 10 * time.Minute, Usage: "how long to wait for another deploy to the environment to finish"}
	allowDirtyFlag  = cmdline.AllowDirtyFlag("without --tag, tag the committed code even if tracked files have uncommitted changes")
	artifactFlag    = &cli.StringFlag{Name: "artifact", TakesFile: true, Usage: "write the release as a reproducible tar to `FILE` (- for stdout) instead of deploying it here"}
	fromFlag        = &cli.StringFlag{Name: "from-artifact", TakesFile: true, Usage: "deploy the release in the artifact `FILE` (- for stdin), verified against its own proof; no repos or git needed"}
	sha256Flag      = &cli.StringFlag{Name: "sha256", Usage: "with --from-artifact: the artifact's bytes must have this SHA-256 (`HEX`)"}
	stageFlag       = &cli.BoolFlag{Name: "stage", Usage: "with --from-artifact: do everything but the switch of current"}
	switchFlag      = cmdline.Completes(cmdline.Releases, &cli.StringFlag{Name: "switch", Usage: "switch current to the release of `TAG` kept under the root, after verifying it again"})
	rollbackFlag    = &cli.BoolFlag{Name: "rollback", Usage: "switch current to the release live before the current one, after verifying it again"}
	signedFlag      = cmdline.SignedFlag("with --from-artifact, --switch or --rollback: refuse a release whose tag is not signed by an allowed key")
	signersFlag     = cmdline.AllowedSignersFlag("ssh allowed-signers `FILE` --signed checks against (default: the config's allowed_signers)")
	signBuildFlag   = &cli.StringFlag{Name: "sign-build", TakesFile: true, Usage: "sign the build record with the ssh private key `KEY` (ssh-keygen -Y sign), for hosts that require signed builds"}
	signedBuildFlag = &cli.BoolFlag{Name: "signed-build", Usage: "with --from-artifact, --switch or --rollback: refuse a release whose build record is not signed by an allowed key", DefaultText: "the environment's signed_build"}
	keepFlag        = &cli.IntFlag{Name: "keep", Usage: "releases to keep under the root, live and previous always among them; 0 keeps all", DefaultText: "the environment's keep"}
)

func app() *cli.App {
	return cmdline.NewApp("deploy", "deploy a tag (made and pushed if not given) to an environment's standard place", "",
		[]cli.Flag{envFlag, tagFlag, cmdline.BasedirFlag, rootFlag, noPushFlag, dryRunFlag, lockTimeoutFlag, cmdline.ConfigFlag,
			cmdline.JobsFlag, cmdline.RemoteFlag, cmdline.TimeoutFlag, cmdline.PrefixFlag, cmdline.SignFlag, allowDirtyFlag,
			cmdline.TimeFlag, cmdline.QuietFlag, cmdline.JSONFlag, artifactFlag, fromFlag, sha256Flag, stageFlag,
			switchFlag, rollbackFlag, signedFlag, signersFlag, keepFlag, signBuildFlag, signedBuildFlag},
		run)
}

func run(c *cli.Context) error {
	r := request{Operands: c.Args().Slice(), Environment: c.String(envFlag.Name), Tag: c.String(tagFlag.Name),
		NoPush: c.Bool(noPushFlag.Name), DryRun: c.Bool(dryRunFlag.Name), JSON: c.Bool(cmdline.JSONFlag.Name),
		AllowDirty: c.Bool(allowDirtyFlag.Name), LockTimeout: c.Duration(lockTimeoutFlag.Name), Keep: c.Int(keepFlag.Name),
		Artifact: c.String(artifactFlag.Name), FromArtifact: c.String(fromFlag.Name), SHA256: c.String(sha256Flag.Name),
		Stage: c.Bool(stageFlag.Name), Switch: c.String(switchFlag.Name), Rollback: c.Bool(rollbackFlag.Name),
		Signed: c.Bool(signedFlag.Name), AllowedSigners: c.String(signersFlag.Name), Given: cmdline.Given(c),
		SignBuild: c.String(signBuildFlag.Name), SignedBuild: c.Bool(signedBuildFlag.Name)}
	if err := r.check(); err != nil {
		return err
	}
	setup := cmdline.Setup // the repos' git, or none on a host
	if r.onHost() {
		setup = cmdline.SetupFiles
	}
	e, err := setup(c)
	if err != nil {
		return err
	}
	root, err := e.Root(cmdline.RootArg(c), r.Environment)
	if err != nil {
		return err
	}
	return r.do(c.Context, e, root)
}

func main() { os.Exit(cmdline.Main(app(), source)) }
