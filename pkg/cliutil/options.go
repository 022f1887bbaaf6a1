package cliutil

import (
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/push"
	"github.com/deploytag/deploytag/pkg/tagging"
)

// TaggingOptions are the options of the tag_for_deploy flow over repos as
// the env's flags and config set them (prefix, time, sign, jobs, manifest
// repo), with its warnings, notes and progress.
func (e *Env) TaggingOptions(repos []basedir.Repo, allowDirty bool) tagging.DeployOptions {
	return tagging.DeployOptions{Repos: repos, Prefix: e.Prefix, Time: e.Time, Sign: e.Sign, AllowDirty: allowDirty,
		Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Warnf: e.Warnf, Progress: e.Progress(),
		Waiting: func(repo string) { e.Notef("waiting for another tagging run (%s)", repo) }}
}

// PushOptions are the options of a push as the env's flags and config
// set them (remote, timeout, jobs, manifest repo), with its progress; the
// caller adds the tag and the repos.
func (e *Env) PushOptions() push.Options {
	return push.Options{Remote: e.Remote, Timeout: e.Timeout, Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Progress: e.Progress()}
}
