// checkout_deploy_tag makes a basedir match a deploy tag: every repo of the
// deploy, cloned if missing, checked out detached at the tagged commit.
//
// # Synopsis
//
//	checkout_deploy_tag [--basedir DIR] [--url-template T] [--manifest FILE|-] [--max-repos N] [--remote NAME] [--timeout D] [--jobs N] [--config FILE] [--quiet] TAG [REPO...]
//
// # Description
//
// It first finds the tag's manifest: --manifest FILE if given (- reads it
// from stdin); else the
// tag's message in any repo of the basedir that has the tag, or can fetch
// it from its remote; else manifests/TAG on the deploy-manifests branch of
// deploy.toml's manifest_repo (fetched from its remote); else, for
// manifest_repo, the configured repos and the REPO operands missing from
// the basedir, the tag or that branch at their URLs (--url-template), the
// first that has it. So an empty folder, a tag, a URL template and the
// name of any repo of the deploy are enough. If none has it, the error
// lists what was tried.
//
// Then, before any repo moves, it checks every repo the manifest lists.
// An existing repo must have no uncommitted changes to tracked files; its
// remote must have the tag (fetched with a refspec that never forces, so a
// local tag of the same name elsewhere fails the repo); the tag must be
// annotated and point at the commit the manifest records; and the checkout
// must not overwrite untracked files. A missing repo is cloned from
// --url-template, {name} standing for the repo name (default: the remote
// URL of the first repo in the basedir that has one, its last path element
// replaced, keeping a .git suffix), into a hidden temporary folder inside
// the basedir, and checked the same way. Any failure stops the run with
// every failing repo named: no repo is checked out, temporary clones are
// removed, uncommitted work is untouched.
//
// Before any of that, a manifest naming more than --max-repos repos
// (default 1000) is refused, saying how many it would clone, and every URL
// to clone from is checked against the template's grammar.
//
// The check also fetches what the release holds besides the repos' own
// commits, so that the checkout has the release's files: every submodule
// at the commit its repo records, recursively (fetched, only when missing,
// from its URL through the same network policy and --timeout, into
// <git dir>/modules/NAME, where git keeps it), and, with git-lfs
// installed, the Git LFS objects of the tagged commits (git lfs fetch).
//
// Only then are the existing repos checked out detached at the tagged
// commit (never with --force) and the new clones renamed into place; then
// each submodule is checked out detached at its commit, as git submodule
// update --init --recursive would leave it, and each LFS file gets its
// content (git lfs checkout; a repo whose config lacks git-lfs's filters
// gets them, and its hooks, as git lfs install --local sets them; where
// the repo has hooks of its own, only the filters, with a warning). An LFS file whose content cannot be had (git-lfs not
// installed, or the object on no server) stays the pointer git checked
// out, and each such file is named as an error: every repo is at the tag,
// but the basedir does not hold the release's files, so the exit status
// is 1 until git-lfs (or the object) is there and a rerun fills them. If
// that fails part-way, the error names exactly which repos are at the tag
// and which are not yet; running again finishes the job. Temporary clones
// live in hidden .NAME.clone-* folders of the basedir while a run works;
// those an interrupted (even killed) run left are removed by the next. Repos
// of the basedir not in the manifest are left alone, with a warning.
// Re-running when the basedir already matches succeeds and changes
// nothing, so verify_deploy_tag TAG passes afterwards.
//
// Each network step (fetch, clone) of a repo gives up after --timeout
// (default 60s; it bounds each step, not the whole run), never prompts
// (ssh runs in batch mode), and may use only the file, git, ssh, https
// and http transports (ext:: never, whatever a repo's config says).
// Clones and fetches from one ssh host share one ssh connection (two
// while more than 4 run at once), at most
// 8 at once per host, and a host that refuses, fails its host-key check or
// does not answer fails all its repos at once (see push_tag). The URL
// template must contain {name}, must not start with "-", must hold no
// whitespace or control characters and must not use git's
// "transport::address" form (ext::, fd::).
//
// # Output
//
// The name of each repo of the manifest, one per line, once every one is
// checked out at the tag.
//
// # Exit status
//
//	0  every repo is at the tag (including when it already was), with its
//	   submodules and LFS content
//	1  a repo failed, or an LFS file is left a pointer (each named on stderr;
//	   nothing was checked out when the check before the checkout failed)
//	2  a wrong command line: a bad TAG, URL template, REPO name, remote name,
//	   timeout or job count
//
// # Examples
//
//	# put the basedir's repos at the tag, fetching it from their remotes
//	cd ~/src/tutor && checkout_deploy_tag DEPLOY_20261125_142501_3f9a2c1
//	# from an empty folder: the tag, where the repos live, and one repo of the deploy
//	mkdir tutor && checkout_deploy_tag --basedir tutor \
//	    --url-template 'git@github.com:openstax/{name}.git' DEPLOY_20261125_142501_3f9a2c1 tutor-server
//	# the same with the manifest at hand
//	mkdir tutor && checkout_deploy_tag --basedir tutor --manifest m.txt \
//	    --url-template 'git@github.com:openstax/{name}.git' DEPLOY_20261125_142501_3f9a2c1
package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/checkout"
)

var (
	urlTemplateFlag = &cli.StringFlag{Name: "url-template", EnvVars: []string{"DEPLOYTAG_URL_TEMPLATE"},
		Usage: "URL of a missing repo, {name} standing for its name (default: derived from an existing repo's remote)"}
	manifestFlag = cmdline.ManifestFlag("read the deploy's manifest from FILE (- for stdin) instead of looking for it")
	maxReposFlag = &cli.IntFlag{Name: "max-repos", Value: checkout.DefaultMaxRepos,
		Usage: "refuse a manifest naming more repos than N, before anything is fetched or cloned"}
)

func app() *cli.App {
	return cmdline.NewApp("checkout_deploy_tag", "check out every repo of a deploy tag, cloning the missing ones",
		"TAG [REPO...]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, urlTemplateFlag, manifestFlag, maxReposFlag, cmdline.RemoteFlag,
			cmdline.TimeoutFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	if c.NArg() < 1 {
		return cmdline.Usagef("want a TAG, got no operand")
	}
	o := checkout.Options{Tag: c.Args().First(), Sources: c.Args().Tail(), URLTemplate: c.String(urlTemplateFlag.Name), ManifestFile: c.String(manifestFlag.Name),
		MaxRepos: c.Int(maxReposFlag.Name),
		Flags:    checkout.Flags{Manifest: "--" + manifestFlag.Name, URLTemplate: "--" + urlTemplateFlag.Name, MaxRepos: "--" + maxReposFlag.Name}}
	if err := checkOperands(o, c.IsSet(urlTemplateFlag.Name)); err != nil {
		return cmdline.Usage(err)
	}
	env, err := cmdline.Setup(c)
	if err != nil {
		return err
	}
	o.Basedir, o.Stdin, o.ManifestRepo, o.Repos, o.Remote = env.Basedir, env.Stdin, env.Config.ManifestRepo, env.Config.Repos, env.Remote
	o.Timeout, o.Jobs, o.Warnf, o.Progress = env.Timeout, env.Jobs, env.Warnf, env.Progress()
	res, err := checkout.Run(c.Context, env.Net, o)
	if err != nil {
		return err
	}
	return cmdline.Output(c, nil, strings.Join(res.Repos, "\n")+"\n")
}

func main() { os.Exit(cmdline.Main(app(), source)) }
