// verify_deploy_tag checks that a deploy tag is intact in the repos, that
// the work trees are at it, and that a deployed release is exactly it; on
// a host that has the release and this binary only, it checks the release
// against the proof the release carries.
//
// # Synopsis
//
//	verify_deploy_tag [--basedir DIR] [--signed [--allowed-signers FILE]] [--json] [--jobs N] [--config FILE] [--quiet] TAG
//	verify_deploy_tag (--environment ENV | --root DIR) [--basedir DIR] [--signed] [--signed-build] [--allowed-signers FILE]
//	                  [--json] [--jobs N] [--config FILE] [--quiet] [TAG]
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
// With --environment or --root it checks the live release of that root
// (<root>/current), and TAG may be left out: it defaults to the tag the
// release's DEPLOY_TAG names. The root of --environment is found as
// deploy finds it: $DEPLOY_ROOT, else the environment's root in
// deploy.toml, else $XDG_STATE_HOME/deploytag/ENV; when deploy.toml
// defines environments, ENV must be one of them. Every release carries its proof
// (DEPLOY_PROOF/, see docs/proof.md): per repo the raw tag and commit
// objects and what the export did. From it, with no repos and no git, the
// release is checked link by link: each repo's files are hashed in Go as
// git hashes them (raw bytes: no clean filter, no eol conversion; files
// in parallel, each streamed) into the tree the recorded commit names;
// each commit object hashes to the commit the manifest records; each tag
// object names that commit, is the tag TAG, and carries the manifest,
// which DEPLOY_MANIFEST must equal; nothing else is in the release. Every
// entry of a repo's record.json (DEPLOY_PROOF/<repo>/record.json) is first
// checked against the signed tree: an export-ignore or export-subst entry
// only for a path the tagged tree's own .gitattributes mark, the bytes of
// an export-subst file recomputed from the signed commit, an LFS entry
// against the pointer blob, a submodule entry against the gitlink; one
// that claims more is named ("proof record does not match the tag") and
// excuses nothing, with or without --signed. A
// file edited, added, deleted, its mode changed (a setuid, setgid or
// sticky bit too), a symlink retargeted, or a proof file missing,
// malformed or tampered with (an object of DEPLOY_PROOF/<repo>/objects
// included, even when every file matches), or one the proof format does
// not define, is named.
//
// With --environment or --root it judges the release only, never the work
// trees: their HEADs and uncommitted edits are the business of
// verify_deploy_tag TAG without a root. Where the basedir has the repos
// (the tool runs where they are) it also checks that each repo carrying
// the tag holds the very tag and commit objects of the proof ("proof file
// ... differs from the repo's tag object"). A release without a proof
// (deployed by an older deploytag) can be checked only where the repos
// are, against their tagged trees.
//
// With --signed every copy of the tag must carry a good signature: without
// a root, in the repos as "git verify-tag" says (gpg, or ssh against
// --allowed-signers, else the config's allowed_signers, else git's
// gpg.ssh.allowedSignersFile); with a root, the release's recorded tag
// objects, checked with "ssh-keygen -Y verify" (namespace git) against
// --allowed-signers or the config's allowed_signers, or with "gpg
// --verify" against the keyring when gpg is installed. A key that is
// not allowed is named.
//
// A release whose environment builds holds files that are not the tag's:
// the build's output, which the proof's build record lists (deploy's
// build). The tag's signature does not cover them; each is checked to the
// record instead, and the line says so ("ok; source checked to the tag's
// key, N build outputs to the build record (not covered by the tag's
// signature)"): output edited or deleted after the build is "build output
// edited" or "build output deleted", anything the record does not list is
// "added", and no record entry excuses a file of the tag. With
// --signed-build every build record must carry a signature by a key of
// the allowed signers (ssh-keygen -Y verify, in deploytag's own build
// namespace), and the line names the key. Shared links made where the
// release was installed (deploy's shared) are shown as such ("shared
// links: log/, ...") when each is the very link deploy makes; any other
// is a difference. The list of them in the proof is not covered by the
// tag's signature: with --environment, a link that the environment's
// shared paths do not name is a difference too ("shared link PATH is
// none this host makes"), as it is for deploy on a host.
//
// # Output
//
// One line per repo, then with a release one per release file checked:
// the name, a tab, and "ok" or every difference separated by "; ". Files
// are summed up per kind (edited, added, deleted, mode changed, symlink
// retargeted, type changed, build output edited, build output deleted):
// the count and the first three paths. An ok
// line goes on with the export-subst spans whose text the release's
// record gives rather than the signed commit (%(describe), refs, ...):
// "ok; not covered by the signature, as recorded: PATH $Format:FMT$ =
// "ANSWER"", the first three.
//
//	repo-a	ok
//	repo-b	HEAD at 1a2b3c4d5e6f, not at the tag (9f8e7d6c5b4a)
//	repo-c	edited 2: app.rb, lib/x.rb; deleted 1470: tests/a, tests/b, tests/c and 1467 more
//	DEPLOY_TAG	ok
//	DEPLOY_MANIFEST	ok
//	DEPLOY_PROOF	ok
//
// With --json one record: {"tag", "ok", "release", "proof", "repos":
// [{"name", "ok", "problems": [...], "edited", "added", "deleted",
// "mode_changed", "symlink_retargeted", "type_changed", "build_edited",
// "build_deleted", "recorded", "counts", "build_outputs",
// "build_signed_by", "shared"}]}, each list complete and present only
// when not empty; "counts" gives, once a repo's files were compared, how
// many of each kind its folder held: {"tag_files", "build_outputs",
// "shared_links"}.
//
// # Exit status
//
//	0  everything matches
//	1  a difference (each named on stdout, the culprits summed up on stderr),
//	   or the check cannot be made
//	2  a wrong command line
//
// # Examples
//
//	# the tag in every repo of ~/src/tutor, and the work trees at it
//	verify_deploy_tag --basedir ~/src/tutor DEPLOY_20261125_142501_3f9a2c1
//	# the live release of production against its tag
//	verify_deploy_tag --environment production
//	# a host's release against its own proof, signatures included
//	verify_deploy_tag --root /srv/tutor --signed --allowed-signers /etc/deploytag/allowed_signers
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/verify"
)

