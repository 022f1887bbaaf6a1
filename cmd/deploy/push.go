package main

import (
	"context"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/deployflow"
	"github.com/deploytag/deploytag/pkg/push"
)

// pusher is the push step of real environments: push_tag's code, run
// before anything is deployed.
func pusher(e *cliutil.Env, remote string, timeout time.Duration, jobs int) deployflow.PushFunc {
	return func(ctx context.Context, tag string, repos []basedir.Repo) error {
		return push.Push(ctx, e.Git, push.Options{Tag: tag, Repos: repos, Remote: remote,
			Timeout: timeout, Jobs: jobs, ManifestRepo: e.Config.ManifestRepo, Progress: e.Progress()})
	}
}
