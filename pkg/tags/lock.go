package tags

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/flock"
	"github.com/deploytag/deploytag/pkg/git"
)

// LockFile is the tagging lock's file in each repo's git folder (the
// common one, shared by linked work trees). It lives inside .git, so it
// never shows in a work tree's status, and the kernel releases its flock
// when the holder dies, so a killed run never blocks the next. The file
// itself stays (an flock needs one); it is not named *.lock, as a file
// left under that name would be a git lock gone stale.
const LockFile = "deploytag-tagging.flock"

// DefaultLockTimeout bounds the wait for another tagging run.
const DefaultLockTimeout = 10 * time.Minute

// waitNote is how long Lock waits before saying that it waits.
const waitNote = 500 * time.Millisecond

// Locks are the held tagging locks of a set of repos.
type Locks struct{ files []*os.File }

// ErrLockTimeout is returned when another tagging run kept a repo's lock
// for the whole timeout.
var ErrLockTimeout = errors.New("another tagging run holds the lock")

// Lock takes the tagging lock of every repo, one at a time in the order of
// their git folders' paths (so two runs over overlapping repos never wait
// on each other in a circle), waiting for a run that holds one. Tagging
// runs over the same repos thus take turns: a run checks the repos only
// after every earlier run has finished, its rollback included, so nothing
// it counts as done can be taken back under it. waiting, when set, is
// called once if a lock stays held for a moment. An ended ctx stops the wait.
func Lock(ctx context.Context, repos []basedir.Repo, timeout time.Duration, waiting func(repo string)) (*Locks, error) {
	type item struct{ repo, path string }
	var items []item
	seen := map[string]bool{}
	for _, r := range repos {
		_, common, err := git.GitDir(r.Path)
		if err != nil {
			return nil, basedir.Wrap(r.Name, err)
		}
		p, err := filepath.Abs(filepath.Join(common, LockFile))
		if err != nil {
			return nil, basedir.Wrap(r.Name, err)
		}
		if !seen[p] {
			seen[p] = true
			items = append(items, item{r.Name, p})
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].path < items[j].path })
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	start := time.Now()
	deadline := start.Add(timeout)
	l := &Locks{}
	told := false
	for _, it := range items {
		f, err := flock.Open(it.path)
		if err != nil {
			l.Unlock()
			return nil, basedir.Errorf(it.repo, "opening the tagging lock: %v", err)
		}
		l.files = append(l.files, f)
		err = flock.Wait(ctx, f, deadline, 50*time.Millisecond, func() {
			// A lock that goes within a moment needs no word (a killed
			// run's child may hold it until its exec closes it).
			if !told && waiting != nil && time.Since(start) > waitNote {
				waiting(it.repo)
				told = true
			}
		})
		if err != nil {
			l.Unlock()
			switch {
			case errors.Is(err, flock.ErrHeld):
				return nil, basedir.Wrap(it.repo, fmt.Errorf("%w (%s); gave up after %s", ErrLockTimeout, it.path, timeout))
			case ctx.Err() != nil && errors.Is(err, ctx.Err()):
				return nil, fmt.Errorf("waiting for another tagging run: %w", err)
			default:
				return nil, basedir.Errorf(it.repo, "locking %s: %v", it.path, err)
			}
		}
	}
	return l, nil
}

// Unlock releases every lock held.
func (l *Locks) Unlock() {
	if l == nil {
		return
	}
	for _, f := range l.files {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
	l.files = nil
}

// Run is tag_repos: it takes the tagging lock of every repo, checks them
// all, then applies the tag, all or nothing, and lets the next run in.
func Run(ctx context.Context, g *git.Runner, o Options) (*Plan, Result, error) {
	locks, err := Lock(ctx, o.Repos, o.LockTimeout, o.Waiting)
	if err != nil {
		return nil, Result{}, err
	}
	defer locks.Unlock()
	plan, err := Check(ctx, g, o)
	if err != nil {
		return nil, Result{}, err
	}
	res, err := plan.Apply(ctx, g)
	return plan, res, err
}