var (
	environmentFlag = cmdline.EnvironmentFlag("check the live release of this environment (with no repos at hand: against its own proof)")
	rootFlag        = cmdline.RootFlag("check the live release of this root (with no repos at hand: against its own proof)", false)
	signedFlag      = cmdline.SignedFlag("require every copy of the tag to carry a signature that verifies")
	signersFlag     = cmdline.AllowedSignersFlag("ssh allowed-signers `FILE` --signed checks ssh signatures against (default: the config's allowed_signers)")
	signedBuildFlag = &cli.BoolFlag{Name: "signed-build", Usage: "with --environment or --root: require every build record of the release to be signed by an allowed key"}
)

func app() *cli.App {
	return cmdline.NewApp("verify_deploy_tag", "check a deploy tag in the repos and in a deployed release", "[TAG]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, environmentFlag, rootFlag, signedFlag, signersFlag, signedBuildFlag,
			cmdline.JSONFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	envName, err := cmdline.EnvironmentArg(c)
	if err != nil {
		return err
	}
	root := cmdline.RootArg(c)
	release := envName != "" || root != ""
	tag, err := tagOperand(c.Args().Slice(), release)
	if err != nil {
		return cmdline.Usage(err)
	}
	env, repos, offline, err := cmdline.SetupReposOrNot(c, release)
	if err != nil {
		return err
	}
	if c.Bool(signedBuildFlag.Name) && !release {
		return cmdline.Usagef("--signed-build goes with --environment or --root")
	}
	o := verify.LiveOptions{Offline: offline, Options: verify.Options{Tag: tag, Repos: repos, Signed: c.Bool(signedFlag.Name),
		SignedBuild:    c.Bool(signedBuildFlag.Name),
		AllowedSigners: env.Config.AllowedSigners, SignersHint: cmdline.SignersHint, Jobs: env.Jobs, ManifestRepo: env.Config.ManifestRepo, Progress: env.Progress()}}
	if c.IsSet(signersFlag.Name) {
		o.AllowedSigners = c.String(signersFlag.Name)
	}
	if release {
		if o.Root, err = env.Root(root, envName); err != nil {
			return err
		}
	}
	if envName != "" { // the host is known: only its shared links pass
		ecfg, err := env.Config.LookupEnvironment(envName)
		if err != nil {
			return err
		}
		o.Links = verify.SharedLinks{Check: true, Paths: ecfg.Shared}
	}
	rep, err := verify.Live(c.Context, env.Git, o)
	if err != nil {
		return err
	}
	return rep.Write(c.App.Writer, c.Bool(cmdline.JSONFlag.Name))
}

func main() { os.Exit(cmdline.Main(app(), source)) }
