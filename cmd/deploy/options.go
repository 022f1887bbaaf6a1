package main

import (
	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/push"
	"github.com/deploytag/deploytag/pkg/tags"
)

// taggingOptions are the options of the tag_for_deploy flow over repos as
// the shared flags and the config set them (prefix, time, sign, jobs,
// manifest repo), with its warnings, notes and progress, as
// tag_for_deploy sets them.
func taggingOptions(e *cmdline.Env, repos []basedir.Repo, allowDirty bool) tags.DeployOptions {
	return tags.DeployOptions{Repos: repos, Prefix: e.Prefix, Time: e.Time, Sign: e.Sign, AllowDirty: allowDirty,
		DirtyOverride: cmdline.DirtyOverride, Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Warnf: e.Warnf, Progress: e.Progress(), Waiting: e.WaitingTag}
}

// pushOptions are the options of the push step as the shared flags and
// the config set them (remote, timeout, jobs, manifest repo), with its
// progress and what a pre-push hook prints, as push_tag sets them.
func pushOptions(e *cmdline.Env) push.Options {
	return push.Options{Remote: e.Remote, Timeout: e.Timeout, Jobs: e.Jobs, ManifestRepo: e.Config.ManifestRepo, Progress: e.Progress(),
		HookSaid: e.HookSaid}
}
