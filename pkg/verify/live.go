package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/sigcheck"
)

// LiveOptions say what Live checks: the repos (Options) and, when Root is
// set, the live release of that standard place.
type LiveOptions struct {
	Options
	// Root, when set, is the root of a standard place whose live release
	// is checked too; Options.Release is then that release.
	Root string
	// Offline checks the live release against its own proof alone, with
	// no repos and no git (Root must be set; g may be nil).
	Offline bool
}

// Live is verify_deploy_tag's check: the tag in the repos, with Root the
// live release of Root as well (an empty Tag meaning the one the release
// names), or with Offline the live release on its own. AllowedSigners,
// when set, is made absolute first.
func Live(ctx context.Context, g *git.Runner, o LiveOptions) (*Report, error) {
	if o.AllowedSigners != "" {
		abs, err := filepath.Abs(o.AllowedSigners)
		if err != nil {
			return nil, err
		}
		o.AllowedSigners = abs
	}
	if o.Root == "" {
		return Verify(ctx, g, o.Options)
	}
	rel, err := live.LiveRelease(o.Root)
	if err != nil {
		return nil, err
	}
	if o.Offline {
		return Release(ctx, rel, ReleaseOptions{Tag: o.Tag, Jobs: o.Jobs,
			Signed: o.Signed, Signers: sigcheck.Options{AllowedSigners: o.AllowedSigners}})
	}
	if o.Tag == "" {
		if o.Tag, err = live.ReadTagFile(filepath.Join(rel, place.TagFile)); err != nil {
			return nil, fmt.Errorf("no TAG given, and the release names none: %w", err)
		}
	}
	o.Release = rel
	return Verify(ctx, g, o.Options)
}

// Write prints the report to w, one "NAME<TAB>verdict" line a repo or
// file, or with asJSON one JSON record, and returns an error naming the
// failed lines when the tag does not match.
func (r *Report) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		for _, l := range r.Lines {
			if _, err := fmt.Fprintf(w, "%s\t%s\n", l.Name, l.Text()); err != nil {
				return err
			}
		}
	}
	if !r.OK {
		return fmt.Errorf("%s does not match: %s", r.Tag, strings.Join(r.Failed(), ", "))
	}
	return nil
}
