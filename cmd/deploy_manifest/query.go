package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/tags"
)

// query is what deploy_manifest is asked on its command line: the
// manifest of the HEADs or of tag, or with diff what changed between the
// two deploys of its operands (tags, or HEAD).
type query struct {
	tag      string   // --tag, when tagSet
	tagSet   bool     // --tag given
	diff     bool     // --diff (or --log)
	log      bool     // --log: the one-line commits too
	operands []string // FROM and TO, with diff
}

// check applies the rules of the command line; an error says what is
// wrong with it (the caller makes it a usage error). --tag names a tag,
// never HEAD: the HEADs are what prints without it.
func (q query) check() error {
	switch {
	case q.diff && q.tagSet:
		return errors.New("give --tag or --diff, not both")
	case q.diff && len(q.operands) != 2:
		return fmt.Errorf("--diff wants two operands, FROM and TO, got %d", len(q.operands))
	case !q.diff && len(q.operands) != 0:
		return errors.New("no operands expected without --diff")
	}
	for _, t := range q.operands {
		if err := names.ValidTagName(t); err != nil && t != tags.HEAD {
			return err
		}
	}
	if q.tagSet {
		return names.ValidTagName(q.tag)
	}
	return nil
}

// answer answers q from the repos: the record deploy_manifest prints with
// --json and the text it prints without. Warnings about commits that
// could not be counted go to warnf.
func (q query) answer(ctx context.Context, g *git.Runner, repos []basedir.Repo, jobs int, warnf func(string, ...any)) (record any, text string, err error) {
	if q.diff {
		from, to := q.operands[0], q.operands[1]
		changes, err := tags.DiffTags(ctx, g, repos, from, to, q.log, jobs, warnf)
		if err != nil {
			return nil, "", err
		}
		return map[string]any{"from": from, "to": to, "repos": changes}, tags.FormatChanges(changes), nil
	}
	tag := tags.HEAD
	if q.tagSet {
		tag = q.tag
	}
	m, err := tags.ManifestOf(ctx, g, repos, tag, jobs)
	if err != nil {
		return nil, "", err
	}
	return tags.ManifestRecord(tag, m), m.String(), nil
}
