package cmdline

import (
	"fmt"
	"os"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/deploy"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/push"
	"github.com/deploytag/deploytag/pkg/tags"
)

// TaggingOptions are the options of the tag_for_deploy flow over repos as
// the env's flags and config set them (prefix, time, sign, jobs, manifest
// repo), with its warnings, notes and progress.
func (e *Env) TaggingOptions(repos []basedir.Repo, allowDirty bool) tags.DeployOptions {
	return tags.DeployOptions{Repos: repos, Prefix: e.Prefix, Time: e.Time, Sign: e.Sign, AllowDirty: allowDirty,
		Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Warnf: e.Warnf, Progress: e.Progress(), Waiting: e.waitingTag}
}

// TagOptions are the options of tagging tag on the commits m lists (or
// HEADs) as the env's flags set them (sign, jobs), with its notes and
// progress; the caller adds the repos.
func (e *Env) TagOptions(tag string, m manifest.Manifest) tags.Options {
	return tags.Options{Tag: tag, Commits: m, Sign: e.Sign, Jobs: e.Jobs, Progress: e.Progress(), Waiting: e.waitingTag}
}

func (e *Env) waitingTag(repo string) { e.Notef("waiting for another tagging run (%s)", repo) }

// PushOptions are the options of a push as the env's flags and config
// set them (remote, timeout, jobs, manifest repo), with its progress and
// what a repo's pre-push hook printed passed on to stderr, each line as
// "NAME: pre-push hook of REPO: LINE"; the caller adds the tag and the
// repos.
func (e *Env) PushOptions() push.Options {
	return push.Options{Remote: e.Remote, Timeout: e.Timeout, Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Progress: e.Progress(),
		HookSaid: e.hookSaid}
}

// hookSaid passes on a line a repo's pre-push hook printed, quiet or not:
// they are another program's words, not ours to silence.
func (e *Env) hookSaid(repo, line string) {
	fmt.Fprintf(e.Stderr, "%s: pre-push hook of %s: %s\n", e.Name, repo, line)
}

// DeployEnv is what a deploy takes from the env (deploy.Env): its git
// runner, config, basedir, jobs, the tagging and push options above, its
// streams, warnings and progress, who deploys from where, and root, the
// environment's root (as RootFlag resolves it).
func (e *Env) DeployEnv(root string) deploy.Env {
	return deploy.Env{
		Git: e.Git, Config: e.Config, Basedir: e.Basedir, Root: root, Jobs: e.Jobs,
		Tagging: e.TaggingOptions(nil, false), Push: e.PushOptions(),
		Stdin: e.Stdin, Stdout: e.Stdout, Stderr: e.Stderr, Warnf: e.Warnf, Progress: e.Progress(),
		User: UserName(), Host: HostName(), Environ: os.Environ(),
	}
}
