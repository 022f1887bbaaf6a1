// push_tag publishes a tag to the remote of every repo, in parallel, never
// forcing anything.
//
// # Synopsis
//
//	push_tag [--basedir DIR] [--remote NAME] [--timeout D] [--jobs N] [--config FILE] [--quiet] TAG [REPO...]
//
// # Description
//
// For each REPO it pushes exactly refs/tags/TAG to the remote (never with
// --force, never with --tags) and, for the repo named by manifest_repo in
// deploy.toml, its deploy-manifests branch too (fast-forward only) when it
// has one. A REPO is a repo name in the basedir or a path (containing a
// slash) to a work tree; - reads more REPOs from stdin, one per line.
// Without REPOs it pushes the basedir's repos (deploy.toml's repos, or
// every git work tree in the basedir).
//
// Every repo is checked first: a repo that lacks the tag or the remote
// fails the run before anything is pushed, and every such repo is named.
// The remotes are then pushed in parallel (--jobs at once). A remote that
// already has the tag at the same object counts as done, so a re-run is
// safe. A remote whose tag of that name points elsewhere is left unchanged
// and that repo fails, naming both objects; the other repos still go. The
// remote's own per-ref report is what confirms a push; anything else on
// git's output (a pre-push hook's words, such as git-lfs's upload meter)
// is passed on to stderr as "push_tag: pre-push hook of REPO: ...", never
// read as a result.
//
// The remote is --remote, else $DEPLOYTAG_REMOTE, else deploy.toml's
// remote, else origin. Each network step (push, ls-remote) must finish
// within --timeout, after which git and every process it started (ssh,
// git-remote-*) are killed. git never prompts: there is no terminal, no
// askpass, and ssh runs in batch mode (BatchMode=yes after the options of
// your own GIT_SSH_COMMAND or core.sshCommand, so yours win). --timeout
// bounds each network step of one repo, not the whole run. Credentials in
// remote URLs (user:password@, ?access_token=...) are never printed.
//
// Repos whose remotes share an ssh host share one ssh connection (an
// OpenSSH ControlMaster the run starts and ends, unless your ssh config
// sets ControlMaster or ControlPath; a second one while more than 4 steps
// to the host run at once), and at most 8 network steps run at
// once against one host. The first connection refused, host-key failure,
// unresolved name or timeout on a host fails its other repos at once with
// the same cause. Each failure is one line naming the repo, the remote and
// its URL and the cause as ssh or the server said it, then a hint.
//
// # Output
//
// The name of each repo whose remote has the tag, one per line, printed as
// each remote confirms it (so the order varies), including repos whose
// remote already had it.
//
// # Exit status
//
//	0  every remote has the tag (and the manifest branch)
//	1  a repo failed (each named on stderr; the others are still pushed,
//	   unless the failure was found before pushing, then nothing is)
//	2  a wrong command line (a bad tag or remote name, a bad --timeout or --jobs)
//
// # Examples
//
//	# push a deploy tag to the remote of every repo of the current folder
//	push_tag DEPLOY_20261125_142501_3f9a2c1
//	# push only the repos that were just tagged
//	tag_repos v2.1.4 tutor-server tutor-js | xargs push_tag v2.1.4
//	# another remote, a shorter deadline, one repo
//	push_tag --remote github --timeout 30s DEPLOY_20261125_142501_3f9a2c1 tutor-js
package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/push"
)

func app() *cli.App {
	return cmdline.NewApp("push_tag", "push one tag to the remote of every repo, in parallel, never forced",
		"TAG [REPO...]",
		[]cli.Flag{cmdline.BasedirFlag, cmdline.ConfigFlag, cmdline.RemoteFlag, cmdline.TimeoutFlag, cmdline.JobsFlag, cmdline.QuietFlag},
		run)
}

func run(c *cli.Context) error {
	tag, env, err := cmdline.SetupTag(c)
	if err != nil {
		return err
	}
	repos, err := env.Repos(c.Args().Tail())
	if err != nil {
		return err
	}
	return push.Push(c.Context, env.Net, push.Options{Tag: tag, Repos: repos, Remote: env.Remote, Timeout: env.Timeout, Jobs: env.Jobs,
		ManifestRepo: env.Config.ManifestRepo, Progress: env.Progress(), HookSaid: env.HookSaid, Out: c.App.Writer})
}

func main() { os.Exit(cmdline.Main(app(), source)) }
