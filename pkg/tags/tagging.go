package tags

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/progress"
)

// Options say what to tag.
type Options struct {
	Tag   string         // checked by the caller against names.ValidTagName
	Repos []basedir.Repo // the repos to tag
	// Commits, when set, gives the commit to tag in each repo; a repo
	// missing from it is an error. Otherwise HEAD is tagged.
	Commits manifest.Manifest
	Sign    bool
	Jobs    int
	// CommitsRead says Commits were just read from the repos themselves
	// (tag_for_deploy takes them from git status), so they need no second
	// look-up: where the ref files show the tag certainly absent and not
	// locked (git.TagCertainlyAbsent), the repo is checked without
	// starting git.
	CommitsRead bool
	// Progress, when set, is told as each repo is checked and tagged.
	Progress progress.Reporter
	// LockTimeout bounds Run's wait for another tagging run of the same
	// repos (DefaultLockTimeout when 0); Waiting, when set, is told once
	// that it waits, with the repo whose lock is held.
	LockTimeout time.Duration
	Waiting     func(repo string)
}

// State is what a repo needs.
type State int

const (
	ToCreate State = iota // the tag is absent and will be created
	Done                  // the tag already points at the commit
)

// RepoPlan is the checked plan for one repo.
type RepoPlan struct {
	Repo   basedir.Repo
	Commit string
	State  State
}

// Plan is a checked, not yet applied, multi-repo tagging.
type Plan struct {
	Tag      string
	Repos    []RepoPlan
	Manifest manifest.Manifest // every repo and the commit it gets: the tag message
	sign     bool
	jobs     int
	progress progress.Reporter
}

// Check inspects every repo in parallel, one git process each, and returns
// the plan, or every problem found, each naming its repo.
func Check(ctx context.Context, g *git.Runner, o Options) (*Plan, error) {
	if len(o.Repos) == 0 {
		return nil, errors.New("no repos to tag")
	}
	p := &Plan{Tag: o.Tag, Repos: make([]RepoPlan, len(o.Repos)), sign: o.Sign, jobs: max(o.Jobs, 1), progress: progress.Or(o.Progress)}
	fan := basedir.Fanout{Jobs: p.jobs, Step: "checking", Progress: p.progress}
	err := fan.Each(ctx, len(o.Repos), func(i int) string { return o.Repos[i].Name }, func(ctx context.Context, i int) error {
		r := o.Repos[i]
		want := "HEAD"
		if o.Commits != nil {
			c, ok := o.Commits.Lookup(r.Name)
			if !ok {
				return errors.New("repo is not in the manifest")
			}
			want = c
		}
		if o.CommitsRead && o.Commits != nil && git.TagCertainlyAbsent(r.Path, o.Tag) {
			p.Repos[i] = RepoPlan{Repo: r, Commit: want, State: ToCreate}
			return nil
		}
		rp, err := checkRepo(ctx, g, r, want, o.Tag)
		p.Repos[i] = rp
		return err
	})
	if err != nil {
		return nil, err
	}
	entries := make([]manifest.Entry, len(p.Repos))
	for i, rp := range p.Repos {
		entries[i] = manifest.Entry{Name: rp.Repo.Name, Commit: rp.Commit}
	}
	m, err := manifest.New(entries...)
	if err != nil {
		return nil, err
	}
	p.Manifest = m
	return p, nil
}

func checkRepo(ctx context.Context, g *git.Runner, r basedir.Repo, want, tag string) (RepoPlan, error) {
	return checkRepoOnce(ctx, g, r, want, tag, 3)
}

func checkRepoOnce(ctx context.Context, g *git.Runner, r basedir.Repo, want, tag string, tries int) (RepoPlan, error) {
	rp := RepoPlan{Repo: r}
	ref := "refs/tags/" + tag
	objs, err := g.Resolve(ctx, r.Path, want+"^{commit}", ref, ref+"^{commit}")
	if err != nil {
		return rp, err
	}
	head, tagObj, tagCommit := objs[0], objs[1], objs[2]
	switch {
	case head.Missing && want == "HEAD":
		return rp, errors.New("HEAD has no commit yet (unborn branch)")
	case head.Missing:
		return rp, fmt.Errorf("commit %s is not in the repo", want)
	}
	rp.Commit = head.Oid
	if !tagObj.Missing {
		switch {
		case tagObj.Type != "tag":
			return rp, fmt.Errorf("tag %s exists as a lightweight tag at %s; deploy tags are annotated and are never replaced", tag, short(tagObj.Oid))
		case tagCommit.Oid != rp.Commit:
			return rp, fmt.Errorf("tag %s already exists at commit %s, not %s; tags are never moved", tag, short(tagCommit.Oid), short(rp.Commit))
		}
		rp.State = Done
		return rp, nil
	}
	_, common, err := git.GitDir(r.Path)
	if err != nil {
		return rp, err
	}
	lock := filepath.Join(common, "refs", "tags", tag+".lock")
	if _, err := os.Lstat(lock); err == nil {
		// A lock that goes within a moment belonged to a git still at work
		// (say, one a killed run had started): then look at the repo again,
		// as that git may have just made the tag.
		if tries <= 1 || !waitGone(ctx, lock, LockGrace) {
			return rp, &lockError{path: lock}
		}
		return checkRepoOnce(ctx, g, r, want, tag, tries-1)
	}
	return rp, nil
}

