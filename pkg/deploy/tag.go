package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// Tagged is an existing deploy tag, checked in the basedir.
type Tagged struct {
	Tag      string
	Manifest manifest.Manifest
	Repos    []basedir.Repo // the manifest's repos, in the basedir, by name
}

// CheckTag reads the manifest of an existing deploy tag from its message
// (in the preferred repo if it has the tag, else in the first repo of the
// basedir that does) and checks that every repo it names is in the basedir
// and carries the tag, annotated, at the recorded commit. Every problem is
// reported, each naming its repo. tag must already be checked against the
// tag grammar.
func CheckTag(ctx context.Context, g *git.Runner, dir, tag, preferred string, jobs int) (Tagged, error) {
	// The tag's manifest says which repos are deployed; a work tree outside
	// the name grammar cannot be one of them.
	all, err := basedir.Discover(dir)
	if err != nil && !(basedir.OnlyNotTaken(err) && len(all) > 0) {
		return Tagged{}, err
	}
	type found struct {
		obj, commit git.Object
		err         error
	}
	ref := "refs/tags/" + tag
	res := make(map[string]*found, len(all))
	for _, r := range all {
		res[r.Name] = &found{}
	}
	// A repo's failure is kept, not returned: it matters only if the
	// manifest names that repo.
	err = basedir.Fanout{Jobs: jobs}.EachRepo(ctx, all, func(ctx context.Context, r basedir.Repo) error {
		f := res[r.Name]
		objs, err := g.Resolve(ctx, r.Path, ref, ref+"^{commit}")
		if err != nil {
			f.err = basedir.Wrap(r.Name, err)
			return nil
		}
		f.obj, f.commit = objs[0], objs[1]
		return nil
	})
	if err != nil {
		return Tagged{}, err
	}
	order := make([]basedir.Repo, 0, len(all))
	for _, r := range all {
		if r.Name == preferred {
			order = append([]basedir.Repo{r}, order...)
		} else {
			order = append(order, r)
		}
	}
	var m manifest.Manifest
	var lightweight []error
	for _, r := range order {
		f := res[r.Name]
		if f.err != nil || f.obj.Missing {
			continue
		}
		if f.obj.Type != "tag" {
			lightweight = append(lightweight, basedir.Errorf(r.Name, "tag %s is a lightweight tag, not a deploy tag", tag))
			continue
		}
		msg, err := g.TagMessage(ctx, r.Path, f.obj.Oid)
		if err != nil {
			return Tagged{}, basedir.Wrap(r.Name, err)
		}
		m, err = manifest.ParseTagMessage(tag, msg, "tag "+tag+" in "+r.Name)
		if err != nil {
			return Tagged{}, err
		}
		break
	}
	if m == nil {
		if len(lightweight) > 0 {
			return Tagged{}, errors.Join(lightweight...)
		}
		return Tagged{}, fmt.Errorf("tag %s is in no repo of basedir %s", tag, dir)
	}
	var errs []error
	t := Tagged{Tag: tag, Manifest: m}
	for _, e := range m {
		f, ok := res[e.Name]
		var r basedir.Repo
		for _, x := range all {
			if x.Name == e.Name {
				r = x
			}
		}
		switch {
		case !ok:
			errs = append(errs, basedir.Errorf(e.Name, "repo of tag %s is not in basedir %s", tag, dir))
		case f.err != nil:
			errs = append(errs, f.err)
		case f.obj.Missing:
			errs = append(errs, basedir.Errorf(e.Name, "tag %s is missing", tag))
		case f.obj.Type != "tag":
			errs = append(errs, basedir.Errorf(e.Name, "tag %s is a lightweight tag, not a deploy tag", tag))
		case f.commit.Oid != e.Commit:
			errs = append(errs, basedir.Errorf(e.Name, "tag %s is at commit %s, but its manifest records %s", tag, short(f.commit.Oid), short(e.Commit)))
		default:
			t.Repos = append(t.Repos, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Tagged{}, err
	}
	return t, nil
}

func short(oid string) string { return oid[:min(12, len(oid))] }
