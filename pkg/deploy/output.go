package deploy

import (
	"context"
	"fmt"
	"io"

	"github.com/deploytag/deploytag/pkg/artifact"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/network"
)

// RunToArtifact is Run with the release written as an artifact to name
// instead of deployed: "-" is w (stdout), any other name a file that
// appears only once the whole artifact is written.
func RunToArtifact(ctx context.Context, g *network.Client, o Options, name string, w io.Writer) (Result, error) {
	if name == "-" {
		o.Artifact = w
		return Run(ctx, g, o)
	}
	out, err := artifact.Create(name)
	if err != nil {
		return Result{}, err
	}
	defer out.Abort()
	o.Artifact = out
	res, err := Run(ctx, g, o)
	if err != nil {
		return res, err
	}
	if err := out.Commit(); err != nil {
		return res, fmt.Errorf("writing %s: %w", name, fail.DiskFull(err, name))
	}
	return res, nil
}