// LockGrace is how long a tag's lock file may take to go before the
// checks call it stale.
var LockGrace = time.Second

// waitGone reports whether path is gone within d.
func waitGone(ctx context.Context, path string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockError struct{ path string }

func (e *lockError) Error() string { return "a stale lock blocks the tag: " + e.path }
func (e *lockError) Hint() string {
	return "if no git process is running in that repo, remove the lock file and run again"
}

func short(oid string) string { return oid[:min(12, len(oid))] }

// Message returns the tag message: the tag, a blank line, the manifest.
func (p *Plan) Message() string { return manifest.TagMessage(p.Tag, p.Manifest) }

// Result says what Apply did.
type Result struct {
	Created []string // repo names where this run created the tag
	Done    []string // repo names where the tag already pointed at the commit
}

// Apply creates the tag in every repo that needs it, in parallel. A
// repo's failure does not stop the others (every failing repo is named);
// if any failed, or ctx ended before every repo was started, it then
// deletes the tags this run created and returns every failure. A started
// tag write is always let finish: "git tag" outlives the tool; a tag
// written without git (git.Runner.CreateTag) is whole or absent at every
// moment.
func (p *Plan) Apply(ctx context.Context, g *git.Runner) (Result, error) {
	const (
		untouched = iota
		made
		already
	)
	outcome := make([]int, len(p.Repos))
	msg := p.Message()
	fan := basedir.Fanout{Jobs: p.jobs, Step: "tagging", Progress: p.progress}
	err := fan.Each(ctx, len(p.Repos), func(i int) string { return p.Repos[i].Repo.Name }, func(ctx context.Context, i int) error {
		rp := p.Repos[i]
		if rp.State == Done {
			outcome[i] = already
			return nil
		}
		// Killing a "git tag" part-way could leave a lock file behind, so
		// once started it runs to its end; only new starts stop.
		ctx = context.WithoutCancel(ctx)
		err := g.CreateTag(ctx, rp.Repo.Path, git.TagOptions{Name: p.Tag, Commit: rp.Commit, Message: msg, Sign: p.sign})
		switch {
		case err == nil:
			outcome[i] = made
		case errors.Is(err, git.ErrTagExists) && atCommit(ctx, g, rp, p.Tag):
			outcome[i] = already
		default:
			return err
		}
		return nil
	})
	var res Result
	var created []RepoPlan
	for i, rp := range p.Repos {
		switch outcome[i] {
		case made:
			created = append(created, rp)
			res.Created = append(res.Created, rp.Repo.Name)
		case already:
			res.Done = append(res.Done, rp.Repo.Name)
		}
	}
	if err == nil {
		return res, nil
	}
	return Result{}, errors.Join(err, p.rollback(context.WithoutCancel(ctx), g, created))
}

func atCommit(ctx context.Context, g *git.Runner, rp RepoPlan, tag string) bool {
	objs, err := g.Resolve(ctx, rp.Repo.Path, "refs/tags/"+tag, "refs/tags/"+tag+"^{commit}")
	return err == nil && !objs[0].Missing && objs[0].Type == "tag" && objs[1].Oid == rp.Commit
}

// rollback deletes the tags this run created, each only if it still points
// at the tag object this run made for that commit.
func (p *Plan) rollback(ctx context.Context, g *git.Runner, created []RepoPlan) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var errs []error
	for _, rp := range created {
		ref := "refs/tags/" + p.Tag
		objs, err := g.Resolve(ctx, rp.Repo.Path, ref, ref+"^{commit}")
		if err == nil && (objs[0].Missing || objs[1].Oid != rp.Commit) {
			continue // gone or not ours any more: leave it
		}
		if err == nil {
			err = g.DeleteTagAt(ctx, rp.Repo.Path, p.Tag, objs[0].Oid)
		}
		if err != nil {
			errs = append(errs, basedir.Errorf(rp.Repo.Name, "could not take back tag %s this run created: %v", p.Tag, err))
		}
	}
	return errors.Join(errs...)
}

// Rollback deletes the tags a successful Apply created; callers use it when
// a later step of the same run fails.
func (p *Plan) Rollback(ctx context.Context, g *git.Runner, res Result) error {
	var created []RepoPlan
	names := map[string]bool{}
	for _, n := range res.Created {
		names[n] = true
	}
	for _, rp := range p.Repos {
		if names[rp.Repo.Name] {
			created = append(created, rp)
		}
	}
	return p.rollback(ctx, g, created)
}
