package tags

import (
	"context"
	"errors"
	"fmt"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/names"
)

// ManifestQuery is what deploy_manifest is asked on its command line:
// the manifest of the HEADs or of Tag, or with Diff what changed between
// the two deploys of its operands (tags, or HEAD).
type ManifestQuery struct {
	Tag      string   // --tag, when TagSet
	TagSet   bool     // --tag given
	Diff     bool     // --diff (or --log)
	Log      bool     // --log: the one-line commits too
	Operands []string // FROM and TO, with Diff
}

// Check applies the rules of the command line; an error says what is
// wrong with it (the caller makes it a usage error). --tag names a tag,
// never HEAD: the HEADs are what prints without it.
func (q ManifestQuery) Check() error {
	switch {
	case q.Diff && q.TagSet:
		return errors.New("give --tag or --diff, not both")
	case q.Diff && len(q.Operands) != 2:
		return fmt.Errorf("--diff wants two operands, FROM and TO, got %d", len(q.Operands))
	case !q.Diff && len(q.Operands) != 0:
		return errors.New("no operands expected without --diff")
	}
	for _, t := range q.Operands {
		if err := names.ValidTagName(t); err != nil && t != HEAD {
			return err
		}
	}
	if q.TagSet {
		return names.ValidTagName(q.Tag)
	}
	return nil
}

// Answer answers q from the repos: the record deploy_manifest prints with
// --json and the text it prints without. Warnings about commits that
// could not be counted go to warnf.
func (q ManifestQuery) Answer(ctx context.Context, g *git.Runner, repos []basedir.Repo, jobs int, warnf func(string, ...any)) (record any, text string, err error) {
	if q.Diff {
		from, to := q.Operands[0], q.Operands[1]
		changes, err := DiffTags(ctx, g, repos, from, to, q.Log, jobs, warnf)
		if err != nil {
			return nil, "", err
		}
		return map[string]any{"from": from, "to": to, "repos": changes}, FormatChanges(changes), nil
	}
	tag := HEAD
	if q.TagSet {
		tag = q.Tag
	}
	m, err := ManifestOf(ctx, g, repos, tag, jobs)
	if err != nil {
		return nil, "", err
	}
	return ManifestRecord(tag, m), m.String(), nil
}
