package verify

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/live"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/sigcheck"
	"github.com/deploytag/deploytag/pkg/tags"
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

// Live is verify_deploy_tag's check: without Root, the tag in the repos
// and their work trees; with Root, the live release of Root alone (an
// empty Tag meaning the one the release names): against its own proof,
// and where the repos are at hand (not Offline) the proof's tag and
// commit objects against theirs. The repos' HEADs and uncommitted edits
// are never the release's business. A release with no proof is compared
// with the repos' tagged trees. AllowedSigners, when set, is made
// absolute first.
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
		return Release(ctx, rel, ReleaseOptions{Tag: o.Tag, Jobs: o.Jobs, Progress: o.Progress, SignedBuild: o.SignedBuild, Links: o.Links,
			Signed: o.Signed, Signers: sigcheck.Options{AllowedSigners: o.AllowedSigners, SignersHint: o.SignersHint}})
	}
	if o.Tag == "" {
		if o.Tag, err = live.ReadTagFile(filepath.Join(rel, place.TagFile)); err != nil {
			return nil, fmt.Errorf("no TAG given, and the release names none: %w", err)
		}
	}
	o.Release = rel
	return Verify(ctx, g, o.Options)
}

// compareWithRepos is the one check of a release against the repos at
// hand: each repo of the basedir that carries the release's tag must hold
// the very tag and commit objects the release's proof holds, byte for
// byte. A repo without the tag is not compared; its HEAD and work tree
// are not looked at (verify TAG without a root does that).
func compareWithRepos(ctx context.Context, g *git.Runner, rep *Report, repos []basedir.Repo, jobs int) error {
	var at []basedir.Repo
	for _, r := range repos {
		if _, ok := rep.Manifest.Lookup(r.Name); ok {
			at = append(at, r)
		}
	}
	if len(at) == 0 {
		return nil
	}
	copies, err := tags.ReadCopies(ctx, g, at, rep.Tag, jobs)
	if err != nil {
		return err
	}
	rd, err := proof.Open(rep.Release)
	if err != nil {
		return err
	}
	for i := range rep.Lines {
		l := &rep.Lines[i]
		c := copies.Find(l.Name)
		if c < 0 {
			continue
		}
		cp := copies.All[c]
		if cp.Err != nil {
			l.Problems = append(l.Problems, "the repo's copy of the tag, to compare the proof with, not read: "+oneLine(cp.Err))
		} else if p, err := rd.Repo(l.Name); err == nil && !cp.Missing {
			if cp.Lightweight || sha256.Sum256(p.Tag) != cp.TagSum {
				l.Problems = append(l.Problems, "proof file "+proof.Rel(l.Name, proof.TagFile)+" differs from the repo's tag object")
			}
			if sha256.Sum256(p.Commit) != cp.CommitSum {
				l.Problems = append(l.Problems, "proof file "+proof.Rel(l.Name, proof.CommitFile)+" differs from the repo's commit object")
			}
		}
		l.OK = len(l.Problems) == 0 && l.Diff.Empty()
		rep.OK = rep.OK && l.OK
	}
	return nil
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
