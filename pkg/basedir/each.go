package basedir

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/deploytag/deploytag/pkg/progress"
)

// ErrInterrupted is returned, once, for the items that never started
// because the caller's context ended (a signal or a deadline).
var ErrInterrupted = errors.New("interrupted")

// Fanout says how Each spreads work over repos.
type Fanout struct {
	Jobs     int               // at most this many at once; 0 or less means 1
	Step     string            // progress step name, e.g. "exporting"; empty reports nothing
	Progress progress.Reporter // nil reports nothing
}

// Each runs fn once for each of n items, named by name(i), at most
// f.Jobs at once, and waits for every call to return.
//
// Its policy is "check every repo and name every culprit": one item's
// failure never cancels its siblings, and fn gets the caller's ctx
// unchanged, so a sibling can fail only for its own reasons. Only ctx
// (a signal, a deadline) stops the rest: items not yet started are then
// skipped and reported once as ErrInterrupted with ctx's cause.
//
// Every failure comes back as a *RepoError naming its item, joined in
// item order (manifest order for manifest-ordered items), or nil.
func (f Fanout) Each(ctx context.Context, n int, name func(i int) string, fn func(ctx context.Context, i int) error) error {
	pr := progress.Or(f.Progress)
	if f.Step != "" {
		pr.Start(f.Step, n)
		defer pr.Stop()
	}
	jobs := max(f.Jobs, 1)
	errs := make([]error, n)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	skipped := 0
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			skipped = n - i
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = Wrap(name(i), fn(ctx, i))
			if f.Step != "" {
				pr.Done(name(i))
			}
		}()
	}
	wg.Wait()
	if skipped > 0 {
		errs = append(errs, fmt.Errorf("%w before %d of %d repos started: %w", ErrInterrupted, skipped, n, context.Cause(ctx)))
	}
	return errors.Join(errs...)
}

// EachRepo is Each over repos, named by their names.
func (f Fanout) EachRepo(ctx context.Context, repos []Repo, fn func(ctx context.Context, r Repo) error) error {
	return f.Each(ctx, len(repos), func(i int) string { return repos[i].Name },
		func(ctx context.Context, i int) error { return fn(ctx, repos[i]) })
}
