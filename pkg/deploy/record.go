package deploy

import (
	"context"
	"encoding/json"
	"io"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/push"
)

// deployRecord is the --json output (docs/json.md).
type deployRecord struct {
	Tag         string            `json:"tag"`
	Environment string            `json:"environment"`
	Root        string            `json:"root"`
	Release     string            `json:"release"`
	Created     bool              `json:"created"`
	Pushed      bool              `json:"pushed"`
	Command     []string          `json:"command"`
	Restart     []string          `json:"restart"`
	Check       []string          `json:"check"`
	Workdir     *string           `json:"workdir"`
	Previous    *string           `json:"previous"`
	Restored    bool              `json:"restored"`
	Pruned      []string          `json:"pruned"`
	DryRun      bool              `json:"dry_run"`
	Manifest    manifest.Manifest `json:"repos"`
}

// WriteJSON prints what the deploy did (or, for a dry run, would do) as
// one JSON record (docs/json.md).
func WriteJSON(w io.Writer, res Result, o Options) error {
	r := deployRecord{
		Tag: res.Tag, Environment: o.Environment, Root: res.Root, Release: res.Release,
		Created: res.Created, Pushed: res.Pushed, Command: o.Command, Restart: o.Restart, Check: o.Check,
		Restored: res.Outcome == place.Restored, Pruned: res.Pruned, DryRun: o.DryRun,
		Manifest: res.Manifest,
	}
	if r.Manifest == nil {
		r.Manifest = manifest.Manifest{}
	}
	if o.DryRun { // what it would do
		r.Created, r.Pushed = o.Tag == "", o.Push != nil
	}
	if o.runsPrograms() {
		wd := o.Workdir
		if wd == "" {
			wd = "."
		}
		r.Workdir = &wd
	}
	if res.Previous != "" {
		r.Previous = &res.Previous
	}
	if r.Pruned == nil {
		r.Pruned = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Pusher is the push step of real environments: push_tag's code, run
// before anything is deployed, with o's remote, timeout, jobs, manifest
// repo and progress, for the tag and repos of the deploy.
func Pusher(g *network.Client, o push.Options) PushFunc {
	return func(ctx context.Context, tag string, repos []basedir.Repo) error {
		o.Tag, o.Repos = tag, repos
		return push.Push(ctx, g, o)
	}
}
