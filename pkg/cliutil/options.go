package cliutil

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/deploy"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/push"
	"github.com/deploytag/deploytag/pkg/tagging"
)

// TaggingOptions are the options of the tag_for_deploy flow over repos as
// the env's flags and config set them (prefix, time, sign, jobs, manifest
// repo), with its warnings, notes and progress.
func (e *Env) TaggingOptions(repos []basedir.Repo, allowDirty bool) tagging.DeployOptions {
	return tagging.DeployOptions{Repos: repos, Prefix: e.Prefix, Time: e.Time, Sign: e.Sign, AllowDirty: allowDirty,
		Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Warnf: e.Warnf, Progress: e.Progress(), Waiting: e.waitingTag}
}

// TagOptions are the options of tagging tag on the commits m lists (or
// HEADs) as the env's flags set them (sign, jobs), with its notes and
// progress; the caller adds the repos.
func (e *Env) TagOptions(tag string, m manifest.Manifest) tagging.Options {
	return tagging.Options{Tag: tag, Commits: m, Sign: e.Sign, Jobs: e.Jobs, Progress: e.Progress(), Waiting: e.waitingTag}
}

func (e *Env) waitingTag(repo string) { e.Notef("waiting for another tagging run (%s)", repo) }

// PushOptions are the options of a push as the env's flags and config
// set them (remote, timeout, jobs, manifest repo), with its progress; the
// caller adds the tag and the repos.
func (e *Env) PushOptions() push.Options {
	return push.Options{Remote: e.Remote, Timeout: e.Timeout, Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Progress: e.Progress()}
}

// DeployOptions are the options of a deploy to environment as the env
// and deploy.toml set them: its config (returned too), its root (from the
// flag named rootFlag, as RootFlag resolves it), its command, workdir and
// keep, who deploys from where, and "deploy: ..." messages on stderr.
func (e *Env) DeployOptions(c *cli.Context, rootFlag, environment string) (deploy.Options, config.Environment, error) {
	ecfg, err := e.Config.LookupEnvironment(environment)
	if err != nil {
		return deploy.Options{}, ecfg, err
	}
	root, err := e.RootFlag(c, rootFlag, environment)
	if err != nil {
		return deploy.Options{}, ecfg, err
	}
	return deploy.Options{
		Environment: environment, Root: root, Command: ecfg.Command, Workdir: ecfg.Workdir, Keep: ecfg.Keep, Env: os.Environ(),
		Jobs: e.Jobs, User: UserName(), Host: HostName(), Stderr: e.Stderr, Warnf: e.Warnf,
		Notef: func(f string, a ...any) { fmt.Fprintf(e.Stderr, "deploy: "+f+"\n", a...) },
	}, ecfg, nil
}
