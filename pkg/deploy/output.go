package deploy

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/deploytag/deploytag/pkg/artifact"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/git"
)

// runToArtifact is Run with the release written as an artifact to name
// instead of deployed: "-" is w (stdout), any other name a file that
// appears only once the whole artifact is written.
func runToArtifact(ctx context.Context, g *git.Runner, o Options, name string, w io.Writer) (Result, error) {
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

// fromArtifactFile is FromArtifact reading a.Name: "-" is stdin (named
// "stdin" in messages), any other name a file.
func fromArtifactFile(ctx context.Context, o Options, a Artifact, stdin io.Reader) (Result, error) {
	if a.Name == "-" {
		a.Name, a.R = "stdin", stdin
		return FromArtifact(ctx, o, a)
	}
	f, err := os.Open(a.Name)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	a.R = f
	return FromArtifact(ctx, o, a)
}

// writeResult prints what deploy prints on stdout: with asJSON the
// record (writeJSON), else the tag and a newline.
func writeResult(w io.Writer, res Result, o Options, asJSON bool) error {
	if asJSON {
		return writeJSON(w, res, o)
	}
	_, err := w.Write([]byte(res.Tag + "\n"))
	return err
}
