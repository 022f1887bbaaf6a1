package deploy

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/deploytag/deploytag/pkg/artifact"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/release"
)

// writeArtifact exports the release of res.Tag into a temporary folder
// outside any root and writes it to o.Artifact as an artifact. Nothing
// is switched, locked or logged: this machine deploys nothing.
func (o *Options) writeArtifact(ctx context.Context, g *network.Client, res *Result, repos []basedir.Repo) error {
	srcs, err := o.pushThenSources(ctx, res, repos, "no artifact written")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "deploytag-artifact-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	root, err := place.Open(dir)
	if err != nil {
		return err
	}
	tmp, err := release.Build(ctx, g, root, res.Tag, res.Manifest, srcs, release.Options{Jobs: o.Jobs, Progress: o.Progress})
	if err != nil {
		return fmt.Errorf("exporting %s: %w", res.Tag, fail.DiskFull(err, dir))
	}
	if err := o.runBuild(ctx, tmp, res); err != nil {
		return err
	}
	if err := artifact.Write(o.Artifact, tmp, res.Tag); err != nil {
		return fmt.Errorf("writing the artifact of %s: %w", res.Tag, fail.DiskFull(err, "the artifact"))
	}
	return nil
}

// sources pairs the repos with their commits in the tag's manifest.
// exportAttrs names the repos opted into export attributes.
func sources(res *Result, repos []basedir.Repo, exportAttrs []string) ([]release.Source, error) {
	srcs := make([]release.Source, 0, len(repos))
	for _, r := range repos {
		c, ok := res.Manifest.Lookup(r.Name)
		if !ok {
			return nil, basedir.Errorf(r.Name, "repo is not in the manifest of %s", res.Tag)
		}
		srcs = append(srcs, release.Source{Name: r.Name, Path: r.Path, Commit: c, ExportAttributes: slices.Contains(exportAttrs, r.Name)})
	}
	return srcs, nil
}
