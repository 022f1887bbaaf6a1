package main

import (
	"context"
	"errors"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/cliutil"
	"github.com/deploytag/deploytag/pkg/deployflow"
)

// pusher is the push step of real environments.
//
// WIRING POINT: pkg/push (push_tag's code) is not on main yet. When it
// lands this becomes
//
//	return func(ctx context.Context, tag string, repos []basedir.Repo) error {
//		return push.Push(ctx, e.Git, push.Options{Tag: tag, Repos: repos, Remote: remote,
//			Timeout: timeout, Jobs: jobs, ManifestRepo: e.Config.ManifestRepo})
//	}
func pusher(e *cliutil.Env, remote string, timeout time.Duration, jobs int) deployflow.PushFunc {
	_, _, _, _ = e, remote, timeout, jobs
	return func(ctx context.Context, tag string, repos []basedir.Repo) error {
		return cliutil.WithHint(errors.New("this build cannot push tags yet"), "deploy with --no-push, or push the tag with push_tag")
	}
}
